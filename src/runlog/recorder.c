/*-------------------------------------------------------------------------
 *
 * recorder.c
 *	  The failed-run recorder: a short-lived dynamic background worker that
 *	  writes a failed run's history in a transaction of its own, while the
 *	  failing caller waits.  It needs no shared_preload_libraries entry.
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

/*
 * runlog_record_autonomously hands the run to the failed-run recorder and waits
 * for it, at most RECORDER_TIMEOUT_MS.  It runs while a node's error is
 * being handled, so it must not raise another one: interrupts are held
 * during the (bounded) wait, and every way the record can be lost ends in a
 * warning, never in an error that would hide the node's own.
 */
void
runlog_record_autonomously(const char *json)
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
				 errmsg("could not record the failed run in " HAMILTON_SCHEMA ".runs"),
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
				 errmsg("could not record the failed run in " HAMILTON_SCHEMA ".runs"),
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
				 errmsg("could not record the failed run in " HAMILTON_SCHEMA ".runs"),
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

	catalog_insert_run(payload->json);

	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pg_memory_barrier();
	payload->recorded = true;
	pgstat_report_activity(STATE_IDLE, NULL);
	dsm_detach(seg);
	proc_exit(0);
}
