/*-------------------------------------------------------------------------
 *
 * template.c
 *	  One definition, many nodes (Hamilton's @parameterize): a template
 *	  whose {placeholders} each set of values fills in.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "define.h"

static char *substitute(const char *template, Jsonb *values, const char *what,
						const char *template_name);
static char *binding_text(const char *json, const char *key, const char *template_name,
						  bool for_sql);

/*
 * binding_text: what a value written as Hamilton's value() or source()
 * puts in the SQL: {"value": v} a literal (a string quoted), {"source":
 * "node"} the node's name as an identifier, which the parser then reads as
 * an edge; in a name or a doc, their text.  Any other object or array is
 * refused.
 */
static char *
binding_text(const char *json, const char *key, const char *template_name, bool for_sql)
{
	Jsonb	   *b = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
	char	   *text;
	char		kind;

	if (JB_ROOT_IS_OBJECT(b) && JB_ROOT_COUNT(b) == 1)
	{
		if (jsonb_object_get(b, "source", &text, &kind) && kind == JSON_KIND_STRING)
			return for_sql ? pstrdup(quote_identifier(text)) : text;
		if (jsonb_object_get(b, "value", &text, &kind) && kind != JSON_KIND_CONTAINER)
			return kind == JSON_KIND_NULL ? "NULL" :
				kind == JSON_KIND_STRING && for_sql ? quote_literal_cstr(text) : text;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("value of {%s} in template %s is %s", key, template_name, json),
			 errdetail("A value is a single JSON value (written into the SQL as it is), {\"value\": v} (a literal) or {\"source\": \"node\"} (a node's name)."),
			 errhint("Write '{\"%s\": [2, 3]}', '{\"%s\": [{\"value\": \"eu\"}]}' or '{\"%s\": [{\"source\": \"spend\"}]}'.",
					 key, key, key)));
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
								   jsonb_text(values)),
						 errhint("Give every placeholder a value in params, e.g. '{\"%s\": [2, 3]}'.", key)));
			appendStringInfoString(&buf, kind == JSON_KIND_NULL ? "NULL" :
								   kind == JSON_KIND_CONTAINER ?
								   binding_text(text, key, template_name, strcmp(what, "SQL") == 0) : text);
			p = close + 1;
			continue;
		}
		appendStringInfoChar(&buf, *p++);
	}
	return buf.data;
}

/*
 * define_parameterized defines one node per set of values.  params is
 * either an object of equally long arrays, zipped ('{"n": [2, 3, 4, 8]}'),
 * or an array of objects ('[{"n": 2, "w": "a"}, ...]').  {key} in the
 * template, the SQL and the doc is replaced by the value.  Returns the
 * nodes' names, in the order of the sets.
 */
List *
define_parameterized(const char *template, const char *sql, const char *doc,
					 Jsonb *params, Jsonb *tags, Jsonb *checks)
{
	Oid			argtypes[1] = {JSONBOID};
	Datum		values[1];
	uint64		i,
				nsets;
	SPITupleTable *sets;
	List	   *made = NIL;
	List	   *names = NIL;

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
		appendStringInfo(&prov, ", \"values\": %s}", jsonb_text(set));
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
		names = lappend(names, define_sql_node(&a));
	}
	return names;
}
