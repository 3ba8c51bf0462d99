/*-------------------------------------------------------------------------
 *
 * decorators.c
 *	  Hamilton's decorators as node options, checked when a node is defined:
 *	  frames (@extract_columns), config variants (@config.when), checks
 *	  (@check_output), and hamilton_check / hamilton_parameterize.
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

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "catalog.h"
#include "dag.h"
#include "decorators.h"
#include "plan.h"

PG_FUNCTION_INFO_V1(hamilton_check);
PG_FUNCTION_INFO_V1(hamilton_parameterize);
PG_FUNCTION_INFO_V1(hamilton_when);

static ArrayType *cstring_list_to_array(List *items);

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

	/* Plan (not run) the SELECT as its module will, to learn its columns. */
	nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path",
							 psprintf("%s, public, pg_temp", quote_identifier(schema)),
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
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
				 errhint("Add extract_columns => true to make %s a frame, or drop the key.", display)));
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
	Oid			argtypes[4] = {OIDOID, TEXTOID, TEXTARRAYOID, TEXTOID};
	Datum		values[4];
	List	   *extracted = NIL;
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
	values[0] = ObjectIdGetDatum(nsp);
	values[1] = CStringGetTextDatum(schema);
	values[2] = PointerGetDatum(cstring_list_to_array(extracted));
	values[3] = CStringGetTextDatum(name);
	spi_exec_checked("SELECT c, what FROM ("
					 " SELECT p.proname::text, 'function ' || p.oid::regprocedure::text FROM pg_catalog.pg_proc p "
					 "  WHERE p.pronamespace = $1 AND p.proname::text = ANY ($3) "
					 " UNION ALL SELECT s.node_name::text, 'SQL node ' || pg_catalog.quote_ident(s.schema_name) || '.' || pg_catalog.quote_ident(s.node_name) "
					 "  FROM hamilton.sql_node s WHERE s.schema_name = $2 AND s.node_name::text = ANY ($3) AND s.node_name <> $4 "
					 " UNION ALL SELECT c, 'a column of frame ' || pg_catalog.quote_ident(s.schema_name) || '.' || pg_catalog.quote_ident(s.node_name) "
					 "  FROM hamilton.sql_node s, pg_catalog.unnest(s.frame_columns) c "
					 "  WHERE s.schema_name = $2 AND s.extract_columns AND s.node_name <> $4 AND c = ANY ($3) "
					 "    AND c <> ALL (s.frame_key) "
					 " UNION ALL SELECT $4::text, 'the frame itself' WHERE $4 = ANY ($3) "
					 ") AS t(c, what) ORDER BY 1, 2 LIMIT 1",
					 4, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed > 0)
	{
		char	   *c = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		char	   *what = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("column \"%s\" of frame %s would be a node of module %s, which already has %s of that name",
						c, display, quote_identifier(schema), what),
				 errdetail("extract_columns makes every non-key column a node named after it."),
				 errhint("Alias the column in the SELECT (e.g. %s AS %s_%s), or rename the other node.",
						 quote_identifier(c), name, c)));
	}
}

/*
 * config_when_checked: a variant's condition is an object of config keys
 * and the scalar values they must have.  NULL means no condition.
 */
Jsonb *
config_when_checked(const char *display, Jsonb *when)
{
	List	   *keys;
	ListCell   *lc;

	if (when == NULL)
		return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));
	keys = jsonb_object_keys_list(when, "config_when");
	foreach(lc, keys)
	{
		char	   *text;
		char		kind;

		(void) jsonb_object_get(when, lfirst(lc), &text, &kind);
		if (kind == JSON_KIND_CONTAINER || kind == JSON_KIND_NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("config_when of node %s must map keys to single values", display),
					 errdetail("Key \"%s\" maps to %s.", (char *) lfirst(lc),
							   kind == JSON_KIND_NULL ? "null" : "an object or array"),
					 errhint("Write config_when => '{\"region\": \"eu\"}': the variant is chosen when config has region = \"eu\".")));
	}
	return when;
}

/*
 * variants_check_kind: all variants of a node are the same kind of node, so
 * that its consumers mean the same thing whichever is chosen.
 */
void
variants_check_kind(const char *display, const char *schema, const char *name,
					const char *kind)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	values[2] = CStringGetTextDatum(kind);
	spi_exec_checked("SELECT config_when::text FROM hamilton.sql_node "
					 "WHERE schema_name = $1 AND node_name = $2 AND kind <> $3 "
					 "ORDER BY 1 LIMIT 1",
					 3, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("node %s is a %s node in its variant for config %s",
						display, strcmp(kind, "table") == 0 ? "column" : "table",
						SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1)),
				 errdetail("Every variant of a node must be of the same kind: a SELECT (table) or an expression (column)."),
				 errhint("Use another node name, or hamilton_drop('%s') first.", display)));
}

