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

#include "executor/spi.h"
#include "nodes/pg_list.h"

#include "catalog.h"

/*
 * catalog_stale_subdags returns the subdags (CatalogSubdag *) whose
 * module's fingerprint differs from the one they were made from; NIL on a
 * catalog older than 1.4, which has none.
 */
List *
catalog_stale_subdags(void)
{
	List	   *stale = NIL;
	uint64		k;

	if (!OidIsValid(catalog_table_relid("subdag")))
		return NIL;
	/* each module's fingerprint once, however many subdags it has */
	spi_exec_checked("WITH f AS (SELECT m.module, " HAMILTON_SCHEMA ".subdag_fingerprint(m.module) AS now"
					 " FROM (SELECT DISTINCT module FROM " CATALOG_TABLE("subdag") ") m)"
					 " SELECT s.namespace::pg_catalog.text, s.module::pg_catalog.text"
					 " FROM " CATALOG_TABLE("subdag") " s JOIN f USING (module)"
					 " WHERE s.fingerprint IS DISTINCT FROM f.now ORDER BY s.namespace",
					 0, NULL, NULL, NULL, SPI_OK_SELECT);
	for (k = 0; k < SPI_processed; k++)
	{
		CatalogSubdag *s = palloc(sizeof(CatalogSubdag));

		s->namespace = spi_get_cstring(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 1);
		s->module = spi_get_cstring(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 2);
		stale = lappend(stale, s);
	}
	return stale;
}
