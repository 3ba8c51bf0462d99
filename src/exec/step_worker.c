/*-------------------------------------------------------------------------
 *
 * step_worker.c
 *	  One step of a parallel run on a dynamic background worker: the
 *	  request handed over in a dynamic shared memory segment, the worker
 *	  that builds the step's result into a staging heap and commits it in a
 *	  transaction of its own, and the cluster-wide count of those workers
 *	  (hamilton.max_cluster_workers).  No shared_preload_libraries entry is
 *	  needed: bgw_library_name "hamilton" is loaded by the worker itself.
 *
 * The worker acts as the caller, as PostgreSQL's parallel workers do
 * (ParallelWorkerMain): it connects as the session's authenticated user
 * (PostgreSQL 15 holds a worker's connection role to LOGIN, and that one
 * logged in), then restores the caller's settings (SerializeGUCState, with
 * the step's search_path and SQL-reading settings pinned), its current
 * role and its user id and security context.  A caller that SET ROLE to a
 * role that cannot log in is served too.
 *
 * The staging heap is made from the result's own descriptor (make_new_heap)
 * and renamed pg_temp_<its own oid>, so that no two heaps of one result
 * meet, filled by the bulk path (bulk_fill.c), and noted in hamilton.staging
 * in the same transaction: once it is committed, a cleanup can always find
 * it.  Its error, if any, comes back in the segment: SQLSTATE, message,
 * detail, hint, context.
 *
 * The count lives in a small struct of the main shared memory segment,
 * made on first use (ShmemInitStruct), so that no preloading is needed;
 * a crash restart makes it anew.  The caller takes a place before it
 * registers a worker and gives it back when it detaches from the worker's
 * segment (an on_dsm_detach callback: also when the caller exits).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/cluster.h"
#include "commands/tablecmds.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/lmgr.h"
#include "storage/lwlock.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "exec.h"

#define STEP_WORKER_TEXT 2048
/* (cachew) room for the files a worker's step read (files_pack_reads) */
#define STEP_WORKER_READS 32768

/* What the caller and its worker share. */
typedef struct StepWorkerShared
{
	/* the request */
	Oid			database;
	Oid			authenticated_user;
	Oid			outer_user;		/* the current role (SET ROLE), or invalid */
	bool		role_is_superuser;
	Oid			current_user;
	int			sec_context;
	int64		run_id;
	pid_t		caller_pid;		/* the run's backend */
	int			stepno;
	Oid			result;			/* InvalidOid: an intermediate */
	Size		guc_off;
	Size		sql_off;
	Size		shown_off;
	Size		schema_off;
	Size		name_off;
	pg_atomic_uint32 counted;	/* 1 while it counts toward the cap */

	/* the answer, written by the worker; state last */
	volatile int state;
	pid_t		pid;
	TimestampTz started_at;
	TimestampTz ended_at;
	Oid			staging;
	uint64		rows;
	int			sqlerrcode;
	char		message[STEP_WORKER_TEXT];
	char		detail[STEP_WORKER_TEXT];
	char		hint[STEP_WORKER_TEXT];
	char		context[STEP_WORKER_TEXT];
	Size		reads_len;		/* (cachew) the files the step read */
	char		reads[STEP_WORKER_READS];
	char		data[FLEXIBLE_ARRAY_MEMBER];
} StepWorkerShared;

struct StepWorker
{
	dsm_segment *seg;
	StepWorkerShared *sh;
	BackgroundWorkerHandle *handle;
};

/* The cluster-wide count of step workers. */
typedef struct StepWorkerCount
{
	pg_atomic_uint32 running;
} StepWorkerCount;

static StepWorkerCount *worker_count = NULL;

static StepWorkerCount *count_attach(void);
static bool count_take(void);
static void count_give_back(dsm_segment *seg, Datum arg);
static Size put_text(char *base, Size *off, const char *text);
static uint64 build_staging(StepWorkerShared *sh, Oid *staging);
static uint64 build_intermediate(StepWorkerShared *sh, Oid *staging);
static void keep_error(StepWorkerShared *sh);

/*
 * count_attach finds (or makes, the first time since the server started)
 * the count in the main shared memory segment.
 */
static StepWorkerCount *
count_attach(void)
{
	bool		found;

	if (worker_count)
		return worker_count;
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	worker_count = ShmemInitStruct("pg_hamilton step workers", sizeof(StepWorkerCount), &found);
	if (!found)
		pg_atomic_init_u32(&worker_count->running, 0);
	LWLockRelease(AddinShmemInitLock);
	return worker_count;
}

