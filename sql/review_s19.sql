-- (review) Adversarial review of this session's merges.
--
-- 1. A parallel run read a step's query under the session's search_path to
-- decide whether a background worker may build its result into a staging
-- heap of the result's own columns (materialize_aside_target: same_shape).
-- The worker and the serial path run the query with the module's
-- search_path.  So a function of the module with a default argument was
-- "not found" (a step that runs serially failed with workers => 2), and a
-- function of the same name earlier on the session's path, of the old
-- columns, made the worker write the new columns into the old ones by
-- position: id and v swapped, with no error.
SELECT setval('hamilton.run_id_seq', 108000);
SET hamilton.worker_min_ms = 0;
SET client_min_messages = warning;
CREATE SCHEMA rv19;
CREATE SCHEMA rv19_shadow;
CREATE FUNCTION rv19.span(secs float8 = 0.0, OUT a int, OUT b int) LANGUAGE sql AS 'SELECT 1, 2';
CREATE FUNCTION rv19.val() RETURNS TABLE (id int, v int) LANGUAGE sql AS 'SELECT 1, 10';
SELECT hamilton_define('rv19.spanned', 'SELECT * FROM span()');
SELECT hamilton_define('rv19.r', 'SELECT * FROM val()');
SELECT node, status FROM hamilton_execute(ARRAY['rv19.spanned', 'rv19.r']) ORDER BY node;
SELECT * FROM rv19.spanned;
SELECT * FROM rv19.r;

-- The module's function with a default argument, found by the worker's step.
SELECT node, status FROM hamilton_execute(ARRAY['rv19.spanned'], workers => 2);
SELECT * FROM rv19.spanned;

-- The module's function now yields (v, id); the session's path has one of
-- the old columns (id, v) first.
DROP FUNCTION rv19.val();
CREATE FUNCTION rv19.val() RETURNS TABLE (v int, id int) LANGUAGE sql AS 'SELECT 20, 2';
CREATE FUNCTION rv19_shadow.val() RETURNS TABLE (id int, v int) LANGUAGE sql AS 'SELECT 0, 0';
SET search_path = rv19_shadow, public;
SELECT node, status FROM hamilton_execute(ARRAY['rv19.r'], workers => 2);
-- as the serial path writes it: v = 20, id = 2
SELECT * FROM rv19.r;
SELECT attname FROM pg_attribute WHERE attrelid = 'rv19.r'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
RESET search_path;
RESET client_min_messages;
RESET hamilton.worker_min_ms;
