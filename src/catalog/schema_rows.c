/*-------------------------------------------------------------------------
 *
 * schema_rows.c
 *	  The catalog's rows by the schema they name: every table that keys its
 *	  rows by schema name (modules, SQL nodes, tags, checks, function
 *	  variants, results, incremental nodes), moved when the schema is
 *	  renamed, forgotten when it is dropped, and the orphans: rows whose
 *	  schema does not exist.
 *
 * Rows name their schema, so that pg_dump, pg_restore and pg_upgrade carry
 * them; the event triggers (define/schemas.c) keep the names true.  Every
 * statement here runs with the latest snapshot: what a session committed
 * while the DDL command waited for its schema lock must be seen, even at
 * REPEATABLE READ.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "catalog.h"

/*
 * The tables whose rows name a schema, the column naming it, and the
 * column naming each row.
 */
static const struct
{
	const char *table;
	const char *schema_column;
	const char *name_column;	/* NULL: the row is the schema's (a module) */
}			schema_tables[] =
{
	{"module", "schema_name", NULL},
	{"sql_node", "schema_name", "node_name"},
	{"node_tag", "schema_name", "node_name"},
	{"node_check", "schema_name", "node_name"},
	{"function_variant", "schema_name", "function_name"},
	{"result", "schema_name", "node_name"},
	/* 1.3 on; its processed ranges follow it (ON DELETE / UPDATE CASCADE) */
	{"incremental_node", "schema_name", "node_name"},
	/* features-b, version 1.3 on: savers and column lineage */
	{"saver", "schema_name", "node_name"},
	{"result_column", "schema_name", "node_name"},
	/* (review) 1.4 on: a subdag's row is its namespace's, a schema */
	{"subdag", "namespace", NULL},
};

#define N_SCHEMA_TABLES lengthof(schema_tables)

static bool table_present(int i);

/*
 * table_present: does this database's catalog have schema_tables[i] (an
 * older catalog lacks the tables later versions added)?
 */
static bool
table_present(int i)
{
	Oid			nsp = get_namespace_oid(HAMILTON_SCHEMA, true);

	return OidIsValid(nsp) && OidIsValid(get_relname_relid(schema_tables[i].table, nsp));
}

/* A schema name (t.%s) is not the name of an existing schema. */
#define NO_SUCH_SCHEMA "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n " \
	"WHERE n.nspname OPERATOR(pg_catalog.=) t.%s)"

/*
 * on_every_table runs a statement on each table whose rows name a schema,
 * as the catalog's owner: sql_format has two %s, the table and the column
 * naming the schema, in that order.
 */
static void
on_every_table(const char *sql_format, int nargs, Oid *argtypes, Datum *values,
			   int expected)
{
	OwnerScope	w;
	int			i;

	catalog_owner_begin(&w);
	for (i = 0; i < N_SCHEMA_TABLES; i++)
		if (table_present(i))
			spi_exec_latest(psprintf(sql_format, schema_tables[i].table,
									 schema_tables[i].schema_column),
						nargs, argtypes, values, NULL, expected);
	catalog_owner_end(&w);
}

/*
 * catalog_rename_schema_rows moves every row of schema old_name to
 * new_name.
 */
void
catalog_rename_schema_rows(const char *old_name, const char *new_name)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(old_name);
	values[1] = CStringGetTextDatum(new_name);
	on_every_table("UPDATE " CATALOG_TABLE("%1$s") " SET %2$s = $2 WHERE %2$s = $1",
				   2, argtypes, values, SPI_OK_UPDATE);
	catalog_rename_subdag_schemas(old_name, new_name);	/* (review) */
}

/*
 * catalog_forget_schema_rows deletes every row of the schemas named in
 * names (a text[]).
 */
void
catalog_forget_schema_rows(ArrayType *names)
{
	Oid			argtypes[1] = {TEXTARRAYOID};
	Datum		values[1];

	values[0] = PointerGetDatum(names);
	on_every_table("DELETE FROM " CATALOG_TABLE("%s") " WHERE %s = ANY ($1)",
				   1, argtypes, values, SPI_OK_DELETE);
}

/*
 * catalog_schema_row_count counts the rows that name schema.
 */
int64
catalog_schema_row_count(const char *schema)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	StringInfoData sql;
	OwnerScope	w;
	bool		isnull;
	int			i;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT 0::pg_catalog.int8");
	for (i = 0; i < N_SCHEMA_TABLES; i++)
		if (table_present(i))
			appendStringInfo(&sql, " + (SELECT pg_catalog.count(*) FROM " CATALOG_TABLE("%s") " WHERE %s = $1)",
							 schema_tables[i].table, schema_tables[i].schema_column);
	values[0] = CStringGetTextDatum(schema);
	catalog_owner_begin(&w);
	spi_exec_latest(sql.data, 1, argtypes, values, NULL, SPI_OK_SELECT);
	catalog_owner_end(&w);
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * catalog_orphan_rows leaves in SPI_tuptable the rows whose schema does not
 * exist, one row per (schema, table, name): schema name, the table
 * ("module", "sql_node", ...), the node or function named (NULL for a
 * module) and how many rows; with remove, it deletes them as it reports
 * them.  Sorted by schema, table and name.
 */
void
catalog_orphan_rows(bool remove)
{
	StringInfoData sql;
	OwnerScope	w;
	int			i;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "WITH ");
	for (i = 0; i < N_SCHEMA_TABLES; i++)
	{
		const char *name;

		if (!table_present(i))
			continue;
		name = schema_tables[i].name_column ?
			psprintf("t.%s::pg_catalog.text", schema_tables[i].name_column) : "NULL::pg_catalog.text";
		appendStringInfo(&sql, "%st%d AS (", i ? ", " : "", i);
		if (remove)
			appendStringInfo(&sql, "DELETE FROM " CATALOG_TABLE("%s") " t WHERE " NO_SUCH_SCHEMA
							 " RETURNING t.%s, '%s'::pg_catalog.text, %s)",
							 schema_tables[i].table, schema_tables[i].schema_column,
							 schema_tables[i].schema_column, schema_tables[i].table, name);
		else
			appendStringInfo(&sql, "SELECT t.%s, '%s'::pg_catalog.text, %s FROM "
							 CATALOG_TABLE("%s") " t WHERE " NO_SUCH_SCHEMA ")",
							 schema_tables[i].schema_column, schema_tables[i].table, name,
							 schema_tables[i].table, schema_tables[i].schema_column);
	}
	appendStringInfoString(&sql, " SELECT o.s, o.c, o.n, pg_catalog.count(*) FROM (");
	for (i = 0; i < N_SCHEMA_TABLES; i++)
		if (table_present(i))
			appendStringInfo(&sql, "%sTABLE t%d", i ? " UNION ALL " : "", i);
	appendStringInfoString(&sql, ") AS o(s, c, n) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3");

	catalog_owner_begin(&w);
	spi_exec_latest(sql.data, 0, NULL, NULL, NULL, SPI_OK_SELECT);
	catalog_owner_end(&w);
}
