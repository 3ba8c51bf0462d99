-- Every error a user can cause has its own SQLSTATE, and loses nothing:
-- the catalog and earlier results stay as they were.
BEGIN;
SELECT plan(30);

CREATE SCHEMA tap_err;
CREATE TABLE tap_err.src (x int);
INSERT INTO tap_err.src VALUES (1), (2), (3);
CREATE FUNCTION tap_err.a(b int) RETURNS int LANGUAGE sql RETURN b;
CREATE FUNCTION tap_err.b(c int) RETURNS int LANGUAGE sql RETURN c;
CREATE FUNCTION tap_err.c(a int) RETURNS int LANGUAGE sql RETURN a;
CREATE FUNCTION tap_err.word() RETURNS text LANGUAGE sql RETURN 'w';
CREATE FUNCTION tap_err.needs_int(word int) RETURNS int LANGUAGE sql RETURN word;
CREATE FUNCTION tap_err.scaled(factor numeric) RETURNS numeric LANGUAGE sql RETURN factor * 2;
CREATE FUNCTION tap_err.zero() RETURNS int LANGUAGE sql RETURN 0;
SELECT hamilton_register('tap_err');
SELECT hamilton_define('tap_err.good', 'SELECT x FROM tap_err.src');
SELECT hamilton_define('tap_err.ratio', 'SELECT x / zero AS r FROM tap_err.src, zero');
SELECT lives_ok($$SELECT * FROM hamilton_execute(ARRAY['tap_err.good'])$$, 'a valid dataflow runs');

CREATE TEMP TABLE snapshot AS
SELECT (SELECT count(*) FROM hamilton.sql_node) AS sql_nodes,
       (SELECT count(*) FROM hamilton.module) AS modules,
       (SELECT count(*) FROM hamilton.node_tag) AS tags,
       (SELECT count(*) FROM hamilton.run WHERE status = 'succeeded') AS good_runs,
       (SELECT string_agg(x::text, ',' ORDER BY x) FROM tap_err.good) AS good_rows;

-- Validation errors.
SELECT throws_ok($$SELECT * FROM hamilton_execute(ARRAY['tap_err.gooood'])$$, '42704',
    'unknown output "tap_err.gooood"', 'unknown output: undefined_object');
SELECT throws_like($$SELECT * FROM hamilton_execute(ARRAY['tap_err.scaled'])$$,
    'missing input: factor', 'missing input: named in the message');
SELECT throws_ok($$SELECT * FROM hamilton_execute(ARRAY['tap_err.scaled'])$$, '42P02', NULL,
    'missing input: undefined_parameter');
SELECT throws_ok($$SELECT * FROM hamilton_execute(ARRAY['tap_err.a'])$$, '42P19',
    'dataflow has a cycle: tap_err.c -> tap_err.b -> tap_err.a -> tap_err.c', 'cycle: invalid_recursion, with its path');
SELECT throws_ok($$SELECT * FROM hamilton_execute(ARRAY['tap_err.needs_int'])$$, '42804', NULL,
    'producer/consumer type mismatch: datatype_mismatch');
SELECT throws_ok($$SELECT * FROM hamilton_execute(ARRAY['tap_err.scaled'], inputs => '{"factor": "lots"}')$$,
    '42804', NULL, 'input of the wrong type: datatype_mismatch');
SELECT throws_ok($$SELECT * FROM hamilton_execute(ARRAY['tap_err.scaled'], inputs => '{"factor": 1, "zero": 2}')$$,
    '22023', NULL, 'input named like a node: invalid_parameter_value');
SELECT throws_ok($$SELECT * FROM hamilton_execute(ARRAY['tap_err.good'], overrides => '{"nope": 1}')$$,
    '42704', NULL, 'unknown override: undefined_object');
SELECT throws_ok($$SELECT * FROM hamilton_execute(ARRAY['tap_err.good'], inputs => '[]')$$,
    '22023', NULL, 'inputs not an object: invalid_parameter_value');
