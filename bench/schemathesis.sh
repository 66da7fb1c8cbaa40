#!/usr/bin/env bash
# API robustness: schemathesis (from PyPI) against GET /api/openapi.json of a running demo
# company, as an authenticated user (an API token of KAOHE_USER, default `hr`), on loopback only.
#
#   bench/schemathesis.sh                     # debug build, 50 examples per operation
#   PROFILE=release bench/schemathesis.sh     # the release binary
#   MAX_EXAMPLES=200 SEED=1 bench/schemathesis.sh
#   CHECKS=not_a_server_error bench/schemathesis.sh
#   SKIP_BUILD=1 bench/schemathesis.sh        # reuse the built binary
#   DB=postgres://kaohe@127.0.0.1:5432/postgres bench/schemathesis.sh   # an empty PostgreSQL database
#
# It builds `kaohe` (unless SKIP_BUILD=1), starts `kaohe demo` on a temporary SQLite file (or DB) and
# a free loopback port, makes an API token for USER (default hr) with `kaohe user token`,
# installs schemathesis into a venv under /tmp when missing, and runs it with the bearer
# header. The checks: no 5xx (not_a_server_error) and every answer matching the documented
# status codes, content types and schemas. The report (JUnit) is written to $OUT (default
# /tmp/kaohe-schemathesis). Exits with schemathesis's status; the server is always stopped.
set -euo pipefail

cd "$(dirname "$0")/.."
PROFILE=${PROFILE:-debug}
USER_NAME=${KAOHE_USER:-hr}
MAX_EXAMPLES=${MAX_EXAMPLES:-50}
SEED=${SEED:-20261123}
CHECKS=${CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance}
VENV=${VENV:-/tmp/schemathesis-venv}
OUT=${OUT:-/tmp/kaohe-schemathesis}
TARGET=${CARGO_TARGET_DIR:-target}

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
    if [[ "$PROFILE" == release ]]; then
        cargo build --release -p kaohe
    else
        cargo build -p kaohe
    fi
fi
BIN="$TARGET/$PROFILE/kaohe"
[[ -x "$BIN" ]] || { echo "schemathesis.sh: no binary at $BIN" >&2; exit 1; }

if [[ ! -x "$VENV/bin/schemathesis" ]]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet schemathesis
fi

WORK=$(mktemp -d /tmp/kaohe-schemathesis-db.XXXXXX)
DB=${DB:-$WORK/demo.db}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
SERVER_PID=
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# A server error is logged with its detail; keep the log to find the cause.
mkdir -p "$OUT"
KAOHE_LOG=${KAOHE_LOG:-warn,kaohe=info} "$BIN" --db "$DB" demo --bind 127.0.0.1 --port "$PORT" \
    >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do
    if curl -fsS "$BASE/healthz" >/dev/null 2>&1; then break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "schemathesis.sh: the server stopped:" >&2; tail "$OUT/server.log" >&2; exit 1; }
    sleep 1
done
curl -fsS "$BASE/healthz" >/dev/null

token() {
    local t
    t=$("$BIN" --db "$DB" user token --username "$USER_NAME" --name "$1" 2>/dev/null | tail -n 1)
    [[ "$t" == kh_* ]] || { echo "schemathesis.sh: no API token for $USER_NAME" >&2; exit 1; }
    echo "$t"
}

run() { # run TOKEN ARGS…: schemathesis as TOKEN, then check that TOKEN still signs in
    local t=$1
    shift
    "$VENV/bin/schemathesis" run "$BASE/api/openapi.json" \
        --url "$BASE" \
        -H "Authorization: Bearer $t" \
        --checks "$CHECKS" \
        --max-examples "$MAX_EXAMPLES" \
        --seed "$SEED" \
        --workers 2 \
        --request-timeout 60 \
        --generation-with-security-parameters false \
        --generation-allow-x00 true \
        --report junit --report-dir "$OUT" \
        "$@" || status=$?
    if [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $t" "$BASE/api/me") != 200 ]]; then
        echo "schemathesis.sh: the run's token stopped working (revoked by the run?): its later answers were 401s" >&2
        status=1
    fi
}

echo "schemathesis $("$VENV/bin/schemathesis" --version | awk '{print $NF}') against $BASE as $USER_NAME ($PROFILE build), $MAX_EXAMPLES examples per operation, seed $SEED"
status=0
# Revoking tokens by name would, through the stateful phase's links (list the tokens, revoke
# one), revoke the run's own token and turn everything after into 401s: every operation but
# that one first, then that one alone with a token of its own (no links without the list).
REVOKE='/api/account/tokens/{name}'
run "$(token "schemathesis-$$")" --exclude-path "$REVOKE"
run "$(token "schemathesis-revoke-$$")" --include-path "$REVOKE"
if grep -q -E "panicked|internal error" "$OUT/server.log"; then
    echo "schemathesis.sh: the server log has panics or internal errors:" >&2
    grep -E "panicked|internal error" "$OUT/server.log" | sort | uniq -c | sort -rn | head -20 >&2
    status=1
fi
exit $status
