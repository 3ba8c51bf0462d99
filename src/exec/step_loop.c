/*-------------------------------------------------------------------------
 *
 * step_loop.c
 *	  Running a plan: its results locked, then each step in order, each in a
 *	  subtransaction of the caller's transaction, then the run recorded.
 *
 * The run is in the history from its start (runlog/history.c).  When a
 * step raises, its subtransaction is rolled back, the failed run is
 * recorded autonomously (runlog/recorder.c), and the error is raised again
 * with the node's name and the original SQLSTATE; the caller's transaction
 * then aborts and takes every partial result of the run with it, so
 * earlier results stay as they were.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "exec.h"

static void lock_results_guarded(HPlan *plan, List *results, TimestampTz started);
static void finish_guarded(HPlan *plan, TimestampTz started);

/*
 * plan_execute runs a validated, planned request.  SPI must be connected.
 */
void
plan_execute(HPlan *plan)
{
	TimestampTz started = GetCurrentTimestamp();
	List	   *results = NIL;
	void	   *outer_swaps;
	int		   *nodes;
	int			i;

	/* before anything is written (parallel_run.c) */
	int			workers = parallel_workers_wanted(plan);

	plan->run_id = catalog_next_run_id();
	/* (servers) what an earlier transaction committed on other servers */
	remote_mark_resolved();

	/*
	 * Fingerprint every node now: the failure path records them and must
	 * not run anything that could raise an error of its own.
	 */
	nodes = palloc(sizeof(int) * Max(plan->nsteps, 1));
	for (i = 0; i < plan->nsteps; i++)
		nodes[i] = plan->steps[i].node;
	dag_fingerprint_nodes(plan->dag, nodes, plan->nsteps);
	pfree(nodes);

	/* From here on the run is in the history, whatever becomes of it. */
	runlog_begin(plan, started);

	/* Every result this run writes, locked before any work. */
	for (i = 0; i < plan->nsteps; i++)
		if (plan->steps[i].result_table)
			results = lappend(results, &plan->dag->nodes[plan->steps[i].node]);
	for (i = 0; i < plan->ngroups; i++)
		if (plan->groups[i].into_name)
		{
			HNode	   *into = palloc0(sizeof(HNode));

			into->schema = plan->groups[i].into_schema;
			into->name = plan->groups[i].into_name;
			results = lappend(results, into);
		}
	lock_results_guarded(plan, results, started);
	/* (cache) which results are reused, and the steps that only fed them */
	exec_cache_begin_guarded(plan, started);
	hooks_begin_run(plan);

	/* an enclosing run's results built aside are put back, whatever happens */
	outer_swaps = swap_begin_run();
	PG_TRY();
	{
		bool		in_parallel;

		/* hooks and savers act at each step: scalars then run one by one */
		bool		one_by_one = hooks_for_nodes(plan) || files_run_saves(plan);

		hooks_run(plan, "before_run", "running", NULL, started);
		in_parallel = workers > 0 && parallel_run_steps(plan, workers, started);

		/* scalar steps whose inputs are computed run in batches (scalar_batch.c) */
		for (i = in_parallel ? plan->nsteps : 0; i < plan->nsteps;)
		{
			int			batch;

			if (exec_cache_skips(plan, i))
			{
				/* a cached step is a step of the run: its hooks see it */
				hooks_node(plan, "before_node", i, false);
				hooks_node(plan, "after_node", i, false);
				i++;
				continue;
			}
			batch = one_by_one ? 0 : scalar_batch_length(plan, i);
			if (batch > 0)
			{
				scalar_batch_run(plan, i, batch, started);
				i += batch;
			}
			else
				exec_run_step_guarded(plan, i++, started);
		}
		finish_guarded(plan, started);
		hooks_run(plan, "after_run", "succeeded", NULL, started);
	}
	PG_CATCH();
	{
		swap_end_run(outer_swaps);
		/* its workers stopped, and what they committed handed to a cleanup */
		if (workers > 0)
			parallel_run_failed();
		PG_RE_THROW();
	}
	PG_END_TRY();
	swap_end_run(outer_swaps);
	if (workers > 0)
		parallel_run_end();
}

/*
 * lock_results_guarded takes the locks of the results the run writes, in a
 * subtransaction: a run that another run holds up can be cancelled, or
 * time out (statement_timeout, lock_timeout), and is then recorded as
 * failed, before anything ran, and its error raised again.
 */
static void
lock_results_guarded(HPlan *plan, List *results, TimestampTz started)
{
	SubxactScope sx;

	subxact_begin(&sx);
	PG_TRY();
	{
		lock_result_names(results);
		subxact_commit(&sx);
	}
	PG_CATCH();
	{
		ErrorData  *edata = subxact_rollback(&sx);

		runlog_record(plan, started, "failed", -1, edata->message, true);
		ereport(ERROR,
				(errcode(edata->sqlerrcode),
				 errmsg("%s", edata->message),
				 errdetail("Run " INT64_FORMAT " was waiting for the locks of its results, which another run holds; nothing ran.",
						   plan->run_id),
				 errhint("The run is in the history: SELECT * FROM " HAMILTON_SCHEMA ".runs WHERE run_id = " INT64_FORMAT ";",
						 plan->run_id)));
	}
	PG_END_TRY();
}

/*
 * finish_guarded ends a run whose steps all ran: its temporary tables
 * dropped, the results it built aside swapped in (swap.c), its outcome
 * written, in a subtransaction, so that an error there (a cancel, a lock
 * timeout while the swap waits) is recorded as the run's failure, every
 * step rolled back.
 */
static void
finish_guarded(HPlan *plan, TimestampTz started)
{
	SubxactScope sx;

	subxact_begin(&sx);
	PG_TRY();
	{
		int			i;

		for (i = 0; i < plan->nsteps; i++)
			/* a parallel run's worker kept some intermediates: no temp_name */
			if ((plan->steps[i].action == STEP_TEMP || plan->steps[i].action == STEP_COLUMN) &&
				plan->steps[i].temp_name && !exec_cache_skips(plan, i))
				materialize_drop_temp(plan->steps[i].temp_name);
		swap_finish_run();
		exec_cache_finish(plan);	/* (cache) */
		remote_finish_run(plan);	/* (servers) the remote swaps prepared */
		runlog_record(plan, started, "succeeded", -1, NULL, false);
		subxact_commit(&sx);
	}
	PG_CATCH();
	{
		ErrorData  *edata = subxact_rollback(&sx);

		runlog_record(plan, started, "failed", plan->nsteps, edata->message, true);
		hooks_run(plan, "after_run", "failed", NULL, started);
		/* the error's own detail first (a duplicated key), and its context */
		ereport(ERROR,
				(errcode(edata->sqlerrcode),
				 errmsg("%s", edata->message),
				 errdetail("%s%sRun " INT64_FORMAT " had run its %d steps and was swapping in its results; nothing it computed was kept and earlier results are unchanged.",
						   edata->detail ? edata->detail : "", edata->detail ? "\n" : "",
						   plan->run_id, plan->nsteps),
				 errhint("The failed run is in the history: SELECT * FROM " HAMILTON_SCHEMA ".runs WHERE run_id = " INT64_FORMAT ";",
						 plan->run_id),
				 edata->context ? errcontext("%s", edata->context) : 0));
	}
	PG_END_TRY();
}
