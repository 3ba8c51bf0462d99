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

/* (chain3) scalar_fast.c */
extern void scalar_fast_read(HPlan *plan);
extern void scalar_fast_aclcheck(HNode *node);
extern void *scalar_fast_plan(HNode *node);

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
typedef struct FrameSplit FrameSplit;
extern FrameSplit *frame_split_begin(const char *sql, int nkey, int ntargets);
extern TupleDesc frame_split_desc(FrameSplit *r, int k);
extern void frame_split_direct(FrameSplit *r, int k, Oid heap, const char *shown);
extern char **frame_split_run(FrameSplit *r, int step, int *nparts, uint64 *rows);

/* materialize.c */
extern uint64 materialize_result(const char *schema, const char *name,
								 const char *select_sql, const char *doc,
								 const char *node_display, List *refresh_key,
								 Oid *relid);
extern uint64 materialize_temp(const char *temp_name, const char *select_sql);
extern void materialize_drop_temp(const char *temp_name);
/* (outputs) a result written by frame_split_run into its heap */
typedef struct DirectResult
{
	Oid			heap;			/* what frame_split_run fills */
	Oid			result;			/* the existing result, else InvalidOid */
	bool		rename;			/* heap replaces result (its shape changed) */
	char	   *qname;			/* the result, quoted and qualified */
	const char *doc;
} DirectResult;
extern bool materialize_direct_begin(const char *schema, const char *name, TupleDesc desc,
									 const char *doc, const char *node_display,
									 List *refresh_key, DirectResult *d);
extern void materialize_direct_end(DirectResult *d, uint64 rows, Oid *relid);
extern char *materialize_definition(const char *qname, bool temporary, TupleDesc desc);

/* result_sql.c */
extern uint64 result_statement(const char *sql, int expected);

/* bulk_fill.c */
extern uint64 bulk_fill(Oid relid, const char *select_sql, const char *shown);
extern void bulk_refuse_null(const char *column, const char *shown);

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
extern void swap_note_rows(Oid staging, uint64 rows);
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

/* incremental.c, incremental_bound.c, incremental_write.c (incremental nodes, issue 11 part 2) */
extern void incremental_run_step(HPlan *plan, int stepno);
extern char *incremental_bound(HNode *node, IncrementalSpec *spec);
extern uint64 incremental_write(HPlan *plan, int stepno, const char *select_sql,
								const IncrementalRange *range, bool first, Oid *relid);
extern void materialize_check_trusted(Oid relid, const char *schema, const char *qname,
									  const char *node_display);
extern bool materialize_same_shape(Oid relid, const char *select_sql);
extern int64 incremental_restate(const char *node_text, const char *from_text, const char *to_text);
extern int64 incremental_reset(const char *node_text);
/* type_checks.c (features-a: data_type and schema checks) */
extern char *check_types_mismatch(NodeCheck *c, const char *node_display, TupleDesc desc);
/*
 * Parallel runs (issue 12): steps on background workers, which build their
 * results into committed staging heaps that the caller swaps in.
 */
typedef enum StepWorkerState
{
	STEP_WORKER_LAUNCHED,		/* registered, not started yet */
	STEP_WORKER_RUNNING,
	STEP_WORKER_DONE,			/* its staging heap is committed */
	STEP_WORKER_FAILED,			/* its error is kept */
	STEP_WORKER_GONE			/* stopped without an answer */
} StepWorkerState;
typedef struct StepWorker StepWorker;

/* step_worker.c */
extern StepWorker *step_worker_launch(int64 run_id, int stepno, Oid result,
									  const char *select_sql, const char *shown,
									  const char *schema, const char *name,
									  bool with_public, const char **why_not);
extern StepWorkerState step_worker_poll(StepWorker *w);
extern int	step_worker_pid(StepWorker *w);
extern Oid	step_worker_result(StepWorker *w, uint64 *rows, TimestampTz *started_at,
							   TimestampTz *ended_at);
extern ErrorData *step_worker_error(StepWorker *w);
extern void step_worker_stop(StepWorker *w);
extern void step_worker_release(StepWorker *w);
extern int	step_workers_running(void);
extern PGDLLEXPORT void hamilton_step_worker_main(Datum arg);
/* (cachew) the files a worker's step read */
extern char *step_worker_reads(StepWorker *w, Size *len);

/* materialize.c */
extern Oid	materialize_aside_target(const char *schema, const char *name,
									 const char *select_sql, const char *node_display,
									 List *refresh_key, const char **why);

/* A parallel run, as its caller keeps it (parallel_run.c, parallel_collect.c). */
typedef enum
{
	PS_WAITING,				/* not started: for its inputs, or for a slot */
	PS_RUNNING,
	PS_DONE
} ParallelStepState;

typedef struct ParallelRun
{
	HPlan	   *plan;
	int			nworkers;		/* at most this many at once */
	int			running;
	TimestampTz started;
	ParallelStepState *state;
	bool	   *caller;			/* runs in the calling backend */
	bool	   *visible;		/* a worker can read its result */
	int		   *npreds;
	int		  **preds;			/* the steps it reads */
	double	   *priority;		/* longest path to the outputs, in ms */
	StepWorker **worker;
	Oid		   *result;
	double	   *t0;				/* when it was handed over */
	bool		told_no_slot;
	TimestampTz waiting_since;	/* quiet since, for the deadlock check */
	List	   *intermediates;	/* char *: tables workers kept intermediates in */
	MemoryContext cxt;			/* the run's, for what outlives a subtransaction */
	bool	   *remote;			/* (remote) a placed step: sent to its servers */
	struct RemoteStep **rstep;	/* (remote) while it runs there */
} ParallelRun;

