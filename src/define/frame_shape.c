/*-------------------------------------------------------------------------
 *
 * frame_shape.c
 *	  A frame's shape (Hamilton's @extract_columns): the columns its SELECT
 *	  yields, read when it is defined, and the names they take.
 *
 * A frame is a table node with a key whose other columns are column nodes.
 * Its columns are read once, when it is defined, by planning its SELECT
 * (nothing runs): the DAG needs their names before anything executes, and
 * the catalog keeps them so pg_dump carries them.  Redefining the frame
 * reads them again.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/plancache.h"

#include "define.h"

/*
 * frame_shape reads the columns a frame's SELECT yields and checks its key.
 */
FrameShape *
frame_shape(const char *display, const char *schema, const char *definition,
			ArrayType *key, bool extract_columns)
{
	MemoryContext cxt = CurrentMemoryContext;
	FrameShape *shape = palloc0(sizeof(FrameShape));
	List	   *names = NIL,
			   *types = NIL;
	ListCell   *lc;
	TupleDesc	desc = NULL;
	int			nestlevel,
				i;

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

	/*
	 * Plan (not run) the SELECT as its module will, to learn its columns:
	 * with its search_path and with the SQL-reading settings pinned, as
	 * parse/ reads the definition and exec/ runs it, so that the columns
	 * are those the frame yields when it runs.
	 */
	nestlevel = NewGUCNestLevel();
	pin_module_search_path(schema, catalog_public_on_path());
	pin_sql_reading_settings();
	PG_TRY();
	{
		SPIPlanPtr	plan = SPI_prepare(psprintf("SELECT * FROM (\n%s\n) AS hamilton_frame", definition),
									   0, NULL);
		List	   *sources;

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		sources = SPI_plan_get_plan_sources(plan);
		desc = ((CachedPlanSource *) linitial(sources))->resultDesc;
		MemoryContextSwitchTo(cxt);
		desc = CreateTupleDescCopy(desc);
		SPI_freeplan(plan);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		ereport(ERROR,
				(errcode(edata->sqlerrcode),
				 errmsg("cannot read the columns of frame %s: %s", display, edata->message),
				 errdetail("A frame's columns become nodes, so its SELECT is planned when it is defined, in module %s.",
						   quote_identifier(schema)),
				 errhint("A frame reads source tables (or results that already exist); create them first, or correct the SELECT.")));
	}
	PG_END_TRY();
	AtEOXact_GUC(true, nestlevel);
	MemoryContextSwitchTo(cxt);

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
