#!/usr/bin/env bash
# Load test of the pages people open most: the caseload and a case page, as a signed-in
# Torbay caseworker, over the demo data plus 20,000 plans imported through
# `sendpanel import plans` (a large county's caseload), on SQLite and on PostgreSQL. The
# caseload is read unfiltered, as "my cases" due soon, searched by name, and a hundred
# pages deep, each paged by keyset. The release
# server runs as its own process on a loopback port; wrk (Debian's `wrk`) drives it
# from a second process for a bounded time and reports requests/s and latency
# percentiles. Nothing leaves 127.0.0.1.
#
#   bash web/benches/load.sh            # both backends, 15 s per page, 8 then 32 connections
#   DURATION=30s CONNECTIONS=64 bash web/benches/load.sh
#   BACKENDS=postgres bash web/benches/load.sh   # one backend only
#
# PostgreSQL: TEST_POSTGRES_URL's server (default postgres://postgres@127.0.0.1:5432),
# in a database of its own, sendpanel_load, dropped and made anew.
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION="${DURATION:-15s}"
# Each page at 8 connections (a busy office: thirty caseworkers seldom have more than a
# few pages loading at one moment) and at 32 (saturating this machine's two cores, for
# throughput; latency there is mostly queueing).
CONNECTIONS="${CONNECTIONS:-8 32}"
THREADS="${THREADS:-2}"
BACKENDS="${BACKENDS:-sqlite postgres}"
PORT="${PORT:-18080}"
PG_SERVER="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_SERVER="${PG_SERVER%/*}"

command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
PLANS="${PLANS:-20000}"
cargo build --release -p sendpanel-web --bin sendpanel
ROOT="$PWD"
BIN="target/release/sendpanel"
WORK="$(mktemp -d)"
# Illustrative plans, made up here: names, dates and settings are not any council's.
python3 - "$PLANS" >"$WORK/plans.csv" <<'PY'
import sys
n = int(sys.argv[1])
needs = ["SLCN", "ASD", "SEMH", "MLD", "SPLD"]
print("reference,given_name,family_name,date_of_birth,plan_issued_on,last_reviewed_on,setting_name,setting_type,primary_need,requested_by,officer_email")
for i in range(n):
    born = f"{2006 + i % 13}-{1 + i % 12:02d}-{1 + i % 28:02d}"
    issued = f"{2019 + i % 6}-{1 + i * 7 % 12:02d}-{1 + i % 27:02d}"
    reviewed = f"2025-{1 + i * 5 % 12:02d}-{1 + i % 27:02d}" if i % 3 else ""
    officer = "casey.worker@torbay.example" if i % 4 == 0 else ""
    print(f"LOAD-{i:06d},Child{i},Family{i % 700},{born},{issued},{reviewed},Illustrative School {i % 90},mainstream,{needs[i % 5]},parent,{officer}")
PY
SERVER_PID=""
cleanup() { if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi; rm -rf "$WORK"; }
trap cleanup EXIT

# Signs in as a person would (the form's CSRF token, then the session cookie) and
# prints the cookie.
sign_in() {
  local base="$1" jar="$2" token cookie
  rm -f "$jar"
  token="$(curl -fs -c "$jar" "$base/sign-in" | sed -n 's/.*name="csrf_token" value="\([0-9a-f]*\)".*/\1/p' | head -1)"
  curl -fs -b "$jar" -c "$jar" -o /dev/null \
    --data-urlencode "csrf_token=$token" \
    --data-urlencode "email=casey.worker@torbay.example" \
    --data-urlencode "password=sendpanel-demo" "$base/sign-in"
  cookie="$(awk '$6 == "sendpanel_session" { print $6 "=" $7 }' "$jar")"
  [ -n "$cookie" ] || { echo "sign-in failed at $base" >&2; exit 1; }
  echo "$cookie"
}

