/*-------------------------------------------------------------------------
 *
 * run_rows.c
 *	  hamilton.run and hamilton.node_run: the history of runs.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "catalog.h"

/*
 * catalog_next_run_id draws a run's id.  Sequences are not transactional,
 * so the id stays valid for the failed-run recorder.
 */
int64
catalog_next_run_id(void)
{
	OwnerScope	w;
	bool		isnull;
	int64		id;

	catalog_owner_begin(&w);
	spi_exec_checked("SELECT pg_catalog.nextval('" CATALOG_TABLE("run_id_seq") "')", 0, NULL, NULL, NULL, SPI_OK_SELECT);
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	catalog_owner_end(&w);
	return id;
}

/*
 * catalog_insert_run writes a run and its steps from their JSON description,
 * {"run": {...}, "nodes": [...]}, with the rights of whoever calls it: the
 * caller switches to the catalog owner first (or is the failed-run recorder,
 * which connects as the owner).
 */
void
catalog_insert_run(const char *json)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];

	values[0] = CStringGetTextDatum(json);
	spi_exec_checked("INSERT INTO " CATALOG_TABLE("run") " "
					 "SELECT * FROM pg_catalog.jsonb_populate_record(NULL::" CATALOG_TABLE("run") ", ($1::jsonb)->'run')",
					 1, argtypes, values, NULL, SPI_OK_INSERT);
	spi_exec_checked("INSERT INTO " CATALOG_TABLE("node_run") " "
					 "SELECT * FROM pg_catalog.jsonb_populate_recordset(NULL::" CATALOG_TABLE("node_run") ", ($1::jsonb)->'nodes')",
					 1, argtypes, values, NULL, SPI_OK_INSERT);
}
