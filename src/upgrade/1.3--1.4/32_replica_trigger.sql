/*
 * Writes that logical replication applies to a tracked table count: the
 * condition of the row trigger (enabled REPLICA) that hamilton_track now
 * also puts on each table (src/dag/replica_trigger.c).  A table tracked
 * before this update lacks it: its cached results are recomputed, and
 * hamilton.cache says why, until its owner calls hamilton_track again.
 */
CREATE FUNCTION hamilton.replicated_change(source regclass)
RETURNS boolean
AS 'MODULE_PATHNAME', 'hamilton_replicated_change'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION hamilton.replicated_change(regclass) IS
  'condition of the row trigger of tracked sources for logical replication: logs the writing transaction in hamilton.change_log, and is false';
