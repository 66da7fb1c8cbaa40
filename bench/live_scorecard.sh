#!/usr/bin/env bash
# Measures the live scorecard (the current period computed on every request, from the roll-ups
# and the records) and the whole-company evaluation, with the release build.
#   bench/live_scorecard.sh [REQUESTS]
# By default on a fresh demo company, for the demo rep. On a database of your own (e.g. the
# 10,000-staff one kept by bench/evaluate.sh):
#   DB=/path/bench.db PERIOD=2026-10 KAOHE_BIN=target/release/kaohe bench/live_scorecard.sh 200
# adds a rep account `bench-rep` for the person with the most records of the period and
# measures as that person.
# Prints the evaluation time and p50 / p90 / p99 / max latency of GET /api/scorecard, measured
# with curl on loopback, one request at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
if [[ -n ${KAOHE_BIN:-} ]]; then
    bin=$(realpath "$KAOHE_BIN")
else
    cargo build --release -q
    bin=target/release/kaohe
fi
dir=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
user=rep
password=kaohe-demo

if [[ -n ${DB:-} ]]; then
    db=$(realpath "$DB")
    period=${PERIOD:?set PERIOD with DB}
    # The person with the most buckets of the period: the heaviest live scorecard.
    code=$(sqlite3 "$db" "SELECT e.code FROM rollups r JOIN employees e ON e.id = r.employee_id \
        WHERE r.month = '$period' GROUP BY e.id ORDER BY SUM(r.n) DESC LIMIT 1")
    user=bench-rep
    password=bench-rep-password
    KAOHE_PASSWORD=$password $bin --db "$db" user add --username "$user" --role rep --employee "$code" \
        >/dev/null 2>&1 || true
    echo "measuring as $user (employee $code) on $db"
else
    db="$dir/demo.db"
    start=$(date +%s%N)
    $bin --db "$db" demo --no-serve > /dev/null
    echo "demo company created and loaded: $(( ($(date +%s%N) - start) / 1000000 )) ms"
    period=$(date +%Y-%m)
    prev=$(date -d "$(date +%Y-%m-01) -1 day" +%Y-%m)
    start=$(date +%s%N)
    $bin --db "$db" evaluate --period "$prev" > /dev/null
    echo "kaohe evaluate --period $prev (everyone, stored): $(( ($(date +%s%N) - start) / 1000000 )) ms"
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
KAOHE_LOG=error $bin --db "$db" serve --port "$port" > /dev/null &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.1; done
jar="$dir/cookies"
csrf=$(curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="csrf" value="[^"]*"' | cut -d'"' -f4)
curl -s -c "$jar" -b "$jar" -o /dev/null -d "username=$user&password=$password&csrf=$csrf" "http://127.0.0.1:$port/login"
url="http://127.0.0.1:$port/api/scorecard?period=$period"
curl -sf -b "$jar" -o /dev/null "$url"
for _ in $(seq "$n"); do curl -s -b "$jar" -o /dev/null -w "%{time_total}\n" "$url"; done | sort -n > "$dir/times"
pct() { awk -v p="$1" '{a[NR]=$1} END {i=int(NR*p/100); if (i<1) i=1; printf "%.1f", a[i]*1000}' "$dir/times"; }
echo "GET /api/scorecard?period=$period (live, one person), $n requests:" \
  "p50 $(pct 50) ms, p90 $(pct 90) ms, p99 $(pct 99) ms, max $(pct 100) ms"
