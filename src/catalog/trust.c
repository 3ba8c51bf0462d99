/*-------------------------------------------------------------------------
 *
 * trust.c
 *	  Whom a role trusts: whose objects its runs may pick up by a name they
 *	  do not qualify, and so whether schema public may be on the path of
 *	  its nodes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/xact.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/fmgroids.h"
#include "utils/syscache.h"

#include "catalog.h"

/* The catalogs untrusted_owner has opened, by class. */
#define MAX_OPEN_CATALOGS 16
typedef struct OpenCatalogs
{
	int			n;
	Oid			classid[MAX_OPEN_CATALOGS];
	Relation	rel[MAX_OPEN_CATALOGS];
} OpenCatalogs;

static Oid	object_owner(OpenCatalogs *open, Oid classid, Oid objid);
static Oid	untrusted_creator(Oid caller, Oid nsp);
static Oid	untrusted_owner(Oid caller, Oid nsp);

/*
 * catalog_role_trusts: may truster run, by a name it did not qualify,
 * something role owns?  Only what it owns itself, what a role it is a member
 * of owns (it could make that as that role), or what a superuser owns
 * (a superuser could do anything anyway).  A superuser truster trusts no
 * other role by this rule: membership is checked without its superuser
 * power, so nobody can plant an object a superuser's run picks up.
 */
bool
catalog_role_trusts(Oid truster, Oid role)
{
	if (!OidIsValid(truster) || truster == role)
		return true;
	if (superuser_arg(role))
		return true;
	return is_member_of_role_nosuper(truster, role);
}

/*
 * object_owner: the owner of a catalog object, or InvalidOid when its kind
 * has none.  The catalogs it reads stay open in *open, for the next object.
 */
static Oid
object_owner(OpenCatalogs *open, Oid classid, Oid objid)
{
	AttrNumber	owner_att;
	Relation	rel = NULL;
	HeapTuple	tup;
	Oid			owner = InvalidOid;
	int			i;

	/* the common kinds from the syscache, uncopied */
	if (classid == ProcedureRelationId || classid == RelationRelationId ||
		classid == TypeRelationId || classid == OperatorRelationId)
	{
		int			cacheid = classid == ProcedureRelationId ? PROCOID :
			classid == RelationRelationId ? RELOID :
			classid == TypeRelationId ? TYPEOID : OPEROID;

		tup = SearchSysCache1(cacheid, ObjectIdGetDatum(objid));
		if (!HeapTupleIsValid(tup))
			return InvalidOid;
		owner = classid == ProcedureRelationId ? ((Form_pg_proc) GETSTRUCT(tup))->proowner :
			classid == RelationRelationId ? ((Form_pg_class) GETSTRUCT(tup))->relowner :
			classid == TypeRelationId ? ((Form_pg_type) GETSTRUCT(tup))->typowner :
			((Form_pg_operator) GETSTRUCT(tup))->oprowner;
		ReleaseSysCache(tup);
		return owner;
	}
	if (!is_objectclass_supported(classid) ||
		(owner_att = get_object_attnum_owner(classid)) == InvalidAttrNumber)
		return InvalidOid;
	for (i = 0; i < open->n && rel == NULL; i++)
		if (open->classid[i] == classid)
			rel = open->rel[i];
	if (rel == NULL)
	{
		rel = table_open(classid, AccessShareLock);
		if (open->n < MAX_OPEN_CATALOGS)
		{
			open->classid[open->n] = classid;
			open->rel[open->n++] = rel;
		}
	}
	tup = get_catalog_object_by_oid(rel, get_object_attnum_oid(classid), objid);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, owner_att, RelationGetDescr(rel), &isnull);

		if (!isnull)
			owner = DatumGetObjectId(d);
	}
	for (i = 0; i < open->n; i++)
		if (open->rel[i] == rel)
			return owner;
	table_close(rel, AccessShareLock);
	return owner;
}

/* catalog_object_owner: the owner of a catalog object (InvalidOid: none). */
Oid
catalog_object_owner(Oid classid, Oid objid)
{
	OpenCatalogs open;
	Oid			owner;
	int			i;

	open.n = 0;
	owner = object_owner(&open, classid, objid);
	for (i = 0; i < open.n; i++)
		table_close(open.rel[i], AccessShareLock);
	return owner;
}

/*
 * untrusted_creator: a role that can create in schema nsp and that caller
 * does not trust, or InvalidOid.  A role can create there when it holds
 * CREATE, or is a member of a role that does, with or without INHERIT: a
 * member can SET ROLE to it and create as it (and what it creates belongs
 * to that role, which caller may well trust).  pg_database_owner, public's
 * owner in PostgreSQL 15, stands for the database's owner.
 */
