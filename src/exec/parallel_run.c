/*-------------------------------------------------------------------------
 *
 * parallel_run.c
 *	  A run whose independent steps run at once, on background workers
 *	  (hamilton_execute(..., workers => N), or hamilton.max_workers), the
 *	  run still atomic.
 *
 * The caller keeps the ready queue.  A step that writes an existing result
 * of the same shape (materialize_aside_target) and reads nothing only the
 * caller can see goes to a worker (step_worker.c), which builds the rows
 * into a staging heap and commits it; the caller, in READ COMMITTED, sees
 * the heap through a fresh snapshot, runs the step's checks and lineage on
 * it, and at the end swaps every heap in, in its own transaction, as a
 * serial run does (swap.c).  Every other step runs in the caller, through
 * the serial path (exec_run_step_guarded); a step that reads what the
 * caller wrote (a temporary table, a result the caller built) runs there
 * too.  Steps that feed one another keep their order: a step starts when
 * every step it reads is done.  Among the ready steps for workers, the one
 * with the longest path to the outputs goes first, measured with the last
 * run's times where known.  A step the last run did in under
 * PARALLEL_SMALL_MS runs in the caller: a worker's start-up would cost
 * more.  A cached run's reused and skipped steps are done in the caller
 * before any worker starts; node hooks, savers and the files a worker's
 * step read are the caller's too (parallel_steps.c).
 *
 * Each fallback to the caller, for the whole run or for one step, is told
 * with a NOTICE.  A failing worker, a failing check, a cancel, or a worker
 * that waits for a lock the caller holds (a deadlock PostgreSQL cannot see:
 * the caller waits on a latch) stops the run: the other workers are
 * stopped, the failed run recorded with the node's error, and the heaps the
 * workers committed are dropped by a recorder that waits for the caller's
 * transaction to end (parallel_run_failed); what it cannot drop, the next
 * parallel run or hamilton_staging_cleanup() does.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "portability/instr_time.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "exec.h"


static ParallelRun *current_parallel = NULL;

static void parallel_notice(const char *why, int workers);
static const char *strong_lock_held(void);
static void setup_guarded(ParallelRun *r);
static void find_preds(ParallelRun *r);
static void plan_priorities(ParallelRun *r);
static const char *temp_source(PlanStep *step);
static bool preds_done(ParallelRun *r, int i);
static int	next_for_worker(ParallelRun *r);
static int	next_for_caller(ParallelRun *r);
static void dispatch_guarded(ParallelRun *r, int i);
static void step_runs_in_caller(ParallelRun *r, int i, const char *why);
static bool intermediate_room(const char *schema, const char **why);
static bool worker_may_build(HPlan *plan, int i);
static void last_step_times(HPlan *plan);

/*
 * parallel_workers_wanted: how many workers the run may use (workers =>,
 * else hamilton.max_workers), or 0 for a serial run; a NOTICE says why a
 * run that asked for workers runs serially.  Called before the run writes
 * anything, its run id included (nextval may give the transaction an xid).
 */
int
parallel_workers_wanted(HPlan *plan)
{
	int			workers = plan->workers >= 0 ? plan->workers : hamilton_max_workers;
	const char *lock;

	if (workers <= 0)
		return 0;
	if (IsBackgroundWorker || current_parallel != NULL)
		parallel_notice("it runs inside a step of another run", workers);
	else if (XactIsoLevel != XACT_READ_COMMITTED)
		parallel_notice(psprintf("the calling transaction is %s, not READ COMMITTED, and would not see what the workers commit",
								 XactIsoLevel == XACT_SERIALIZABLE ? "SERIALIZABLE" : "REPEATABLE READ"),
						workers);
	else if (TransactionIdIsValid(GetTopTransactionIdIfAny()))
		parallel_notice("the calling transaction has already written, and the workers could not see its writes",
						workers);
	else if ((lock = strong_lock_held()) != NULL)
		parallel_notice(psprintf("the calling transaction holds %s, which the workers may need", lock),
						workers);
	else if (!catalog_keeps_staging())
		parallel_notice("the catalog is older than version 1.2 and has no hamilton.staging (ALTER EXTENSION hamilton UPDATE)",
						workers);
	else if (!hamilton_record_run_start)
		parallel_notice("hamilton.record_run_start is off, and only a run whose start is recorded holds the lock that keeps its workers' heaps from a cleanup",
						workers);
	else if (hamilton_max_cluster_workers == 0)
		parallel_notice("hamilton.max_cluster_workers is 0", workers);
	else
		return workers;
	return 0;
}

