/*-------------------------------------------------------------------------
 *
 * execute.c
 *	  Running the dataflow: hamilton_execute, and its dry runs
 *	  hamilton_validate and hamilton_explain.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "api.h"

PG_FUNCTION_INFO_V1(hamilton_execute);
PG_FUNCTION_INFO_V1(hamilton_validate);
PG_FUNCTION_INFO_V1(hamilton_explain);

static void emit_report(HPlan *plan, ReturnSetInfo *rsinfo);
static void report_module_overrides(HPlan *plan);

/*
 * hamilton_execute(outputs, inputs, overrides, config, into_table, modules,
 * module_overrides) runs the upstream closure of the outputs and returns
 * one report row per step.
 */
Datum
hamilton_execute(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HPlan	   *plan;

	InitMaterializedSRF(fcinfo, 0);
	/* a node may call hamilton_execute: see temp_table_name */
	temp_names_enter();
	PG_TRY();
	{
		plan = api_plan_request(fcinfo);
		plan_raise_problems(plan);
		report_module_overrides(plan);
		plan_choose_actions(plan);
		plan_execute(plan);
		emit_report(plan, rsinfo);
		api_end();
	}
	PG_FINALLY();
	{
		temp_names_leave();
	}
	PG_END_TRY();
	return (Datum) 0;
}

/*
 * report_module_overrides tells, as a NOTICE, which nodes module_overrides
 * chose over others of the same name, so that a run never takes another
 * module's node without saying so.
 */
static void
report_module_overrides(HPlan *plan)
{
	StringInfoData lines;
	ListCell   *lc;

	if (plan->module_overrides == NIL)
		return;
	initStringInfo(&lines);
	foreach(lc, plan->module_overrides)
		appendStringInfo(&lines, "%s%s", lines.len ? "\n" : "", strVal(lfirst(lc)));
	ereport(NOTICE,
			(errmsg("module_overrides chose %d node%s of a later module",
					list_length(plan->module_overrides),
					list_length(plan->module_overrides) == 1 ? "" : "s"),
			 errdetail("%s", lines.data)));
}

/* emit_report returns one row per step: the run report. */
static void
emit_report(HPlan *plan, ReturnSetInfo *rsinfo)
{
	int			i;

	for (i = 0; i < plan->nsteps; i++)
	{
		PlanStep   *step = &plan->steps[i];
		HNode	   *node = &plan->dag->nodes[step->node];
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};

		values[0] = CStringGetTextDatum(node->display);
		values[1] = CStringGetTextDatum(dag_kind_name(node->kind));
		if (step->result_table || (step->relation && step->action == STEP_OVERRIDE))
			values[2] = CStringGetTextDatum(step->result_table ? step->result_table : step->relation);
		else
			nulls[2] = true;
		values[3] = Int64GetDatum(step->rows);
		nulls[3] = !step->has_rows;
		values[4] = Float8GetDatum(rint(step->ms * 1000.0) / 1000.0);
		values[5] = CStringGetTextDatum(step->status ? step->status : "?");
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/*
 * hamilton_validate(outputs, inputs, overrides, config) is a dry run: one
 * row per problem that would stop hamilton_execute; no rows means it would
 * run.
 */
Datum
hamilton_validate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HPlan	   *plan;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	plan = api_plan_request(fcinfo);
	foreach(lc, plan->problems)
	{
		HProblem   *p = lfirst(lc);
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = CStringGetTextDatum(p->code);
		values[1] = p->node ? CStringGetTextDatum(p->node) : (Datum) 0;
		nulls[1] = p->node == NULL;
		values[2] = CStringGetTextDatum(p->message);
		values[3] = p->detail ? CStringGetTextDatum(p->detail) : (Datum) 0;
		nulls[3] = p->detail == NULL;
		values[4] = p->hint ? CStringGetTextDatum(p->hint) : (Datum) 0;
		nulls[4] = p->hint == NULL;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	api_end();
	return (Datum) 0;
}

/*
 * hamilton_explain(outputs, inputs, overrides, config) validates like
 * hamilton_execute and returns the plan without running anything.
 */
Datum
hamilton_explain(PG_FUNCTION_ARGS)
{
	HPlan	   *plan;
	text	   *result;

	/* names temporary tables as hamilton_execute would, called here */
	temp_names_enter();
	PG_TRY();
	{
		plan = api_plan_request(fcinfo);
		plan_raise_problems(plan);
		plan_choose_actions(plan);
		result = cstring_to_text(plan_explain_text(plan));
		api_end();
	}
	PG_FINALLY();
	{
		temp_names_leave();
	}
	PG_END_TRY();
	PG_RETURN_TEXT_P(result);
}
