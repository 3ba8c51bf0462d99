/*-------------------------------------------------------------------------
 *
 * refresh.c
 *	  How a node's result table is refreshed: replaced (the default), or,
 *	  with refresh = concurrent, by a diff on its key that leaves a reader's
 *	  older snapshot its old rows (exec/refresh_concurrent.c).
 *
 * A SQL node says it with hamilton_define's refresh => and key =>; any
 * node, function or SQL, with the tags refresh ("replace" or
 * "concurrent") and refresh_key (a JSON array of column names), which win
 * over the definition's, as the materialize tag does.  A node refreshed
 * concurrently keeps its table even when it runs as an intermediate, as
 * materialize => 'table' does: the refresh is its table's.  Only a node
 * that yields rows can be: a scalar or a column node has no key, and is a
 * problem, reported when it is defined or tagged and again when a run
 * needs it (whatever changed since).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#include "dag.h"

static bool read_key_tag(const char *text, List **key);

/*
 * dag_set_refresh sets how node is refreshed, from its refresh setting
 * (the tag, else the definition's; NULL: the default) and its refresh_key
 * tag (NULL: the node's own key, a SQL node's key =>).  A value that cannot
 * mean anything is a problem of the node, never a silent default.
 */
void
dag_set_refresh(HNode *node, const char *refresh, const char *key_tag)
{
	int			k;

	node->concurrent = refresh != NULL && strcmp(refresh, "concurrent") == 0;
	if (refresh != NULL && !node->concurrent && strcmp(refresh, "replace") != 0)
		node->problems = lappend(node->problems,
								 problem_make("refresh", ERRCODE_INVALID_PARAMETER_VALUE, node->display,
											  psprintf("invalid refresh \"%s\" of node %s", refresh, node->display),
											  "A node's result is refreshed by \"replace\" (the default) or \"concurrent\" (a diff on its key).",
											  psprintf("hamilton_tag('%s', '{\"refresh\": \"concurrent\", \"refresh_key\": [\"id\"]}') sets it; '{\"refresh\": null}' removes it.",
													   node->display)));
	if (!node->concurrent)
		return;
	node->persist = true;		/* the refresh is its table's */
	if (key_tag != NULL)
	{
		if (!read_key_tag(key_tag, &node->refresh_key))
			node->problems = lappend(node->problems,
									 problem_make("refresh", ERRCODE_INVALID_PARAMETER_VALUE, node->display,
												  psprintf("invalid refresh_key tag of node %s", node->display),
												  psprintf("The tag refresh_key is a JSON array of column names; it is %s.", key_tag),
												  psprintf("hamilton_tag('%s', '{\"refresh_key\": [\"id\"]}')", node->display)));
		return;
	}
	for (k = 0; k < node->nkey; k++)
		node->refresh_key = lappend(node->refresh_key, node->key[k]);
}

/*
 * read_key_tag reads a refresh_key tag's text, a JSON array of non-empty
 * strings, into key; false when it is not one (a tag set before the tag
 * meant anything, say).
 */
static bool
read_key_tag(const char *text, List **key)
{
	JsonLexContext *lex = makeJsonLexContextCstringLen(pstrdup(text), strlen(text),
													   GetDatabaseEncoding(), true);
	Jsonb	   *json;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (pg_parse_json(lex, &nullSemAction) != JSON_SUCCESS)
		return false;
	json = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
	if (!JB_ROOT_IS_ARRAY(json) || JB_ROOT_IS_SCALAR(json) || JB_ROOT_COUNT(json) == 0)
		return false;
	it = JsonbIteratorInit(&json->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (v.type != jbvString || v.val.string.len == 0)
			return false;
		*key = lappend(*key, pnstrdup(v.val.string.val, v.val.string.len));
	}
	return true;
}

/*
 * dag_refresh_problem: can node n be refreshed as it says?  A node
 * refreshed concurrently must yield rows, have a key, and every key column
 * must be a column of what it yields, of a type a unique (btree) index can
 * hold, when that can be known without running anything (else the run checks it, exec/refresh_concurrent.c).
 * Returns the problem, or NULL.
 */
HProblem *
dag_refresh_problem(DagShapes *sh, int n)
{
	HNode	   *node = &sh->dag->nodes[n];
	TupleDesc	desc;
	ListCell   *lc;
	const char *tag_hint;

	if (!node->concurrent)
		return NULL;
	tag_hint = psprintf("Remove it with hamilton_tag('%s', '{\"refresh\": null}'), or define the node as a table node.",
						node->display);
	if (node->kind != HNODE_QUERY && node->kind != HNODE_TABLE_FUNC)
		return problem_make("refresh", ERRCODE_WRONG_OBJECT_TYPE, node->display,
							psprintf("%s node %s cannot be refreshed concurrently",
									 node->kind == HNODE_SCALAR ? "scalar" : "column", node->display),
							"refresh = concurrent refreshes a result table by a diff on its key, row by row; "
							"a scalar or a column node has no key of its own.",
							tag_hint);
	if (node->refresh_key == NIL)
		return problem_make("refresh", ERRCODE_INVALID_PARAMETER_VALUE, node->display,
							psprintf("node %s is refreshed concurrently but has no key", node->display),
							"refresh = concurrent matches the old and the new rows on a key, which must be unique and not null.",
							node->language && strcmp(node->language, "sql") == 0 && !OidIsValid(node->funcoid) ?
							"Give the key: hamilton_define(..., key => ARRAY['id'], refresh => 'concurrent'), or tag it: '{\"refresh_key\": [\"id\"]}'." :
							psprintf("Tag the key: hamilton_tag('%s', '{\"refresh_key\": [\"id\"]}').", node->display));
	desc = dag_shape(sh, n);
	if (desc == NULL)
		return NULL;
	foreach(lc, node->refresh_key)
	{
		const char *k = lfirst(lc);
		StringInfoData columns;
		bool		found = false;
		int			i;

		initStringInfo(&columns);
		for (i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (att->attisdropped)
				continue;
			found |= strcmp(NameStr(att->attname), k) == 0;
			appendStringInfo(&columns, "%s%s", columns.len ? ", " : "", NameStr(att->attname));
		}
		for (i = 0; found && i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (!att->attisdropped && strcmp(NameStr(att->attname), k) == 0 &&
				!OidIsValid(GetDefaultOpClass(att->atttypid, BTREE_AM_OID)))
				return problem_make("refresh", ERRCODE_UNDEFINED_OBJECT, node->display,
									psprintf("key column \"%s\" of node %s is of type %s, which has no btree operator class",
											 k, node->display, format_type_be(att->atttypid)),
									"refresh = concurrent keeps a unique index on the key and matches rows by its equality.",
									"Key on columns of types a unique index can hold (cast a json column to jsonb or text, say).");
		}
		if (!found)
			return problem_make("refresh", ERRCODE_UNDEFINED_COLUMN, node->display,
								psprintf("key column \"%s\" of node %s is not a column of its result", k, node->display),
								psprintf("refresh = concurrent matches rows on the key; node %s yields columns %s.",
										 node->display, columns.data),
								"Name columns the node yields in its key (key => or the tag refresh_key).");
	}
	return NULL;
}