/* count_take takes a place under hamilton.max_cluster_workers, if one is free. */
static bool
count_take(void)
{
	StepWorkerCount *c = count_attach();
	uint32		cur = pg_atomic_read_u32(&c->running);

	for (;;)
	{
		if (cur >= (uint32) hamilton_max_cluster_workers)
			return false;
		if (pg_atomic_compare_exchange_u32(&c->running, &cur, cur + 1))
			return true;
	}
}

/* count_give_back gives the worker's place back, once (an on_dsm_detach callback). */
static void
count_give_back(dsm_segment *seg, Datum arg)
{
	StepWorkerShared *sh = (StepWorkerShared *) DatumGetPointer(arg);

	if (pg_atomic_exchange_u32(&sh->counted, 0) == 1)
		(void) pg_atomic_fetch_sub_u32(&count_attach()->running, 1);
}

/* step_workers_running: how many step workers run in the cluster now. */
int
step_workers_running(void)
{
	return (int) pg_atomic_read_u32(&count_attach()->running);
}

/* put_text copies text into the segment at *off and moves *off past it. */
static Size
put_text(char *base, Size *off, const char *text)
{
	Size		at = *off;
	Size		n = strlen(text) + 1;

	if (base)
		memcpy(base + at, text, n);
	*off += n;
	return at;
}

/*
 * step_worker_launch hands step stepno, whose rows select_sql yields, to a
 * new worker, which builds them into a staging heap for result
 * (schema.name, shown as shown), or, for an intermediate (result
 * InvalidOid), into a table of schema named pg_temp_h<run>_<step>, with
 * the search_path of module schema pinned.  Returns
 * NULL and sets *why_not when the cap is reached or no segment or worker
 * slot is free.  The worker starts later: step_worker_poll tells.
 */
StepWorker *
step_worker_launch(int64 run_id, int stepno, Oid result, const char *select_sql,
				   const char *shown, const char *schema, const char *name,
				   bool with_public, const char **why_not)
{
	int			nestlevel;
	Size		guc_len;
	Size		off = 0;
	Size		total;
	dsm_segment *seg;
	StepWorkerShared *sh;
	BackgroundWorker worker;
	StepWorker *w;

	if (!count_take())
	{
		*why_not = psprintf("hamilton.max_cluster_workers (%d) step workers already run in the cluster",
							hamilton_max_cluster_workers);
		return NULL;
	}

	/* the worker runs with the step's settings, as exec_run_step pins them */
	nestlevel = NewGUCNestLevel();
	pin_module_search_path(schema, with_public);
	pin_sql_reading_settings();
	guc_len = EstimateGUCStateSpace();
	(void) put_text(NULL, &off, select_sql);
	(void) put_text(NULL, &off, shown);
	(void) put_text(NULL, &off, schema);
	(void) put_text(NULL, &off, name);
	total = offsetof(StepWorkerShared, data) + MAXALIGN(off) + guc_len;
	seg = dsm_create(total, DSM_CREATE_NULL_IF_MAXSEGMENTS);
	if (seg == NULL)
	{
		AtEOXact_GUC(true, nestlevel);
		(void) pg_atomic_fetch_sub_u32(&count_attach()->running, 1);
		*why_not = "no dynamic shared memory segment was free";
		return NULL;
	}
	/* the run keeps it across its subtransactions, and detaches it itself */
	dsm_pin_mapping(seg);
	sh = dsm_segment_address(seg);
	memset(sh, 0, offsetof(StepWorkerShared, data));
	pg_atomic_init_u32(&sh->counted, 1);
	on_dsm_detach(seg, count_give_back, PointerGetDatum(sh));
	sh->database = MyDatabaseId;
	sh->authenticated_user = GetAuthenticatedUserId();
	sh->outer_user = GetCurrentRoleId();
	sh->role_is_superuser = session_auth_is_superuser;
	GetUserIdAndSecContext(&sh->current_user, &sh->sec_context);
	sh->run_id = run_id;
	sh->caller_pid = MyProcPid;
	sh->stepno = stepno;
	sh->result = result;
	off = 0;
	sh->sql_off = put_text(sh->data, &off, select_sql);
	sh->shown_off = put_text(sh->data, &off, shown);
	sh->schema_off = put_text(sh->data, &off, schema);
	sh->name_off = put_text(sh->data, &off, name);
	sh->guc_off = MAXALIGN(off);
	SerializeGUCState(guc_len, sh->data + sh->guc_off);
	AtEOXact_GUC(true, nestlevel);
	sh->state = STEP_WORKER_LAUNCHED;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "hamilton");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "hamilton_step_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "pg_hamilton step worker for run " INT64_FORMAT, run_id);
	snprintf(worker.bgw_type, BGW_MAXLEN, "pg_hamilton step worker");
	worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
	worker.bgw_notify_pid = MyProcPid;

	w = palloc0(sizeof(StepWorker));
	w->seg = seg;
	w->sh = sh;
	if (!RegisterDynamicBackgroundWorker(&worker, &w->handle))
	{
		dsm_detach(seg);
		pfree(w);
		*why_not = psprintf("no background worker slot was free (max_worker_processes is %d, shared with parallel query, replication, pg_cron and pg_hamilton's recorder)",
							max_worker_processes);
		return NULL;
	}
	return w;
}

