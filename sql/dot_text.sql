-- hamilton_dot's text, character by character: DOT escaping of control
-- characters beyond ASCII, trailing backslashes, errors cut by characters,
-- row counts and times, steps no longer defined, run outputs that are no
-- nodes any more, and type names whatever the caller's search_path.
-- (The same picture the SQL version drew, byte for byte.)
CREATE SCHEMA dx;
CREATE TYPE dx.mood AS ENUM ('ok', 'meh');
SELECT hamilton_register('dx');
CREATE FUNCTION dx.feeling(dx_in int) RETURNS dx.mood LANGUAGE sql RETURN 'ok'::dx.mood;
-- U+0085 (NEL) is a control character: a space; U+200B, U+2028 and U+00A0
-- are not; a tab and a newline are; a value may end with a backslash.
SELECT hamilton_define('dx.texts', 'SELECT 1 AS one', tags => jsonb_build_object(
    'nel', E'a\u0085b', 'c1', E'a\u0080\u009fb', 'ctl', E'a\tb\nc\u007fd', 'q', 'say "hi"',
    'trail', E'ends \\', 'B', 'sorted bytewise: B before a', 'a', 'é'));
SELECT hamilton_define('dx.wide', 'SELECT 1 AS one', tags => jsonb_build_object(
    'zwsp', E'a\u200bb', 'lsep', E'a\u2028b', 'nbsp', E'a\u00a0b', 'nel', E'a\u0085b'));
SELECT encode(convert_to(line, 'UTF8'), 'escape') AS line
FROM regexp_split_to_table(hamilton_dot(ARRAY['dx.texts', 'dx.wide']), E'\n') AS line
WHERE line ~ '^  "dx\.';
-- Type names are qualified as with search_path = pg_catalog, whatever the
-- caller's path is.
SET search_path = dx, public;
SELECT line FROM regexp_split_to_table(hamilton_dot(ARRAY['dx.feeling']), E'\n') AS line
WHERE line LIKE '  "dx.feeling"%';
RESET search_path;

-- A run recorded with odd values (the catalog owner may write them).
INSERT INTO hamilton.run (run_id, started_at, finished_at, status, outputs, run_by)
VALUES (6690, now(), now(), 'failed', ARRAY['feeling', 'gone', 'a_c', NULL, 'dx.nope'], current_user);
INSERT INTO hamilton.node_run (run_id, step, node, module, kind, rows, ms, status, error) VALUES
    (6690, 1, 'dx.feeling', 'dx', 'scalar', 1, 0.0005, 'computed', NULL),
    (6690, 2, 'old.gone', 'old', 'table', 2, 12.34567, 'rolled back', NULL),
    (6690, 3, 'x.abc', 'x', 'column', NULL, NULL, 'not run', NULL),
    (6690, 4, 'dx.texts', 'dx', 'table', 0, 1e-9, 'failed', repeat('é', 78) || 'xyz'),
    (6690, 5, 'dx.other', 'dx', 'table', NULL, 3, 'failed', repeat('é', 80));
-- Outputs that are no nodes any more stand for the only step of that name
-- ('gone' is old.gone; 'a_c' is no step of the run: names are compared
-- exactly, '_' is no wildcard).
SELECT line FROM regexp_split_to_table(hamilton_dot(run_id => 6690), E'\n') AS line;
SELECT line FROM regexp_split_to_table(hamilton_dot(ARRAY['texts'], 6690), E'\n') AS line
WHERE line ~ 'dx\.texts|graph \[';

-- Errors the arguments can cause.
\set SHOW_CONTEXT never
SELECT hamilton_dot('[0:2]={feeling,texts,NULL}'::text[]);
SELECT hamilton_dot(ARRAY[['feeling', 'texts']]);
SELECT hamilton_dot(ARRAY['a.b.c']);

-- Clean up.
DELETE FROM hamilton.run WHERE run_id = 6690;
SELECT drop_module('dx');
