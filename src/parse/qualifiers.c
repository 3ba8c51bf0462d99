/*-------------------------------------------------------------------------
 *
 * qualifiers.c
 *	  Column references qualified by a relation's name (a.x, m.a.x, m.a.*):
 *	  which relation of a SQL node's FROM clauses each one names.
 *
 * When a relation that is a node is replaced by a subquery or a temporary
 * table, it keeps its name as an alias; a qualifier with a schema (m.a.x)
 * cannot name an alias, so plan/render.c rewrites it to the alias.  To know
 * which relation a qualifier names, this file follows PostgreSQL's own
 * scoping (refnameNamespaceItem in parse_relation.c): the FROM clause of the
 * query the reference stands in first, then those of the queries around
 * it; a bare qualifier matches any name the FROM clause gives (an alias, a
 * relation's name), a qualifier with a schema only a relation written
 * without an alias.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"

#include "parse.h"

/* One name a FROM clause gives to what it reads. */
typedef struct FromItem
{
	const char *refname;
	const char *schema;			/* a relation's schema as written, or NULL */
	const char *catalog;
	RangeVar   *rv;				/* a relation written without an alias, or NULL */
	char	   *alias;			/* rv: the alias it takes when it is replaced */
} FromItem;

/* A qualifier, and the relation it names. */
typedef struct QualifierNote
{
	RangeVar   *rv;
	SqlQualifier *qualifier;
} QualifierNote;

static void add_from_items(List **items, Node *node);
static FromItem *from_item(const char *refname, RangeVar *rv);
static bool name_given(List *items, const char *name);

/* from_item makes one FROM item; rv only for a relation without alias. */
static FromItem *
from_item(const char *refname, RangeVar *rv)
{
	FromItem   *item = palloc0(sizeof(FromItem));

	item->refname = refname;
	if (rv)
	{
		item->schema = rv->schemaname;
		item->catalog = rv->catalogname;
		item->rv = rv;
	}
	return item;
}

/*
 * add_from_items adds the names one FROM clause item gives.  A join with an
 * alias hides the names inside it, as in PostgreSQL.  The recursion follows
 * the nesting of the SQL text, which the parser has already bounded.
 */
static void
add_from_items(List **items, Node *node)
{
	check_stack_depth();
	if (node == NULL)
		return;
	if (IsA(node, RangeTableSample))
		node = ((RangeTableSample *) node)->relation;
	if (IsA(node, RangeVar))
	{
		RangeVar   *rv = (RangeVar *) node;

		if (rv->alias)
			*items = lappend(*items, from_item(rv->alias->aliasname, NULL));
		else
			*items = lappend(*items, from_item(rv->relname, rv));
	}
	else if (IsA(node, JoinExpr))
	{
		JoinExpr   *j = (JoinExpr *) node;

		if (j->alias)
			*items = lappend(*items, from_item(j->alias->aliasname, NULL));
		else
		{
			add_from_items(items, j->larg);
			add_from_items(items, j->rarg);
		}
		if (j->join_using_alias)
			*items = lappend(*items, from_item(j->join_using_alias->aliasname, NULL));
	}
	else if (IsA(node, RangeSubselect) && ((RangeSubselect *) node)->alias)
		*items = lappend(*items, from_item(((RangeSubselect *) node)->alias->aliasname, NULL));
	else if (IsA(node, RangeFunction))
	{
		RangeFunction *rf = (RangeFunction *) node;

		if (rf->alias)
			*items = lappend(*items, from_item(rf->alias->aliasname, NULL));
		else if (rf->functions != NIL)
		{
			Node	   *fn = linitial((List *) linitial(rf->functions));

			if (IsA(fn, FuncCall))
				*items = lappend(*items, from_item(strVal(llast(((FuncCall *) fn)->funcname)), NULL));
		}
	}
	else if (IsA(node, RangeTableFunc) && ((RangeTableFunc *) node)->alias)
		*items = lappend(*items, from_item(((RangeTableFunc *) node)->alias->aliasname, NULL));
}

/* name_given: does an item of items give name (or take it as alias)? */
static bool
name_given(List *items, const char *name)
{
	ListCell   *lc;

	foreach(lc, items)
	{
		FromItem   *item = lfirst(lc);

		if (strcmp(item->refname, name) == 0 ||
			(item->alias && strcmp(item->alias, name) == 0))
			return true;
	}
	return false;
}

