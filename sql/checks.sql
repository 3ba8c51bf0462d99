-- Checks on a node's output (@check_output): not_null, range, unique, in and
-- sql; a failing "warn" check is a WARNING and the run goes on, a failing
-- "fail" check stops the run and the previous result stays.  Every outcome
-- is kept in hamilton.check_results.
-- Run ids appear in messages: make them predictable.
SELECT setval('hamilton.run_id_seq', 7200) > 0 AS ok;
CREATE SCHEMA ck;
CREATE TABLE ck.src (id int, v int, cat text);
INSERT INTO ck.src VALUES (1, 5, 'a'), (2, NULL, 'b'), (3, 50, 'z'), (3, 7, 'a');
CREATE FUNCTION ck.total(n int) RETURNS int LANGUAGE sql RETURN n * 2;
SELECT hamilton_register('ck');

-- Each kind of check, severity warn (the default): every failing one is a
-- WARNING, and the run goes on.
SELECT hamilton_define('ck.t', 'SELECT id, v, cat FROM ck.src', checks => $$[
    {"check": "not_null", "column": "v"},
    {"check": "range", "column": "v", "min": 0, "max": 10},
    {"check": "unique", "column": "id"},
    {"check": "in", "column": "cat", "values": ["a", "b"]},
    {"check": "sql", "predicate": "v IS NULL OR v > id", "name": "v_above_id"},
    {"check": "sql", "predicate": "v < 10", "name": "small_v", "severity": "warn"}]$$);
SELECT node, checks FROM hamilton.nodes WHERE node = 'ck.t';
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['t']);
SELECT count(*) AS rows_kept FROM ck.t;
SELECT run_id, step, node, check_no, "check", severity, passed, failing_rows, rows, relation, run_status
FROM hamilton.check_results WHERE node = 'ck.t' ORDER BY run_id, step, check_no;
SELECT check_no, spec FROM hamilton.check_results WHERE node = 'ck.t' ORDER BY check_no;

-- All passing: no warning, every check recorded as passed.
SELECT hamilton_define('ck.clean', 'SELECT id, v, cat FROM ck.src WHERE v <= 10', checks => $$[
    {"check": "not_null", "column": "v", "severity": "fail"},
    {"check": "range", "column": "v", "min": 0, "severity": "fail"},
    {"check": "range", "column": "v", "max": 10, "severity": "fail"},
    {"check": "unique", "column": "id", "severity": "fail"},
    {"check": "in", "column": "cat", "values": ["a", "b"], "severity": "fail"},
    {"check": "sql", "predicate": "v > id", "severity": "fail"}]$$);
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['clean']);
SELECT check_no, "check", severity, passed, failing_rows, rows FROM hamilton.check_results
WHERE node = 'ck.clean' ORDER BY check_no;

-- Severity fail: the run stops, and the previous result stays in place.
SELECT hamilton_define('ck.guarded', 'SELECT id, v FROM ck.src, max_v WHERE v <= max_v',
    checks => '[{"check": "range", "column": "v", "max": 10, "severity": "fail"}, {"check": "not_null", "column": "v"}]');
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['guarded'], inputs => '{"max_v": 10}');
SELECT * FROM ck.guarded ORDER BY id, v;
SELECT * FROM hamilton_execute(ARRAY['guarded'], inputs => '{"max_v": 100}');
SELECT * FROM ck.guarded ORDER BY id, v;
SELECT run_id, status, failed_node, error FROM hamilton.runs ORDER BY run_id DESC LIMIT 1;
SELECT run_id, node, check_no, "check", severity, passed, failing_rows, rows, run_status
FROM hamilton.check_results WHERE node = 'ck.guarded' ORDER BY run_id, check_no;
SELECT relation, run_id FROM hamilton.lineage WHERE node = 'ck.guarded';

-- hamilton_check sets the checks of any node: here a function (a scalar),
-- whose check reads its own column by default.
SELECT hamilton_check('ck.total', '[{"check": "range", "min": 0, "max": 10, "severity": "fail"}]');
SELECT node, kind, checks FROM hamilton.nodes WHERE node = 'ck.total';
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['total'], inputs => '{"n": 3}');
TABLE ck.total;
SELECT * FROM hamilton_execute(ARRAY['total'], inputs => '{"n": 30}');
TABLE ck.total;
SELECT run_id, node, "check", passed, failing_rows, rows, relation, run_status
FROM hamilton.check_results WHERE node = 'ck.total' ORDER BY run_id;
-- An empty array removes them.
SELECT hamilton_check('ck.total', '[]');
SELECT node, checks FROM hamilton.nodes WHERE node = 'ck.total';
SELECT node, status FROM hamilton_execute(ARRAY['total'], inputs => '{"n": 30}');
TABLE ck.total;

