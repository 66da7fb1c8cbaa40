#!/usr/bin/env bash
# Load scenario (docs/performance.md, "Load: 1,000 staff, a year of records"): the release
# server on loopback with a company of 1,000 staff and twelve months of records (`kaohe gen
# --staff 1000 --months 12`, the eleven closed months evaluated), driven at the same time by:
#   - dashboards: reps reading their dashboard `GET /` (live KPIs, next grade, trend, rank,
#     pending steps), REPS distinct people, CONNS_DASH connections, as fast as they can;
#   - scorecards: reps reading their live scorecard `GET /api/scorecard` (2 connections, each
#     pausing CARD_PAUSE_MS, default 50, between requests);
#   - boards: team leaders reading their team's board `GET /board` (4 connections, each
#     pausing BOARD_PAUSE_MS, default 200: 20 leaders each looking every second);
#   - call entry: reps saving calls `POST /api/records/calls` (2 connections, each pausing
#     CALL_PAUSE_MS, default 200, between calls: about 10 calls a second, seven times the
#     average of 1,000 staff making 40 calls a day each over 8 hours);
#   - imports: the administrator importing a month of calls from the switchboard, IMPORT_ROWS rows (default
#     400,000) through `POST /api/import`, polled to its end; when one ends before the run
#     does, the next starts (each file different: the same file twice is refused). The import
#     is one transaction: its rows, and the dashboards they change, appear at its commit.
# Every class runs for SECONDS; each request is authenticated by the person's own API token.
# Prints a markdown table per class (requests/s, p50, p90, p99, max, errors), the imports
# finished and their rows, the load average, and exits 1 when any request failed or the
# dashboards missed ≥ 2,000 requests/s at p99 ≤ 100 ms.
#
#   bench/load.sh [sqlite|postgres] [SECONDS]        # defaults: sqlite 30
#   KAOHE_BIN=target/release/kaohe (default; not built here: cargo build --release -p kaohe)
#   DATA=/tmp/kaohe-load   keeps the generated SQLite company between runs (copied per run)
#   On postgres, a throwaway durable cluster (fsync on) is started with scripts/pg-throwaway
#   and the company generated into it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
backend=${1:-sqlite}
secs=${2:-30}
reps=${REPS:-300}
conns_dash=${CONNS_DASH:-32}
call_pause=${CALL_PAUSE_MS:-200}
board_pause=${BOARD_PAUSE_MS:-200}
card_pause=${CARD_PAUSE_MS:-50}
dash_pause=${DASH_PAUSE_MS:-0}
import_rows=${IMPORT_ROWS:-400000}
data=${DATA:-/tmp/kaohe-load}
bin=$(realpath "${KAOHE_BIN:-target/release/kaohe}")
examples=$(dirname "$bin")/examples
[[ -x $bin ]] || { echo "bench/load.sh: no binary at $bin (cargo build --release -p kaohe)" >&2; exit 2; }
[[ -x $examples/calls_csv ]] || { echo "bench/load.sh: no $examples/calls_csv (cargo build --release -p kaohe --example calls_csv)" >&2; exit 2; }
for tool in wrk curl python3; do
    command -v $tool >/dev/null || { echo "bench/load.sh: needs $tool (apt-get install $tool)" >&2; exit 2; }
done

dir=$(mktemp -d /tmp/kaohe-load-run.XXXXXX)
server= pg=
cleanup() {
    [[ -n $server ]] && kill "$server" 2>/dev/null
    wait 2>/dev/null || true
    [[ -n $pg ]] && scripts/pg-throwaway stop "$pg" >/dev/null 2>&1
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

k() { "$bin" --db "$db" "$@"; }
py_json() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }

# The company: generated, the closed months evaluated (trend and ranks have history), accounts
# for the reps, leaders and HR with one API token each. Prints nothing; leaves tokens.tsv
# ("role<TAB>employee code<TAB>token") next to the database.
prepare() { # tokens-file
    local out=$1 end month
    end=$(date +%Y-%m-%d)
    # A company generated earlier into the same place (DATA) is kept.
    [[ -n ${have_company:-} ]] || k gen --staff 1000 --months 12 --end "$end" --accounts > /dev/null
    for i in $(seq 11 -1 1); do
        month=$(date -d "$(date +%Y-%m-01) -$i month" +%Y-%m)
        k evaluate --period "$month" --format json > /dev/null
    done
    # People by role from the database itself, through the CLI's JSON export of employees.
    k export employees -o "$dir/employees.csv" > /dev/null
    python3 - "$dir/employees.csv" "$reps" > "$dir/people.tsv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))
staying = [r for r in rows if r["状态"] not in ("离职", "left")]
reps = [r for r in staying if r["岗位编码"] in ("telesales", "sales_rep", "property_consultant")]
leaders = [r for r in staying if r["岗位编码"] in ("telesales_leader", "sales_rep_leader", "property_supervisor")]
for r in reps[: int(sys.argv[2])]:
    print("rep\t" + r["工号"])
for r in leaders[:20]:
    print("leader\t" + r["工号"])
PY
    : > "$out"
    while IFS=$'\t' read -r role code; do
        local user="load-$code" r=rep
        [[ $role == leader ]] && r=team_leader
        KAOHE_PASSWORD=load-bench-pw k user add --username "$user" --role "$r" --employee "$code" > /dev/null
        printf '%s\t%s\t%s\n' "$role" "$code" "$(k user token --username "$user" --name load | tail -n 1)" >> "$out"
    done < "$dir/people.tsv"
    printf 'admin\t-\t%s\n' "$(k user token --username admin --name load | tail -n 1)" >> "$out"
}

