/*-------------------------------------------------------------------------
 *
 * result_locks.c
 *	  Locking the results a run writes, before any work.
 *
 * Concurrent runs serialize on the results they share through transaction-
 * scoped advisory locks, taken for all of a run's results at once, in a
 * fixed order, before any work: no deadlock between runs, and no run ever
 * sees another's half-done work.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/inval.h"
#include "utils/snapmgr.h"

#include "exec.h"

typedef struct ResultLock
{
	uint32		schema_hash;
	uint32		name_hash;
} ResultLock;

static int	result_lock_cmp(const void *a, const void *b);

/*
 * lock_result_names takes the advisory locks of every result a run will
 * write (a List of HNode *), sorted, so two runs wait for each other rather
 * than deadlock.  Held until the transaction ends.
 */
void
lock_result_names(List *nodes)
{
	int			n = list_length(nodes);
	ResultLock *locks = palloc(sizeof(ResultLock) * Max(n, 1));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, nodes)
	{
		HNode	   *node = lfirst(lc);

		locks[i].schema_hash = hash_bytes((const unsigned char *) node->schema, strlen(node->schema));
		locks[i].name_hash = hash_bytes((const unsigned char *) node->name, strlen(node->name));
		i++;
	}
	qsort(locks, n, sizeof(ResultLock), result_lock_cmp);

	for (i = 0; i < n; i++)
	{
		LOCKTAG		tag;

		if (i > 0 && result_lock_cmp(&locks[i - 1], &locks[i]) == 0)
			continue;
		SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, locks[i].schema_hash,
							 locks[i].name_hash, HAMILTON_LOCK_FIELD4);
		(void) LockAcquire(&tag, ExclusiveLock, false, false);
	}

	/* See what the run we may have waited for committed. */
	AcceptInvalidationMessages();
	InvalidateCatalogSnapshot();
	pfree(locks);
}

static int
result_lock_cmp(const void *a, const void *b)
{
	const ResultLock *la = a;
	const ResultLock *lb = b;

	if (la->schema_hash != lb->schema_hash)
		return la->schema_hash < lb->schema_hash ? -1 : 1;
	if (la->name_hash != lb->name_hash)
		return la->name_hash < lb->name_hash ? -1 : 1;
	return 0;
}
