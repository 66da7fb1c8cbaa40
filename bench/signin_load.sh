#!/usr/bin/env bash
# Another user's GET /api/me while 60 failed sign-ins per second arrive (issue 27), twice: with
# the per-address limit (default, 10 failures a minute: the flood is answered 429 without a
# password check) and without it (sign_ins_per_minute = 0: every guess reaches argon2, which runs
# on blocking threads behind a bounded queue). Fresh demo company, SQLite.
#   bench/signin_load.sh [SECONDS] [RATE]             # default 20 s, 60/s
#   KAOHE_BIN=/path/kaohe bench/signin_load.sh        # default target/debug/kaohe
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
rate=${2:-60}
bin=$(realpath "${KAOHE_BIN:-${CARGO_TARGET_DIR:-target}/debug/kaohe}")
[[ -x $bin ]] || { echo "bench/signin_load.sh: no binary at $bin (cargo build -p kaohe, or set KAOHE_BIN)" >&2; exit 2; }
dir=$(mktemp -d)
server=
cleanup() { [[ -n $server ]] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
"$bin" --db "$dir/demo.db" demo --no-serve > /dev/null 2>&1
echo "nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg), binary $bin, commit $(git rev-parse --short HEAD)"
for limit in 10 0; do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    printf 'sign_ins_per_minute = %s\n' "$limit" > "$dir/kaohe.toml"
    KAOHE_LOG=error "$bin" --config "$dir/kaohe.toml" --db "$dir/demo.db" serve --port "$port" > "$dir/server.log" 2>&1 &
    server=$!
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.2; done
    echo "== sign_ins_per_minute = $limit"
    python3 bench/signin_load.py "http://127.0.0.1:$port" "$secs" "$rate"
    kill "$server"; wait "$server" 2>/dev/null || true; server=
done
