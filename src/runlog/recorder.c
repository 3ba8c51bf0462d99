/*-------------------------------------------------------------------------
 *
 * recorder.c
 *	  The recorder: a short-lived dynamic background worker that writes a
 *	  run's record in a transaction of its own, so that the record does not
 *	  share the fate of the run's transaction.  It needs no
 *	  shared_preload_libraries entry.
 *
 * It records three things (RecorderTask): the start of a run, while the run
 * goes on (nobody waits for it); a run that failed, while the failing
 * caller waits; and runs that succeeded in a transaction that then rolled
 * back, while the aborting caller waits; the gids of remote transactions
 * committed after a run's commit (several servers; nobody waits); and, for a parallel run that
 * failed, it drops the staging heaps its workers committed, once the run's
 * transaction lets go of them (nobody waits for that).  What to write reaches it in a
 * dynamic shared memory segment: one or more JSON texts, each followed by a
 * NUL.  It connects as the catalog's owner, and never waits for the run's
 * transaction: it writes only rows that transaction does not hold.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "runlog.h"

/* What the recorder finds in its shared memory segment. */
typedef struct RecorderPayload
{
	Oid			database;
	Oid			role;
	RecorderTask task;
	bool		pinned;			/* the segment outlives its creator: unpin it */
	bool		recorded;		/* set by the worker once it committed */
	int			nrecords;
	Size		len;
	char		json[FLEXIBLE_ARRAY_MEMBER];
} RecorderPayload;

/* A recorder launched, as its launcher sees it. */
struct Recorder
{
	dsm_segment *seg;
	RecorderPayload *payload;
	BackgroundWorkerHandle *handle;
};

/* How long a caller waits for its record to be written. */
#define RECORDER_TIMEOUT_MS 10000

/* How long a cleanup waits for the failed run's transaction to let go. */
#define RECORDER_CLEANUP_WAIT_MS 60000

static void record_warning(const char *what, const char *detail, const char *hint);

/* record_warning says that what (e.g. "the failed run 42") is not recorded. */
static void
record_warning(const char *what, const char *detail, const char *hint)
{
	ereport(WARNING,
			(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
			 errmsg("could not record %s in " HAMILTON_SCHEMA ".runs", what),
			 errdetail("%s", detail),
			 errhint("%s", hint)));
}

/*
 * recorder_launch hands records (a List of JSON texts) to a new recorder,
 * connecting as role, and returns at once; NULL, after a warning naming
 * what, when no segment or worker slot is free.  It must not raise an
 * error: it runs while an error is handled, or a transaction aborts.  With
 * outlive, the segment stays when its creator goes (the recorder removes
 * it), so that the caller need not wait; otherwise it lasts while the
 * caller keeps it (recorder_release).
 */
Recorder *
recorder_launch(RecorderTask task, List *records, Oid role, const char *what, bool outlive)
{
	Size		len = 0;
	ListCell   *lc;
	dsm_segment *seg;
	RecorderPayload *payload;
	BackgroundWorker worker;
	Recorder   *rec;
	char	   *p;

	foreach(lc, records)
		len += strlen(lfirst(lc)) + 1;
	seg = dsm_create(offsetof(RecorderPayload, json) + len, DSM_CREATE_NULL_IF_MAXSEGMENTS);
	if (seg == NULL)
	{
		record_warning(what, "No dynamic shared memory segment was free.",
					   "Raise max_connections or dynamic_shared_memory settings, or retry when the server is less busy.");
		return NULL;
	}
	/* the caller decides how long it keeps the segment, across subtransactions */
	dsm_pin_mapping(seg);
	payload = dsm_segment_address(seg);
	payload->database = MyDatabaseId;
	payload->role = role;
	payload->task = task;
	payload->pinned = outlive;
	payload->recorded = false;
	payload->nrecords = list_length(records);
	payload->len = len;
	p = payload->json;
	foreach(lc, records)
	{
		Size		n = strlen(lfirst(lc)) + 1;

		memcpy(p, lfirst(lc), n);
		p += n;
	}

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "hamilton");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "hamilton_runlog_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "pg_hamilton run recorder");
	snprintf(worker.bgw_type, BGW_MAXLEN, "pg_hamilton recorder");
	worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
	/* a caller that does not wait is not told when the recorder stops */
	worker.bgw_notify_pid = outlive || task == RECORD_START ? 0 : MyProcPid;

	rec = palloc0(sizeof(Recorder));
	rec->seg = seg;
	rec->payload = payload;
	if (outlive)
		dsm_pin_segment(seg);
	if (!RegisterDynamicBackgroundWorker(&worker, &rec->handle))
	{
		if (outlive)
			dsm_unpin_segment(dsm_segment_handle(seg));
		dsm_detach(seg);
		pfree(rec);
		record_warning(what, "No background worker slot was free.", "Raise max_worker_processes.");
		return NULL;
	}
	return rec;
}