/* parallel_notice says that a run that asked for workers runs serially, and why. */
static void
parallel_notice(const char *why, int workers)
{
	ereport(NOTICE,
			(errmsg("the run does its steps in the calling backend, not on %d background workers: %s",
					workers, why),
			 errdetail("Its results are the same; only its steps run one after another."),
			 errhint("Background workers run a dataflow called at the start of a READ COMMITTED transaction that has written and locked nothing yet.")));
}

/*
 * strong_lock_held names a relation lock of the caller's that would block
 * a worker's reads or its staging heap (SHARE or stronger), or NULL.
 */
static const char *
strong_lock_held(void)
{
	LockData   *locks = GetLockStatusData();
	int			i;

	for (i = 0; i < locks->nelements; i++)
	{
		LockInstanceData *l = &locks->locks[i];
		LOCKMODE	mode;

		if (l->pid != MyProcPid || l->locktag.locktag_type != LOCKTAG_RELATION ||
			l->locktag.locktag_field1 != MyDatabaseId)
			continue;
		for (mode = AccessExclusiveLock; mode >= ShareLock; mode--)
			if (l->holdMask & LOCKBIT_ON(mode))
			{
				char	   *name = get_rel_name(l->locktag.locktag_field2);

				return psprintf("%s on %s", GetLockmodeName(DEFAULT_LOCKMETHOD, mode),
								name ? quote_identifier(name) : psprintf("relation %u", l->locktag.locktag_field2));
			}
	}
	return NULL;
}

/*
 * parallel_run_steps runs every step of the plan, on at most workers
 * background workers at a time and in the caller; the caller then swaps
 * the results in (finish_guarded).  The run's results are locked.  False
 * when no step is worth a worker (each is of a kind a worker does not
 * build, or took less than hamilton.worker_min_ms the last time): then
 * nothing ran, and the serial loop runs them all.
 */
bool
parallel_run_steps(HPlan *plan, int workers, TimestampTz started)
{
	ParallelRun *r = palloc0(sizeof(ParallelRun));
	int			n = plan->nsteps;
	int			i;
	bool		any_for_worker = false;
	ListCell   *lc;

	r->plan = plan;
	r->cxt = CurrentMemoryContext;
	r->nworkers = workers;
	r->started = started;
	r->state = palloc0(sizeof(ParallelStepState) * Max(n, 1));
	r->caller = palloc0(sizeof(bool) * Max(n, 1));
	r->visible = palloc0(sizeof(bool) * Max(n, 1));
	r->worker = palloc0(sizeof(StepWorker *) * Max(n, 1));
	r->result = palloc0(sizeof(Oid) * Max(n, 1));
	r->t0 = palloc0(sizeof(double) * Max(n, 1));
	current_parallel = r;
	setup_guarded(r);
	for (i = 0; i < n; i++)
	{
		PlanStep   *step = &plan->steps[i];

		r->caller[i] = !worker_may_build(plan, i);
		if (!r->caller[i] && step->ms > 0 && step->ms < hamilton_worker_min_ms)
			r->caller[i] = true;
		/* (cachew) what the cache reuses or skips is done in the caller */
		any_for_worker |= !r->caller[i] && !exec_cache_skips(plan, i);
	}
	/* (remote) placed steps are sent to their servers, at once */
	any_for_worker |= parallel_remote_setup(r);
	/* no step is worth a worker: the serial loop runs them, with its batches */
	if (!any_for_worker)
	{
		current_parallel = NULL;
		return false;
	}
	parallel_cached_begin(r);

	for (;;)
	{
		bool		progressed = parallel_collect(r);
		int			next;
		bool		all_done = true;

		/* (remote) placed steps taken in, and the ready ones sent */
		progressed |= parallel_remote_collect(r);
		progressed |= parallel_remote_dispatch(r);

		while (r->running < r->nworkers && (next = next_for_worker(r)) >= 0)
		{
			dispatch_guarded(r, next);
			progressed = true;
			if (r->state[next] == PS_WAITING && !r->caller[next])
				break;			/* no slot now: wait for one */
		}
		if ((next = next_for_caller(r)) >= 0)
		{
			TimestampTz step_start = GetCurrentTimestamp();

			exec_run_step_guarded(plan, next, started);
			plan->steps[next].started_at = step_start;
			plan->steps[next].ended_at = GetCurrentTimestamp();
			r->state[next] = PS_DONE;
			/* what the caller wrote, only the caller sees */
			r->visible[next] = plan->steps[next].action == STEP_INPUT ||
				plan->steps[next].action == STEP_VALUE ||
				(plan->steps[next].action == STEP_OVERRIDE && temp_source(&plan->steps[next]) == NULL) ||
				plan->steps[next].action == STEP_INLINE;
			if (plan->steps[next].action == STEP_INLINE)
			{
				int			p;

				for (p = 0; p < r->npreds[next]; p++)
					r->visible[next] &= r->visible[r->preds[next][p]];
			}
			progressed = true;
		}
		for (i = 0; i < n; i++)
			all_done &= r->state[i] == PS_DONE;
		if (all_done)
			break;
		if (!progressed)
			parallel_wait(r);
	}
	/* the intermediates' tables go now, the heaps with the swap */
	foreach(lc, r->intermediates)
		result_statement(psprintf("DROP TABLE %s", (char *) lfirst(lc)), SPI_OK_UTILITY);
	/* both come back if the transaction aborts (open_runs_parallel) */
	catalog_forget_staging(plan->run_id);
	open_runs_parallel(plan->run_id);
	return true;
}

