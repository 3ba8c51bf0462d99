/*-------------------------------------------------------------------------
 *
 * cache_deps_age.c
 *	  (review) Whether what a cached run's step read and called was changed
 *	  by a transaction that committed after the run began.
 *
 * A step's entry records the state of the relations and function bodies
 * its query depends on when the step has run (cache_keep.c), but the
 * query was planned earlier, when the step started (or, on a background
 * worker, when the worker started it): a CREATE OR REPLACE FUNCTION, an
 * ALTER TABLE or a TRUNCATE that commits in between is in the state the
 * entry records and not in the result, and the next run would reuse a
 * result computed with the old body.  So a step whose function or
 * relation has a catalog row written by a transaction the run's snapshot
 * (CacheRun.snapshot, taken before the run read anything) does not see
 * keeps no entry: the next run computes it again, an extra recompute,
 * never a missed one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "exec.h"

static bool newer_than_snapshot(TransactionId xmin, const char *snapshot);
static bool row_newer(int cacheid, Oid oid, const char *snapshot);

/*
 * newer_than_snapshot: was xmin, a catalog row's writer, in progress or not
 * yet begun at snapshot (pg_snapshot text "xmin:xmax:xip,...")?  Our own
 * transaction's rows and frozen ones are not newer.
 */
static bool
newer_than_snapshot(TransactionId xmin, const char *snapshot)
{
	const char *p = snapshot;
	char	   *end;
	uint64		xmax;

	if (!TransactionIdIsNormal(xmin) || TransactionIdIsCurrentTransactionId(xmin))
		return false;
	(void) strtou64(p, &end, 10);	/* the snapshot's xmin */
	if (*end != ':')
		return true;			/* unreadable: take it as newer */
	xmax = strtou64(end + 1, &end, 10);
	if (*end != ':')
		return true;
	if (TransactionIdFollowsOrEquals(xmin, XidFromFullTransactionId(FullTransactionIdFromU64(xmax))))
		return true;
	p = end + 1;
	while (*p)
	{
		uint64		x = strtou64(p, &end, 10);

		if (end == p)
			break;
		if (XidFromFullTransactionId(FullTransactionIdFromU64(x)) == xmin)
			return true;
		p = *end == ',' ? end + 1 : end;
	}
	return false;
}

/* row_newer: is the catalog row oid of syscache cacheid newer than snapshot? */
static bool
row_newer(int cacheid, Oid oid, const char *snapshot)
{
	HeapTuple	tup = SearchSysCache1(cacheid, ObjectIdGetDatum(oid));
	bool		newer = false;

	if (HeapTupleIsValid(tup))
	{
		newer = newer_than_snapshot(HeapTupleHeaderGetXmin(tup->t_data), snapshot);
		ReleaseSysCache(tup);
	}
	return newer;
}

/*
 * exec_cache_deps_changed says why a step's result must not be kept for
 * reuse when a function it called (functions) or a relation it read
 * (relations) was redefined by a transaction that committed after the
 * run's snapshot; NULL when none was.
 */
char *
exec_cache_deps_changed(CacheRun *cr, List *relations, List *functions)
{
	ListCell   *lc;

	if (cr->snapshot == NULL)
		return NULL;
	foreach(lc, functions)
	{
		CHECK_FOR_INTERRUPTS();
		if (row_newer(PROCOID, lfirst_oid(lc), cr->snapshot))
			return psprintf("function %s was redefined while the run computed it",
							format_procedure_qualified(lfirst_oid(lc)));
	}
	foreach(lc, relations)
	{
		CHECK_FOR_INTERRUPTS();
		if (row_newer(RELOID, lfirst_oid(lc), cr->snapshot))
			return psprintf("relation %s was altered while the run computed it",
							get_rel_name(lfirst_oid(lc)));
	}
	return NULL;
}
