#!/usr/bin/env bash
# Every page under 50 concurrent users: wrk on loopback, 50 connections, each request signed in
# with one of 50 distinct sessions, against a fresh demo company and the release build.
#   bench/pages.sh [SECONDS_PER_PAGE]          # default 10
#   KAOHE_BIN=/path/kaohe bench/pages.sh 5     # default binary: target/release/kaohe (not built here)
# Sessions: 30 rep-side (rep ×14, clerk ×8, service ×8), 10 leader/manager (×5 each),
# 10 hr ×3, committee ×3, finance ×2, admin ×2. Before each page, every role is checked with curl;
# the sessions of a role that does not get 200 on the page are left out of that page (the table
# says which roles were used), and every session used opens the page once before wrk
# starts. wrk counts every non-200 answer; a page with any fails.
# Prints a markdown table (requests/s, p50, p90, p99, max, errors, p99 ≤ 100 ms) plus the load
# average at start and end, nproc, the binary and the commit. Exits 1 when a page had errors
# or missed 100 ms at p99.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${1:-10}
conns=50
threads=2
limit_ms=100
bin=$(realpath "${KAOHE_BIN:-target/release/kaohe}")
[[ -x $bin ]] || { echo "bench/pages.sh: no binary at $bin (cargo build --release, or set KAOHE_BIN)" >&2; exit 2; }

