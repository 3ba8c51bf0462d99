-- The materialize tag (hamilton_tag(node, '{"materialize": "table"}'), or
-- hamilton_define's materialize => 'table') keeps an intermediate's result
-- as a table named after it, for every kind of node: a scalar (a one-row
-- table), a table function, a SQL node, a column node (key + column, also
-- when an into_table collects it), a frame's column, a function variant (the
-- tag is the node's, whichever variant config chooses), an overridden node.
-- Run ids appear in lineage: make them predictable.
SELECT setval('hamilton.run_id_seq', 7800) > 0 AS ok;
CREATE SCHEMA mz;
CREATE TABLE mz.src (k int PRIMARY KEY, v float8);
INSERT INTO mz.src VALUES (1, 1), (2, 2);
SELECT hamilton_register('mz');

-- A scalar: kept as a one-row table, with its lineage.
CREATE FUNCTION mz.rate(x numeric) RETURNS numeric LANGUAGE sql RETURN x * 2;
CREATE FUNCTION mz.budget(rate numeric) RETURNS numeric LANGUAGE sql RETURN rate * 100;
SELECT hamilton_tag('mz.rate', '{"materialize": "table"}');
SELECT node, kind, materialize FROM hamilton.nodes WHERE node = 'mz.rate';
SELECT hamilton_explain(ARRAY['budget'], inputs => '{"x": 3}');
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['budget'], inputs => '{"x": 3}');
TABLE mz.rate;
SELECT relation, node, run_id, inputs FROM hamilton.lineage WHERE node = 'mz.rate';
-- an override is what the node is in that run: kept too
SELECT node, relation, status FROM hamilton_execute(ARRAY['budget'], overrides => '{"rate": 5}');
TABLE mz.rate;
-- without the tag, it is a value again and its table is left as it was
SELECT hamilton_tag('mz.rate', '{"materialize": null}');
SELECT node, relation, status FROM hamilton_execute(ARRAY['budget'], inputs => '{"x": 4}');
TABLE mz.rate;

-- A table function, and a SQL node that would be inlined.
CREATE FUNCTION mz.pairs() RETURNS TABLE (k int, w int) LANGUAGE sql STABLE AS $$ SELECT k, k * 10 FROM mz.src $$;
SELECT hamilton_define('mz.clean', 'SELECT k, v FROM mz.src WHERE v > 0', materialize => 'table');
SELECT hamilton_define('mz.joined', 'SELECT c.k, c.v, p.w FROM clean c JOIN pairs p USING (k)');
SELECT hamilton_tag('mz.pairs', '{"materialize": "table"}');
SELECT node, materialize FROM hamilton.nodes WHERE node IN ('mz.pairs', 'mz.clean') ORDER BY node;
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['joined']);
SELECT * FROM mz.pairs ORDER BY k;
SELECT * FROM mz.clean ORDER BY k;

-- Column nodes: a frame's column, a row-wise function, an expression.
SELECT hamilton_define('mz.f', 'SELECT k, v FROM mz.src', key => ARRAY['k'], extract_columns => true);
CREATE FUNCTION mz.v2(v float8) RETURNS float8 LANGUAGE sql RETURN v * 2;
SELECT hamilton_define('mz.v3', 'v2 + 1', materialize => 'table');
SELECT hamilton_define('mz.v4', 'v3 * 10');
SELECT hamilton_tag('mz.v', '{"materialize": "table"}');
SELECT hamilton_tag('mz.v2', '{"materialize": "table"}');
SELECT node, kind, materialize FROM hamilton.nodes WHERE node IN ('mz.v', 'mz.v2', 'mz.v3', 'mz.v4') ORDER BY node;
SELECT hamilton_explain(ARRAY['v4']);
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['v4']);
SELECT * FROM mz.v ORDER BY k;
SELECT * FROM mz.v2 ORDER BY k;
SELECT * FROM mz.v3 ORDER BY k;
-- collected into an into_table, a tagged column keeps its own table too
UPDATE mz.src SET v = v + 1;
SELECT hamilton_explain(ARRAY['v2', 'v4'], into_table => 'mz.features');
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['v2', 'v4'], into_table => 'mz.features');
SELECT * FROM mz.features ORDER BY k;
SELECT * FROM mz.v2 ORDER BY k;
SELECT * FROM mz.v3 ORDER BY k;
SELECT relation, node, run_id FROM hamilton.lineage WHERE module = 'mz' ORDER BY relation::text;

-- Function variants: hamilton_tag keeps the tag under the node's name, and
-- it holds for every variant.
CREATE FUNCTION mz.spend__eu() RETURNS TABLE (k int, spend int) LANGUAGE sql AS $$ SELECT 1, 10 $$;
CREATE FUNCTION mz.spend__us() RETURNS TABLE (k int, spend int) LANGUAGE sql AS $$ SELECT 1, 20 $$;
SELECT hamilton_when('mz.spend__eu', '{"region": "eu"}');
SELECT hamilton_when('mz.spend__us', '{"region": "us"}');
SELECT hamilton_define('mz.spend_total', 'SELECT sum(spend) AS total FROM spend');
SELECT hamilton_tag('mz.spend', '{"materialize": "table"}');
SELECT node, config_when, materialize FROM hamilton.nodes WHERE node = 'mz.spend' ORDER BY config_when::text;
SELECT node, relation, status FROM hamilton_execute(ARRAY['spend_total'], config => '{"region": "eu"}');
TABLE mz.spend;
SELECT node, relation, status FROM hamilton_execute(ARRAY['spend_total'], config => '{"region": "us"}');
TABLE mz.spend;

-- An input is no node: it has no result to keep.
SELECT try_sql($$SELECT hamilton_tag('x', '{"materialize": "table"}')$$);

SELECT drop_module('mz');
