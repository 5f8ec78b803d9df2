#!/usr/bin/env bash
# The whole suite: once on SQLite (the embedded default), then the database-backed tests again
# on the real PostgreSQL at 127.0.0.1:5432 when it is there. With REQUIRE_SERVICES=1 a missing
# PostgreSQL is a failure, not a skip.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

# The browser tests drive Playwright's sync API, which keeps an event loop of its own in the
# main thread; they run in their own process so the asyncio tests never share a loop with it.
$PY -m pytest -m "not browser" "$@"
status=$?
echo "== the editor's op model against the op conformance vectors (node --test)"
node --test tests/js/
js_status=$?
[ $status -eq 0 ] && status=$js_status
echo "== browser tests (headless Chromium)"
$PY -m pytest -m browser "$@"
browser_status=$?
[ $status -eq 0 ] && status=$browser_status

PG_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/archboard}"
if $PY scripts/service_up.py postgres "$PG_URL"; then
  echo "== again on PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" $PY -m pytest -m "django_db and not browser" "$@"
  pg_status=$?
  [ $status -eq 0 ] && status=$pg_status
elif [ "${REQUIRE_SERVICES:-0}" = "1" ]; then
  echo "ERROR: REQUIRE_SERVICES=1 but PostgreSQL is not reachable at $PG_URL" >&2
  status=1
else
  echo "== PostgreSQL not reachable at $PG_URL: skipped the PostgreSQL run"
fi
exit $status
