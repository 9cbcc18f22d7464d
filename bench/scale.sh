#!/usr/bin/env bash
# bench/scale.sh — the scale benchmark of issue #15: every operation's cost
# from N = 100 to 1,000,000, on the embedded store (SQLite + file blobs) and
# on PostgreSQL (+ file blobs), and for the rows that touch blobs on
# PostgreSQL + S3 (postgres-s3, moto). Run by hand (not in CI):
#
#   bench/scale.sh
#
# What it does:
#   1. builds artifactd and the driver (bench/scale);
#   2. starts a PostgreSQL cluster kept under $BENCH_DIR/pg (made on first
#      use; 127.0.0.1 only, default durability settings), stopped at exit;
#   3. builds the fixtures it does not have yet, directly through the store
#      layer, one data directory per (store, N) under $BENCH_DIR and one
#      PostgreSQL database per N (scale_N; scale_s3_N for postgres-s3,
#      whose blobs go to the bucket artifactd-scale, prefix scale-N, again
#      on every run since moto keeps them in memory): a domain; one generic package
#      of N versions (one asset each, 10 Unlisted); N npm packages in
#      another repository over four namespaces; one npm package of
#      min(N, 20000) versions with ~1 KB manifests, dist-tags and one real
#      tarball; and a repository per format (pypi, maven, cargo, ruby,
#      nuget, swift) of N versions in packages of 10 (at most 100,000 for
#      cargo, ruby, nuget and swift). Fixtures are reused by later runs
#      (delete $BENCH_DIR to rebuild them; they are rebuilt when the
#      generator changes);
#   4. starts `artifactd serve` on every fixture (127.0.0.1, free ports) and
#      measures each operation through the real API (aws-sdk-go-v2
#      CodeArtifact client with the administrator's key; plain HTTP with a
#      token for npm and the other formats, as their clients send it),
#      sizes and stores interleaved, BENCH_ROUNDS rounds,
#      every response checked (a failed check fails the run);
#   5. writes $BENCH_OUT/scale.tsv (store, operation, N, median ms, p90 ms,
#      samples, req/s), $BENCH_OUT/scale.md (the table with ratios to
#      N=100), $BENCH_OUT/run.txt (revision, times, load), and draws docs/img/scale-STORE.png
#      (generic and npm), docs/img/scale-STORE-formats.png (the other formats) and
#      docs/img/scale-STORE-peer.png (npm packuments against nginx) with gnuplot.
#
# Knobs: BENCH_DIR (/tmp/artifactd-scale), BENCH_OUT ($BENCH_DIR/out),
# BENCH_SIZES (100,10000,100000,1000000), BENCH_STORES (sqlite,postgres;
# add postgres-s3 for the S3 blob store on scripts/start-s3's moto server),
# BENCH_S3_SIZES (the sizes of postgres-s3: 100,10000,100000),
# BENCH_ROUNDS (3), BENCH_LOAD_SECONDS (3: each warm-packument load),
# BENCH_PLOTS (1: draw the PNGs into docs/img), BENCH_REV (the revision
# written to $BENCH_OUT/run.txt when $ROOT is not a git checkout),
# BENCH_GEN_ONLY (1: build the fixtures and stop), BENCH_PEER (1: serve the
# warm packuments' bytes with nginx too, the peer rows of the report).
# Needs: go, PostgreSQL (Debian's package is installed when missing, as
# scripts/start-postgres does), gnuplot (apt-get install -y gnuplot-nox,
# done here when missing), nginx (nginx-light, installed when missing
# without starting Debian's own service).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH_DIR="${BENCH_DIR:-/tmp/artifactd-scale}"
OUT="${BENCH_OUT:-$BENCH_DIR/out}"
SIZES="${BENCH_SIZES:-100,10000,100000,1000000}"
STORES="${BENCH_STORES:-sqlite,postgres}"
S3_SIZES="${BENCH_S3_SIZES:-100,10000,100000}"
GEN_ONLY="${BENCH_GEN_ONLY:-0}"
ROUNDS="${BENCH_ROUNDS:-3}"
LOAD_SECONDS="${BENCH_LOAD_SECONDS:-3}"
PLOTS="${BENCH_PLOTS:-1}"

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

mkdir -p "$BENCH_DIR" "$OUT"
chmod 755 "$BENCH_DIR"
PIDS=()       # background processes this script started
PG_STOP=""    # how to stop the PostgreSQL cluster, once started
S3_STOP=""    # how to stop the moto server, once started

kill_tree() { # SIG PID: PID and its descendants, by id
  local sig=$1 pid=$2 child
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    kill_tree "$sig" "$child"
  done
  kill "-$sig" "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill_tree TERM "$pid"; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill_tree KILL "$pid"
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "$S3_STOP" ]; then
    log "stopping the S3 server"
    eval "$S3_STOP" >/dev/null 2>&1 || log "could not stop the S3 server ($S3_STOP)"
  fi
  if [ -n "$PG_STOP" ]; then
    log "stopping PostgreSQL"
    eval "$PG_STOP" >/dev/null 2>&1 || log "could not stop PostgreSQL ($PG_STOP)"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

