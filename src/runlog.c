/*-------------------------------------------------------------------------
 *
 * runlog.c
 *	  Run history (hamilton.run, hamilton.node_run) and lineage
 *	  (hamilton.result).
 *
 * A successful run is recorded in the caller's transaction, with its
 * results: if the caller rolls back, the results and their record vanish
 * together.  A failed run cannot be recorded that way, since the caller's
 * transaction is about to abort.  It is handed to a short-lived dynamic
 * background worker, which writes it in a transaction of its own while the
 * caller waits; the worker needs no shared_preload_libraries entry.  The
 * caller records nothing before the end, so the worker never waits on a row
 * lock the caller holds.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/md5.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "port/atomics.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "utils/wait_event.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "runlog.h"

/* What the failed-run recorder finds in its shared memory segment. */
typedef struct RecorderPayload
{
	Oid			database;
	Oid			role;
	bool		recorded;		/* set by the worker once it committed */
	Size		len;
	char		json[FLEXIBLE_ARRAY_MEMBER];
} RecorderPayload;

/* How long a failing run waits for its record to be written. */
#define RECORDER_TIMEOUT_MS 10000

static char *run_json(HPlan *plan, TimestampTz started, const char *status,
					  int failed_step, const char *error);
static void insert_run_json(const char *json);
static void record_autonomously(const char *json);
static void json_field(StringInfo buf, const char *key, const char *value, bool last);
static void lineage_write(HPlan *plan, PlanStep *step, const char *schema,
						  const char *name, const char *fingerprint, Oid relid);

/*
 * runlog_next_run_id draws the run's id.  Sequences are not transactional,
 * so the id stays valid for the failed-run recorder.
 */
int64
runlog_next_run_id(void)
{
	OwnerScope w;
	bool		isnull;
	int64		id;

	catalog_owner_begin(&w);
	spi_exec_checked("SELECT pg_catalog.nextval('hamilton.run_id_seq')", 0, NULL, NULL, NULL, SPI_OK_SELECT);
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	catalog_owner_end(&w);
	return id;
}

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
		record_autonomously(json);
	else
	{
		OwnerScope w;

		catalog_owner_begin(&w);
		insert_run_json(json);
		catalog_owner_end(&w);
	}
}

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
 * insert_run_json reads with jsonb_populate_record(set).
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
					 plan->inputs ? JsonbToCString(NULL, &plan->inputs->root, VARSIZE(plan->inputs)) : "{}",
					 plan->overrides ? JsonbToCString(NULL, &plan->overrides->root, VARSIZE(plan->overrides)) : "{}",
					 plan->config ? JsonbToCString(NULL, &plan->config->root, VARSIZE(plan->config)) : "{}");
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

static void
insert_run_json(const char *json)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];

	values[0] = CStringGetTextDatum(json);
	spi_exec_checked("INSERT INTO hamilton.run "
					 "SELECT * FROM pg_catalog.jsonb_populate_record(NULL::hamilton.run, ($1::jsonb)->'run')",
					 1, argtypes, values, NULL, SPI_OK_INSERT);
	spi_exec_checked("INSERT INTO hamilton.node_run "
					 "SELECT * FROM pg_catalog.jsonb_populate_recordset(NULL::hamilton.node_run, ($1::jsonb)->'nodes')",
					 1, argtypes, values, NULL, SPI_OK_INSERT);
}

/*
 * record_autonomously hands the run to the failed-run recorder and waits
 * for it, at most RECORDER_TIMEOUT_MS.  It runs while a node's error is
 * being handled, so it must not raise another one: interrupts are held
 * during the (bounded) wait, and every way the record can be lost ends in a
 * warning, never in an error that would hide the node's own.
 */
