/*-------------------------------------------------------------------------
 *
 * hamilton.c
 *	  pg_hamilton's entry point: the module magic and its settings.
 *
 * Every SQL-callable function lives in the file of its concern:
 *	catalog.c      catalog access, ownership, running catalog writes as owner
 *	registry.c     hamilton_register / unregister / define / drop / tag
 *	sqlparse.c     reading SQL node definitions with raw_parser
 *	dag.c          the graph: building it, indexing nodes by name
 *	dag_load.c     reading nodes from pg_proc and hamilton.sql_node; fingerprints
 *	resolve.c      name resolution (parameters, FROM, API names) and trust
 *	validate.c     closure and every check before a run
 *	request.c      the arguments of execute / validate / explain; reporting problems
 *	order.c        topological order and the cycle that prevents one
 *	values.c       inputs and overrides: JSON values to typed SQL literals
 *	planner.c      what each step does (inline, temp, persist) and its SQL
 *	executor.c     hamilton_execute: running the plan step by step
 *	materialize.c  result tables, replaced atomically; temporary tables
 *	runlog.c       run history and lineage, and the failed-run recorder
 *	graph.c        upstream / downstream / path, the nodes and edges views
 *	decorators.c   frames, variants, checks, parameterize: checked when defined
 *	frame.c        which frame each column node belongs to
 *	frame_compile.c the one query that computes a frame's requested columns
 *	frame_plan.c   column steps grouped by frame; running their query
 *	checks.c       running a node's checks on its result
 *	api/dot.c      hamilton_dot; the picture is drawn in dot/ (members.c, which
 *	               nodes; node.c and quote.c, the statements; render.c, the rest)
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

void		_PG_init(void);

/*
 * _PG_init registers the settings.  Nothing else is needed at load time: the
 * failed-run recorder is a dynamic background worker, so pg_hamilton does
 * not need shared_preload_libraries.
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

	DefineCustomBoolVariable("hamilton.progress",
							 "Report each step of hamilton_execute as it starts and ends.",
							 "Sent as NOTICE messages whose detail is machine-readable (see executor.c); the command-line client uses them for its progress line.",
							 &hamilton_progress,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("hamilton");
}
