#!/usr/bin/env bash
# One user cannot stall the others (docs/performance.md): the server on the demo company;
# another user's GET /api/me p50/p90/p99 alone and while the rep runs 4 parallel xlsx exports
# (bench/isolation.py). Failed sign-ins: bench/signin_load.sh.
#
#   bench/isolation.sh [SECONDS]       # default 20 per phase
#   KAOHE_BIN=target/release/kaohe (default; not built here: cargo build --release -p kaohe)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
bin=$(realpath "${KAOHE_BIN:-target/release/kaohe}")
[[ -x $bin ]] || { echo "bench/isolation.sh: no binary at $bin (cargo build --release -p kaohe)" >&2; exit 2; }
dir=$(mktemp -d /tmp/kaohe-isolation.XXXXXX)
server=
cleanup() { [[ -n $server ]] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
db=$dir/demo.db
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$dir" && "$bin" demo --db "$db" --port "$port" >"$dir/server.log" 2>&1) &
server=$!
for _ in $(seq 1 600); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.5
done
probe=$(KAOHE_PASSWORD= "$bin" --db "$db" user token --username manager --name bench-probe 2>/dev/null | tail -n 1)
rep=$("$bin" --db "$db" user token --username rep --name bench-exports 2>/dev/null | tail -n 1)
echo "kaohe $(git rev-parse --short HEAD), $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/isolation.py "http://127.0.0.1:$port" "$probe" "$rep" "$secs"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
