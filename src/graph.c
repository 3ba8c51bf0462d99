/*-------------------------------------------------------------------------
 *
 * graph.c
 *	  Graph queries (hamilton_upstream, hamilton_downstream, hamilton_path)
 *	  and the rows behind the views hamilton.nodes and hamilton.edges.
 *
 * Every traversal is breadth first over arrays with an explicit queue, so a
 * chain of any length costs memory, never stack.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "dag.h"

PG_FUNCTION_INFO_V1(hamilton_upstream);
PG_FUNCTION_INFO_V1(hamilton_downstream);
PG_FUNCTION_INFO_V1(hamilton_path);
PG_FUNCTION_INFO_V1(hamilton_node_list);
PG_FUNCTION_INFO_V1(hamilton_edge_list);

static int	resolve_graph_name(Dag *dag, const char *text);
static void walk(Dag *dag, int start, bool downstream, int *depth, int *parent,
				 int stop_at);
static void emit_walk(Dag *dag, ReturnSetInfo *rsinfo, int *depth);
static Datum text_list_array(List *items);
static Jsonb **load_tags(Dag *dag);

/*
 * resolve_graph_name accepts a node name, or the name of an input (so that
 * hamilton_downstream('horizon') tells what an input feeds).
 */
static int
resolve_graph_name(Dag *dag, const char *text)
{
	HProblem   *p;
	int			idx = dag_resolve_name(dag, text, &p, "node");

	if (idx >= 0)
		return idx;
	if (strchr(text, '.') == NULL)
	{
		idx = dag_find_input(dag, text);
		if (idx >= 0)
			return idx;
	}
	return dag_resolve_name_or_error(dag, text);
}

/*
 * walk does a breadth-first search from start, upstream or downstream,
 * filling depth[] (-1: not reached) and parent[]; it stops early once
 * stop_at is reached.
 */
static void
walk(Dag *dag, int start, bool downstream, int *depth, int *parent, int stop_at)
{
	int		   *queue = palloc(sizeof(int) * dag->nnodes);
	int			head = 0,
				tail = 0,
				i;

	for (i = 0; i < dag->nnodes; i++)
		depth[i] = parent[i] = -1;
	if (downstream)
		dag_build_downstream(dag);
	depth[start] = 0;
	queue[tail++] = start;
	while (head < tail)
	{
		int			cur = queue[head++];

		CHECK_FOR_INTERRUPTS();
		if (cur == stop_at)
			break;
		if (downstream)
		{
			int			k;

			for (k = dag->down_start[cur]; k < dag->down_start[cur + 1]; k++)
			{
				int			next = dag->down_list[k];

				if (depth[next] < 0)
				{
					depth[next] = depth[cur] + 1;
					parent[next] = cur;
					queue[tail++] = next;
				}
			}
		}
		else
		{
			HNode	   *node = &dag->nodes[cur];
			int			d;

			for (d = 0; d < node->ndeps; d++)
			{
				int			next = node->deps[d].target;

				if (depth[next] < 0)
				{
					depth[next] = depth[cur] + 1;
					parent[next] = cur;
					queue[tail++] = next;
				}
			}
		}
	}
	pfree(queue);
}

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

static Datum
graph_walk_function(FunctionCallInfo fcinfo, bool downstream)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext callcxt;
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Dag		   *dag;
	int			start;
	int		   *depth,
			   *parent;

	InitMaterializedSRF(fcinfo, 0);
	callcxt = CurrentMemoryContext;
	SPI_connect();
	MemoryContextSwitchTo(callcxt);
	dag = dag_build();
	start = resolve_graph_name(dag, name);
	depth = palloc(sizeof(int) * dag->nnodes);
	parent = palloc(sizeof(int) * dag->nnodes);
	walk(dag, start, downstream, depth, parent, -1);
	emit_walk(dag, rsinfo, depth);
	SPI_finish();
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
	MemoryContext callcxt;
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
	callcxt = CurrentMemoryContext;
	SPI_connect();
	MemoryContextSwitchTo(callcxt);
	dag = dag_build();
	a = resolve_graph_name(dag, from);
	b = resolve_graph_name(dag, to);
	depth = palloc(sizeof(int) * dag->nnodes);
	parent = palloc(sizeof(int) * dag->nnodes);
	walk(dag, a, true, depth, parent, b);
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
	SPI_finish();
	return (Datum) 0;
}