echo "== preparing the company ($backend)" >&2
case $backend in
sqlite)
    mkdir -p "$data"
    if [[ ! -s $data/company.db || ! -s $data/tokens.tsv ]]; then
        db=$data/company.db
        if [[ -s $db ]] && [[ $(k export employees -o "$dir/count.csv" 2>&1) == *"exported 1000 "* ]]; then
            have_company=1
        else
            rm -f "$data"/company.db*
        fi
        prepare "$data/tokens.tsv"
        k backup -o "$data/company.snapshot.db" > /dev/null
        mv "$data/company.snapshot.db" "$data/company.db.tmp"
        rm -f "$data"/company.db "$data"/company.db-wal "$data"/company.db-shm
        mv "$data/company.db.tmp" "$data/company.db"
    fi
    # A consistent copy (the kept database may have committed pages still in its WAL).
    "$bin" --db "$data/company.db" backup -o "$dir/run.db" > /dev/null
    db=$dir/run.db
    tokens=$data/tokens.tsv
    ;;
postgres)
    pg=$dir/pg
    chmod 755 "$dir" # the cluster runs as the postgres user
    url=$(PG_DURABLE=1 scripts/pg-throwaway start "$pg")
    db=$url
    tokens=$dir/tokens.tsv
    prepare "$tokens"
    ;;
*) echo "bench/load.sh: backend is sqlite or postgres, not $backend" >&2; exit 2 ;;
esac

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
KAOHE_LOG=error "$bin" --db "$db" serve --port "$port" > "$dir/server.log" 2>&1 &
server=$!
for _ in $(seq 300); do curl -sf "$base/healthz" > /dev/null && break; sleep 0.1; done
curl -sf "$base/healthz" > /dev/null || { echo "bench/load.sh: server did not answer /healthz" >&2; cat "$dir/server.log" >&2; exit 1; }

period=$(date +%Y-%m)
now=$(date '+%Y-%m-%d %H:%M:%S')
# Imports are the administrator's (HR does not record calls, SPEC §1).
admin_token=$(awk -F'\t' '$1 == "admin" {print $3}' "$tokens")
: > "$dir/dash" ; : > "$dir/card" ; : > "$dir/board" ; : > "$dir/calls"
while IFS=$'\t' read -r role code token; do
    case $role in
    rep)
        printf '%s\tGET\t/\n' "$token" >> "$dir/dash"
        printf '%s\tGET\t/api/scorecard?period=%s\n' "$token" "$period" >> "$dir/card"
        printf '%s\tPOST\t/api/records/calls\t{"employee_id":"%s","started_at":"%s","direction":"呼出","duration_s":"95","outcome":"接通"}\n' \
            "$token" "$code" "$now" >> "$dir/calls"
        ;;
    leader) printf '%s\tGET\t/board\n' "$token" >> "$dir/board" ;;
    esac
done < "$tokens"
for f in dash card board calls; do
    [[ -s $dir/$f ]] || { echo "bench/load.sh: no $f targets (tokens in $tokens)" >&2; exit 1; }