/*
 * qualifier_scope is the scope a query's FROM clause opens: the names its
 * items give.  The caller pushes it (lcons) on the stack of scopes while it
 * walks that query.  Each relation written without an alias gets the alias
 * it takes if it is replaced: its name, unless another item gives that
 * name too; then a name no item gives (name_1, name_2, ...).
 */
List *
qualifier_scope(List *from_clause)
{
	List	   *items = NIL;
	ListCell   *lc;

	foreach(lc, from_clause)
		add_from_items(&items, lfirst(lc));
	foreach(lc, items)
	{
		FromItem   *item = lfirst(lc);
		ListCell   *lc2;
		int			same = 0,
					k = 0;

		if (item->rv == NULL)
			continue;
		foreach(lc2, items)
			same += strcmp(((FromItem *) lfirst(lc2))->refname, item->refname) == 0;
		if (same == 1)
		{
			item->alias = item->rv->relname;
			continue;
		}
		do
		{
			char	   *suffix = psprintf("_%d", ++k);

			/* clipped so that PostgreSQL keeps the whole name */
			item->alias = psprintf("%.*s%s",
								   pg_mbcliplen(item->refname, strlen(item->refname),
												NAMEDATALEN - 1 - strlen(suffix)),
								   item->refname, suffix);
		} while (name_given(list_delete_ptr(list_copy(items), item), item->alias));
	}
	return items;
}

/*
 * qualifier_alias: the alias a relation of the innermost scope takes when it
 * is replaced (see qualifier_scope), or its name.
 */
char *
qualifier_alias(List *scopes, RangeVar *rv)
{
	ListCell   *lc;

	if (scopes != NIL)
		foreach(lc, (List *) linitial(scopes))
		{
			FromItem   *item = lfirst(lc);

			if (item->rv == rv)
				return item->alias;
		}
	return rv->relname;
}

/*
 * qualifier_note notes which relation a qualified column reference names,
 * searching the scopes from the innermost out.  A reference whose
 * qualifier matches no relation, or several, is left as it is: PostgreSQL
 * reports it when the node runs, as it would have anyway.
 */
void
qualifier_note(List *scopes, ColumnRef *cref, const SqlTokens *tokens, List **notes)
{
	int			nparts = list_length(cref->fields) - 1;
	const char *relname,
			   *schema,
			   *catalog;
	ListCell   *lc;
	int			k;

	if (nparts < 1 || nparts > 3)
		return;
	for (k = 0; k < nparts; k++)
		if (!IsA(list_nth(cref->fields, k), String))
			return;
	relname = strVal(list_nth(cref->fields, nparts - 1));
	schema = nparts >= 2 ? strVal(list_nth(cref->fields, nparts - 2)) : NULL;
	catalog = nparts == 3 ? strVal(linitial(cref->fields)) : NULL;

	foreach(lc, scopes)
	{
		RangeVar   *found = NULL;
		int			matches = 0;
		ListCell   *li;

		foreach(li, (List *) lfirst(lc))
		{
			FromItem   *item = lfirst(li);

			if (strcmp(item->refname, relname) != 0)
				continue;
			if (schema &&
				(item->rv == NULL ||
				 (item->schema && strcmp(item->schema, schema) != 0) ||
				 (item->catalog && catalog && strcmp(item->catalog, catalog) != 0)))
				continue;
			matches++;
			found = item->rv;
		}
		if (matches == 0)
			continue;
		if (matches == 1 && found)
		{
			QualifierNote *note = palloc(sizeof(QualifierNote));
			SqlQualifier *q = palloc0(sizeof(SqlQualifier));
			int			first = sql_token_at(tokens, cref->location);

			q->start = cref->location;
			q->end = tokens->tokens[sql_name_last_token(tokens, first, nparts)].end;
			q->schema = schema ? pstrdup(schema) : NULL;
			q->catalog = catalog ? pstrdup(catalog) : NULL;
			note->rv = found;
			note->qualifier = q;
			*notes = lappend(*notes, note);
		}
		return;
	}
}

/*
 * qualifiers_of lists the qualifiers noted for a relation, with their spans
 * moved by shift bytes.
 */
List *
qualifiers_of(List *notes, RangeVar *rv, int shift)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, notes)
	{
		QualifierNote *note = lfirst(lc);

		if (note->rv == rv)
		{
			SqlQualifier *q = palloc(sizeof(SqlQualifier));

			*q = *note->qualifier;
			q->start += shift;
			q->end += shift;
			result = lappend(result, q);
		}
	}
	return result;
}
