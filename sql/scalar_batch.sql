-- Scalar function steps whose inputs are computed run in batches, called
-- through fmgr without a statement each (src/exec/scalar_batch.c).  They
-- must behave as the statements they replace: the same values, errors,
-- rights, settings and history.  Each request runs batched, then with
-- hamilton.batch_scalars = off, as before.
SELECT setval('hamilton.run_id_seq', 44000) > 0 AS ok;
CREATE SCHEMA sb;
CREATE TABLE sb.log (node text, who text, path text, setting text);
CREATE FUNCTION sb.one() RETURNS int LANGUAGE sql RETURN 1;
CREATE FUNCTION sb.two(one int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sb.log VALUES ('two', current_user, current_setting('search_path'),
                               current_setting('standard_conforming_strings'));
    RETURN one + 1;
END $$;
-- SECURITY DEFINER, and a function with its own setting (proconfig)
CREATE FUNCTION sb.three(two int) RETURNS int LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    INSERT INTO sb.log VALUES ('three', current_user, current_setting('search_path'), NULL);
    RETURN two + 1;
END $$;
CREATE FUNCTION sb.four(three int) RETURNS int LANGUAGE plpgsql SET work_mem = '1234kB' AS $$
BEGIN
    INSERT INTO sb.log VALUES ('four', current_user, current_setting('search_path'),
                               current_setting('work_mem'));
    RETURN three + 1;
END $$;
-- a C function of the server (internal) and a text value
CREATE FUNCTION sb.label(four int) RETURNS text LANGUAGE sql RETURN 'n' || four;
CREATE FUNCTION sb.shout(label text) RETURNS text LANGUAGE internal IMMUTABLE AS 'upper';
-- STRICT given a NULL: NULL, uncalled
CREATE FUNCTION sb.nothing() RETURNS int LANGUAGE sql RETURN NULL::int;
CREATE FUNCTION sb.strict_of(nothing int) RETURNS int LANGUAGE plpgsql STRICT AS $$
BEGIN RAISE EXCEPTION 'a strict function was called with NULL'; END $$;
CREATE FUNCTION sb.lax_of(nothing int) RETURNS text LANGUAGE sql RETURN coalesce(nothing::text, 'was null');
-- a STABLE function reads a result table
CREATE FUNCTION sb.base() RETURNS int LANGUAGE sql RETURN 41;
CREATE FUNCTION sb.reads_base(base int) RETURNS int LANGUAGE plpgsql STABLE
AS $$ BEGIN RETURN (SELECT count(*)::int FROM sb.base) + base; END $$;
-- a node that raises a notice
CREATE FUNCTION sb.noisy(one int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN RAISE NOTICE 'noisy got %', one; RETURN one; END $$;
SELECT hamilton_register('sb');
SHOW hamilton.batch_scalars;
SELECT hamilton_tag('sb.base', '{"materialize": "table"}');

CREATE FUNCTION sb.both_ways(outputs text[]) RETURNS TABLE (batched text, statements text)
LANGUAGE plpgsql AS $$
DECLARE
    a text;
    b text;
BEGIN
    SELECT string_agg(node || ' ' || status || ' ' || coalesce(rows::text, '-'), ', ' ORDER BY node)
      INTO a FROM hamilton_execute(outputs);
    PERFORM set_config('hamilton.batch_scalars', 'off', true);
    SELECT string_agg(node || ' ' || status || ' ' || coalesce(rows::text, '-'), ', ' ORDER BY node)
      INTO b FROM hamilton_execute(outputs);
    PERFORM set_config('hamilton.batch_scalars', 'on', true);
    RETURN QUERY SELECT a, b;
END $$;

SELECT * FROM sb.both_ways(ARRAY['shout']);
TABLE sb.shout;
-- the same rights and settings both ways: the caller, the module's path,
-- and a function's own setting
SELECT node, who, path, setting, count(*) FROM sb.log GROUP BY 1, 2, 3, 4 ORDER BY 1;
SELECT * FROM sb.both_ways(ARRAY['strict_of', 'lax_of']);
TABLE sb.strict_of;
TABLE sb.lax_of;
-- (sb.base exists before: a result an earlier step writes may be built
-- aside until the run ends)
SELECT node, status FROM hamilton_execute(ARRAY['base']);
SELECT * FROM sb.both_ways(ARRAY['reads_base']);
TABLE sb.reads_base;
SELECT * FROM sb.both_ways(ARRAY['noisy']);

-- every step is in the history, with its status, rows and time
SELECT node, status, rows, ms IS NOT NULL AS timed FROM hamilton.node_runs
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs WHERE status = 'succeeded'
                AND run_id IN (SELECT run_id FROM hamilton.node_runs WHERE node = 'sb.shout'))
ORDER BY step;

-- Checks on a batched scalar still run, and can fail it.
SELECT hamilton_check('sb.three', '[{"check": "range", "min": 0, "max": 2, "severity": "fail"}]');
SELECT * FROM hamilton_execute(ARRAY['shout']);
SELECT hamilton_check('sb.three', '[{"check": "range", "min": 0, "max": 2, "severity": "warn"}]');
SELECT node, status FROM hamilton_execute(ARRAY['shout']);
SELECT hamilton_check('sb.three', '[]');

-- A failing node in the middle of a batch is named, with its own SQLSTATE
-- and context; earlier results are intact, what the batch wrote is rolled
-- back, and the run is in the history.
CREATE OR REPLACE FUNCTION sb.four(three int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sb.log VALUES ('four', 'failing', NULL, NULL);
    RAISE EXCEPTION 'four cannot count past %', three USING ERRCODE = '22003', HINT = 'Count lower.';
END $$;
TRUNCATE sb.log;
SELECT * FROM hamilton_execute(ARRAY['shout']);
SELECT * FROM sb.log;
TABLE sb.shout;
SELECT node, status FROM hamilton.node_runs WHERE run_id = 44012 ORDER BY step;
SELECT status, failed_node FROM hamilton.runs WHERE run_id = 44012;
-- A division by zero in a SQL function: the same error both ways; the
-- context says where PostgreSQL raised it (a statement folds the call into
-- a constant while planning, "during inlining"; a batch evaluates the
-- inlined body with its inputs as parameters).
CREATE OR REPLACE FUNCTION sb.four(three int) RETURNS int LANGUAGE sql RETURN three / 0;
SELECT * FROM hamilton_execute(ARRAY['shout']);
SET hamilton.batch_scalars = off;
SELECT * FROM hamilton_execute(ARRAY['shout']);
RESET hamilton.batch_scalars;

-- The caller needs EXECUTE on each function, as a statement would.
CREATE OR REPLACE FUNCTION sb.four(three int) RETURNS int LANGUAGE sql RETURN three + 1;
CREATE ROLE sb_reader;
GRANT USAGE ON SCHEMA sb TO sb_reader;
GRANT CREATE ON SCHEMA sb TO sb_reader;
GRANT ALL ON sb.log TO sb_reader;
REVOKE EXECUTE ON FUNCTION sb.three(int) FROM PUBLIC;
SET ROLE sb_reader;
SELECT * FROM hamilton_execute(ARRAY['sb.label']);
RESET ROLE;
GRANT EXECUTE ON FUNCTION sb.three(int) TO PUBLIC;
-- Run by another role, a SECURITY DEFINER node runs as its owner and the
-- others as the caller, both ways.
TRUNCATE sb.log;
SET ROLE sb_reader;
SELECT * FROM sb.both_ways(ARRAY['sb.four']);
RESET ROLE;
SELECT node, who, count(*) FROM sb.log GROUP BY 1, 2 ORDER BY 1;
DROP OWNED BY sb_reader;
DROP ROLE sb_reader;