/*
 * parallel_run_failed, when a parallel run fails (a step, a check, the
 * swap, a cancel): its workers are stopped and waited for, and a recorder
 * is handed the heaps they committed, to drop once the run's transaction
 * has ended.  It must not raise an error.
 */
void
parallel_run_failed(void)
{
	ParallelRun *r = current_parallel;

	if (r == NULL)
		return;
	parallel_stop_workers(r);
	parallel_remote_stop(r);	/* (remote) */
	(void) recorder_launch(RECORD_CLEANUP, list_make1(psprintf(INT64_FORMAT, r->plan->run_id)),
						   catalog_owner(), psprintf("the cleanup of run " INT64_FORMAT, r->plan->run_id),
						   true);
	current_parallel = NULL;
}

/* parallel_run_end forgets the run once it has ended. */
void
parallel_run_end(void)
{
	current_parallel = NULL;
}

/*
 * setup_guarded drops the heaps left by runs that are gone (a crash, an
 * abort), and reads what the scheduling needs, in a subtransaction: an
 * error there fails the run before any step ran, recorded as such.
 */
static void
setup_guarded(ParallelRun *r)
{
	SubxactScope sx;

	subxact_begin(&sx);
	PG_TRY();
	{
		(void) catalog_drop_staging(0, false, 0);
		find_preds(r);
		plan_priorities(r);
		subxact_commit(&sx);
	}
	PG_CATCH();
	{
		ErrorData  *edata = subxact_rollback(&sx);

		runlog_record(r->plan, r->started, "failed", -1, edata->message, true);
		ReThrowError(edata);
	}
	PG_END_TRY();
}

/*
 * find_preds lists, for each step, the steps whose results it reads: its
 * node's dependencies in the plan.
 */
static void
find_preds(ParallelRun *r)
{
	HPlan	   *plan = r->plan;
	int			i;

	r->npreds = palloc0(sizeof(int) * Max(plan->nsteps, 1));
	r->preds = palloc0(sizeof(int *) * Max(plan->nsteps, 1));
	for (i = 0; i < plan->nsteps; i++)
	{
		HNode	   *node = &plan->dag->nodes[plan->steps[i].node];
		int			d;

		r->preds[i] = palloc0(sizeof(int) * Max(node->ndeps, 1));
		for (d = 0; d < node->ndeps; d++)
		{
			int			j = plan->step_of_node[node->deps[d].target];

			if (j >= 0 && j != i)
				r->preds[i][r->npreds[i]++] = j;
		}
	}
}

/*
 * plan_priorities gives each step the length of its longest path to the
 * outputs: its own time (the last run's, read into step->ms, else 1 ms for
 * a worker's step and nothing for the others) plus its slowest consumer's.
 * The plan is in topological order, so walking it backwards sees every
 * consumer before its producers.
 */
static void
plan_priorities(ParallelRun *r)
{
	HPlan	   *plan = r->plan;
	double	   *below = palloc0(sizeof(double) * Max(plan->nsteps, 1));
	int			i;

	r->priority = palloc0(sizeof(double) * Max(plan->nsteps, 1));
	last_step_times(plan);
	for (i = plan->nsteps - 1; i >= 0; i--)
	{
		PlanStep   *step = &plan->steps[i];
		double		own = step->ms > 0 ? step->ms : (step->action == STEP_PERSIST ? 1.0 : 0.0);
		int			p;

		r->priority[i] = own + below[i];
		for (p = 0; p < r->npreds[i]; p++)
			below[r->preds[i][p]] = Max(below[r->preds[i][p]], r->priority[i]);
	}
	pfree(below);
}

