/*-------------------------------------------------------------------------
 *
 * provenance.c
 *	  Where a step's result comes from: the inputs it depends on, the
 *	  nearest persisted (or overridden) upstream results, and the source
 *	  relations read on the way through unpersisted steps.  runlog/ records
 *	  it as the result's lineage.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "nodes/value.h"

#include "plan.h"

/*
 * plan_step_provenance gathers what a step's result comes from: the inputs it
 * depends on, the nearest persisted (or overridden) upstream results, and
 * the source relations read on the way through unpersisted steps.
 */
void
plan_step_provenance(HPlan *plan, int stepno)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	int			d,
				r;

	if (step->action == STEP_INPUT || step->action == STEP_OVERRIDE)
		return;
	for (r = 0; r < node->nrefs; r++)
		if (node->refs[r].target < 0 && node->refs[r].source)
			step->sources = list_append_unique(step->sources,
											   makeString(node->refs[r].source));
	for (d = 0; d < node->ndeps; d++)
	{
		int			t = plan->step_of_node[node->deps[d].target];
		PlanStep   *ts = &plan->steps[t];

		if (ts->action == STEP_INPUT)
		{
			step->input_steps = bms_add_member(step->input_steps, t);
			continue;
		}
		step->input_steps = bms_add_members(step->input_steps, ts->input_steps);
		if (ts->action == STEP_PERSIST || ts->action == STEP_OVERRIDE ||
			(ts->action == STEP_VALUE && ts->requested) ||
			/* a table node reads a requested column's table; its frame's
			 * other columns were computed in the same query */
			(ts->action == STEP_COLUMN && step->action != STEP_COLUMN &&
			 (ts->requested || (ts->column_target && ts->temp_name == NULL))))
			step->upstream_steps = bms_add_member(step->upstream_steps, t);
		else
		{
			step->upstream_steps = bms_add_members(step->upstream_steps, ts->upstream_steps);
			step->sources = list_concat_unique(step->sources, ts->sources);
		}
	}
}