static void
record_autonomously(const char *json)
{
	Size		len = strlen(json) + 1;
	dsm_segment *seg;
	RecorderPayload *payload;
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	BgwHandleStatus status = BGWH_NOT_YET_STARTED;
	TimestampTz started;

	seg = dsm_create(offsetof(RecorderPayload, json) + len, DSM_CREATE_NULL_IF_MAXSEGMENTS);
	if (seg == NULL)
	{
		ereport(WARNING,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not record the failed run in hamilton.runs"),
				 errdetail("No dynamic shared memory segment was free."),
				 errhint("Raise max_connections or dynamic_shared_memory settings, or retry when the server is less busy.")));
		return;
	}
	payload = dsm_segment_address(seg);
	payload->database = MyDatabaseId;
	payload->role = catalog_owner();
	payload->recorded = false;
	payload->len = len;
	memcpy(payload->json, json, len);

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "hamilton");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "hamilton_runlog_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "pg_hamilton failed-run recorder");
	snprintf(worker.bgw_type, BGW_MAXLEN, "pg_hamilton recorder");
	worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
	worker.bgw_notify_pid = MyProcPid;

	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		ereport(WARNING,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not record the failed run in hamilton.runs"),
				 errdetail("No background worker slot was free."),
				 errhint("Raise max_worker_processes.")));
		dsm_detach(seg);
		return;
	}

	HOLD_INTERRUPTS();
	started = GetCurrentTimestamp();
	for (;;)
	{
		pid_t		pid;

		status = GetBackgroundWorkerPid(handle, &pid);
		if (status == BGWH_STOPPED || status == BGWH_POSTMASTER_DIED ||
			TimestampDifferenceExceeds(started, GetCurrentTimestamp(), RECORDER_TIMEOUT_MS))
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 20, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	RESUME_INTERRUPTS();

	pg_memory_barrier();		/* see what the recorder wrote before it exited */
	if (!payload->recorded)
		ereport(WARNING,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not record the failed run in hamilton.runs"),
				 status == BGWH_STOPPED ?
				 errdetail("The recorder stopped without writing it; the server log says why.") :
				 status == BGWH_POSTMASTER_DIED ?
				 errdetail("The server is shutting down.") :
				 errdetail("The recorder did not finish within %d ms.", RECORDER_TIMEOUT_MS),
				 errhint("The recorder connects as the extension's owner, which must be able to log in.")));
	dsm_detach(seg);
}

/*
 * hamilton_runlog_worker_main is the failed-run recorder: it connects to the
 * caller's database as the catalog owner and inserts the run in its own
 * transaction.
 */
void
hamilton_runlog_worker_main(Datum arg)
{
	dsm_segment *seg;
	RecorderPayload *payload;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	seg = dsm_attach(DatumGetUInt32(arg));
	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_hamilton recorder could not attach to its shared memory"),
				 errdetail("The run that failed stopped waiting for it."),
				 errhint("The failed run is not recorded; the node's error was reported to its session.")));
	payload = dsm_segment_address(seg);

	BackgroundWorkerInitializeConnectionByOid(payload->database, payload->role, 0);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	/* the owner's rights are in force: pick up nothing by name but ours */
	SetConfigOption("search_path", HAMILTON_SAFE_SEARCH_PATH, PGC_USERSET, PGC_S_OVERRIDE);
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "pg_hamilton: recording a failed run");

	insert_run_json(payload->json);

	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pg_memory_barrier();
	payload->recorded = true;
	pgstat_report_activity(STATE_IDLE, NULL);
	dsm_detach(seg);
	proc_exit(0);
}

/*
 * lineage_result_relation returns the table pg_hamilton last wrote for a
 * node, or InvalidOid: a relation of that name that is not this one was not
 * made by pg_hamilton.
 */
Oid
lineage_result_relation(const char *schema, const char *name)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	bool		isnull;
	Oid			relid = InvalidOid;
	OwnerScope	w;

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	catalog_owner_begin(&w);
	spi_exec_checked("SELECT relation::pg_catalog.oid FROM hamilton.result WHERE schema_name = $1 AND node_name = $2",
					 2, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed > 0)
		relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	catalog_owner_end(&w);
	return relid;
}

/*
 * lineage_record keeps the lineage of a result just written: the run, the
 * node's fingerprint, the inputs it depends on, the upstream results it
 * read (and the runs that made them) and the source tables.
 */
void
lineage_record(HPlan *plan, int stepno, Oid relid)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	const char *fp = dag_fingerprint(plan->dag, step->node);

	lineage_write(plan, step, node->schema, node->name, fp ? fp : "", relid);
}

/*
 * lineage_record_into keeps the lineage of an into_table: what its columns
 * (steps) come from, together, and the fingerprint of the query that made
 * it.
 */
void
lineage_record_into(HPlan *plan, List *steps, const char *schema,
					const char *name, const char *sql, Oid relid)
{
	PlanStep	merged;
	ListCell   *lc;
	char		md5[33];
	const char *errstr = NULL;

	memset(&merged, 0, sizeof(merged));
	foreach(lc, steps)
	{
		PlanStep   *s = &plan->steps[lfirst_int(lc)];

		merged.input_steps = bms_add_members(merged.input_steps, s->input_steps);
		merged.upstream_steps = bms_add_members(merged.upstream_steps, s->upstream_steps);
		merged.sources = list_concat_unique(merged.sources, s->sources);
	}
	if (!pg_md5_hash(sql, strlen(sql), md5, &errstr))
		elog(ERROR, "could not compute MD5: %s", errstr);
	lineage_write(plan, &merged, schema, name, md5, relid);
}

