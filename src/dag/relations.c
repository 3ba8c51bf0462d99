/*-------------------------------------------------------------------------
 *
 * relations.c
 *	  Trust, and the relations a node may read by a name it does not
 *	  qualify: found on its module's path, and only when their owner is
 *	  trusted, so that no other role can plant a relation a dataflow reads.
 *
 * A node's path is pg_catalog, its module's schema, public (only when every
 * role that can create in it is trusted: catalog_public_trusted), then this
 * session's temporary tables.  The same path is pinned when its SQL runs
 * (exec/run_step.c), so a name means at run time what it meant here.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "dag.h"

/* building a graph that may be kept (cache.c): note its relation lookups */
static bool noting_lookups = false;

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
	return catalog_role_trusts(consumer_owner, producer_owner);
}

/*
 * dag_public_on_path: is schema public on the path of the request's nodes
 * (catalog_public_trusted, for the request's caller)?  Decided once, when
 * first asked.
 */
bool
dag_public_on_path(Dag *dag)
{
	if (dag->public_state == 0)
	{
		/* kept with the graph, which may outlive this call (cache.c) */
		MemoryContext old = MemoryContextSwitchTo(dag->cxt);

		dag->public_state = catalog_public_trusted(dag->caller, &dag->public_untrusted,
												   &dag->public_why) ? 1 : -1;
		MemoryContextSwitchTo(old);
	}
	return dag->public_state > 0;
}

/*
 * dag_path_relation looks a bare relation name up the way node SQL of a
 * module runs: pg_catalog, the module's schema, public (when it is on the
 * path), then temporary tables.  It returns the relation found, or
 * InvalidOid; *untrusted_owner is the relation's owner when the request's
 * caller may not read it by that name (InvalidOid otherwise).  A relation
 * is trusted when the caller trusts its owner (catalog_role_trusts), or
 * when the node's own owner owns it: running their node runs their code
 * already.
 */
Oid
dag_path_relation(Dag *dag, const char *module, const char *name, Oid node_owner,
				  Oid *untrusted_owner)
{
	const char *path[3] = {"pg_catalog", module, dag_public_on_path(dag) ? "public" : NULL};
	Oid			rel = InvalidOid;
	Oid			owner;
	int			i;

	*untrusted_owner = InvalidOid;
	for (i = 0; i < 3 && !OidIsValid(rel); i++)
	{
		Oid			nsp = path[i] ? get_namespace_oid(path[i], true) : InvalidOid;

		if (OidIsValid(nsp))
			rel = get_relname_relid(name, nsp);
	}
	/* LookupExplicitNamespace only for pg_temp: it checks USAGE */
	if (!OidIsValid(rel) && OidIsValid(LookupExplicitNamespace("pg_temp", true)))
		rel = get_relname_relid(name, LookupExplicitNamespace("pg_temp", true));
	if (OidIsValid(rel))
	{
		owner = catalog_object_owner(RelationRelationId, rel);
		if (!catalog_role_trusts(dag->caller, owner) && owner != node_owner)
			*untrusted_owner = owner;
	}
	dag_note_relation_lookup(dag, NULL, module, name, node_owner, rel, *untrusted_owner);
	return rel;
}

/*
 * dag_relation_display names a relation as users write it: schema.name,
 * with this session's temporary schema written pg_temp.
 */
char *
dag_relation_display(Oid relid)
{
	Oid			nsp = get_rel_namespace(relid);

	return quote_qualified_identifier(isTempNamespace(nsp) ? "pg_temp" : get_namespace_name(nsp),
									  get_rel_name(relid));
}

/* dag_module_path_text: a module's path, as messages show it. */
char *
dag_module_path_text(Dag *dag, const char *module)
{
	return psprintf(dag_public_on_path(dag) ? "%s, public, pg_temp" : "%s, pg_temp",
					quote_identifier(module));
}

/*
 * dag_untrusted_relation_problem: the problem of a name that would read a
 * relation of a role the caller does not trust.  what says where the name
 * stands ("node m.n reads \"x\""); hint says how to name it anyway.
 */
HProblem *
dag_untrusted_relation_problem(Dag *dag, const char *node, const char *what,
							   Oid relid, Oid owner, const char *hint)
{
	char	   *owner_name = GetUserNameFromId(owner, true);

	return problem_make("untrusted_relation", ERRCODE_INSUFFICIENT_PRIVILEGE, node,
						psprintf("%s, which is relation %s of role %s, whom you do not trust",
								 what, dag_relation_display(relid),
								 owner_name ? quote_identifier(owner_name) : "(dropped)"),
						"A relation found through the search path is read only when it belongs to you, to a role you are a member of, to a superuser, or to the node's owner: a relation of another role can run that role's code with your rights.",
						hint);
}

/* dag_note_relation_lookups turns the noting of relation lookups on or off. */
void
dag_note_relation_lookups(bool on)
{
	noting_lookups = on;
}

/*
 * dag_note_relation_lookup: while a graph that may be kept is built, what
 * a relation name resolved to (schema: as qualified in the SQL; else the
 * name on module's path, for a node of node_owner).
 */
void
dag_note_relation_lookup(Dag *dag, const char *schema, const char *module,
						 const char *name, Oid node_owner, Oid rel, Oid untrusted)
{
	MemoryContext old;
	RelationLookup *l;

	if (!noting_lookups)
		return;
	old = MemoryContextSwitchTo(dag->cxt);
	l = palloc0(sizeof(RelationLookup));
	l->schema = schema ? pstrdup(schema) : NULL;
	l->module = module ? pstrdup(module) : NULL;
	l->name = pstrdup(name);
	l->node_owner = node_owner;
	l->rel = rel;
	l->untrusted = untrusted;
	dag->rel_lookups = lappend(dag->rel_lookups, l);
	MemoryContextSwitchTo(old);
}

/*
 * dag_relation_lookups_unchanged: does every relation name the graph looked up still
 * resolve to the same relation, as trusted as it was?
 */
bool
dag_relation_lookups_unchanged(Dag *dag)
{
	ListCell   *lc;

	foreach(lc, dag->rel_lookups)
	{
		RelationLookup *l = lfirst(lc);
		Oid			rel = InvalidOid;
		Oid			untrusted = InvalidOid;

		if (l->schema)
		{
			Oid			nsp = strcmp(l->schema, "pg_temp") == 0 ?
				LookupExplicitNamespace(l->schema, true) :
				get_namespace_oid(l->schema, true);

			if (OidIsValid(nsp))
				rel = get_relname_relid(l->name, nsp);
		}
		else
			rel = dag_path_relation(dag, l->module, l->name, l->node_owner, &untrusted);
		if (rel != l->rel || untrusted != l->untrusted)
			return false;
	}
	return true;
}
