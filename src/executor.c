/*-------------------------------------------------------------------------
 *
 * executor.c
 *	  hamilton_execute: validate, plan, run each step, record the run.
 *
 * Steps run in plan order, each in a subtransaction of the caller's
 * transaction, with the search_path pinned to the node's module.  When a
 * step raises, its subtransaction is rolled back, the failed run is recorded
 * autonomously (runlog.c), and the error is raised again with the node's
 * name and the original SQLSTATE; the caller's transaction then aborts and
 * takes every partial result of the run with it, so earlier results stay as
 * they were.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "hamilton.h"
#include "materialize.h"
#include "plan.h"
#include "runlog.h"
#include "sqlparse.h"

PG_FUNCTION_INFO_V1(hamilton_execute);

static void run_step(HPlan *plan, int stepno);
static void run_step_guarded(HPlan *plan, int stepno, TimestampTz started);
static void compute_value(HPlan *plan, int stepno);
static void emit_report(HPlan *plan, ReturnSetInfo *rsinfo);
static char *inlined_note(HPlan *plan, int stepno);
static void report_progress(HPlan *plan, int stepno, bool done);

/*
 * hamilton_execute(outputs, inputs, overrides, config) runs the upstream
 * closure of the outputs and returns one report row per step.
 */
Datum
hamilton_execute(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HPlan	   *plan;

	InitMaterializedSRF(fcinfo, 0);
	plan = plan_for_call(fcinfo);
	plan_raise_problems(plan);
	plan_choose_actions(plan);
	plan_execute(plan);
	emit_report(plan, rsinfo);
	SPI_finish();
	return (Datum) 0;
}

/*
 * plan_execute runs a validated, planned request.  SPI must be connected.
 */
void
plan_execute(HPlan *plan)
{
	TimestampTz started = GetCurrentTimestamp();
	List	   *results = NIL;
	int			i;

	plan->run_id = runlog_next_run_id();

	/*
	 * Fingerprint every node now: the failure path records them and must
	 * not run anything that could raise an error of its own.
	 */
	for (i = 0; i < plan->nsteps; i++)
		(void) dag_fingerprint(plan->dag, plan->steps[i].node);

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
	lock_result_names(results);

	for (i = 0; i < plan->nsteps; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (hamilton_progress)
			report_progress(plan, i, false);
		run_step_guarded(plan, i, started);
		if (hamilton_progress)
			report_progress(plan, i, true);
	}

	for (i = 0; i < plan->nsteps; i++)
		if (plan->steps[i].action == STEP_TEMP ||
			(plan->steps[i].action == STEP_COLUMN && plan->steps[i].temp_name))
			materialize_drop_temp(plan->steps[i].temp_name);

	runlog_record(plan, started, "succeeded", -1, NULL, false);
}

/*
 * report_progress tells the client (with hamilton.progress on) that a step
 * starts or has ended.  NOTICEs are flushed to the client at once, so a
 * client sees them live.  The message is for people; the detail is for
 * programs, tab-separated, the node's name last since it may hold anything:
 *	hamilton-progress  run_id  step  total  start|done  kind  status  rows  ms  node
 */
static void
report_progress(HPlan *plan, int stepno, bool done)
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
 * run_step_guarded runs one step in a subtransaction.  On error: roll the
 * step back, record the failed run, and raise the error again naming the
 * node.
 */
static void
run_step_guarded(HPlan *plan, int stepno, TimestampTz started)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	instr_time	t0,
				t1;

	INSTR_TIME_SET_CURRENT(t0);
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		run_step(plan, stepno);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		char	   *detail;
		char	   *hint;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;

		INSTR_TIME_SET_CURRENT(t1);
		INSTR_TIME_SUBTRACT(t1, t0);
		step->ms = INSTR_TIME_GET_MILLISEC(t1);
		step->error = edata->message;
		step->status = "failed";
		runlog_record(plan, started, "failed", stepno, edata->message, true);
		if (hamilton_progress)
			report_progress(plan, stepno, true);

		detail = psprintf("%s%s%sRun " INT64_FORMAT " stopped at step %d of %d; nothing it computed was kept and earlier results are unchanged.",
						  edata->detail ? edata->detail : "",
						  edata->detail ? "\n" : "",
						  inlined_note(plan, stepno),
						  plan->run_id, stepno + 1, plan->nsteps);
		hint = edata->hint ? edata->hint :
			psprintf("The failed run is in the history: SELECT * FROM hamilton.node_runs WHERE run_id = " INT64_FORMAT ";",
					 plan->run_id);
		ereport(ERROR,
				(errcode(edata->sqlerrcode),
				 errmsg("node %s (module %s) failed: %s", node->display,
						quote_identifier(node->schema), edata->message),
				 errdetail("%s", detail),
				 errhint("%s", hint),
				 edata->context ? errcontext("%s", edata->context) : 0));
	}
	PG_END_TRY();

	INSTR_TIME_SET_CURRENT(t1);
	INSTR_TIME_SUBTRACT(t1, t0);
	step->ms = INSTR_TIME_GET_MILLISEC(t1);
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