/*
 * recorder_wait waits, at most RECORDER_TIMEOUT_MS, for the recorder to
 * stop, and says (a warning naming what) when it did not record.  It runs
 * while a node's error is handled, or a transaction aborts, so it must not
 * raise another error: interrupts are held during the (bounded) wait.
 */
bool
recorder_wait(Recorder *rec, const char *what)
{
	BgwHandleStatus status = BGWH_NOT_YET_STARTED;
	TimestampTz started;

	HOLD_INTERRUPTS();
	started = GetCurrentTimestamp();
	for (;;)
	{
		pid_t		pid;

		status = GetBackgroundWorkerPid(rec->handle, &pid);
		if (status == BGWH_STOPPED || status == BGWH_POSTMASTER_DIED ||
			TimestampDifferenceExceeds(started, GetCurrentTimestamp(), RECORDER_TIMEOUT_MS))
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 20, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	RESUME_INTERRUPTS();

	if (recorder_finished(rec))
		return true;
	ereport(WARNING,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("could not record %s in " HAMILTON_SCHEMA ".runs", what),
			 status == BGWH_STOPPED ?
			 errdetail("The recorder stopped without writing it; the server log says why.") :
			 status == BGWH_POSTMASTER_DIED ?
			 errdetail("The server is shutting down.") :
			 errdetail("The recorder did not finish within %d ms.", RECORDER_TIMEOUT_MS),
			 errhint("The recorder connects as the extension's owner, which must be able to log in.")));
	return false;
}

/* recorder_finished: has the recorder committed what it was given? */
bool
recorder_finished(Recorder *rec)
{
	pg_memory_barrier();		/* see what the recorder wrote before it said so */
	return rec->payload->recorded;
}

/*
 * recorder_gone: has the recorder stopped, whether or not it recorded?  Its
 * segment is of no more use then.
 */
bool
recorder_gone(Recorder *rec)
{
	pid_t		pid;

	return recorder_finished(rec) ||
		GetBackgroundWorkerPid(rec->handle, &pid) == BGWH_STOPPED;
}

/*
 * recorder_release lets go of the recorder's segment.  A recorder that has
 * not attached to it yet then finds nothing: the run it was to record has
 * ended, and its transaction too.
 */
void
recorder_release(Recorder *rec)
{
	dsm_detach(rec->seg);
	pfree(rec);
}

/*
 * hamilton_runlog_worker_main is the recorder: it connects to the caller's
 * database as the catalog owner and writes its records in one transaction
 * of its own; then it deletes the starts of runs that have ended.
 */
void
hamilton_runlog_worker_main(Datum arg)
{
	dsm_handle	handle = DatumGetUInt32(arg);
	dsm_segment *seg;
	RecorderPayload *payload;
	const char *json;
	int			i;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	seg = dsm_attach(handle);
	if (seg == NULL)
		proc_exit(0);			/* the run's session let go first: nothing to record */
	payload = dsm_segment_address(seg);
	if (payload->pinned)
		dsm_unpin_segment(handle);

	BackgroundWorkerInitializeConnectionByOid(payload->database, payload->role, 0);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	/* the owner's rights are in force: pick up nothing by name but ours */
	SetConfigOption("search_path", HAMILTON_SAFE_SEARCH_PATH, PGC_USERSET, PGC_S_OVERRIDE);
	/* a record is what survives a crash: flushed before it counts as written */
	SetConfigOption("synchronous_commit", "on", PGC_USERSET, PGC_S_OVERRIDE);
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, payload->task == RECORD_START ?
						   "pg_hamilton: recording the start of a run" :
						   payload->task == RECORD_FAILED ?
						   "pg_hamilton: recording a failed run" :
						   payload->task == RECORD_CLEANUP ?
						   "pg_hamilton: dropping the staging heaps of a failed run" :
						   payload->task == RECORD_RESOLVED ?
						   "pg_hamilton: recording remote transactions committed" :
						   "pg_hamilton: recording runs that were rolled back");

	json = payload->json;
	for (i = 0; i < payload->nrecords; i++)
	{
		if (payload->task == RECORD_START)
			catalog_insert_run_start(json);
		else if (payload->task == RECORD_CLEANUP)
			(void) catalog_drop_staging(strtoi64(json, NULL, 10), true, RECORDER_CLEANUP_WAIT_MS);
		else if (payload->task == RECORD_RESOLVED)
			(void) catalog_resolve_remote_commit(json, "committed");
		else
			catalog_insert_run(json, payload->task == RECORD_ROLLED_BACK);
		json += strlen(json) + 1;
	}
	if (catalog_keeps_run_starts())
		catalog_forget_ended_starts();

	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pg_memory_barrier();
	payload->recorded = true;
	pgstat_report_activity(STATE_IDLE, NULL);
	dsm_detach(seg);
	proc_exit(0);
}
