/*-------------------------------------------------------------------------
 *
 * parallel_remote.c
 *	  (remote) The placed steps of a parallel run (several servers, issue
 *	  14), scheduled with its local steps and background workers
 *	  (parallel_run.c): a ready placed step is sent to its servers at once
 *	  (remote_send.c), without a worker, when no other step of the run
 *	  builds on those servers (a connection runs one build at a time); the
 *	  caller waits on its latch and every running build's socket together
 *	  (parallel_wait), and takes each build in when its servers have
 *	  answered, in a subtransaction as a worker's step: the coordinator's
 *	  foreign tables, the step's checks, its files and cache notes.  Its
 *	  result is the caller's (a foreign table made in the run's
 *	  transaction), so the coordinator's steps that read it run in the
 *	  caller.  A failure cancels the builds still running elsewhere
 *	  (parallel_remote_stop), and the run's end rolls every server back.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "portability/instr_time.h"
#include "storage/latch.h"
#include "utils/guc.h"
#include "utils/wait_event.h"

#include "exec.h"

static double now_ms(void);
static bool servers_free(ParallelRun *r, HNode *node);
static bool ready(ParallelRun *r, int i);
static void dispatch_remote_guarded(ParallelRun *r, int i);
static void complete_remote_guarded(ParallelRun *r, int i);

/*
 * parallel_remote_setup marks the run's placed steps (those the cache does
 * not reuse) as sent to their servers, not to a worker nor the caller;
 * returns whether there are any.
 */
bool
parallel_remote_setup(ParallelRun *r)
{
	HPlan	   *plan = r->plan;
	int			n = Max(plan->nsteps, 1);
	bool		any = false;
	int			i;

	r->remote = palloc0(sizeof(bool) * n);
	r->rstep = palloc0(sizeof(RemoteStep *) * n);
	for (i = 0; i < plan->nsteps; i++)
	{
		PlanStep   *step = &plan->steps[i];

		if (step->action != STEP_PERSIST || plan->dag->nodes[step->node].placement == NULL ||
			exec_cache_skips(plan, i))
			continue;
		r->remote[i] = true;
		r->caller[i] = false;
		any = true;
	}
	return any;
}

/*
 * now_ms is the time in ms, as exec_now_ms gives it (parallel_collect.c,
 * which waits through this file).
 */
static double
now_ms(void)
{
	instr_time	t;

	INSTR_TIME_SET_CURRENT(t);
	return INSTR_TIME_GET_MILLISEC(t);
}

/* ready: is placed step i waiting with every step it reads done? */
static bool
ready(ParallelRun *r, int i)
{
	int			p;

	if (!r->remote[i] || r->state[i] != PS_WAITING)
		return false;
	for (p = 0; p < r->npreds[i]; p++)
		if (r->state[r->preds[i][p]] != PS_DONE)
			return false;
	return true;
}

/* servers_free: does no running placed step build on one of node's servers? */
static bool
servers_free(ParallelRun *r, HNode *node)
{
	int			i;
	ListCell   *lc;

	for (i = 0; i < r->plan->nsteps; i++)
	{
		if (!r->remote[i] || r->state[i] != PS_RUNNING)
			continue;
		foreach(lc, node->servers)
			if (remote_step_uses(r->rstep[i], lfirst(lc)))
				return false;
	}
	return true;
}

/*
 * parallel_remote_dispatch sends every ready placed step whose servers are
 * free, the longest path first; returns whether it sent any.
 */
bool
parallel_remote_dispatch(ParallelRun *r)
{
	bool		any = false;

	for (;;)
	{
		int			best = -1;
		int			i;

		for (i = 0; i < r->plan->nsteps; i++)
			if (ready(r, i) && servers_free(r, &r->plan->dag->nodes[r->plan->steps[i].node]) &&
				(best < 0 || r->priority[i] > r->priority[best]))
				best = i;
		if (best < 0)
			return any;
		dispatch_remote_guarded(r, best);
		any = true;
	}
}

/*
 * dispatch_remote_guarded sends placed step i, in a subtransaction: a
 * refusal (an input not on its servers, a server that cannot be reached)
 * fails the run as the step would.
 */
