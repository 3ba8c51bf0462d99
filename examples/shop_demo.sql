-- What scripts/demo.sh shows after loading examples/shop.sql.
\set QUIET on
\pset footer off
\echo '== The dataflow (hamilton.nodes)'
SELECT node, kind, language, type, inputs, doc FROM hamilton.nodes ORDER BY node;

\echo '== The plan for forecast (hamilton_explain)'
\pset format unaligned
\pset tuples_only on
SELECT hamilton_explain(ARRAY['forecast'], inputs => '{"horizon": 4}');
\pset format aligned
\pset tuples_only off

\echo '== Run report (hamilton_execute)'
SELECT * FROM hamilton_execute(ARRAY['forecast'], inputs => '{"horizon": 4}');

\echo '== The forecast (shop.forecast)'
TABLE shop.forecast;

\echo '== Its lineage (hamilton.lineage)'
SELECT relation, node, run_id, run_status, fingerprint, inputs, upstream, sources
FROM hamilton.lineage;

\echo '== Run history (hamilton.runs)'
SELECT run_id, status, outputs, inputs, ms FROM hamilton.runs ORDER BY run_id;
