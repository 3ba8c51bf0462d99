/*-------------------------------------------------------------------------
 *
 * resolve.c
 *	  Resolving the names that connect nodes: every parameter, relation a
 *	  SQL node reads, column an expression reads and declared input becomes
 *	  an edge, a source relation or an input (in the order dag.h gives).
 *
 * Problems found here (ambiguity, unknown relations) are attached to their
 * node and reported only when a request needs that node.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "dag.h"

static void add_dep(HNode *node, int *maxdeps, int target, HDepVia via, int index);
static const char *ambiguity_hint(Dag *dag, const char *fallback);
static int	resolve_relation(Dag *dag, int i, SqlRef *ref, StringInfo cand);

/* add_dep appends an edge to a node's dependencies, growing the array. */
static void
add_dep(HNode *node, int *maxdeps, int target, HDepVia via, int index)
{
	if (node->ndeps >= *maxdeps)
	{
		*maxdeps = Max(4, *maxdeps * 2);
		node->deps = node->deps ? repalloc(node->deps, sizeof(HDep) * *maxdeps)
			: palloc(sizeof(HDep) * *maxdeps);
	}
	node->deps[node->ndeps].target = target;
	node->deps[node->ndeps].via = via;
	node->deps[node->ndeps].index = index;
	node->ndeps++;
}

/*
 * ambiguity_hint: what to do about a name that matches nodes of several of
 * the run's modules (a 1.0 catalog, which has no modules argument, keeps
 * its own advice).
 */
static const char *
ambiguity_hint(Dag *dag, const char *fallback)
{
	if (dag->request.mode != NS_RUN)
		return fallback;
	return "Leave all but one of those modules out of modules => ..., or pass module_overrides => true to take the node of the later module; a node of the consumer's own module wins.";
}

/* relation_ambiguity: the problem of a relation name several nodes have. */
static void
relation_ambiguity(Dag *dag, HNode *node, SqlRef *ref, StringInfo cand)
{
	node->problems =
		lappend(node->problems,
				problem_make("ambiguous_name", ERRCODE_AMBIGUOUS_ALIAS, node->display,
							 psprintf("node %s reads \"%s\", which matches nodes in several modules", node->display, ref->name),
							 psprintf("Candidates: %s.", cand->data),
							 dag->request.mode == NS_RUN ?
							 "Qualify the name in the SQL (FROM module.name), leave all but one of those modules out of modules => ..., or pass module_overrides => true to take the node of the later module; a node of the consumer's own module wins." :
							 "Qualify the name in the SQL, e.g. FROM module.name."));
}

/*
 * resolve_relation finds what an unqualified relation name in node i's SQL
 * means: a node of the run (dag_resolve_in_namespace), else a relation on
 * the module's path whose owner is trusted (a source: ref->source), else
 * RESOLVE_NONE (an input).  A 1.0 catalog keeps 1.0's order: the module,
 * its path, then the only trusted node of that name in any module.
 * Problems (an ambiguous name, a relation of a role the caller does not
 * trust) are attached to the node, and RESOLVE_AMBIGUOUS returned.
 */
