-- Checks on a result's types: data_type (Hamilton's DataTypeValidator: the
-- type of one column, or of a scalar's value) and schema (Hamilton's
-- @schema.output: a table's columns and their types).  Both are read from
-- the result as it was written, at run time, since a SQL node's types are
-- known only then.
SELECT setval('hamilton.run_id_seq', 9700) > 0 AS ok;
CREATE SCHEMA tc;
CREATE TABLE tc.orders (id int PRIMARY KEY, qty int, price numeric(10,2), note text);
INSERT INTO tc.orders VALUES (1, 2, 9.99, 'a'), (2, 5, 1.50, NULL);
CREATE DOMAIN tc.positive AS numeric CHECK (VALUE > 0);
SELECT hamilton_register('tc');
CREATE FUNCTION tc.rate() RETURNS numeric LANGUAGE sql RETURN 0.5;
CREATE FUNCTION tc.fee(rate numeric) RETURNS tc.positive LANGUAGE sql RETURN rate * 2;

-- A table node: one column's type, and its schema.
SELECT hamilton_define('tc.lines', 'SELECT id, qty, price, qty * price AS amount FROM tc.orders',
    checks => '[{"check": "data_type", "column": "amount", "type": "numeric"},
                {"check": "data_type", "column": "price", "type": "numeric(10,2)", "name": "price_typmod"},
                {"check": "schema", "columns": {"id": "int4", "qty": "integer", "price": "numeric", "amount": "numeric"}}]');
SELECT node, status FROM hamilton_execute(ARRAY['lines']);
SELECT check_no, "check", passed, failing_rows, rows FROM hamilton.check_results
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) ORDER BY check_no;

-- A mismatch fails the check as a whole (every row fails), warn by default.
SELECT hamilton_check('tc.lines', '[{"check": "data_type", "column": "qty", "type": "float8"},
                                    {"check": "data_type", "column": "price", "type": "numeric(12,2)"}]');
SELECT node, status FROM hamilton_execute(ARRAY['lines']);
SELECT check_no, "check", passed, failing_rows, rows FROM hamilton.check_results
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) ORDER BY check_no;

-- A schema check lists every difference; strict also refuses other columns.
SELECT hamilton_check('tc.lines', '[{"check": "schema", "columns": {"id": "bigint", "qty": "integer", "discount": "numeric"},
                                     "strict": true, "severity": "fail"}]');
TABLE tc.lines;
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['lines'])$$);
-- The failed run kept nothing: the earlier result is intact, and the check's outcome is recorded.
TABLE tc.lines;
SELECT "check", passed, failing_rows, run_status FROM hamilton.check_results
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs);

-- An empty result fails a type check too: it is about types, not rows.
SELECT hamilton_define('tc.none', 'SELECT id, note FROM tc.orders WHERE false',
    checks => '[{"check": "data_type", "column": "note", "type": "varchar"}]');
SELECT node, rows, status FROM hamilton_execute(ARRAY['none']);
SELECT passed, failing_rows, rows FROM hamilton.check_results
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs);

-- A scalar's value: the column is left out.  A domain over the type matches it.
SELECT hamilton_check('tc.rate', '[{"check": "data_type", "type": "numeric"}]');
SELECT hamilton_check('tc.fee', '[{"check": "data_type", "type": "numeric"}, {"check": "data_type", "type": "tc.positive"}]');
SELECT node, status FROM hamilton_execute(ARRAY['fee']);
SELECT node, "check", passed FROM hamilton.check_results
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) ORDER BY node, check_no;
SELECT hamilton_check('tc.rate', '[{"check": "data_type", "type": "int", "severity": "fail"}]');
-- fee is an intermediate here: its checks run as well.
SELECT hamilton_check('tc.fee', '[{"check": "data_type", "type": "float8"}]');
SELECT hamilton_define('tc.total_fee', 'SELECT fee * 2 AS total_fee FROM fee');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['total_fee'], overrides => '{"rate": 1.5}')$$);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['total_fee'])$$);
SELECT hamilton_check('tc.rate', '[]');

-- A SQL node that reads an input: its type comes with the input's value.
SELECT hamilton_define('tc.echo', 'SELECT h AS echo FROM h',
    checks => '[{"check": "data_type", "type": "numeric", "severity": "fail"}]');
