/*-------------------------------------------------------------------------
 *
 * parallel_collect.c
 *	  The caller's side of a parallel run while its workers run
 *	  (parallel_run.c): taking in what they built, waiting for them,
 *	  finding a worker that waits for the caller's lock, and stopping them
 *	  when the run fails.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "exec.h"

/* how long a failing run waits for its stopped workers to go */
#define PARALLEL_STOP_WAIT_MS 10000

static void complete_guarded(ParallelRun *r, int i);
static bool blocked_by_me(int pid);

/*
 * parallel_collect takes in the steps whose workers have answered; a
 * failed or vanished worker fails the run with its error.  Returns whether
 * any did.
 */
bool
parallel_collect(ParallelRun *r)
{
	bool		any = false;
	int			i;

	for (i = 0; i < r->plan->nsteps; i++)
	{
		StepWorkerState ws;

		if (r->state[i] != PS_RUNNING || r->worker[i] == NULL)
			continue;			/* (remote) a placed step: parallel_remote.c */
		ws = step_worker_poll(r->worker[i]);
		if (ws == STEP_WORKER_DONE)
		{
			complete_guarded(r, i);
			any = true;
		}
		else if (ws == STEP_WORKER_FAILED || ws == STEP_WORKER_GONE)
		{
			ErrorData  *edata;

			if (ws == STEP_WORKER_FAILED)
				edata = step_worker_error(r->worker[i]);
			else
			{
				edata = palloc0(sizeof(ErrorData));
				edata->elevel = ERROR;
				edata->sqlerrcode = ERRCODE_ADMIN_SHUTDOWN;
				edata->message = "the background worker running the step stopped before it finished";
				edata->detail = psprintf("Worker process %d was terminated, or could not start; the server log says why.",
										 step_worker_pid(r->worker[i]));
			}
			parallel_stop_workers(r);
			exec_step_failed(r->plan, i, r->started, edata, r->t0[i]);
		}
	}
	return any;
}

/*
 * complete_guarded takes in a step a worker built, in a subtransaction as
 * the serial path does: its heap noted for the swap, its lineage, its
 * checks on the heap, with the module's search_path pinned.
 */
static void
complete_guarded(ParallelRun *r, int i)
{
	HPlan	   *plan = r->plan;
	PlanStep   *step = &plan->steps[i];
	HNode	   *node = &plan->dag->nodes[step->node];
	SubxactScope sx;
	uint64		rows;
	TimestampTz wstart,
				wend;
	Oid			staging = step_worker_result(r->worker[i], &rows, &wstart, &wend);
	Size		nreads;
	char	   *reads = step_worker_reads(r->worker[i], &nreads);	/* (cachew) */

	step->worker_pid = step_worker_pid(r->worker[i]);
	step->started_at = wstart;
	step->ended_at = wend;
	step_worker_release(r->worker[i]);
	r->worker[i] = NULL;
	r->running--;
	subxact_begin(&sx);
	PG_TRY();
	{
		int			nestlevel = NewGUCNestLevel();

		/* the worker committed it: this lock also reads its catalog rows */
		LockRelationOid(staging, AccessShareLock);
		step->rows = rows;
		step->has_rows = true;
		pin_module_search_path(node->schema, dag_public_on_path(plan->dag));
		pin_sql_reading_settings();
		if (step->action == STEP_TEMP)
		{
			MemoryContext old = MemoryContextSwitchTo(r->cxt);

			/* an intermediate: its consumers read its table, dropped at the end */
			step->relation = quote_qualified_identifier(node->schema, get_rel_name(staging));
			r->intermediates = lappend(r->intermediates, step->relation);
			MemoryContextSwitchTo(old);
			step->temp_name = NULL; /* no temporary table to drop */
			step->status = "temporary";
			checks_run(plan, i, step->relation);
			column_lineage_step(plan, i, InvalidOid);
		}
		else
		{
			swap_defer(r->result[i], staging, step->result_table, node->name, node->doc,
					   node->display, false, rows);
			step->status = "materialized";
			lineage_record(plan, i, r->result[i]);
			step->relation = (char *) swap_reading(step->relation);
			checks_run(plan, i, step->result_table);
			column_lineage_step(plan, i, r->result[i]);
		}
		/* (cachew) its files, savers and cache notes, as a serial step's */
		parallel_step_built(plan, i, reads, nreads);
		AtEOXact_GUC(true, nestlevel);
		step->ms = exec_now_ms() - r->t0[i];
		if (hamilton_progress)
			exec_report_progress(plan, i, true);
		subxact_commit(&sx);
	}
	PG_CATCH();
	{
		ErrorData  *edata = subxact_rollback(&sx);

		exec_step_failed(plan, i, r->started, edata, r->t0[i]);
	}
	PG_END_TRY();
	r->state[i] = PS_DONE;
	r->visible[i] = true;
	hooks_node(plan, "after_node", i, false);	/* (cachew) */
}

