/*-------------------------------------------------------------------------
 *
 * open_runs.c
 *	  The runs of the current transaction, until it ends.
 *
 * A run's outcome is written in the caller's transaction (or
 * subtransaction), with its results: until that commits, the outcome is not
 * final.  This keeps, for each run of the transaction, the recorder still
 * writing its start (if any) and, once the run succeeded, its record.  When
 * the (sub)transaction the run ran in commits, there is nothing more to do.
 * When it aborts, the run's results and outcome vanish with it, and the
 * runs that had succeeded are handed to the recorder as "rolled back", so
 * that the history keeps them, marked as such; the aborting caller waits
 * for it (still holding the runs' locks, so that readers see them running
 * until they read them rolled back), unless its session is ending.
 *
 * A session that dies leaves its runs' starts, with no end, and its locks
 * released: hamilton.runs shows them abandoned.  A transaction with runs
 * cannot be prepared (two-phase commit): its end would come in no session,
 * with nobody to record it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "utils/memutils.h"

#include "runlog.h"

/* One run of the current transaction. */
typedef struct OpenRun
{
	int64		run_id;
	SubTransactionId subid;		/* where the run's outcome is written */
	Oid			recorder_role;	/* the catalog's owner, as the recorder connects */
	Recorder   *start;			/* the recorder writing its start, or NULL */
	/* once it succeeded: its record's parts (run_json.c), copied */
	char	   *outcome;		/* the fields of its "run" object, or NULL */
	CatalogNodeRun *steps;
	int			nsteps;
	bool		parallel;		/* its workers committed staging heaps */
} OpenRun;

/*
 * The runs of the current transaction, oldest first, and those of them
 * whose start is still being written; both in TopTransactionContext.  The
 * runs of a subtransaction are always the last ones when it ends: any
 * subtransaction begun after it has ended before it, and its runs were
 * either handed up to it or let go.
 */
static List *open_runs = NIL;
static List *starting = NIL;
static bool callbacks_registered = false;

static void open_runs_xact_callback(XactEvent event, void *arg);
static void open_runs_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
									   SubTransactionId parentSubid, void *arg);
static void open_runs_end(SubTransactionId subid, bool aborted);
static void record_rolled_back(List *outcomes, Oid role);
static void give_up(MemoryContext cxt, const char *what, const char *lost);
static void clean_rolled_back(List *run_ids, Oid role);
static void hand_over(RecorderTask task, List *records, Oid role, const char *what,
					  bool wait, const char *lost);

/*
 * open_runs_add keeps a run that has just started, with the recorder
 * writing its start (or NULL).  It first lets go of the recorders that have
 * finished the starts of earlier runs, so that a transaction running many
 * runs keeps few segments.
 */
void
open_runs_add(int64 run_id, Oid recorder_role, Recorder *start)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	OpenRun    *run = palloc0(sizeof(OpenRun));
	ListCell   *lc;

	if (!callbacks_registered)
	{
		RegisterXactCallback(open_runs_xact_callback, NULL);
		RegisterSubXactCallback(open_runs_subxact_callback, NULL);
		callbacks_registered = true;
	}
	foreach(lc, starting)
	{
		OpenRun    *r = lfirst(lc);

		if (recorder_gone(r->start))
		{
			recorder_release(r->start);
			r->start = NULL;
			starting = foreach_delete_current(starting, lc);
		}
	}

	run->run_id = run_id;
	run->subid = GetCurrentSubTransactionId();
	run->recorder_role = recorder_role;
	run->start = start;
	open_runs = lappend(open_runs, run);
	if (start)
		starting = lappend(starting, run);
	MemoryContextSwitchTo(old);
}

/*
 * open_runs_succeeded keeps the record of a run that succeeded (its "run"
 * fields and its steps, as history.c wrote them), copied, for the recorder
 * to write it as rolled back if the run's transaction aborts: its JSON is
 * written only then.  A run that open_runs_add did not keep (its start is
 * not recorded) is not kept.
 */
void
open_runs_succeeded(int64 run_id, const char *run_fields, const CatalogNodeRun *steps, int nsteps)
{
	int			i;

	/* the run is nearly always the last one */
	for (i = list_length(open_runs) - 1; i >= 0; i--)
	{
		OpenRun    *run = list_nth(open_runs, i);

		if (run->run_id == run_id)
		{
			MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);

			run->outcome = pstrdup(run_fields);
			run->steps = runlog_copy_steps(steps, nsteps);
			run->nsteps = nsteps;
			MemoryContextSwitchTo(old);
			return;
		}
	}
}

/*
 * open_runs_parallel notes that the run's workers committed staging heaps
 * (exec/parallel_run.c), which its swap dropped in this transaction: if it
 * aborts, they are back, and a recorder drops them once it has ended.
 */
void
open_runs_parallel(int64 run_id)
{
	int			i;

	for (i = list_length(open_runs) - 1; i >= 0; i--)
	{
		OpenRun    *run = list_nth(open_runs, i);

		if (run->run_id == run_id)
		{
			run->parallel = true;
			return;
		}
	}
}

/* open_runs_xact_callback: the transaction ends. */
static void
open_runs_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_PREPARE:
			if (open_runs != NIL)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot PREPARE a transaction that ran hamilton_execute"),
						 errdetail("Were the prepared transaction rolled back later, no session would be left "
								   "to record that, and hamilton.runs would show its runs as abandoned rather "
								   "than rolled back."),
						 errhint("Commit or roll back the transaction that runs hamilton_execute directly.")));
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PREPARE:
			open_runs_end(InvalidSubTransactionId, false);
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			open_runs_end(InvalidSubTransactionId, true);
			break;
		default:
			break;
	}
}

