/*-------------------------------------------------------------------------
 *
 * build.c
 *	  Building the graph from the catalogs: function nodes, SQL nodes (and
 *	  the columns of frames), then the edges between them, then frames.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "dag.h"

/*
 * dag_build reads every node from the catalogs and resolves their
 * dependencies.  The caller must be connected to SPI; the graph is
 * allocated in a child of the memory context current at the call, so the
 * caller should call it from a context that outlives SPI_finish if needed.
 */
Dag *
dag_build(void)
{
	return dag_build_config(NULL, false);
}

/*
 * dag_build_config builds the graph for a config: of a node's variants, the
 * one whose config_when matches.  With all_variants, every variant is a
 * node (for listing them).
 */
Dag *
dag_build_config(Jsonb *config, bool all_variants)
{
	Dag		   *dag = dag_create(config, all_variants);
	MemoryContext old = MemoryContextSwitchTo(dag->cxt);

	dag_load_function_nodes(dag);
	dag_load_sql_nodes(dag);
	dag_resolve_dependencies(dag);
	dag_infer_frames(dag);

	MemoryContextSwitchTo(old);
	return dag;
}
