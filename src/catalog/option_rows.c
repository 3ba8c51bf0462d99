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
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	bool		isnull;
	Datum		d;

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	spi_exec_checked("SELECT coalesce(pg_catalog.jsonb_object_agg(tag_key, tag_value ORDER BY tag_key), '{}')"
					 " FROM " CATALOG_TABLE("node_tag") " WHERE schema_name = $1 AND node_name = $2",
					 2, argtypes, values, NULL, SPI_OK_SELECT);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return DatumGetJsonbPCopy(d);
}

/*
 * catalog_merge_tags merges a JSON object into a node's tags: a string is
 * stored as is, any other value as its JSON text, and null removes the key.
 */
void
catalog_merge_tags(const char *schema, const char *name, Jsonb *tags)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, JSONBOID};
	Datum		values[3];
	OwnerScope	w;

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	values[2] = JsonbPGetDatum(tags);
	catalog_owner_begin(&w);
	spi_exec_checked("DELETE FROM " CATALOG_TABLE("node_tag") " WHERE schema_name = $1 AND node_name = $2 "
					 "AND tag_key IN (SELECT t.key FROM pg_catalog.jsonb_each($3) AS t "
					 "                WHERE pg_catalog.jsonb_typeof(t.value) = 'null')",
					 3, argtypes, values, NULL, SPI_OK_DELETE);
	spi_exec_checked("INSERT INTO " CATALOG_TABLE("node_tag") " "
					 "SELECT $1, $2, t.key, t.value FROM pg_catalog.jsonb_each_text($3) AS t "
					 "WHERE t.value IS NOT NULL "
					 "ON CONFLICT (schema_name, node_name, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
					 3, argtypes, values, NULL, SPI_OK_INSERT);
	catalog_owner_end(&w);
}

/*
 * catalog_delete_tags removes every tag of a node (when the node goes away).
 */
void
catalog_delete_tags(const char *schema, const char *name)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	OwnerScope	w;

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	catalog_owner_begin(&w);
	spi_exec_checked("DELETE FROM " CATALOG_TABLE("node_tag") " WHERE schema_name = $1 AND node_name = $2",
					 2, argtypes, values, NULL, SPI_OK_DELETE);
	catalog_owner_end(&w);
}

/*
 * catalog_store_checks sets (or, with NULL or [], removes) a node's checks.
 */
void
catalog_store_checks(const char *schema, const char *name, Jsonb *checks)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, JSONBOID};
	Datum		values[3];
	OwnerScope	w;

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	catalog_owner_begin(&w);
	if (checks == NULL || JB_ROOT_COUNT(checks) == 0)
		spi_exec_checked("DELETE FROM " CATALOG_TABLE("node_check") " WHERE schema_name = $1 AND node_name = $2",
						 2, argtypes, values, NULL, SPI_OK_DELETE);
	else
	{
		values[2] = JsonbPGetDatum(checks);
		spi_exec_checked("INSERT INTO " CATALOG_TABLE("node_check") " VALUES ($1, $2, $3) "
						 "ON CONFLICT (schema_name, node_name) DO UPDATE SET checks = excluded.checks",
						 3, argtypes, values, NULL, SPI_OK_INSERT);
	}
	catalog_owner_end(&w);
}

/*
 * catalog_store_variant makes a function one variant of a node, chosen by
 * config when; NULL or {} makes it a plain node again.
 */
void
catalog_store_variant(const char *schema, const char *function, Jsonb *when)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, JSONBOID};
	Datum		values[3];
	OwnerScope	w;

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(function);
	catalog_owner_begin(&w);
	if (when == NULL || JB_ROOT_COUNT(when) == 0)
		spi_exec_checked("DELETE FROM " CATALOG_TABLE("function_variant") " WHERE schema_name = $1 AND function_name = $2",
						 2, argtypes, values, NULL, SPI_OK_DELETE);
	else
	{
		values[2] = JsonbPGetDatum(when);
		spi_exec_checked("INSERT INTO " CATALOG_TABLE("function_variant") " VALUES ($1, $2, $3) "
						 "ON CONFLICT (schema_name, function_name) DO UPDATE SET config_when = excluded.config_when",
						 3, argtypes, values, NULL, SPI_OK_INSERT);
	}
	catalog_owner_end(&w);
}
