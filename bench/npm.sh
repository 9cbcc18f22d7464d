#!/usr/bin/env bash
# bench/npm.sh — npm read-path benchmark: artifactd against Verdaccio 6.8.0
# and nginx, on this machine, in one run. Run by hand (not in CI):
#
#   bench/npm.sh
#
# What it does (everything under a temporary folder $W, removed at exit;
# every server listens on 127.0.0.1 only):
#   1. builds artifactd, starts it on a fresh data directory, creates a
#      domain and a repository with the AWS CLI, gets a token and the npm
#      endpoint; creates an IAM user allowed to read by the repository's
#      policy, whose token the measured reads use (BENCH_AS_ADMIN=1: the
#      administrator's);
#   2. packs ONE package with 50 versions (~100 KB incompressible .tgz each)
#      and publishes every version with the real `npm publish`;
#   3. installs Verdaccio 6.8.0 from the npm registry into $W (while the
#      publishes to artifactd run), starts it offline (uplinks: {}), creates
#      a user (which gives a token) and publishes the same tarballs to it;
#   4. saves artifactd's full packument and one tarball and serves those
#      same files with nginx (sendfile on, access_log off);
#   5. runs `wrk -t2 -c32 -d10s` (after a 2 s warm-up) against the packument
#      and one tarball URL of each server, with `Authorization: Bearer` for
#      artifactd and Verdaccio, and accounts for the CPU time of the server,
#      of wrk and of everything else on the machine during each run;
#   6. prints a table and the ratios artifactd/Verdaccio (packument
#      requests/s, target >= 10x) and artifactd/nginx (tarball throughput,
#      target >= 75%).
#
# Needs: go, node + npm (and the npm registry, for Verdaccio), the AWS CLI,
# wrk and nginx (`apt-get install -y wrk nginx-light`), python3, curl.
# /usr/bin/time (Debian package "time") is used to account wrk's CPU.
# The whole run is bounded: a watchdog stops it after BENCH_TIMEOUT seconds
# (290 by default); it normally takes 3-4 minutes on 2 cores.
#
# Knobs (environment): BENCH_DURATION (wrk seconds, 10), BENCH_WARMUP (2),
# BENCH_THREADS (2), BENCH_CONNS (32), BENCH_VERSIONS (50), BENCH_TIMEOUT
# (290), BENCH_KEEP=1 keeps $W (its logs, the wrk outputs) for inspection,
# BENCH_ARTIFACTD_FLAGS adds flags to `artifactd serve` (for example
# "--blob-cache-mb 0" to serve tarballs from the files, without the cache).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION="${BENCH_DURATION:-10}"
WARMUP="${BENCH_WARMUP:-2}"
THREADS="${BENCH_THREADS:-2}"
CONNS="${BENCH_CONNS:-32}"
VERSIONS="${BENCH_VERSIONS:-50}"
TIMEOUT="${BENCH_TIMEOUT:-290}"
PKG="bench-npm-pkg"
VERDACCIO_VERSION="6.8.0"
TICKS="$(getconf CLK_TCK)"

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

for tool in go node npm aws wrk nginx python3 curl; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (wrk, nginx: apt-get install -y wrk nginx-light)"
done

W="$(mktemp -d "${TMPDIR:-/tmp}/artifactd-bench-npm.XXXXXX")"
# nginx's workers drop to an unprivileged user when started as root: let
# them through $W (without listing it) to the files they serve.
chmod 711 "$W"
PIDS=() # every background process this script started

