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
		dag->public_state = catalog_public_trusted(dag->caller, &dag->public_untrusted,
												   &dag->public_why) ? 1 : -1;
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
	if (!OidIsValid(rel))
		return InvalidOid;
	owner = catalog_object_owner(RelationRelationId, rel);
	if (!catalog_role_trusts(dag->caller, owner) && owner != node_owner)
		*untrusted_owner = owner;
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