REV="${BENCH_REV:-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "not a git checkout")}"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
log "load average before: $LOAD_BEFORE"
log "building artifactd and the driver ($REV)"
(cd "$ROOT" && go build -o "$BENCH_DIR/artifactd" ./cmd/artifactd && go build -o "$BENCH_DIR/scale" ./bench/scale)

# PostgreSQL: a cluster of our own under $BENCH_DIR/pg, kept between runs
# (the fixtures live in it), running only while this script does.
DSN=""
if [[ ",$STORES," == *,postgres,* || ",$STORES," == *,postgres-s3,* ]]; then
  pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
  bin="$(pg_bin)"
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    log "installing PostgreSQL from apt"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    bin="$(pg_bin)"
  fi
  as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  PGDIR="$BENCH_DIR/pg"
  if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
    rm -rf "$PGDIR"
    mkdir -p "$PGDIR"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$PGDIR"
    as_owner "$bin/initdb" -D "$PGDIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$BENCH_DIR/initdb.log" 2>&1 ||
      { cat "$BENCH_DIR/initdb.log" >&2; die "initdb failed"; }
  fi
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
  PG_STOP="as_owner $bin/pg_ctl -D $PGDIR/data -m fast -w stop"
  as_owner "$bin/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 120 start -o \
    "-p $port -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=512MB" >&2 ||
    { PG_STOP=""; tail -n 20 "$PGDIR/server.log" >&2; die "PostgreSQL did not start"; }
  DSN="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $PGDIR/data"
fi

# S3: scripts/start-s3's moto server (in memory: the fixtures' blobs are
# uploaded again by every gen), bucket artifactd-scale, a prefix per N.
S3_URL=""
if [[ ",$STORES," == *,postgres-s3,* ]]; then
  s3env="$("$ROOT/scripts/start-s3")" || die "scripts/start-s3 failed"
  eval "$s3env"
  S3_STOP="$ARTIFACTD_TEST_S3_STOP"
  S3_URL="${ARTIFACTD_TEST_S3_URL/artifactd-test/artifactd-scale}"
  log "S3 (moto): $S3_URL"
fi

# Fixtures, timed (cached ones are reported as such).
IFS=, read -r -a size_list <<<"$SIZES"
IFS=, read -r -a store_list <<<"$STORES"
for n in "${size_list[@]}"; do
  for st in "${store_list[@]}"; do
    if [ "$st" = postgres-s3 ] && [[ ",$S3_SIZES," != *,$n,* ]]; then continue; fi
    start=$(date +%s)
    "$BENCH_DIR/scale" gen -store "$st" -n "$n" -dir "$BENCH_DIR/$st-$n" -dsn "$DSN" -s3 "$S3_URL"
    log "fixture $st n=$n ready ($(($(date +%s) - start)) s)"
  done
done
if [ "$GEN_ONLY" = 1 ]; then
  log "fixtures built (BENCH_GEN_ONLY=1)"
  exit 0
fi

# The peer: nginx, on 127.0.0.1 with a configuration of the benchmark's own.
NGINX=""
if [ "${BENCH_PEER:-1}" = 1 ]; then
  NGINX="$(command -v nginx || true)"
  [ -n "$NGINX" ] || NGINX=/usr/sbin/nginx
  if [ ! -x "$NGINX" ]; then
    log "installing nginx-light from apt (its service is not started)"
    made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
    fi
    installed=0
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >&2 && installed=1
    [ "$made_policy" = 0 ] || rm -f /usr/sbin/policy-rc.d
    [ "$installed" = 1 ] || die "could not install nginx"
  fi
fi

# Measurements, then the report.
"$BENCH_DIR/scale" measure -bin "$BENCH_DIR/artifactd" -stores "$STORES" -sizes "$SIZES" -dir "$BENCH_DIR" \
  -dsn "$DSN" -s3 "$S3_URL" -s3-sizes "$S3_SIZES" -rounds "$ROUNDS" -load-seconds "$LOAD_SECONDS" -out "$OUT" \
  -nginx "$NGINX" &
PIDS+=($!)
MEASURE_START="$(date -u +%FT%TZ)"
wait "${PIDS[-1]}"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
log "load average after: $LOAD_AFTER"
printf 'revision\t%s\nmeasured\t%s to %s\nload average before\t%s\nload average after\t%s\nstores\t%s\nsizes\t%s\ns3 sizes\t%s\nrounds\t%s\n' \
  "$REV" "$MEASURE_START" "$(date -u +%FT%TZ)" "$LOAD_BEFORE" "$LOAD_AFTER" "$STORES" "$SIZES" "$S3_SIZES" "$ROUNDS" >"$OUT/run.txt"
"$BENCH_DIR/scale" report -in "$OUT/samples.tsv" -out "$OUT"

if [ "$PLOTS" = 1 ]; then
  if ! command -v gnuplot >/dev/null 2>&1; then
    log "installing gnuplot-nox from apt"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >&2
  fi
  mkdir -p "$ROOT/docs/img"
  for st in "${store_list[@]}"; do
    for p in "$st" "$st-formats" "$st-peer"; do
      [ -f "$OUT/plot-$p.gp" ] || continue
      (cd "$OUT" && gnuplot -e "out='$ROOT/docs/img/scale-$p.png'" "plot-$p.gp")
      log "drew docs/img/scale-$p.png"
    done
  done
fi
log "results: $OUT/scale.tsv, $OUT/scale.md"