static void
lineage_write(HPlan *plan, PlanStep *step, const char *schema, const char *name,
			  const char *fingerprint, Oid relid)
{
	StringInfoData inputs,
				upstream,
				sources;
	int			m;
	ListCell   *lc;
	Oid			argtypes[8] = {TEXTOID, TEXTOID, OIDOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[8];
	OwnerScope w;

	initStringInfo(&inputs);
	appendStringInfoChar(&inputs, '{');
	m = -1;
	while ((m = bms_next_member(step->input_steps, m)) >= 0)
	{
		PlanStep   *is = &plan->steps[m];

		if (inputs.len > 1)
			appendStringInfoChar(&inputs, ',');
		escape_json(&inputs, plan->dag->nodes[is->node].name);
		appendStringInfoChar(&inputs, ':');
		if (is->json_kind == 0)
			appendStringInfoString(&inputs, "\"(default)\"");
		else if (is->json_kind == JSON_KIND_STRING)
			escape_json(&inputs, is->json_text);
		else if (is->json_kind == JSON_KIND_NULL)
			appendStringInfoString(&inputs, "null");
		else
			appendStringInfoString(&inputs, is->json_text);
	}
	appendStringInfoChar(&inputs, '}');

	initStringInfo(&upstream);
	appendStringInfoChar(&upstream, '[');
	m = -1;
	while ((m = bms_next_member(step->upstream_steps, m)) >= 0)
	{
		PlanStep   *us = &plan->steps[m];

		if (upstream.len > 1)
			appendStringInfoChar(&upstream, ',');
		appendStringInfoString(&upstream, "{\"node\":");
		escape_json(&upstream, plan->dag->nodes[us->node].display);
		appendStringInfoString(&upstream, ",\"relation\":");
		if (us->result_table || us->relation)
			escape_json(&upstream, us->result_table ? us->result_table : us->relation);
		else
			appendStringInfoString(&upstream, "null");
		if (us->action == STEP_OVERRIDE)
			appendStringInfoString(&upstream, ",\"overridden\":true}");
		else
			appendStringInfo(&upstream, ",\"run_id\":" INT64_FORMAT "}", plan->run_id);
	}
	appendStringInfoChar(&upstream, ']');

	initStringInfo(&sources);
	appendStringInfoChar(&sources, '[');
	if (step->action == STEP_OVERRIDE && step->relation)
	{
		escape_json(&sources, step->relation);
		appendStringInfoChar(&sources, step->sources ? ',' : ' ');
	}
	foreach(lc, step->sources)
	{
		if (sources.len > 1)
			appendStringInfoChar(&sources, ',');
		escape_json(&sources, strVal(lfirst(lc)));
	}
	appendStringInfoChar(&sources, ']');

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	values[2] = ObjectIdGetDatum(relid);
	values[3] = Int64GetDatum(plan->run_id);
	values[4] = CStringGetTextDatum(fingerprint);
	values[5] = CStringGetTextDatum(inputs.data);
	values[6] = CStringGetTextDatum(upstream.data);
	values[7] = CStringGetTextDatum(sources.data);

	catalog_owner_begin(&w);
	spi_exec_checked("INSERT INTO hamilton.result AS r (schema_name, node_name, relation, run_id, "
					 "  materialized_at, fingerprint, inputs, upstream, sources) "
					 "VALUES ($1, $2, $3::oid::regclass, $4, pg_catalog.clock_timestamp(), $5, $6::jsonb, $7::jsonb, "
					 "  ARRAY(SELECT pg_catalog.jsonb_array_elements_text($8::jsonb))) "
					 "ON CONFLICT (schema_name, node_name) DO UPDATE SET "
					 "  relation = excluded.relation, run_id = excluded.run_id, "
					 "  materialized_at = excluded.materialized_at, fingerprint = excluded.fingerprint, "
					 "  inputs = excluded.inputs, upstream = excluded.upstream, sources = excluded.sources",
					 8, argtypes, values, NULL, SPI_OK_INSERT);
	catalog_owner_end(&w);
}
