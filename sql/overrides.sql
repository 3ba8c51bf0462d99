-- Overrides replace a node's value or relation; its upstream is then skipped.
-- Run ids appear in messages: make them predictable.
SELECT setval('hamilton.run_id_seq', 3000) > 0 AS ok;
CREATE SCHEMA ov;
CREATE FUNCTION ov.expensive() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'expensive was run'; END $$;
CREATE FUNCTION ov.factor(expensive int) RETURNS int LANGUAGE sql RETURN expensive * 2;
CREATE FUNCTION ov.result(factor int, offset_by int) RETURNS int LANGUAGE sql RETURN factor + offset_by;
SELECT hamilton_register('ov');
SELECT hamilton_define('ov.rows', 'SELECT g AS n FROM generate_series(1, 3) g, expensive');
SELECT hamilton_define('ov.total', 'SELECT sum(n) * factor AS total FROM rows, factor GROUP BY factor');

-- Without overrides, the expensive node runs (and fails).
SELECT * FROM hamilton_execute(ARRAY['result'], inputs => '{"offset_by": 1}');
-- A scalar override: factor's upstream is cut.
SELECT node, status FROM hamilton_execute(ARRAY['result'], inputs => '{"offset_by": 1}', overrides => '{"factor": 10}');
TABLE ov.result;
-- A table override: any relation with the right columns.
CREATE TABLE ov.fake_rows AS SELECT 100 AS n;
SELECT node, relation, status FROM hamilton_execute(ARRAY['total'],
    overrides => '{"factor": 1, "rows": "ov.fake_rows"}');
TABLE ov.total;
-- An overridden node that is also requested is materialized with its override.
SELECT node, relation, status FROM hamilton_execute(ARRAY['factor'], overrides => '{"factor": 7}');
TABLE ov.factor;
SELECT hamilton_explain(ARRAY['total'], overrides => '{"factor": 1, "rows": "ov.fake_rows"}');
-- Bad overrides are reported like every other problem.
SELECT * FROM hamilton_execute(ARRAY['result'], inputs => '{"offset_by": 1}', overrides => '{"factr": 1}');
SELECT * FROM hamilton_execute(ARRAY['result'], inputs => '{"offset_by": 1}', overrides => '{"factor": "ten"}');
SELECT * FROM hamilton_execute(ARRAY['total'], overrides => '{"factor": 1, "rows": "ov.no_such_table"}');
SELECT * FROM hamilton_execute(ARRAY['total'], overrides => '{"factor": 1, "rows": 42}');

-- A requested scalar override still reaches its consumers as a value.
SELECT node, relation, status FROM hamilton_execute(ARRAY['factor', 'result'],
    inputs => '{"offset_by": 1}', overrides => '{"factor": 7}');
SELECT * FROM ov.factor, ov.result;
-- Overriding a requested table node by its own result table keeps it as is.
SELECT node, status FROM hamilton_execute(ARRAY['rows'], overrides => '{"rows": "ov.fake_rows"}');
SELECT node, relation, status FROM hamilton_execute(ARRAY['rows', 'total'],
    overrides => '{"rows": "ov.rows", "factor": 2}');
TABLE ov.rows;
TABLE ov.total;
-- The lineage of a requested override names the relation it came from.
SELECT node, sources FROM hamilton.lineage WHERE node = 'ov.rows';

-- An override that reads the node's own table (a view on it) loses nothing.
CREATE VIEW ov.rows_doubled AS SELECT n * 2 AS n FROM ov.rows;
SELECT node, status FROM hamilton_execute(ARRAY['rows'], overrides => '{"rows": "ov.rows_doubled"}');
TABLE ov.rows;
DROP VIEW ov.rows_doubled;

-- Clean up.
SELECT drop_module('ov');