/*
 * step_worker_poll tells where the worker is: launched (not yet started),
 * running, done, failed (its error is kept), or gone: stopped without an
 * answer (killed, or it never started).
 */
StepWorkerState
step_worker_poll(StepWorker *w)
{
	pid_t		pid;
	BgwHandleStatus status;
	int			state = w->sh->state;

	pg_read_barrier();
	if (state == STEP_WORKER_DONE || state == STEP_WORKER_FAILED)
		return state;
	status = GetBackgroundWorkerPid(w->handle, &pid);
	if (status == BGWH_STOPPED || status == BGWH_POSTMASTER_DIED)
	{
		/* it may have answered just before it stopped */
		state = w->sh->state;
		pg_read_barrier();
		if (state == STEP_WORKER_DONE || state == STEP_WORKER_FAILED)
			return state;
		return STEP_WORKER_GONE;
	}
	return state == STEP_WORKER_RUNNING ? STEP_WORKER_RUNNING : STEP_WORKER_LAUNCHED;
}

/* step_worker_pid is the worker's process id, once it has started; else 0. */
int
step_worker_pid(StepWorker *w)
{
	pid_t		pid;

	if (GetBackgroundWorkerPid(w->handle, &pid) == BGWH_STARTED)
		return (int) pid;
	return (int) w->sh->pid;
}

/*
 * step_worker_result is what a worker that is done built: its staging
 * heap, rows, and when it started and ended.
 */
Oid
step_worker_result(StepWorker *w, uint64 *rows, TimestampTz *started_at, TimestampTz *ended_at)
{
	*rows = w->sh->rows;
	*started_at = w->sh->started_at;
	*ended_at = w->sh->ended_at;
	return w->sh->staging;
}

/*
 * step_worker_reads is a copy of the files a worker that is done read for
 * its step, packed by files_pack_reads (*len: their size).
 */
char *
step_worker_reads(StepWorker *w, Size *len)
{
	char	   *copy = palloc(Max(w->sh->reads_len, 1));

	memcpy(copy, w->sh->reads, w->sh->reads_len);
	*len = w->sh->reads_len;
	return copy;
}

/* step_worker_error is a failed worker's error, as an ErrorData to raise again. */
ErrorData *
step_worker_error(StepWorker *w)
{
	ErrorData  *e = palloc0(sizeof(ErrorData));

	e->elevel = ERROR;
	e->sqlerrcode = w->sh->sqlerrcode;
	e->message = pstrdup(w->sh->message);
	e->detail = w->sh->detail[0] ? pstrdup(w->sh->detail) : NULL;
	e->hint = w->sh->hint[0] ? pstrdup(w->sh->hint) : NULL;
	e->context = w->sh->context[0] ? pstrdup(w->sh->context) : NULL;
	return e;
}

/* step_worker_stop asks the worker to stop (SIGTERM: it aborts what it did). */
void
step_worker_stop(StepWorker *w)
{
	TerminateBackgroundWorker(w->handle);
}

/*
 * step_worker_release lets go of a worker that has stopped (or that the
 * caller gives up on): its segment, and its place in the count.
 */
void
step_worker_release(StepWorker *w)
{
	dsm_detach(w->seg);
	pfree(w);
}

/*
 * build_staging makes the staging heap of the result from the result's own
 * descriptor, renames it after its own OID and fills it with the step's
 * rows; returns the number of rows.
 */
static uint64
build_staging(StepWorkerShared *sh, Oid *staging)
{
	const char *shown = sh->data + sh->shown_off;
	Relation	rel;

	LockRelationOid(sh->result, AccessShareLock);
	if (get_rel_relkind(sh->result) != RELKIND_RELATION)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("result table %s was dropped while the run started its step", shown),
				 errdetail("Another session dropped the table before the background worker locked it."),
				 errhint("Run the dataflow again.")));
	rel = table_open(sh->result, NoLock);
	*staging = make_new_heap(sh->result, rel->rd_rel->reltablespace, rel->rd_rel->relam,
							 rel->rd_rel->relpersistence, AccessShareLock);
	table_close(rel, NoLock);
	CommandCounterIncrement();
	RenameRelationInternal(*staging, psprintf("pg_temp_%u", *staging), true, false);
	CommandCounterIncrement();
	return bulk_fill(*staging, sh->data + sh->sql_off, shown);
}