/*
 * open_runs_subxact_callback: a subtransaction ends.  Committed, its runs
 * become its parent's; aborted, they end with it.
 */
static void
open_runs_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						   SubTransactionId parentSubid, void *arg)
{
	int			i;

	if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		for (i = list_length(open_runs) - 1; i >= 0; i--)
		{
			OpenRun    *run = list_nth(open_runs, i);

			if (run->subid != mySubid)
				break;
			run->subid = parentSubid;
		}
	}
	else if (event == SUBXACT_EVENT_ABORT_SUB)
		open_runs_end(mySubid, true);
}

/*
 * open_runs_end ends the runs of subtransaction subid (of the whole
 * transaction: InvalidSubTransactionId): their starts' recorders are let
 * go and, if it aborted, those that had succeeded are recorded as rolled
 * back.  It runs while a transaction commits or aborts: it raises no error.
 */
static void
open_runs_end(SubTransactionId subid, bool aborted)
{
	List	   *outcomes = NIL;
	List	   *parallel = NIL;
	Oid			role = InvalidOid;
	int			keep = list_length(open_runs);

	while (keep > 0)
	{
		OpenRun    *run = list_nth(open_runs, keep - 1);

		if (subid != InvalidSubTransactionId && run->subid != subid)
			break;
		if (run->start)
		{
			recorder_release(run->start);
			starting = list_delete_ptr(starting, run);
		}
		if (aborted && run->outcome)
		{
			/* oldest first, as they ran */
			outcomes = lcons(run, outcomes);
			role = run->recorder_role;
			if (run->parallel)
				parallel = lappend(parallel, psprintf(INT64_FORMAT, run->run_id));
		}
		keep--;
	}
	if (subid == InvalidSubTransactionId)
	{
		/* TopTransactionContext goes with the transaction */
		open_runs = NIL;
		starting = NIL;
	}
	else if (keep == 0)
		open_runs = NIL;
	else
		open_runs = list_truncate(open_runs, keep);
	if (outcomes)
		record_rolled_back(outcomes, role);
	if (parallel)
		clean_rolled_back(parallel, role);
}

/*
 * record_rolled_back hands the records of runs whose transaction rolled
 * back (outcomes: their OpenRun) to the recorder, written now.  The caller waits for it, unless its session is
 * ending (pg_terminate_backend of a session idle in its transaction): then
 * the recorder's segment outlives it, and the runs read abandoned for the
 * few milliseconds until they read rolled back.
 */
static void
record_rolled_back(List *outcomes, Oid role)
{
	bool		dying = proc_exit_inprogress || ProcDiePending;
	char	   *what = list_length(outcomes) == 1 ? "a run as rolled back" :
		psprintf("%d runs as rolled back", list_length(outcomes));

	List	   *records = NIL;
	bool		written = false;
	MemoryContext cxt = CurrentMemoryContext;

	/* their JSON is written now that it is needed; nothing may raise into the abort */
	PG_TRY();
	{
		ListCell   *lc;

		foreach(lc, outcomes)
		{
			OpenRun    *run = lfirst(lc);

			records = lappend(records, runlog_run_json(run->outcome, run->run_id,
													   run->steps, run->nsteps));
		}
		written = true;
	}
	PG_CATCH();
	{
		give_up(cxt, what, "The runs read abandoned in " HAMILTON_SCHEMA ".runs.");
	}
	PG_END_TRY();
	if (written)
		hand_over(RECORD_ROLLED_BACK, records, role, what, !dying,
				  "The runs read abandoned in " HAMILTON_SCHEMA ".runs.");
}

/*
 * clean_rolled_back hands the ids of parallel runs whose transaction
 * rolled back to a recorder that drops their staging heaps once the
 * transaction has let go of them; nobody waits for it.  What it cannot
 * drop, the next parallel run or hamilton_staging_cleanup() does.
 */
static void
clean_rolled_back(List *run_ids, Oid role)
{
	hand_over(RECORD_CLEANUP, run_ids, role, "the cleanup of parallel runs rolled back", false,
			  "Their staging heaps stay until the next parallel run or hamilton_staging_cleanup() drops them.");
}

/*
 * hand_over gives records to a recorder for task, and waits for it (wait)
 * or lets its segment outlive the caller.  Nothing here may raise an error
 * into the abort that calls it; what could (running out of memory) is
 * reported, with lost saying what is lost, and given up.
 */
static void
hand_over(RecorderTask task, List *records, Oid role, const char *what, bool wait,
		  const char *lost)
{
	MemoryContext cxt = CurrentMemoryContext;

	PG_TRY();
	{
		Recorder   *rec = recorder_launch(task, records, role, what, !wait);

		if (rec)
		{
			if (wait)
				(void) recorder_wait(rec, what);
			recorder_release(rec);
		}
	}
	PG_CATCH();
	{
		give_up(cxt, what, lost);
	}
	PG_END_TRY();
}

/*
 * give_up, in a PG_CATCH of the abort path: the error is reported as a
 * WARNING, with lost saying what is lost, and cleared (back in cxt).
 */
static void
give_up(MemoryContext cxt, const char *what, const char *lost)
{
	ErrorData  *edata;

	MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	FlushErrorState();
	ereport(WARNING,
			(errcode(edata->sqlerrcode),
			 errmsg("could not record %s in " HAMILTON_SCHEMA ".runs: %s", what, edata->message),
			 errdetail("%s", lost)));
}
