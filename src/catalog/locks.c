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

#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/lock.h"

#include "catalog.h"

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
