#!/usr/bin/env bash
# examples/nightly_cache.sql runs, and its nights do what its comments say:
# the second night reuses every result but the calendar (cache =>
# 'recompute'), a new input value recomputes only the report, new orders
# recompute everything that reads them.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh
db=hamilton_nightly_cache
dropdb --if-exists $db
createdb $db
trap 'dropdb --if-exists $db' EXIT
psql -q -X -d $db -v ON_ERROR_STOP=1 -c "CREATE EXTENSION hamilton" >/dev/null
psql -q -X -d $db -v ON_ERROR_STOP=1 -f examples/nightly_cache.sql >/dev/null
# the statuses of the four nights, as node=status, in run order
got=$(psql -X -At -d $db -c "
  SELECT string_agg(node || '=' || status, ' ' ORDER BY step) FROM hamilton.node_runs
  WHERE node <> 'top_n' GROUP BY run_id ORDER BY run_id")
want="nightly.order_lines=temporary nightly.customer_totals=materialized nightly.daily_revenue=materialized nightly.calendar=materialized nightly.report=materialized
nightly.order_lines=cached nightly.customer_totals=cached nightly.daily_revenue=cached nightly.calendar=materialized nightly.report=cached
nightly.order_lines=cached nightly.customer_totals=cached nightly.daily_revenue=cached nightly.calendar=materialized nightly.report=materialized
nightly.order_lines=temporary nightly.customer_totals=materialized nightly.daily_revenue=materialized nightly.calendar=materialized nightly.report=materialized"
if [ "$got" != "$want" ]; then
    echo "unexpected statuses:"; echo "$got"; echo "wanted:"; echo "$want"
    exit 1
fi
# the report after the new orders: Dee first
top=$(psql -X -At -d $db -c "SELECT name FROM nightly.report ORDER BY total DESC LIMIT 1")
[ "$top" = "Dee" ] || { echo "report: $top first, wanted Dee"; exit 1; }
echo "nightly_cache: four nights as documented"