/* text_list_array: a text[] of a List of String nodes. */
static Datum
text_list_array(List *items)
{
	int			n = list_length(items);
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, items)
		elems[i++] = CStringGetTextDatum(strVal(lfirst(lc)));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* load_tags reads every node's tags in one query, indexed like the nodes. */
static Jsonb **
load_tags(Dag *dag)
{
	Jsonb	  **tags = palloc0(sizeof(Jsonb *) * Max(dag->nnodes, 1));
	uint64		i;

	spi_exec_checked("SELECT schema_name, node_name, pg_catalog.jsonb_object_agg(tag_key, tag_value ORDER BY tag_key) "
					 "FROM hamilton.node_tag GROUP BY 1, 2",
					 0, NULL, NULL, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		bool		isnull;
		int			idx = dag_find_qualified(dag, SPI_getvalue(row, SPI_tuptable->tupdesc, 1),
											 SPI_getvalue(row, SPI_tuptable->tupdesc, 2));

		if (idx >= 0)
			tags[idx] = DatumGetJsonbPCopy(SPI_getbinval(row, SPI_tuptable->tupdesc, 3, &isnull));
	}
	return tags;
}

/*
 * hamilton_node_list is hamilton.nodes: every node (and every input) as the
 * next execution will see it.
 */
Datum
hamilton_node_list(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext callcxt;
	Dag		   *dag;
	Jsonb	  **tags;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	callcxt = CurrentMemoryContext;
	SPI_connect();
	MemoryContextSwitchTo(callcxt);
	dag = dag_build_config(NULL, true);	/* every variant */
	tags = load_tags(dag);

	for (i = 0; i < dag->nnodes; i++)
	{
		HNode	   *node = &dag->nodes[i];
		Datum		values[19];
		bool		nulls[19];
		List	   *inputs = NIL;
		List	   *sources = NIL;
		char	   *type = dag_type_name(node);
		char	   *definition = node->sql;
		char	   *owner_name;
		int			d;

		CHECK_FOR_INTERRUPTS();
		memset(nulls, 0, sizeof(nulls));
		for (d = 0; d < node->ndeps; d++)
			inputs = list_append_unique(inputs, makeString(dag->nodes[node->deps[d].target].display));
		for (d = 0; d < node->nrefs; d++)
			if (node->refs[d].source)
				sources = list_append_unique(sources, makeString(node->refs[d].source));
		if (OidIsValid(node->funcoid))
		{
			HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(node->funcoid));
			bool		isnull;
			Datum		src;

			if (HeapTupleIsValid(tup))
			{
				/* a SQL-standard body (RETURN ..., BEGIN ATOMIC) is not in prosrc */
				(void) SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_prosqlbody, &isnull);
				if (!isnull)
					definition = TextDatumGetCString(DirectFunctionCall1(pg_get_function_sqlbody,
																		 ObjectIdGetDatum(node->funcoid)));
				else
				{
					src = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_prosrc, &isnull);
					definition = isnull ? NULL : TextDatumGetCString(src);
				}
				ReleaseSysCache(tup);
			}
		}

		values[0] = CStringGetTextDatum(node->display);
		nulls[1] = node->schema == NULL;
		values[1] = node->schema ? DirectFunctionCall1(namein, CStringGetDatum(node->schema)) : (Datum) 0;
		values[2] = DirectFunctionCall1(namein, CStringGetDatum(node->name));
		values[3] = CStringGetTextDatum(dag_kind_name(node->kind));
		values[4] = CStringGetTextDatum(node->language);
		nulls[5] = type == NULL;
		values[5] = type ? CStringGetTextDatum(type) : (Datum) 0;
		values[6] = text_list_array(inputs);
		values[7] = text_list_array(sources);
		nulls[8] = node->doc == NULL;
		values[8] = node->doc ? CStringGetTextDatum(node->doc) : (Datum) 0;
		nulls[9] = node->kind == HNODE_INPUT;
		values[9] = tags[i] ? JsonbPGetDatum(tags[i]) :
			DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
		nulls[10] = node->kind == HNODE_INPUT;
		values[10] = CStringGetTextDatum(node->persist ? "table" : "auto");
		nulls[11] = definition == NULL;
		values[11] = definition ? CStringGetTextDatum(definition) : (Datum) 0;
		nulls[12] = dag_fingerprint(dag, i) == NULL;
		values[12] = nulls[12] ? (Datum) 0 : CStringGetTextDatum(dag_fingerprint(dag, i));
		owner_name = OidIsValid(node->owner) ? GetUserNameFromId(node->owner, true) : NULL;
		nulls[13] = owner_name == NULL;
		values[13] = owner_name ? DirectFunctionCall1(namein, CStringGetDatum(owner_name)) : (Datum) 0;
		/* frames and decorators */
		nulls[14] = node->frame < 0;
		values[14] = node->frame >= 0 ? CStringGetTextDatum(dag->nodes[node->frame].display) : (Datum) 0;
		nulls[15] = node->nkey == 0;
		if (node->nkey > 0)
		{
			List	   *keys = NIL;

			for (d = 0; d < node->nkey; d++)
				keys = lappend(keys, makeString(node->key[d]));
			values[15] = text_list_array(keys);
		}
		nulls[16] = node->config_when == NULL;
		values[16] = node->config_when ? DirectFunctionCall1(jsonb_in, CStringGetDatum(node->config_when)) : (Datum) 0;
		nulls[17] = node->checks == NULL;
		values[17] = node->checks ? DirectFunctionCall1(jsonb_in, CStringGetDatum(node->checks)) : (Datum) 0;
		nulls[18] = node->parameterized == NULL;
		values[18] = node->parameterized ? DirectFunctionCall1(jsonb_in, CStringGetDatum(node->parameterized)) : (Datum) 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/* seen_before: an earlier dependency of the node has the same target and kind. */
