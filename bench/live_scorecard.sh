#!/usr/bin/env bash
# Measures the live scorecard (the current period computed from the records on every request)
# and the whole-company evaluation on the demo company, with the release build.
#   bench/live_scorecard.sh [REQUESTS]
# Prints the evaluation time and p50 / p90 / p99 / max latency of GET /api/scorecard for the
# demo rep, measured with curl on loopback, one request at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
cargo build --release -q
bin=target/release/kaohe
dir=$(mktemp -d)
db="$dir/demo.db"
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT

start=$(date +%s%N)
$bin --db "$db" demo --no-serve > /dev/null
echo "demo company created and loaded: $(( ($(date +%s%N) - start) / 1000000 )) ms"

period=$(date +%Y-%m)
prev=$(date -d "$(date +%Y-%m-01) -1 day" +%Y-%m)
start=$(date +%s%N)
$bin --db "$db" evaluate --period "$prev" > /dev/null
echo "kaohe evaluate --period $prev (everyone, stored): $(( ($(date +%s%N) - start) / 1000000 )) ms"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
KAOHE_LOG=error $bin --db "$db" serve --port "$port" > /dev/null &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.1; done
jar="$dir/cookies"
csrf=$(curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="csrf" value="[^"]*"' | cut -d'"' -f4)
curl -s -c "$jar" -b "$jar" -o /dev/null -d "username=rep&password=kaohe-demo&csrf=$csrf" "http://127.0.0.1:$port/login"
url="http://127.0.0.1:$port/api/scorecard?period=$period"
curl -sf -b "$jar" -o /dev/null "$url"
for _ in $(seq "$n"); do curl -s -b "$jar" -o /dev/null -w "%{time_total}\n" "$url"; done | sort -n > "$dir/times"
pct() { awk -v p="$1" '{a[NR]=$1} END {i=int(NR*p/100); if (i<1) i=1; printf "%.1f", a[i]*1000}' "$dir/times"; }
echo "GET /api/scorecard?period=$period (live, one person), $n requests:" \
  "p50 $(pct 50) ms, p90 $(pct 90) ms, p99 $(pct 99) ms, max $(pct 100) ms"
