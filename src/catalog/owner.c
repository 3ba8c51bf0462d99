/*-------------------------------------------------------------------------
 *
 * owner.c
 *	  Acting as the catalog's owner for catalog access, and checking what the
 *	  caller may do before it.
 *
 * The catalog tables are owned by the extension's owner and are read-only to
 * everybody else.  The C functions check what the caller may do (own the
 * node, own the schema) and then write as the owner, the way a SECURITY
 * DEFINER function would, but only around the catalog write itself: user
 * code never runs with the owner's rights.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/syscache.h"

#include "catalog.h"

/*
 * catalog_owner returns the role that owns the catalog (the owner of schema
 * "hamilton", i.e. whoever created the extension).
 */
Oid
catalog_owner(void)
{
	Oid			nspid = get_namespace_oid(HAMILTON_SCHEMA, false);
	HeapTuple	tup;
	Oid			owner;

	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nspid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for namespace %u", nspid);
	owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * catalog_owner_begin switches to the catalog owner for catalog access (the
 * writes, and reading run history and lineage, which are not public), as
 * a SECURITY DEFINER function would: with search_path pinned to pg_catalog,
 * so that no object of the caller's can be picked up by name while the
 * owner's rights are in force.  SECURITY_LOCAL_USERID_CHANGE keeps SET ROLE
 * out; an error restores the caller's identity and search_path when the
 * (sub)transaction aborts.
 */
void
catalog_owner_begin(OwnerScope *w)
{
	Oid			owner = catalog_owner();

	GetUserIdAndSecContext(&w->saved_userid, &w->saved_sec_context);
	w->guc_nestlevel = NewGUCNestLevel();
	pin_safe_search_path();
	SetUserIdAndSecContext(owner, w->saved_sec_context | SECURITY_LOCAL_USERID_CHANGE);
}

/* catalog_owner_end restores the caller's identity and settings. */
void
catalog_owner_end(OwnerScope *w)
{
	SetUserIdAndSecContext(w->saved_userid, w->saved_sec_context);
	AtEOXact_GUC(true, w->guc_nestlevel);
}

/*
 * catalog_check_node_owner refuses to change a node the caller does not own
 * (directly, or as a member of the owning role).
 */
void
catalog_check_node_owner(Oid owner, const char *display, const char *action)
{
	char	   *owner_name = GetUserNameFromId(owner, true);

	if (!has_privs_of_role(GetUserId(), owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of node %s to %s it", display, action),
				 owner_name ?
				 errdetail("Node %s belongs to role %s.", display, quote_identifier(owner_name)) :
				 errdetail("Node %s belonged to a role that was dropped (OID %u).", display, owner),
				 errhint("Ask its owner, a member of that role, or a superuser.")));
}
