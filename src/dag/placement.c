/*-------------------------------------------------------------------------
 *
 * placement.c
 *	  Where a node runs (several servers, issue 14): the tag placement,
 *	  which placement => of hamilton_define sets on a SQL node and which
 *	  hamilton_tag sets on a function node, names the postgres_fdw server
 *	  that runs it.  A placed node always has its result table (on its
 *	  server; the coordinator reads it through a foreign table), so it is
 *	  never inlined into a local consumer nor left a temporary table.
 *
 * The tag acts from catalog version 1.4 on, whose hamilton_define checks
 * it: in an older catalog a tag of that name is only a label.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "dag.h"

/*
 * dag_load_placements sets the placement of every node (each variant) that
 * has the tag.
 */
void
dag_load_placements(Dag *dag)
{
	List	   *rows;
	ListCell   *lc;

	if (!catalog_keeps_remote_commits())
		return;
	rows = catalog_read_placements();
	for (lc = list_head(rows); lc; lc = lnext(rows, lnext(rows, lnext(rows, lc))))
	{
		const char *schema = lfirst(lc);
		const char *name = lfirst(lnext(rows, lc));
		const char *server = lfirst(lnext(rows, lnext(rows, lc)));
		int			i;

		for (i = 0; i < dag->nnodes; i++)
		{
			HNode	   *node = &dag->nodes[i];

			if (node->schema && strcmp(node->schema, schema) == 0 &&
				strcmp(node->name, name) == 0)
			{
				node->placement = pstrdup(server);
				node->servers = dag_placement_servers(server);
				node->persist = true;
			}
		}
	}
	dag_load_shard_keys(dag);	/* (shard) the keys of sharded nodes (shard_key.c) */
}

/*
 * dag_placement_servers: the servers a placement names, a name or a JSON
 * list of names (a sharded node), as the tag keeps it.  define/placement.c
 * checked it; a list that is not one of strings yields no server.
 */
List *
dag_placement_servers(const char *placement)
{
	Jsonb	   *list;
	List	   *texts,
			   *kinds;

	if (placement[0] != '[')
		return list_make1(pstrdup(placement));
	list = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(placement)));
	if (!jsonb_array_items(list, &texts, &kinds))
		return NIL;
	return texts;
}

/* dag_same_servers: are two placed nodes on the same servers, in order? */
bool
dag_same_servers(HNode *a, HNode *b)
{
	ListCell   *la,
			   *lb;

	if (list_length(a->servers) != list_length(b->servers))
		return false;
	forboth(la, a->servers, lb, b->servers)
		if (strcmp(lfirst(la), lfirst(lb)) != 0)
		return false;
	return true;
}
