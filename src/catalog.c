/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Access to pg_hamilton's catalog tables.
 *
 * The catalog tables are owned by the extension's owner and are read-only to
 * everybody else.  The C functions check what the caller may do (own the
 * node, own the schema) and then write as the owner, the way a SECURITY
 * DEFINER function would, but only around the catalog write itself: user
 * code never runs with the owner's rights.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "parser/scansup.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "hamilton.h"

/*
 * catalog_owner returns the role that owns the catalog (the owner of schema
 * "hamilton", i.e. whoever created the extension).
 */
Oid
catalog_owner(void)
{
	Oid			nspid = get_namespace_oid(HAMILTON_SCHEMA, false);
	HeapTuple	tup;
	Oid			owner;

	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nspid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for namespace %u", nspid);
	owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * catalog_owner_begin switches to the catalog owner for catalog access (the
 * writes, and reading run history and lineage, which are not public), as
 * a SECURITY DEFINER function would: with search_path pinned to pg_catalog,
 * so that no object of the caller's can be picked up by name while the
 * owner's rights are in force.  SECURITY_LOCAL_USERID_CHANGE keeps SET ROLE
 * out; an error restores the caller's identity and search_path when the
 * (sub)transaction aborts.
 */
void
catalog_owner_begin(OwnerScope *w)
{
	Oid			owner = catalog_owner();

	GetUserIdAndSecContext(&w->saved_userid, &w->saved_sec_context);
	w->guc_nestlevel = NewGUCNestLevel();
	pin_safe_search_path();
	SetUserIdAndSecContext(owner, w->saved_sec_context | SECURITY_LOCAL_USERID_CHANGE);
}

void
catalog_owner_end(OwnerScope *w)
{
	SetUserIdAndSecContext(w->saved_userid, w->saved_sec_context);
	AtEOXact_GUC(true, w->guc_nestlevel);
}

/*
 * pin_safe_search_path sets search_path to pg_catalog, pg_temp in the
 * current GUC nest level (the caller opens and closes it).
 */
void
pin_safe_search_path(void)
{
	(void) set_config_option("search_path", HAMILTON_SAFE_SEARCH_PATH,
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

/*
 * spi_exec_checked runs one of our own statements with $n parameters and
 * fails loudly if SPI does not answer what the statement must answer, with
 * search_path pinned to pg_catalog.  SPI
 * leaves CurrentMemoryContext at its procedure context after every call;
 * the caller's context is put back, so what the caller allocates next lives
 * where it expects.
 */
void
spi_exec_checked(const char *sql, int nargs, Oid *argtypes, Datum *values,
				 const char *nulls, int expected)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			nestlevel = NewGUCNestLevel();
	int			rc;

	/*
	 * Our statements never depend on the caller's search_path: an operator
	 * or function of theirs must not decide what we read or write.
	 */
	pin_safe_search_path();
	rc = SPI_execute_with_args(sql, nargs, argtypes, values, nulls, false, 0);
	AtEOXact_GUC(true, nestlevel);
	MemoryContextSwitchTo(cxt);
	if (rc != expected)
		elog(ERROR, "SPI_execute_with_args failed (%s) for: %s",
			 SPI_result_code_string(rc), sql);
}

/*
 * catalog_module_exists tells whether a schema is registered as a module.
 */
bool
catalog_module_exists(const char *schema)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];

	values[0] = CStringGetTextDatum(schema);
	spi_exec_checked("SELECT 1 FROM hamilton.module WHERE schema_name = $1",
					 1, argtypes, values, NULL, SPI_OK_SELECT);
	return SPI_processed > 0;
}

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
 * qualified_display is how a node is named to users: schema.name, quoted
 * only where needed, exactly as quote_ident() || '.' || quote_ident() in SQL.
 */
char *
qualified_display(const char *schema, const char *name)
{
	if (schema == NULL)
		return pstrdup(quote_identifier(name));
	return quote_qualified_identifier(schema, name);
}

/*
 * catalog_node_tags returns a node's tags as a JSON object.
 */
Jsonb *
catalog_node_tags(const char *schema, const char *name)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	bool		isnull;
	Datum		d;

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	spi_exec_checked("SELECT coalesce(pg_catalog.jsonb_object_agg(tag_key, tag_value ORDER BY tag_key), '{}')"
					 " FROM hamilton.node_tag WHERE schema_name = $1 AND node_name = $2",
					 2, argtypes, values, NULL, SPI_OK_SELECT);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return DatumGetJsonbPCopy(d);
}

/*
 * catalog_delete_tags removes every tag of a node (when the node goes away).
 */
void
catalog_delete_tags(const char *schema, const char *name)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	OwnerScope w;

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	catalog_owner_begin(&w);
	spi_exec_checked("DELETE FROM hamilton.node_tag WHERE schema_name = $1 AND node_name = $2",
					 2, argtypes, values, NULL, SPI_OK_DELETE);
	catalog_owner_end(&w);
}