# kill_tree SIG PID: PID and its descendants, by id.
kill_tree() {
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

# Watchdog: the whole run is bounded (every npm command has its own
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

# wait_http URL: waits (15 s at most) until URL answers 2xx.
wait_http() {
  for _ in $(seq 150); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
log "work dir $W; load average before: $LOAD_BEFORE"

# npm with a private HOME, cache and configuration; $1 is the user npmrc.
: >"$W/global-npmrc"
printf 'update-notifier=false\nfund=false\naudit=false\n' >"$W/install-npmrc"
mkdir -p "$W/home" "$W/npm-cache"
npm_isolated() {
  local rc=$1
  shift
  env -u NODE_OPTIONS HOME="$W/home" NPM_CONFIG_USERCONFIG="$rc" NPM_CONFIG_GLOBALCONFIG="$W/global-npmrc" \
    NPM_CONFIG_CACHE="$W/npm-cache" NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false NPM_CONFIG_LOGLEVEL=warn NO_COLOR=1 timeout 120 npm "$@"
}
write_rc() { # file endpoint token
  printf 'registry=%s\n//%s:_authToken=%s\nupdate-notifier=false\nfund=false\naudit=false\n' \
    "$2" "${2#http://}" "$3" >"$1"
}
# publish_all NAME NPMRC: every tarball, in version order (so latest is the
# last), with npm publish.
publish_all() {
  local i
  for i in $(seq 0 $((VERSIONS - 1))); do
    npm_isolated "$2" publish "$W/tgz/$PKG-1.0.$i.tgz" >>"$W/publish-$1.log" 2>&1 \
      || { tail -20 "$W/publish-$1.log" >&2; return 1; }
  done
}

# ---------------------------------------------------------------- artifactd
log "building artifactd"
(cd "$ROOT" && go build -o "$W/artifactd" ./cmd/artifactd)

A_PORT="$(free_port)"
A_URL="http://127.0.0.1:$A_PORT"
A_KEY="AKIABENCH$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)"
A_SECRET="$(od -An -N30 -tx1 /dev/urandom | tr -d ' \n')"
mkdir -p "$W/data"
env ARTIFACTD_ROOT_ACCESS_KEY_ID="$A_KEY" ARTIFACTD_ROOT_SECRET_ACCESS_KEY="$A_SECRET" \
  "$W/artifactd" serve --addr "127.0.0.1:$A_PORT" --data-dir "$W/data" ${BENCH_ARTIFACTD_FLAGS:-} >"$W/artifactd.log" 2>&1 &
A_PID=$!
PIDS+=("$A_PID")
wait_http "$A_URL/healthz" || { cat "$W/artifactd.log" >&2; die "artifactd did not start"; }
log "artifactd on $A_URL"

awsca() {
  AWS_ACCESS_KEY_ID="$A_KEY" AWS_SECRET_ACCESS_KEY="$A_SECRET" AWS_DEFAULT_REGION=us-east-1 \
    AWS_CONFIG_FILE="$W/aws-config" AWS_SHARED_CREDENTIALS_FILE="$W/aws-credentials" \
    timeout 60 aws --endpoint-url "$A_URL" codeartifact "$@"
}
: >"$W/aws-config"
: >"$W/aws-credentials"
awsca create-domain --domain bench >/dev/null
awsca create-repository --domain bench --repository npm >/dev/null
A_TOKEN="$(awsca get-authorization-token --domain bench --query authorizationToken --output text)"
A_EP="$(awsca get-repository-endpoint --domain bench --repository npm --format npm --query repositoryEndpoint --output text)"
case "$A_EP" in */) ;; *) A_EP="$A_EP/" ;; esac
write_rc "$W/npmrc-artifactd" "$A_EP" "$A_TOKEN"
log "artifactd npm endpoint $A_EP"