SELECT throws_ok($$SELECT * FROM hamilton_execute(NULL)$$, '22004', NULL, 'NULL outputs: null_value_not_allowed');
SELECT throws_ok($$SELECT * FROM hamilton_execute(ARRAY['tap_err.gooood', 'tap_err.a'])$$, '42704',
    'dataflow has 2 problems; the first: unknown output "tap_err.gooood"', 'several problems: one error, first SQLSTATE');
CREATE SCHEMA tap_err2;
CREATE FUNCTION tap_err2.good() RETURNS int LANGUAGE sql RETURN 1;
SELECT hamilton_register('tap_err2');
SELECT throws_ok($$SELECT * FROM hamilton_execute(ARRAY['good'])$$, '42725', NULL,
    'name in two modules: ambiguous_function');
CREATE FUNCTION tap_err.a(b int, extra int) RETURNS int LANGUAGE sql RETURN b;
SELECT throws_ok($$SELECT * FROM hamilton_execute(ARRAY['tap_err.a'])$$, '42725', NULL,
    'overloaded node: ambiguous_function');
DROP FUNCTION tap_err.a(int, int);

-- Definition errors.
SELECT throws_ok($$SELECT hamilton_define('tap_err.d', 'DELETE FROM tap_err.src')$$, '42P17', NULL,
    'DML definition: invalid_object_definition');
SELECT throws_ok($$SELECT hamilton_define('tap_err.d', 'SELECT 1; SELECT 2')$$, '42P17', NULL,
    'several statements: invalid_object_definition');
SELECT throws_ok($$SELECT hamilton_define('tap_err.d', 'WITH x AS (INSERT INTO tap_err.src VALUES (9) RETURNING x) SELECT * FROM x')$$,
    '42P17', NULL, 'data-modifying CTE: invalid_object_definition');
SELECT throws_ok($$SELECT hamilton_define('tap_err.d', 'SELECT x INTO tap_err.e FROM tap_err.src')$$, '42P17', NULL,
    'SELECT INTO: invalid_object_definition');
SELECT throws_ok($$SELECT hamilton_define('tap_err.d', 'SELEKT 1')$$, '42601', NULL, 'bad SQL: syntax_error');
SELECT throws_ok($$SELECT hamilton_define('tap_err.d', 'SELECT 1', materialize => 'maybe')$$, '22023', NULL,
    'bad option: invalid_parameter_value');
SELECT throws_ok($$SELECT hamilton_define('tap_err.src', 'SELECT 1 AS x')$$, '42P07', NULL,
    'a table pg_hamilton did not create: duplicate_table');
SELECT throws_ok($$SELECT hamilton_define('tap_err.word', 'SELECT 1 AS x')$$, '42723', NULL,
    'a name a function already has: duplicate_function');
SELECT throws_ok($$SELECT hamilton_drop('tap_err.nothing')$$, '42704', NULL, 'dropping an unknown node: undefined_object');
SELECT throws_ok($$SELECT hamilton_tag('tap_err.good', '[1]')$$, '22023', NULL, 'tags not an object: invalid_parameter_value');
SELECT throws_ok($$SELECT hamilton_register('pg_catalog')$$, '3F000', NULL, 'a system schema: invalid_schema_name');

-- A node that raises keeps its own SQLSTATE and names itself.
SELECT throws_ok($$SELECT * FROM hamilton_execute(ARRAY['tap_err.ratio'])$$, '22012',
    'node tap_err.ratio (module tap_err) failed: division by zero', 'a failing node: its own SQLSTATE, its name');

-- Nothing was lost on the way.
SELECT is((SELECT count(*) FROM hamilton.sql_node), sql_nodes, 'no SQL node was added or lost') FROM snapshot;
SELECT is((SELECT count(*) FROM hamilton.module), modules + 1, 'only tap_err2 was registered') FROM snapshot;
SELECT is((SELECT count(*) FROM hamilton.run WHERE status = 'succeeded'), good_runs, 'no run claims success') FROM snapshot;
SELECT is((SELECT string_agg(x::text, ',' ORDER BY x) FROM tap_err.good), good_rows, 'the earlier result is intact') FROM snapshot;

SELECT * FROM finish();
ROLLBACK;
