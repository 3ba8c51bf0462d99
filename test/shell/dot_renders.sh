#!/usr/bin/env bash
# hamilton_dot's output is valid Graphviz: `dot -Tsvg` renders every kind of
# picture (the whole DAG, an execution path, a run, a failed run, names and
# tags that need escaping) without an error or a warning, and the SVG holds
# the nodes, the highlighted output and the failed node's colour.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh

command -v dot >/dev/null || { echo "graphviz's dot is not installed (apt-get install graphviz)"; exit 1; }
db=hamilton_dot_render
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists $db' EXIT
dropdb --if-exists $db
createdb $db
psql -q -X -d $db -v ON_ERROR_STOP=1 -f examples/shop.sql >/dev/null
psql -q -X -d $db -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SELECT hamilton_define('shop."Odd ""name"" \ here"', 'SELECT 1 AS x',
                       tags => jsonb_build_object('note', E'a "quoted" \\ value\nwith <html> & {braces}',
                                                  'trailing', E'ends with a backslash \\'));
SELECT hamilton_define('shop.extra', 'SELECT 1 AS one');
SELECT hamilton_define('shop.share', 'SELECT region, forecast / (SELECT 0 * count(*) FROM forecast) AS share FROM forecast');
SELECT count(*) FROM hamilton_execute(ARRAY['forecast'], inputs => '{"horizon": 4}');
SQL
# a run that fails (division by zero in shop.share); its record stays
psql -q -X -d $db -c "SELECT count(*) FROM hamilton_execute(ARRAY['share'], inputs => '{\"horizon\": 4}')" >/dev/null 2>&1 \
    && { echo "the failing run did not fail"; exit 1; }
ok_run=$(psql -X -At -d $db -c "SELECT max(run_id) FROM hamilton.runs WHERE status = 'succeeded'")
failed_run=$(psql -X -At -d $db -c "SELECT max(run_id) FROM hamilton.runs WHERE status = 'failed'")
[ -n "$ok_run" ] && [ -n "$failed_run" ] || { echo "runs were not recorded"; exit 1; }

render() {  # render NAME SQL-ARGS: writes $work/NAME.svg, fails on any error or warning
    psql -X -At -d $db -v ON_ERROR_STOP=1 -c "SELECT hamilton_dot($2)" >"$work/$1.dot"
    if ! dot -Tsvg "$work/$1.dot" -o "$work/$1.svg" 2>"$work/$1.err" || [ -s "$work/$1.err" ]; then
        echo "dot refused the picture $1:"; cat "$work/$1.err"; cat "$work/$1.dot"; exit 1
    fi
    grep -q '<svg' "$work/$1.svg" || { echo "$1: no SVG written"; exit 1; }
}
has() {  # has NAME TEXT: the SVG contains TEXT
    grep -qF -- "$2" "$work/$1.svg" || { echo "$1.svg lacks $2"; cat "$work/$1.dot"; exit 1; }
}

render whole ""
render path "ARRAY['forecast']"
render run "run_id => $ok_run"
render failed "run_id => $failed_run"
render path_and_run "ARRAY['share', 'extra'], $failed_run"

for n in shop.forecast shop.baseline shop.weekly_sales shop.growth_rate horizon lookback; do
    has whole "<title>$n</title>"
done
has whole '<title>source raw.orders</title>'
has whole '<title>source raw.orders&#45;&gt;shop.weekly_sales</title>'
# the escaped name and tag come out as written
has whole '>shop.&quot;Odd &quot;&quot;name&quot;&quot; \ here&quot;</text>'
has whole '>note=a &quot;quoted&quot; \ value with &lt;html&gt; &amp; {braces}</text>'
has whole '>trailing=ends with a backslash \ </text>'
# the requested output is filled; the run's steps carry their status
has path 'fill="#ffe08a"'
has run 'materialized, 12 rows'
has failed 'fill="#f4a6a6"'
has failed 'error: division by zero'
has path_and_run 'not in this run'
echo "dot rendered $(ls "$work"/*.svg | wc -l) pictures"