static Oid
untrusted_creator(Oid caller, Oid nsp)
{
	Oid			dba = InvalidOid;
	Oid			found = InvalidOid;
	List	   *roles = NIL;
	List	   *creators = NIL;
	ListCell   *lc;
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	HeapTuple	dbtup;

	dbtup = SearchSysCache1(DATABASEOID, ObjectIdGetDatum(MyDatabaseId));
	if (HeapTupleIsValid(dbtup))
	{
		dba = ((Form_pg_database) GETSTRUCT(dbtup))->datdba;
		ReleaseSysCache(dbtup);
	}
	rel = table_open(AuthIdRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while ((tup = systable_getnext(scan)) != NULL)
	{
		Oid			role = ((Form_pg_authid) GETSTRUCT(tup))->oid;

		roles = lappend_oid(roles, role);
		if (pg_namespace_aclcheck(nsp, role, ACL_CREATE) == ACLCHECK_OK)
			creators = lappend_oid(creators, role);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	foreach(lc, roles)
	{
		Oid			role = lfirst_oid(lc);
		Oid			who = role == ROLE_PG_DATABASE_OWNER && OidIsValid(dba) ? dba : role;
		ListCell   *c;

		CHECK_FOR_INTERRUPTS();
		if (catalog_role_trusts(caller, who))
			continue;
		foreach(c, creators)
			if (role == lfirst_oid(c) || is_member_of_role(role, lfirst_oid(c)))
			{
				found = who;
				break;
			}
		if (OidIsValid(found))
			break;
	}
	return found;
}

/*
 * untrusted_owner: the owner of an object in schema nsp (a relation, a
 * function, an operator, a type, ...) that caller does not trust, or
 * InvalidOid.  The objects of a schema are the ones pg_depend records as
 * depending on it.
 */
static Oid
untrusted_owner(Oid caller, Oid nsp)
{
	Relation	rel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			found = InvalidOid;
	Oid			checked = InvalidOid;
	OpenCatalogs open;
	int			i;

	open.n = 0;
	rel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(NamespaceRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(nsp));
	scan = systable_beginscan(rel, DependReferenceIndexId, true, NULL, 2, key);
	while (!OidIsValid(found) && (tup = systable_getnext(scan)) != NULL)
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);
		Oid			owner = object_owner(&open, dep->classid, dep->objid);

		CHECK_FOR_INTERRUPTS();
		if (!OidIsValid(owner) || owner == checked)
			continue;
		if (!catalog_role_trusts(caller, owner))
			found = owner;
		checked = owner;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	for (i = 0; i < open.n; i++)
		table_close(open.rel[i], AccessShareLock);
	return found;
}

/*
 * catalog_public_trusted: may schema public be on the path of the caller's
 * nodes?  Only when every role that can create in it, and every owner of
 * an object in it, is one the caller trusts (catalog_role_trusts):
 * otherwise that role could plant, or has planted, a table, a
 * better-matching function or an operator there, and the caller's node
 * would run it with the caller's rights.  Sets *untrusted to the first role
 * it does not trust, and *why to what that role can do ("can create in it",
 * "owns objects in it"); InvalidOid when it trusts them all, or there is no
 * public.
 */
bool
catalog_public_trusted(Oid caller, Oid *untrusted, const char **why)
{
	Oid			public_nsp = get_namespace_oid("public", true);

	*untrusted = InvalidOid;
	*why = NULL;
	if (!OidIsValid(public_nsp))
		return true;
	*untrusted = untrusted_creator(caller, public_nsp);
	if (OidIsValid(*untrusted))
		*why = "can create in it";
	else
	{
		*untrusted = untrusted_owner(caller, public_nsp);
		if (OidIsValid(*untrusted))
			*why = "owns objects in it";
	}
	return !OidIsValid(*untrusted);
}

/*
 * catalog_public_on_path is catalog_public_trusted for the current user,
 * decided once per command of a transaction: for the statements that pin a
 * module's path outside a graph that knows it already (a frame's columns
 * read when it is defined).  A new role, grant or object in public makes
 * the next command decide again.
 */
bool
catalog_public_on_path(void)
{
	static Oid	cached_user = InvalidOid;
	static LocalTransactionId cached_lxid = InvalidLocalTransactionId;
	static CommandId cached_cid = InvalidCommandId;
	static bool cached = false;
	Oid			untrusted;
	const char *why;

	if (cached_user != GetUserId() || cached_lxid != MyProc->lxid ||
		cached_cid != GetCurrentCommandId(false))
	{
		cached = catalog_public_trusted(GetUserId(), &untrusted, &why);
		cached_user = GetUserId();
		cached_lxid = MyProc->lxid;
		cached_cid = GetCurrentCommandId(false);
	}
	return cached;
}
