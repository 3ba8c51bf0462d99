-- Checks hold on every node, wherever it runs: on a scalar's value, on an
-- intermediate table function, frame or SQL node (which is then kept in a
-- temporary table, never inlined, so that its checks can read it), on column
-- nodes, intermediate or requested, with and without into_table.  A failing
-- "fail" check stops the run (SQLSTATE check_violation, naming the node),
-- the earlier results stay, and every outcome is in hamilton.check_results.
-- Run ids appear in messages: make them predictable.
SELECT setval('hamilton.run_id_seq', 7600) > 0 AS ok;
CREATE SCHEMA cn;
CREATE TABLE cn.src (k int PRIMARY KEY, v float8, w int);
INSERT INTO cn.src VALUES (1, 0.5, 10), (2, 0.25, 20), (3, 0.75, 30);
SELECT hamilton_register('cn');

-- 1. A range check 0-1 on a scalar: its checks see its value as a one-row
-- relation named after the node, with one column of that name.
CREATE FUNCTION cn.rate(x numeric) RETURNS numeric LANGUAGE sql RETURN x;
CREATE FUNCTION cn.scaled(rate numeric) RETURNS numeric LANGUAGE sql RETURN rate * 100;
SELECT hamilton_check('cn.rate', $$[
    {"check": "range", "min": 0, "max": 1, "severity": "fail"},
    {"check": "sql", "predicate": "rate < 0.9", "name": "below_90"}]$$);
SELECT hamilton_explain(ARRAY['scaled'], inputs => '{"x": 0.5}');
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['scaled'], inputs => '{"x": 0.5}');
TABLE cn.scaled;
-- 36.45: the run stops at the scalar, and cn.scaled keeps its rows.
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['scaled'], inputs => '{"x": 36.45}')$$);
SELECT sqlstate_of($$SELECT * FROM hamilton_execute(ARRAY['scaled'], inputs => '{"x": 36.45}')$$);
TABLE cn.scaled;
SELECT run_id, status, failed_node FROM hamilton.runs WHERE run_id > 7600 ORDER BY run_id;
SELECT run_id, step, node, check_no, "check", severity, passed, failing_rows, rows, relation, run_status
FROM hamilton.check_results WHERE node = 'cn.rate' ORDER BY run_id, check_no;

-- 2. not_null on a frame with a NULL row, read only by its columns' query:
-- the frame is kept in a temporary table for its checks.
SELECT hamilton_define('cn.f', 'SELECT k, v, w FROM cn.src', key => ARRAY['k'], extract_columns => true,
    checks => '[{"check": "not_null", "column": "v", "severity": "fail"}, {"check": "range", "column": "w", "max": 25}]');
CREATE FUNCTION cn.v_pct(v float8) RETURNS float8 LANGUAGE sql RETURN v * 100;
SELECT hamilton_explain(ARRAY['v_pct']);
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['v_pct']);
UPDATE cn.src SET v = NULL WHERE k = 2;
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['v_pct'])$$);
SELECT * FROM cn.v_pct ORDER BY k;
SELECT run_id, step, node, check_no, "check", severity, passed, failing_rows, rows, relation, run_status
FROM hamilton.check_results WHERE node = 'cn.f' ORDER BY run_id, check_no;
UPDATE cn.src SET v = 0.25 WHERE k = 2;

-- 3. not_null on a RETURNS TABLE function that a SQL node reads.
CREATE FUNCTION cn.pairs() RETURNS TABLE (k int, w int) LANGUAGE sql STABLE
    AS $$ SELECT k, w FROM cn.src $$;
SELECT hamilton_check('cn.pairs', '[{"check": "not_null", "column": "w", "severity": "fail"}, {"check": "unique", "column": "k"}]');
SELECT hamilton_define('cn.pair_total', 'SELECT sum(w) AS total FROM pairs');
SELECT hamilton_explain(ARRAY['pair_total']);
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['pair_total']);
UPDATE cn.src SET w = NULL WHERE k = 3;
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['pair_total'])$$);
TABLE cn.pair_total;
SELECT run_id, step, node, check_no, "check", severity, passed, failing_rows, rows, relation, run_status
FROM hamilton.check_results WHERE node = 'cn.pairs' ORDER BY run_id, check_no;
UPDATE cn.src SET w = 30 WHERE k = 3;

