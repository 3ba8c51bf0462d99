/*-------------------------------------------------------------------------
 *
 * check_options.c
 *	  Is a definition's option valid?  materialize, refresh, tags,
 *	  config_when (@config.when), checks (@check_output), and the calls of
 *	  a column expression.  Each refusal names what is wrong and how to write it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"

#include "define.h"

static int	next_variant(Dag *dag, int i, const char *schema, const char *name);

/*
 * check_materialize_option: "auto" (a table when requested, else an
 * intermediate) or "table" (always a table).
 */
void
check_materialize_option(const char *materialize)
{
	if (strcmp(materialize, "auto") != 0 && strcmp(materialize, "table") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid materialize option \"%s\"", materialize),
				 errdetail("Valid options are \"auto\" (a table when requested, else an intermediate) and \"table\" (always a table)."),
				 errhint("Use materialize => 'table' to keep an intermediate node's result.")));
}

/*
 * check_refresh_option: "replace" (the default: the result is replaced) or
 * "concurrent" (by a diff on the node's key, dag/refresh.c).
 */
void
check_refresh_option(const char *refresh)
{
	if (strcmp(refresh, "replace") != 0 && strcmp(refresh, "concurrent") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid refresh option \"%s\"", refresh),
				 errdetail("Valid options are \"replace\" (the result is replaced, the default) and \"concurrent\" "
						   "(a diff on the node's key, which leaves readers with an older snapshot the old rows)."),
				 errhint("Use refresh => 'concurrent' with key => ARRAY['id'].")));
}

/*
 * check_refresh_tags: the refresh tag says replace or concurrent, the
 * refresh_key tag is a non-empty JSON array of column names (either may be
 * null, which removes it).
 */
static void
check_refresh_tags(const char *display, const char *key, const char *text, char kind)
{
	if (kind == JSON_KIND_NULL)
		return;
	if (strcmp(key, "refresh") == 0 &&
		(kind != JSON_KIND_STRING || (strcmp(text, "replace") != 0 && strcmp(text, "concurrent") != 0)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid refresh tag of node %s", display),
				 errdetail("The tag refresh is \"replace\" (the default) or \"concurrent\" (a diff on the key the tag refresh_key names)."),
				 errhint("hamilton_tag('%s', '{\"refresh\": \"concurrent\", \"refresh_key\": [\"id\"]}')", display)));
	if (strcmp(key, "refresh_key") == 0)
	{
		Oid			argtypes[1] = {TEXTOID};
		Datum		values[1];

		values[0] = CStringGetTextDatum(kind == JSON_KIND_CONTAINER ? text : "null");
		spi_exec_checked("SELECT 1 WHERE pg_catalog.jsonb_typeof($1::pg_catalog.jsonb) = 'array' "
						 "AND pg_catalog.jsonb_array_length($1::pg_catalog.jsonb) > 0 "
						 "AND NOT EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements($1::pg_catalog.jsonb) e "
						 "  WHERE pg_catalog.jsonb_typeof(e) <> 'string' OR e #>> '{}' = '')",
						 1, argtypes, values, NULL, SPI_OK_SELECT);
		if (kind != JSON_KIND_CONTAINER || SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid refresh_key tag of node %s", display),
					 errdetail("The tag refresh_key is a JSON array of the column names that identify a row; it is %s.", text),
					 errhint("hamilton_tag('%s', '{\"refresh_key\": [\"region\", \"week\"]}')", display)));
	}
}

/*
 * check_tags: tags are a JSON object with non-empty keys; the materialize
 * tag says auto or table (or null, which removes it); the refresh tags,
 * check_refresh_tags.
 */
