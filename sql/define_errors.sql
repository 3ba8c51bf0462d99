-- Every refused definition says why, and stores nothing.
CREATE SCHEMA bad;
CREATE TABLE bad.t (x int);
CREATE TEMP TABLE catalog_before AS SELECT count(*) AS n FROM hamilton.sql_node;

SELECT hamilton_define('bad.empty', '');
SELECT hamilton_define('bad.comment_only', '-- nothing');
SELECT hamilton_define('bad.syntax', 'SELEC 1');
SELECT hamilton_define('bad.two', 'SELECT 1; SELECT 2');
SELECT hamilton_define('bad.insert', 'INSERT INTO bad.t VALUES (1)');
SELECT hamilton_define('bad.update', 'UPDATE bad.t SET x = 2');
SELECT hamilton_define('bad.delete', 'DELETE FROM bad.t');
SELECT hamilton_define('bad.ddl', 'CREATE TABLE bad.u (x int)');
SELECT hamilton_define('bad.into', 'SELECT x INTO bad.v FROM bad.t');
SELECT hamilton_define('bad.cte', 'WITH d AS (DELETE FROM bad.t RETURNING x) SELECT * FROM d');
SELECT hamilton_define('bad.locking', 'SELECT * FROM bad.t FOR UPDATE');
SELECT hamilton_define('bad.locking2', 'SELECT * FROM (SELECT * FROM bad.t FOR SHARE) s');
SELECT hamilton_define('bad.ok', 'SELECT 1 AS one', materialize => 'view');
SELECT hamilton_define('bad.ok', NULL);
SELECT hamilton_define('a.b.c', 'SELECT 1');
SELECT hamilton_define('bad.' || repeat('x', 70), 'SELECT 1');
SELECT hamilton_define('nowhere.node', 'SELECT 1');
-- A relation that pg_hamilton did not create is never taken over.
SELECT hamilton_define('bad.t', 'SELECT 1 AS x');
-- A name that a function of the module already has.
CREATE FUNCTION bad.f() RETURNS int LANGUAGE sql RETURN 1;
SELECT hamilton_register('bad');
SELECT hamilton_define('bad.f', 'SELECT 1 AS f');
SELECT hamilton_define('bad.ok', 'SELECT 1 AS one', inputs => ARRAY['x.y.z']);

SELECT (SELECT count(*) FROM hamilton.sql_node) = n AS catalog_unchanged FROM catalog_before;
-- Clean up.
SELECT drop_module('bad');
-- placement and shard_key (several servers) are declared in 1.4 but not built yet: refused
SELECT hamilton_define('shop.placed', 'SELECT 1 AS x', placement => 'east');
SELECT hamilton_define('shop.placed', 'SELECT 1 AS x', shard_key => 'region');