/*
 * run_step does one step's work, with the search_path pinned to the node's
 * module (then public), so that unqualified names in its SQL mean what they
 * meant when the graph was built, whoever runs it and from wherever.
 */
static void
run_step(HPlan *plan, int stepno)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	int			nestlevel = -1;
	Oid			relid;
	char	   *sql;

	sql = plan_render_step(plan, stepno, false);

	if (node->schema)
	{
		nestlevel = NewGUCNestLevel();
		(void) set_config_option("search_path",
								 psprintf("%s, public, pg_temp", quote_identifier(node->schema)),
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
		/* SQL nodes run as they were read (sqlparse.c) */
		pin_sql_reading_settings();
	}

	switch (step->action)
	{
		case STEP_UNDECIDED:
			elog(ERROR, "step %d was not planned", stepno + 1);
			break;
		case STEP_INPUT:
			step->status = step->json_kind == 0 ? "default" : "input";
			break;
		case STEP_OVERRIDE:
			step->status = "overridden";
			break;
		case STEP_VALUE:
			compute_value(plan, stepno);
			step->status = "computed";
			break;
		case STEP_INLINE:
			step->status = "inlined";
			break;
		case STEP_TEMP:
			step->rows = materialize_temp(step->temp_name, sql);
			step->has_rows = true;
			step->status = "temporary";
			break;
		case STEP_PERSIST:
			step->rows = materialize_result(node->schema, node->name, sql, node->doc,
											node->display, &relid);
			step->has_rows = true;
			step->status = "materialized";
			lineage_record(plan, stepno, relid);
			checks_run(plan, stepno, step->result_table);
			break;
		case STEP_FRAME:
			step->status = "inlined";
			break;
		case STEP_COLUMN:
			step->status = "inlined";	/* a target's status is set by its group */
			{
				int			g;

				for (g = 0; g < plan->ngroups; g++)
					if (plan->groups[g].run_at == stepno)
						frame_run_group(plan, &plan->groups[g]);
			}
			break;
	}

	/*
	 * A requested scalar or overridden node is materialized too, unless it
	 * is overridden by its own table: that one already holds the result.
	 */
	if (step->result_table && step->action != STEP_PERSIST && step->action != STEP_COLUMN &&
		!(step->relation && strcmp(step->relation, step->result_table) == 0))
	{
		char	   *copy = NULL;

		if (step->action == STEP_VALUE)
			sql = psprintf("SELECT %s AS %s", step->literal, quote_identifier(node->name));
		else if (step->action == STEP_OVERRIDE && step->relation)
		{
			/*
			 * The override may read the node's own table (a view on it, say):
			 * copy it first, or the TRUNCATE would empty what it reads.
			 */
			copy = psprintf("hamilton_override_%d", stepno + 1);
			(void) materialize_temp(copy, sql);
			sql = psprintf("SELECT * FROM pg_temp.%s", quote_identifier(copy));
		}
		step->rows = materialize_result(node->schema, node->name, sql, node->doc,
										node->display, &relid);
		if (copy)
			materialize_drop_temp(copy);
		step->has_rows = true;
		step->status = "materialized";
		lineage_record(plan, stepno, relid);
		checks_run(plan, stepno, step->result_table);
	}

	if (nestlevel >= 0)
		AtEOXact_GUC(true, nestlevel);
}

/*
 * compute_value evaluates a scalar function node once and keeps its result
 * as a literal for the steps that read it.
 */
static void
compute_value(HPlan *plan, int stepno)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	MemoryContext cxt = CurrentMemoryContext;
	int			rc;
	bool		isnull;
	Datum		value;

	rc = SPI_execute(step->sql, false, 0);
	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed (%s) for: %s", SPI_result_code_string(rc), step->sql);
	if (SPI_processed != 1)
		elog(ERROR, "scalar node %s returned " UINT64_FORMAT " rows", node->display,
			 (uint64) SPI_processed);
	value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	step->literal = datum_literal(value, isnull, node->rettype);
	step->rows = 1;
	step->has_rows = true;
	SPI_freetuptable(SPI_tuptable);
}

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
