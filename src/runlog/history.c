/*-------------------------------------------------------------------------
 *
 * history.c
 *	  Run history: a run and its steps, as one JSON description written to
 *	  hamilton.run_start when the run starts, and to hamilton.run and
 *	  hamilton.node_run when it ends.
 *
 * A run's start is written by the recorder (recorder.c) in a transaction
 * of its own, while the run goes on: whatever becomes of the run's
 * transaction or session, the run leaves a trace.  The run holds an
 * advisory lock on its id until its transaction ends, so that readers can
 * tell a run that is running from one whose session died (hamilton.runs).
 *
 * A successful run writes its outcome in the caller's transaction, with its
 * results; if that transaction rolls back, the recorder writes the run
 * again, as rolled back (open_runs.c).  A failed run cannot be recorded in
 * the caller's transaction, which is about to abort: the recorder writes it
 * while the caller waits.  None of these writes touches a row another one
 * holds, so the recorder never waits for the run's transaction.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/json.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "runlog.h"

static void run_fields(StringInfo buf, HPlan *plan, TimestampTz started);
static char *run_record_fields(HPlan *plan, TimestampTz started, const char *status,
							   int failed_step, const char *error);
static void step_record(HPlan *plan, int i, const char *status, int failed_step,
						const char *error, CatalogNodeRun *r);
static CatalogNodeRun *step_records(HPlan *plan, const char *status, int failed_step,
									 const char *error);
static void json_field(StringInfo buf, const char *key, const char *value, bool last);

/*
 * runlog_begin marks a run as started: it takes the run's lock and hands
 * its start to the recorder, without waiting.  The start commits a few
 * milliseconds later (the time a worker takes to start); a crash before
 * that leaves no trace of the run.  A catalog older than 1.1, or
 * hamilton.record_run_start off, records runs only when they end.
 */
void
runlog_begin(HPlan *plan, TimestampTz started)
{
	LOCKTAG		tag;
	StringInfoData buf;
	Oid			role;
	Recorder   *rec;
	MemoryContext old;

	if (!hamilton_record_run_start || !catalog_keeps_run_starts())
		return;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) ((uint64) plan->run_id >> 32),
						 (uint32) plan->run_id, HAMILTON_RUN_LOCK_FIELD4);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"run\":{");
	run_fields(&buf, plan, started);
	appendStringInfoString(&buf, "}}");
	role = catalog_owner();
	old = MemoryContextSwitchTo(TopTransactionContext);
	rec = recorder_launch(RECORD_START, list_make1(buf.data), role,
						  psprintf("the start of run " INT64_FORMAT, plan->run_id), false);
	MemoryContextSwitchTo(old);
	open_runs_add(plan->run_id, role, rec);
}

/*
 * runlog_record writes a run that ended, and its steps.  autonomous: in a
 * transaction of its own, while the caller waits (the failure path),
 * otherwise in the caller's, remembered in case it rolls back.
 */
void
runlog_record(HPlan *plan, TimestampTz started, const char *status,
			  int failed_step, const char *error, bool autonomous)
{
	char	   *run = run_record_fields(plan, started, status, failed_step, error);
	CatalogNodeRun *steps = step_records(plan, status, failed_step, error);

	if (autonomous)
	{
		char	   *json = runlog_run_json(run, plan->run_id, steps, plan->nsteps);
		char	   *what = psprintf("the failed run " INT64_FORMAT, plan->run_id);
		Recorder   *rec = recorder_launch(RECORD_FAILED, list_make1(json), catalog_owner(), what, false);

		if (rec)
		{
			(void) recorder_wait(rec, what);
			recorder_release(rec);
		}
	}
	else
	{
		OwnerScope	w;

		/*
		 * The run from its JSON, its steps as arrays: parsing thousands of
		 * steps' JSON back would cost more than writing them.  Both are
		 * described before switching to the owner: they name the caller.
		 * The steps' JSON is written only if the transaction rolls back.
		 */
		catalog_owner_begin(&w);
		catalog_insert_run(runlog_run_json(run, plan->run_id, NULL, 0), false);
		catalog_insert_node_runs(plan->run_id, plan->nsteps, steps);
		catalog_owner_end(&w);
		open_runs_succeeded(plan->run_id, run, steps, plan->nsteps);
	}
}

/* json_field appends "key":value (a JSON string, or null), and a comma unless last. */
static void
json_field(StringInfo buf, const char *key, const char *value, bool last)
{
	runlog_json_field(buf, key, value, last);
}

/*
 * run_into_table: the table the run's requested columns went to
 * (into_table =>, schema-qualified as the run resolved it), or NULL.
 */
static const char *
run_into_table(HPlan *plan)
{
	int			g;

	for (g = 0; g < plan->ngroups; g++)
		if (plan->groups[g].into_display)
			return plan->groups[g].into_display;
	return plan->into_table;
}

/*
 * run_fields appends what a run's start and its end both say: its id, when
 * it started, the request, who ran it and from which backend, and the
 * modules its names resolved among.  A catalog without those columns
 * (before 1.2) ignores them: jsonb_populate_record reads only the columns
 * it has.
 */
