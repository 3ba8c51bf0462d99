/*
 * runlog.h
 *	  Stage 7, src/runlog/: what a run leaves behind.  Its history
 *	  (hamilton.run, hamilton.node_run), the lineage of each result it wrote
 *	  (hamilton.result), and the background worker that records a failed
 *	  run.  Below exec/, which writes through it.
 */
#ifndef HAMILTON_RUNLOG_H
#define HAMILTON_RUNLOG_H

#include "postgres.h"

#include "datatype/timestamp.h"

#include "plan.h"

/* history.c */
extern void runlog_record(HPlan *plan, TimestampTz started, const char *status,
						  int failed_step, const char *error, bool autonomous);

/* recorder.c */
extern void runlog_record_autonomously(const char *json);
extern PGDLLEXPORT void hamilton_runlog_worker_main(Datum arg);

/* lineage.c */
extern void lineage_record(HPlan *plan, int stepno, Oid relid);
extern void lineage_record_into(HPlan *plan, List *steps, const char *schema,
								const char *name, const char *sql, Oid relid);

#endif							/* HAMILTON_RUNLOG_H */
