#!/usr/bin/env bash
# bench/npm-proxy.sh — `npm install` through an external connection:
# artifactd proxying a stand-in for the public npm registry, against npm
# talking to the stand-in directly and against Verdaccio 6.8.0 as a proxy of
# the same stand-in. Run by hand (not in CI):
#
#   bench/npm-proxy.sh
#
# What it does (everything under a temporary folder $W, removed at exit;
# every server listens on 127.0.0.1 only, nothing reaches the internet):
#   1. installs Verdaccio 6.8.0 with scripts/install-verdaccio (a cache folder
#      shared with the tests; nothing is fetched when it is there) and builds
#      artifactd;
#   2. generates BENCH_PACKAGES (100) small "public" packages, a tenth of them
#      scoped (@benchpub/...), each in BENCH_VERSIONS (3) versions with a
#      10-50 KB incompressible file, each depending (^1.0.0) on 0-3 packages
#      further down a fixed random order (BENCH_SEED), so that the tree is
#      several levels deep; the project depends on the packages nothing else
#      depends on, and installing it installs every package (newest version);
#   3. starts the stand-in, a Verdaccio with `uplinks: {}` and anonymous
#      reads, and publishes every version to it (the PUT `npm publish` sends,
#      from Python: npm itself would take minutes for 300 tarballs);
#   4. measures, BENCH_ROUNDS (5) times each, interleaved:
#      - direct:       npm install from the stand-in itself;
#      - artifactd:    a fresh artifactd (new data folder) started with
#                      --external-connection public:npmjs=<stand-in>, the
#                      repository npm-store associated with public:npmjs and
#                      the repository app whose upstream is npm-store, set up
#                      with the aws CLI; npm installs from app: "cold" (nothing
#                      kept yet) then "warm" (everything kept by the cold run:
#                      checked, npm-store lists every package, origin EXTERNAL);
#      - verdaccio:    a fresh Verdaccio 6.8.0 (new storage) with the stand-in
#                      as uplink: "cold", then "warm" (second run);
#   5. checks every install (exit 0; node_modules holds every package at its
#      newest version, with the bytes that were published), and prints the
#      medians, the requests the stand-in answered during each kind of run,
#      and the ratios.
#
# Fairness: every install starts from the same project (package.json only),
# with an EMPTY npm cache, NO lock file (--package-lock=false, so npm resolves
# every dependency: one packument and one tarball request per package, the
# full work of a proxy) and no node_modules; npm runs with fetch-retries=0 (a
# failed request fails the run instead of being retried after a delay) and
# its default parallelism. artifactd and the Verdaccio proxy both require a
# token (JWT for Verdaccio, so checking one is cheap); the stand-in, like the
# public registry, is read anonymously. A "warm" run comes right after the
# cold run on the same server: packument freshness is the server's default
# (Verdaccio's uplink maxage is 2 minutes; for artifactd add ";ttl=..." with
# BENCH_EXTERNAL_OPTS). The stand-in logs every request (all targets pay
# that equally), which the report counts. The report also gives the CPU time
# of the server npm talks to and of the stand-in during each install (npm
# itself takes most of the 2 cores: the CPU time is the steadier measure
# when the machine is busy).
#
# Needs: go, node + npm (and the npm registry once, for Verdaccio), the AWS
# CLI, python3, curl. A watchdog stops the run after BENCH_TIMEOUT seconds
# (1200 by default); it takes ~4 minutes on 2 cores with the defaults.
#
# Knobs (environment): BENCH_PACKAGES (100), BENCH_VERSIONS (3),
# BENCH_ROUNDS (5), BENCH_SEED (1), BENCH_TIMEOUT (1200), BENCH_KEEP=1 keeps
# $W (logs, projects) for inspection, BENCH_ARTIFACTD_FLAGS adds flags to
# `artifactd serve`, BENCH_EXTERNAL_OPTS is appended to the connection's
# value (for example ";ttl=10m;timeout=30s"), BENCH_SKIP_ARTIFACTD=1
# measures only the others (while the artifactd at hand has no external
# connections).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PACKAGES="${BENCH_PACKAGES:-100}"
VERSIONS="${BENCH_VERSIONS:-3}"
ROUNDS="${BENCH_ROUNDS:-5}"
SEED="${BENCH_SEED:-1}"
TIMEOUT="${BENCH_TIMEOUT:-1200}"
EXT_OPTS="${BENCH_EXTERNAL_OPTS:-}"
SKIP_A="${BENCH_SKIP_ARTIFACTD:-0}"

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

