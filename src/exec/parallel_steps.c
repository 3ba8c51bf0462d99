/*-------------------------------------------------------------------------
 *
 * parallel_steps.c
 *	  What a parallel run's caller does around its workers' steps that the
 *	  serial path does in exec_run_step_guarded (cachew): cached steps,
 *	  and, for each step a worker built, the files it read, its savers and
 *	  what the cache keeps of it.
 *
 * A cached run (cache => true) decides every step before any runs
 * (cache_skip.c), in the caller: the steps it reuses or skips are done at
 * once, reported as cached with the run they come from, and never handed
 * to a worker; what they feed is ready at once, and reads their result
 * tables, which the workers see as they are committed.  A step a worker
 * built is taken in by the caller (parallel_collect.c) as a serial step
 * ends: the files the worker read are recorded, the node's savers write
 * their files from the staging heap the caller sees (put in place only
 * when the run's transaction commits, saved_files.c), and the cache notes
 * what the step's query read and called, for its entry.  Node hooks fire
 * in the caller: before_node when a step is handed to its worker (or
 * found cached), after_node when the caller has taken it in, with the
 * worker's rows and time.
 *
 * The cache's snapshot is the caller's, taken before any worker started;
 * a worker reads the source rows committed when its step starts.  A write
 * that commits in between is newer than the snapshot the entry records,
 * so the next run recomputes: an extra recompute, never a missed one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "exec.h"

/*
 * parallel_cached_begin makes every step the cache reuses or skips done
 * before the run hands any to a worker: its result (a reused table) is
 * one the workers can read, and its hooks fire now, in plan order.
 */
void
parallel_cached_begin(ParallelRun *r)
{
	HPlan	   *plan = r->plan;
	int			i;

	for (i = 0; i < plan->nsteps; i++)
	{
		if (!exec_cache_skips(plan, i))
			continue;
		r->caller[i] = true;
		r->state[i] = PS_DONE;
		r->visible[i] = true;
		/* a cached step is a step of the run: its hooks see it */
		hooks_node(plan, "before_node", i, false);
		hooks_node(plan, "after_node", i, false);
	}
}

/*
 * parallel_step_built does, for step i that a worker built and the caller
 * took in (in its subtransaction, with its module's search_path), what
 * exec_run_step and exec_run_step_guarded do at a serial step's end: the
 * files the worker read (reads, len: packed by files_pack_reads) recorded,
 * the node's savers run, and what the step read and called noted for the
 * cache.  A saver that fails fails the step.
 */
void
parallel_step_built(HPlan *plan, int i, const char *reads, Size len)
{
	files_take_reads(reads, len);
	files_end_step(plan, i);
	exec_cache_step_ran(plan, i);
}