/*
 * expression_check_calls refuses aggregates without OVER: a column node
 * has one value per row; a whole-frame statistic is a window over all rows.
 */
void
expression_check_calls(const char *display, ParsedExpr *pe)
{
	Oid			argtypes[1] = {TEXTARRAYOID};
	Datum		values[1];

	if (pe->plain_calls == NIL)
		return;
	values[0] = PointerGetDatum(cstring_list_to_array(pe->plain_calls));
	spi_exec_checked("SELECT proname FROM pg_catalog.pg_proc "
					 "WHERE proname::text = ANY ($1) AND prokind = 'a' ORDER BY 1 LIMIT 1",
					 1, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed > 0)
	{
		char	   *agg = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		ereport(ERROR,
				(errcode(ERRCODE_GROUPING_ERROR),
				 errmsg("column expression of node %s calls aggregate %s() without OVER", display, agg),
				 errdetail("A column node has one value per row of its frame."),
				 errhint("For a whole-frame statistic write %s(...) OVER (); for one per group, OVER (PARTITION BY ...).", agg)));
	}
}

/*
 * checks_validate checks a list of checks before it is stored:
 *	[{"check": "not_null" | "range" | "unique" | "in" | "sql",
 *	  "severity": "warn" | "fail", "column": ..., "min": ..., "max": ...,
 *	  "values": [...], "predicate": "...", "name": "..."}]
 */
void
checks_validate(const char *display, Jsonb *checks)
{
	Oid			argtypes[1] = {JSONBOID};
	Datum		values[1];
	uint64		i;

	if (!JB_ROOT_IS_ARRAY(checks) || JB_ROOT_IS_SCALAR(checks))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("checks of node %s must be a JSON array", display),
				 errhint("Write checks => '[{\"check\": \"not_null\"}, {\"check\": \"range\", \"min\": 0, \"severity\": \"fail\"}]'.")));
	values[0] = JsonbPGetDatum(checks);
	spi_exec_checked("SELECT i, CASE "
					 " WHEN jsonb_typeof(e) <> 'object' THEN 'is not an object' "
					 " WHEN NOT e ? 'check' THEN 'has no \"check\" key' "
					 " WHEN jsonb_typeof(e->'check') <> 'string' OR e->>'check' NOT IN ('not_null', 'range', 'unique', 'in', 'sql') "
					 "   THEN 'has check ' || (e->'check')::text || ', not one of \"not_null\", \"range\", \"unique\", \"in\", \"sql\"' "
					 " WHEN e ? 'severity' AND (jsonb_typeof(e->'severity') <> 'string' OR e->>'severity' NOT IN ('warn', 'fail')) "
					 "   THEN 'has severity ' || (e->'severity')::text || ', not \"warn\" or \"fail\"' "
					 " WHEN EXISTS (SELECT 1 FROM jsonb_object_keys(e) k "
					 "   WHERE k NOT IN ('check', 'severity', 'column', 'min', 'max', 'values', 'predicate', 'name')) "
					 "   THEN 'has unknown key \"' || (SELECT min(k) FROM jsonb_object_keys(e) k "
					 "     WHERE k NOT IN ('check', 'severity', 'column', 'min', 'max', 'values', 'predicate', 'name')) || '\"' "
					 " WHEN e ? 'column' AND jsonb_typeof(e->'column') <> 'string' THEN 'has a \"column\" that is not a string' "
					 " WHEN e ? 'name' AND jsonb_typeof(e->'name') <> 'string' THEN 'has a \"name\" that is not a string' "
					 " WHEN e->>'check' = 'range' AND NOT (e ? 'min' OR e ? 'max') THEN 'is a range with neither \"min\" nor \"max\"' "
					 " WHEN e->>'check' = 'range' AND (coalesce(jsonb_typeof(e->'min'), 'number') <> 'number' "
					 "      OR coalesce(jsonb_typeof(e->'max'), 'number') <> 'number') THEN 'is a range whose \"min\" or \"max\" is not a number' "
					 " WHEN e->>'check' = 'in' AND (coalesce(jsonb_typeof(e->'values'), '') <> 'array' OR jsonb_array_length(e->'values') = 0 "
					 "      OR EXISTS (SELECT 1 FROM jsonb_array_elements(e->'values') v WHERE jsonb_typeof(v) IN ('object', 'array', 'null'))) "
					 "   THEN 'is an \"in\" check without a non-empty \"values\" array of single values' "
					 " WHEN e->>'check' = 'sql' AND coalesce(jsonb_typeof(e->'predicate'), '') <> 'string' "
					 "   THEN 'is a \"sql\" check without a \"predicate\" string' "
					 " END, e->>'predicate' "
					 "FROM jsonb_array_elements($1) WITH ORDINALITY AS t(e, i) ORDER BY i",
					 1, argtypes, values, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *problem = SPI_getvalue(row, desc, 2);
		char	   *predicate = SPI_getvalue(row, desc, 3);

		if (problem)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("check %s of node %s %s", SPI_getvalue(row, desc, 1), display, problem),
					 errdetail("A check is {\"check\": \"not_null\" | \"range\" | \"unique\" | \"in\" | \"sql\", \"severity\": \"warn\" | \"fail\"} with its options."),
					 errhint("For example '[{\"check\": \"range\", \"min\": 0, \"max\": 1, \"severity\": \"fail\"}, {\"check\": \"sql\", \"predicate\": \"x > 0\"}]'.")));
		if (predicate)
			(void) parse_node_expression(display, predicate, "check predicate");
	}
}