# The reads are measured as an IAM user whose right to read comes from the
# repository's policy (its own policy only lets it get a token), so every
# request is authorized the way a CI reader's is. BENCH_AS_ADMIN=1 reads
# with the administrator's token instead.
R_TOKEN="$A_TOKEN"
if [ "${BENCH_AS_ADMIN:-0}" != 1 ]; then
  awsadm() {
    AWS_ACCESS_KEY_ID="$A_KEY" AWS_SECRET_ACCESS_KEY="$A_SECRET" AWS_DEFAULT_REGION=us-east-1 \
      AWS_CONFIG_FILE="$W/aws-config" AWS_SHARED_CREDENTIALS_FILE="$W/aws-credentials" \
      timeout 60 aws --endpoint-url "$A_URL" "$@"
  }
  ACCOUNT="$(awsadm sts get-caller-identity --query Account --output text)"
  awsadm iam create-user --user-name bench-reader >/dev/null
  read -r R_KEY R_SECRET < <(awsadm iam create-access-key --user-name bench-reader \
    --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
  awsadm iam put-user-policy --user-name bench-reader --policy-name token --policy-document '{"Version":"2012-10-17",
    "Statement":[{"Effect":"Allow","Action":"codeartifact:GetAuthorizationToken","Resource":"*"},
    {"Effect":"Allow","Action":"sts:GetServiceBearerToken","Resource":"*"}]}'
  awsca put-repository-permissions-policy --domain bench --repository npm --policy-document '{"Version":"2012-10-17",
    "Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::'"$ACCOUNT"':user/bench-reader"},
    "Action":"codeartifact:ReadFromRepository","Resource":"*"}]}' >/dev/null
  R_TOKEN="$(AWS_ACCESS_KEY_ID="$R_KEY" AWS_SECRET_ACCESS_KEY="$R_SECRET" AWS_DEFAULT_REGION=us-east-1 \
    AWS_CONFIG_FILE="$W/aws-config" AWS_SHARED_CREDENTIALS_FILE="$W/aws-credentials" \
    timeout 60 aws --endpoint-url "$A_URL" codeartifact get-authorization-token --domain bench \
    --query authorizationToken --output text)"
  log "reads as IAM user bench-reader (ReadFromRepository from the repository policy)"
fi

# ---------------------------------------------------------------- package
# Packed with tar as `npm pack` lays a package out (one package/ folder),
# which takes no time; npm publishes the tarballs as they are.
log "packing $PKG: $VERSIONS versions of ~100 KB"
mkdir -p "$W/tgz"
for i in $(seq 0 $((VERSIONS - 1))); do
  v="1.0.$i"
  d="$W/src/$v/package"
  mkdir -p "$d"
  printf '{\n  "name": "%s",\n  "version": "%s",\n  "description": "artifactd benchmark package",\n  "main": "index.js",\n  "license": "MIT"\n}\n' "$PKG" "$v" >"$d/package.json"
  printf 'module.exports = require("fs").readFileSync(__dirname + "/blob.bin");\n' >"$d/index.js"
  printf '# %s\n\nBenchmark package, version %s.\n' "$PKG" "$v" >"$d/README.md"
  head -c 100000 /dev/urandom >"$d/blob.bin" # random bytes: the .tgz stays ~100 KB
  tar -C "$W/src/$v" --owner=0 --group=0 --numeric-owner --mtime=@499162500 --sort=name \
    -cf - package | gzip -n -9 >"$W/tgz/$PKG-$v.tgz"
done
TGZ_BYTES="$(stat -c %s "$W/tgz/$PKG-1.0.0.tgz")"
log "tarball size $TGZ_BYTES bytes; publishing to artifactd (in the background)"
publish_all artifactd "$W/npmrc-artifactd" &
PUB_A=$!
PIDS+=("$PUB_A")

# ---------------------------------------------------------------- Verdaccio
log "installing Verdaccio $VERDACCIO_VERSION into $W/verdaccio"
mkdir -p "$W/verdaccio"
cat >"$W/verdaccio/package.json" <<'EOF'
{"name":"bench-verdaccio","private":true,"overrides":{"verdaccio-audit":{"node-fetch":"2.7.0"}}}
EOF
(cd "$W/verdaccio" && npm_isolated "$W/install-npmrc" install --no-audit --no-fund --omit=dev \
  "verdaccio@$VERDACCIO_VERSION" >"$W/verdaccio-install.log" 2>&1) \
  || { tail -30 "$W/verdaccio-install.log" >&2; die "npm install verdaccio@$VERDACCIO_VERSION failed"; }

V_PORT="$(free_port)"
V_URL="http://127.0.0.1:$V_PORT"
cat >"$W/verdaccio/config.yaml" <<EOF
storage: $W/verdaccio/storage
auth:
  htpasswd:
    file: $W/verdaccio/htpasswd
    max_users: 10
uplinks: {}
# JWT tokens: checking one is an HMAC. (With the default "legacy" tokens
# Verdaccio checks the password with bcrypt on every request: ~10 req/s.)
security:
  api:
    jwt:
      sign:
        expiresIn: 7d
packages:
  '**':
    access: \$authenticated
    publish: \$authenticated
    unpublish: \$authenticated