static int
resolve_relation(Dag *dag, int i, SqlRef *ref, StringInfo cand)
{
	HNode	   *node = &dag->nodes[i];
	bool		global = dag->request.mode == NS_GLOBAL;
	int			target;
	Oid			rel,
				untrusted;

	/* 1 and 2: a node of the consumer's module, then of the run's others */
	target = global ? dag_find_qualified(dag, node->schema, ref->name)
		: dag_resolve_in_namespace(dag, i, node->schema, ref->name, cand);
	if (target == RESOLVE_AMBIGUOUS)
		relation_ambiguity(dag, node, ref, cand);
	if (target >= 0 || target == RESOLVE_AMBIGUOUS)
		return target;

	/* 3. a relation on the module's path, of a role the caller trusts */
	rel = dag_path_relation(dag, node->schema, ref->name, node->owner, &untrusted);
	/* (review) not another relation than a subdag's template reads */
	if (dag_subdag_rebinds(dag, node, ref->name, rel))
		return RESOLVE_AMBIGUOUS;
	if (OidIsValid(rel) && OidIsValid(untrusted))
	{
		char	   *relname = dag_relation_display(rel);

		node->problems =
			lappend(node->problems,
					dag_untrusted_relation_problem(dag, node->display,
												   psprintf("node %s reads \"%s\"", node->display, ref->name),
												   rel, untrusted,
												   psprintf("Name it with its schema in the SQL (FROM %s) if you mean it, or define the node it should read in one of the run's modules.",
															relname)));
		return RESOLVE_AMBIGUOUS;
	}
	if (OidIsValid(rel))
	{
		/* in 1.0, another module's result table found so meant its node */
		if (global)
		{
			target = dag_find_qualified(dag, get_namespace_name(get_rel_namespace(rel)), ref->name);
			if (target >= 0 && dag_owner_trusts(node->owner, dag->nodes[target].owner))
				return target;
		}
		ref->source = dag_relation_display(rel);
		return RESOLVE_NONE;
	}
	if (!global)
		return RESOLVE_NONE;

	/* 1.0 only: the only trusted node of that name in any module */
	target = dag_resolve_unqualified(dag, NULL, ref->name, node->owner, cand);
	if (target == RESOLVE_AMBIGUOUS)
		relation_ambiguity(dag, node, ref, cand);
	return target;
}

/*
 * dag_resolve_dependencies turns every parameter, relation reference and
 * declared input into an edge, a source or an input.
 */
