/*-------------------------------------------------------------------------
 *
 * hamilton.c
 *	  pg_hamilton's entry point: the module magic and its settings.
 *
 * The code is laid out by stage, in the order a request's data flows
 * through it; a stage calls only the stages before it (checked by
 * scripts/check-layout.sh), and each has one header, include/<stage>.h:
 *
 *	src/catalog/  pg_hamilton's tables; the owner's rights, pinned settings,
 *	              checked SPI, node names
 *	src/parse/    reading SQL definitions (raw_parser, token spans) and the
 *	              JSON and array arguments
 *	src/dag/      the graph: loading nodes, resolving names, frames, order,
 *	              fingerprints, walks
 *	src/define/   registering modules, defining nodes, decorators as options
 *	src/validate/ every check before a run; the plan's closure and order;
 *	              input values
 *	src/plan/     what each step does and its SQL; frame compilation; explain
 *	src/runlog/   run history, lineage, the run recorder
 *	src/exec/     the step loop, materialization, data checks
 *	src/dot/      Graphviz pictures of the graph and of runs (hamilton_dot)
 *	src/api/      the SQL-callable entry points, and only them
 *
 * docs/architecture.md walks one call of hamilton_execute through them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "hamilton.h"

PG_MODULE_MAGIC;

bool		hamilton_inline_intermediates = true;
int			hamilton_max_inline_depth = 16;
bool		hamilton_progress = false;
bool		hamilton_record_run_start = true;
bool		hamilton_batch_scalars = true;
bool		hamilton_cache_graph = true;
int			hamilton_max_results_aside = -1;
int			hamilton_max_workers = 0;
int			hamilton_max_cluster_workers = 8;
int			hamilton_worker_min_ms = 20;
bool		hamilton_cache = false;	/* (cache) */
bool		hamilton_test_skip_commit_prepared = false; /* (servers) test hook */

void		_PG_init(void);

/*
 * _PG_init registers the settings.  Nothing else is needed at load time: the
 * run recorder is a dynamic background worker, so pg_hamilton does not need
 * shared_preload_libraries.
 */
void
_PG_init(void)
{
	DefineCustomBoolVariable("hamilton.inline_intermediates",
							 "Inline intermediate SQL nodes into their only consumer.",
							 "When off, every intermediate is written to a temporary table.",
							 &hamilton_inline_intermediates,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("hamilton.max_inline_depth",
							"How many inlined intermediates may nest in one query.",
							"Deeper chains are cut with temporary tables, so that planning stays cheap.",
							&hamilton_max_inline_depth,
							16, 1, 1000,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("hamilton.max_results_aside",
							"How many results one run may build aside and swap in at the end.",
							"Each result built aside holds about 16 locks until the run's transaction ends; "
							"later results of the run are written in place, with TRUNCATE and INSERT. "
							"-1: as many as half the lock table holds (max_locks_per_transaction x "
							"(max_connections + max_prepared_transactions) / 32).",
							&hamilton_max_results_aside,
							-1, -1, PG_INT32_MAX,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("hamilton.progress",
							 "Report each step of hamilton_execute as it starts and ends.",
							 "Sent as NOTICE messages whose detail is machine-readable (see src/exec/step_loop.c); the command-line client uses them for its progress line.",
							 &hamilton_progress,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("hamilton.record_run_start",
							 "Record each run when it starts, in a transaction of its own.",
							 "When off, a run is recorded only when it ends, as before version 1.1: a run whose session dies, or whose transaction rolls back, leaves no row in hamilton.runs.  For measuring what the start record costs.",
							 &hamilton_record_run_start,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("hamilton.batch_scalars",
							 "Evaluate scalar function steps whose inputs are computed through fmgr, in batches.",
							 "When off, every scalar step runs as a statement in a subtransaction of its own, as before version 1.2.  For measuring what batching saves, and as a way back.",
							 &hamilton_batch_scalars,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("hamilton.cache_graph",
							 "Keep the graph a request built for the session's next identical request, until the catalog changes.",
							 "When off, hamilton_execute, hamilton_validate and hamilton_explain read the graph from the catalog at every call, as before version 1.2.",
							 &hamilton_cache_graph,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("hamilton.max_workers",
							"How many background workers a run uses when hamilton_execute is not given workers.",
							"0 runs every step in the calling backend. Each worker takes a slot of max_worker_processes while it runs one step.",
							&hamilton_max_workers,
							0, 0, 1024,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("hamilton.max_cluster_workers",
							"How many pg_hamilton step workers may run at once in the whole cluster.",
							"max_worker_processes is shared with parallel query, logical replication, pg_cron and pg_hamilton's run recorder; "
							"a run that finds this cap reached runs its steps in the calling backend.",
							&hamilton_max_cluster_workers,
							8, 0, 1024,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("hamilton.worker_min_ms",
							"A step of a parallel run that took less than this the last time runs in the calling backend.",
							"A background worker takes a few milliseconds to start; a step known to be shorter runs "
							"in the caller, whose run then is no slower than a serial one. 0 sends every step that "
							"can run on a worker to one.",
							&hamilton_worker_min_ms,
							20, 0, PG_INT32_MAX,
							PGC_USERSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("hamilton.cache",
							 "Reuse a persisted result whose code, inputs and sources are unchanged (cache => true when not given).",
							 "A node is recomputed when its cache key or anything it read changed since the run that made its result; cache => false turns it off for one run.",
							 &hamilton_cache,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	/* (servers) a test hook: a crash between the local commit and COMMIT PREPARED */
	DefineCustomBoolVariable("hamilton.test_skip_commit_prepared",
							 "Test hook: after a run commits, leave the swaps it prepared on other servers in doubt.",
							 "As a crash between the local commit and COMMIT PREPARED would; hamilton_recover() resolves them.  For tests only.",
							 &hamilton_test_skip_commit_prepared,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("hamilton");
}
