-- Frames and column nodes: every mistake is refused with its own SQLSTATE,
-- a detail and a hint, and nothing is lost: the catalog and earlier results
-- stay as they were.
SELECT setval('hamilton.run_id_seq', 7100) > 0 AS ok;
CREATE SCHEMA fe;
CREATE TABLE fe.a (k int, x int, y int);
INSERT INTO fe.a VALUES (1, 1, 2), (2, 3, 4);
CREATE TABLE fe.b (id int, z int);
INSERT INTO fe.b VALUES (1, 10);
-- _try runs a statement and shows its error (SQLSTATE, then the message,
-- detail and hint as a NOTICE); a name starting with _ is not a node.
-- _state returns an error's SQLSTATE only, _msg its message only.
CREATE FUNCTION fe.helper(n int) RETURNS int LANGUAGE sql RETURN n;
SELECT hamilton_register('fe');
SELECT hamilton_define('fe.fa', 'SELECT k, x, y FROM fe.a', key => ARRAY['k'], extract_columns => true);
SELECT hamilton_define('fe.fb', 'SELECT id, z FROM fe.b', key => ARRAY['id'], extract_columns => true);
SELECT hamilton_define('fe.x2', 'x * 2');
-- Earlier results that no error may touch.
SELECT node, relation, status FROM hamilton_execute(ARRAY['x2', 'y'], into_table => 'fe.good');
SELECT node, relation, status FROM hamilton_execute(ARRAY['x2']);
CREATE TEMP TABLE before AS
SELECT (SELECT count(*) FROM hamilton.runs) AS runs,
       (SELECT count(*) FROM hamilton.sql_node WHERE schema_name = 'fe') AS sql_nodes,
       (SELECT string_agg(node || ':' || kind, ',' ORDER BY node) FROM hamilton.nodes WHERE module = 'fe') AS nodes,
       (SELECT string_agg(k || '=' || x2, ',' ORDER BY k) FROM fe.good) AS good,
       (SELECT string_agg(k || '=' || x2, ',' ORDER BY k) FROM fe.x2) AS x2;

-- 1. Definition errors.
-- Key without extract_columns, extract_columns without key, an empty key.
SELECT try_sql($$SELECT hamilton_define('fe.noext', 'SELECT k, x FROM fe.a', key => ARRAY['k'])$$);
SELECT try_sql($$SELECT hamilton_define('fe.nokey', 'SELECT k, x FROM fe.a', extract_columns => true)$$);
SELECT try_sql($$SELECT hamilton_define('fe.emptykey', 'SELECT k, x FROM fe.a', key => ARRAY[]::text[], extract_columns => true)$$);
-- A key column the SELECT does not yield.
SELECT try_sql($$SELECT hamilton_define('fe.badkey', 'SELECT k, x AS xx FROM fe.a', key => ARRAY['kk'], extract_columns => true)$$);
-- A column twice.
SELECT try_sql($$SELECT hamilton_define('fe.twice', 'SELECT k, x, y AS x FROM fe.a', key => ARRAY['k'], extract_columns => true)$$);
-- An extracted column named like a function, a column of another frame, a
-- SQL node, or the frame itself.
SELECT try_sql($$SELECT hamilton_define('fe.clash', 'SELECT k, x AS helper FROM fe.a', key => ARRAY['k'], extract_columns => true)$$);
SELECT try_sql($$SELECT hamilton_define('fe.clash', 'SELECT k, y FROM fe.a', key => ARRAY['k'], extract_columns => true)$$);
SELECT try_sql($$SELECT hamilton_define('fe.clash', 'SELECT k, x AS x2 FROM fe.a', key => ARRAY['k'], extract_columns => true)$$);
SELECT try_sql($$SELECT hamilton_define('fe.clash', 'SELECT k, x AS clash FROM fe.a', key => ARRAY['k'], extract_columns => true)$$);
-- A frame SELECT that cannot be planned keeps the planner's SQLSTATE.
SELECT try_sql($$SELECT hamilton_define('fe.noplan', 'SELECT k, w FROM fe.no_such', key => ARRAY['k'], extract_columns => true)$$);
SELECT try_sql($$SELECT hamilton_define('fe.noplan', 'SELECT k, nope FROM fe.a', key => ARRAY['k'], extract_columns => true)$$);
-- Redefining a frame badly keeps the old definition and its columns.
SELECT try_sql($$SELECT hamilton_define('fe.fa', 'SELECT k, x, y, nope FROM fe.a', key => ARRAY['k'], extract_columns => true)$$);
SELECT try_sql($$SELECT hamilton_define('fe.fa', 'SELECT k, x, y FROM fe.a', key => ARRAY['x', 'nope'], extract_columns => true)$$);
SELECT definition, frame_key, frame_columns FROM hamilton.sql_node WHERE schema_name = 'fe' AND node_name = 'fa';