SELECT node, status FROM hamilton_execute(ARRAY['echo'], inputs => '{"h": 2}');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['echo'], inputs => '{"h": "two"}')$$);
TABLE tc.echo;

-- Column nodes of a frame, in their own table and in an into_table.
SELECT hamilton_define('tc.frame', 'SELECT id, qty, price FROM tc.orders', key => ARRAY['id'], extract_columns => true);
SELECT hamilton_define('tc.half', 'qty / 2', checks => '[{"check": "data_type", "type": "numeric"}]');
SELECT node, status FROM hamilton_execute(ARRAY['half']);
SELECT node, status FROM hamilton_execute(ARRAY['half', 'price'], into_table => 'tc.wide');
SELECT relation, passed FROM hamilton.check_results
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs);

-- Every variant is checked with the node's checks.
SELECT hamilton_define('tc.pick', 'SELECT 1::int AS pick', config_when => '{"v": "int"}');
SELECT hamilton_define('tc.pick', 'SELECT 1.5 AS pick', config_when => '{"v": "num"}');
SELECT hamilton_check('tc.pick', '[{"check": "schema", "columns": {"pick": "integer"}, "severity": "fail"}]');
SELECT node, status FROM hamilton_execute(ARRAY['pick'], config => '{"v": "int"}');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['pick'], config => '{"v": "num"}')$$);

-- A type that is gone by the run is an error, not a pass.
CREATE TYPE tc.mood AS ENUM ('ok');
SELECT hamilton_check('tc.none', '[{"check": "data_type", "column": "note", "type": "tc.mood"}]');
DROP TYPE tc.mood;
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['none'])$$);

-- Refused when set; nothing changes.
SELECT checks AS checks_before FROM hamilton.nodes WHERE node = 'tc.lines' \gset
SELECT try_sql($$SELECT hamilton_check('tc.lines', '[{"check": "data_type", "column": "qty"}]')$$);
SELECT try_sql($$SELECT hamilton_check('tc.lines', '[{"check": "data_type", "column": "qty", "type": 5}]')$$);
SELECT try_sql($$SELECT hamilton_check('tc.lines', '[{"check": "data_type", "column": "qty", "type": "no_such_type"}]')$$);
SELECT try_sql($$SELECT hamilton_check('tc.lines', '[{"check": "data_type", "column": "qty", "type": "int", "min": 0}]')$$);
SELECT try_sql($$SELECT hamilton_check('tc.lines', '[{"check": "data_type", "column": "nope", "type": "int"}]')$$);
SELECT try_sql($$SELECT hamilton_check('tc.lines', '[{"check": "schema"}]')$$);
SELECT try_sql($$SELECT hamilton_check('tc.lines', '[{"check": "schema", "columns": {}}]')$$);
SELECT try_sql($$SELECT hamilton_check('tc.lines', '[{"check": "schema", "columns": ["id", "int"]}]')$$);
SELECT try_sql($$SELECT hamilton_check('tc.lines', '[{"check": "schema", "columns": {"id": 1}}]')$$);
SELECT try_sql($$SELECT hamilton_check('tc.lines', '[{"check": "schema", "columns": {"id": "int", "qty": "no_such_type"}}]')$$);
SELECT try_sql($$SELECT hamilton_check('tc.lines', '[{"check": "schema", "columns": {"id": "int"}, "strict": "yes"}]')$$);
SELECT try_sql($$SELECT hamilton_check('tc.lines', '[{"check": "schema", "columns": {"id": "int"}, "column": "id"}]')$$);
SELECT try_sql($$SELECT hamilton_check('tc.half', '[{"check": "schema", "columns": {"half": "int"}}]')$$);
SELECT try_sql($$SELECT hamilton_check('tc.rate', '[{"check": "schema", "columns": {"rate": "numeric"}}]')$$);
SELECT try_sql($$SELECT hamilton_check('tc.half', '[{"check": "data_type", "column": "qty", "type": "int"}]')$$);
SELECT try_sql($$SELECT hamilton_define('tc.bad', 'SELECT 1 AS bad', checks => '[{"check": "data_type", "type": "no_such_type"}]')$$);
SELECT checks = :'checks_before' AS checks_unchanged FROM hamilton.nodes WHERE node = 'tc.lines';
SELECT count(*) AS bad_defined FROM hamilton.nodes WHERE node = 'tc.bad';

SELECT drop_module('tc');
