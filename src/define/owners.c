/*-------------------------------------------------------------------------
 *
 * owners.c
 *	  Who may change a node: the owner of every variant of it.
 *
 * A node may have several variants (SQL definitions chosen by config_when,
 * functions spend__eu and spend__us), and each has an owner.  Changing the
 * node (redefining it, adding a variant, dropping, tagging, checking it)
 * takes the rights of every one of them, never just of the variant that
 * happens to come first.  pg_hamilton gives every variant it makes the
 * node's owner; a function's owner can still change afterwards.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/regproc.h"

#include "define.h"

static char *describe_variant(const NodeOwner *o);

/* describe_variant names one variant of a node, for a message. */
static char *
describe_variant(const NodeOwner *o)
{
	if (o->function && o->config_when)
		return psprintf("function %s (config_when %s)", o->function, o->config_when);
	if (o->function)
		return psprintf("function %s", o->function);
	if (o->config_when)
		return psprintf("for config_when %s", o->config_when);
	return pstrdup("without config_when");
}

/*
 * define_check_owners refuses to change node display unless the caller has
 * the rights of the owner of every variant in owners (a List of NodeOwner).
 * When they all have one owner, the refusal is catalog_check_node_owner's.
 */
void
define_check_owners(List *owners, const char *display, const char *action)
{
	ListCell   *lc;
	bool		one_owner = true;

	foreach(lc, owners)
		if (((NodeOwner *) lfirst(lc))->owner != ((NodeOwner *) linitial(owners))->owner)
			one_owner = false;
	foreach(lc, owners)
	{
		NodeOwner  *o = lfirst(lc);
		char	   *owner_name;

		if (has_privs_of_role(GetUserId(), o->owner))
			continue;
		if (one_owner)
			catalog_check_node_owner(o->owner, display, action);
		owner_name = GetUserNameFromId(o->owner, true);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of every variant of node %s to %s it", display, action),
				 owner_name ?
				 errdetail("Its variant %s belongs to role %s.", describe_variant(o), quote_identifier(owner_name)) :
				 errdetail("Its variant %s belonged to a role that was dropped (OID %u).", describe_variant(o), o->owner),
				 errhint("Ask that role, a member of it, or a superuser.")));
	}
}

/*
 * define_dag_owners lists every variant of node schema.name in a graph
 * built with all its variants, with their owners.
 */
List *
define_dag_owners(Dag *dag, const char *schema, const char *name)
{
	List	   *owners = NIL;
	int			i;

	for (i = 0; i < dag->nnodes; i++)
	{
		HNode	   *node = &dag->nodes[i];
		NodeOwner  *o;

		CHECK_FOR_INTERRUPTS();
		if (node->kind == HNODE_INPUT || strcmp(node->schema, schema) != 0 ||
			strcmp(node->name, name) != 0)
			continue;
		o = palloc0(sizeof(NodeOwner));
		o->owner = node->owner;
		o->config_when = node->config_when;
		if (OidIsValid(node->funcoid))
			o->function = format_procedure(node->funcoid);
		owners = lappend(owners, o);
	}
	return owners;
}
