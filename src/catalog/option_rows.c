/*-------------------------------------------------------------------------
 *
 * option_rows.c
 *	  Options of any node, function or SQL: hamilton.node_tag (@tag),
 *	  hamilton.node_check (@check_output) and hamilton.function_variant
 *	  (@config.when on a function).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "catalog.h"

/*
 * catalog_node_tags returns a node's tags as a JSON object.
 */
Jsonb *
catalog_node_tags(const char *schema, const char *name)
{
	bool		isnull;

	spi_exec_on_node("SELECT coalesce(pg_catalog.jsonb_object_agg(tag_key, tag_value ORDER BY tag_key), '{}')"
					 " FROM " CATALOG_TABLE("node_tag") " WHERE schema_name = $1 AND node_name = $2",
					 schema, name, NULL, false, SPI_OK_SELECT);
	return DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * catalog_merge_tags merges a JSON object into a node's tags: a string is
 * stored as is, any other value as its JSON text, and null removes the key.
 */
void
catalog_merge_tags(const char *schema, const char *name, Jsonb *tags)
{
	spi_exec_on_node("DELETE FROM " CATALOG_TABLE("node_tag") " WHERE schema_name = $1 AND node_name = $2 "
					 "AND tag_key IN (SELECT t.key FROM pg_catalog.jsonb_each($3) AS t "
					 "                WHERE pg_catalog.jsonb_typeof(t.value) = 'null')",
					 schema, name, tags, true, SPI_OK_DELETE);
	spi_exec_on_node("INSERT INTO " CATALOG_TABLE("node_tag") " "
					 "SELECT $1, $2, t.key, t.value FROM pg_catalog.jsonb_each_text($3) AS t "
					 "WHERE t.value IS NOT NULL "
					 "ON CONFLICT (schema_name, node_name, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
					 schema, name, tags, true, SPI_OK_INSERT);
}

/*
 * catalog_delete_tags removes every tag of a node (when the node goes away).
 */
void
catalog_delete_tags(const char *schema, const char *name)
{
	spi_exec_on_node("DELETE FROM " CATALOG_TABLE("node_tag") " WHERE schema_name = $1 AND node_name = $2",
					 schema, name, NULL, true, SPI_OK_DELETE);
}

/*
 * store_option upserts a node's option (a JSON value), or deletes it when
 * the value is NULL or empty: {} or [].
 */
static void
store_option(const char *upsert_sql, const char *delete_sql, const char *schema,
			 const char *name, Jsonb *value)
{
	if (value == NULL || JB_ROOT_COUNT(value) == 0)
		spi_exec_on_node(delete_sql, schema, name, NULL, true, SPI_OK_DELETE);
	else
		spi_exec_on_node(upsert_sql, schema, name, value, true, SPI_OK_INSERT);
}

/*
 * catalog_node_has_checks: has a node checks (set with hamilton_check or
 * hamilton_define's checks)?
 */
bool
catalog_node_has_checks(const char *schema, const char *name)
{
	spi_exec_on_node("SELECT 1 FROM " CATALOG_TABLE("node_check") " WHERE schema_name = $1 AND node_name = $2",
					 schema, name, NULL, false, SPI_OK_SELECT);
	return SPI_processed > 0;
}

/*
 * catalog_store_checks sets (or, with NULL or [], removes) a node's checks.
 */
void
catalog_store_checks(const char *schema, const char *name, Jsonb *checks)
{
	store_option("INSERT INTO " CATALOG_TABLE("node_check") " VALUES ($1, $2, $3) "
				 "ON CONFLICT (schema_name, node_name) DO UPDATE SET checks = excluded.checks",
				 "DELETE FROM " CATALOG_TABLE("node_check") " WHERE schema_name = $1 AND node_name = $2",
				 schema, name, checks);
}

/*
 * catalog_store_variant makes a function one variant of a node, chosen by
 * config when; NULL or {} makes it a plain node again.
 */
void
catalog_store_variant(const char *schema, const char *function, Jsonb *when)
{
	store_option("INSERT INTO " CATALOG_TABLE("function_variant") " VALUES ($1, $2, $3) "
				 "ON CONFLICT (schema_name, function_name) DO UPDATE SET config_when = excluded.config_when",
				 "DELETE FROM " CATALOG_TABLE("function_variant") " WHERE schema_name = $1 AND function_name = $2",
				 schema, function, when);
}

/*
 * catalog_variant_owners returns the variants node schema.name has besides
 * function except_function, with their owners (a List of NodeOwner): the
 * functions that are its variants (named node__<variant>, made variants
 * with hamilton_when) and the variants of a SQL node of that name.  Read
 * with the latest snapshot: the caller holds the node's lock.
 */
List *
catalog_variant_owners(const char *schema, const char *node, const char *except_function)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(node);
	values[2] = CStringGetTextDatum(except_function);
	spi_exec_latest("SELECT p.proowner, v.config_when::pg_catalog.text, p.oid::pg_catalog.regprocedure::pg_catalog.text "
					"FROM " CATALOG_TABLE("function_variant") " v "
					"JOIN pg_catalog.pg_namespace n ON n.nspname OPERATOR(pg_catalog.=) v.schema_name "
					"JOIN pg_catalog.pg_proc p ON p.pronamespace OPERATOR(pg_catalog.=) n.oid "
					"     AND p.proname OPERATOR(pg_catalog.=) v.function_name "
					"WHERE v.schema_name = $1 AND v.function_name <> $3 "
					"  AND pg_catalog.regexp_replace(v.function_name::pg_catalog.text, '^(.*)__.*$', '\\1') = $2 "
					"UNION ALL "
					"SELECT s.owner::pg_catalog.oid, CASE WHEN s.config_when OPERATOR(pg_catalog.<>) '{}' "
					"  THEN s.config_when::pg_catalog.text END, NULL "
					"FROM " CATALOG_TABLE("sql_node") " s WHERE s.schema_name = $1 AND s.node_name = $2 "
					"ORDER BY 2, 3",
					3, argtypes, values, NULL, SPI_OK_SELECT);
	return catalog_node_owner_rows();
}