/* checks_store sets (or, with NULL or [], removes) a node's checks. */
void
checks_store(const char *schema, const char *name, Jsonb *checks)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, JSONBOID};
	Datum		values[3];
	OwnerScope w;

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	catalog_owner_begin(&w);
	if (checks == NULL || JB_ROOT_COUNT(checks) == 0)
		spi_exec_checked("DELETE FROM hamilton.node_check WHERE schema_name = $1 AND node_name = $2",
						 2, argtypes, values, NULL, SPI_OK_DELETE);
	else
	{
		values[2] = JsonbPGetDatum(checks);
		spi_exec_checked("INSERT INTO hamilton.node_check VALUES ($1, $2, $3) "
						 "ON CONFLICT (schema_name, node_name) DO UPDATE SET checks = excluded.checks",
						 3, argtypes, values, NULL, SPI_OK_INSERT);
	}
	catalog_owner_end(&w);
}

/*
 * hamilton_check(node, checks) sets the checks on any node, a function's
 * as well as a SQL node's.
 */
Datum
hamilton_check(PG_FUNCTION_ARGS)
{
	MemoryContext callcxt = CurrentMemoryContext;
	char	   *node_text = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *checks = PG_GETARG_JSONB_P(1);
	Dag		   *dag;
	HNode	   *node;

	SPI_connect();
	MemoryContextSwitchTo(callcxt);
	dag = dag_build_config(NULL, true);	/* a node with variants has checks too */
	node = &dag->nodes[dag_resolve_name_or_error(dag, node_text)];
	if (node->extracted)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("node %s is a column of frame %s, whose checks are the frame's", node->display,
						dag->nodes[node->frame].display),
				 errdetail("A frame's columns are read as they are; the frame's result holds them."),
				 errhint("Check the frame, naming the column: hamilton_check('%s', '[{\"check\": \"not_null\", \"column\": \"%s\"}]').",
						 dag->nodes[node->frame].display, node->name)));
	check_node_owner(node->owner, node->display, "set checks on");
	checks_validate(node->display, checks);
	checks_store(node->schema, node->name, checks);
	SPI_finish();
	PG_RETURN_JSONB_P(checks);
}

/*
 * hamilton_when(function, config_when) makes a function of a module one
 * variant of a node, Hamilton's way: spend__eu and spend__us are the two
 * variants of node spend.
 */
