/*-------------------------------------------------------------------------
 *
 * introspection.c
 *	  The rows behind the views hamilton.nodes and hamilton.edges: every
 *	  node (every variant of it) and every edge, as the next execution will
 *	  see them.  The views take no modules: each node's names resolve as a
 *	  run of that node alone resolves them (in its own module; dag.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/syscache.h"

#include "api.h"

PG_FUNCTION_INFO_V1(hamilton_node_list);
PG_FUNCTION_INFO_V1(hamilton_edge_list);

static Datum text_list_array(List *items);
static Jsonb **load_tags(Dag *dag);
static bool seen_before(HNode *node, int d);

/* text_list_array: a text[] of a List of String nodes. */
static Datum
text_list_array(List *items)
{
	List	   *cstrings = NIL;
	ListCell   *lc;

	foreach(lc, items)
		cstrings = lappend(cstrings, strVal(lfirst(lc)));
	return PointerGetDatum(cstring_list_to_array(cstrings));
}

/* load_tags reads every node's tags in one query, indexed like the nodes. */
static Jsonb **
load_tags(Dag *dag)
{
	Jsonb	  **tags = palloc0(sizeof(Jsonb *) * Max(dag->nnodes, 1));
	uint64		i;

	catalog_read_all_tags();
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
 * next execution of it will see it.
 */
Datum
hamilton_node_list(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Dag		   *dag;
	Jsonb	  **tags;
	int		   *all;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	dag = api_begin_with_dag(NULL, true);	/* every variant */
	tags = load_tags(dag);
	/*
	 * Fingerprinted as a run does (the ones kept for each pg_proc row
	 * version), so that the view and the runs' lineage agree after a rename
	 * that changes only a SQL-standard body's deparsed text.
	 */
	all = palloc(sizeof(int) * Max(dag->nnodes, 1));
	for (i = 0; i < dag->nnodes; i++)
		all[i] = i;
	dag_fingerprint_nodes(dag, all, dag->nnodes);

	for (i = 0; i < dag->nnodes; i++)
	{
		HNode	   *node = &dag->nodes[i];
		Datum		values[21];
		bool		nulls[21];
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

			if (HeapTupleIsValid(tup))
			{
				definition = dag_function_body(tup, node->funcoid);
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
		/* how its table is refreshed (1.2 on: a 1.1 catalog has 19 columns) */
		nulls[19] = node->kind == HNODE_INPUT;
		values[19] = CStringGetTextDatum(node->concurrent ? "concurrent" : "replace");
		nulls[20] = !node->concurrent || node->refresh_key == NIL;
		if (!nulls[20])
		{
			List	   *keys = NIL;
			ListCell   *lc;

			foreach(lc, node->refresh_key)
				keys = lappend(keys, makeString(lfirst(lc)));
			values[20] = text_list_array(keys);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	api_end();
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
	Dag		   *dag;
	int			i,
				d;

	InitMaterializedSRF(fcinfo, 0);
	dag = api_begin_with_dag(NULL, true);	/* every variant, as hamilton.nodes */
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
	api_end();
	return (Datum) 0;
}
