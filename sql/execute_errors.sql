-- Everything is validated before any work, and every problem is reported in
-- one error with its SQLSTATE, a detail and a hint.
-- Run ids appear in messages: make them predictable.
SELECT setval('hamilton.run_id_seq', 2000) > 0 AS ok;
CREATE SCHEMA ee;
CREATE FUNCTION ee.revenue(price numeric, quantity int) RETURNS numeric LANGUAGE sql RETURN price * quantity;
CREATE FUNCTION ee.margin(revenue numeric, cost numeric) RETURNS numeric LANGUAGE sql RETURN revenue - cost;
CREATE FUNCTION ee.label(margin numeric) RETURNS text LANGUAGE sql RETURN 'm' || margin;
CREATE FUNCTION ee.count_of(label int) RETURNS int LANGUAGE sql RETURN label;
CREATE FUNCTION ee.rows_of(ledger int) RETURNS int LANGUAGE sql RETURN ledger;
CREATE FUNCTION ee.loop_a(loop_c int) RETURNS int LANGUAGE sql RETURN loop_c;
CREATE FUNCTION ee.loop_b(loop_a int) RETURNS int LANGUAGE sql RETURN loop_a;
CREATE FUNCTION ee.loop_c(loop_b int) RETURNS int LANGUAGE sql RETURN loop_b;
CREATE FUNCTION ee.wants_table(ledger regclass) RETURNS int LANGUAGE sql RETURN 1;
CREATE FUNCTION ee.wants_value(margin regclass) RETURNS int LANGUAGE sql RETURN 1;
SELECT hamilton_register('ee');
SELECT hamilton_define('ee.ledger', 'SELECT 1 AS id');
CREATE TABLE ee.previous AS SELECT 1 AS x;
SELECT node, status FROM hamilton_execute(ARRAY['ledger']);
CREATE TEMP TABLE before AS SELECT (SELECT count(*) FROM hamilton.runs) AS runs, (SELECT count(*) FROM ee.ledger) AS ledger_rows;

