/*-------------------------------------------------------------------------
 *
 * step_report.c
 *	  What a step tells as it runs and when it fails: the progress notices
 *	  (hamilton.progress), and the failed step's error, raised again naming
 *	  the node once its subtransaction is rolled back and the failed run
 *	  recorded.  Shared by the statement path (step_loop.c) and scalar
 *	  batches (scalar_batch.c), so a node fails the same way in both.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"

#include "exec.h"

static char *inlined_note(HPlan *plan, int stepno);

/*
 * exec_report_progress tells the client (with hamilton.progress on) that a step
 * starts or has ended.  NOTICEs are flushed to the client at once, so a
 * client sees them live.  The message is for people; the detail is for
 * programs, tab-separated, the node's name last since it may hold anything:
 *	hamilton-progress  run_id  step  total  start|done  kind  status  rows  ms  node
 */
void
exec_report_progress(HPlan *plan, int stepno, bool done)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	char	   *rows = step->has_rows ? psprintf(INT64_FORMAT, step->rows) : "";

	ereport(NOTICE,
			(errmsg("hamilton: step %d/%d %s %s%s%s", stepno + 1, plan->nsteps,
					node->display, done ? (step->status ? step->status : "done") : "started",
					done && step->has_rows ? psprintf(", %s rows", rows) : "",
					done ? psprintf(", %.1f ms", step->ms) : ""),
			 errdetail_internal("hamilton-progress\t" INT64_FORMAT "\t%d\t%d\t%s\t%s\t%s\t%s\t%.3f\t%s",
								plan->run_id, stepno + 1, plan->nsteps,
								done ? "done" : "start", dag_kind_name(node->kind),
								done && step->status ? step->status : "running",
								done ? rows : "", done ? step->ms : 0.0, node->display)));
}

/*
 * exec_step_failed, once a failed step's subtransaction is rolled back:
 * records the failed run and raises the step's error again naming the
 * node, with its SQLSTATE, detail, hint and context.  step_started_ms is
 * when the step started (INSTR_TIME_GET_MILLISEC).
 */
void
exec_step_failed(HPlan *plan, int stepno, TimestampTz started, ErrorData *edata,
				 double step_started_ms)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	instr_time	now;
	char	   *detail;
	char	   *hint;

	/*
	 * Nothing may interrupt the node's error now: a cancel request can reach
	 * a backend twice (the postmaster signals it and its process group), and
	 * the second would otherwise fire in the notice below and replace the
	 * node's error with a bare one.  The error resets the holdoff; a cancel
	 * still pending acts after it.
	 */
	HOLD_INTERRUPTS();
	INSTR_TIME_SET_CURRENT(now);
	step->ms = INSTR_TIME_GET_MILLISEC(now) - step_started_ms;
	step->error = edata->message;
	step->status = "failed";
	runlog_record(plan, started, "failed", stepno, edata->message, true);
	if (hamilton_progress)
		exec_report_progress(plan, stepno, true);
	/* still holding interrupts: nothing may replace the node's error */
	hooks_node(plan, "after_node", stepno, true);
	hooks_run(plan, "after_run", "failed", node->display, started);

	detail = psprintf("%s%s%sRun " INT64_FORMAT " stopped at step %d of %d; nothing it computed was kept and earlier results are unchanged.",
					  edata->detail ? edata->detail : "",
					  edata->detail ? "\n" : "",
					  inlined_note(plan, stepno),
					  plan->run_id, stepno + 1, plan->nsteps);
	hint = edata->hint ? edata->hint :
		psprintf("The failed run is in the history: SELECT * FROM " HAMILTON_SCHEMA ".node_runs WHERE run_id = " INT64_FORMAT ";",
				 plan->run_id);
	ereport(ERROR,
			(errcode(edata->sqlerrcode),
			 errmsg("node %s (module %s) failed: %s", node->display,
					quote_identifier(node->schema), edata->message),
			 errdetail("%s", detail),
			 errhint("%s", hint),
			 edata->context ? errcontext("%s", edata->context) : 0));
}

/*
 * inlined_note names the upstream nodes inlined into a failed step's query:
 * the error may come from any of them.
 */
static char *
inlined_note(HPlan *plan, int stepno)
{
	StringInfoData buf;
	int			i;
	bool	   *inside = palloc0(sizeof(bool) * plan->nsteps);

	initStringInfo(&buf);
	inside[stepno] = true;
	/* inlining points downstream, so walking backwards sees consumers first */
	for (i = stepno - 1; i >= 0; i--)
	{
		PlanStep   *s = &plan->steps[i];

		if (s->action == STEP_INLINE && s->inline_into >= 0 && inside[s->inline_into])
		{
			inside[i] = true;
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "",
							 plan->dag->nodes[s->node].display);
		}
	}
	if (buf.len == 0)
		return "";
	return psprintf("The failing query also computed the inlined node%s %s.\n",
					strchr(buf.data, ',') ? "s" : "", buf.data);
}
