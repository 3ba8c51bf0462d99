/*-------------------------------------------------------------------------
 *
 * locks.c
 *	  Locks on what the catalog names, held until the transaction ends.
 *
 * A node's name: every call that changes a node (defines it or a variant of
 * it, drops it, makes a function one of its variants) takes its lock, so
 * that two sessions never add variants of one node at once without seeing
 * each other: each variant would get its own owner.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "catalog.h"

/*
 * catalog_lock_schema locks schema against DROP SCHEMA and renames until the
 * transaction ends and returns its OID.  what says what the caller is doing,
 * for the error when the schema was dropped or renamed while it waited.
 */
Oid
catalog_lock_schema(const char *schema, const char *what)
{
	Oid			nsp = get_namespace_oid(schema, false);
	char	   *now;

	LockDatabaseObject(NamespaceRelationId, nsp, 0, AccessShareLock);
	now = get_namespace_name(nsp);
	if (now == NULL || strcmp(now, schema) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema %s was %s by another session", quote_identifier(schema),
						now ? "renamed" : "dropped"),
				 errdetail("It happened while %s; nothing was written.", what),
				 now ?
				 errhint("It is called %s now.", quote_identifier(now)) :
				 errhint("Create the schema again, or use another one.")));
	return nsp;
}

/*
 * catalog_lock_renamed_schema waits, in the event trigger of ALTER SCHEMA
 * ... RENAME, for every transaction that wrote rows naming the schema to
 * end, taking the lock DROP SCHEMA takes.  PostgreSQL's rename itself locks
 * nothing: schema objects refer to their schema by OID.
 */
void
catalog_lock_renamed_schema(Oid nsp)
{
	LockDatabaseObject(NamespaceRelationId, nsp, 0, AccessExclusiveLock);
}

/*
 * catalog_lock_node_name takes the exclusive lock on schema.name that
 * definitions of that node take.  It is an advisory lock of pg_hamilton's
 * own (field 4 tells it from users' and from the locks a run takes on its
 * results); two names may share one by a hash collision, which only makes
 * their definitions wait for each other.
 */
void
catalog_lock_node_name(const char *schema, const char *name)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId,
						 hash_bytes((const unsigned char *) schema, strlen(schema)),
						 hash_bytes((const unsigned char *) name, strlen(name)),
						 HAMILTON_DEFINE_LOCK_FIELD4);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}
