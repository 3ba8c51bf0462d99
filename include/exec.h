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
#include "utils/relcache.h"
#include "utils/tuplestore.h"

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

/* The key a node's result is refreshed on, or NIL: replaced (dag/refresh.c). */
#define NODE_REFRESH_KEY(node) ((node)->concurrent ? (node)->refresh_key : NIL)

/* frame_split.c: a part table holds the key and at most this many targets */
#define FRAME_PART_WIDTH 32
extern char **frame_split(const char *sql, int nkey, int ntargets, int step, uint64 *rows);

/* materialize.c */
extern uint64 materialize_result(const char *schema, const char *name,
								 const char *select_sql, const char *doc,
								 const char *node_display, List *refresh_key,
								 Oid *relid);
extern uint64 materialize_temp(const char *temp_name, const char *select_sql);
extern void materialize_drop_temp(const char *temp_name);

/* result_sql.c */
extern uint64 result_statement(const char *sql, int expected);

/* bulk_fill.c */
extern uint64 bulk_fill(Oid relid, const char *select_sql, const char *shown);

/* swap.c */
extern void *swap_begin_run(void);
extern void swap_end_run(void *outer);
extern void swap_defer(Oid result, Oid staging, const char *qname, const char *name,
					   const char *doc, const char *node_display, bool rename,
					   uint64 rows);
extern const char *swap_reading(const char *qname);
extern const char *swap_shown(const char *qname);
extern void swap_finish_run(void);
/* about how many locks one result built aside holds until the transaction ends */
#define SWAP_LOCKS_PER_RESULT 16
extern bool swap_has_room(const char *qname, const char *node_display);
extern void swap_result_heap(Oid result, Oid staging, TransactionId frozenxid,
							 MultiXactId minmxid);

/* swap_checks.c */
extern const char *swap_bypass_reason(Relation rel);
extern void swap_check_privileges(Relation rel, const char *qname, const char *node_display);

/* refresh_concurrent.c */
extern uint64 refresh_concurrent(Oid rel, const char *qname, const char *select_sql,
								 const char *node_display, List *key, Oid *relid);
extern void refresh_concurrent_created(Oid relid, const char *qname,
									   const char *node_display, List *key,
									   bool reshaped);

/* result_locks.c */
extern void lock_result_names(List *schema_name_pairs);

/* data_checks.c */
extern void checks_run(HPlan *plan, int stepno, const char *relation);

/* hooks.c (features-b: lifecycle hooks, issue 13 item 10) */
extern void hooks_begin_run(HPlan *plan);
extern bool hooks_for_nodes(HPlan *plan);
extern void hooks_node(HPlan *plan, const char *event, int stepno, bool failing);
extern void hooks_run(HPlan *plan, const char *event, const char *status,
					  const char *node, TimestampTz started);

/* files.c (features-b: loaders and savers, issue 13 item 9) */
extern int64 exec_read_file(const char *path, Jsonb *options, TupleDesc desc,
							Tuplestorestate *ts);
extern void files_begin_step(void);
extern void files_end_step(HPlan *plan, int stepno);
extern bool files_run_saves(HPlan *plan);
/* saved_files.c */
extern char *saved_file_aside(const char *path);

#endif							/* HAMILTON_EXEC_H */