apt_install() { # package: install when possible, else say what is missing
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        echo "== installing $1 (apt-get)" >&2
        apt-get install -y -q "$1" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "$1" >/dev/null; }
    else
        echo "bench/pages.sh: needs $1 (apt-get install $1)" >&2
        exit 2
    fi
}
command -v wrk >/dev/null || apt_install wrk
command -v curl >/dev/null || apt_install curl

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
dir=$(mktemp -d)
server=
cleanup() { [[ -n $server ]] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

db="$dir/demo.db"
"$bin" --db "$db" demo --no-serve > /dev/null 2>&1
period=$(date +%Y-%m)
prev=$(date -d "$(date +%Y-%m-01) -1 day" +%Y-%m)
"$bin" --db "$db" evaluate --period "$prev" > /dev/null 2>&1
# The previous month's cycles open (ratings due), so the cycle pages and the inboxes have work.
"$bin" --db "$db" cycle open --period "$prev" > /dev/null 2>&1
# The month's award candidates and ladder recommendations, so those pages list something.
"$bin" --db "$db" awards compute --period "$prev" --as hr > /dev/null 2>&1
"$bin" --db "$db" ladder evaluate --period "$prev" > /dev/null 2>&1

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
KAOHE_LOG=error "$bin" --db "$db" serve --port "$port" > "$dir/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "$base/healthz" > /dev/null && break; sleep 0.1; done
curl -sf "$base/healthz" > /dev/null || { echo "bench/pages.sh: server did not answer /healthz" >&2; cat "$dir/server.log" >&2; exit 1; }

# Signs in once; prints the session cookie's value.
login() { # username
    local jar="$dir/jar" csrf
    rm -f "$jar"
    csrf=$(curl -s -c "$jar" -b "$jar" "$base/login" | grep -o 'name="csrf" value="[^"]*"' | cut -d'"' -f4)
    curl -s -c "$jar" -b "$jar" -o /dev/null -d "username=$1&password=kaohe-demo&csrf=$csrf" "$base/login"
    awk '$6 == "kaohe_session" && $7 != "" {print $7}' "$jar"
}
roles=(rep clerk service leader manager hr committee finance admin)
declare -A count=([rep]=14 [clerk]=8 [service]=8 [leader]=5 [manager]=5 [hr]=3 [committee]=3 [finance]=2 [admin]=2)
declare -A sessions=()
total=0
for r in "${roles[@]}"; do
    for _ in $(seq "${count[$r]}"); do
        c=$(login "$r")
        [[ -n $c ]] || { echo "bench/pages.sh: could not sign in as $r" >&2; exit 1; }
        sessions[$r]+="$c "
        total=$((total + 1))
    done
done
distinct=$(tr ' ' '\n' <<< "${sessions[*]}" | grep -c . | tr -d ' ')
(( distinct == conns )) || { echo "bench/pages.sh: $distinct sessions, wanted $conns" >&2; exit 1; }
first() { local s=(${sessions[$1]}); echo "${s[0]}"; }
rep_id=$(curl -sf -b "kaohe_session=$(first rep)" "$base/api/me" | grep -o '"employee_id":[0-9]*' | cut -d: -f2)
[[ -n $rep_id ]] || { echo "bench/pages.sh: no employee id for rep" >&2; exit 1; }

pages=(
    "/"
    "/scorecard"
    "/api/scorecard?period=$period"
    "/records/calls"
    "/records/orders"
    "/inbox"
    "/cycle?period=$prev"
    "/scoretable?employee=$rep_id&period=$prev"
    "/appeals"
    "/training"
    "/meetings"
    "/credit"
    "/audit"
    "/api/inbox"
    "/api/employees"
    "/board"
    "/account"
    "/records/customers"
    "/records/visits"
    "/records/calls/new"
    "/import"
    "/awards?period=$prev"
    "/ladder?period=$prev"
    "/admin"
    "/admin/org"
    "/admin/users"
    "/admin/calendar"
    "/admin/library"
    "/admin/library/callback_count"
)

# The path a role's sessions request for a page: /cycle?period=… is followed to where it
# redirects the role (the person's own cycle page of that month); a role with no cycle of its
# own (no scheme, or no person) looks at the demo rep's cycle instead, as a rater would.
path_for() { # page role
    if [[ $1 == /cycle* ]]; then
        local own
        own=$(curl -s -o /dev/null -w '%{redirect_url}' -b "kaohe_session=$(first "$2")" "$base$1" | sed "s|^$base||")
        if [[ -n $own && $(curl -s -o /dev/null -w '%{http_code}' -b "kaohe_session=$(first "$2")" "$base$own") == 200 ]]; then
            echo "$own"
        else
            echo "/cycle/$prev/$rep_id"
        fi
    else
        echo "$1"
    fi
}

nproc=$(nproc)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "?")
echo "kaohe pages under $conns concurrent users: wrk -c $conns -t $threads -d ${secs}s per page, loopback"
echo "binary $bin ($(date -u -r "$bin" '+%Y-%m-%d %H:%M UTC')), commit $commit$(git -C "$root" diff --quiet HEAD -- crates 2>/dev/null || echo ' (+ uncommitted changes in crates/)'), nproc $nproc"
echo "demo company (fresh), current period $period, $prev evaluated and its cycles opened; $conns distinct sessions"
echo "load average at start: $load_start"
echo
echo "| page | roles (sessions) | requests/s | p50 ms | p90 ms | p99 ms | max ms | errors | p99 ≤ $limit_ms ms |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
failed=0
notes=()
for page in "${pages[@]}"; do
    targets="$dir/targets"
    : > "$targets"
    used=() left_out=()
    n=0
    for r in "${roles[@]}"; do
        path=$(path_for "$page" "$r")
        code=000
        [[ -n $path ]] && code=$(curl -s -o /dev/null -w '%{http_code}' -b "kaohe_session=$(first "$r")" "$base$path")
        if [[ $code == 200 ]]; then
            for c in ${sessions[$r]}; do printf '%s\t%s\n' "$c" "$path" >> "$targets"; n=$((n + 1)); done
            used+=("$r")
        else
            left_out+=("$r:$code")
        fi
    done
    label=$page
    [[ $page == /cycle* ]] && label="$page → /cycle/$prev/‹own id› (else the rep's, $rep_id)"
    if (( n == 0 )); then
        echo "| \`$label\` | none answered 200 (${left_out[*]}) | | | | | | | FAIL |"
        failed=1
        continue
    fi
    # Every session opens the page once first, as a person who has been working has: a
    # session's first dashboard is built (11–18 ms) and kept; later ones are served from memory.
    while IFS=$'\t' read -r c path; do
        curl -s -o /dev/null -b "kaohe_session=$c" "$base$path"
    done < "$targets"
    out=$(PAGES_TARGETS="$targets" wrk -c "$conns" -t "$threads" -d "${secs}s" --timeout 10s \
        -s "$root/bench/pages.lua" "$base/" 2>&1) || true
    result=$(grep '^RESULT ' <<< "$out" || true)
    if [[ -z $result ]]; then
        echo "| \`$label\` | wrk failed: $(tr '\n' ' ' <<< "$out" | cut -c1-200) | | | | | | | FAIL |"
        failed=1
        continue
    fi
    read -r _ rps p50 p90 p99 max bad sock _ <<< "$result"
    errors=$((bad + sock))
    verdict=yes
    if (( errors > 0 )); then verdict="FAIL ($bad non-200, $sock socket errors)"; failed=1
    elif awk -v p="$p99" -v l="$limit_ms" 'BEGIN {exit !(p > l)}'; then verdict=no; failed=1
    fi
    roles_used="${used[*]} ($n)"
    (( ${#left_out[@]} )) && roles_used+="; not: ${left_out[*]}"
    echo "| \`$label\` | $roles_used | $rps | $p50 | $p90 | $p99 | $max | $errors | $verdict |"
    if [[ $verdict != yes ]]; then
        # Where the time goes: each role's page alone, one request at a time (median of 5).
        line="\`$label\` alone, one request at a time (median of 5):"
        for r in "${used[@]}"; do
            path=$(path_for "$page" "$r")
            ms=$(for _ in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' -b "kaohe_session=$(first "$r")" "$base$path"; done \
                | sort -n | sed -n 3p | awk '{printf "%.1f", $1 * 1000}')
            line+=" $r $ms ms,"
        done
        notes+=("${line%,}")
    fi
done
echo
for n in "${notes[@]}"; do echo "- $n"; done
(( ${#notes[@]} )) && echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$failed"