-- Column expressions: aggregates need OVER; no subqueries, qualified
-- names, aliases or named windows; one expression.
SELECT try_sql($$SELECT hamilton_define('fe.agg', 'sum(x)')$$);
SELECT try_sql($$SELECT hamilton_define('fe.agg', 'x - max(y)')$$);
SELECT try_sql($$SELECT hamilton_define('fe.sub', 'x + (SELECT 1)')$$);
SELECT try_sql($$SELECT hamilton_define('fe.sub', 'x IN (SELECT k FROM fe.a)')$$);
SELECT try_sql($$SELECT hamilton_define('fe.qual', 'fa.x + 1')$$);
SELECT try_sql($$SELECT hamilton_define('fe.qual', 'fe.a.x + 1')$$);
SELECT try_sql($$SELECT hamilton_define('fe.alias', 'x + 1 AS y2')$$);
SELECT try_sql($$SELECT hamilton_define('fe.named', 'sum(x) OVER w')$$);
SELECT try_sql($$SELECT hamilton_define('fe.named', 'sum(x) OVER (w ORDER BY k)')$$);
SELECT try_sql($$SELECT hamilton_define('fe.two', 'x, y')$$);
-- A syntax error keeps its SQLSTATE and says which node it is in.
SELECT sqlstate_of($$SELECT hamilton_define('fe.broken', 'x +')$$);
SELECT error_of($$SELECT hamilton_define('fe.broken', 'x +')$$) LIKE '%fe.broken%' AS names_the_node;
-- A frame's column is not a SQL node of its own: it goes with its frame.
SELECT error_of($$SELECT hamilton_drop('fe.y')$$) LIKE '%fe.fa%' AS names_the_frame;

-- 2. Dataflow errors, found before anything runs.
-- Columns of two frames in one node (function or expression).
CREATE FUNCTION fe.mix(x int, z int) RETURNS int LANGUAGE sql RETURN x + z;
SELECT hamilton_define('fe.mixe', 'y + z');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['mix'])$$);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['mixe'])$$);
SELECT problem, node, message FROM hamilton_validate(ARRAY['mix', 'mixe']) ORDER BY node;
-- Downstream of a mixed node: reported once, at the mixed node.
CREATE FUNCTION fe.after_mix(mix int) RETURNS int LANGUAGE sql RETURN mix;
SELECT problem, node FROM hamilton_validate(ARRAY['after_mix']) ORDER BY node;
DROP FUNCTION fe.mix, fe.after_mix;
SELECT hamilton_drop('fe.mixe');
-- An expression that reads no column of a frame (constants, a scalar node).
SELECT hamilton_define('fe.constant', '1 + 1');
SELECT hamilton_define('fe.from_scalar', 'helper + 1');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['constant'])$$);
SELECT problem, node, message FROM hamilton_validate(ARRAY['from_scalar'], inputs => '{"n": 1}');
SELECT hamilton_drop('fe.constant');
SELECT hamilton_drop('fe.from_scalar');
-- A key parameter outside any frame, and an expression reading another
-- frame's key.
CREATE FUNCTION fe.keyed(k int, n int) RETURNS int LANGUAGE sql RETURN k + n;
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['keyed'], inputs => '{"n": 1}')$$);
DROP FUNCTION fe.keyed;
SELECT hamilton_define('fe.other_key', 'x + id');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['other_key'])$$);
SELECT hamilton_drop('fe.other_key');
-- into_table: columns of two frames; no column requested; the name of a
-- node (a frame, a column, a function).
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['x', 'z'], into_table => 'fe.both')$$);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fa'], into_table => 'fe.t')$$);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['x'], into_table => 'fe.fb')$$);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['x'], into_table => 'y')$$);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['x'], into_table => 'helper')$$);
-- Two columns of one name into one table: same-named columns of two
-- modules, or a column named like the frame's key.
CREATE SCHEMA fe2;
CREATE FUNCTION fe2.x(y int) RETURNS int LANGUAGE sql RETURN y * 100;
CREATE FUNCTION fe2.k(y int) RETURNS int LANGUAGE sql RETURN -y;
SELECT hamilton_register('fe2');
SELECT node, kind, frame FROM hamilton.nodes WHERE module = 'fe2' ORDER BY node;
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fe.x', 'fe2.x'], into_table => 'fe.t')$$);
SELECT problem, node FROM hamilton_validate(ARRAY['fe.x', 'fe2.k'], into_table => 'fe.t');
SELECT problem, node FROM hamilton_validate(ARRAY['fe2.k'], modules => ARRAY['fe2', 'fe']);
SELECT drop_module('fe2');

-- 3. Nothing was lost.
SELECT (SELECT count(*) FROM hamilton.runs) = runs AS no_run_recorded,
       (SELECT count(*) FROM hamilton.sql_node WHERE schema_name = 'fe') = sql_nodes AS same_sql_nodes,
       (SELECT string_agg(node || ':' || kind, ',' ORDER BY node) FROM hamilton.nodes WHERE module = 'fe') = nodes AS same_nodes,
       (SELECT string_agg(k || '=' || x2, ',' ORDER BY k) FROM fe.good) = good AS into_table_intact,
       (SELECT string_agg(k || '=' || x2, ',' ORDER BY k) FROM fe.x2) = x2 AS column_table_intact
FROM before;
SELECT to_regclass('fe.both') IS NULL AS no_both, to_regclass('fe.t') IS NULL AS no_t;
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['x2', 'y'], into_table => 'fe.good');
SELECT * FROM fe.good ORDER BY k;

-- Clean up.
SELECT drop_module('fe');
DROP SCHEMA IF EXISTS fe CASCADE;
