/*-------------------------------------------------------------------------
 *
 * step_guarded.c
 *	  One step in a subtransaction of its own, as the serial step loop
 *	  (step_loop.c) and a parallel run's caller (parallel_run.c) run it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "portability/instr_time.h"

#include "exec.h"

/*
 * exec_run_step_guarded runs one step in a subtransaction, with the notices
 * that report it (which check for interrupts too: a cancel can land in
 * them).  On error: roll the step back, record the failed run, and raise
 * the error again naming the node.
 */
void
exec_run_step_guarded(HPlan *plan, int stepno, TimestampTz started)
{
	SubxactScope sx;
	PlanStep   *step = &plan->steps[stepno];
	instr_time	t0,
				t1;

	hooks_node(plan, "before_node", stepno, false);
	INSTR_TIME_SET_CURRENT(t0);
	subxact_begin(&sx);
	PG_TRY();
	{
		CHECK_FOR_INTERRUPTS();
		if (hamilton_progress)
			exec_report_progress(plan, stepno, false);
		exec_run_step(plan, stepno);
		exec_cache_step_ran(plan, stepno);	/* (cache) */
		INSTR_TIME_SET_CURRENT(t1);
		INSTR_TIME_SUBTRACT(t1, t0);
		step->ms = INSTR_TIME_GET_MILLISEC(t1);
		if (hamilton_progress)
			exec_report_progress(plan, stepno, true);
		subxact_commit(&sx);
	}
	PG_CATCH();
	{
		ErrorData  *edata = subxact_rollback(&sx);

		/* (review2) a frame group's error names the target that raised it */
		exec_step_failed(plan, frame_run_failed_step(plan, stepno), started, edata,
						 INSTR_TIME_GET_MILLISEC(t0));
	}
	PG_END_TRY();
	hooks_node(plan, "after_node", stepno, false);
}