max_body_size: 100mb
listen: 127.0.0.1:$V_PORT
log: { type: stdout, format: pretty, level: error }
web:
  enable: false
EOF
(cd "$W/verdaccio" && HOME="$W/home" exec node node_modules/verdaccio/bin/verdaccio \
  --config "$W/verdaccio/config.yaml" >"$W/verdaccio.log" 2>&1) &
V_PID=$!
PIDS+=("$V_PID")
wait_http "$V_URL/-/ping" || { cat "$W/verdaccio.log" >&2; die "Verdaccio did not start"; }
V_TOKEN="$(curl -fsS -X PUT -H 'Content-Type: application/json' \
  -d '{"name":"bench","password":"bench-password-1","type":"user","roles":[]}' \
  "$V_URL/-/user/org.couchdb.user:bench" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
V_EP="$V_URL/"
write_rc "$W/npmrc-verdaccio" "$V_EP" "$V_TOKEN"
log "Verdaccio $(cd "$W/verdaccio" && node -p 'require("verdaccio/package.json").version') on $V_URL; publishing to it"
publish_all verdaccio "$W/npmrc-verdaccio" || die "npm publish to Verdaccio failed"
wait "$PUB_A" || die "npm publish to artifactd failed"
log "published $VERSIONS versions to both"

# ---------------------------------------------------------------- the URLs
A_AUTH="Authorization: Bearer $R_TOKEN"
V_AUTH="Authorization: Bearer $V_TOKEN"
A_PACKUMENT="$A_EP$PKG"
V_PACKUMENT="$V_EP$PKG"
curl -fsS -H "$A_AUTH" -H 'Accept: application/json' "$A_PACKUMENT" -o "$W/packument.json"
curl -fsS -H "$V_AUTH" -H 'Accept: application/json' "$V_PACKUMENT" -o "$W/packument-verdaccio.json"
MID="1.0.$((VERSIONS / 2))"
read -r A_TARBALL V_TARBALL NV_A NV_V < <(python3 - "$W" "$MID" <<'EOF'
import json, sys
w, v = sys.argv[1], sys.argv[2]
a = json.load(open(w + "/packument.json"))
b = json.load(open(w + "/packument-verdaccio.json"))
print(a["versions"][v]["dist"]["tarball"], b["versions"][v]["dist"]["tarball"], len(a["versions"]), len(b["versions"]))
EOF
)
[ "$NV_A" = "$VERSIONS" ] && [ "$NV_V" = "$VERSIONS" ] || die "the packuments list $NV_A / $NV_V versions, want $VERSIONS"
curl -fsS -H "$A_AUTH" "$A_TARBALL" -o "$W/tarball.tgz"
cmp -s "$W/tarball.tgz" "$W/tgz/$PKG-$MID.tgz" || die "artifactd's tarball differs from the published one"
curl -fsS -H "$V_AUTH" "$V_TARBALL" -o "$W/tarball-verdaccio.tgz"
cmp -s "$W/tarball-verdaccio.tgz" "$W/tgz/$PKG-$MID.tgz" || die "Verdaccio's tarball differs from the published one"
PACKUMENT_BYTES="$(stat -c %s "$W/packument.json")"
PACKUMENT_V_BYTES="$(stat -c %s "$W/packument-verdaccio.json")"
log "packument: artifactd $PACKUMENT_BYTES bytes, Verdaccio $PACKUMENT_V_BYTES bytes"

# ---------------------------------------------------------------- nginx
N_PORT="$(free_port)"
N_URL="http://127.0.0.1:$N_PORT"
mkdir -p "$W/nginx/www" "$W/nginx/tmp"
cp "$W/packument.json" "$W/nginx/www/packument.json"
cp "$W/tarball.tgz" "$W/nginx/www/tarball.tgz"
chmod 711 "$W/nginx"
chmod 755 "$W/nginx/www"
chmod 644 "$W/nginx/www/"*
cat >"$W/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log warn;
events { worker_connections 1024; }
http {
  types { application/json json; application/octet-stream tgz; }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $W/nginx/tmp/body;
  proxy_temp_path $W/nginx/tmp/proxy;
  fastcgi_temp_path $W/nginx/tmp/fastcgi;
  uwsgi_temp_path $W/nginx/tmp/uwsgi;
  scgi_temp_path $W/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:$N_PORT;
    root $W/nginx/www;
  }
}
EOF
nginx -p "$W/nginx" -c "$W/nginx/nginx.conf" -e "$W/nginx/error.log" 2>>"$W/nginx/error.log" &
N_PID=$!
PIDS+=("$N_PID")
wait_http "$N_URL/packument.json" || { cat "$W/nginx/error.log" >&2; die "nginx did not start"; }
log "nginx on $N_URL"

