#!/usr/bin/env bash
# Renders the example dataflow (examples/shop.sql) into docs/example-dag.svg:
# loads it into a scratch database of the running cluster (see
# scripts/cluster.sh), asks hamilton_dot for the execution path of the
# forecast, and draws it with Graphviz.  The scratch database is dropped.
#   bash scripts/render-graph.sh [output.svg]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

out=${1:-docs/example-dag.svg}
db=hamilton_render_graph
command -v dot >/dev/null || { echo "graphviz's dot is not installed (apt-get install graphviz)" >&2; exit 1; }
trap 'dropdb --if-exists $db' EXIT
dropdb --if-exists $db
createdb $db
psql -q -X -d $db -v ON_ERROR_STOP=1 -f examples/shop.sql >/dev/null
mkdir -p "$(dirname "$out")"
psql -X -At -d $db -v ON_ERROR_STOP=1 -c "SELECT hamilton_dot(ARRAY['forecast'])" | dot -Tsvg -o "$out"
say "wrote $out"
