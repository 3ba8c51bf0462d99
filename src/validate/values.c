/*-------------------------------------------------------------------------
 *
 * values.c
 *	  Values given as JSON (inputs, overrides, config) and scalar results,
 *	  turned into typed SQL literals.  (Reading the JSON itself is
 *	  parse/arguments.c.)
 *
 * A value is checked against the type that needs it with that type's own
 * input function, inside a subtransaction so that a bad value becomes a
 * problem in the validation report instead of an error in the middle of a
 * run.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "validate.h"

static char *json_array_to_pg_array(const char *json_text, char **error);

/*
 * value_default_type is the type a value gets when no function parameter
 * says otherwise (an input read only by SQL nodes).
 */
Oid
value_default_type(char json_kind)
{
	switch (json_kind)
	{
		case JSON_KIND_NUMBER:
			return NUMERICOID;
		case JSON_KIND_BOOL:
			return BOOLOID;
		case JSON_KIND_CONTAINER:
			return JSONBOID;
		default:
			return TEXTOID;
	}
}

/*
 * value_literal turns a JSON value into the SQL literal 'text'::type,
 * after checking that the type accepts it.  On failure returns false with
 * the type's own error message in *error.
 */
bool
value_literal(const char *json_text, char json_kind, Oid type,
			  char **literal, char **error)
{
	const char *text = json_text;
	char	   *typname = format_type_be_qualified(type);
	SubxactScope sx;
	bool		ok = true;

	*error = NULL;
	if (json_kind == JSON_KIND_NULL)
	{
		*literal = psprintf("NULL::%s", typname);
		return true;
	}

	if (type == JSONBOID || type == JSONOID)
	{
		if (json_kind == JSON_KIND_STRING)
		{
			StringInfoData buf;

			initStringInfo(&buf);
			escape_json(&buf, json_text);
			text = buf.data;
		}
	}
	else if (json_kind == JSON_KIND_CONTAINER)
	{
		if (!OidIsValid(get_element_type(type)) || json_text[0] != '[')
		{
			*error = psprintf("A JSON %s cannot become a value of type %s.",
							  json_text[0] == '[' ? "array" : "object", format_type_be(type));
			return false;
		}
		text = json_array_to_pg_array(json_text, error);
		if (text == NULL)
			return false;
	}

	/* Let the type's input function judge the text. */
	subxact_begin(&sx);
	PG_TRY();
	{
		Oid			infunc,
					ioparam;

		getTypeInputInfo(type, &infunc, &ioparam);
		(void) OidInputFunctionCall(infunc, (char *) text, ioparam, -1);
		subxact_commit(&sx);
	}
	PG_CATCH();
	{
		ErrorData  *edata = subxact_rollback(&sx);

		/* a cancel or lack of memory is not a bad value */
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			edata->sqlerrcode == ERRCODE_OUT_OF_MEMORY)
			ReThrowError(edata);
		*error = pstrdup(edata->message);
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();

	if (ok)
		*literal = psprintf("%s::%s", quote_literal_cstr(text), typname);
	return ok;
}

/*
 * json_array_to_pg_array writes a one-dimensional JSON array as an array
 * literal ('{"a","b",NULL}'), so that any array type's input function can
 * read it.
 */
static char *
json_array_to_pg_array(const char *json_text, char **error)
{
	Jsonb	   *jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json_text)));
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbValue	v;
	JsonbIteratorToken tok;
	StringInfoData buf;
	bool		first = true;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		const char *elem;
		const char *p;

		if (tok != WJB_ELEM)
			continue;
		if (!first)
			appendStringInfoChar(&buf, ',');
		first = false;
		switch (v.type)
		{
			case jbvNull:
				appendStringInfoString(&buf, "NULL");
				continue;
			case jbvString:
				elem = pnstrdup(v.val.string.val, v.val.string.len);
				break;
			case jbvNumeric:
				elem = DatumGetCString(DirectFunctionCall1(numeric_out,
														   NumericGetDatum(v.val.numeric)));
				break;
			case jbvBool:
				elem = v.val.boolean ? "true" : "false";
				break;
			default:
				*error = pstrdup("Nested JSON arrays and objects cannot become array elements.");
				return NULL;
		}
		appendStringInfoChar(&buf, '"');
		for (p = elem; *p; p++)
		{
			if (*p == '"' || *p == '\\')
				appendStringInfoChar(&buf, '\\');
			appendStringInfoChar(&buf, *p);
		}
		appendStringInfoChar(&buf, '"');
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/*
 * datum_literal writes a computed value as 'text'::type, exact for every
 * type whose output and input functions round-trip (all built-in ones).
 */
char *
datum_literal(Datum value, bool isnull, Oid type)
{
	char	   *typname = format_type_be_qualified(type);
	Oid			outfunc;
	bool		isvarlena;

	if (isnull)
		return psprintf("NULL::%s", typname);
	getTypeOutputInfo(type, &outfunc, &isvarlena);
	return psprintf("%s::%s",
					quote_literal_cstr(OidOutputFunctionCall(outfunc, value)),
					typname);
}
