#!/usr/bin/env bash
# Evaluation benchmark (issue 3, "What it must show"; docs/performance.md): one month for every
# person of a synthetic company, in a SQLite database holding three months, computed
#   (a) by `kaohe evaluate --period 2026-10 --format json`, end to end, twice (the first run may
#       build roll-ups), with peak RSS; plus `kaohe rollup rebuild --period` (the month) and
#       `kaohe rollup rebuild` (every month) when the binary has them;
#   (b) by DuckDB (the PyPI package) running hand-written SQL for the same indicators on the same
#       rows (loaded from the SQLite file, not timed; query best of 3);
#   SQLite's own best GROUP BY: the same SQL run by the sqlite3 CLI on the database (best of 3);
#   (c) by the per-person-per-indicator query loop of Odoo's goal computation, on a sample of
#       200 people (fixed seed), scaled linearly to everybody;
# checks that all of them agree on every computed indicator of every person (exit status 1 if
# not) and prints a summary table for docs/performance.md.
#
#   bench/evaluate.sh [STAFF] [CALLS_PER_DAY]     (defaults 10000 and 80: about 10 M calls)
#
# Environment: KAOHE_BIN=path  use this binary instead of building target/release/kaohe
#              KEEP=1          keep the data directory (its path is printed)
#              DATA=dir        use dir as the data directory (kept); a bench.db already there is
#                              reused instead of generated (its scorecards of the period are removed first)
#              SAMPLE=n        people in the loop's sample (default 200)
# Needs: cargo (unless KAOHE_BIN), python3 (≥ 3.11), sqlite3 and /usr/bin/time (installed with
# apt-get when missing and possible); DuckDB is pip-installed into target/bench-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
staff=${1:-10000}
calls_per_day=${2:-80}
period=2026-10
end=2026-10-31
months=3
sample=${SAMPLE:-200}

if [[ -n ${KAOHE_BIN:-} ]]; then
    bin=$(realpath "$KAOHE_BIN")