void
check_tags(const char *display, Jsonb *tags)
{
	List	   *keys = jsonb_object_keys_list(tags, "tags");
	ListCell   *lc;

	foreach(lc, keys)
	{
		char	   *key = lfirst(lc);
		char	   *text;
		char		kind;

		if (key[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("tag keys of node %s must not be empty", display),
					 errdetail("Tags are key-value pairs; \"\" is not a key."),
					 errhint("Write tags as '{\"owner\": \"planning\"}'.")));
		(void) jsonb_object_get(tags, key, &text, &kind);
		if (strcmp(key, "materialize") == 0 && kind != JSON_KIND_NULL &&
			(kind != JSON_KIND_STRING || (strcmp(text, "auto") != 0 && strcmp(text, "table") != 0)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid materialize tag of node %s", display),
					 errdetail("The tag materialize is \"auto\" (a table when requested) or \"table\" (always a table)."),
					 errhint("hamilton_tag('%s', '{\"materialize\": \"table\"}') keeps the node's result even when it is an intermediate.",
							 display)));
		check_refresh_tags(display, key, text, kind);
		if (strcmp(key, "cache") == 0 && kind != JSON_KIND_NULL)
			define_check_cache_behaviour(text, psprintf("the cache tag of node %s", display));
		if (strcmp(key, "sources") == 0 && kind != JSON_KIND_NULL)
			define_check_declared_sources(display, text, kind == JSON_KIND_CONTAINER);
		/* (shard) a shard key is a column's name (shard_key.c) */
		if (strcmp(key, "shard_key") == 0 && kind != JSON_KIND_NULL)
			define_check_shard_key_name(display, text, kind);
	}
}

/*
 * when_value_problem: what is wrong with one key's condition (the text and
 * kind jsonb_object_get read), or NULL: a single value, a non-empty list
 * of them, or {"not": either}.
 */
static const char *
when_value_problem(const char *text, char kind, bool under_not)
{
	Jsonb	   *value;
	List	   *texts,
			   *kinds;
	ListCell   *lc;
	char	   *inner;
	char		inner_kind;

	if (kind == JSON_KIND_NULL)
		return "null";
	if (kind != JSON_KIND_CONTAINER)
		return NULL;
	value = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
	if (jsonb_array_items(value, &texts, &kinds))
	{
		if (texts == NIL)
			return "an empty list, which no config matches";
		foreach(lc, kinds)
			if ((char) lfirst_int(lc) == JSON_KIND_CONTAINER || (char) lfirst_int(lc) == JSON_KIND_NULL)
				return "a list whose elements are not all single values";
		return NULL;
	}
	if (under_not)
		return "{\"not\": ...} whose value is an object";
	if (list_length(jsonb_object_keys_list(value, "config_when")) != 1 ||
		!jsonb_object_get(value, "not", &inner, &inner_kind))
		return "an object other than {\"not\": ...}";
	return when_value_problem(inner, inner_kind, true);
}

