#!/usr/bin/env bash
# The change log is unlogged (a writer's row costs it no WAL), so a crash
# empties it, and with it the writes that cached results are compared
# against.  A result made before the crash, whose source was written and
# committed before it, must be recomputed by the next cached run, and
# hamilton.cache must say why; a result made after the crash is reused.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh

DB=hamilton_cache_crash
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    psql -X -q -At -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$DB'" \
        >/dev/null 2>&1 || true
    dropdb --if-exists "$DB" >/dev/null 2>&1 || true
}
trap cleanup EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
fail() {
    echo "FAILED: $*" >&2
    q -c "SELECT node, reusable, reason FROM hamilton.cache" >&2 || true
    exit 1
}
. test/shell/lib/crash_helpers.sh
statuses() {
    q -c "SELECT string_agg(node || '=' || status, ' ' ORDER BY node)
          FROM hamilton_execute(ARRAY['cc.total'], cache => true)"
}

dropdb --if-exists "$DB" 2>/dev/null
createdb "$DB"
q >/dev/null <<'SQL'
CREATE EXTENSION hamilton;
CREATE SCHEMA raw;
CREATE TABLE raw.sales (amount int);
INSERT INTO raw.sales VALUES (1), (2);
SELECT hamilton_track('raw.sales');
CREATE SCHEMA cc;
SELECT hamilton_register('cc');
SELECT hamilton_define('cc.total', 'SELECT sum(amount) AS total FROM raw.sales', materialize => 'table');
SQL
[ "$(q -c "SELECT relpersistence FROM pg_class WHERE oid = 'hamilton.change_log'::regclass")" = u ] \
    || fail "the change log is not unlogged"
statuses >/dev/null
[ "$(statuses)" = "cc.total=cached" ] || fail "an unchanged re-run before the crash: $(statuses)"

# a write that commits (durably: the crash must not take it) before the crash
q -c "SET synchronous_commit = on; INSERT INTO raw.sales VALUES (40)"
q -c "CHECKPOINT"
[ "$(q -c "SELECT count(*) > 0 FROM hamilton.change_log WHERE relation = 'raw.sales'::regclass")" = t ] \
    || fail "the write was not logged"

# crash: a backend killed with -9 makes the server reinitialize, which
# empties every unlogged table
psql -X -q -At -d "$DB" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
pids+=($!)
wait_for "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = '$DB' AND query LIKE '%pg_sleep(60)%' AND state = 'active' AND pid <> pg_backend_pid())"
victim=$(q -c "SELECT pid FROM pg_stat_activity WHERE datname = '$DB' AND query LIKE '%pg_sleep(60)%' AND state = 'active' AND pid <> pg_backend_pid()")
kill -9 "$victim"
sleep 1
wait_for "SELECT true"
[ "$(q -c "SELECT count(*) FROM raw.sales")" = 3 ] || fail "the write before the crash is gone"
[ "$(q -c "SELECT count(*) FROM hamilton.change_log")" = 0 ] || fail "the crash did not empty the change log"

reason=$(q -c "SELECT reason FROM hamilton.cache WHERE node = 'cc.total'")
case "$reason" in
    *"change log was emptied"*) ;;
    *) fail "hamilton.cache after the crash: $reason" ;;
esac
[ "$(statuses)" = "cc.total=materialized" ] || fail "the first cached run after the crash reused a result made before it"
[ "$(q -c "SELECT total FROM cc.total")" = 43 ] || fail "total after the crash: $(q -c "SELECT total FROM cc.total")"
# what the run after the crash kept is reused, and a write after it still counts
[ "$(statuses)" = "cc.total=cached" ] || fail "an unchanged re-run after the crash: $(statuses)"
q -c "INSERT INTO raw.sales VALUES (100)"
[ "$(statuses)" = "cc.total=materialized" ] || fail "a write after the crash was missed"
[ "$(q -c "SELECT total FROM cc.total")" = 143 ] || fail "total after the second write"
echo "cache_crash: a crash emptied the change log, and the results made before it were recomputed"