-- Column nodes: the check reads the node's column, in its own table or in
-- the into_table.
SELECT hamilton_define('ck.frame', 'SELECT id, v FROM ck.src WHERE cat = ''a''',
    key => ARRAY['id'], extract_columns => true);
SELECT hamilton_define('ck.v_half', 'v / 2.0', checks => '[{"check": "range", "max": 3}]');
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['v_half']);
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['v', 'v_half'], into_table => 'ck.halves');
SELECT run_id - 7200 AS run, node, "check", passed, failing_rows, rows, relation
FROM hamilton.check_results WHERE node = 'ck.v_half' ORDER BY run_id;

-- Malformed checks are refused when they are set.
SELECT try_sql($$SELECT hamilton_check('ck.total', '{"check": "not_null"}')$$);
SELECT try_sql($$SELECT hamilton_check('ck.total', '[1]')$$);
SELECT try_sql($$SELECT hamilton_check('ck.total', '[{"severity": "warn"}]')$$);
SELECT try_sql($$SELECT hamilton_check('ck.total', '[{"check": "positive"}]')$$);
SELECT try_sql($$SELECT hamilton_check('ck.total', '[{"check": "not_null", "severity": "error"}]')$$);
SELECT try_sql($$SELECT hamilton_check('ck.total', '[{"check": "not_null", "colum": "total"}]')$$);
SELECT try_sql($$SELECT hamilton_check('ck.total', '[{"check": "not_null", "column": 5}]')$$);
SELECT try_sql($$SELECT hamilton_check('ck.total', '[{"check": "range"}]')$$);
SELECT try_sql($$SELECT hamilton_check('ck.total', '[{"check": "range", "min": "a"}]')$$);
SELECT try_sql($$SELECT hamilton_check('ck.total', '[{"check": "in", "values": []}]')$$);
SELECT try_sql($$SELECT hamilton_check('ck.total', '[{"check": "in", "values": [[1]]}]')$$);
SELECT try_sql($$SELECT hamilton_check('ck.total', '[{"check": "sql"}]')$$);
SELECT try_sql($$SELECT hamilton_check('ck.total', '[{"check": "not_null"}, {"check": "unique", "name": 1}]')$$);
SELECT try_sql($$SELECT hamilton_check('ck.nosuch', '[]')$$);
-- A predicate that does not parse: its SQLSTATE, and a message naming the node.
SELECT sqlstate_of($$SELECT hamilton_check('ck.total', '[{"check": "sql", "predicate": "total >"}]')$$);
SELECT error_of($$SELECT hamilton_check('ck.total', '[{"check": "sql", "predicate": "total >"}]')$$) LIKE '%ck.total%'
       AS names_the_node;
-- Through hamilton_define too; the node is then not (re)defined.
SELECT try_sql($$SELECT hamilton_define('ck.t', 'SELECT 1 AS id', checks => '[{"check": "unique"}, {"check": "nope"}]')$$);
SELECT try_sql($$SELECT hamilton_define('ck.newnode', 'SELECT 1 AS id', checks => '[{"check": "range"}]')$$);
SELECT node, definition FROM hamilton.nodes WHERE node IN ('ck.t', 'ck.newnode') ORDER BY node;
SELECT node, checks IS NULL AS no_checks FROM hamilton.nodes WHERE node = 'ck.total';

-- Clean up.
SELECT drop_module('ck');
DROP SCHEMA IF EXISTS ck CASCADE;

-- A frame's column is checked through its frame, naming the column.
CREATE SCHEMA ckf;
CREATE TABLE ckf.src (k int PRIMARY KEY, v int);
INSERT INTO ckf.src VALUES (1, 1), (2, NULL);
SELECT hamilton_define('ckf.f', 'SELECT k, v FROM ckf.src', key => ARRAY['k'], extract_columns => true);
SELECT hamilton_check('ckf.v', '[{"check": "not_null"}]');
SELECT hamilton_check('ckf.f', '[{"check": "not_null", "column": "v"}]');
SELECT node, status FROM hamilton_execute(ARRAY['f']);
SELECT drop_module('ckf');
