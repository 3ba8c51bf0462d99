/*-------------------------------------------------------------------------
 *
 * probe_value.c
 *	  The data version of a source that cannot carry the change log's
 *	  trigger (a foreign table, a materialized view): the one value its
 *	  probe query returns (hamilton_probe, define/probe.c).
 *
 * The probe runs read-only, as the role running the run, in the run's
 * snapshot, once per source per run (per statement: a run is one call),
 * its value kept for the rest of the statement.  Its value is appended to
 * the state of what a result read (source_state.c) in clear, after the
 * digest, so that a refusal can say which probe returned a different
 * value.  A NULL value means unknown: the result is recomputed.  A probe
 * that fails, or that does not return exactly one row, fails the run,
 * naming the source and the probe: recomputing silently would hide a
 * broken probe (dbt's broken freshness query rebuilds everything).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "dag.h"

typedef struct ProbeMemo
{
	Oid			relid;
	char	   *value;			/* NULL: the probe returned NULL */
} ProbeMemo;

static MemoryContext memo_cxt = NULL;
static List *memo = NIL;
static LocalTransactionId memo_lxid = InvalidLocalTransactionId;
static TimestampTz memo_stmt = 0;

typedef struct ProbeContext
{
	const char *display;
	const char *probe;
} ProbeContext;

static void probe_error_context(void *arg);

/* probe_error_context names the source and its probe in an error's context. */
static void
probe_error_context(void *arg)
{
	ProbeContext *pc = arg;

	errcontext("probe of source %s: %s", pc->display, pc->probe);
}

/*
 * dag_probe_value runs the probe of a source (relid, probe), or returns
 * the value it returned earlier in this statement; NULL when it returned
 * NULL.
 */
char *
dag_probe_value(Oid relid, const char *probe)
{
	ListCell   *lc;
	ProbeMemo  *m;
	ProbeContext pc;
	ErrorContextCallback cb;
	int			rc;
	char	   *value;
	MemoryContext old;

	if (memo_cxt == NULL)
		memo_cxt = AllocSetContextCreate(TopMemoryContext, "hamilton probes", ALLOCSET_SMALL_SIZES);
	if (memo_lxid != MyProc->lxid || memo_stmt != GetCurrentStatementStartTimestamp())
	{
		MemoryContextReset(memo_cxt);
		memo = NIL;
		memo_lxid = MyProc->lxid;
		memo_stmt = GetCurrentStatementStartTimestamp();
	}
	foreach(lc, memo)
	{
		m = lfirst(lc);
		if (m->relid == relid)
			return m->value ? pstrdup(m->value) : NULL;
	}
	pc.display = dag_relation_display(relid);
	pc.probe = probe;
	cb.callback = probe_error_context;
	cb.arg = &pc;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	rc = SPI_execute(probe, true, 2);
	if (rc != SPI_OK_SELECT || SPI_processed != 1 || SPI_tuptable->tupdesc->natts != 1)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("probe of source %s did not return one value", pc.display),
				 errdetail("It returned %llu rows; a probe returns one row of one column, the source's data version.",
						   (unsigned long long) SPI_processed),
				 errhint("Its owner can declare a probe that does: SELECT hamilton_probe('%s', '...');",
						 pc.display)));
	value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	error_context_stack = cb.previous;
	old = MemoryContextSwitchTo(memo_cxt);
	m = palloc(sizeof(ProbeMemo));
	m->relid = relid;
	m->value = value ? pstrdup(value) : NULL;
	memo = lappend(memo, m);
	MemoryContextSwitchTo(old);
	return value;
}

/*
 * dag_probe_trusted: does the calling role trust the owner of a probed
 * source (relid)?  A probe is its owner's SQL, run as the caller: one of a
 * role the caller does not trust is never run (the trust rule of
 * catalog/trust.c), and what reads its source is recomputed.
 */
bool
dag_probe_trusted(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		return false;
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return catalog_role_trusts(GetUserId(), owner);
}

/*
 * dag_probe_all runs every declared probe before a cached run reads
 * anything, so that the value a result records was taken before its
 * source was read: a change while it is read recomputes it next time,
 * never hides.  A probe that fails here is left to fail the run only if
 * a step reads its source (each in a subtransaction; a cancel is not the
 * probe's).
 */
void
dag_probe_all(void)
{
	ListCell   *lc;

	foreach(lc, catalog_read_probes())
	{
		List	   *pair = lfirst(lc);
		Oid			relid = (Oid) intVal(linitial(pair));
		SubxactScope sx;

		CHECK_FOR_INTERRUPTS();
		if (!dag_probe_trusted(relid))
			continue;
		subxact_begin(&sx);
		PG_TRY();
		{
			(void) dag_probe_value(relid, lsecond(pair));
			subxact_commit(&sx);
		}
		PG_CATCH();
		{
			ErrorData  *edata = subxact_rollback(&sx);

			if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED || edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
				ReThrowError(edata);
			FreeErrorData(edata);
		}
		PG_END_TRY();
	}
}
