/*
 * runlog.h
 *	  Run history (hamilton.run, hamilton.node_run) and lineage
 *	  (hamilton.result).
 */
#ifndef HAMILTON_RUNLOG_H
#define HAMILTON_RUNLOG_H

#include "postgres.h"
#include "plan.h"

extern int64 runlog_next_run_id(void);
extern void runlog_record(HPlan *plan, TimestampTz started, const char *status,
						  int failed_step, const char *error, bool autonomous);
extern void lineage_record(HPlan *plan, int stepno, Oid relid);
extern void lineage_record_into(HPlan *plan, List *steps, const char *schema,
								const char *name, const char *sql, Oid relid);
extern Oid	lineage_result_relation(const char *schema, const char *name);

extern PGDLLEXPORT void hamilton_runlog_worker_main(Datum arg);

#endif							/* HAMILTON_RUNLOG_H */
