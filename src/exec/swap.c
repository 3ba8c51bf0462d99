/*-------------------------------------------------------------------------
 *
 * swap.c
 *	  Results built aside, swapped in when the whole run has passed.
 *
 * A step writes a result into a staging heap (materialize.c) and notes it
 * here; later steps and checks read the staging heap (swap_reading).  When
 * every step and check has passed, swap_finish_run takes the ACCESS
 * EXCLUSIVE locks of all the run's results and makes each staging heap its
 * result's storage with finish_heap_swap, as CLUSTER and REFRESH
 * MATERIALIZED VIEW do: the result keeps its OID, grants, comments and the
 * views on it, and its indexes are rebuilt (under the lock).  A result
 * whose shape changed is built as a new table and renamed into place,
 * after the old one is dropped, under the same lock.
 *
 * The locks.  No lock-manager primitive takes several locks at once, and a
 * reader may hold any result while it reads another, so no fixed order is
 * safe.  Each lock is tried with ConditionalLockRelationOid; on a miss, all
 * those taken in this attempt are released and the run waits, holding
 * none of them, for the transactions that hold the missed one
 * (WaitForLockers: it queues nothing, so new readers are not stalled, and
 * it obeys lock_timeout and cancels), then tries again.  Against
 * starvation by a steady stream of readers: after SWAP_QUIET_TRIES misses,
 * the run waits for the missed lock in its queue (new readers of that one
 * result then queue behind it), still holding none of the others, and
 * tries the others again.  A cycle through such a queued wait has a soft
 * edge, which PostgreSQL's deadlock detector resolves by reordering the
 * queue, not by killing anyone.  lock_timeout, statement_timeout and
 * cancels end any wait; the run is then recorded as failed, its results
 * unchanged.  Locks the caller held before the call are kept while the
 * run waits: they are the caller's.
 *
 * Staging heaps made by this transaction vanish with it, whatever ends it;
 * they are named pg_temp_<oid> (make_new_heap's name), are never visible
 * to another session, and no catalog row of pg_hamilton names them.
 * swap_result_heap takes the heap's own relfrozenxid and relminmxid, so
 * that a heap another transaction built and committed can be swapped in
 * too.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/twophase.h"
#include "commands/cluster.h"
#include "commands/tablecmds.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "exec.h"

/* how many misses a run waits for without queueing */
#define SWAP_QUIET_TRIES 10

typedef struct PendingSwap
{
	Oid			result;			/* the result table */
	Oid			staging;		/* what becomes its storage, or it */
	char	   *qname;			/* the result, quoted and qualified */
	char	   *staging_qname;
	char	   *schema;			/* the result's schema and name, for a rename */
	char	   *name;
	char	   *doc;
	char	   *node_display;
	bool		rename;			/* shape changed: drop result, rename staging */
	uint64		rows;
} PendingSwap;

typedef struct SwapRun
{
	MemoryContext cxt;
	List	   *pending;		/* of PendingSwap * */
	bool		told_full;		/* swap_has_room said no once */
} SwapRun;

static SwapRun *current_run = NULL;

static PendingSwap *find_pending(const char *qname, bool staging_only);
static void lock_all_results(List *pending);
static void swap_error_context(void *arg);
static void recheck_result(PendingSwap *p);

/*
 * swap_begin_run starts a run's list of results built aside, in the
 * current memory context; it returns the list of an enclosing run (a node
 * that calls hamilton_execute), which swap_end_run puts back.
 */
void *
swap_begin_run(void)
{
	SwapRun    *outer = current_run;

	current_run = palloc0(sizeof(SwapRun));
	current_run->cxt = CurrentMemoryContext;
	return outer;
}

/* swap_end_run forgets the run's list, restoring an enclosing run's. */
void
swap_end_run(void *outer)
{
	current_run = outer;
}

/*
 * swap_defer notes a result built aside: staging becomes the storage of
 * result (or, with rename, replaces it) when the run has passed.
 */
void
swap_defer(Oid result, Oid staging, const char *qname, const char *name,
		   const char *doc, const char *node_display, bool rename, uint64 rows)
{
	MemoryContext old;
	PendingSwap *p;

	if (current_run == NULL)
		elog(ERROR, "a result was built aside outside of a run");
	old = MemoryContextSwitchTo(current_run->cxt);
	p = palloc0(sizeof(PendingSwap));
	p->result = result;
	p->staging = staging;
	p->qname = pstrdup(qname);
	p->staging_qname = quote_qualified_identifier(get_namespace_name(get_rel_namespace(staging)),
												  get_rel_name(staging));
	p->schema = get_namespace_name(get_rel_namespace(result));
	p->name = pstrdup(name);
	p->doc = doc ? pstrdup(doc) : NULL;
	p->node_display = pstrdup(node_display);
	p->rename = rename;
	p->rows = rows;
	current_run->pending = lappend(current_run->pending, p);
	MemoryContextSwitchTo(old);
}

/*
 * swap_note_rows records the rows of staging, a heap noted by swap_defer
 * before it was filled (frame_split.c), for the statistics of the swap.
 */