/*
 * config_when_checked: a variant's condition is an object of config keys
 * and what they must be (Hamilton's @config.when and its operators): a
 * single value, a list (when_in), {"not": value} (when_not) or
 * {"not": [..]} (when_not_in).  NULL means no condition.
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
		const char *problem;

		(void) jsonb_object_get(when, lfirst(lc), &text, &kind);
		problem = when_value_problem(text, kind, false);
		if (problem)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("config_when of node %s must map each key to a value, a list of values or {\"not\": ...}", display),
					 errdetail("Key \"%s\" maps to %s.", (char *) lfirst(lc), problem),
					 errhint("Write config_when => '{\"region\": \"eu\"}' (region is \"eu\"), '{\"region\": [\"eu\", \"us\"]}' (one of them), '{\"region\": {\"not\": \"eu\"}}' or '{\"region\": {\"not\": [\"eu\", \"us\"]}}' (none of them).")));
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
	char	   *other = catalog_variant_of_other_kind(schema, name, kind);

	if (other)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("node %s is a %s node in its variant for config %s",
						display, strcmp(kind, "table") == 0 ? "column" : "table",
						other),
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
 *	[{"check": "not_null" | "range" | "unique" | "in" | "sql" | "data_type"
 *	  | "schema", "severity": "warn" | "fail", "column": ..., "min": ...,
 *	  "max": ..., "values": [...], "predicate": "...", "type": "...",
 *	  "columns": {"name": "type", ...}, "strict": bool, "name": "..."}]
 * The type names of data_type and schema checks must name types.
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
					 " WHEN jsonb_typeof(e->'check') <> 'string' OR e->>'check' NOT IN ('not_null', 'range', 'unique', 'in', 'sql', 'data_type', 'schema') "
					 "   THEN 'has check ' || (e->'check')::text || ', not one of \"not_null\", \"range\", \"unique\", \"in\", \"sql\", \"data_type\", \"schema\"' "
					 " WHEN e ? 'severity' AND (jsonb_typeof(e->'severity') <> 'string' OR e->>'severity' NOT IN ('warn', 'fail')) "
					 "   THEN 'has severity ' || (e->'severity')::text || ', not \"warn\" or \"fail\"' "
					 " WHEN EXISTS (SELECT 1 FROM jsonb_object_keys(e) k "
					 "   WHERE k NOT IN ('check', 'severity', 'column', 'min', 'max', 'values', 'predicate', 'name', 'type', 'columns', 'strict')) "
					 "   THEN 'has unknown key \"' || (SELECT min(k) FROM jsonb_object_keys(e) k "
					 "     WHERE k NOT IN ('check', 'severity', 'column', 'min', 'max', 'values', 'predicate', 'name', 'type', 'columns', 'strict')) || '\"' "
					 " WHEN EXISTS (SELECT 1 FROM jsonb_object_keys(e) k WHERE k NOT IN ('check', 'severity', 'name') "
					 "   AND k <> ALL (CASE e->>'check' WHEN 'not_null' THEN '{column}' WHEN 'unique' THEN '{column}' "
					 "     WHEN 'range' THEN '{column,min,max}' WHEN 'in' THEN '{column,values}' WHEN 'data_type' THEN '{column,type}' "
					 "     WHEN 'schema' THEN '{columns,strict}' ELSE '{predicate}' END::text[])) "
					 "   THEN 'has key \"' || (SELECT min(k) FROM jsonb_object_keys(e) k WHERE k NOT IN ('check', 'severity', 'name') "
					 "     AND k <> ALL (CASE e->>'check' WHEN 'not_null' THEN '{column}' WHEN 'unique' THEN '{column}' "
					 "       WHEN 'range' THEN '{column,min,max}' WHEN 'in' THEN '{column,values}' WHEN 'data_type' THEN '{column,type}' "
					 "     WHEN 'schema' THEN '{columns,strict}' ELSE '{predicate}' END::text[])) "
					 "     || '\", which check ' || (e->>'check') || ' does not use' "
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
					 " WHEN e->>'check' = 'data_type' AND coalesce(jsonb_typeof(e->'type'), '') <> 'string' "
					 "   THEN 'is a \"data_type\" check without a \"type\" string' "
					 " WHEN e->>'check' = 'data_type' AND pg_catalog.to_regtype(e->>'type') IS NULL "
					 "   THEN 'names type \"' || (e->>'type') || '\", which does not exist' "
					 " WHEN e->>'check' = 'schema' AND (coalesce(jsonb_typeof(e->'columns'), '') <> 'object' OR e->'columns' = '{}' "
					 "      OR EXISTS (SELECT 1 FROM jsonb_each(e->'columns') c WHERE jsonb_typeof(c.value) <> 'string')) "
					 "   THEN 'is a \"schema\" check without a non-empty \"columns\" object of column names and type names' "
					 " WHEN e->>'check' = 'schema' AND EXISTS (SELECT 1 FROM jsonb_each_text(e->'columns') c WHERE pg_catalog.to_regtype(c.value) IS NULL) "
					 "   THEN 'names type \"' || (SELECT min(c.value) FROM jsonb_each_text(e->'columns') c WHERE pg_catalog.to_regtype(c.value) IS NULL) "
					 "     || '\", which does not exist' "
					 " WHEN e ? 'strict' AND jsonb_typeof(e->'strict') <> 'boolean' THEN 'has a \"strict\" that is not true or false' "
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
					 errdetail("A check is {\"check\": \"not_null\" | \"range\" | \"unique\" | \"in\" | \"sql\" | \"data_type\" | \"schema\", \"severity\": \"warn\" | \"fail\"} with its options."),
					 errhint("For example '[{\"check\": \"range\", \"min\": 0, \"max\": 1, \"severity\": \"fail\"}, {\"check\": \"sql\", \"predicate\": \"x > 0\"}]'.")));
		if (predicate)
			(void) parse_node_expression(display, predicate, "check predicate");
	}
}

/*
 * next_variant: the first node from index i on that is (a variant of) node
 * schema.name, or -1.
 */
