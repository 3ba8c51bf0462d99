-- The graph a session built is kept for its next identical request, until
-- what it was read from changes (src/dag/cache.c).  Each change below is
-- made in the same session between two identical requests, and must be
-- seen by the second.
SELECT setval('hamilton.run_id_seq', 45000) > 0 AS ok;
CREATE SCHEMA gc;
CREATE FUNCTION gc.a() RETURNS int LANGUAGE sql RETURN 1;
CREATE FUNCTION gc.b(a int) RETURNS int LANGUAGE sql RETURN a + 1;
CREATE FUNCTION gc.c(b int) RETURNS int LANGUAGE sql RETURN b * 10;
CREATE FUNCTION gc.e(x int) RETURNS int LANGUAGE sql RETURN x + 100;
SELECT hamilton_register('gc');
SHOW hamilton.cache_graph;
SELECT node, status FROM hamilton_execute(ARRAY['gc.c']);
TABLE gc.c;
SELECT node, status FROM hamilton_execute(ARRAY['gc.c']);
TABLE gc.c;

-- A replaced function (same OID): its new body runs.
CREATE OR REPLACE FUNCTION gc.a() RETURNS int LANGUAGE sql RETURN 2;
SELECT node, status FROM hamilton_execute(ARRAY['gc.c']);
TABLE gc.c;
-- ... and its new fingerprint is recorded.
SELECT count(DISTINCT fingerprint) AS fingerprints_of_a FROM hamilton.node_runs
WHERE node = 'gc.a' AND run_id > 45000;

-- A new node: the name x was an input, now a node computes it.
SELECT node, status FROM hamilton_execute(ARRAY['gc.e'], inputs => '{"x": 5}');
TABLE gc.e;
CREATE FUNCTION gc.x() RETURNS int LANGUAGE sql RETURN 7;
SELECT node, status FROM hamilton_execute(ARRAY['gc.e'], inputs => '{"x": 5}');
SELECT node, status FROM hamilton_execute(ARRAY['gc.e']);
TABLE gc.e;
-- A dropped node: x is an input again.
DROP FUNCTION gc.x();
SELECT node, status FROM hamilton_execute(ARRAY['gc.e']);
SELECT node, status FROM hamilton_execute(ARRAY['gc.e'], inputs => '{"x": 5}');
TABLE gc.e;

-- A changed tag: b kept as a table.
SELECT hamilton_tag('gc.b', '{"materialize": "table"}');
SELECT node, relation, status FROM hamilton_execute(ARRAY['gc.c']);
SELECT hamilton_tag('gc.b', '{"materialize": null}');
SELECT node, relation, status FROM hamilton_execute(ARRAY['gc.c']);

-- A changed option: a check on c.
SELECT hamilton_check('gc.c', '[{"check": "range", "min": 0, "max": 10, "severity": "fail"}]');
SELECT node, status FROM hamilton_execute(ARRAY['gc.c']);
SELECT hamilton_check('gc.c', '[]');
SELECT node, status FROM hamilton_execute(ARRAY['gc.c']);

-- A changed comment: a result table is created with its node's doc.
COMMENT ON FUNCTION gc.c(int) IS 'ten times b';
DROP TABLE gc.c;
SELECT node, status FROM hamilton_execute(ARRAY['gc.c']);
SELECT obj_description('gc.c'::regclass, 'pg_class') AS comment;
COMMENT ON FUNCTION gc.c(int) IS 'b, times ten';
DROP TABLE gc.c;
SELECT node, status FROM hamilton_execute(ARRAY['gc.c']);
SELECT obj_description('gc.c'::regclass, 'pg_class') AS comment;

-- A redefined SQL node, and a relation that appears on the module's path.
SELECT hamilton_define('gc.s', 'SELECT c + 1 AS v FROM c');
SELECT node, status FROM hamilton_execute(ARRAY['gc.s']);
TABLE gc.s;
SELECT hamilton_define('gc.s', 'SELECT c + 2 AS v FROM c');
SELECT node, status FROM hamilton_execute(ARRAY['gc.s']);
TABLE gc.s;
SELECT hamilton_define('gc.t', 'SELECT count(*) AS n FROM facts');
SELECT * FROM hamilton_execute(ARRAY['gc.t']);
CREATE TABLE gc.facts AS SELECT 1 AS f UNION ALL SELECT 2;
SELECT node, status FROM hamilton_execute(ARRAY['gc.t']);
TABLE gc.t;
DROP TABLE gc.facts;
CREATE TABLE gc.facts AS SELECT 1 AS f;
SELECT node, status FROM hamilton_execute(ARRAY['gc.t']);
TABLE gc.t;
-- A node of that name replaces the relation.
CREATE FUNCTION gc.facts() RETURNS TABLE (f int) LANGUAGE sql RETURN 5;
SELECT node, status FROM hamilton_execute(ARRAY['gc.t']);
DROP FUNCTION gc.facts();

-- A change rolled back is undone in the graph too.
BEGIN;
CREATE OR REPLACE FUNCTION gc.a() RETURNS int LANGUAGE sql RETURN 3;
SELECT node, status FROM hamilton_execute(ARRAY['gc.c']);
TABLE gc.c;
ROLLBACK;
SELECT node, status FROM hamilton_execute(ARRAY['gc.c']);
TABLE gc.c;

-- A module no longer registered.
DELETE FROM hamilton.module WHERE schema_name = 'gc';
SELECT * FROM hamilton_execute(ARRAY['gc.c']);
SELECT hamilton_register('gc');
SELECT node, status FROM hamilton_execute(ARRAY['gc.c']);

-- With the cache off, the same answers.
SET hamilton.cache_graph = off;
CREATE OR REPLACE FUNCTION gc.a() RETURNS int LANGUAGE sql RETURN 4;
SELECT node, status FROM hamilton_execute(ARRAY['gc.c']);
TABLE gc.c;
RESET hamilton.cache_graph;
SELECT node, status FROM hamilton_execute(ARRAY['gc.c']);
TABLE gc.c;
