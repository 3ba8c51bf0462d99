/*-------------------------------------------------------------------------
 *
 * history.c
 *	  Run history: a run and its steps, as one JSON description written to
 *	  hamilton.run and hamilton.node_run.
 *
 * A successful run is recorded in the caller's transaction, with its
 * results: if the caller rolls back, the results and their record vanish
 * together.  A failed run cannot be recorded that way, since the caller's
 * transaction is about to abort: it is handed to the recorder
 * (recorder.c).  The caller records nothing before the end, so the recorder
 * never waits on a row lock the caller holds.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/json.h"
#include "utils/timestamp.h"

#include "runlog.h"

static char *run_json(HPlan *plan, TimestampTz started, const char *status,
					  int failed_step, const char *error);
static void json_field(StringInfo buf, const char *key, const char *value, bool last);

/*
 * runlog_record writes a run and its steps.  autonomous: in a transaction
 * of its own (the failure path), otherwise in the caller's.
 */
void
runlog_record(HPlan *plan, TimestampTz started, const char *status,
			  int failed_step, const char *error, bool autonomous)
{
	char	   *json = run_json(plan, started, status, failed_step, error);

	if (autonomous)
		runlog_record_autonomously(json);
	else
	{
		OwnerScope w;

		catalog_owner_begin(&w);
		catalog_insert_run(json);
		catalog_owner_end(&w);
	}
}

/* json_field appends "key":value (a JSON string, or null), and a comma unless last. */
static void
json_field(StringInfo buf, const char *key, const char *value, bool last)
{
	escape_json(buf, key);
	appendStringInfoChar(buf, ':');
	if (value)
		escape_json(buf, value);
	else
		appendStringInfoString(buf, "null");
	if (!last)
		appendStringInfoChar(buf, ',');
}

/*
 * run_json describes the run as {"run": {...}, "nodes": [...]}, the shape
 * catalog_insert_run reads with jsonb_populate_record(set).
 */
static char *
run_json(HPlan *plan, TimestampTz started, const char *status, int failed_step,
		 const char *error)
{
	StringInfoData buf;
	ListCell   *lc;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"run\":{\"run_id\":" INT64_FORMAT ",", plan->run_id);
	json_field(&buf, "started_at", timestamptz_to_str(started), false);
	json_field(&buf, "finished_at", timestamptz_to_str(GetCurrentTimestamp()), false);
	json_field(&buf, "status", status, false);
	appendStringInfoString(&buf, "\"outputs\":[");
	foreach(lc, plan->output_names)
	{
		if (lc != list_head(plan->output_names))
			appendStringInfoChar(&buf, ',');
		escape_json(&buf, lfirst(lc));
	}
	appendStringInfoString(&buf, "],");
	appendStringInfo(&buf, "\"inputs\":%s,\"overrides\":%s,\"config\":%s,",
					 jsonb_text(plan->inputs), jsonb_text(plan->overrides), jsonb_text(plan->config));
	json_field(&buf, "run_by", GetUserNameFromId(GetUserId(), false), false);
	json_field(&buf, "failed_node", failed_step >= 0 ?
			   plan->dag->nodes[plan->steps[failed_step].node].display : NULL, false);
	json_field(&buf, "error", error, true);
	appendStringInfoString(&buf, "},\"nodes\":[");

	for (i = 0; i < plan->nsteps; i++)
	{
		PlanStep   *step = &plan->steps[i];
		HNode	   *node = &plan->dag->nodes[step->node];
		const char *st = step->status;

		if (failed_step >= 0)
		{
			if (i == failed_step)
				st = "failed";
			else if (i > failed_step)
				st = "not run";
			else if (step->action != STEP_INPUT && step->action != STEP_OVERRIDE)
				st = "rolled back";
		}
		appendStringInfo(&buf, "%s{\"run_id\":" INT64_FORMAT ",\"step\":%d,", i ? "," : "",
						 plan->run_id, i + 1);
		json_field(&buf, "node", node->display, false);
		json_field(&buf, "module", node->schema, false);
		json_field(&buf, "kind", dag_kind_name(node->kind), false);
		json_field(&buf, "relation", step->result_table ? step->result_table :
				   step->action == STEP_OVERRIDE ? step->relation : NULL, false);
		if (step->has_rows && (failed_step < 0 || i < failed_step))
			appendStringInfo(&buf, "\"rows\":" INT64_FORMAT ",", step->rows);
		if (failed_step < 0 || i <= failed_step)
			appendStringInfo(&buf, "\"ms\":%.3f,", step->ms);
		json_field(&buf, "status", st ? st : "not run", false);
		json_field(&buf, "fingerprint", dag_fingerprint(plan->dag, step->node), false);
		if (step->checks_result)
			appendStringInfo(&buf, "\"checks\":%s,", step->checks_result);
		json_field(&buf, "error", i == failed_step ? error : NULL, true);
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoString(&buf, "]}");
	return buf.data;
}
