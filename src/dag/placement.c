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
				node->persist = true;
			}
		}
	}
}
