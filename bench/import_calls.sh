#!/usr/bin/env bash
# Import benchmark (docs/performance.md, section "Import"): a 10,000,000-row calls CSV imported
# with `kaohe import calls` (release build, every check on) into a fresh SQLite database, and the
# same file loaded by sqlite3's own `.import` into an equivalent plain table, in the same run.
# Reports rows/s of both, their ratio, and kaohe's peak memory (/usr/bin/time -v).
#
#   bench/import_calls.sh [ROWS]      (default 10000000; needs sqlite3 and /usr/bin/time)
#   SKIP_BUILD=1 bench/import_calls.sh 1000000   (reuse the built release binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
work=$(mktemp -d /tmp/kaohe-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
target=${CARGO_TARGET_DIR:-target}

# SKIP_BUILD=1 reuses the release binaries already built (to time on a quiet machine).
if [ -z "${SKIP_BUILD:-}" ]; then
  echo "== building (release)"
  cargo build --release -p kaohe --bin kaohe --example calls_csv >/dev/null
fi
kaohe="$target/release/kaohe"

echo "== a company to import into: 200 staff and their customers (kaohe gen)"
"$kaohe" --db "$work/kaohe.db" gen --staff 200 --months 1 --calls-per-day 1 --end 2026-09-30 >/dev/null
sqlite3 "$work/kaohe.db" "SELECT code FROM employees WHERE status <> 'left'" >"$work/employees.txt"
sqlite3 "$work/kaohe.db" "SELECT archive_no FROM customers" >"$work/customers.txt"
calls_before=$(sqlite3 "$work/kaohe.db" "SELECT COUNT(*) FROM calls")

echo "== generating $rows call rows"
"$target/release/examples/calls_csv" "$rows" "$work/employees.txt" "$work/customers.txt" >"$work/calls.csv"
ls -l "$work/calls.csv" | awk '{printf "   %.0f MB\n", $5/1e6}'

echo "== kaohe import calls"
start=$(date +%s.%N)
/usr/bin/time -v -o "$work/time.txt" "$kaohe" --db "$work/kaohe.db" import calls "$work/calls.csv"
end=$(date +%s.%N)
kaohe_s=$(echo "$end - $start" | bc -l)
peak_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
imported=$(( $(sqlite3 "$work/kaohe.db" "SELECT COUNT(*) FROM calls") - calls_before ))

echo "== sqlite3 .import into an equivalent table"
sqlite3 "$work/plain.db" <<'SQL'
PRAGMA journal_mode=WAL;
PRAGMA synchronous=FULL;
CREATE TABLE calls (employee TEXT NOT NULL, archive_no TEXT, started_at TEXT NOT NULL,
  direction TEXT NOT NULL, duration_s INTEGER NOT NULL, outcome TEXT NOT NULL,
  is_callback TEXT NOT NULL, callback_due_at TEXT, rings INTEGER);
CREATE INDEX calls_employee_day ON calls (employee, started_at);
SQL
start=$(date +%s.%N)
sqlite3 "$work/plain.db" ".import --csv --skip 1 $work/calls.csv calls"
end=$(date +%s.%N)
sqlite_s=$(echo "$end - $start" | bc -l)

echo
printf 'rows imported by kaohe:   %d\n' "$imported"
printf 'kaohe import:             %.1f s, %.0f rows/s, peak memory %.0f MB\n' "$kaohe_s" "$(echo "$rows / $kaohe_s" | bc -l)" "$(echo "$peak_kb / 1024" | bc -l)"
printf 'sqlite3 .import:          %.1f s, %.0f rows/s\n' "$sqlite_s" "$(echo "$rows / $sqlite_s" | bc -l)"
printf 'ratio (kaohe / sqlite3):  %.2f x\n' "$(echo "$sqlite_s / $kaohe_s" | bc -l)"
