#!/usr/bin/env bash
# What a formula change costs the people using kaohe while its roll-ups are built in the
# background (crates/store/src/rollup/builds.rs), with the release build:
#   DB=/work/bench10k/bench.db PERIOD=2026-10 KAOHE_BIN=target/release/kaohe bench/formula_change.sh
# Works on a copy of DB (next to it; removed at the end), so the database itself is unchanged.
# HR saves a new formula for `callback_count` through the formula editor; then, until the build
# ends, a rep's live scorecard (GET /api/scorecard, the new measure computed from the records)
# and the rep's call entry (POST /api/records/calls) are timed one request at a time, side by
# side, and the build's progress is polled (GET /api/rollups). Prints the save's time, the
# build's wall time, and p50 / max of both request kinds before, during and after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(realpath "${DB:?set DB to a kaohe SQLite database}")
period=${PERIOD:?set PERIOD with DB}
if [[ -n ${KAOHE_BIN:-} ]]; then
    bin=$(realpath "$KAOHE_BIN")
else
    cargo build --release -q
    bin=target/release/kaohe
fi
dir=$(mktemp -d "$(dirname "$src")/formula-change.XXXXXX")
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$dir"' EXIT
db=$dir/copy.db
cp "$src" "$db"
for ext in -wal -shm; do [[ -e $src$ext ]] && cp "$src$ext" "$db$ext"; done
k() { "$bin" --db "$db" "$@"; }

# The rep with the most records of the period (the heaviest live scorecard), and HR.
code=$(sqlite3 "$db" "SELECT e.code FROM rollups r JOIN employees e ON e.id = r.employee_id \
    WHERE r.month = '$period' GROUP BY e.id ORDER BY SUM(r.n) DESC LIMIT 1")
KAOHE_PASSWORD=bench-rep-password k user add --username bench-rep --role rep --employee "$code" > /dev/null 2>&1 || true
KAOHE_PASSWORD=bench-hr-password k user add --username bench-hr --role hr > /dev/null 2>&1 || true
token=$(k user token --username bench-rep --name bench | tail -n 1)
measures=$(sqlite3 "$db" "SELECT COUNT(*) FROM rollup_measures")
echo "copy of $src; rep $code; $measures measures registered"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
KAOHE_LOG=info "$bin" --db "$db" serve --port "$port" > "$dir/server.log" 2>&1 &
server=$!
for _ in $(seq 600); do curl -sf "$base/healthz" > /dev/null && break; sleep 0.1; done
jar=$dir/cookies
csrf=$(curl -s -c "$jar" -b "$jar" "$base/login" | grep -o 'name="csrf" value="[^"]*"' | cut -d'"' -f4)
curl -s -c "$jar" -b "$jar" -o /dev/null -d "username=bench-hr&password=bench-hr-password&csrf=$csrf" "$base/login"

card() { curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$base/api/scorecard?period=$period"; }
call() {
    local at
    at=$(date -d "${period}-15 10:00" '+%Y-%m-%d %H:%M:%S')
    curl -s -o "$dir/call.out" -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' \
        --data "{\"employee_id\":\"$code\",\"started_at\":\"$at\",\"direction\":\"呼出\",\"duration_s\":\"95\",\"outcome\":\"接通\",\"is_callback\":\"是\",\"callback_due_at\":\"$at\"}" \
        "$base/api/records/calls"
}
stats() { # file label
    sort -n "$1" | awk -v label="$2" '{a[NR]=$1} END {
        if (NR == 0) { printf "%s: none\n", label; exit }
        i=int(NR/2); if (i<1) i=1; printf "%s: %d requests, p50 %.1f ms, max %.1f ms\n", label, NR, a[i]*1000, a[NR]*1000 }'
}
loop_until() { # flag-file out-file command
    while [[ ! -e $1 ]]; do "$3" >> "$2"; sleep 0.2; done
}

card > /dev/null
for _ in $(seq 20); do card; done > "$dir/card.before"
for _ in $(seq 10); do call; done > "$dir/call.before"
grep -qv '^201 ' "$dir/call.before" && { echo "a call was refused: $(cat "$dir/call.out")" >&2; exit 1; }
cut -d' ' -f2 "$dir/call.before" > "$dir/call.before.t"

page=$(curl -s -b "$jar" "$base/admin/library/callback_count")
csrf=$(grep -o 'name="csrf" value="[^"]*"' <<< "$page" | head -n 1 | cut -d'"' -f4)
start=$(date +%s%N)
status=$(curl -s -b "$jar" -o /dev/null -w '%{http_code} %{time_total}' \
    --data-urlencode "csrf=$csrf" --data-urlencode "formula=count(calls where is_callback and duration_s >= 60)" \
    "$base/admin/library/callback_count")
echo "formula saved: HTTP ${status% *} in $(awk -v t="${status#* }" 'BEGIN {printf "%.1f", t*1000}') ms"
[[ ${status% *} == 303 ]] || { echo "the formula was not saved" >&2; exit 1; }

done_flag=$dir/built
loop_until "$done_flag" "$dir/card.during" card &
cards=$!
loop_until "$done_flag" "$dir/call.during" call &
calls=$!
last=""
while :; do
    b=$(curl -s -b "$jar" "$base/api/rollups")
    line=$(python3 -c 'import json,sys; b=json.loads(sys.argv[1]); print(b["running"], b["pending"], b["done"], b["total"], b["error"])' "$b")
    [[ $line != "$last" ]] && echo "  $(( ($(date +%s%N) - start) / 1000000 )) ms: running pending done total error = $line"
    last=$line
    read -r running pending _ _ error <<< "$line"
    [[ $running == False && $pending == 0 ]] && break
    sleep 0.5
done
build_ms=$(( ($(date +%s%N) - start) / 1000000 ))
touch "$done_flag"
wait $cards $calls
echo "roll-ups built ${build_ms} ms after the save (error: $error); server: $(sed 's/\x1b\[[0-9;]*m//g' "$dir/server.log" | grep -o 'roll-ups built for new measures.*' | tail -n 1)"
grep -qv '^201 ' "$dir/call.during" && { echo "a call was refused during the build" >&2; exit 1; }
cut -d' ' -f2 "$dir/call.during" > "$dir/call.during.t"
for _ in $(seq 20); do card; done > "$dir/card.after"
for _ in $(seq 10); do call; done | cut -d' ' -f2 > "$dir/call.after.t"

stats "$dir/card.before" "live scorecard before"
stats "$dir/card.during" "live scorecard during the build"
stats "$dir/card.after" "live scorecard after"
stats "$dir/call.before.t" "call entry before"
stats "$dir/call.during.t" "call entry during the build"
stats "$dir/call.after.t" "call entry after"
