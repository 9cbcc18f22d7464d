#!/usr/bin/env bash
# bench/publish.sh — generic PublishPackageVersion throughput through the real
# API (issue #15: >= 1,000 publishes/s with 8 clients on the embedded store).
# Run by hand (not in CI):
#
#   bench/publish.sh                 # this tree
#   bench/publish.sh REV [REV...]    # git revisions, built in temporary worktrees,
#                                    # run interleaved (e.g. before/after a change)
#
# Each run (bench/publish/main.go) starts the binary on a fresh data directory
# (embedded SQLite store, files), creates a domain and a generic repository,
# makes BENCH_WARMUP unmeasured publishes, then BENCH_N publishes of
# BENCH_SIZE random bytes each (one version per publish, spread over 8
# packages) from BENCH_CLIENTS concurrent SigV4 clients (aws-sdk-go-v2), and
# prints publishes/s, latency percentiles and CPU per publish (server,
# clients); it fails unless every answer is 200 and ListPackageVersions finds
# every version. BENCH_ROUNDS rounds run the revisions in turn. `uptime` is
# printed before and after: the machine may be shared, and the numbers are
# only comparable within one run.
#
# Knobs: BENCH_N (3000), BENCH_CLIENTS (8), BENCH_SIZE (1024), BENCH_WARMUP
# (200), BENCH_ROUNDS (3).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${BENCH_N:-3000}"
CLIENTS="${BENCH_CLIENTS:-8}"
SIZE="${BENCH_SIZE:-1024}"
WARMUP="${BENCH_WARMUP:-200}"
ROUNDS="${BENCH_ROUNDS:-3}"

W="$(mktemp -d "${TMPDIR:-/tmp}/artifactd-bench-publish.XXXXXX")"
WORKTREES=()
cleanup() {
  for wt in "${WORKTREES[@]}"; do git -C "$ROOT" worktree remove --force "$wt" >/dev/null 2>&1 || true; done
  rm -rf "$W"
}
trap cleanup EXIT

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

LABELS=()
if [ $# -eq 0 ]; then
  (cd "$ROOT" && go build -o "$W/bin-tree" ./cmd/artifactd)
  LABELS=(tree)
else
  for rev in "$@"; do
    sha="$(git -C "$ROOT" rev-parse --short "$rev")"
    git -C "$ROOT" worktree add -q --detach "$W/wt-$sha" "$sha"
    WORKTREES+=("$W/wt-$sha")
    log "building $rev ($sha)"
    (cd "$W/wt-$sha" && go build -o "$W/bin-$sha" ./cmd/artifactd)
    LABELS+=("$sha")
  done
fi
(cd "$ROOT" && go build -o "$W/driver" ./bench/publish)

log "uptime: $(uptime)"
for round in $(seq "$ROUNDS"); do
  for l in "${LABELS[@]}"; do
    "$W/driver" -bin "$W/bin-$l" -label "$l" -n "$N" -c "$CLIENTS" -size "$SIZE" -warmup "$WARMUP"
  done
done
log "uptime: $(uptime)"
