-- (shard) shard_key (several servers, issue 14): a sharded node's result
-- partitioned on a column, one foreign partition per server.  What is
-- refused when the node is defined or tagged, before any server is asked
-- (test/shell/servers.sh runs the servers); nothing is written.
CREATE SCHEMA sk;
SELECT hamilton_register('sk');
CREATE FUNCTION sk.one() RETURNS int LANGUAGE sql AS 'SELECT 1';
SELECT hamilton_define('sk.here', 'SELECT 1 AS x');
CREATE TEMP TABLE sk_tags_before AS SELECT count(*) AS n FROM hamilton.node_tag;
-- no placement, or one server: there is nothing to partition
SELECT hamilton_define('sk.n', 'SELECT 1 AS x', shard_key => 'x');
SELECT hamilton_define('sk.n', 'SELECT 1 AS x', placement => 'east', shard_key => 'x');
SELECT hamilton_define('sk.n', 'SELECT 1 AS x', placement => '["east"]', shard_key => 'x');
SELECT hamilton_define('sk.n', 'SELECT 1 AS x', tags => '{"placement": "east", "shard_key": "x"}');
-- not a table node
SELECT hamilton_define('sk.col', 'x + 1', placement => '["east", "west"]', shard_key => 'x');
SELECT hamilton_define('sk.frame', 'SELECT 1 AS id, 2 AS x', key => ARRAY['id'], extract_columns => true,
                       placement => '["east", "west"]', shard_key => 'x');
SELECT hamilton_tag('sk.one', '{"shard_key": "x"}');
-- not a column's name
SELECT hamilton_define('sk.n', 'SELECT 1 AS x', placement => '["east", "west"]', shard_key => '');
SELECT hamilton_define('sk.n', 'SELECT 1 AS x', tags => '{"placement": ["east", "west"], "shard_key": 1}');
-- given twice, differently
SELECT hamilton_define('sk.n', 'SELECT 1 AS x', placement => '["east", "west"]', shard_key => 'x',
                       tags => '{"shard_key": "y"}');
-- through the tag, on a node that exists and runs here
SELECT hamilton_tag('sk.here', '{"shard_key": "x"}');
SELECT (SELECT count(*) FROM hamilton.node_tag) = n AS tags_unchanged,
       (SELECT count(*) FROM hamilton.sql_node WHERE schema_name = 'sk') AS sk_nodes
FROM sk_tags_before;
SELECT node, placement, shard_key FROM hamilton.nodes WHERE module = 'sk' ORDER BY node;
-- removing a key that is not there is allowed (null removes a tag)
SELECT hamilton_tag('sk.here', '{"shard_key": null}');
DROP TABLE sk_tags_before;
SELECT drop_module('sk');
