#!/usr/bin/env bash
# The node catalog (modules, SQL nodes, tags), the run history and lineage
# survive pg_dump / pg_restore into a fresh database, and the restored
# dataflow runs and gives the same results.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh

src=hamilton_dump_src
dst=hamilton_dump_dst
dump=$(mktemp -d)/hamilton.dump
trap 'rm -rf "$(dirname "$dump")"; dropdb --if-exists $src; dropdb --if-exists $dst' EXIT

dropdb --if-exists $src; dropdb --if-exists $dst
createdb $src
psql -q -X -d $src -v ON_ERROR_STOP=1 -f examples/shop.sql >/dev/null
psql -q -X -d $src -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SELECT hamilton_tag('shop.growth_rate', '{"reviewed": "yes"}');
SELECT hamilton_define('shop.top_region', 'SELECT region FROM forecast ORDER BY forecast DESC LIMIT 1',
                       materialize => 'table', doc => 'The region with the largest forecast.');
SELECT count(*) FROM hamilton_execute(ARRAY['top_region', 'forecast'], inputs => '{"horizon": 4}');
SQL

pg_dump -Fc -d $src -f "$dump"
createdb $dst
pg_restore -d $dst --exit-on-error "$dump"

catalog() {
    psql -X -At -d "$1" -v ON_ERROR_STOP=1 <<'SQL'
SELECT node, kind, language, type, inputs, sources, doc, tags, materialize, definition, fingerprint FROM hamilton.nodes ORDER BY node;
SELECT * FROM hamilton.edges ORDER BY 1, 2, 3;
SELECT * FROM hamilton.tags ORDER BY 1, 4;
SELECT module, registered_by FROM hamilton.modules ORDER BY 1;
SELECT run_id, status, outputs, inputs FROM hamilton.runs ORDER BY run_id;
SELECT run_id, step, node, status, rows FROM hamilton.node_runs ORDER BY run_id, step;
SELECT relation, node, run_id, fingerprint, inputs, upstream, sources FROM hamilton.lineage ORDER BY relation::text;
SELECT * FROM shop.forecast ORDER BY 1, 2;
SQL
}

diff <(catalog $src) <(catalog $dst) || { echo "the restored catalog differs from the original"; exit 1; }
[ "$(psql -X -At -d $dst -c 'SELECT count(*) FROM hamilton.nodes')" -ge 5 ] || { echo "no nodes restored"; exit 1; }

# The restored dataflow runs, replaces its results in place, and agrees.
psql -X -q -d $dst -v ON_ERROR_STOP=1 -c "SELECT count(*) FROM hamilton_execute(ARRAY['top_region', 'forecast'], inputs => '{\"horizon\": 4}')" >/dev/null
diff <(psql -X -At -d $src -c 'TABLE shop.forecast ORDER BY 1, 2; TABLE shop.top_region') \
     <(psql -X -At -d $dst -c 'TABLE shop.forecast ORDER BY 1, 2; TABLE shop.top_region') \
    || { echo "the restored dataflow computes different results"; exit 1; }
# The next run id continues after the restored ones.
psql -X -At -d $dst -c "SELECT count(DISTINCT run_id) = count(*) FROM hamilton.runs" | grep -qx t
echo "pg_dump/pg_restore kept $(psql -X -At -d $dst -c 'SELECT count(*) FROM hamilton.nodes') nodes, their tags, runs and lineage"