# ---------------------------------------------------------------- measure
# CPU accounting, in clock ticks: the machine (user+nice+system, from
# /proc/stat), a process tree (utime+stime of the process and its children,
# e.g. nginx's workers), wrk (from /usr/bin/time). "Others" is what the
# machine spent beyond the server and wrk: other people's work (and the
# kernel's network time not charged to a process).
machine_ticks() { awk '/^cpu /{print $2 + $3 + $4}' /proc/stat; }
tree_ticks() {
  local pid=$1 sum child
  sum="$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)"
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    sum=$((sum + $(tree_ticks "$child")))
  done
  echo "$sum"
}

# bench NAME SERVER_PID URL [HEADER]: a warm-up, then the measured run.
declare -A RPS BPS CPU_REQ SRV_CORES WRK_CORES OTHER_CORES
bench() {
  local name=$1 pid=$2 url=$3 hdr=${4:-} out m0 m1 s0 s1 t0 t1 wrk_s n secs
  local args=(-t"$THREADS" -c"$CONNS")
  [ -n "$hdr" ] && args+=(-H "$hdr")
  wrk "${args[@]}" -d"${WARMUP}s" "$url" >/dev/null
  m0=$(machine_ticks) s0=$(tree_ticks "$pid") t0=$(date +%s.%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%U %S' -o "$W/time-$name.txt" wrk "${args[@]}" -d"${DURATION}s" "$url" >"$W/wrk-$name.txt"
    wrk_s="$(awk '{print $1 + $2}' "$W/time-$name.txt")"
  else
    wrk "${args[@]}" -d"${DURATION}s" "$url" >"$W/wrk-$name.txt"
    wrk_s=0
  fi
  m1=$(machine_ticks) s1=$(tree_ticks "$pid") t1=$(date +%s.%N)
  out="$(cat "$W/wrk-$name.txt")"
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    printf '%s\n' "$out" >&2
    die "$name: errors during the run"
  fi
  RPS[$name]="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  BPS[$name]="$(awk '/^Transfer\/sec:/ {
      v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[A-Za-z]+$/, "", v)
      m = (u == "KB") ? 1024 : (u == "MB") ? 1048576 : (u == "GB") ? 1073741824 : 1
      printf "%.0f", v * m }' <<<"$out")"
  n="$(awk '/ requests in / {print $1}' <<<"$out")"
  secs="$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}')"
  CPU_REQ[$name]="$(awk -v s=$((s1 - s0)) -v n="$n" -v hz="$TICKS" 'BEGIN{printf "%.0f", s / hz / n * 1e6}')"
  SRV_CORES[$name]="$(awk -v s=$((s1 - s0)) -v t="$secs" -v hz="$TICKS" 'BEGIN{printf "%.2f", s / hz / t}')"
  WRK_CORES[$name]="$(awk -v w="$wrk_s" -v t="$secs" 'BEGIN{printf "%.2f", w / t}')"
  OTHER_CORES[$name]="$(awk -v m=$((m1 - m0)) -v s=$((s1 - s0)) -v w="$wrk_s" -v t="$secs" -v hz="$TICKS" \
    'BEGIN{o = (m - s) / hz - w; if (o < 0) o = 0; printf "%.2f", o / t}')"
  log "$(printf '%-20s %8.0f req/s %8.1f MB/s  server %4s cores (%s us CPU/req), wrk %s, others %s' \
    "$name" "${RPS[$name]}" "$(awk -v b="${BPS[$name]}" 'BEGIN{print b / 1048576}')" \
    "${SRV_CORES[$name]}" "${CPU_REQ[$name]}" "${WRK_CORES[$name]}" "${OTHER_CORES[$name]}")"
}

