#!/usr/bin/env bash
# examples/nightly_incremental.sql loads and runs as it says: the first run
# processes the history, the next one only the new views, and the
# incremental results equal what the same SELECTs compute from scratch.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh

DB=hamilton_example_incremental
trap 'dropdb --if-exists "$DB" >/dev/null 2>&1 || true' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
fail() { echo "FAILED: $*" >&2; q -c "SELECT * FROM hamilton.incremental" >&2 || true; exit 1; }

dropdb --if-exists "$DB" 2>/dev/null
createdb "$DB"
q -c "CREATE EXTENSION hamilton" >/dev/null
q -f examples/nightly_incremental.sql >/dev/null
run="SELECT string_agg(node || ':' || status, ' ' ORDER BY node) FROM hamilton_execute(ARRAY['nightly.top_pages', 'nightly.user_last_seen', 'nightly.views_enriched'])
     WHERE node LIKE 'nightly.%'"
[ "$(q -c "$run")" = "nightly.daily_pages:incremental nightly.top_pages:materialized nightly.user_last_seen:incremental nightly.views_enriched:incremental" ] \
    || fail "first run"
q -c "INSERT INTO nightly_raw.page_views (user_id, page) SELECT g % 5, '/p9' FROM generate_series(1, 20) g" >/dev/null
q -c "$run" >/dev/null
[ "$(q -c "SELECT rows FROM hamilton.incremental_batches WHERE node = 'nightly.views_enriched' ORDER BY run_id DESC LIMIT 1")" = 20 ] \
    || fail "the second run did not append the 20 new views alone"
check() {
    [ "$(q -c "SELECT (SELECT count(*) FROM (($1) EXCEPT ALL ($2)) a) + (SELECT count(*) FROM (($2) EXCEPT ALL ($1)) b)")" = 0 ] \
        || fail "$3 differs from its SELECT over the whole source"
}
check "SELECT id, at, user_id, page FROM nightly.views_enriched" "SELECT id, at, user_id, page FROM nightly_raw.page_views" views_enriched
check "SELECT user_id, last_seen, last_page FROM nightly.user_last_seen" \
      "SELECT DISTINCT ON (user_id) user_id, at, page FROM nightly_raw.page_views ORDER BY user_id, id DESC" user_last_seen
check "SELECT at, page, views FROM nightly.daily_pages" \
      "SELECT date_trunc('day', at), page, count(*) FROM nightly_raw.page_views
       WHERE at < date_bin('1 day', now() - interval '1 hour', date_trunc('day', now()) - interval '4 days') GROUP BY 1, 2" daily_pages
[ "$(q -c "SELECT count(*) FROM hamilton.incremental WHERE missing = '{}' AND batches > 0")" = 3 ] || fail "the view"
echo "the example ran twice; each incremental node equals its SELECT over the whole source"