/*
 * build_intermediate keeps an intermediate's rows in a new table of its
 * module, pg_temp_h<run>_<step>, analyzed as materialize_temp does, and
 * returns the number of rows.
 */
static uint64
build_intermediate(StepWorkerShared *sh, Oid *staging)
{
	const char *schema = sh->data + sh->schema_off;
	char	   *name = psprintf("pg_temp_h" INT64_FORMAT "_%d", sh->run_id, sh->stepno + 1);
	char	   *qname = quote_qualified_identifier(schema, name);
	uint64		rows;

	rows = result_statement(psprintf("CREATE TABLE %s AS\n%s", qname, sh->data + sh->sql_off),
							SPI_OK_UTILITY);
	if (rows >= 1000)
		result_statement(psprintf("ANALYZE %s", qname), SPI_OK_UTILITY);
	*staging = get_relname_relid(name, get_namespace_oid(schema, false));
	return rows;
}

/* keep_error copies the error being handled into the segment. */
static void
keep_error(StepWorkerShared *sh)
{
	ErrorData  *e;

	MemoryContextSwitchTo(TopMemoryContext);
	e = CopyErrorData();
	FlushErrorState();
	sh->sqlerrcode = e->sqlerrcode;
	strlcpy(sh->message, e->message ? e->message : "unknown error", STEP_WORKER_TEXT);
	strlcpy(sh->detail, e->detail ? e->detail : "", STEP_WORKER_TEXT);
	strlcpy(sh->hint, e->hint ? e->hint : "", STEP_WORKER_TEXT);
	strlcpy(sh->context, e->context ? e->context : "", STEP_WORKER_TEXT);
}

/*
 * hamilton_step_worker_main is the step worker: it connects as the caller,
 * builds the step's staging heap, notes it in hamilton.staging, commits,
 * and answers in the segment.
 */
void
hamilton_step_worker_main(Datum arg)
{
	dsm_segment *seg;
	StepWorkerShared *sh;
	Oid			staging = InvalidOid;
	uint64		rows = 0;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	seg = dsm_attach(DatumGetUInt32(arg));
	if (seg == NULL)
		proc_exit(0);			/* the run let go first: nothing to do */
	sh = dsm_segment_address(seg);

	BackgroundWorkerInitializeConnectionByOid(sh->database, sh->authenticated_user, 0);
	sh->pid = MyProcPid;
	sh->started_at = GetCurrentTimestamp();
	pg_write_barrier();
	sh->state = STEP_WORKER_RUNNING;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PG_TRY();
	{
		RestoreGUCState(sh->data + sh->guc_off);
		SetCurrentRoleId(sh->outer_user, sh->role_is_superuser);
		SetUserIdAndSecContext(sh->current_user, sh->sec_context);
		SPI_connect();
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, sh->data + sh->sql_off);
		files_begin_step();		/* the caller records what it read */
		rows = OidIsValid(sh->result) ? build_staging(sh, &staging) :
			build_intermediate(sh, &staging);
		sh->reads_len = files_pack_reads(sh->reads, sizeof(sh->reads));
		catalog_insert_staging(staging, sh->data + sh->schema_off, sh->data + sh->name_off,
							   sh->run_id);
		/* a run whose backend is gone would leave the heap to a cleanup */
		if (BackendPidGetProc(sh->caller_pid) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_ADMIN_SHUTDOWN),
					 errmsg("the session of run " INT64_FORMAT " is gone", sh->run_id),
					 errdetail("The background worker drops what it built for the run's step.")));
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		keep_error(sh);
		AbortCurrentTransaction();
		sh->ended_at = GetCurrentTimestamp();
		pg_write_barrier();
		sh->state = STEP_WORKER_FAILED;
		pgstat_report_activity(STATE_IDLE, NULL);
		proc_exit(0);
	}
	PG_END_TRY();

	sh->staging = staging;
	sh->rows = rows;
	sh->ended_at = GetCurrentTimestamp();
	pg_write_barrier();
	sh->state = STEP_WORKER_DONE;
	pgstat_report_activity(STATE_IDLE, NULL);
	proc_exit(0);
}