void
swap_note_rows(Oid staging, uint64 rows)
{
	ListCell   *lc;

	if (current_run != NULL)
		foreach(lc, current_run->pending)
			if (((PendingSwap *) lfirst(lc))->staging == staging)
				((PendingSwap *) lfirst(lc))->rows = rows;
}

/*
 * find_pending returns the result built aside that qname names: its
 * staging heap, or (unless staging_only) the result itself; else NULL.
 */
static PendingSwap *
find_pending(const char *qname, bool staging_only)
{
	ListCell   *lc;

	if (current_run == NULL || qname == NULL)
		return NULL;
	foreach(lc, current_run->pending)
	{
		PendingSwap *p = lfirst(lc);

		if (strcmp(p->staging_qname, qname) == 0 ||
			(!staging_only && strcmp(p->qname, qname) == 0))
			return p;
	}
	return NULL;
}

/*
 * swap_reading returns the relation that holds a result's rows during the
 * run: its staging heap when it was built aside, else the name itself.
 */
const char *
swap_reading(const char *qname)
{
	PendingSwap *p = find_pending(qname, false);

	return p ? p->staging_qname : qname;
}

/*
 * swap_shown returns the result's name for a staging heap's name (what
 * the history and error messages show), else the name itself.
 */
const char *
swap_shown(const char *qname)
{
	PendingSwap *p = find_pending(qname, true);

	return p ? p->qname : qname;
}

/*
 * swap_has_room: may the run build one more result aside?  Each one holds
 * about SWAP_LOCKS_PER_RESULT locks (the staging heap, its TOAST table and
 * index, their types, the index rebuild and ANALYZE) until the transaction
 * ends, and a run of thousands of results would fill the shared lock table
 * ("out of shared memory").  So a run builds aside at most
 * hamilton.max_results_aside results (by default as many as half the lock
 * table holds); the others are written in place, and the first time that
 * happens the caller is told, once per run.
 */
bool
swap_has_room(const char *qname, const char *node_display)
{
	int64		limit = hamilton_max_results_aside;

	if (current_run == NULL)
		return true;
	if (limit < 0)
		limit = (int64) max_locks_per_xact * (MaxConnections + max_prepared_xacts) /
			(2 * SWAP_LOCKS_PER_RESULT);
	if (list_length(current_run->pending) < limit)
		return true;
	if (!current_run->told_full)
		ereport(NOTICE,
				(errmsg("node %s writes its result %s in place: the run builds no more than %lld results aside",
						node_display, qname, (long long) limit),
				 errdetail("Each result built aside holds about %d locks until the transaction ends, and "
						   "hamilton.max_results_aside (by default half the lock table) allows no more. This "
						   "result and the run's later ones are emptied and refilled at their step: their "
						   "readers wait from that step to the end of the run.",
						   SWAP_LOCKS_PER_RESULT),
				 errhint("Raise max_locks_per_transaction (a server restart), or split the outputs over several runs.")));
	current_run->told_full = true;
	return false;
}

/*
 * swap_finish_run swaps in every result the run built aside: all their
 * locks first, then each swap.  SPI must be connected.
 */
void
swap_finish_run(void)
{
	ListCell   *lc;

	if (current_run == NULL || current_run->pending == NIL)
		return;
	lock_all_results(current_run->pending);
	foreach(lc, current_run->pending)
	{
		PendingSwap *p = lfirst(lc);
		Relation	rel;
		TransactionId frozenxid;
		MultiXactId minmxid;
		ErrorContextCallback context;

		CHECK_FOR_INTERRUPTS();
		/* an index rebuilt on the new rows may fail: name the node */
		context.callback = swap_error_context;
		context.arg = p;
		context.previous = error_context_stack;
		error_context_stack = &context;
		recheck_result(p);
		if (p->rename)
		{
			result_statement(psprintf("DROP TABLE %s", p->qname), SPI_OK_UTILITY);
			result_statement(psprintf("ALTER TABLE %s RENAME TO %s", p->staging_qname,
									  quote_identifier(p->name)), SPI_OK_UTILITY);
			if (p->doc)
				result_statement(psprintf("COMMENT ON TABLE %s IS %s", p->qname,
										  quote_literal_cstr(p->doc)), SPI_OK_UTILITY);
			CommandCounterIncrement();
			catalog_rebind_result(p->schema, p->name, p->staging);
			error_context_stack = context.previous;
			continue;
		}
		rel = table_open(p->staging, NoLock);
		frozenxid = rel->rd_rel->relfrozenxid;
		minmxid = rel->rd_rel->relminmxid;
		table_close(rel, NoLock);
		swap_result_heap(p->result, p->staging, frozenxid, minmxid);

		/* the statistics, as REFRESH MATERIALIZED VIEW keeps them */
		rel = table_open(p->result, NoLock);
		pgstat_count_truncate(rel);
		pgstat_count_heap_insert(rel, (PgStat_Counter) p->rows);
		table_close(rel, NoLock);
		if (pg_class_ownercheck(p->result, GetUserId()))
			result_statement(psprintf("ANALYZE %s", p->qname), SPI_OK_UTILITY);
		error_context_stack = context.previous;
	}
	current_run->pending = NIL;
}

