/*-------------------------------------------------------------------------
 *
 * shard_key.c
 *	  (shard) A sharded node's key (several servers, issue 14): the tag
 *	  shard_key, which shard_key => of hamilton_define sets, names a column
 *	  of the result of a node placed on several servers; on the coordinator
 *	  that result is then a table partitioned by list on the column, of one
 *	  foreign partition per server (exec/remote_partition.c).
 *
 * define/shard_key.c refuses the tag on any other node; a tag that
 * escaped it (set in a catalog older than 1.5, where it was a label) acts
 * only on a sharded node of a 1.5 catalog.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "dag.h"

/*
 * dag_load_shard_keys sets the shard_key of every sharded node (each
 * variant) that has the tag; dag_load_placements has set the servers.
 */
void
dag_load_shard_keys(Dag *dag)
{
	List	   *rows;
	ListCell   *lc;

	if (!catalog_keeps_shard_keys())
		return;
	rows = catalog_read_shard_keys();
	for (lc = list_head(rows); lc; lc = lnext(rows, lnext(rows, lnext(rows, lc))))
	{
		const char *schema = lfirst(lc);
		const char *name = lfirst(lnext(rows, lc));
		const char *key = lfirst(lnext(rows, lnext(rows, lc)));
		int			i;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < dag->nnodes; i++)
		{
			HNode	   *node = &dag->nodes[i];

			if (node->schema && strcmp(node->schema, schema) == 0 &&
				strcmp(node->name, name) == 0 && list_length(node->servers) > 1)
				node->shard_key = pstrdup(key);
		}
	}
}