/* parallel_collect.c */
extern bool parallel_collect(ParallelRun *r);
extern void parallel_wait(ParallelRun *r);
extern void parallel_stop_workers(ParallelRun *r);
extern double exec_now_ms(void);

/* parallel_run.c */
extern int	parallel_workers_wanted(HPlan *plan);
extern bool parallel_run_steps(HPlan *plan, int workers, TimestampTz started);
extern void parallel_run_failed(void);
extern void parallel_run_end(void);

/* step_loop.c */
extern void exec_run_step_guarded(HPlan *plan, int stepno, TimestampTz started);
/* (cache) cache_skip.c, cache_keep.c: cache => true */
typedef struct CacheRun
{
	char	   *snapshot;		/* taken before the run read anything */
	char	   *xid;
	bool	   *skip;			/* the step does not run */
	char	  **behaviour;		/* its node's cache tag, or "auto" */
	char	  **key;			/* a persisted step's key (md5) */
	char	  **why;			/* why its result cannot be kept for reuse */
	char	  **reason;			/* why it was not reused */
	char	  **data_version;	/* a persisted step's, once decided */
	List	  **walk;			/* a persisted step's intermediates */
	int64	   *cached_from;
	List	  **relations;		/* what each step that ran read */
	List	  **functions;
	char	  **deps_why;
	CacheEntry **entry;			/* a persisted step's entry, or NULL */
	char	  **pre;			/* why its entry is not reusable, whatever
								 * its key (read before deciding) */
	char	  **declared;		/* (track) its node's sources tag, or NULL */
} CacheRun;
extern bool exec_cache_persisted(PlanStep *step);
extern void exec_cache_begin_guarded(HPlan *plan, TimestampTz started);
extern bool exec_cache_skips(HPlan *plan, int i);
extern void exec_cache_step_ran(HPlan *plan, int i);
extern void exec_cache_finish(HPlan *plan);
extern char *exec_cache_entry_refusal(CacheEntry *e);
/* cache_deps_age.c (review: a dependency redefined during the run) */
extern char *exec_cache_deps_changed(CacheRun *cr, List *relations, List *functions);
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
extern bool files_node_saves(HPlan *plan, int n);
/* saved_files.c */
extern char *saved_file_aside(const char *path);

/* (cachew) caching, hooks, savers and files read with background workers */
/* files.c */
extern Size files_pack_reads(char *buf, Size room);
extern void files_take_reads(const char *buf, Size len);
/* parallel_steps.c */
extern void parallel_cached_begin(ParallelRun *r);
extern void parallel_step_built(HPlan *plan, int i, const char *reads, Size len);
/* frame_keys.c (frames, issue 13 item 7: a frame's columns and key at a run) */
extern bool frame_check_columns(HNode *frame, const char *sql);
extern void frame_refuse_duplicate_keys(HNode *frame, const char *relation);
/*
 * (servers) nodes placed on other servers (issue 14): remote_step.c runs a
 * placed step there, remote_commit.c commits its result with the run by
 * two-phase commit, remote_recover.c resolves what a crash left in doubt.
 */
struct ForeignServer;
extern void remote_run_step(HPlan *plan, int stepno, const char *sql);
extern void remote_commit_watch(void);	/* (servers2) */
extern bool remote_foreign_table_matches(Oid rel, const char *server, const char *columns);	/* (servers2) remote_keep.c */
extern bool remote_shards_match(Oid view, const char *schema, const char *name, List *servers,
								const char *columns);
extern void remote_commit_add(HPlan *plan, int stepno, struct ForeignServer *fs,
							  const char *stage, int shard);
extern void remote_commit_columns(HPlan *plan, int stepno, const char *columns);
extern void remote_finish_run(HPlan *plan);
extern void remote_mark_resolved(void);
typedef struct RecoverRow
{
	char	   *gid;			/* or a staging table dropped */
	char	   *server;
	int64		run_id;
	const char *outcome;
} RecoverRow;
extern List *remote_recover(void);
/*
 * (remote) issue 14, remote steps at once: remote_send.c sends a placed
 * step's build to its servers without waiting, parallel_remote.c
 * schedules placed steps with the parallel run's.
 */
typedef struct RemoteStep RemoteStep;
extern RemoteStep *remote_step_begin(HPlan *plan, int stepno, const char *sql);
extern RemoteStep *remote_step_send(HPlan *plan, int stepno, const char *sql);
extern bool remote_step_poll(RemoteStep *rs);
extern void remote_step_cancel(RemoteStep *rs);
extern bool remote_step_uses(RemoteStep *rs, const char *server);
extern bool remote_step_wait(List *steps, long timeout_ms);
extern void remote_step_complete(RemoteStep *rs);
extern struct pg_result *remote_exec_batch(struct pg_conn *conn, const char *sql, int want,
										   const char *where);
extern bool parallel_remote_setup(ParallelRun *r);
extern bool parallel_remote_dispatch(ParallelRun *r);
extern bool parallel_remote_collect(ParallelRun *r);
extern bool parallel_remote_wait(ParallelRun *r, long timeout_ms);
extern void parallel_remote_stop(ParallelRun *r);

/*
 * (shard) remote_partition.c: a sharded node with a shard_key, on the
 * coordinator a table partitioned by list on the key, of one foreign
 * partition per server (issue 14).
 */
extern void remote_partitioned_result(HPlan *plan, int stepno, const char *stage,
									  const char *columns);

/*
 * (review2) frame_run.c: the step of the target a frame group was writing
 * when it failed, for the error to name that node, not the group's step.
 */
extern int	frame_run_failed_step(HPlan *plan, int stepno);

#endif							/* HAMILTON_EXEC_H */
