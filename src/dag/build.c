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
 * node (for listing them).  Each node's names resolve as a run of that
 * node alone would resolve them (NS_EACH_NODE).
 */
Dag *
dag_build_config(Jsonb *config, bool all_variants)
{
	DagRequest	request;

	memset(&request, 0, sizeof(request));
	request.mode = NS_EACH_NODE;
	return dag_build_request(config, all_variants, &request);
}

/*
 * dag_build_request builds the graph a request sees: its names resolve
 * among its modules (namespace.c), which are known once the nodes are
 * loaded (by default, the modules of its outputs).
 */
Dag *
dag_build_request(Jsonb *config, bool all_variants, const DagRequest *request)
{
	Dag		   *dag = dag_create(config, all_variants);
	MemoryContext old = MemoryContextSwitchTo(dag->cxt);

	dag_load_function_nodes(dag);
	dag_load_sql_nodes(dag);
	dag_load_incremental(dag);	/* incremental nodes (incremental.c) */
	dag_mark_stale_subdags(dag);	/* (subdag) subdag.c */
	dag_load_placements(dag);	/* (servers) placed nodes (placement.c) */
	dag_set_namespace(dag, request);
	dag_resolve_dependencies(dag);
	dag_infer_frames(dag);

	MemoryContextSwitchTo(old);
	return dag;
}
