/*-------------------------------------------------------------------------
 *
 * subdag_rows.c
 *	  (subdag) hamilton.subdag, the subdags made by hamilton_subdag
 *	  (src/sql/74_subdag.sql): which of them are stale, made from a module
 *	  that changed since.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"

#include "catalog.h"

/*
 * catalog_subdags returns every subdag (CatalogSubdag *), stale when its
 * module's fingerprint differs from the one it was made from; NIL on a
 * catalog older than 1.4, which has none.
 */
List *
catalog_subdags(void)
{
	List	   *subdags = NIL;
	uint64		k;

	if (!OidIsValid(catalog_table_relid("subdag")))
		return NIL;
	/* each module's fingerprint once, however many subdags it has */
	spi_exec_checked("WITH f AS (SELECT m.module, " HAMILTON_SCHEMA ".subdag_fingerprint(m.module) AS now"
					 " FROM (SELECT DISTINCT module FROM " CATALOG_TABLE("subdag") ") m)"
					 " SELECT s.namespace::pg_catalog.text, s.module::pg_catalog.text,"
					 " s.fingerprint IS DISTINCT FROM f.now"
					 " FROM " CATALOG_TABLE("subdag") " s JOIN f USING (module) ORDER BY s.namespace",
					 0, NULL, NULL, NULL, SPI_OK_SELECT);
	for (k = 0; k < SPI_processed; k++)
	{
		CatalogSubdag *s = palloc(sizeof(CatalogSubdag));

		s->namespace = spi_get_cstring(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 1);
		s->module = spi_get_cstring(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 2);
		s->stale = strcmp(spi_get_cstring(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 3), "t") == 0;
		subdags = lappend(subdags, s);
	}
	return subdags;
}

/*
 * catalog_rename_subdag_schemas follows schema old_name, renamed new_name,
 * in the subdags' rows (catalog_rename_schema_rows moves the namespace):
 * a subdag of module old_name names it new_name, since it is refreshed
 * from the module it names, which must stay the schema it was made from,
 * not a new schema that takes the old name; and the functions a subdag of
 * namespace old_name made are named in it (regprocedure text), so that
 * refresh and drop find them.
 */
void
catalog_rename_subdag_schemas(const char *old_name, const char *new_name)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	OwnerScope	w;

	if (!OidIsValid(catalog_table_relid("subdag")))
		return;
	values[0] = CStringGetTextDatum(old_name);
	values[1] = CStringGetTextDatum(new_name);
	catalog_owner_begin(&w);
	spi_exec_latest("UPDATE " CATALOG_TABLE("subdag") " SET module = $2 WHERE module = $1",
					2, argtypes, values, NULL, SPI_OK_UPDATE);
	spi_exec_latest("UPDATE " CATALOG_TABLE("subdag") " SET functions = ARRAY("
					"SELECT CASE WHEN starts_with(f, quote_ident($1) || '.')"
					" THEN quote_ident($2) || substr(f, length(quote_ident($1)) + 1) ELSE f END"
					" FROM unnest(functions) WITH ORDINALITY AS u(f, i) ORDER BY i)"
					" WHERE namespace = $2",
					2, argtypes, values, NULL, SPI_OK_UPDATE);
	catalog_owner_end(&w);
}
