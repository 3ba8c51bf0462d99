/*-------------------------------------------------------------------------
 *
 * graph_queries.c
 *	  Graph queries: hamilton_upstream, hamilton_downstream, hamilton_path.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "utils/builtins.h"

#include "api.h"

PG_FUNCTION_INFO_V1(hamilton_upstream);
PG_FUNCTION_INFO_V1(hamilton_downstream);
PG_FUNCTION_INFO_V1(hamilton_path);

static Datum graph_walk_function(FunctionCallInfo fcinfo, bool downstream);
static void emit_walk(Dag *dag, ReturnSetInfo *rsinfo, int *depth);

typedef struct DepthRow
{
	const char *display;
	int			depth;
} DepthRow;

static int
depth_row_cmp(const void *a, const void *b)
{
	const DepthRow *ra = a;
	const DepthRow *rb = b;

	if (ra->depth != rb->depth)
		return ra->depth - rb->depth;
	return strcmp(ra->display, rb->display);
}

/* emit_walk returns every reached node but the start, by depth then name. */
static void
emit_walk(Dag *dag, ReturnSetInfo *rsinfo, int *depth)
{
	DepthRow   *rows = palloc(sizeof(DepthRow) * Max(dag->nnodes, 1));
	int			n = 0,
				i;

	for (i = 0; i < dag->nnodes; i++)
		if (depth[i] > 0)
		{
			rows[n].display = dag->nodes[i].display;
			rows[n].depth = depth[i];
			n++;
		}
	qsort(rows, n, sizeof(DepthRow), depth_row_cmp);
	for (i = 0; i < n; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = CStringGetTextDatum(rows[i].display);
		values[1] = Int32GetDatum(rows[i].depth);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/* graph_walk_function: the nodes up- or downstream of one, with their distance. */
static Datum
graph_walk_function(FunctionCallInfo fcinfo, bool downstream)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Dag		   *dag;
	int			start;
	int		   *depth,
			   *parent;

	InitMaterializedSRF(fcinfo, 0);
	dag = api_begin_with_dag(NULL, false);
	start = dag_resolve_graph_name(dag, name);
	depth = palloc(sizeof(int) * dag->nnodes);
	parent = palloc(sizeof(int) * dag->nnodes);
	dag_walk(dag, start, downstream, depth, parent, -1);
	emit_walk(dag, rsinfo, depth);
	api_end();
	return (Datum) 0;
}

/* hamilton_upstream(node): every node and input it needs, with the distance. */
Datum
hamilton_upstream(PG_FUNCTION_ARGS)
{
	return graph_walk_function(fcinfo, false);
}

/* hamilton_downstream(node): every node that needs it, with the distance. */
Datum
hamilton_downstream(PG_FUNCTION_ARGS)
{
	return graph_walk_function(fcinfo, true);
}

/*
 * hamilton_path(from, to): a shortest path along which data flows from one
 * node to the other, one row per node (depth 0 is from_node); no rows when
 * to_node does not depend on from_node.
 */
Datum
hamilton_path(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *from = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *to = text_to_cstring(PG_GETARG_TEXT_PP(1));
	Dag		   *dag;
	int			a,
				b,
				cur,
				len;
	int		   *depth,
			   *parent;

	InitMaterializedSRF(fcinfo, 0);
	dag = api_begin_with_dag(NULL, false);
	a = dag_resolve_graph_name(dag, from);
	b = dag_resolve_graph_name(dag, to);
	depth = palloc(sizeof(int) * dag->nnodes);
	parent = palloc(sizeof(int) * dag->nnodes);
	dag_walk(dag, a, true, depth, parent, b);
	if (depth[b] >= 0)
	{
		int		   *path = palloc(sizeof(int) * (depth[b] + 1));
		int			i;

		len = 0;
		for (cur = b; cur >= 0; cur = parent[cur])
			path[len++] = cur;
		for (i = len - 1; i >= 0; i--)
		{
			Datum		values[2];
			bool		nulls[2] = {false, false};

			values[0] = CStringGetTextDatum(dag->nodes[path[i]].display);
			values[1] = Int32GetDatum(len - 1 - i);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	api_end();
	return (Datum) 0;
}