static bool
seen_before(HNode *node, int d)
{
	int			e;

	for (e = 0; e < d; e++)
		if (node->deps[e].target == node->deps[d].target && node->deps[e].via == node->deps[d].via)
			return true;
	return false;
}

/*
 * hamilton_edge_list is hamilton.edges: one row per dependency, with how it
 * arises (a parameter, a relation the SQL reads, or a declared input).
 */
Datum
hamilton_edge_list(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext callcxt;
	Dag		   *dag;
	int			i,
				d;

	InitMaterializedSRF(fcinfo, 0);
	callcxt = CurrentMemoryContext;
	SPI_connect();
	MemoryContextSwitchTo(callcxt);
	dag = dag_build_config(NULL, true);	/* every variant, as hamilton.nodes */
	for (i = 0; i < dag->nnodes; i++)
	{
		HNode	   *node = &dag->nodes[i];

		CHECK_FOR_INTERRUPTS();
		for (d = 0; d < node->ndeps; d++)
		{
			HDep	   *dep = &node->deps[d];
			Datum		values[3];
			bool		nulls[3] = {false, false, false};
			const char *via;

			if (dep->via != VIA_PARAM && seen_before(node, d))
				continue;		/* the same relation read twice */
			if (dep->via == VIA_PARAM)
				via = psprintf("parameter %s", node->params[dep->index].name);
			else if (dep->via == VIA_RELATION)
				via = "relation";
			else if (dep->via == VIA_COLUMN)
				via = "column";
			else if (dep->via == VIA_FRAME)
				via = "frame";
			else
				via = "declared";
			values[0] = CStringGetTextDatum(dag->nodes[dep->target].display);
			values[1] = CStringGetTextDatum(node->display);
			values[2] = CStringGetTextDatum(via);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	SPI_finish();
	return (Datum) 0;
}
