/*-------------------------------------------------------------------------
 *
 * load_sql_nodes.c
 *	  SQL nodes: hamilton.sql_node's definitions, parsed again each time
 *	  (cheap, and the catalog keeps only the portable SQL text), and the
 *	  column nodes of frames.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/parse_type.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "dag.h"

static bool variant_chosen(Dag *dag, SPITupleTable *tuptable, uint64 nrows,
						   uint64 i, HProblem **problem);
static void load_frame_columns(Dag *dag, int frame, HeapTuple row, TupleDesc desc);
static void note_unmatched_columns(Dag *dag, SPITupleTable *tuptable, uint64 first,
								   uint64 last, const char *variants);

/*
 * dag_load_sql_nodes reads hamilton.sql_node and parses each definition again
 * (cheap, and the catalog keeps only the portable SQL text).
 */
void
dag_load_sql_nodes(Dag *dag)
{
	uint64		i;
	uint64		nrows;
	SPITupleTable *tuptable;

	catalog_read_sql_nodes();
	/* parsing runs no SPI, but keep the result table safe */
	tuptable = SPI_tuptable;
	nrows = SPI_processed;

	for (i = 0; i < nrows; i++)
	{
		HeapTuple	row = tuptable->vals[i];
		TupleDesc	desc = tuptable->tupdesc;
		int			index;
		HNode	   *node;
		bool		isnull;
		Datum		declared;
		char	   *when;
		HProblem   *vproblem;

		CHECK_FOR_INTERRUPTS();

		when = SPI_getvalue(row, desc, Anum_sql_node_config_when);
		vproblem = NULL;
		if (!dag->all_variants && !variant_chosen(dag, tuptable, nrows, i, &vproblem))
			continue;

		index = dag_add_node(dag);
		node = &dag->nodes[index];
		node->schema = SPI_getvalue(row, desc, Anum_sql_node_schema);
		node->name = SPI_getvalue(row, desc, Anum_sql_node_name);
		node->display = qualified_display(node->schema, node->name);
		node->language = "sql";
		node->doc = SPI_getvalue(row, desc, Anum_sql_node_doc);
		node->persist = strcmp(SPI_getvalue(row, desc, Anum_sql_node_materialize), "table") == 0;
		node->owner = DatumGetObjectId(SPI_getbinval(row, desc, Anum_sql_node_owner, &isnull));
		node->config_when = when;
		node->parameterized = SPI_getvalue(row, desc, Anum_sql_node_parameterized);
		node->checks = SPI_getvalue(row, desc, Anum_sql_node_checks);
		if (vproblem)
			node->problems = lappend(node->problems, vproblem);

		declared = SPI_getbinval(row, desc, Anum_sql_node_declared_inputs, &isnull);
		if (!isnull)
		{
			Datum	   *elems;
			bool	   *nulls;
			int			nelems,
						e;

			deconstruct_array(DatumGetArrayTypeP(declared), TEXTOID, -1, false,
							  TYPALIGN_INT, &elems, &nulls, &nelems);
			for (e = 0; e < nelems; e++)
				if (!nulls[e])
					node->declared = lappend(node->declared, TextDatumGetCString(elems[e]));
		}

		if (strcmp(SPI_getvalue(row, desc, Anum_sql_node_kind), "column") == 0)
		{
			ParsedExpr *pe = parse_node_expression(node->display,
												   SPI_getvalue(row, desc, Anum_sql_node_definition),
												   "column expression");

			node->kind = HNODE_COLUMN;
			node->expression = true;
			node->window = pe->window;
			node->sql = pe->sql;
			node->nrefs = pe->nrefs;
			node->refs = pe->refs;
		}
		else
		{
			ParsedQuery *pq = parse_node_query(node->display,
											   SPI_getvalue(row, desc, Anum_sql_node_definition));

			node->kind = HNODE_QUERY;
			node->sql = pq->sql;
			node->nrefs = pq->nrefs;
			node->refs = pq->refs;
		}
		dag_index_node(dag, index);

		(void) SPI_getbinval(row, desc, Anum_sql_node_frame_key, &isnull);
		if (!isnull)
			load_frame_columns(dag, index, row, desc);
		/* after its key, which it is refreshed on by default */
		dag_set_refresh(&dag->nodes[index], SPI_getvalue(row, desc, Anum_sql_node_refresh),
						SPI_getvalue(row, desc, Anum_sql_node_refresh_key));
	}
}