void
dag_resolve_dependencies(Dag *dag)
{
	int			ndefined = dag->nnodes;
	int			i;
	StringInfoData cand;

	initStringInfo(&cand);
	for (i = 0; i < ndefined; i++)
	{
		HNode	   *node;
		int			maxdeps = 0;
		int			p;
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		node = &dag->nodes[i];

		for (p = 0; p < node->nparams; p++)
		{
			const char *pname = node->params[p].name;
			int			target;

			if (pname == NULL)
				continue;
			resetStringInfo(&cand);
			target = dag_resolve_in_namespace(dag, i, node->schema, pname, &cand);
			if (target == RESOLVE_AMBIGUOUS)
			{
				dag->nodes[i].problems =
					lappend(dag->nodes[i].problems,
							problem_make("ambiguous_name", ERRCODE_AMBIGUOUS_PARAMETER,
										 node->display,
										 psprintf("parameter \"%s\" of node %s matches nodes in several modules", pname, node->display),
										 psprintf("Candidates: %s.", cand.data),
										 ambiguity_hint(dag, "Rename one of the nodes, or move the consumer into the module of the one it needs: a node of its own module wins.")));
				continue;
			}
			if (target == RESOLVE_NONE && dag_is_key_name(dag, pname))
			{
				/* a frame's key column: the row's own value (plan/frame_compile.c) */
				node->params[p].key = true;
				continue;
			}
			if (target == RESOLVE_NONE)
				target = dag_input_node(dag, pname);
			node = &dag->nodes[i];	/* input_node may move the array */
			add_dep(node, &maxdeps, target, VIA_PARAM, p);
		}

		for (p = 0; node->expression && p < node->nrefs; p++)
		{
			SqlRef	   *ref = &node->refs[p];
			int			target;

			resetStringInfo(&cand);
			target = dag_resolve_in_namespace(dag, i, node->schema, ref->name, &cand);
			if (target == RESOLVE_AMBIGUOUS)
			{
				node->problems =
					lappend(node->problems,
							problem_make("ambiguous_name", ERRCODE_AMBIGUOUS_COLUMN, node->display,
										 psprintf("column expression of node %s reads \"%s\", which matches nodes in several modules", node->display, ref->name),
										 psprintf("Candidates: %s.", cand.data),
										 ambiguity_hint(dag, "Define the expression in the module of the column it reads: a node of its own module wins.")));
				continue;
			}
			if (target == RESOLVE_NONE && dag_is_key_name(dag, ref->name))
			{
				ref->key = true;
				continue;
			}
			if (target == RESOLVE_NONE)
			{
				target = dag_input_node(dag, ref->name);
				node = &dag->nodes[i];
				ref = &node->refs[p];
			}
			ref->target = target;
			add_dep(node, &maxdeps, target, VIA_COLUMN, p);
		}

		for (p = 0; !node->expression && p < node->nrefs; p++)
		{
			SqlRef	   *ref = &node->refs[p];
			int			target;

			resetStringInfo(&cand);
			if (ref->schema)
			{
				Oid			nsp,
							rel = InvalidOid;

				target = dag_find_qualified(dag, ref->schema, ref->name);
				if (target >= 0)
				{
					ref->target = target;
					add_dep(node, &maxdeps, target, VIA_RELATION, p);
					continue;
				}
				/* LookupExplicitNamespace only for pg_temp: it checks USAGE */
				nsp = strcmp(ref->schema, "pg_temp") == 0 ?
					LookupExplicitNamespace(ref->schema, true) :
					get_namespace_oid(ref->schema, true);
				if (OidIsValid(nsp))
					rel = get_relname_relid(ref->name, nsp);
				dag_note_relation_lookup(dag, ref->schema, NULL, ref->name, InvalidOid,
										 rel, InvalidOid);
				if (!OidIsValid(rel) && node->placement)
				{
					/* (servers) a placed node's source lives on its server */
					ref->source = quote_qualified_identifier(ref->schema, ref->name);
					continue;
				}
				if (!OidIsValid(rel))
				{
					char	   *qn = quote_qualified_identifier(ref->schema, ref->name);

					node->problems =
						lappend(node->problems,
								problem_make("unknown_relation", ERRCODE_UNDEFINED_TABLE,
											 node->display,
											 psprintf("node %s reads %s, which is neither a node nor a relation", node->display, qn),
											 "No module defines a node of that name, and no table or view of that name exists.",
											 "Create the source table, define the node, or correct the name."));
					continue;
				}
				ref->source = quote_qualified_identifier(ref->schema, ref->name);
				continue;
			}

			target = resolve_relation(dag, i, ref, &cand);
			if (target == RESOLVE_AMBIGUOUS)
				continue;
			if (target < 0 && ref->source)
				continue;
			if (target == RESOLVE_NONE && node->placement)
			{
				/* (servers) on its server, on the module's path there */
				ref->source = pstrdup(quote_identifier(ref->name));
				continue;
			}
			if (target < 0)
			{
				/* 4. an input */
				target = dag_input_node(dag, ref->name);
				node = &dag->nodes[i];
				ref = &node->refs[p];
			}
			if (ref->relation_only && !dag_yields_relation(&dag->nodes[target]))
				node->problems =
					lappend(node->problems,
							problem_make("scalar_as_table", ERRCODE_WRONG_OBJECT_TYPE, node->display,
										 psprintf("node %s reads the value %s with TABLE or ONLY (...)",
												  node->display, dag->nodes[target].display),
										 "A scalar node or an input is a one-row relation only where a subquery may stand.",
										 psprintf("Write SELECT * FROM %s instead.", quote_identifier(ref->name))));
			ref->target = target;
			add_dep(node, &maxdeps, target, VIA_RELATION, p);
		}

		p = 0;
		foreach(lc, node->declared)
		{
			char	   *schema,
					   *name;
			int			target;

			parse_node_name((char *) lfirst(lc), &schema, &name, false);
			resetStringInfo(&cand);
			if (schema)
				target = dag_find_qualified(dag, schema, name);
			else
			{
				target = dag_resolve_in_namespace(dag, i, node->schema, name, &cand);
				if (target == RESOLVE_NONE)
				{
					target = dag_input_node(dag, name);
					node = &dag->nodes[i];
				}
			}
			if (target < 0)
			{
				node->problems =
					lappend(node->problems,
							problem_make("unknown_node", ERRCODE_UNDEFINED_OBJECT, node->display,
										 psprintf("declared input \"%s\" of node %s is %s", (char *) lfirst(lc), node->display,
												  target == RESOLVE_AMBIGUOUS ? "ambiguous" : "not a node"),
										 cand.len ? psprintf("Candidates: %s.", cand.data) : NULL,
										 "Declare inputs as module.name or as a name no node uses."));
				continue;
			}
			add_dep(node, &maxdeps, target, VIA_DECLARED, p++);
		}
	}
}
