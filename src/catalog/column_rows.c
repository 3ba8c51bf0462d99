/*-------------------------------------------------------------------------
 *
 * column_rows.c
 *	  hamilton.result_column: the column-level lineage of each result
 *	  (features-b, issue 13 item 11).  Version 1.3 on; on an older catalog
 *	  nothing is written (catalog_keeps_column_lineage).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "catalog.h"

/*
 * catalog_keeps_column_lineage: does the catalog keep column lineage
 * (hamilton.result_column, version 1.3 on)?
 */
bool
catalog_keeps_column_lineage(void)
{
	Oid			nsp = get_namespace_oid(HAMILTON_SCHEMA, true);

	return OidIsValid(nsp) && OidIsValid(get_relname_relid("result_column", nsp));
}

/*
 * catalog_write_result_columns replaces the column lineage of a result
 * with n columns: names[i] and sources[i] (a JSON array), written by run
 * run_id, as the catalog owner.
 */
void
catalog_write_result_columns(const char *schema, const char *name, int64 run_id,
							 int n, char **names, char **sources)
{
	static SPIPlanPtr del = NULL;
	static SPIPlanPtr ins = NULL;
	OwnerScope	w;
	Oid			argtypes[6] = {NAMEOID, NAMEOID, INT4OID, NAMEOID, INT8OID, TEXTOID};
	Datum		values[6];
	int			i;

	values[0] = DirectFunctionCall1(namein, CStringGetDatum(schema));
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(name));
	values[4] = Int64GetDatum(run_id);
	catalog_owner_begin(&w);
	spi_exec_kept_args(&del, "DELETE FROM " CATALOG_TABLE("result_column") " "
					   "WHERE schema_name = $1 AND node_name = $2",
					   2, argtypes, values, NULL, SPI_OK_DELETE);
	for (i = 0; i < n; i++)
	{
		values[2] = Int32GetDatum(i + 1);
		values[3] = DirectFunctionCall1(namein, CStringGetDatum(names[i]));
		values[5] = CStringGetTextDatum(sources[i]);
		spi_exec_kept_args(&ins, "INSERT INTO " CATALOG_TABLE("result_column") " "
						   "(schema_name, node_name, ordinal, column_name, run_id, sources) "
						   "VALUES ($1, $2, $3, $4, $5, $6::pg_catalog.jsonb)",
						   6, argtypes, values, NULL, SPI_OK_INSERT);
	}
	catalog_owner_end(&w);
}
