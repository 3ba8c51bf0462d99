/*-------------------------------------------------------------------------
 *
 * subdag.c
 *	  (subdag) The nodes of a stale subdag: hamilton_subdag made them from
 *	  a module that changed since, so they may no longer be what the
 *	  module defines.  Each carries a problem, which refuses every run,
 *	  validation and explanation that needs it (validate/types.c reports a
 *	  needed node's problems), until hamilton_refresh_subdag makes the
 *	  subdag again.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/builtins.h"

#include "dag.h"

/*
 * dag_mark_stale_subdags gives every node of a stale subdag's namespace
 * the problem stale_subdag.
 */
void
dag_mark_stale_subdags(Dag *dag)
{
	List	   *stale = catalog_stale_subdags();
	ListCell   *lc;
	int			i;

	foreach(lc, stale)
	{
		CatalogSubdag *s = lfirst(lc);
		const char *ns = quote_identifier(s->namespace);
		const char *module = quote_identifier(s->module);

		for (i = 0; i < dag->nnodes; i++)
		{
			HNode	   *node = &dag->nodes[i];

			CHECK_FOR_INTERRUPTS();
			if (node->schema == NULL || strcmp(node->schema, s->namespace) != 0)
				continue;
			node->problems = lappend(node->problems,
									 problem_make("stale_subdag", ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
												  node->display,
												  psprintf("node %s of subdag %s is stale: module %s changed since the subdag was made",
														   node->display, ns, module),
												  psprintf("Subdag %s was made from the nodes of module %s as they were then; they have been redefined, added or dropped since, so %s may no longer be what %s defines.",
														   ns, module, node->display, module),
												  psprintf("SELECT hamilton_refresh_subdag(%s) makes it again from module %s (hamilton_drop_subdag drops it).",
														   quote_literal_cstr(s->namespace), module)));
		}
	}
}
