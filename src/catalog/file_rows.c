/*-------------------------------------------------------------------------
 *
 * file_rows.c
 *	  hamilton.saver and hamilton.run_file: the savers of nodes, and the
 *	  files each run read and wrote (features-b, issue 13 item 9).  Version
 *	  1.3 on; on an older catalog there are no savers and no file is
 *	  recorded (catalog_keeps_files).
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
 * catalog_keeps_files: does the catalog have savers and the run's files
 * (hamilton.saver, hamilton.run_file, version 1.3 on)?
 */
bool
catalog_keeps_files(void)
{
	Oid			nsp = get_namespace_oid(HAMILTON_SCHEMA, true);

	return OidIsValid(nsp) && OidIsValid(get_relname_relid("run_file", nsp));
}

/*
 * catalog_store_saver adds (or replaces the options of) the saver of
 * schema.name to path, as the catalog owner.
 */
void
catalog_store_saver(const char *schema, const char *name, const char *path,
					const char *options_json, const char *owner_name)
{
	OwnerScope	w;
	Oid			argtypes[5] = {NAMEOID, NAMEOID, TEXTOID, TEXTOID, NAMEOID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};

	values[0] = DirectFunctionCall1(namein, CStringGetDatum(schema));
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(name));
	values[2] = CStringGetTextDatum(path);
	if (options_json)
		values[3] = CStringGetTextDatum(options_json);
	else
		nulls[3] = 'n';
	values[4] = DirectFunctionCall1(namein, CStringGetDatum(owner_name));
	catalog_owner_begin(&w);
	spi_exec_checked("INSERT INTO " CATALOG_TABLE("saver") " (schema_name, node_name, path, options, owner_name) "
					 "VALUES ($1, $2, $3, $4::pg_catalog.jsonb, $5) "
					 "ON CONFLICT (schema_name, node_name, path) DO UPDATE "
					 "SET options = EXCLUDED.options, owner_name = EXCLUDED.owner_name",
					 5, argtypes, values, nulls, SPI_OK_INSERT);
	catalog_owner_end(&w);
}

/*
 * catalog_delete_saver removes the saver of schema.name to path; false when
 * there was none.
 */
bool
catalog_delete_saver(const char *schema, const char *name, const char *path)
{
	OwnerScope	w;
	Oid			argtypes[3] = {NAMEOID, NAMEOID, TEXTOID};
	Datum		values[3];

	values[0] = DirectFunctionCall1(namein, CStringGetDatum(schema));
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(name));
	values[2] = CStringGetTextDatum(path);
	catalog_owner_begin(&w);
	spi_exec_checked("DELETE FROM " CATALOG_TABLE("saver") " "
					 "WHERE schema_name = $1 AND node_name = $2 AND path = $3",
					 3, argtypes, values, NULL, SPI_OK_DELETE);
	catalog_owner_end(&w);
	return SPI_processed > 0;
}

/*
 * catalog_read_savers returns every saver (CatalogSaver), by node and path.
 */
List *
catalog_read_savers(void)
{
	static SPIPlanPtr plan = NULL;
	OwnerScope	w;
	List	   *savers = NIL;
	uint64		i;

	if (!catalog_keeps_files())
		return NIL;
	catalog_owner_begin(&w);
	spi_exec_kept(&plan, "SELECT schema_name::pg_catalog.text, node_name::pg_catalog.text, path, "
				  "  options::pg_catalog.text, owner_name::pg_catalog.text "
				  "FROM " CATALOG_TABLE("saver") " ORDER BY schema_name, node_name, path");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		CatalogSaver *s = palloc0(sizeof(CatalogSaver));

		s->schema = SPI_getvalue(tup, desc, 1);
		s->name = SPI_getvalue(tup, desc, 2);
		s->path = SPI_getvalue(tup, desc, 3);
		s->options_json = SPI_getvalue(tup, desc, 4);
		s->owner_name = SPI_getvalue(tup, desc, 5);
		savers = lappend(savers, s);
	}
	catalog_owner_end(&w);
	return savers;
}

/*
 * catalog_insert_run_file records a file the step of node (its display)
 * read or wrote in run run_id, in the caller's transaction, as the owner.
 */
void
catalog_insert_run_file(int64 run_id, const char *node, const char *direction,
						const char *path, int64 rows)
{
	static SPIPlanPtr plan = NULL;
	OwnerScope	w;
	Oid			argtypes[5] = {INT8OID, TEXTOID, TEXTOID, TEXTOID, INT8OID};
	Datum		values[5];

	values[0] = Int64GetDatum(run_id);
	values[1] = CStringGetTextDatum(node);
	values[2] = CStringGetTextDatum(direction);
	values[3] = CStringGetTextDatum(path);
	values[4] = Int64GetDatum(rows);
	catalog_owner_begin(&w);
	spi_exec_kept_args(&plan, "INSERT INTO " CATALOG_TABLE("run_file") " (run_id, node, direction, path, rows) "
					   "VALUES ($1, $2, $3, $4, $5)",
					   5, argtypes, values, NULL, SPI_OK_INSERT);
	catalog_owner_end(&w);
}