static int
next_variant(Dag *dag, int i, const char *schema, const char *name)
{
	for (; i < dag->nnodes; i++)
	{
		HNode	   *node = &dag->nodes[i];

		if (node->schema && strcmp(node->schema, schema) == 0 && strcmp(node->name, name) == 0)
			return i;
	}
	return -1;
}

/*
 * checks_refuse_unevaluable refuses checks that cannot be evaluated on what
 * node schema.name yields, in every variant of it: a check on a column it
 * does not have, a column node's check naming another column, a check whose
 * query does not analyse (a range on a text column, say).  checks_json is
 * the checks to set, or NULL for the ones each variant has.  A SQL node's
 * columns are found by analysing its SELECT over the shapes of what it
 * reads; where one of them is known only at a run (an input's type), the
 * run's validation checks it (validate/checks.c).
 */
void
checks_refuse_unevaluable(Dag *dag, const char *schema, const char *name,
						  const char *checks_json)
{
	DagShapes  *sh = dag_shapes_create(dag);
	int			i;

	for (i = next_variant(dag, 0, schema, name); i >= 0; i = next_variant(dag, i + 1, schema, name))
	{
		HProblem   *p = dag_checks_node_problem(sh, i, checks_json);

		if (p)
			problem_raise(p);
	}
}

/*
 * refresh_refuse_unfit refuses a refresh that node schema.name cannot do,
 * in any variant of it (dag_refresh_problem): concurrent on a scalar or a
 * column node, without a key, or on a key that is not a column of what it
 * yields, where that is known; and a refresh_key tag on a node that is
 * not refreshed concurrently, which would mean nothing.  Called after the
 * write, so that the graph read is the one defined: an error undoes the
 * write.
 */
void
refresh_refuse_unfit(const char *schema, const char *name)
{
	Dag		   *dag = dag_build_config(NULL, true);
	DagShapes  *sh = dag_shapes_create(dag);
	Jsonb	   *tags = catalog_node_tags(schema, name);
	char	   *text;
	char		kind;
	int			i;

	for (i = next_variant(dag, 0, schema, name); i >= 0; i = next_variant(dag, i + 1, schema, name))
	{
		HNode	   *node = &dag->nodes[i];
		HProblem   *p;

		/* a frame's column takes no options of its own from the graph: ask the tag */
		if (jsonb_object_get(tags, "refresh", &text, &kind) && kind == JSON_KIND_STRING &&
			strcmp(text, "concurrent") == 0)
			node->concurrent = true;
		p = dag_refresh_problem(sh, i);
		if (p)
			problem_raise(p);
		/* a key to refresh on, for a node that is not refreshed on a key */
		if (!node->concurrent && jsonb_object_get(tags, "refresh_key", &text, &kind))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("node %s has a refresh_key tag but is not refreshed concurrently", node->display),
					 errdetail("The tag refresh_key names the key of refresh = concurrent; node %s is replaced at each run.",
							   node->display),
					 errhint("Tag both, or remove both: hamilton_tag('%s', '{\"refresh\": null, \"refresh_key\": null}').",
							 node->display)));
	}
}

/*
 * refresh_tagged: do a node's tags (or those given) say refresh or
 * refresh_key?
 */
bool
refresh_tagged(Jsonb *tags)
{
	char	   *text;
	char		kind;

	return tags != NULL && (jsonb_object_get(tags, "refresh", &text, &kind) ||
							jsonb_object_get(tags, "refresh_key", &text, &kind));
}