log "measuring: wrk -t$THREADS -c$CONNS -d${DURATION}s (after a ${WARMUP}s warm-up), load average now $(cut -d' ' -f1-3 /proc/loadavg)"
bench artifactd-packument "$A_PID" "$A_PACKUMENT" "$A_AUTH"
bench verdaccio-packument "$V_PID" "$V_PACKUMENT" "$V_AUTH"
bench nginx-packument "$N_PID" "$N_URL/packument.json"
bench artifactd-tarball "$A_PID" "$A_TARBALL" "$A_AUTH"
bench verdaccio-tarball "$V_PID" "$V_TARBALL" "$V_AUTH"
bench nginx-tarball "$N_PID" "$N_URL/tarball.tgz"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- report
mb() { awk -v b="$1" 'BEGIN{printf "%.1f", b / 1048576}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}'; }
pct() { awk -v r="$1" 'BEGIN{printf "%.0f%%", r * 100}'; }
RATIO_PACK="$(ratio "${RPS[artifactd-packument]}" "${RPS[verdaccio-packument]}")"
RATIO_TAR="$(ratio "${BPS[artifactd-tarball]}" "${BPS[nginx-tarball]}")"
PACK_OK="$(awk -v r="$RATIO_PACK" 'BEGIN{print (r >= 10) ? "met" : "MISSED"}')"
TAR_OK="$(awk -v r="$RATIO_TAR" 'BEGIN{print (r >= 0.75) ? "met" : "MISSED"}')"

echo
echo "## npm benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "machine: $(nproc) CPUs ($(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)), $(awk '/^MemTotal/{printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM"
echo "$(go version); node $(node --version); npm $(npm --version); Verdaccio $VERDACCIO_VERSION; $(nginx -v 2>&1 | sed 's/^nginx version: //'); wrk $(wrk --version 2>&1 | awk 'NR == 1 {print $2}')"
echo "load: wrk -t$THREADS -c$CONNS -d${DURATION}s after a ${WARMUP}s warm-up, Authorization: Bearer for artifactd and Verdaccio"
echo "artifactd flags: ${BENCH_ARTIFACTD_FLAGS:-(defaults)}"
echo "package $PKG: $VERSIONS versions; tarball $TGZ_BYTES B; full packument $PACKUMENT_BYTES B from artifactd (nginx serves the same file), $PACKUMENT_V_BYTES B from Verdaccio"
echo
echo "| URL       | server    | requests/s | MB/s   | server CPU/req | server cores | wrk cores | others' cores |"
echo "|-----------|-----------|-----------:|-------:|---------------:|-------------:|----------:|--------------:|"
for what in packument tarball; do
  for srv in artifactd verdaccio nginx; do
    n="$srv-$what"
    printf '| %-9s | %-9s | %10.0f | %6s | %11s us | %12s | %9s | %13s |\n' "$what" "$srv" "${RPS[$n]}" \
      "$(mb "${BPS[$n]}")" "${CPU_REQ[$n]}" "${SRV_CORES[$n]}" "${WRK_CORES[$n]}" "${OTHER_CORES[$n]}"
  done
done
echo
echo "packument requests/s  artifactd / Verdaccio = ${RATIO_PACK}x (target >= 10x: $PACK_OK)"
echo "tarball throughput    artifactd / nginx     = $(pct "$RATIO_TAR") (target >= 75%: $TAR_OK)"
echo "packument requests/s  artifactd / nginx     = $(pct "$(ratio "${RPS[artifactd-packument]}" "${RPS[nginx-packument]}")") (for reference)"
echo "CPU per request (less sensitive to other load on the machine): Verdaccio / artifactd =" \
  "$(ratio "${CPU_REQ[verdaccio-packument]}" "${CPU_REQ[artifactd-packument]}")x (packument);" \
  "nginx / artifactd = $(pct "$(ratio "${CPU_REQ[nginx-tarball]}" "${CPU_REQ[artifactd-tarball]}")") (tarball)"
echo "load average before: $LOAD_BEFORE; after: $LOAD_AFTER"
