/*-------------------------------------------------------------------------
 *
 * shard_key.c
 *	  (shard) shard_key => of hamilton_define, the tag shard_key of any node
 *	  (several servers, issue 14): the column of a sharded node's result on
 *	  which the coordinator's relation is partitioned, one foreign
 *	  partition per server (exec/remote_partition.c).
 *
 * It is checked when the node is defined or tagged, on the node's tags as
 * they stand after the change: a non-empty name, on a table node placed on
 * at least two servers, in a 1.5 catalog.  Whether it names a column of
 * the result is known only where the result is built, on the servers: the
 * run checks it there, before anything is swapped in.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"


#include "define.h"

/*
 * define_shard_key_tag is tags (or none) with the tag shard_key that
 * shard_key => gives; a shard_key tag among tags that says otherwise is an
 * error.
 */
Jsonb *
define_shard_key_tag(Jsonb *tags, const char *shard_key)
{
	char	   *text;
	char		kind;

	if (tags && jsonb_object_get(tags, "shard_key", &text, &kind) && strcmp(text, shard_key) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("shard_key => '%s' and the tag shard_key %s disagree", shard_key, text),
				 errdetail("The tag shard_key and shard_key => are the same option, given twice."),
				 errhint("Give it once: shard_key => '%s'.", shard_key)));
	return define_tags_with(tags, "shard_key", shard_key, false);
}

/*
 * define_check_shard_key_name: the tag shard_key (text, of JSON kind kind,
 * as jsonb_object_get reads it) is a column's name, a non-empty string.
 */
void
define_check_shard_key_name(const char *display, const char *text, char kind)
{
	if (kind != JSON_KIND_STRING || text[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid shard_key of node %s", display),
				 errdetail("A shard key is the name of a column of the node's result; it is %s.",
						   kind == JSON_KIND_STRING ? "empty" : text),
				 errhint("shard_key => 'region', with placement => '[\"east\", \"west\"]'.")));
}

/*
 * define_check_shard_key checks the tag shard_key among tags (the node's
 * tags after the change), if any, for node display of kind kind (table,
 * column or scalar; frame: it has a key): a non-empty column name, on a
 * table node that is not a frame, placed on at least two servers.
 */
void
define_check_shard_key(const char *display, const char *kind, bool frame, Jsonb *tags)
{
	char	   *key;
	char	   *placement;
	char		k;
	const char *what;

	if (tags == NULL || !jsonb_object_get(tags, "shard_key", &key, &k) || k == JSON_KIND_NULL)
		return;
	define_check_shard_key_name(display, key, k);
	if (!catalog_keeps_shard_keys())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("node %s cannot have a shard_key: the catalog is older than version 1.5", display),
				 errdetail("A shard key acts from version 1.5 on; in this catalog it would be a label that partitions nothing."),
				 errhint("ALTER EXTENSION hamilton UPDATE;")));
	what = strcmp(kind, "column") == 0 ? "a column node" :
		strcmp(kind, "scalar") == 0 ? "a scalar node" :
		frame ? "a frame (key, extract_columns)" : NULL;
	if (what)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("node %s cannot have a shard_key: it is %s", display, what),
				 errdetail("A shard key partitions the result table of a node placed on several servers; %s has no such table.",
						   what),
				 errhint("Give shard_key to a table node placed on several servers, or leave it out.")));
	if (!jsonb_object_get(tags, "placement", &placement, &k) || k == JSON_KIND_NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("shard_key of node %s needs a sharded placement", display),
				 errdetail("Node %s runs on the coordinator; a shard key partitions the result of a node placed on several servers, one partition per server.",
						   display),
				 errhint("hamilton_define('%s', 'SELECT ...', placement => '[\"east\", \"west\"]', shard_key => '%s'), or leave shard_key out.",
						 display, key)));
	if (list_length(dag_placement_servers(placement)) < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("shard_key of node %s needs a sharded placement", display),
				 errdetail("Node %s is placed on one server (%s); a shard key partitions the result of a node placed on several servers, one partition per server.",
						   display, placement),
				 errhint("Place it on at least two servers, placement => '[\"east\", \"west\"]', or remove the key: hamilton_tag('%s', '{\"shard_key\": null}').",
						 display)));
}