Datum
hamilton_when(PG_FUNCTION_ARGS)
{
	MemoryContext callcxt = CurrentMemoryContext;
	char	   *arg,
			   *schema,
			   *fname,
			   *cut,
			   *display;
	Jsonb	   *when;
	Oid			argtypes[3] = {TEXTOID, TEXTOID, JSONBOID};
	Datum		values[3];
	Oid			owner;
	bool		isnull;
	OwnerScope	w;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("function must not be NULL"),
				 errhint("hamilton_when('module.spend__eu', '{\"region\": \"eu\"}')")));
	arg = text_to_cstring(PG_GETARG_TEXT_PP(0));
	parse_node_name(arg, &schema, &fname, true);
	display = qualified_display(schema, fname);
	cut = strstr(fname, "__");
	while (cut && strstr(cut + 2, "__"))
		cut = strstr(cut + 2, "__");
	if (cut == NULL || cut == fname || cut[2] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("function %s is not named like a variant", display),
				 errdetail("A variant of node spend is a function named spend__<variant>, as in Hamilton."),
				 errhint("Name it e.g. %s.%s__variant.", quote_identifier(schema), fname)));

	SPI_connect();
	MemoryContextSwitchTo(callcxt);
	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(fname);
	spi_exec_checked("SELECT p.proowner FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
					 "WHERE n.nspname = $1 AND p.proname = $2 AND p.prokind = 'f' ORDER BY p.oid",
					 2, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("function %s does not exist", display),
				 errhint("Create the function in the module first, then make it a variant.")));
	{
		uint64		k;

		/* the condition covers every overload: each must be the caller's */
		for (k = 0; k < SPI_processed; k++)
		{
			owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 1, &isnull));
			check_node_owner(owner, display, "make a variant of");
		}
	}
	when = PG_ARGISNULL(1) ? NULL : config_when_checked(display, PG_GETARG_JSONB_P(1));

	catalog_owner_begin(&w);
	if (when == NULL || JB_ROOT_COUNT(when) == 0)
		spi_exec_checked("DELETE FROM hamilton.function_variant WHERE schema_name = $1 AND function_name = $2",
						 2, argtypes, values, NULL, SPI_OK_DELETE);
	else
	{
		values[2] = JsonbPGetDatum(when);
		spi_exec_checked("INSERT INTO hamilton.function_variant VALUES ($1, $2, $3) "
						 "ON CONFLICT (schema_name, function_name) DO UPDATE SET config_when = excluded.config_when",
						 3, argtypes, values, NULL, SPI_OK_INSERT);
	}
	catalog_owner_end(&w);
	SPI_finish();
	if (when == NULL || JB_ROOT_COUNT(when) == 0)
		PG_RETURN_TEXT_P(cstring_to_text(display));
	PG_RETURN_TEXT_P(cstring_to_text(qualified_display(schema, pnstrdup(fname, cut - fname))));
}

/*
 * substitute replaces every {key} of a template by its value, and reports
 * a placeholder no value fills.
 */
static char *
substitute(const char *template, Jsonb *values, const char *what,
		   const char *template_name)
{
	StringInfoData buf;
	const char *p = template;

	initStringInfo(&buf);
	while (*p)
	{
		const char *close;

		if (*p == '{' && (close = strchr(p + 1, '}')) != NULL &&
			close > p + 1 && strspn(p + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == (size_t) (close - p - 1))
		{
			char	   *key = pnstrdup(p + 1, close - p - 1);
			char	   *text;
			char		kind;

			if (!jsonb_object_get(values, key, &text, &kind))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_PARAMETER),
						 errmsg("placeholder {%s} in the %s of template %s has no value", key, what, template_name),
						 errdetail("The values given are %s.",
								   JsonbToCString(NULL, &values->root, VARSIZE(values))),
						 errhint("Give every placeholder a value in params, e.g. '{\"%s\": [2, 3]}'.", key)));
			appendStringInfoString(&buf, kind == JSON_KIND_NULL ? "NULL" : text);
			p = close + 1;
			continue;
		}
		appendStringInfoChar(&buf, *p++);
	}
	return buf.data;
}

/*
 * hamilton_parameterize(template, sql, params, doc, tags, checks) defines
 * one node per set of values (Hamilton's @parameterize).  params is either
 * an object of equally long arrays, zipped ('{"n": [2, 3, 4, 8]}'), or an
 * array of objects ('[{"n": 2, "w": "a"}, ...]').  {key} in the template,
 * the SQL and the doc is replaced by the value.  Returns the nodes' names.
 */