-- Unknown outputs, with close names suggested.
SELECT * FROM hamilton_execute(ARRAY['margn']);
SELECT * FROM hamilton_execute(ARRAY['ee.revenu']);
SELECT * FROM hamilton_execute(ARRAY['no_such_thing_at_all']);
-- A name that is an input, not a node.
SELECT * FROM hamilton_execute(ARRAY['price']);
-- Missing inputs, and which nodes need them.
SELECT * FROM hamilton_execute(ARRAY['margin']);
SELECT * FROM hamilton_execute(ARRAY['margin'], inputs => '{"price": 2.5}');
-- Many missing inputs are listed up to a point.
CREATE FUNCTION ee.wide(i1 int, i2 int, i3 int, i4 int, i5 int, i6 int, i7 int, i8 int, i9 int, i10 int, i11 int, i12 int)
RETURNS int LANGUAGE sql RETURN i1;
SELECT * FROM hamilton_execute(ARRAY['wide']);
DROP FUNCTION ee.wide;
-- A cycle, with its path.
SELECT * FROM hamilton_execute(ARRAY['loop_b']);
-- Type mismatches between producer and consumer.
SELECT * FROM hamilton_execute(ARRAY['count_of'], inputs => '{"price": 1, "quantity": 2, "cost": 1}');
SELECT * FROM hamilton_execute(ARRAY['rows_of']);
SELECT * FROM hamilton_execute(ARRAY['wants_value'], inputs => '{"price": 1, "quantity": 2, "cost": 1}');
-- A SQL node reading a relation that is neither a node nor a table.
SELECT hamilton_define('ee.reads_missing', 'SELECT * FROM ee.no_such_table');
SELECT problem, node, message, detail FROM hamilton_validate(ARRAY['reads_missing']);
-- A temporary table is a fine source, qualified or not.
CREATE TEMP TABLE scratch AS SELECT 7 AS x;
SELECT hamilton_define('ee.reads_temp', 'SELECT t.x + s.x AS y FROM pg_temp.scratch t, scratch s');
SELECT node, sources FROM hamilton.nodes WHERE node = 'ee.reads_temp';
SELECT count(*) AS problems FROM hamilton_validate(ARRAY['reads_temp']);
SELECT hamilton_drop('ee.reads_missing');
-- Input values are checked against the parameters that receive them.
SELECT * FROM hamilton_execute(ARRAY['revenue'], inputs => '{"price": "cheap", "quantity": 1.5}');
-- Inputs must not name nodes: that is what overrides are for.
SELECT * FROM hamilton_execute(ARRAY['margin'], inputs => '{"price": 1, "quantity": 2, "cost": 1, "revenue": 5}');
-- Bad arguments.
SELECT * FROM hamilton_execute(NULL);
SELECT * FROM hamilton_execute(ARRAY[]::text[]);
SELECT * FROM hamilton_execute(ARRAY['margin', NULL]);
SELECT * FROM hamilton_execute(ARRAY['margin'], inputs => '[1, 2]');
SELECT * FROM hamilton_execute(ARRAY['margin'], overrides => '"x"');
SELECT * FROM hamilton_execute(ARRAY['margin'], config => '3');
-- Several problems at once: one error lists them all.
SELECT * FROM hamilton_execute(ARRAY['margn', 'loop_a', 'margin', 'rows_of']);
-- hamilton_validate lists the same problems as rows, and nothing when valid.
SELECT problem, node, message FROM hamilton_validate(ARRAY['margn', 'loop_a', 'margin', 'rows_of']);
SELECT count(*) FROM hamilton_validate(ARRAY['margin'], inputs => '{"price": 1, "quantity": 2, "cost": 1}');
-- None of this ran, recorded a run, or changed a result.
SELECT (SELECT count(*) FROM hamilton.runs) = runs AS no_runs_recorded,
       (SELECT count(*) FROM ee.ledger) = ledger_rows AS results_intact
FROM before;
-- A table node passed to a regclass parameter is fine.
SELECT node, status FROM hamilton_execute(ARRAY['wants_table']);
-- Ambiguity across modules: an unqualified name must be unique.
CREATE SCHEMA ee2;
CREATE FUNCTION ee2.margin(x int DEFAULT 1) RETURNS numeric LANGUAGE sql RETURN x;
CREATE FUNCTION ee2.uses_margin(margin numeric) RETURNS numeric LANGUAGE sql RETURN margin;
CREATE SCHEMA ee3;
CREATE FUNCTION ee3.also_margin(margin numeric) RETURNS numeric LANGUAGE sql RETURN margin;
SELECT hamilton_register('ee2');
SELECT hamilton_register('ee3');
SELECT * FROM hamilton_execute(ARRAY['margin']);
-- Within its own module, a name means that module's node.
SELECT node, status FROM hamilton_execute(ARRAY['ee2.uses_margin']);
-- From a third module, the others are not among the run's modules: margin
-- is an input, and the error says which modules would compute it.
SELECT * FROM hamilton_execute(ARRAY['also_margin']);
-- With both of them in the run, it is ambiguous.
SELECT * FROM hamilton_execute(ARRAY['also_margin'], modules => ARRAY['ee3', 'ee', 'ee2']);
-- A result table that pg_hamilton did not create is never overwritten.
SELECT hamilton_define('ee.previous', 'SELECT 2 AS x');
CREATE FUNCTION ee.previous_fn() RETURNS int LANGUAGE sql RETURN 1;
ALTER FUNCTION ee.previous_fn() RENAME TO previous;
SELECT * FROM hamilton_execute(ARRAY['ee.previous']);
TABLE ee.previous;

-- Clean up.
SELECT drop_module('ee');
SELECT drop_module('ee2');
SELECT drop_module('ee3');
