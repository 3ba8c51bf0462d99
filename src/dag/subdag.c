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

#include "catalog/namespace.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "dag.h"

/*
 * dag_mark_stale_subdags keeps the graph's subdags (for dag_subdag_rebinds)
 * and gives every node of a stale subdag's namespace the problem
 * stale_subdag.
 */
void
dag_mark_stale_subdags(Dag *dag)
{
	MemoryContext old = MemoryContextSwitchTo(dag->cxt);
	List	   *subdags = catalog_subdags();
	ListCell   *lc;
	int			i;

	MemoryContextSwitchTo(old);
	dag->subdags = subdags;
	foreach(lc, subdags)
	{
		CatalogSubdag *s = lfirst(lc);
		const char *ns = quote_identifier(s->namespace);
		const char *module = quote_identifier(s->module);

		if (!s->stale)
			continue;

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

/*
 * dag_subdag_rebinds: does node, of a subdag's namespace, read by the bare
 * name name (no node of the run: rel is what the namespace's path finds,
 * or InvalidOid) a relation that its template, in the subdag's module,
 * reads as the module's own relation of that name (a table or view of the
 * module's schema that is no node)?  The copy would read another relation,
 * or take the name for an input, with no error: it gets the problem
 * subdag_rebinds, which refuses the runs that need it.
 */
bool
dag_subdag_rebinds(Dag *dag, HNode *node, const char *name, Oid rel)
{
	ListCell   *lc;

	foreach(lc, dag->subdags)
	{
		CatalogSubdag *s = lfirst(lc);
		Oid			nsp,
					own;

		if (node->schema == NULL || strcmp(node->schema, s->namespace) != 0)
			continue;
		nsp = get_namespace_oid(s->module, true);
		own = OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;
		dag_note_relation_lookup(dag, s->module, NULL, name, InvalidOid, own, InvalidOid);
		if (!OidIsValid(own))
			return false;
		node->problems =
			lappend(node->problems,
					problem_make("subdag_rebinds", ERRCODE_INVALID_OBJECT_DEFINITION, node->display,
								 psprintf("node %s of subdag %s reads \"%s\", which its template in module %s reads as %s",
										  node->display, quote_identifier(s->namespace), name,
										  quote_identifier(s->module), dag_relation_display(own)),
								 OidIsValid(rel) ?
								 psprintf("In namespace %s the name finds %s instead: a subdag's nodes resolve the names they read in their namespace, where only the module's nodes are made again.",
										  quote_identifier(s->namespace), dag_relation_display(rel)) :
								 psprintf("In namespace %s the name finds no relation and would be an input: a subdag's nodes resolve the names they read in their namespace, where only the module's nodes are made again.",
										  quote_identifier(s->namespace)),
								 psprintf("Qualify it in module %s (FROM %s), then make the subdag again: SELECT hamilton_refresh_subdag(%s).",
										  quote_identifier(s->module), dag_relation_display(own),
										  quote_literal_cstr(s->namespace))));
		return true;
	}
	return false;
}