/* swap_error_context names the node whose result was being swapped in. */
static void
swap_error_context(void *arg)
{
	PendingSwap *p = arg;

	errcontext("swapping in the new rows of node %s (table %s)", p->node_display, p->qname);
}

/*
 * swap_result_heap makes staging the storage of result, whose ACCESS
 * EXCLUSIVE lock the caller holds: finish_heap_swap swaps their files,
 * rebuilds result's indexes (checking unique and exclusion constraints)
 * and drops staging, which now has the old files.  frozenxid and minmxid
 * are staging's own relfrozenxid and relminmxid: the heap may have been
 * built by another transaction.  The two must have the same descriptor.
 */
void
swap_result_heap(Oid result, Oid staging, TransactionId frozenxid, MultiXactId minmxid)
{
	Relation	rel;
	Relation	srel;
	TupleDesc	a,
				b;
	char		persistence;
	int			i;

	LockRelationOid(staging, AccessExclusiveLock);
	rel = table_open(result, NoLock);
	srel = table_open(staging, NoLock);
	a = RelationGetDescr(rel);
	b = RelationGetDescr(srel);
	if (a->natts != b->natts)
		elog(ERROR, "staging heap %u does not have the descriptor of result %u", staging, result);
	for (i = 0; i < a->natts; i++)
		if (TupleDescAttr(a, i)->atttypid != TupleDescAttr(b, i)->atttypid ||
			TupleDescAttr(a, i)->attisdropped != TupleDescAttr(b, i)->attisdropped)
			elog(ERROR, "staging heap %u does not have the descriptor of result %u", staging, result);
	/* a cursor of the caller's on the result would read the wrong files */
	CheckTableNotInUse(rel, "hamilton_execute");
	persistence = rel->rd_rel->relpersistence;
	table_close(srel, NoLock);
	table_close(rel, NoLock);

	finish_heap_swap(result, staging, false, false, true, true,
					 frozenxid, minmxid, persistence);
}

/*
 * lock_all_results takes the ACCESS EXCLUSIVE lock of every result in
 * pending, all or none at a time (see the file's comment).  The first
 * SWAP_QUIET_TRIES misses wait with WaitForLockers, which queues nothing;
 * after that, the missed lock is waited for in its queue (LockRelationOid),
 * still holding none of the others, so that new readers of that result
 * queue behind the run instead of starving it; then the others are tried
 * again.
 */
static void
lock_all_results(List *pending)
{
	int			misses = 0;
	PendingSwap *queued = NULL;		/* held by a queued wait, this attempt */

	for (;;)
	{
		ListCell   *lc;
		PendingSwap *missed = NULL;
		LOCKTAG		tag;

		CHECK_FOR_INTERRUPTS();
		if (queued)
			LockRelationOid(queued->result, AccessExclusiveLock);
		foreach(lc, pending)
		{
			PendingSwap *p = lfirst(lc);

			if (p != queued && !ConditionalLockRelationOid(p->result, AccessExclusiveLock))
			{
				missed = p;
				break;
			}
		}
		if (missed == NULL)
			return;
		foreach(lc, pending)
		{
			PendingSwap *p = lfirst(lc);

			if (p == missed)
				break;
			if (p != queued)
				UnlockRelationOid(p->result, AccessExclusiveLock);
		}
		if (queued)
			UnlockRelationOid(queued->result, AccessExclusiveLock);
		if (++misses <= SWAP_QUIET_TRIES)
		{
			SET_LOCKTAG_RELATION(tag, MyDatabaseId, missed->result);
			WaitForLockers(tag, AccessExclusiveLock, false);
			queued = NULL;
		}
		else
			queued = missed;
	}
}

/*
 * recheck_result: under the swap's lock, the result must still be the
 * table the run built for, and still be one a swap may write.  Triggers,
 * foreign keys and publications can be added under the weaker lock the
 * build held.
 */
static void
recheck_result(PendingSwap *p)
{
	Relation	rel;
	const char *reason;

	if (get_rel_relkind(p->result) != RELKIND_RELATION)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("result table %s was dropped while node %s ran", p->qname, p->node_display),
				 errdetail("Another session dropped the table while the run built its new rows."),
				 errhint("Run the dataflow again.")));
	if (p->rename)
		return;
	rel = table_open(p->result, NoLock);
	reason = swap_bypass_reason(rel);
	if (reason == NULL)
		swap_check_privileges(rel, p->qname, p->node_display);
	table_close(rel, NoLock);
	if (reason)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("result table %s changed while node %s ran", p->qname, p->node_display),
				 errdetail("Another session altered the table while the run built its new rows: now %s, so its rows must be written through the executor.",
						   reason),
				 errhint("Run the dataflow again: it then writes the table with TRUNCATE and INSERT.")));
}