/*
 * variant_chosen: is row i the variant of its node that config chooses?
 * Rows come sorted by node, so a node's variants are adjacent.  With no
 * match, the node is absent and its name is noted, so that whoever needs it
 * learns why; with several, the first is kept and the others are a problem
 * of it.
 */
static bool
variant_chosen(Dag *dag, SPITupleTable *tuptable, uint64 nrows, uint64 i,
			   HProblem **problem)
{
	TupleDesc	desc = tuptable->tupdesc;
	char	   *schema = SPI_getvalue(tuptable->vals[i], desc, Anum_sql_node_schema);
	char	   *name = SPI_getvalue(tuptable->vals[i], desc, Anum_sql_node_name);
	uint64		first = i,
				last = i,
				k;
	int			nmatch = 0;
	StringInfoData all,
				matching;

	while (first > 0 &&
		   strcmp(SPI_getvalue(tuptable->vals[first - 1], desc, Anum_sql_node_schema), schema) == 0 &&
		   strcmp(SPI_getvalue(tuptable->vals[first - 1], desc, Anum_sql_node_name), name) == 0)
		first--;
	while (last + 1 < nrows &&
		   strcmp(SPI_getvalue(tuptable->vals[last + 1], desc, Anum_sql_node_schema), schema) == 0 &&
		   strcmp(SPI_getvalue(tuptable->vals[last + 1], desc, Anum_sql_node_name), name) == 0)
		last++;
	if (first == last && SPI_getvalue(tuptable->vals[i], desc, Anum_sql_node_config_when) == NULL)
		return true;			/* the common case: one unconditional definition */

	initStringInfo(&all);
	initStringInfo(&matching);
	for (k = first; k <= last; k++)
	{
		char	   *when = SPI_getvalue(tuptable->vals[k], desc, Anum_sql_node_config_when);
		bool		match = dag_when_matches(dag->config, when);

		appendStringInfo(&all, "%s%s", all.len ? ", " : "", when ? when : "{} (always)");
		if (match)
		{
			appendStringInfo(&matching, "%s%s", matching.len ? ", " : "", when ? when : "{}");
			if (nmatch++ == 0 && k != i)
				return false;	/* an earlier row is the chosen one */
		}
	}
	if (nmatch == 0)
	{
		if (i == first)
		{
			dag->unmatched = lappend(dag->unmatched,
									 dag_no_variant_problem(dag, schema, name, all.data));
			note_unmatched_columns(dag, tuptable, first, last, all.data);
		}
		return false;
	}
	if (nmatch > 1 && dag_when_matches(dag->config, SPI_getvalue(tuptable->vals[i], desc, Anum_sql_node_config_when)))
		*problem = problem_make("ambiguous_variant", ERRCODE_AMBIGUOUS_FUNCTION,
								qualified_display(schema, name),
								psprintf("%d variants of node %s match the config", nmatch,
										 qualified_display(schema, name)),
								psprintf("Matching: %s.", matching.data),
								"Make their config_when conditions exclusive, or pass config keys that pick one.");
	return dag_when_matches(dag->config, SPI_getvalue(tuptable->vals[i], desc, Anum_sql_node_config_when));
}

/*
 * note_unmatched_columns: the columns of a frame none of whose variants
 * (rows first..last) matches the config are no nodes either; whoever needs
 * one learns why, as for the frame.
 */
