/*
 * runlog.h
 *	  Stage 7, src/runlog/: what a run leaves behind.  Its history
 *	  (hamilton.run_start, hamilton.run, hamilton.node_run), the lineage of
 *	  each result it wrote (hamilton.result), and the background worker that
 *	  records what must not share the fate of the run's transaction.  Below
 *	  exec/, which writes through it.
 */
#ifndef HAMILTON_RUNLOG_H
#define HAMILTON_RUNLOG_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "nodes/parsenodes.h"

#include "plan.h"

/* What the recorder writes (recorder.c). */
typedef enum RecorderTask
{
	RECORD_START,				/* the start of a run, into hamilton.run_start */
	RECORD_FAILED,				/* a run that failed, into hamilton.run */
	RECORD_ROLLED_BACK,			/* runs that succeeded in a transaction that aborted */
	RECORD_CLEANUP,				/* parallel runs (issue 12): drop the staging heaps
								 * of a failed run, once its transaction ended */
	RECORD_RESOLVED				/* (servers) gids committed after the run's commit */
} RecorderTask;

/* A recorder launched (recorder.c). */
typedef struct Recorder Recorder;

/* history.c */
extern void runlog_begin(HPlan *plan, TimestampTz started);
extern void runlog_record(HPlan *plan, TimestampTz started, const char *status,
						  int failed_step, const char *error, bool autonomous);

/* open_runs.c */
extern void open_runs_add(int64 run_id, Oid recorder_role, Recorder *start);
extern void open_runs_succeeded(int64 run_id, const char *run_fields,
								const CatalogNodeRun *steps, int nsteps);
extern void open_runs_parallel(int64 run_id);

/* (chain) run_json.c: a run's record as JSON, its steps kept until needed */
extern void runlog_json_field(StringInfo buf, const char *key, const char *value, bool last);
extern char *runlog_run_json(const char *run, int64 run_id, const CatalogNodeRun *rows, int n);
extern CatalogNodeRun *runlog_copy_steps(const CatalogNodeRun *rows, int n);

/* recorder.c */
extern Recorder *recorder_launch(RecorderTask task, List *records, Oid role,
								 const char *what, bool outlive);
extern bool recorder_wait(Recorder *rec, const char *what);
extern bool recorder_finished(Recorder *rec);
extern bool recorder_gone(Recorder *rec);
extern void recorder_release(Recorder *rec);
extern PGDLLEXPORT void hamilton_runlog_worker_main(Datum arg);

/* lineage.c */
extern void lineage_record(HPlan *plan, int stepno, Oid relid);
extern void lineage_record_into(HPlan *plan, List *steps, const char *schema,
								const char *name, const char *sql, Oid relid);

/* column_trace.c, column_lineage.c (features-b: column lineage, issue 13 item 11) */
typedef struct TracedColumn
{
	Oid			relid;
	AttrNumber	attno;
	char	   *file;			/* or a column of a file hamilton_read_file reads */
	char	   *column;
} TracedColumn;
extern List **column_trace(Query *q, int *ncols);
extern void column_lineage_step(HPlan *plan, int stepno, Oid relid);

#endif							/* HAMILTON_RUNLOG_H */