-- 4. not_null on a SQL node that another SQL node reads: it would be
-- inlined, and is kept in a temporary table instead; with inlining off too.
SELECT hamilton_define('cn.clean', 'SELECT k, v FROM cn.src',
    checks => '[{"check": "not_null", "column": "v", "severity": "fail"}]');
SELECT hamilton_define('cn.report', 'SELECT count(*) AS n, sum(v) AS total FROM clean');
SELECT hamilton_explain(ARRAY['report']);
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['report']);
UPDATE cn.src SET v = NULL WHERE k = 1;
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['report'])$$);
SET hamilton.inline_intermediates = off;
SELECT sqlstate_of($$SELECT * FROM hamilton_execute(ARRAY['report'])$$);
RESET hamilton.inline_intermediates;
TABLE cn.report;
SELECT run_id, step, node, check_no, "check", severity, passed, failing_rows, rows, relation, run_status
FROM hamilton.check_results WHERE node = 'cn.clean' ORDER BY run_id, check_no;
UPDATE cn.src SET v = 0.5 WHERE k = 1;

-- Column nodes with checks: intermediate (kept in a temporary table for its
-- checks), requested into its own table, requested into an into_table.
CREATE TABLE cn.gsrc (k int PRIMARY KEY, w int);
INSERT INTO cn.gsrc VALUES (1, 2), (2, 4), (3, 6);
SELECT hamilton_define('cn.g', 'SELECT k, w AS gw FROM cn.gsrc', key => ARRAY['k'], extract_columns => true);
SELECT hamilton_define('cn.gw_half', 'gw / 2', checks => '[{"check": "range", "min": 1, "severity": "fail"}]');
SELECT hamilton_define('cn.gw_quarter', 'gw_half / 2.0', checks => '[{"check": "range", "max": 1, "name": "at_most_1"}]');
SELECT hamilton_explain(ARRAY['gw_quarter']);
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['gw_quarter']);
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['gw_half']);
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['gw', 'gw_half', 'gw_quarter'], into_table => 'cn.gfeatures');
UPDATE cn.gsrc SET w = 1 WHERE k = 1;
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['gw_quarter'])$$);
SELECT sqlstate_of($$SELECT * FROM hamilton_execute(ARRAY['gw_half'])$$);
SELECT sqlstate_of($$SELECT * FROM hamilton_execute(ARRAY['gw', 'gw_half'], into_table => 'cn.gfeatures')$$);
SELECT * FROM cn.gw_quarter ORDER BY k;
SELECT * FROM cn.gw_half ORDER BY k;
SELECT * FROM cn.gfeatures ORDER BY k;
SELECT run_id, step, node, check_no, "check", severity, passed, failing_rows, rows, relation, run_status
FROM hamilton.check_results WHERE node IN ('cn.gw_half', 'cn.gw_quarter') ORDER BY run_id, step, check_no;

-- NaN is a missing value for not_null on float4, float8 and numeric columns.
CREATE TABLE cn.nans (k int, f4 float4, f8 float8, n numeric, i int);
INSERT INTO cn.nans VALUES (1, 'NaN', 1, 1, 1), (2, 1, 'NaN', 'NaN', NULL), (3, NULL, 1, 1, 1);
SELECT hamilton_define('cn.with_nans', 'SELECT * FROM cn.nans', checks => $$[
    {"check": "not_null", "column": "f4"}, {"check": "not_null", "column": "f8"},
    {"check": "not_null", "column": "n"}, {"check": "not_null", "column": "i"}]$$);
SELECT node, rows, status FROM hamilton_execute(ARRAY['with_nans']);
SELECT check_no, "check", spec->>'column' AS col, passed, failing_rows, rows
FROM hamilton.check_results WHERE node = 'cn.with_nans' ORDER BY check_no;

-- A sql predicate that ends in a comment works: the comment swallows nothing.
SELECT hamilton_check('cn.rate', '[{"check": "sql", "predicate": "rate < 1 -- a share", "name": "share", "severity": "fail"}]');
SELECT node, status FROM hamilton_execute(ARRAY['scaled'], inputs => '{"x": 0.5}');
SELECT sqlstate_of($$SELECT * FROM hamilton_execute(ARRAY['scaled'], inputs => '{"x": 2}')$$);
SELECT "check", passed, failing_rows FROM hamilton.check_results
WHERE node = 'cn.rate' AND "check" = 'share' ORDER BY run_id;

SELECT drop_module('cn');
