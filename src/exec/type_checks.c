/*-------------------------------------------------------------------------
 *
 * type_checks.c
 *	  The checks on a result's types (Hamilton's DataTypeValidator and
 *	  @schema.output): data_type, the type of one column (a scalar's value,
 *	  a column node's column), and schema, a table's columns and types.
 *
 * They are read on the result as it was written, at run time: a SQL node's
 * types are known only then.  A type matches when it is the one named or
 * a domain over it; a type named with a modifier (numeric(10,2)) must
 * have that modifier too.  They pass or fail as a whole: a failing one
 * counts every row of the result as failing.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "exec.h"

/*
 * type_named: the type a check names, read with the module's search_path
 * (pinned by the caller); an unknown one is an error, as when it was set.
 */
static void
type_named(NodeCheck *c, const char *node_display, const char *name, Oid *type,
		   int32 *typmod)
{
	parseTypeString(name, type, typmod, true);
	if (!OidIsValid(*type))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("type \"%s\" of check %s on node %s does not exist", name, c->name,
						node_display),
				 errdetail("The check is %s.", c->spec),
				 errhint("Schema-qualify the type, or correct the check with hamilton_check('%s', '[...]').",
						 node_display)));
}

/*
 * column_type_mismatch: why column att of desc is not of type name, or
 * NULL when it is.
 */
static char *
column_type_mismatch(NodeCheck *c, const char *node_display, TupleDesc desc,
					 int att, const char *name)
{
	Form_pg_attribute a = TupleDescAttr(desc, att);
	Oid			want;
	int32		want_typmod;

	type_named(c, node_display, name, &want, &want_typmod);
	if ((a->atttypid == want || getBaseType(a->atttypid) == want) &&
		(want_typmod < 0 || a->atttypmod == want_typmod))
		return NULL;
	return psprintf("column %s is %s, not %s", quote_identifier(NameStr(a->attname)),
					format_type_with_typemod(a->atttypid, a->atttypmod),
					format_type_with_typemod(want, want_typmod));
}

/* desc_column: the attribute number (0-based) of a column of desc, or -1. */
static int
desc_column(TupleDesc desc, const char *name)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped &&
			strcmp(NameStr(TupleDescAttr(desc, i)->attname), name) == 0)
			return i;
	return -1;
}

/*
 * check_types_mismatch: for a data_type or schema check c on a result of
 * shape desc, what does not match (every difference, for a schema), or
 * NULL when it passes.
 */
char *
check_types_mismatch(NodeCheck *c, const char *node_display, TupleDesc desc)
{
	StringInfoData buf;
	Jsonb	   *columns;
	List	   *names;
	ListCell   *lc;
	int			i;

	if (strcmp(c->kind, "data_type") == 0)
	{
		i = desc_column(desc, c->column);
		if (i < 0)				/* refused before: dag_checks_missing_column */
			return psprintf("it has no column %s", quote_identifier(c->column));
		return column_type_mismatch(c, node_display, desc, i, c->type);
	}

	initStringInfo(&buf);
	columns = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(c->columns)));
	names = jsonb_object_keys_list(columns, "columns");
	foreach(lc, names)
	{
		char	   *type;
		char		kind;
		char	   *why;

		(void) jsonb_object_get(columns, lfirst(lc), &type, &kind);
		i = desc_column(desc, lfirst(lc));
		why = i < 0 ? psprintf("column %s is missing", quote_identifier(lfirst(lc))) :
			column_type_mismatch(c, node_display, desc, i, type);
		if (why)
			appendStringInfo(&buf, "%s%s", buf.len ? "; " : "", why);
	}
	for (i = 0; c->strict && i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		bool		listed = false;

		foreach(lc, names)
			listed |= strcmp(lfirst(lc), NameStr(a->attname)) == 0;
		if (a->attisdropped || listed)
			continue;
		appendStringInfo(&buf, "%scolumn %s is not in the schema", buf.len ? "; " : "",
						 quote_identifier(NameStr(a->attname)));
	}
	return buf.len ? buf.data : NULL;
}