/*
 * temp_source names a temporary relation the step reads (a source of its
 * query, or its override), or NULL.
 */
static const char *
temp_source(PlanStep *step)
{
	List	   *names = list_copy(step->sources);
	ListCell   *lc;

	if (step->action == STEP_OVERRIDE && step->relation)
		names = lappend(names, makeString(step->relation));
	foreach(lc, names)
	{
		const char *name = strVal(lfirst(lc));
		Oid			relid;

		if (strncmp(name, "pg_temp.", 8) == 0)
			return name;
		relid = RangeVarGetRelid(makeRangeVarFromNameList(stringToQualifiedNameList(name)),
								 NoLock, true);
		if (OidIsValid(relid) && get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
			return name;
	}
	return NULL;
}

/* preds_done: has every step that step i reads finished? */
static bool
preds_done(ParallelRun *r, int i)
{
	int			p;

	for (p = 0; p < r->npreds[i]; p++)
		if (r->state[r->preds[i][p]] != PS_DONE)
			return false;
	return true;
}

/*
 * next_for_worker: the ready worker step with the longest path, or -1.  A
 * ready step that reads what the caller computed goes to the caller.
 */
static int
next_for_worker(ParallelRun *r)
{
	int			best = -1;
	int			i;

	for (i = 0; i < r->plan->nsteps; i++)
	{
		int			p;

		if (r->state[i] != PS_WAITING || r->caller[i] || r->remote[i] || !preds_done(r, i))
			continue;
		/* one that reads what the caller wrote goes to the caller (in plan order) */
		for (p = 0; p < r->npreds[i] && !r->caller[i]; p++)
			if (!r->visible[r->preds[i][p]])
				step_runs_in_caller(r, i, psprintf("it reads node %s, which the calling backend computed",
												   r->plan->dag->nodes[r->plan->steps[r->preds[i][p]].node].display));
		if (!r->caller[i] && (best < 0 || r->priority[i] > r->priority[best]))
			best = i;
	}
	return best;
}

/*
 * next_for_caller: the first ready step of the caller's, or -1.  A frame's
 * steps also wait for every earlier step: its group's query runs at one of
 * them and reads the others.
 */
static int
next_for_caller(ParallelRun *r)
{
	int			i;
	bool		earlier_done = true;

	for (i = 0; i < r->plan->nsteps; i++)
	{
		PlanStep   *step = &r->plan->steps[i];

		if (r->state[i] == PS_WAITING && r->caller[i] && preds_done(r, i) &&
			(earlier_done || (step->action != STEP_COLUMN && step->action != STEP_FRAME)))
			return i;
		earlier_done &= r->state[i] == PS_DONE;
	}
	return -1;
}

/*
 * worker_may_build: is step i of a kind a worker builds as exec_run_step
 * would: a result of its module (built aside; materialize_aside_target
 * says at its dispatch whether it is), or an intermediate kept in a
 * temporary table?  A step of such a kind that exec_run_step writes
 * another way (a node refreshed concurrently, an incremental node, and any
 * later hook into exec_run_step) must be sent to the
 * caller at its dispatch, with step_runs_in_caller saying why, as
 * materialize_aside_target's refusals are: the hook then acts there.
 */
static bool
worker_may_build(HPlan *plan, int i)
{
	PlanStep   *step = &plan->steps[i];

	if (plan->dag->nodes[step->node].schema == NULL)
		return false;
	return (step->action == STEP_PERSIST && step->result_table) || step->action == STEP_TEMP;
}

/*
 * intermediate_room: may a worker keep an intermediate in a table of its
 * module (CREATE on the schema: a temporary table needs none)?
 */
static bool
intermediate_room(const char *schema, const char **why)
{
	if (pg_namespace_aclcheck(get_namespace_oid(schema, false), GetUserId(), ACL_CREATE) == ACLCHECK_OK)
		return true;
	*why = psprintf("it is an intermediate, which a background worker keeps in a table of schema %s, where you may not create tables",
					quote_identifier(schema));
	return false;
}

/* step_runs_in_caller sends step i to the caller, and tells why. */
static void
step_runs_in_caller(ParallelRun *r, int i, const char *why)
{
	HNode	   *node = &r->plan->dag->nodes[r->plan->steps[i].node];

	r->caller[i] = true;
	ereport(NOTICE,
			(errmsg("node %s runs in the calling backend, not on a background worker: %s",
					node->display, why),
			 errdetail("Its result is the same; the run's other steps still run on workers.")));
}

/*
 * dispatch_guarded hands ready step i to a worker, in a subtransaction: the
 * checks of its result table (materialize_aside_target) may fail, and
 * fail the run as the step would.  A step that must be written by the
 * caller, or that reads what the caller wrote, goes to the caller; one for
 * which no worker slot is free stays ready, or goes to the caller when no
 * worker of the run runs (a NOTICE says so, once).
 */
static void
dispatch_guarded(ParallelRun *r, int i)
{
	HPlan	   *plan = r->plan;
	PlanStep   *step = &plan->steps[i];
	HNode	   *node = &plan->dag->nodes[step->node];
	SubxactScope sx;
	double		t0 = exec_now_ms();

	/*
	 * An incremental node writes its new ranges into its result in place
	 * (exec/incremental.c): a worker would rebuild it whole.
	 */
	if (node->incremental)
	{
		step_runs_in_caller(r, i, "it is incremental, and writes its new ranges into its result in place");
		return;
	}

	subxact_begin(&sx);
	PG_TRY();
	{
		const char *why = NULL;
		/* rendering it also finds the sources it reads (plan_step_provenance) */
		char	   *sql = plan_render_step(plan, i, false);
		const char *temp = temp_source(step);
		Oid			result = InvalidOid;
		bool		go = false;

		if (temp)
			why = psprintf("it reads temporary table %s, which a background worker cannot see", temp);
		else if (step->action == STEP_TEMP)
			go = intermediate_room(node->schema, &why);
		else
		{
			/*
			 * (review) the query's shape is read as its worker and the
			 * serial path run it: with its module's search_path, not the
			 * session's, which may name another function of other columns
			 */
			int			nestlevel = NewGUCNestLevel();

			pin_module_search_path(node->schema, dag_public_on_path(plan->dag));
			pin_sql_reading_settings();
			go = OidIsValid(result = materialize_aside_target(node->schema, node->name, sql, node->display,
															  NODE_REFRESH_KEY(node), &why));
			AtEOXact_GUC(true, nestlevel);
		}
		if (!go)
			step_runs_in_caller(r, i, why);
		else
		{
			StepWorker *w = step_worker_launch(plan->run_id, i, result, sql,
											   step->result_table ? step->result_table : node->display,
											   node->schema, node->name,
											   dag_public_on_path(plan->dag), &why);

			if (w)
			{
				r->worker[i] = w;
				r->result[i] = result;
				r->t0[i] = t0;
				r->state[i] = PS_RUNNING;
				r->running++;
				if (hamilton_progress)
					exec_report_progress(plan, i, false);
			}
			else if (r->running == 0)
			{
				if (!r->told_no_slot)
					step_runs_in_caller(r, i, psprintf("%s; the run's steps wait for no worker and run in the caller until one is free", why));
				r->caller[i] = true;
				r->told_no_slot = true;
			}
		}
		subxact_commit(&sx);
	}
	PG_CATCH();
	{
		ErrorData  *edata = subxact_rollback(&sx);

		exec_step_failed(plan, i, r->started, edata, t0);
	}
	PG_END_TRY();
	/* (cachew) node hooks fire in the caller, as it hands the step over */
	if (r->state[i] == PS_RUNNING)
		hooks_node(plan, "before_node", i, false);
}

/*
 * last_step_times puts into each step's ms the time it took the last run
 * that did it (catalog_last_step_ms), or 0.
 */
static void
last_step_times(HPlan *plan)
{
	const char **modules = palloc0(sizeof(char *) * Max(plan->nsteps, 1));
	const char **nodes = palloc0(sizeof(char *) * Max(plan->nsteps, 1));
	double	   *ms = palloc0(sizeof(double) * Max(plan->nsteps, 1));
	int			i;

	for (i = 0; i < plan->nsteps; i++)
	{
		modules[i] = plan->dag->nodes[plan->steps[i].node].schema;
		nodes[i] = plan->dag->nodes[plan->steps[i].node].display;
	}
	catalog_last_step_ms(plan->nsteps, modules, nodes, ms);
	for (i = 0; i < plan->nsteps; i++)
		plan->steps[i].ms = ms[i];
}