/*
 * parallel_wait waits for a worker to answer (its start and stop set the
 * caller's latch), at most 100 ms, in a subtransaction: a cancel or a
 * timeout here fails the run as a failing step does, naming a running
 * step.  After deadlock_timeout, it looks whether a worker waits for a
 * lock of the caller's, directly or through others: the caller waits for
 * the worker on a latch, which PostgreSQL's deadlock detector cannot see.
 */
void
parallel_wait(ParallelRun *r)
{
	SubxactScope sx;
	int			i;
	int			first = -1;

	for (i = 0; i < r->plan->nsteps; i++)
		if (r->state[i] == PS_RUNNING)
		{
			first = i;
			break;
		}
	subxact_begin(&sx);
	PG_TRY();
	{
		/* (remote) the latch, and the sockets of the placed steps running */
		int			rc = parallel_remote_wait(r, 100) ? WL_LATCH_SET : WL_TIMEOUT;

		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (rc & WL_LATCH_SET)
			r->waiting_since = 0;
		else if (r->waiting_since == 0)
			r->waiting_since = GetCurrentTimestamp();
		else if (TimestampDifferenceExceeds(r->waiting_since, GetCurrentTimestamp(), DeadlockTimeout))
		{
			r->waiting_since = GetCurrentTimestamp();
			for (i = 0; i < r->plan->nsteps; i++)
			{
				int			pid;

				if (r->state[i] != PS_RUNNING || r->worker[i] == NULL ||
					(pid = step_worker_pid(r->worker[i])) == 0 ||
					!blocked_by_me(pid))
					continue;
				first = i;
				ereport(ERROR,
						(errcode(ERRCODE_T_R_DEADLOCK_DETECTED),
						 errmsg("deadlock detected between the run and its background worker"),
						 errdetail("The background worker that runs the step waits for a lock that the calling transaction holds, while the caller waits for the worker."),
						 errhint("Commit or release the lock before the call, or run it with workers => 0.")));
			}
		}
		subxact_commit(&sx);
	}
	PG_CATCH();
	{
		ErrorData  *edata = subxact_rollback(&sx);

		r->waiting_since = 0;
		parallel_stop_workers(r);
		exec_step_failed(r->plan, first >= 0 ? first : 0, r->started, edata,
						 first >= 0 ? r->t0[first] : exec_now_ms());
	}
	PG_END_TRY();
}

/*
 * blocked_by_me: does process pid wait, directly or through the processes
 * that block it, for a lock this backend holds?  (pg_blocking_pids, a
 * breadth-first walk of at most 64 processes.)
 */
static bool
blocked_by_me(int pid)
{
	int			queue[64];
	int			head = 0,
				tail = 0;

	queue[tail++] = pid;
	while (head < tail)
	{
		ArrayType  *arr = DatumGetArrayTypeP(DirectFunctionCall1(pg_blocking_pids,
																 Int32GetDatum(queue[head++])));
		Datum	   *pids;
		int			npids;
		int			k;

		deconstruct_array(arr, INT4OID, 4, true, TYPALIGN_INT, &pids, NULL, &npids);
		for (k = 0; k < npids; k++)
		{
			int			b = DatumGetInt32(pids[k]);
			int			seen;
			bool		known = false;

			if (b == MyProcPid)
				return true;
			for (seen = 0; seen < tail; seen++)
				known |= queue[seen] == b;
			if (!known && tail < lengthof(queue))
				queue[tail++] = b;
		}
	}
	return false;
}

/*
 * parallel_stop_workers stops the run's running workers and waits, at most
 * PARALLEL_STOP_WAIT_MS and holding interrupts (it runs while an error is
 * handled), for them to go; then lets go of them.  A worker that answered
 * first has committed its heap, which the cleanup finds.
 */
void
parallel_stop_workers(ParallelRun *r)
{
	TimestampTz since = GetCurrentTimestamp();
	int			i;

	HOLD_INTERRUPTS();
	for (i = 0; i < r->plan->nsteps; i++)
		if (r->state[i] == PS_RUNNING && r->worker[i])
			step_worker_stop(r->worker[i]);
	for (;;)
	{
		bool		all_gone = true;

		for (i = 0; i < r->plan->nsteps; i++)
			if (r->state[i] == PS_RUNNING && r->worker[i])
			{
				StepWorkerState ws = step_worker_poll(r->worker[i]);

				if (ws == STEP_WORKER_LAUNCHED || ws == STEP_WORKER_RUNNING)
					all_gone = false;
			}
		if (all_gone || TimestampDifferenceExceeds(since, GetCurrentTimestamp(), PARALLEL_STOP_WAIT_MS))
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 10, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	for (i = 0; i < r->plan->nsteps; i++)
		if (r->state[i] == PS_RUNNING && r->worker[i])
		{
			step_worker_release(r->worker[i]);
			r->worker[i] = NULL;
			r->state[i] = PS_WAITING;
		}
	r->running = 0;
	RESUME_INTERRUPTS();
}

/* exec_now_ms is the time in ms, as INSTR_TIME_GET_MILLISEC gives it. */
double
exec_now_ms(void)
{
	instr_time	t;

	INSTR_TIME_SET_CURRENT(t);
	return INSTR_TIME_GET_MILLISEC(t);
}
