/*-------------------------------------------------------------------------
 *
 * frame_shape.c
 *	  A frame's shape (Hamilton's @extract_columns): the columns its SELECT
 *	  yields, read when it is defined, and the names they take.
 *
 * A frame is a table node with a key whose other columns are column nodes.
 * Its columns are read once, when it is defined, by analysing its SELECT
 * (nothing runs) with the nodes it reads replaced by their shapes, found
 * from their definitions: the DAG needs their names before anything
 * executes, and the catalog keeps them so pg_dump carries them.
 * Redefining the frame reads them again; a run whose frame would yield
 * other columns is refused (exec/frame_keys.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "define.h"

/*
 * frame_select_for_analysis: a frame's SELECT with every node it reads
 * replaced by a typed row source of that node's shape, found from the
 * nodes' definitions (dag/shapes.c), so that a frame may read a node that
 * has never run, and never reads the columns of a result an older
 * definition left behind.  A name the frame's module has no node of is a
 * relation, read as it is.
 */
static char *
frame_select_for_analysis(const char *display, const char *schema, ParsedQuery *pq)
{
	Dag		   *dag = NULL;
	DagShapes  *sh = NULL;
	char	  **repl = palloc0(sizeof(char *) * Max(pq->nrefs, 1));
	int			r;

	for (r = 0; r < pq->nrefs; r++)
	{
		SqlRef	   *ref = &pq->refs[r];
		TupleDesc	up;
		int			target;

		if (dag == NULL)
		{
			dag = dag_build_config(NULL, false);
			sh = dag_shapes_create(dag);
		}
		target = dag_find_qualified(dag, ref->schema ? ref->schema : schema, ref->name);
		if (target < 0 || !dag_yields_relation(&dag->nodes[target]))
			continue;
		if (!ref->inlinable)
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("frame %s reads node %s with TABLE, ONLY or TABLESAMPLE", display,
							dag->nodes[target].display),
					 errdetail("A frame's columns are found from the definitions of the nodes it reads, which stand where only a relation may."),
					 errhint("Write SELECT * FROM %s instead.", quote_identifier(ref->name))));
		up = dag_shape(sh, target);
		if (up == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("cannot read the columns of frame %s: the columns of node %s are known only at a run",
							display, dag->nodes[target].display),
					 errdetail("A frame's columns become nodes when it is defined; %s reads an input (whose type comes with a run), a node whose variant only a run's config chooses, or a relation that does not exist yet.",
							   dag->nodes[target].display),
					 errhint("Cast what %s reads to the types its columns should have, or create what it reads first.",
							 dag->nodes[target].display)));
		repl[r] = psprintf("%s%s", dag_shape_row_source(up),
						   ref->has_alias ? "" : psprintf(" AS %s", quote_identifier(ref->alias)));
	}
	return psprintf("SELECT * FROM (\n%s\n) AS hamilton_frame",
					splice_refs(pq->sql, pq->nrefs, pq->refs, repl));
}

/*
 * frame_shape reads the columns a frame's SELECT yields and checks its key.
 * They are found by analysing (not running) the SELECT as its module will,
 * the nodes it reads replaced by their shapes (frame_select_for_analysis).
 */
FrameShape *
frame_shape(const char *display, const char *schema, ParsedQuery *pq,
			ArrayType *key, bool extract_columns)
{
	FrameShape *shape = palloc0(sizeof(FrameShape));
	List	   *names = NIL,
			   *types = NIL;
	ListCell   *lc;
	TupleDesc	desc = NULL;
	ErrorData  *edata = NULL;
	int			i;

	if (key == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frame %s needs a key", display),
				 errdetail("extract_columns makes each column a node; the key lines their values up row by row, as a DataFrame's index does."),
				 errhint("Add key => ARRAY['region', 'week'] (the columns that identify a row).")));
	shape->key_names = text_array_to_list(key, "key");
	if (shape->key_names == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("key of node %s is empty", display),
				 errhint("Name the columns that identify a row, e.g. key => ARRAY['region', 'week'].")));

	desc = dag_analyze(schema, frame_select_for_analysis(display, schema, pq), &edata);
	if (desc == NULL)
		ereport(ERROR,
				(errcode(edata ? edata->sqlerrcode : ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("cannot read the columns of frame %s: %s", display,
						edata ? edata->message : "its SELECT yields no rows"),
				 errdetail("A frame's columns become nodes, so its SELECT is analysed when it is defined, in module %s.",
						   quote_identifier(schema)),
				 errhint("A frame reads source tables and nodes; create the tables first, or correct the SELECT.")));

	shape->ncolumns = desc->natts;
	shape->names = palloc0(sizeof(char *) * Max(desc->natts, 1));
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		char	   *name = pstrdup(NameStr(att->attname));
		int			j;

		for (j = 0; j < i; j++)
			if (strcmp(shape->names[j], name) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_COLUMN),
						 errmsg("frame %s yields column \"%s\" twice", display, name),
						 errdetail("Each column of a frame is a node, so their names must differ."),
						 errhint("Give the columns distinct aliases in the SELECT.")));
		shape->names[i] = name;
		names = lappend(names, name);
		types = lappend(types, format_type_with_typemod(att->atttypid, att->atttypmod));
	}
	foreach(lc, shape->key_names)
	{
		char	   *k = lfirst(lc);
		bool		found = false;

		for (i = 0; i < shape->ncolumns; i++)
			found |= strcmp(shape->names[i], k) == 0;
		if (!found)
		{
			StringInfoData cols;

			initStringInfo(&cols);
			for (i = 0; i < shape->ncolumns; i++)
				appendStringInfo(&cols, "%s%s", i ? ", " : "", quote_identifier(shape->names[i]));
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("key column \"%s\" of frame %s is not one of its columns", k, display),
					 errdetail("The SELECT yields: %s.", cols.data),
					 errhint("The key names columns the SELECT yields.")));
		}
	}
	if (!extract_columns)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("node %s has a key but does not extract its columns", display),
				 errdetail("A key only means something to a frame, whose columns are nodes."),
				 errhint("Add extract_columns => true to make %s a frame, refresh its table by the key with refresh => 'concurrent', or drop the key.", display)));
	shape->key = cstring_list_to_array(shape->key_names);
	shape->columns = cstring_list_to_array(names);
	shape->types = cstring_list_to_array(types);
	return shape;
}

/*
 * frame_check_column_names: a frame's non-key columns become nodes of its
 * module, so none may already name something else there.
 */
void
frame_check_column_names(const char *display, const char *schema, Oid nsp,
						 const char *name, FrameShape *shape)
{
	List	   *extracted = NIL;
	char	   *c,
			   *what;
	int			i;

	for (i = 0; i < shape->ncolumns; i++)
	{
		ListCell   *lc;
		bool		is_key = false;

		foreach(lc, shape->key_names)
			is_key |= strcmp(lfirst(lc), shape->names[i]) == 0;
		if (!is_key)
			extracted = lappend(extracted, shape->names[i]);
	}
	if (extracted == NIL)
		return;
	c = catalog_name_taken(nsp, schema, cstring_list_to_array(extracted), name, &what);
	if (c)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("column \"%s\" of frame %s would be a node of module %s, which already has %s of that name",
						c, display, quote_identifier(schema), what),
				 errdetail("extract_columns makes every non-key column a node named after it."),
				 errhint("Alias the column in the SELECT (e.g. %s AS %s_%s), or rename the other node.",
						 quote_identifier(c), name, c)));
}
