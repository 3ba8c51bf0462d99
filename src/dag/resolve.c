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
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "dag.h"

static int	list_cstring_cmp(const ListCell *a, const ListCell *b);
static void add_dep(HNode *node, int *maxdeps, int target, HDepVia via, int index);
static Oid	find_source_relation(const char *module, const char *name);

/*
 * dag_owner_trusts: may a node owned by consumer_owner pick up, by an
 * unqualified name, a node owned by producer_owner?  Only nodes of its own
 * role, of a role it is a member of, or of a superuser: otherwise anybody
 * could capture the name of someone else's input or source table with a
 * node of their own, and have their code run with the victim's rights.
 */
bool
dag_owner_trusts(Oid consumer_owner, Oid producer_owner)
{
	if (!OidIsValid(consumer_owner) || consumer_owner == producer_owner)
		return true;
	if (superuser_arg(producer_owner))
		return true;
	return is_member_of_role_nosuper(consumer_owner, producer_owner);
}

/*
 * dag_resolve_unqualified finds the node a bare name means from inside a module:
 * its own module first, then the only node of that name anywhere among the
 * nodes the consumer's owner trusts (consumer_owner InvalidOid: any node).
 * Returns RESOLVE_AMBIGUOUS (listing the candidates) or RESOLVE_NONE.
 */
int
dag_resolve_unqualified(Dag *dag, const char *module, const char *name,
					Oid consumer_owner, StringInfo candidates)
{
	int			idx,
				count = 0,
				found = RESOLVE_NONE;
	List	   *names = NIL;
	ListCell   *lc;

	if (module)
	{
		idx = dag_find_qualified(dag, module, name);
		if (idx >= 0)
			return idx;
	}
	for (idx = dag_first_named(dag, name); idx >= 0; idx = dag->nodes[idx].next_same_name)
	{
		if (!dag_owner_trusts(consumer_owner, dag->nodes[idx].owner))
			continue;
		names = lappend(names, dag->nodes[idx].display);
		found = idx;
		count++;
	}
	if (count == 0)
		return RESOLVE_NONE;
	if (count == 1)
		return found;
	if (candidates)
	{
		list_sort(names, list_cstring_cmp);
		foreach(lc, names)
			appendStringInfo(candidates, "%s%s", candidates->len ? ", " : "", (char *) lfirst(lc));
	}
	return RESOLVE_AMBIGUOUS;
}

static int
list_cstring_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp((const char *) lfirst(a), (const char *) lfirst(b));
}

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
 * find_source_relation looks a bare relation name up the way node SQL runs:
 * pg_catalog, the module's schema, public, then temporary tables.
 */
static Oid
find_source_relation(const char *module, const char *name)
{
	const char *path[3] = {"pg_catalog", module, "public"};
	int			i;

	for (i = 0; i < 3; i++)
	{
		Oid			nsp = get_namespace_oid(path[i], true);
		Oid			rel;

		if (!OidIsValid(nsp))
			continue;
		rel = get_relname_relid(name, nsp);
		if (OidIsValid(rel))
			return rel;
	}
	if (OidIsValid(LookupExplicitNamespace("pg_temp", true)))
		return get_relname_relid(name, LookupExplicitNamespace("pg_temp", true));
	return InvalidOid;
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
			target = dag_resolve_unqualified(dag, node->schema, pname, node->owner, &cand);
			if (target == RESOLVE_AMBIGUOUS)
			{
				dag->nodes[i].problems =
					lappend(dag->nodes[i].problems,
							problem_make("ambiguous_name", ERRCODE_AMBIGUOUS_PARAMETER,
										 node->display,
										 psprintf("parameter \"%s\" of node %s matches nodes in several modules", pname, node->display),
										 psprintf("Candidates: %s.", cand.data),
										 "Rename one of the nodes, or move the consumer into the module of the one it needs: a node of its own module wins."));
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
			target = dag_resolve_unqualified(dag, node->schema, ref->name, node->owner, &cand);
			if (target == RESOLVE_AMBIGUOUS)
			{
				node->problems =
					lappend(node->problems,
							problem_make("ambiguous_name", ERRCODE_AMBIGUOUS_COLUMN, node->display,
										 psprintf("column expression of node %s reads \"%s\", which matches nodes in several modules", node->display, ref->name),
										 psprintf("Candidates: %s.", cand.data),
										 "Define the expression in the module of the column it reads: a node of its own module wins."));
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

			/* 1. a node of the consumer's own module */
			target = dag_find_qualified(dag, node->schema, ref->name);
			if (target < 0)
			{
				/*
				 * 2. a relation on the module's own path: a source, unless it
				 * is some node's result table, which means that node
				 */
				Oid			rel = find_source_relation(node->schema, ref->name);

				if (OidIsValid(rel))
				{
					Oid			relnsp = get_rel_namespace(rel);
					char	   *relschema = get_namespace_name(relnsp);

					target = dag_find_qualified(dag, relschema, ref->name);
					if (target >= 0 && !dag_owner_trusts(node->owner, dag->nodes[target].owner))
						target = -1;	/* another role's result: just a table */
					if (target < 0)
					{
						/* this session's temporary schema is pg_temp to the user */
						ref->source = quote_qualified_identifier(isTempNamespace(relnsp) ? "pg_temp" : relschema,
																 ref->name);
						continue;
					}
				}
			}
			if (target < 0)
			{
				/* 3. the only trusted node of that name elsewhere */
				target = dag_resolve_unqualified(dag, NULL, ref->name, node->owner, &cand);
				if (target == RESOLVE_AMBIGUOUS)
				{
					node->problems =
						lappend(node->problems,
								problem_make("ambiguous_name", ERRCODE_AMBIGUOUS_ALIAS,
											 node->display,
											 psprintf("node %s reads \"%s\", which matches nodes in several modules", node->display, ref->name),
											 psprintf("Candidates: %s.", cand.data),
											 "Qualify the name in the SQL, e.g. FROM module.name."));
					continue;
				}
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
				target = dag_resolve_unqualified(dag, node->schema, name, node->owner, &cand);
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
