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
-- placement (several servers): a postgres_fdw server with the caller's user
-- mapping, checked when the node is defined; refused with nothing written:
CREATE SCHEMA placed;
SELECT hamilton_register('placed');
CREATE EXTENSION IF NOT EXISTS postgres_fdw;
CREATE FOREIGN DATA WRAPPER not_pg;
CREATE SERVER not_pg_server FOREIGN DATA WRAPPER not_pg;
CREATE SERVER unmapped FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname 'nowhere');
CREATE SERVER mapped_down FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '/nonexistent', dbname 'nowhere');
CREATE USER MAPPING FOR CURRENT_USER SERVER mapped_down;
-- a server that does not exist, is not postgres_fdw's, has no user mapping, cannot be reached
SELECT hamilton_define('placed.n', 'SELECT 1 AS x', placement => 'east');
SELECT hamilton_define('placed.n', 'SELECT 1 AS x', placement => 'not_pg_server');
SELECT hamilton_define('placed.n', 'SELECT 1 AS x', placement => 'unmapped');
\set VERBOSITY terse
SELECT hamilton_define('placed.n', 'SELECT 1 AS x', placement => 'mapped_down');
\set VERBOSITY default
-- the same through the tag, on a node that exists
SELECT hamilton_define('placed.here', 'SELECT 1 AS x');
SELECT hamilton_tag('placed.here', '{"placement": "east"}');
-- options that would not act on another server
SELECT hamilton_define('placed.col', 'x + 1', placement => 'east');
SELECT hamilton_define('placed.frame', 'SELECT 1 AS id, 2 AS x', key => ARRAY['id'], extract_columns => true, placement => 'east');
SELECT hamilton_define('placed.n', 'SELECT 1 AS x', placement => 'east', tags => '{"placement": "west"}');
-- a list of servers (a sharded node): each one checked, the list too; shard_key: on a sharded node only (shard_key.sql)
SELECT hamilton_define('placed.n', 'SELECT 1 AS x', placement => '[]');
SELECT hamilton_define('placed.n', 'SELECT 1 AS x', placement => '["east", 1]');
SELECT hamilton_define('placed.n', 'SELECT 1 AS x', placement => '["east", "west"]');
SELECT hamilton_define('placed.n', 'SELECT 1 AS x', tags => '{"placement": ["east", "west"]}');
SELECT hamilton_define('placed.n', 'SELECT 1 AS x', shard_key => 'region');
SELECT count(*) AS placed_nodes FROM hamilton.sql_node WHERE schema_name = 'placed';
SELECT count(*) AS placement_tags FROM hamilton.node_tag WHERE tag_key = 'placement';
SELECT drop_module('placed');
DROP USER MAPPING FOR CURRENT_USER SERVER mapped_down;
DROP SERVER mapped_down, unmapped, not_pg_server;
DROP FOREIGN DATA WRAPPER not_pg;
