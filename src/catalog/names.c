/*-------------------------------------------------------------------------
 *
 * names.c
 *	  Node names: reading "module.name" as users write it, writing it back
 *	  as users read it, and naming the temporary tables of a run.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "parser/scansup.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "catalog.h"

/*
 * split_name_parts splits "a.b" the way the parser reads identifiers
 * (quoted parts kept as written, unquoted ones downcased), but without
 * truncating them: a name too long for a table is an error, not a surprise.
 */
static List *
split_name_parts(const char *text)
{
	List	   *parts = NIL;
	const char *p = text;

	for (;;)
	{
		StringInfoData part;

		initStringInfo(&part);
		while (scanner_isspace(*p))
			p++;
		if (*p == '"')
		{
			for (p++;; p++)
			{
				if (*p == '\0')
					return NIL;
				if (*p == '"')
				{
					if (p[1] != '"')
						break;
					p++;
				}
				appendStringInfoChar(&part, *p);
			}
			p++;
		}
		else
		{
			const char *start = p;

			while (*p && *p != '.' && !scanner_isspace(*p))
				p++;
			if (p == start)
				return NIL;
			appendStringInfoString(&part, downcase_identifier(start, p - start, false, false));
		}
		if (part.len == 0)
			return NIL;
		parts = lappend(parts, part.data);
		while (scanner_isspace(*p))
			p++;
		if (*p == '\0')
			return parts;
		if (*p != '.')
			return NIL;
		p++;
	}
}

/*
 * parse_node_name splits "schema.name" (quoted identifiers allowed) into its
 * parts.  An unqualified name gets schema NULL, or with default_schema the
 * schema a CREATE TABLE would use.
 */
void
parse_node_name(const char *text, char **schema, char **name,
				bool default_schema)
{
	List	   *parts = split_name_parts(text);
	ListCell   *lc;

	if (list_length(parts) < 1 || list_length(parts) > 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("improper node name \"%s\"", text),
				 errdetail("A node name is module.name or name."),
				 errhint("Quote parts that contain dots or spaces: '\"my schema\".node'.")));
	foreach(lc, parts)
	{
		if (strlen(lfirst(lc)) >= NAMEDATALEN)
			ereport(ERROR,
					(errcode(ERRCODE_NAME_TOO_LONG),
					 errmsg("name \"%s\" is too long", (char *) lfirst(lc)),
					 errdetail("Node and module names become table and schema names, which hold at most %d bytes.",
							   NAMEDATALEN - 1),
					 errhint("Choose a shorter name.")));
	}

	if (list_length(parts) == 1)
	{
		*name = linitial(parts);
		*schema = NULL;
		if (default_schema)
		{
			RangeVar   *rv = makeRangeVar(NULL, *name, -1);

			*schema = get_namespace_name(RangeVarGetCreationNamespace(rv));
		}
	}
	else
	{
		*schema = linitial(parts);
		*name = lsecond(parts);
	}
}

/*
 * parse_module_name reads one module (schema) name as users write it in
 * modules => ...: an identifier, quoted where it needs to be.
 */
char *
parse_module_name(const char *text)
{
	List	   *parts = split_name_parts(text);

	if (list_length(parts) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("improper module name \"%s\"", text),
				 errdetail("A module is a schema, named by one identifier."),
				 errhint("Name the schema alone, e.g. 'shop', and quote it if it contains dots or spaces: '\"my schema\"'.")));
	if (strlen(linitial(parts)) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("name \"%s\" is too long", (char *) linitial(parts)),
				 errdetail("A module is a schema, whose name holds at most %d bytes.", NAMEDATALEN - 1),
				 errhint("Name an existing schema.")));
	return linitial(parts);
}

/*
 * node_name_is_valid: would parse_node_name read text without an error?
 * For callers that report a bad name as a problem among others.
 */
bool
node_name_is_valid(const char *text)
{
	List	   *parts = split_name_parts(text);
	ListCell   *lc;

	if (list_length(parts) < 1 || list_length(parts) > 2)
		return false;
	foreach(lc, parts)
		if (strlen(lfirst(lc)) >= NAMEDATALEN)
			return false;
	return true;
}

/*
 * qualified_display is how a node is named to users: schema.name, quoted
 * only where needed, exactly as quote_ident() || '.' || quote_ident() in SQL.
 * Copied to its own size: quote_qualified_identifier returns a StringInfo's
 * 1 kB buffer, which every node of a graph would otherwise keep (10 MB for
 * 10,000 nodes, each page of it a page fault in a new backend).
 */
char *
qualified_display(const char *schema, const char *name)
{
	char	   *display;
	char	   *copy;

	if (schema == NULL)
		return pstrdup(quote_identifier(name));
	display = quote_qualified_identifier(schema, name);
	copy = pstrdup(display);
	pfree(display);
	return copy;
}

/*
 * The hamilton_execute and hamilton_explain calls in progress in this
 * backend.  A node may call hamilton_execute itself (a plpgsql function
 * that runs another module's dataflow); that inner run's temporary tables
 * are made while the outer run's still exist, so their names carry the
 * depth of the call that plans them.  The outermost call's names carry
 * none, so that what hamilton_explain shows does not depend on anything
 * but the dataflow.
 */
static int calls_in_progress = 0;

/* temp_names_enter and temp_names_leave bracket one such call. */
void
temp_names_enter(void)
{
	calls_in_progress++;
}

void
temp_names_leave(void)
{
	if (calls_in_progress > 0)
		calls_in_progress--;
}

/*
 * temp_table_name names a temporary table of a run: "hamilton_<step>_<node>"
 * for a node's intermediate result, or "hamilton_<purpose>_<step>" when
 * node_name is NULL; in a call nested d deep, "hamilton_n<d>_..." (see
 * calls_in_progress).  The step number keeps names of one run distinct.
 * The node's name is clipped (to 40 bytes, less when nested) so that the
 * whole stays under NAMEDATALEN.
 */
char *
temp_table_name(const char *purpose, int step, const char *node_name)
{
	int			depth = Max(calls_in_progress - 1, 0);
	char	   *nest = depth > 0 ? psprintf("n%d_", depth) : "";
	char	   *prefix;

	if (node_name == NULL)
		return psprintf("hamilton_%s%s_%d", nest, purpose, step);
	prefix = psprintf("hamilton_%s%d_", nest, step);
	return psprintf("%s%s", prefix,
					pnstrdup(node_name,
							 pg_mbcliplen(node_name, strlen(node_name),
										  Min(40, NAMEDATALEN - 1 - (int) strlen(prefix)))));
}