for tool in go node npm aws python3 curl; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
[ "$PACKAGES" -ge 2 ] && [ "$VERSIONS" -ge 1 ] && [ "$ROUNDS" -ge 1 ] || die "BENCH_PACKAGES >= 2, BENCH_VERSIONS >= 1, BENCH_ROUNDS >= 1"

W="$(mktemp -d "${TMPDIR:-/tmp}/artifactd-bench-npm-proxy.XXXXXX")"
PIDS=() # every background process this script started

# kill_tree SIG PID: PID and its descendants, by id.
kill_tree() {
  local sig=$1 pid=$2 child
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    kill_tree "$sig" "$child"
  done
  kill "-$sig" "$pid" 2>/dev/null || true
}

# stop_pid PID: TERM to its tree, KILL after 5 s, reaped.
stop_pid() {
  local pid=$1
  kill_tree TERM "$pid"
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill_tree KILL "$pid"
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill_tree TERM "$pid"; done
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  if [ "${BENCH_KEEP:-0}" = 1 ]; then
    log "kept $W"
  else
    rm -rf "$W"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'log "stopped (timeout or signal)"; exit 143' TERM

# Watchdog: the whole run is bounded (every npm and aws command has its own
# timeout too, so the TERM is acted on promptly).
(
  trap 'kill "$sp" 2>/dev/null; exit 0' TERM
  sleep "$TIMEOUT" &
  sp=$!
  wait "$sp" && kill -TERM $$ 2>/dev/null
) &
PIDS+=($!)

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL: waits (30 s at most) until URL answers 2xx.
wait_http() {
  for _ in $(seq 300); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
log "work dir $W; load average before: $LOAD_BEFORE"

# npm with a private HOME, cache and configuration; $1 is the user npmrc,
# $2 the cache folder.
: >"$W/global-npmrc"
mkdir -p "$W/home"
npm_isolated() {
  local rc=$1 cache=$2
  shift 2
  env -u NODE_OPTIONS HOME="$W/home" NPM_CONFIG_USERCONFIG="$rc" NPM_CONFIG_GLOBALCONFIG="$W/global-npmrc" \
    NPM_CONFIG_CACHE="$cache" NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false NPM_CONFIG_LOGLEVEL=warn NO_COLOR=1 timeout 300 npm "$@"
}
# write_rc FILE ENDPOINT [TOKEN]
write_rc() {
  {
    printf 'registry=%s\n' "$2"
    [ -n "${3:-}" ] && printf '//%s:_authToken=%s\n' "${2#http://}" "$3"
    printf 'update-notifier=false\nfund=false\naudit=false\nfetch-retries=0\n'
  } >"$1"
}

# verdaccio_user URL NAME: creates a user, prints its token.
verdaccio_user() {
  curl -fsS -X PUT -H 'Content-Type: application/json' \
    -d "{\"name\":\"$2\",\"password\":\"$2-password-1\",\"type\":\"user\",\"roles\":[]}" \
    "$1/-/user/org.couchdb.user:$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# verdaccio_config FILE PORT STORAGE ACCESS [UPLINK_URL]: a Verdaccio config;
# JWT tokens (the default "legacy" ones cost a bcrypt per request), no web
# UI, one JSON log line per request (no pretty-printing worker).
verdaccio_config() {
  local file=$1 port=$2 storage=$3 access=$4 uplink=${5:-} proxy=""
  {
    printf 'storage: %s\n' "$storage"
    printf 'auth:\n  htpasswd:\n    file: %s/htpasswd\n    max_users: 10\n' "$(dirname "$file")"
    if [ -n "$uplink" ]; then
      printf 'uplinks:\n  standin:\n    url: %s\n    cache: true\n' "$uplink"
      proxy="    proxy: standin"
    else
      printf 'uplinks: {}\n'
    fi
    printf 'security:\n  api:\n    jwt:\n      sign:\n        expiresIn: 7d\n'
    printf 'packages:\n'
    for pat in "'@*/*'" "'**'"; do
      printf '  %s:\n    access: %s\n    publish: $authenticated\n    unpublish: $authenticated\n' "$pat" "$access"
      [ -n "$proxy" ] && printf '%s\n' "$proxy"
    done
    printf 'max_body_size: 100mb\nlisten: 127.0.0.1:%s\n' "$port"
    printf 'log: { type: stdout, format: json, level: http }\nweb:\n  enable: false\n'
  } >"$file"
}

# start_verdaccio DIR LOG: starts Verdaccio on DIR/config.yaml, sets V_PID.
start_verdaccio() {
  (cd "$1" && HOME="$W/home" exec env -u NODE_OPTIONS -u NODE_ENV "$ARTIFACTD_TEST_VERDACCIO" \
    --config "$1/config.yaml" >"$2" 2>&1) &
  V_PID=$!
  PIDS+=("$V_PID")
}

# ---------------------------------------------------------------- tools
log "Verdaccio: scripts/install-verdaccio"
if [ -z "${ARTIFACTD_TEST_VERDACCIO:-}" ]; then
  eval "$("$ROOT/scripts/install-verdaccio")"
fi
[ -f "$ARTIFACTD_TEST_VERDACCIO" ] || die "ARTIFACTD_TEST_VERDACCIO=$ARTIFACTD_TEST_VERDACCIO: no such file"
V_VERSION="$(node -p 'require(process.argv[1]).version' "$(dirname "$ARTIFACTD_TEST_VERDACCIO")/../package.json")"

if [ "$SKIP_A" != 1 ]; then
  log "building artifactd"
  (cd "$ROOT" && go build -o "$W/artifactd" ./cmd/artifactd)
  { "$W/artifactd" serve --help 2>&1 || true; } | grep -q -- '-external-connection' \
    || die "this artifactd has no --external-connection flag (BENCH_SKIP_ARTIFACTD=1 measures the others)"
fi

# ---------------------------------------------------------------- packages
# Tarballs packed as `npm pack` lays a package out (one package/ folder);
# $W/expected.json: name -> newest version and the sha256 of its blob.bin.
log "generating $PACKAGES packages x $VERSIONS versions (seed $SEED)"
python3 - "$W" "$PACKAGES" "$VERSIONS" "$SEED" <<'PY'
import gzip, hashlib, io, json, os, random, sys, tarfile
w, n, nv, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(seed)
names = [f"@benchpub/pkg-{i:03d}" if i % 10 == 3 else f"bench-pub-{i:03d}" for i in range(n)]
deps = {}
for i, name in enumerate(names):
    later = names[i + 1:i + 13]  # a window: chains several levels deep
    deps[name] = sorted(rnd.sample(later, min(len(later), rnd.choice([0, 1, 2, 2, 3, 3]))))
depended = {d for ds in deps.values() for d in ds}
roots = [x for x in names if x not in depended]
versions = [f"1.{k}.0" for k in range(nv)]
os.makedirs(f"{w}/tgz")
order = []  # publish order: every package's 1.0.0, then every 1.1.0, ...
expected = {}
def add(tf, path, data):
    ti = tarfile.TarInfo(path)
    ti.size, ti.mode, ti.mtime = len(data), 0o644, 499162500
    tf.addfile(ti, io.BytesIO(data))
for v in versions:
    for name in names:
        pj = {"name": name, "version": v, "description": f"benchmark stand-in package {name}",
              "main": "index.js", "license": "MIT",
              "dependencies": {d: "^1.0.0" for d in deps[name]}}
        index = "module.exports = {name: %s, deps: [%s]};\n" % (
            json.dumps(name), ", ".join(f"require({json.dumps(d)}).name" for d in deps[name]))
        blob = rnd.randbytes(rnd.randint(10_000, 50_000))
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.USTAR_FORMAT) as tf:
                add(tf, "package/package.json", json.dumps(pj, indent=2).encode() + b"\n")
                add(tf, "package/index.js", index.encode())
                add(tf, "package/README.md", f"# {name}\n\nVersion {v}.\n".encode())
                add(tf, "package/blob.bin", blob)
        f = f"{w}/tgz/{name.replace('@', '').replace('/', '-')}-{v}.tgz"
        with open(f, "wb") as out:
            out.write(buf.getvalue())
        order.append(f)
        expected[name] = {"version": v, "sha256": hashlib.sha256(blob).hexdigest()}
with open(f"{w}/publish-order.txt", "w") as out:
    out.write("\n".join(order) + "\n")
with open(f"{w}/expected.json", "w") as out:
    json.dump(expected, out)
os.makedirs(f"{w}/project")
with open(f"{w}/project/package.json", "w") as out:
    json.dump({"name": "bench-app", "version": "1.0.0", "private": True,
               "dependencies": {r: "^1.0.0" for r in roots}}, out, indent=2)
depth = {}
for name in reversed(names):
    depth[name] = 1 + max((depth[d] for d in deps[name]), default=0)
sizes = [os.path.getsize(f) for f in order]
print(f"{len(roots)} top packages, tree depth {max(depth[r] for r in roots)}, "
      f"{sum(len(d) for d in deps.values())} dependency edges; tarballs {min(sizes)}-{max(sizes)} B, "
      f"{sum(sizes[-n:]) // 1024} KiB for the newest versions", file=sys.stderr)
PY

# ---------------------------------------------------------------- stand-in
S_PORT="$(free_port)"
S_URL="http://127.0.0.1:$S_PORT"
mkdir -p "$W/standin/storage"
verdaccio_config "$W/standin/config.yaml" "$S_PORT" "$W/standin/storage" '$all'
start_verdaccio "$W/standin" "$W/standin.log"
S_PID=$V_PID
wait_http "$S_URL/-/ping" || { tail -30 "$W/standin.log" >&2; die "the stand-in did not start"; }
S_TOKEN="$(verdaccio_user "$S_URL" publisher)"
write_rc "$W/npmrc-direct" "$S_URL/"
log "stand-in (Verdaccio $V_VERSION, offline) on $S_URL; publishing $((PACKAGES * VERSIONS)) tarballs"

# The PUT npm publish sends (the tarball as a base64 attachment, its digests
# in dist), 4 at a time, one version of every package after the other (so
# that "latest" ends on the newest). `npm publish` itself costs ~0.7 s of
# CPU per tarball: minutes for the whole tree.
T0=$(date +%s)
python3 - "$S_URL" "$S_TOKEN" "$PACKAGES" "$W/publish-order.txt" <<'PY' || die "publishing to the stand-in failed"
import base64, concurrent.futures, hashlib, io, json, sys, tarfile, urllib.parse, urllib.request
url, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = open(sys.argv[4]).read().split()
def publish(f):
    tgz = open(f, "rb").read()
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tf:
        pj = json.load(tf.extractfile("package/package.json"))
        readme = tf.extractfile("package/README.md").read().decode()
    name, v = pj["name"], pj["version"]
    base = name.split("/")[-1]
    doc = {"_id": name, "name": name, "description": pj["description"], "dist-tags": {"latest": v},
           "versions": {v: {**pj, "_id": f"{name}@{v}", "readme": readme, "_nodeVersion": "20.20.2",
                            "_npmVersion": "11.19.1", "dist": {
               "integrity": "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode(),
               "shasum": hashlib.sha1(tgz).hexdigest(),
               "tarball": f"{url}/{name}/-/{base}-{v}.tgz"}}},
           "access": "public",
           "_attachments": {f"{name}-{v}.tgz": {"content_type": "application/octet-stream",
                                                "data": base64.b64encode(tgz).decode(), "length": len(tgz)}}}
    req = urllib.request.Request(url + "/" + urllib.parse.quote(name, safe="@"), method="PUT",
                                 data=json.dumps(doc).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=60) as resp:
        if resp.status not in (200, 201):
            raise RuntimeError(f"PUT {name}@{v}: {resp.status}")
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    for k in range(0, len(files), n):
        list(pool.map(publish, files[k:k + n]))
PY
log "published in $(($(date +%s) - T0)) s"
python3 - "$S_URL" "$W/expected.json" <<'PY' || die "the stand-in does not serve what was published"
import json, sys, urllib.parse, urllib.request
url, expected = sys.argv[1], json.load(open(sys.argv[2]))
for name, e in expected.items():
    doc = json.load(urllib.request.urlopen(url + "/" + urllib.parse.quote(name, safe="@")))
    assert doc["dist-tags"]["latest"] == e["version"], (name, doc["dist-tags"])
PY

# ---------------------------------------------------------------- measure
# CPU time, in seconds, of a process and its children (utime + stime).
TICKS="$(getconf CLK_TCK)"
tree_ticks() {
  local pid=$1 sum child
  sum="$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)"
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    sum=$((sum + $(tree_ticks "$child")))
  done
  echo "$sum"
}
cpu_secs() { awk -v t="$1" -v hz="$TICKS" 'BEGIN{printf "%.2f\n", t / hz}'; }

# install NAME NPMRC SERVER_PID: one npm install of a fresh copy of the
# project with an empty cache, timed; checks the result; appends to
# $W/{times,upstream,cpu,standin-cpu}/NAME the seconds, the requests the
# stand-in answered, and the CPU seconds of the server and of the stand-in.
mkdir -p "$W/times" "$W/upstream" "$W/cpu" "$W/standin-cpu" "$W/runs"
RUN=0
standin_requests() { grep -c " requested '" "$W/standin.log" || true; }
install() {
  local name=$1 rc=$2 spid=$3 dir t0 t1 s0 s1 c0 c1 sc0 sc1 code=0
  RUN=$((RUN + 1))
  dir="$W/runs/$RUN-$name"
  mkdir -p "$dir/cache"
  cp "$W/project/package.json" "$dir/"
  s0=$(standin_requests) c0=$(tree_ticks "$spid") sc0=$(tree_ticks "$S_PID")
  t0=$(date +%s.%N)
  (cd "$dir" && npm_isolated "$rc" "$dir/cache" install --no-audit --no-fund --ignore-scripts \
    --package-lock=false >"$dir/npm.log" 2>&1) || code=$?
  t1=$(date +%s.%N)
  sleep 0.3 # the stand-in's log lines of the last requests
  s1=$(standin_requests) c1=$(tree_ticks "$spid") sc1=$(tree_ticks "$S_PID")
  if [ "$code" != 0 ]; then
    tail -30 "$dir/npm.log" >&2
    die "$name: npm install exited with $code (run $dir)"
  fi
  python3 - "$dir" "$W/expected.json" <<'PY' || die "$name: node_modules is not what was published (run $dir)"
import hashlib, json, os, sys
d, expected = sys.argv[1], json.load(open(sys.argv[2]))
bad = []
for name, e in expected.items():
    p = os.path.join(d, "node_modules", name)
    try:
        v = json.load(open(os.path.join(p, "package.json")))["version"]
        h = hashlib.sha256(open(os.path.join(p, "blob.bin"), "rb").read()).hexdigest()
    except OSError as err:
        bad.append(f"{name}: {err}")
        continue
    if v != e["version"] or h != e["sha256"]:
        bad.append(f"{name}: version {v} (want {e['version']}), blob {'ok' if h == e['sha256'] else 'DIFFERS'}")
if bad:
    print("\n".join(bad[:20]), file=sys.stderr)
    sys.exit(1)
PY
  awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f\n", b - a}' >>"$W/times/$name"
  echo $((s1 - s0)) >>"$W/upstream/$name"
  cpu_secs $((c1 - c0)) >>"$W/cpu/$name"
  cpu_secs $((sc1 - sc0)) >>"$W/standin-cpu/$name"
  log "$(printf '%-16s %6.2f s  server CPU %5.2f s, stand-in CPU %5.2f s, %d stand-in requests' "$name" \
    "$(tail -1 "$W/times/$name")" "$(tail -1 "$W/cpu/$name")" "$(tail -1 "$W/standin-cpu/$name")" $((s1 - s0)))"
  [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$dir"
}

awsca() {
  AWS_ACCESS_KEY_ID="$A_KEY" AWS_SECRET_ACCESS_KEY="$A_SECRET" AWS_DEFAULT_REGION=us-east-1 \
    AWS_CONFIG_FILE="$W/aws-config" AWS_SHARED_CREDENTIALS_FILE="$W/aws-credentials" \
    timeout 60 aws --endpoint-url "$A_URL" codeartifact "$@"
}
: >"$W/aws-config"
: >"$W/aws-credentials"

# round_artifactd R: a fresh artifactd, set up, cold then warm install.
round_artifactd() {
  local r=$1 data="$W/artifactd-$1"
  A_PORT="$(free_port)"
  A_URL="http://127.0.0.1:$A_PORT"
  A_KEY="AKIABENCH$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)"
  A_SECRET="$(od -An -N30 -tx1 /dev/urandom | tr -d ' \n')"
  mkdir -p "$data"
  # shellcheck disable=SC2086 # BENCH_ARTIFACTD_FLAGS is a list of flags
  env ARTIFACTD_ROOT_ACCESS_KEY_ID="$A_KEY" ARTIFACTD_ROOT_SECRET_ACCESS_KEY="$A_SECRET" \
    "$W/artifactd" serve --addr "127.0.0.1:$A_PORT" --data-dir "$data" \
    --external-connection "public:npmjs=$S_URL/$EXT_OPTS" ${BENCH_ARTIFACTD_FLAGS:-} >"$W/artifactd-$r.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  wait_http "$A_URL/healthz" || { tail -30 "$W/artifactd-$r.log" >&2; die "artifactd did not start"; }
  awsca create-domain --domain bench >/dev/null
  awsca create-repository --domain bench --repository npm-store \
    --description "proxy of the public npm registry (stand-in)" >/dev/null
  awsca associate-external-connection --domain bench --repository npm-store \
    --external-connection public:npmjs >/dev/null
  awsca create-repository --domain bench --repository app --upstreams repositoryName=npm-store >/dev/null
  local token ep
  token="$(awsca get-authorization-token --domain bench --query authorizationToken --output text)"
  ep="$(awsca get-repository-endpoint --domain bench --repository app --format npm --query repositoryEndpoint --output text)"
  case "$ep" in */) ;; *) ep="$ep/" ;; esac
  write_rc "$W/npmrc-artifactd" "$ep" "$token"
  [ "$r" = 1 ] && log "artifactd: $ep (app -> npm-store -> public:npmjs=$S_URL/$EXT_OPTS)"
  install artifactd-cold "$W/npmrc-artifactd" "$pid"
  install artifactd-warm "$W/npmrc-artifactd" "$pid"
  # Kept: every package in npm-store, from the external connection.
  local kept origin
  kept="$(awsca list-packages --domain bench --repository npm-store --format npm --query 'length(packages)' --output text)"
  origin="$(awsca describe-package-version --domain bench --repository npm-store --format npm \
    --package bench-pub-000 --package-version "1.$((VERSIONS - 1)).0" --query packageVersion.origin.originType --output text)"
  [ "$kept" = "$PACKAGES" ] && [ "$origin" = EXTERNAL ] \
    || die "artifactd kept $kept packages in npm-store (want $PACKAGES), bench-pub-000's origin is $origin (want EXTERNAL)"
  stop_pid "$pid"
}

# round_verdaccio R: a fresh Verdaccio proxy of the stand-in, cold then warm.
round_verdaccio() {
  local r=$1 dir="$W/vproxy-$1" port
  port="$(free_port)"
  mkdir -p "$dir/storage"
  verdaccio_config "$dir/config.yaml" "$port" "$dir/storage" '$authenticated' "$S_URL/"
  start_verdaccio "$dir" "$W/vproxy-$r.log"
  local pid=$V_PID
  wait_http "http://127.0.0.1:$port/-/ping" || { tail -30 "$W/vproxy-$r.log" >&2; die "the Verdaccio proxy did not start"; }
  write_rc "$W/npmrc-vproxy" "http://127.0.0.1:$port/" "$(verdaccio_user "http://127.0.0.1:$port" reader)"
  install verdaccio-cold "$W/npmrc-vproxy" "$pid"
  install verdaccio-warm "$W/npmrc-vproxy" "$pid"
  stop_pid "$pid"
}

log "measuring: $ROUNDS rounds; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  install direct "$W/npmrc-direct" "$S_PID"
  [ "$SKIP_A" = 1 ] || round_artifactd "$r"
  round_verdaccio "$r"
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- report
median() { sort -g "$1" | awk '{a[NR] = $1} END {printf "%g\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}'; }
declare -A MED
NAMES=(direct)
[ "$SKIP_A" = 1 ] || NAMES+=(artifactd-cold artifactd-warm)
NAMES+=(verdaccio-cold verdaccio-warm)
for n in "${NAMES[@]}"; do MED[$n]="$(median "$W/times/$n")"; done

echo
echo "## npm install through a proxy of the public registry (stand-in), $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "machine: $(nproc) CPUs ($(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)), $(awk '/^MemTotal/{printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM"
echo "$(go version); node $(node --version); npm $(npm --version); Verdaccio $V_VERSION (stand-in and proxy)"
echo "tree: $PACKAGES packages x $VERSIONS versions (seed $SEED); every install: empty npm cache, no lock file, all $PACKAGES packages installed and checked"
[ "$SKIP_A" = 1 ] || echo "artifactd: --external-connection 'public:npmjs=<stand-in>/$EXT_OPTS' ${BENCH_ARTIFACTD_FLAGS:-}; app -> npm-store (public:npmjs)"
echo
echo "| target         | runs | median s | min s | max s | server CPU s | stand-in CPU s | stand-in requests |"
echo "|----------------|-----:|---------:|------:|------:|-------------:|---------------:|------------------:|"
for n in "${NAMES[@]}"; do
  printf '| %-14s | %4d | %8.2f | %5.2f | %5.2f | %12.2f | %14.2f | %17s |\n' "$n" "$(wc -l <"$W/times/$n")" "${MED[$n]}" \
    "$(sort -g "$W/times/$n" | head -1)" "$(sort -g "$W/times/$n" | tail -1)" "$(median "$W/cpu/$n")" \
    "$(median "$W/standin-cpu/$n")" "$(median "$W/upstream/$n")"
done
echo
echo "server: the registry npm talks to (for direct, the stand-in itself); CPU and requests are medians per install"
echo
if [ "$SKIP_A" != 1 ]; then
  echo "artifactd warm / direct          = $(ratio "${MED[artifactd-warm]}" "${MED[direct]}")x"
  echo "artifactd cold / direct          = $(ratio "${MED[artifactd-cold]}" "${MED[direct]}")x"
  echo "artifactd cold / Verdaccio cold  = $(ratio "${MED[artifactd-cold]}" "${MED[verdaccio-cold]}")x"
  echo "artifactd warm / Verdaccio warm  = $(ratio "${MED[artifactd-warm]}" "${MED[verdaccio-warm]}")x"
fi
echo "Verdaccio cold / direct          = $(ratio "${MED[verdaccio-cold]}" "${MED[direct]}")x"
echo "Verdaccio warm / direct          = $(ratio "${MED[verdaccio-warm]}" "${MED[direct]}")x"
echo "(time ratios: below 1 is faster than the reference)"
echo "load average before: $LOAD_BEFORE; after: $LOAD_AFTER"