static void
run_fields(StringInfo buf, HPlan *plan, TimestampTz started)
{
	ListCell   *lc;

	appendStringInfo(buf, "\"run_id\":" INT64_FORMAT ",", plan->run_id);
	json_field(buf, "started_at", timestamptz_to_str(started), false);
	appendStringInfoString(buf, "\"outputs\":[");
	foreach(lc, plan->output_names)
	{
		if (lc != list_head(plan->output_names))
			appendStringInfoChar(buf, ',');
		escape_json(buf, lfirst(lc));
	}
	appendStringInfoString(buf, "],");
	appendStringInfo(buf, "\"inputs\":%s,\"overrides\":%s,\"config\":%s,",
					 jsonb_text(plan->inputs), jsonb_text(plan->overrides), jsonb_text(plan->config));
	json_field(buf, "run_by", GetUserNameFromId(GetUserId(), false), false);
	/* features-a: the table into_table => named (ignored before 1.3) */
	json_field(buf, "into_table", run_into_table(plan), false);
	appendStringInfo(buf, "\"pid\":%d", MyProcPid);

	/* the namespace its names resolved among (none in a 1.0 catalog's runs) */
	if (plan->dag->request.mode == NS_RUN)
	{
		int			i;

		appendStringInfoString(buf, ",\"modules\":[");
		for (i = 0; i < plan->dag->nmodules; i++)
		{
			if (i > 0)
				appendStringInfoChar(buf, ',');
			escape_json(buf, plan->dag->modules[i]);
		}
		appendStringInfo(buf, "],\"module_overrides\":%s",
						 plan->dag->request.overrides ? "true" : "false");
	}
}

/*
 * run_record_fields is the "run" object of a run's record (run_json.c)
 * without its braces: its start's fields, when it finished, its status, and
 * the step it failed at, before its first (-1: waiting for its locks) or
 * after its last (nsteps: ending it).
 */
static char *
run_record_fields(HPlan *plan, TimestampTz started, const char *status, int failed_step,
				  const char *error)
{
	StringInfoData buf;

	initStringInfo(&buf);
	run_fields(&buf, plan, started);
	appendStringInfoChar(&buf, ',');
	json_field(&buf, "finished_at", timestamptz_to_str(GetCurrentTimestamp()), false);
	json_field(&buf, "status", status, false);
	json_field(&buf, "failed_node", failed_step >= 0 && failed_step < plan->nsteps ?
					  plan->dag->nodes[plan->steps[failed_step].node].display : NULL, false);
	json_field(&buf, "error", error, true);
	return buf.data;
}

/*
 * step_record is what the history says of step i of a run that ended with
 * status (failed at failed_step, see run_record_fields).
 */
static void
step_record(HPlan *plan, int i, const char *status, int failed_step,
			const char *error, CatalogNodeRun *r)
{
	PlanStep   *step = &plan->steps[i];
	HNode	   *node = &plan->dag->nodes[step->node];

	/* a run that failed before its first step (waiting for its locks) ran nothing */
	bool		none_ran = failed_step < 0 && strcmp(status, "succeeded") != 0;
	const char *st = none_ran ? NULL : step->status;

	if (failed_step >= 0)
	{
		/* a parallel run's later steps may have run too: they have a status */
		if (i == failed_step)
			st = "failed";
		else if (i > failed_step && step->status == NULL)
			st = "not run";
		else if (step->action != STEP_INPUT && step->action != STEP_OVERRIDE)
			st = "rolled back";
	}
	r->step = i + 1;
	r->node = node->display;
	r->module = node->schema;
	r->kind = dag_kind_name(node->kind);
	r->relation = step->result_table ? step->result_table :
		step->action == STEP_OVERRIDE ? step->relation : NULL;
	r->has_rows = step->has_rows && !none_ran && (failed_step < 0 || i < failed_step);
	r->rows = step->rows;
	r->has_ms = (failed_step < 0 && !none_ran) || i <= failed_step;
	r->ms = step->ms;
	r->status = st ? st : "not run";
	r->fingerprint = dag_fingerprint(plan->dag, step->node);
	r->checks = step->checks_result;
	r->error = i == failed_step ? error : NULL;
	r->worker_pid = step->worker_pid;
	r->started_at = step->started_at;
	r->ended_at = step->ended_at;
	r->cached_from = st && strcmp(st, "cached") == 0 ? step->cached_from : 0;
	r->placement = node->placement;
}

/*
 * step_records describes every step of a run that ended with status, as
 * the run's JSON describes them.
 */
static CatalogNodeRun *
step_records(HPlan *plan, const char *status, int failed_step, const char *error)
{
	CatalogNodeRun *rows = palloc(sizeof(CatalogNodeRun) * Max(plan->nsteps, 1));
	int			i;

	for (i = 0; i < plan->nsteps; i++)
		step_record(plan, i, status, failed_step, error, &rows[i]);
	return rows;
}
