-- A frame's columns are computed by one query, which holds the frame's
-- SELECT (written in the frame's module) and column expressions of other
-- modules of the run.  Each fragment means there what it means in its own
-- module: the query runs with the search_path of all those modules, the
-- frame's first, and a fragment that would bind a bare name to another
-- module's object is refused before any work.  A column's checks run on its
-- own module's path.
SELECT setval('hamilton.run_id_seq', 6350) > 0 AS ok;
CREATE SCHEMA fpz;
CREATE SCHEMA fpb;
CREATE TABLE fpz.src AS SELECT g AS id, g::float8 AS spend FROM generate_series(1, 3) g;
-- each module has a helper _scale of its own
CREATE FUNCTION fpz._scale(x float8) RETURNS float8 LANGUAGE sql IMMUTABLE RETURN x * 1000;
CREATE FUNCTION fpb._scale(x float8) RETURNS float8 LANGUAGE sql IMMUTABLE RETURN x * 2;
CREATE FUNCTION fpb._only_b(x float8) RETURNS float8 LANGUAGE sql IMMUTABLE RETURN x + 0.5;
CREATE FUNCTION fpb._positive(x float8) RETURNS boolean LANGUAGE sql IMMUTABLE RETURN x > 0;
SELECT hamilton_register('fpz');
SELECT hamilton_register('fpb');
SELECT hamilton_define('fpz.base', 'SELECT id, _scale(spend) AS spend FROM fpz.src',
                       key => ARRAY['id'], extract_columns => true);
SELECT hamilton_define('fpz.tripled', 'spend * 3');
SELECT hamilton_define('fpb.same', 'spend',
                       checks => '[{"check": "sql", "predicate": "_positive(same)", "severity": "fail"}]');
SELECT hamilton_define('fpb.plus', '_only_b(spend)');
SELECT hamilton_define('fpb.doubled', '_scale(spend)');

-- 1. The frame's SELECT calls fpz._scale wherever its columns are computed:
-- read by a column of module fpb, spend is 1000 times the source.
SELECT node, status FROM hamilton_execute(ARRAY['fpb.same'], modules => ARRAY['fpb', 'fpz']);
TABLE fpb.same;

-- 2. fpb's expressions call fpb's helpers, and fpb.same's check its own,
-- also when a column of fpz is the last the query computes.
SELECT node, status FROM hamilton_execute(ARRAY['fpb.same', 'fpb.plus', 'fpz.tripled'],
                                          modules => ARRAY['fpb', 'fpz']);
TABLE fpb.plus;
TABLE fpz.tripled;
SELECT c.node, c."check", c.passed FROM hamilton.check_results c
WHERE c.run_id = 6352 ORDER BY 1, 2;  -- the second run of this file

-- 3. fpb.doubled's _scale would be fpz._scale in the frame's query: refused
-- before any work, and earlier results stay.
SELECT * FROM hamilton_execute(ARRAY['fpb.doubled'], modules => ARRAY['fpb', 'fpz']);
SELECT problem, node, message FROM hamilton_validate(ARRAY['fpb.doubled'], modules => ARRAY['fpb', 'fpz']);
TABLE fpb.same;
-- So it is when the frame is overridden: its columns' query still holds
-- both modules' SQL.
CREATE TABLE fpz.fixed AS SELECT g AS id, g::float8 AS spend FROM generate_series(1, 3) g;
SELECT * FROM hamilton_execute(ARRAY['fpb.doubled'], modules => ARRAY['fpb', 'fpz'],
                               overrides => '{"fpz.base": "fpz.fixed"}');
-- Qualified, it means fpb._scale there too.
SELECT hamilton_define('fpb.doubled', 'fpb._scale(spend)');
SELECT node, status FROM hamilton_execute(ARRAY['fpb.doubled'], modules => ARRAY['fpb', 'fpz']);
TABLE fpb.doubled;

-- Clean up.
SELECT drop_module('fpb');
SELECT drop_module('fpz');
