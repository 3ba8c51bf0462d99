/*-------------------------------------------------------------------------
 *
 * arguments.c
 *	  Reading the JSON and array arguments of the API: objects of names and
 *	  values (inputs, overrides, config, tags), and text[] lists.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "parse.h"

/*
 * jsonb_value_text: a JSON value's text (a string's content, or the JSON
 * text of a container; NULL for null) and its kind.
 */
static void
jsonb_value_text(JsonbValue *v, char **json_text, char *json_kind)
{
	switch (v->type)
	{
		case jbvString:
			*json_text = pnstrdup(v->val.string.val, v->val.string.len);
			*json_kind = JSON_KIND_STRING;
			break;
		case jbvNumeric:
			*json_text = DatumGetCString(DirectFunctionCall1(numeric_out,
															 NumericGetDatum(v->val.numeric)));
			*json_kind = JSON_KIND_NUMBER;
			break;
		case jbvBool:
			*json_text = pstrdup(v->val.boolean ? "true" : "false");
			*json_kind = JSON_KIND_BOOL;
			break;
		case jbvNull:
			*json_text = NULL;
			*json_kind = JSON_KIND_NULL;
			break;
		default:
			*json_text = JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
			*json_kind = JSON_KIND_CONTAINER;
			break;
	}
}

/*
 * jsonb_object_get reads one key of a JSON object: its text (a string's
 * content, or the JSON text of anything else; NULL for null) and its kind.
 */
bool
jsonb_object_get(Jsonb *container, const char *key, char **json_text,
				 char *json_kind)
{
	JsonbValue *v;

	if (container == NULL || !JB_ROOT_IS_OBJECT(container))
		return false;
	v = getKeyJsonValueFromContainer(&container->root, key, strlen(key), NULL);
	if (v == NULL)
		return false;
	jsonb_value_text(v, json_text, json_kind);
	return true;
}

/*
 * jsonb_array_items reads the elements of a JSON array, each as
 * jsonb_object_get reads a value: texts gets their texts (char *, NULL for
 * null), kinds their kinds (int).  False when it is not an array.
 */
bool
jsonb_array_items(Jsonb *container, List **texts, List **kinds)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	*texts = NIL;
	*kinds = NIL;
	if (container == NULL || !JB_ROOT_IS_ARRAY(container) || JB_ROOT_IS_SCALAR(container))
		return false;
	it = JsonbIteratorInit(&container->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *text;
		char		kind;

		if (tok != WJB_ELEM)
			continue;
		jsonb_value_text(&v, &text, &kind);
		*texts = lappend(*texts, text);
		*kinds = lappend_int(*kinds, kind);
	}
	return true;
}

/*
 * jsonb_object_keys_list returns the keys of a JSON object (inputs,
 * overrides, config), or raises a clear error when it is not an object.
 */
List *
jsonb_object_keys_list(Jsonb *container, const char *what)
{
	List	   *keys = NIL;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (container == NULL)
		return NIL;
	if (!JB_ROOT_IS_OBJECT(container))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a JSON object", what),
				 errdetail("It is %s.", jsonb_text(container)),
				 errhint("Write %s as '{\"name\": value, ...}'.", what)));

	it = JsonbIteratorInit(&container->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			keys = lappend(keys, pnstrdup(v.val.string.val, v.val.string.len));
	}
	return keys;
}

/*
 * jsonb_text is a JSON value's text, or "{}" for no value (an argument left
 * out is an empty object).
 */
char *
jsonb_text(Jsonb *value)
{
	if (value == NULL)
		return pstrdup("{}");
	return JsonbToCString(NULL, &value->root, VARSIZE(value));
}

/*
 * text_array_to_list reads a text[] argument, refusing NULL elements and
 * multi-dimensional arrays with a clear error.
 */
List *
text_array_to_list(ArrayType *arr, const char *what)
{
	Datum	   *elems;
	bool	   *nulls;
	int			nelems,
				i;
	List	   *result = NIL;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what),
				 errdetail("It has %d dimensions.", ARR_NDIM(arr)),
				 errhint("Write it as ARRAY['a', 'b'].")));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &nelems);
	for (i = 0; i < nelems; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain NULL", what),
					 errdetail("Element %d is NULL.", i + 1),
					 errhint("Remove the NULL element.")));
		result = lappend(result, TextDatumGetCString(elems[i]));
	}
	return result;
}

/* cstring_list_to_array: the text[] of a List of C strings. */
ArrayType *
cstring_list_to_array(List *items)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(items), 1));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, items)
		elems[i++] = CStringGetTextDatum((char *) lfirst(lc));
	return construct_array(elems, i, TEXTOID, -1, false, TYPALIGN_INT);
}