run_backend() {
  local name="$1" url="$2"
  local base="http://127.0.0.1:${PORT}"
  if curl -fs "$base/healthz" >/dev/null 2>&1; then
    echo "port $PORT is already serving; stop it or set PORT" >&2; exit 1
  fi
  (cd "$WORK" && SENDPANEL_DATABASE_URL="$url" SENDPANEL_BIND="127.0.0.1:${PORT}" \
     SENDPANEL_AUTHORITIES_DIR="$ROOT/config/authorities" SENDPANEL_LETTERS_DIR="$ROOT/config/letters" \
     SENDPANEL_LOG_FILTER=warn \
     exec "$ROOT/$BIN" serve --demo >"$WORK/server-$name.log" 2>&1) &
  SERVER_PID=$!
  for _ in $(seq 1 120); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fs "$base/readyz" >/dev/null || { cat "$WORK/server-$name.log"; exit 1; }

  local jar="$WORK/jar-$name"
  local cookie
  cookie="$(sign_in "$base" "$jar")"
  local case_path
  case_path="$(curl -fs -H "Cookie: $cookie" "$base/caseload" | grep -o 'href="/cases/[^"]*"' | head -1 | sed 's/href="\(.*\)"/\1/')"
  [ -n "$case_path" ] || { echo "no case on the caseload on $name" >&2; exit 1; }

  # The plans, imported the way a council loads its caseload.
  SENDPANEL_DATABASE_URL="$url" SENDPANEL_AUTHORITIES_DIR="$ROOT/config/authorities" \
    SENDPANEL_LETTERS_DIR="$ROOT/config/letters" SENDPANEL_LOG_FILTER=warn \
    "$ROOT/$BIN" import plans "$WORK/plans.csv" --authority torbay | tail -3
  # Start the server again, as it would be after a council's import at go-live: each
  # pooled SQLite connection reads the planner statistics the import measured when it
  # opens (a connection open before keeps the old ones until the pool replaces it,
  # within 30 minutes).
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 60); do curl -fs "$base/healthz" >/dev/null 2>&1 || break; sleep 0.5; done
  (cd "$WORK" && SENDPANEL_DATABASE_URL="$url" SENDPANEL_BIND="127.0.0.1:${PORT}" \
     SENDPANEL_AUTHORITIES_DIR="$ROOT/config/authorities" SENDPANEL_LETTERS_DIR="$ROOT/config/letters" \
     SENDPANEL_LOG_FILTER=warn \
     exec "$ROOT/$BIN" serve --demo >>"$WORK/server-$name.log" 2>&1) &
  SERVER_PID=$!
  for _ in $(seq 1 120); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
  cookie="$(sign_in "$base" "$jar")"
  local deep="/caseload"
  for _ in $(seq 1 100); do
    deep="$(curl -fs -H "Cookie: $cookie" "$base$deep" | grep -o 'href="/caseload?[^"]*after[^"]*"' | head -1 | sed 's/href="\(.*\)"/\1/; s/&amp;/\&/g; s/&#x3D;/=/g')"
    [ -n "$deep" ] || { echo "no next page on $name" >&2; exit 1; }
  done
  for page in /caseload "/caseload?officer=me&due=at_risk" "/caseload?q=family123" "$deep" "$case_path"; do
    for connections in $CONNECTIONS; do
      echo "== $name $page ($connections connections, $THREADS threads, $DURATION)"
      wrk -t"$THREADS" -c"$connections" -d"$DURATION" --latency -H "Cookie: $cookie" "$base$page" \
        | grep -E 'Requests/sec|Latency|50%|99%|Non-2xx|Socket errors'
    done
  done
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  for _ in $(seq 1 60); do curl -fs "$base/healthz" >/dev/null 2>&1 || break; sleep 0.5; done
}

for backend in $BACKENDS; do
  case "$backend" in
    sqlite) run_backend sqlite "sqlite://$WORK/load.db" ;;
    postgres)
      psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS sendpanel_load WITH (FORCE)" >/dev/null
      psql -q "$PG_SERVER/postgres" -c "CREATE DATABASE sendpanel_load" >/dev/null
      run_backend postgres "$PG_SERVER/sendpanel_load"
      psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS sendpanel_load WITH (FORCE)" >/dev/null ;;
    *) echo "unknown backend $backend: sqlite or postgres" >&2; exit 1 ;;
  esac
done