static void
dispatch_remote_guarded(ParallelRun *r, int i)
{
	HPlan	   *plan = r->plan;
	SubxactScope sx;
	double		t0 = now_ms();

	hooks_node(plan, "before_node", i, false);
	subxact_begin(&sx);
	PG_TRY();
	{
		char	   *sql = plan_render_step(plan, i, false);

		if (hamilton_progress)
			exec_report_progress(plan, i, false);
		r->rstep[i] = remote_step_begin(plan, i, sql);
		r->t0[i] = t0;
		r->state[i] = PS_RUNNING;
		subxact_commit(&sx);
	}
	PG_CATCH();
	{
		ErrorData  *edata = subxact_rollback(&sx);

		exec_step_failed(plan, i, r->started, edata, t0);
	}
	PG_END_TRY();
}

/*
 * parallel_remote_collect takes in each placed step whose servers have
 * all answered; returns whether any had.
 */
bool
parallel_remote_collect(ParallelRun *r)
{
	bool		any = false;
	int			i;

	for (i = 0; i < r->plan->nsteps; i++)
		if (r->remote[i] && r->state[i] == PS_RUNNING)
		{
			complete_remote_guarded(r, i);
			any |= r->state[i] == PS_DONE;
		}
	return any;
}

/*
 * complete_remote_guarded reads what placed step i's servers sent and, once
 * they all answered, takes the step in, in a subtransaction as the serial
 * path does (exec_run_step), with its module's search_path: the
 * coordinator's foreign tables, its checks, its files and cache notes.  A
 * failure there, or on a server, fails the run, naming the node.
 */
static void
complete_remote_guarded(ParallelRun *r, int i)
{
	HPlan	   *plan = r->plan;
	PlanStep   *step = &plan->steps[i];
	HNode	   *node = &plan->dag->nodes[step->node];
	SubxactScope sx;
	bool		done = false;

	subxact_begin(&sx);
	PG_TRY();
	{
		if (remote_step_poll(r->rstep[i]))
		{
			int			nestlevel = NewGUCNestLevel();

			pin_module_search_path(node->schema, dag_public_on_path(plan->dag));
			pin_sql_reading_settings();
			remote_step_complete(r->rstep[i]);
			checks_run(plan, i, step->relation);
			parallel_step_built(plan, i, NULL, 0);
			AtEOXact_GUC(true, nestlevel);
			step->ms = now_ms() - r->t0[i];
			if (hamilton_progress)
				exec_report_progress(plan, i, true);
			done = true;
		}
		subxact_commit(&sx);
	}
	PG_CATCH();
	{
		ErrorData  *edata = subxact_rollback(&sx);

		parallel_remote_stop(r);
		exec_step_failed(plan, i, r->started, edata, r->t0[i]);
	}
	PG_END_TRY();
	if (!done)
		return;
	r->state[i] = PS_DONE;
	r->visible[i] = false;		/* its foreign table is the caller's, until the commit */
	r->rstep[i] = NULL;
	hooks_node(plan, "after_node", i, false);
}

/*
 * parallel_remote_wait waits, at most timeout_ms, for the latch or a
 * running placed step's socket; true when either woke it.
 */
bool
parallel_remote_wait(ParallelRun *r, long timeout_ms)
{
	List	   *running = NIL;
	int			i;

	for (i = 0; r->remote && i < r->plan->nsteps; i++)
		if (r->remote[i] && r->state[i] == PS_RUNNING)
			running = lappend(running, r->rstep[i]);
	if (running == NIL)
		return (WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						  timeout_ms, PG_WAIT_EXTENSION) & WL_LATCH_SET) != 0;
	return remote_step_wait(running, timeout_ms);
}

/*
 * parallel_remote_stop cancels the builds still running on other servers
 * (the run failed); the transaction's end rolls them back.  It does not
 * raise.
 */
void
parallel_remote_stop(ParallelRun *r)
{
	int			i;

	for (i = 0; r->remote && i < r->plan->nsteps; i++)
		if (r->remote[i] && r->state[i] == PS_RUNNING && r->rstep[i])
			remote_step_cancel(r->rstep[i]);
}
