#!/usr/bin/env bash
# bench/pypi.sh — PyPI simple-page benchmark: artifactd's PEP 503 page of one
# project with 50 versions against nginx serving the same page from a file,
# measured with wrk in one run on this machine. Run by hand (not in CI):
#
#   bench/pypi.sh
#
# Everything lives under a temporary folder, removed at exit; every server
# listens on 127.0.0.1 only. Needs go, the AWS CLI, python3, curl, wrk and
# nginx (`apt-get install -y wrk nginx-light`). Knobs: BENCH_DURATION (10),
# BENCH_CONNS (32), BENCH_VERSIONS (50), BENCH_KEEP=1 keeps the folder.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION="${BENCH_DURATION:-10}"
CONNS="${BENCH_CONNS:-32}"
VERSIONS="${BENCH_VERSIONS:-50}"
W="$(mktemp -d "${TMPDIR:-/tmp}/artifactd-bench-pypi.XXXXXX")"
chmod 711 "$W"
PIDS=()
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
cleanup() {
  local rc=$? pid
  trap - EXIT
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $W"; else rm -rf "$W"; fi
  exit "$rc"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { for _ in $(seq 150); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
go -C "$ROOT" build -o "$W/artifactd" ./cmd/artifactd
PORT=$(free_port)
export AWS_ACCESS_KEY_ID=AKIDBENCHPYPI AWS_SECRET_ACCESS_KEY=bench-secret AWS_DEFAULT_REGION=us-east-1
ARTIFACTD_ROOT_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID ARTIFACTD_ROOT_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
  "$W/artifactd" serve --addr "127.0.0.1:$PORT" --data-dir "$W/data" >"$W/artifactd.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$PORT/healthz"
ca() { aws --endpoint-url "http://127.0.0.1:$PORT" codeartifact "$@"; }
ca create-domain --domain bench >/dev/null
ca create-repository --domain bench --repository pypi >/dev/null
TOKEN=$(ca get-authorization-token --domain bench --query authorizationToken --output text)
EP=$(ca get-repository-endpoint --domain bench --repository pypi --format pypi --query repositoryEndpoint --output text)

log "building and uploading $VERSIONS wheels"
python3 - "$W/wheels" "$VERSIONS" <<'PY'
import base64, hashlib, os, sys, zipfile
out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out)
for i in range(n):
    v = f"1.0.{i}"
    name = f"bench_pkg-{v}-py3-none-any.whl"
    meta = f"Metadata-Version: 2.1\nName: bench-pkg\nVersion: {v}\nSummary: bench\nRequires-Python: >=3.8\n\nA benchmark package.\n"
    files = {"bench_pkg/__init__.py": "x = 1\n", f"bench_pkg-{v}.dist-info/METADATA": meta,
             f"bench_pkg-{v}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(f"{p},sha256={base64.urlsafe_b64encode(hashlib.sha256(c.encode()).digest()).rstrip(b'=').decode()},{len(c)}\n" for p, c in files.items())
    files[f"bench_pkg-{v}.dist-info/RECORD"] = record + f"bench_pkg-{v}.dist-info/RECORD,,\n"
    with zipfile.ZipFile(os.path.join(out, name), "w") as z:
        for p, c in files.items():
            z.writestr(p, c)
PY
for f in "$W"/wheels/*.whl; do
  v=$(basename "$f" | cut -d- -f2)
  curl -fsS -o /dev/null -u "aws:$TOKEN" -F ':action=file_upload' -F protocol_version=1 -F name=bench-pkg \
    -F "version=$v" -F filetype=bdist_wheel -F pyversion=py3 -F metadata_version=2.1 \
    -F "sha256_digest=$(sha256sum "$f" | cut -d' ' -f1)" -F "content=@$f" "$EP"
done

PAGE="${EP}simple/bench-pkg/"
mkdir -p "$W/www/simple/bench-pkg"
curl -fsS -u "aws:$TOKEN" -H 'Accept: text/html' -o "$W/www/simple/bench-pkg/index.html" "$PAGE"
log "simple page: $(wc -c <"$W/www/simple/bench-pkg/index.html") bytes, $(grep -c '<a ' "$W/www/simple/bench-pkg/index.html") links"

NPORT=$(free_port)
mkdir -p "$W/nginx"
cat >"$W/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path $W/nginx; proxy_temp_path $W/nginx; fastcgi_temp_path $W/nginx;
  uwsgi_temp_path $W/nginx; scgi_temp_path $W/nginx;
  types { text/html html; }
  server { listen 127.0.0.1:$NPORT; root $W/www; index index.html; }
}
CONF
nginx -c "$W/nginx/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
wait_http "http://127.0.0.1:$NPORT/simple/bench-pkg/"

AUTH="Authorization: Basic $(printf 'aws:%s' "$TOKEN" | base64 -w0)"
run_wrk() { # name url [header]
  local out
  wrk -t2 -c"$CONNS" -d2s ${3:+-H "$3"} -H 'Accept: text/html' "$2" >/dev/null
  out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" ${3:+-H "$3"} -H 'Accept: text/html' "$2")
  echo "$out" >"$W/wrk-$1.txt"
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}
A=$(run_wrk artifactd "$PAGE" "$AUTH")
N=$(run_wrk nginx "http://127.0.0.1:$NPORT/simple/bench-pkg/")
printf '\n%-26s %12s\n' "simple page (PEP 503 HTML)" "requests/s"
printf '%-26s %12s\n' "artifactd" "$A" "nginx (same file)" "$N"
python3 -c "print(f'artifactd / nginx: {float(\"$A\")/float(\"$N\"):.2f}')"
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