Datum
hamilton_parameterize(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext callcxt;
	char	   *template,
			   *sql,
			   *doc;
	Jsonb	   *params,
			   *tags,
			   *checks;
	Oid			argtypes[1] = {JSONBOID};
	Datum		values[1];
	uint64		i,
				nsets;
	SPITupleTable *sets;
	List	   *made = NIL;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("template, sql and params must not be NULL"),
				 errhint("hamilton_parameterize('m.avg_{n}wk_spend', 'avg(spend) OVER (ORDER BY week ROWS {n} - 1 PRECEDING)', '{\"n\": [2, 3]}')")));
	template = text_to_cstring(PG_GETARG_TEXT_PP(0));
	sql = text_to_cstring(PG_GETARG_TEXT_PP(1));
	params = PG_GETARG_JSONB_P(2);
	doc = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	tags = PG_ARGISNULL(4) ? NULL : PG_GETARG_JSONB_P(4);
	checks = PG_ARGISNULL(5) ? NULL : PG_GETARG_JSONB_P(5);

	/* SETOF text: the tuple descriptor is the one the caller expects */
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	callcxt = CurrentMemoryContext;
	SPI_connect();
	MemoryContextSwitchTo(callcxt);

	/* one row per set of values, as a JSON object */
	values[0] = JsonbPGetDatum(params);
	spi_exec_checked("SELECT CASE "
					 " WHEN jsonb_typeof($1) = 'array' THEN "
					 "   (SELECT coalesce(jsonb_agg(e ORDER BY i), '[]') FROM jsonb_array_elements($1) WITH ORDINALITY AS t(e, i)) "
					 " WHEN jsonb_typeof($1) = 'object' "
					 "      AND (SELECT bool_and(jsonb_typeof(v) = 'array') FROM jsonb_each($1) AS t(k, v)) "
					 "      AND (SELECT count(DISTINCT jsonb_array_length(v)) FROM jsonb_each($1) AS t(k, v)) = 1 THEN "
					 "   (SELECT jsonb_agg(o ORDER BY i) FROM ("
					 "      SELECT i, jsonb_object_agg(k, v->((i - 1)::int)) AS o "
					 "      FROM jsonb_each($1) AS t(k, v), "
					 "           generate_series(1, (SELECT max(jsonb_array_length(v)) FROM jsonb_each($1) AS u(k, v))) AS i "
					 "      GROUP BY i) AS z) "
					 " END",
					 1, argtypes, values, NULL, SPI_OK_SELECT);
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("params of template %s must be an array of objects or an object of equally long arrays", template),
					 errhint("Write params => '{\"n\": [2, 3, 4, 8]}' or '[{\"n\": 2}, {\"n\": 3}]'.")));
		values[0] = d;
	}
	spi_exec_checked("SELECT e, jsonb_typeof(e) FROM jsonb_array_elements($1) WITH ORDINALITY AS t(e, i) ORDER BY i",
					 1, argtypes, values, NULL, SPI_OK_SELECT);
	sets = SPI_tuptable;
	nsets = SPI_processed;
	if (nsets == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("params of template %s hold no set of values", template),
				 errhint("Give at least one, e.g. '{\"n\": [2]}'.")));

	for (i = 0; i < nsets; i++)
	{
		bool		isnull;
		Jsonb	   *set;
		DefineArgs	a;
		StringInfoData prov;
		char	   *display;
		Datum		out[1];
		bool		outnull[1] = {false};

		if (strcmp(SPI_getvalue(sets->vals[i], sets->tupdesc, 2), "object") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("set %d of params of template %s is not an object", (int) i + 1, template),
					 errhint("Write each set of values as an object, e.g. '[{\"n\": 2}, {\"n\": 3}]'.")));
		set = DatumGetJsonbP(SPI_getbinval(sets->vals[i], sets->tupdesc, 1, &isnull));
		memset(&a, 0, sizeof(a));
		a.node_text = substitute(template, set, "name", template);
		a.sql = substitute(sql, set, "SQL", template);
		a.doc = doc ? substitute(doc, set, "doc", template) : NULL;
		a.tags = tags;
		a.materialize = "auto";
		a.checks = checks;
		initStringInfo(&prov);
		appendStringInfoString(&prov, "{\"template\": ");
		escape_json(&prov, template);
		appendStringInfo(&prov, ", \"values\": %s}", JsonbToCString(NULL, &set->root, VARSIZE(set)));
		a.parameterized = prov.data;
		{
			char	   *s,
					   *n;

			parse_node_name(a.node_text, &s, &n, true);
			display = qualified_display(s, n);
		}
		if (list_member(made, makeString(display)))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("template %s makes node %s more than once", template, display),
					 errdetail("Set %d of params gives a name an earlier set gave.", (int) i + 1),
					 errhint("Put a placeholder the sets differ by into the template, e.g. 'm.avg_{n}wk_spend'.")));
		made = lappend(made, makeString(display));
		display = define_sql_node(&a);
		out[0] = CStringGetTextDatum(display);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, outnull);
	}
	SPI_finish();
	return (Datum) 0;
}

static ArrayType *
cstring_list_to_array(List *items)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(items), 1));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, items)
		elems[i++] = CStringGetTextDatum((char *) lfirst(lc));
	return construct_array(elems, i, TEXTOID, -1, false, TYPALIGN_INT);
}