else
    echo "== building (release)"
    cargo build --release -q
    target_dir=${CARGO_TARGET_DIR:-target}
    [[ $target_dir == /* ]] || target_dir=$root/$target_dir
    bin=$target_dir/release/kaohe
fi

apt_install() { # package: install when possible, else say what is missing
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        echo "== installing $1 (apt-get)"
        apt-get install -y -q "$1" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "$1" >/dev/null; }
    else
        echo "bench/evaluate.sh: needs $1 (apt-get install $1)" >&2
        exit 2
    fi
}
command -v sqlite3 >/dev/null || apt_install sqlite3
[[ -x /usr/bin/time ]] || apt_install time

venv=$root/target/bench-venv
if [[ ! -x $venv/bin/python ]]; then
    echo "== creating $venv"
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import duckdb' 2>/dev/null; then
    echo "== pip install duckdb"
    "$venv/bin/pip" install -q duckdb
fi

load_start=$(cut -d' ' -f1-3 /proc/loadavg)

if [[ -n ${DATA:-} ]]; then
    dir=$(mkdir -p "$DATA" && realpath "$DATA")
else
    dir=$(mktemp -d /tmp/kaohe-bench-evaluate.XXXXXX)
    if [[ ${KEEP:-0} == 1 ]]; then
        trap 'echo "data kept in $dir"' EXIT
    else
        trap 'rm -rf "$dir"' EXIT
    fi
fi
db=$dir/bench.db
mkdir -p "$dir/work"

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
rss_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$1"; }

if [[ -f $db ]]; then
    echo "== reusing $db (not generated again)"
    gen_note=" (reused database)"
else
    echo "== generating: $staff staff, $months months to $end, $calls_per_day calls per telesales person per working day"
    start=$(date +%s.%N)
    /usr/bin/time -v -o "$dir/time-gen.txt" \
        "$bin" --db "$db" gen --staff "$staff" --months "$months" --calls-per-day "$calls_per_day" --end "$end"
    echo
    echo "   $(printf '%.1f' "$(elapsed "$start" "$(date +%s.%N)")") s, peak RSS $(rss_mb "$dir/time-gen.txt") MB"
    gen_note=""
fi

# Fold whatever is still in bench.db-wal into the database file (kaohe does not checkpoint on
# exit, and SQLite's automatic checkpoint leaves up to 1000 pages behind), so that every run
# below reads the same settled file instead of paying for WAL lookups, or for the checkpoint,
# depending on who comes first. Not timed.
checkpoint() {
    local frames
    frames=$(sqlite3 "$db" "PRAGMA wal_checkpoint(FULL);" "PRAGMA wal_checkpoint(TRUNCATE);" | head -1 | cut -d'|' -f3)
    echo "   checkpoint $1: ${frames:-0} WAL pages folded into the database file (not timed)"
}
remove_cards() { # the period's scorecards, so that the next evaluation is its first (not timed)
    sqlite3 "$db" "DELETE FROM scorecards WHERE period = '$period'; PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
}
if [[ -n ${gen_note} ]]; then
    # A reused database may be of an older kaohe (migrated here, not in a timed run), and may
    # hold scorecards of the period from an earlier run: removed, so that run 1 is the period's
    # first evaluation (every card written) as on a new database.
    "$bin" --db "$db" init >/dev/null
    remove_cards
    echo "   migrated; earlier scorecards of $period removed (not timed)"
fi
checkpoint "after generation"

q() { sqlite3 -readonly "$db" "$1"; }
p0=$period-01
p1=$(date -d "$p0 +1 month" +%F)
calls_month=$(q "SELECT COUNT(*) FROM calls WHERE day >= '$p0' AND day < '$p1'")
calls_total=$(q "SELECT COUNT(*) FROM calls")
orders_month=$(q "SELECT COUNT(*) FROM orders WHERE day >= '$p0' AND day < '$p1'")
orders_total=$(q "SELECT COUNT(*) FROM orders")
records_month=$(q "SELECT
    (SELECT COUNT(*) FROM calls WHERE day >= '$p0' AND day < '$p1')
  + (SELECT COUNT(*) FROM visits WHERE day >= '$p0' AND day < '$p1')
  + (SELECT COUNT(*) FROM orders WHERE day >= '$p0' AND day < '$p1')
  + (SELECT COUNT(*) FROM shipments WHERE day >= '$p0' AND day < '$p1')
  + (SELECT COUNT(*) FROM complaints WHERE day >= '$p0' AND day < '$p1')
  + (SELECT COUNT(*) FROM expenses WHERE day >= '$p0' AND day < '$p1')
  + (SELECT COUNT(*) FROM attendance WHERE day >= '$p0' AND day < '$p1')
  + (SELECT COUNT(*) FROM reports WHERE day >= '$p0' AND day < '$p1')
  + (SELECT COUNT(*) FROM documents WHERE day >= '$p0' AND day < '$p1')
  + (SELECT COUNT(*) FROM receivables WHERE due_on >= '$p0' AND due_on < '$p1')
  + (SELECT COUNT(*) FROM payments WHERE received_on >= '$p0' AND received_on < '$p1')")
db_mb=$(du -m "$db" | cut -f1)
echo "   $period: $calls_month calls, $orders_month orders ($records_month records of the dated kinds);" \
    "whole database: $calls_total calls, $orders_total orders, $db_mb MB"

# Roll-up rows (when this kaohe keeps them), to tell whether the first evaluation built them.
rollup_rows() { q "SELECT COUNT(*) FROM rollups" 2>/dev/null || echo "no rollups table"; }
rollups_before=$(rollup_rows)

# Each kaohe figure is the best of 3 runs, as DuckDB's and the sqlite3 CLI's are; all three
# times are printed and reported.
best() { printf '%s\n' "$@" | sort -g | head -1; }
most() { printf '%s\n' "$@" | sort -g | tail -1; }
echo "== (a) kaohe evaluate --period $period --format json: run 1 (the period's first evaluation, every card written) and run 2 (nothing changed), 3 times each"
eval_run() { # n
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -v -o "$dir/time-eval$1.txt" \
        "$bin" --db "$db" evaluate --period "$period" --format json >"$dir/kaohe$1.json"
    end=$(date +%s.%N)
    elapsed "$start" "$end"
}
runs1=() runs2=() rss1=0 rss2=0
for attempt in 1 2 3; do
    [[ $attempt == 1 ]] || remove_cards
    runs1+=("$(eval_run 1)")
    rss1=$(most "$(rss_mb "$dir/time-eval1.txt")" "$rss1")
    runs2+=("$(eval_run 2)")
    rss2=$(most "$(rss_mb "$dir/time-eval2.txt")" "$rss2")
    echo "   attempt $attempt: run 1 $(printf '%.3f' "${runs1[-1]}") s, run 2 $(printf '%.3f' "${runs2[-1]}") s"
done
eval1_s=$(best "${runs1[@]}") eval2_s=$(best "${runs2[@]}") eval1_rss=$rss1 eval2_rss=$rss2
eval1_all=$(printf '%.3f, ' "${runs1[@]}") eval2_all=$(printf '%.3f, ' "${runs2[@]}")
eval1_all=${eval1_all%, } eval2_all=${eval2_all%, }
rollups_after=$(rollup_rows)
echo "   best run 1: $(printf '%.3f' "$eval1_s") s, peak RSS $eval1_rss MB; best run 2: $(printf '%.3f' "$eval2_s") s, peak RSS $eval2_rss MB"
echo "   roll-up rows before run 1: $rollups_before; after: $rollups_after"
if [[ $rollups_before != "$rollups_after" ]]; then
    gen_note="$gen_note (built roll-ups: $rollups_before → $rollups_after rows)"
elif [[ $rollups_before == "no rollups table" ]]; then
    gen_note="$gen_note (this kaohe has no roll-ups)"
else
    gen_note="$gen_note (roll-ups already there: $rollups_before rows)"
fi

rebuild_s=null
rebuild_rss=null
month_rebuild_s=null
month_rebuild_rss=null
compare_after_rebuild=()
if "$bin" rollup rebuild --help 2>/dev/null | grep -q -- --period; then
    # What a formula change costs: the evaluated month recomputed from its raw records — the
    # same rows SQLite's GROUP BY reads below.
    echo "== kaohe rollup rebuild --period $period (the month recomputed from raw records), 3 times"
    month_runs=()
    for attempt in 1 2 3; do
        start=$(date +%s.%N)
        /usr/bin/time -v -o "$dir/time-rebuild-month.txt" "$bin" --db "$db" rollup rebuild --period "$period" >/dev/null
        month_runs+=("$(elapsed "$start" "$(date +%s.%N)")")
        month_rebuild_rss=$(rss_mb "$dir/time-rebuild-month.txt")
        echo "   $(printf '%.3f' "${month_runs[-1]}") s, peak RSS $month_rebuild_rss MB"
    done
    month_rebuild_s=$(best "${month_runs[@]}")
    month_rebuild_all=$(printf '%.2f, ' "${month_runs[@]}")
    month_rebuild_all=${month_rebuild_all%, }
fi
if "$bin" rollup rebuild --help >/dev/null 2>&1; then
    echo "== kaohe rollup rebuild (every month of the database recomputed from raw records)"
    start=$(date +%s.%N)
    /usr/bin/time -v -o "$dir/time-rebuild.txt" "$bin" --db "$db" rollup rebuild >/dev/null
    rebuild_s=$(elapsed "$start" "$(date +%s.%N)")
    rebuild_rss=$(rss_mb "$dir/time-rebuild.txt")
    echo "   $(printf '%.3f' "$rebuild_s") s, peak RSS $rebuild_rss MB; roll-up rows: $(rollup_rows)"
    # The rebuilt roll-ups must give the same scorecards.
    "$bin" --db "$db" evaluate --period "$period" --format json >"$dir/kaohe3.json"
    compare_after_rebuild=(--compare-json "kaohe after rollup rebuild=$dir/kaohe3.json")
else
    echo "== kaohe rollup rebuild: not in this binary, skipped"
fi

checkpoint "written by the kaohe runs"

command_line="bench/evaluate.sh $staff $calls_per_day"
[[ -z ${SAMPLE:-} ]] || command_line="SAMPLE=$SAMPLE $command_line"
[[ -z ${KAOHE_BIN:-} ]] || command_line="KAOHE_BIN=$KAOHE_BIN $command_line"
if [[ -n ${KAOHE_BIN:-} ]]; then
    build="$bin ($("$bin" --version), built $(date -u -r "$bin" '+%F %H:%M') UTC)"
else
    build="release build of $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates Cargo.toml Cargo.lock || echo ' plus uncommitted changes')"
fi
machine="$(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB; load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end of the kaohe runs"
cat >"$dir/run.json" <<JSON
{
  "command": "$command_line", "build": "$build", "machine": "$machine",
  "staff": $staff, "months": $months, "end": "$end",
  "calls_month": $calls_month, "calls_total": $calls_total,
  "orders_month": $orders_month, "orders_total": $orders_total,
  "records_month": $records_month, "db_mb": $db_mb,
  "eval1_s": $eval1_s, "eval1_rss_mb": $eval1_rss, "eval1_note": "$gen_note",
  "eval2_s": $eval2_s, "eval2_rss_mb": $eval2_rss,
  "eval1_all": "$eval1_all", "eval2_all": "$eval2_all", "month_rebuild_all": "${month_rebuild_all:-}",
  "rebuild_s": $rebuild_s, "rebuild_rss_mb": $rebuild_rss,
  "month_rebuild_s": $month_rebuild_s, "month_rebuild_rss_mb": $month_rebuild_rss
}
JSON

"$venv/bin/python" bench/evaluate_reference.py --db "$db" --period "$period" \
    --kaohe-json "$dir/kaohe1.json" --compare-json "kaohe run 2=$dir/kaohe2.json" ${compare_after_rebuild[@]+"${compare_after_rebuild[@]}"} \
    --work "$dir/work" --sample "$sample" --run-info "$dir/run.json"