static void
note_unmatched_columns(Dag *dag, SPITupleTable *tuptable, uint64 first, uint64 last,
					   const char *variants)
{
	TupleDesc	desc = tuptable->tupdesc;
	uint64		k;

	for (k = first; k <= last; k++)
	{
		HeapTuple	row = tuptable->vals[k];
		bool		isnull;
		Datum		cols = SPI_getbinval(row, desc, Anum_sql_node_frame_columns, &isnull);
		ListCell   *lc;

		if (isnull || !DatumGetBool(SPI_getbinval(row, desc, Anum_sql_node_extract_columns, &isnull)))
			continue;
		foreach(lc, text_array_to_list(DatumGetArrayTypeP(cols), "frame columns"))
			dag->unmatched = lappend(dag->unmatched,
									 dag_no_variant_column_problem(dag,
																   SPI_getvalue(row, desc, Anum_sql_node_schema),
																   SPI_getvalue(row, desc, Anum_sql_node_name),
																   lfirst(lc), variants));
	}
}

/*
 * load_frame_columns makes each non-key column of a frame a column node of
 * its module, whose one dependency is the frame (kept as a table of its own
 * when tagged materialize = table).
 */
static void
load_frame_columns(Dag *dag, int frame, HeapTuple row, TupleDesc desc)
{
	bool		isnull;
	Datum	   *keys,
			   *cols,
			   *types;
	int			nkeys,
				ncols,
				ntypes,
				k,
				c;
	bool		extract;
	Datum		kept_datum;
	List	   *kept = NIL;
	ListCell   *lc;

	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(row, desc, Anum_sql_node_frame_key, &isnull)),
					  TEXTOID, -1, false, TYPALIGN_INT, &keys, NULL, &nkeys);
	dag->nodes[frame].nkey = nkeys;
	dag->nodes[frame].key = palloc(sizeof(char *) * Max(nkeys, 1));
	for (k = 0; k < nkeys; k++)
	{
		dag->nodes[frame].key[k] = TextDatumGetCString(keys[k]);
		dag->key_names = lappend(dag->key_names, dag->nodes[frame].key[k]);
	}
	extract = DatumGetBool(SPI_getbinval(row, desc, Anum_sql_node_extract_columns, &isnull));
	if (!extract)
		return;
	kept_datum = SPI_getbinval(row, desc, Anum_sql_node_kept_columns, &isnull);
	if (!isnull)
		kept = text_array_to_list(DatumGetArrayTypeP(kept_datum), "kept columns");
	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(row, desc, Anum_sql_node_frame_columns, &isnull)),
					  TEXTOID, -1, false, TYPALIGN_INT, &cols, NULL, &ncols);
	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(row, desc, Anum_sql_node_frame_types, &isnull)),
					  TEXTOID, -1, false, TYPALIGN_INT, &types, NULL, &ntypes);
	dag->nodes[frame].nframe_columns = Min(ncols, ntypes);
	dag->nodes[frame].frame_columns = palloc(sizeof(char *) * Max(ncols, 1));
	dag->nodes[frame].frame_types = palloc(sizeof(char *) * Max(ntypes, 1));
	for (c = 0; c < ncols && c < ntypes; c++)
	{
		char	   *name = TextDatumGetCString(cols[c]);
		int			index;
		HNode	   *node;
		int32		typmod;
		bool		is_key = false;

		dag->nodes[frame].frame_columns[c] = name;
		dag->nodes[frame].frame_types[c] = TextDatumGetCString(types[c]);
		for (k = 0; k < nkeys; k++)
			is_key |= strcmp(dag->nodes[frame].key[k], name) == 0;
		if (is_key)
			continue;
		index = dag_add_node(dag);
		node = &dag->nodes[index];
		node->schema = dag->nodes[frame].schema;
		node->name = name;
		node->display = qualified_display(node->schema, node->name);
		node->kind = HNODE_COLUMN;
		node->language = "sql";
		node->extracted = true;
		node->frame = frame;
		node->owner = dag->nodes[frame].owner;
		foreach(lc, kept)		/* tagged materialize = table */
			node->persist |= strcmp(lfirst(lc), name) == 0;
		node->doc = psprintf("column %s of frame %s", quote_identifier(name), dag->nodes[frame].display);
		(void) parseTypeString(TextDatumGetCString(types[c]), &node->rettype, &typmod, true);
		node->deps = palloc(sizeof(HDep));
		node->deps[0].target = frame;
		node->deps[0].via = VIA_FRAME;
		node->deps[0].index = 0;
		node->ndeps = 1;
		dag_index_node(dag, index);
	}
}
