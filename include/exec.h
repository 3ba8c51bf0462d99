/*
 * exec.h
 *	  Stage 8, src/exec/: running a planned request.  The step loop, each
 *	  step's work, writing results as tables, and the data checks on them.
 *
 * Node SQL runs here, always with the caller's rights, with search_path
 * pinned to the node's module.
 */
#ifndef HAMILTON_EXEC_H
#define HAMILTON_EXEC_H

#include "postgres.h"

#include "runlog.h"

/* step_loop.c */
extern void plan_execute(HPlan *plan);
extern void exec_report_progress(HPlan *plan, int stepno, bool done);
extern void exec_step_failed(HPlan *plan, int stepno, TimestampTz started,
							 ErrorData *edata, double step_started_ms) pg_attribute_noreturn();

/* scalar_batch.c */
extern int	scalar_batch_length(HPlan *plan, int start);
extern void scalar_batch_run(HPlan *plan, int start, int count, TimestampTz started);

/* run_step.c */
extern void exec_run_step(HPlan *plan, int stepno);

/* frame_run.c */
extern void frame_run_group(HPlan *plan, FrameGroup *g);

/* materialize.c */
extern uint64 materialize_result(const char *schema, const char *name,
								 const char *select_sql, const char *doc,
								 const char *node_display, Oid *relid);
extern uint64 materialize_temp(const char *temp_name, const char *select_sql);
extern void materialize_drop_temp(const char *temp_name);

/* result_locks.c */
extern void lock_result_names(List *schema_name_pairs);

/* data_checks.c */
extern void checks_run(HPlan *plan, int stepno, const char *relation);

#endif							/* HAMILTON_EXEC_H */
