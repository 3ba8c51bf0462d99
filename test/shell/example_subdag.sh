#!/usr/bin/env bash
# examples/regions.sql loads and runs as it says: the same features for us
# and for eu, each from its own source and config, equal to the SELECTs
# written by hand; redefining the features refuses the runs until the
# subdags are made again, and the new definition is what runs then.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh

DB=hamilton_example_subdag
trap 'dropdb --if-exists "$DB" >/dev/null 2>&1 || true' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
fail() { echo "FAILED: $*" >&2; q -c "SELECT * FROM hamilton.subdags" >&2 || true; exit 1; }

dropdb --if-exists "$DB" 2>/dev/null
createdb "$DB"
q -c "CREATE EXTENSION hamilton" >/dev/null
q -f examples/regions.sql >/dev/null
run="SELECT string_agg(node || ':' || status, ' ' ORDER BY node)
     FROM hamilton_execute(ARRAY['us.spend_per_signup', 'eu.spend_per_signup', 'us.budget_share', 'eu.budget_share'])
     WHERE node LIKE '%share' OR node LIKE '%signup'"
[ "$(q -c "$run")" = "eu.budget_share:materialized eu.spend_per_signup:materialized us.budget_share:materialized us.spend_per_signup:materialized" ] \
    || fail "first run"
check() {   # $1 region, $2 exchange rate, $3 budget
    [ "$(q -c "SELECT count(*) FROM ((SELECT week, spend_per_signup FROM $1.spend_per_signup)
                EXCEPT (SELECT week, sum(spend) * $2 / sum(signups) FROM regions_raw.$1_marketing GROUP BY week)) d")" = 0 ] \
        || fail "$1.spend_per_signup differs from its SELECT over regions_raw.$1_marketing"
    [ "$(q -c "SELECT (TABLE $1.budget_share) = (SELECT sum(spend) / $3 FROM regions_raw.$1_marketing)")" = t ] \
        || fail "$1.budget_share"
}
check us 1.0::float8 100
check eu 1.08::float8 80
q -c "SELECT hamilton_define('features.to_usd', 'SELECT 1.1::float8 AS to_usd', config_when => '{\"region\": \"eu\"}')" >/dev/null
[ "$(q -c "SELECT string_agg(namespace || ':' || stale, ' ' ORDER BY namespace) FROM hamilton.subdags")" = "eu:true us:true" ] \
    || fail "the subdags are not stale after the features changed"
if q -c "$run" >/dev/null 2>&1; then fail "a stale subdag ran"; fi
q -c "SELECT hamilton_refresh_subdag('eu'), hamilton_refresh_subdag('us')" >/dev/null
q -c "$run" >/dev/null
check us 1.0::float8 100
check eu 1.1::float8 80
q -c "SELECT hamilton_drop_subdag('eu'), hamilton_drop_subdag('us')" >/dev/null
[ "$(q -c "SELECT count(*) FROM hamilton.nodes WHERE module IN ('us', 'eu')") $(q -c "SELECT count(*) FROM pg_namespace WHERE nspname IN ('us', 'eu')")" = "0 0" ] \
    || fail "dropping left nodes or schemas"
echo "the example ran; each region's features equal their SELECTs, a redefinition is refused until refreshed, then runs"