done
# Each class must answer 200/201 before it is measured.
while IFS=$'\t' read -r token method path body; do
    code=$(curl -s -o "$dir/probe" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $token" \
        ${body:+-H 'Content-Type: application/json' --data "$body"} "$base$path")
    [[ $code == 200 || $code == 201 ]] || { echo "bench/load.sh: $method $path answered $code: $(head -c 300 "$dir/probe")" >&2; exit 1; }
done < <(head -n 1 -q "$dir/dash" "$dir/card" "$dir/board" "$dir/calls")

# Import files: the people's 工号 and customers' archive numbers, different row counts so that
# no file repeats another.
k export employees -o "$dir/employees.csv" > /dev/null
python3 -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")):
    if r["状态"] not in ("离职", "left"): print(r["工号"])' "$dir/employees.csv" > "$dir/codes.txt"
k export customers -o "$dir/customers.csv" > /dev/null
python3 -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")):
    print(r["客户档案编号"])' "$dir/customers.csv" > "$dir/archives.txt"

importer() { # runs imports until $dir/stop exists; one line per finished import in $dir/imports
    local i=0 job state
    (( import_rows > 0 )) || return 0
    while [[ ! -e $dir/stop ]]; do
        i=$((i + 1))
        "$examples/calls_csv" $((import_rows + i)) "$dir/codes.txt" "$dir/archives.txt" > "$dir/import.csv"
        local t0=$(date +%s.%N)
        job=$(curl -sf -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/octet-stream' \
            --data-binary "@$dir/import.csv" "$base/api/import?kind=calls&name=load-$i.csv" | py_json 'print(d["job"])') \
            || { echo "failed to start" >> "$dir/imports"; return; }
        while :; do
            state=$(curl -sf -H "Authorization: Bearer $admin_token" "$base/api/import/$job" | py_json 'print(d.get("state") or d.get("status"), d.get("rows") or d.get("written") or "")')
            case $state in
            done*) echo "ok $((import_rows + i)) $(echo "$(date +%s.%N) - $t0" | bc -l) $(echo "$(date +%s.%N) - $load_t0" | bc -l)" >> "$dir/imports"; break ;;
            failed*|interrupted*|rejected*) echo "failed $state" >> "$dir/imports"; return ;;
            esac
            sleep 0.2
        done
    done
}

# Every dashboard once before the clock starts: the figures are of a server in its steady state,
# not of its first minute (each page is built once, then kept while its data is unchanged).
while IFS=$'\t' read -r token method path _; do
    curl -s -o /dev/null -H "Authorization: Bearer $token" "$base$path"
done < "$dir/dash"

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
load_t0=$(date +%s.%N)
echo "== $secs s of load" >&2
: > "$dir/imports"
importer &
imp=$!
run() { # class connections target-file [pause ms] [timeout s]
    LOAD_TARGETS="$dir/$3" LOAD_DELAY_MS=${4:-0} wrk -c "$2" -t 1 -d "${secs}s" --timeout "${5:-10}s" \
        -s "$root/bench/load.lua" "$base/" > "$dir/$1.out" 2>&1 || true
}
pids=()
run dashboards "$conns_dash" dash "$dash_pause" & pids+=($!)
run scorecards 2 card "$card_pause" & pids+=($!)
run boards 4 board "$board_pause" & pids+=($!)
run calls 2 calls "$call_pause" 40 & pids+=($!)
wait "${pids[@]}"
touch "$dir/stop"
wait "$imp" || true
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "?")
echo "kaohe under load ($backend): 1,000 staff, 12 months of records, $secs s, wrk on loopback, nproc $(nproc)"
echo "binary $bin ($(date -u -r "$bin" '+%Y-%m-%d %H:%M UTC')), commit $commit"
echo "load average at start: $load_start; at end: $load_end"
echo
echo "| class | request | connections | requests/s | p50 ms | p90 ms | p99 ms | max ms | errors |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
failed=0
declare -A what=([dashboards]='`GET /`' [scorecards]='`GET /api/scorecard`' [boards]='`GET /board`' [calls]='`POST /api/records/calls`')
declare -A conns=([dashboards]="$conns_dash (pause ${dash_pause} ms)" [scorecards]="2 (pause ${card_pause} ms)" [boards]="4 (pause ${board_pause} ms)" [calls]="2 (pause ${call_pause} ms)")
for c in dashboards scorecards boards calls; do
    result=$(grep '^RESULT ' "$dir/$c.out" || true)
    if [[ -z $result ]]; then
        echo "| $c | wrk failed: $(tr '\n' ' ' < "$dir/$c.out" | cut -c1-200) | | | | | | | |"
        failed=1; continue
    fi
    read -r _ rps p50 p90 p99 max bad sock _ <<< "$result"
    errors=$((bad + sock))
    (( errors == 0 )) || failed=1
    echo "| $c | ${what[$c]} | ${conns[$c]} | $rps | $p50 | $p90 | $p99 | $max | $errors |"
    if [[ $c == dashboards ]]; then
        awk -v r="$rps" -v p="$p99" 'BEGIN {exit !(r >= 2000 && p <= 100)}' || failed=1
    fi
    grep '^FIRST_BAD ' "$dir/$c.out" | sed "s/^/  $c: /" || true
done
echo
ok=$(grep -c '^ok ' "$dir/imports" || true)
rows=$(awk '$1 == "ok" {s += $2} END {print s + 0}' "$dir/imports")
echo "imports: $ok ($rows rows), each taking (and ending at, counted from the start of the load): $(awk '$1 == "ok" {printf "%.1f s (%.1f s); ", $3, $4}' "$dir/imports")the load ran $secs s"
if grep -qv '^ok ' "$dir/imports"; then echo "import failures: $(grep -v '^ok ' "$dir/imports" | head -3)"; failed=1; fi
(( ok > 0 || import_rows == 0 )) || { echo "no import finished"; failed=1; }
exit "$failed"
