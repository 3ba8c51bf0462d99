/*
 * (shard) A sharded node's shard_key (issue 14): hamilton_define's
 * shard_key => is the tag shard_key, which acts from 1.5 on; hamilton.nodes
 * shows it (the library reads that column to know the tag acts).
 */
CREATE OR REPLACE VIEW hamilton.nodes AS
SELECT l.*, l.tags ->> 'placement' AS placement, l.tags ->> 'shard_key' AS shard_key FROM hamilton.node_list() l;
COMMENT ON VIEW hamilton.nodes IS 'every node of the dataflow (every variant of it), as the next execution will see it; placement: the server it runs on, or a sharded node''s JSON list of them (NULL: the coordinator); shard_key: the column a sharded node''s result is partitioned on, one foreign partition per server (NULL: a UNION ALL view of its servers'' results)';
