/*-------------------------------------------------------------------------
 *
 * result_rows.c
 *	  hamilton.result: each materialized result's table and lineage.
 *
 * The row is also how pg_hamilton knows a table is its own: a relation of a
 * node's name that is not the one recorded here was not made by it, and is
 * never overwritten.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "catalog.h"

/*
 * catalog_result_relation returns the table pg_hamilton last wrote for a
 * node, or InvalidOid (none, or a restored result whose table the dump did
 * not bring).  The column is regclass in a 1.0 catalog and oid from 1.1 on,
 * where a dump carries the row by name (hamilton.bind_restored_result); the
 * statements here read and write both.  It is asked once per result table
 * a run writes: the statement's plan is kept.
 */
Oid
catalog_result_relation(const char *schema, const char *name)
{
	static SPIPlanPtr plan = NULL;
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	bool		isnull;
	Oid			relid;
	OwnerScope	w;

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	catalog_owner_begin(&w);
	spi_exec_kept_args(&plan, "SELECT relation::pg_catalog.oid FROM " CATALOG_TABLE("result") " WHERE schema_name = $1 AND node_name = $2",
					   2, argtypes, values, NULL, SPI_OK_SELECT);
	catalog_owner_end(&w);
	if (SPI_processed == 0)
		return InvalidOid;
	relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	return isnull ? InvalidOid : relid;
}

/* the statement of catalog_write_result, planned once per backend */
static SPIPlanPtr write_result_plan = NULL;

/*
 * catalog_write_result records (or replaces) a result's lineage: inputs_json
 * is a JSON object, upstream_json a JSON array of objects, sources_json a
 * JSON array of relation names.  A run writes one per result table, 4,000
 * for a frame's 4,000 outputs: the statement's plan is kept.
 */
void
catalog_write_result(const char *schema, const char *name, Oid relid, int64 run_id,
					 const char *fingerprint, const char *inputs_json,
					 const char *upstream_json, const char *sources_json)
{
	Oid			argtypes[8] = {TEXTOID, TEXTOID, OIDOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[8];
	OwnerScope	w;

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	values[2] = ObjectIdGetDatum(relid);
	values[3] = Int64GetDatum(run_id);
	values[4] = CStringGetTextDatum(fingerprint);
	values[5] = CStringGetTextDatum(inputs_json);
	values[6] = CStringGetTextDatum(upstream_json);
	values[7] = CStringGetTextDatum(sources_json);

	catalog_owner_begin(&w);
	spi_exec_kept_args(&write_result_plan,
					   "INSERT INTO " CATALOG_TABLE("result") " AS r (schema_name, node_name, relation, run_id, "
					   "  materialized_at, fingerprint, inputs, upstream, sources) "
					   "VALUES ($1, $2, $3::pg_catalog.oid, $4, pg_catalog.clock_timestamp(), $5, $6::jsonb, $7::jsonb, "
					   "  ARRAY(SELECT pg_catalog.jsonb_array_elements_text($8::jsonb))) "
					   "ON CONFLICT (schema_name, node_name) DO UPDATE SET "
					   "  relation = excluded.relation, run_id = excluded.run_id, "
					   "  materialized_at = excluded.materialized_at, fingerprint = excluded.fingerprint, "
					   "  inputs = excluded.inputs, upstream = excluded.upstream, sources = excluded.sources",
					   8, argtypes, values, NULL, SPI_OK_INSERT);
	catalog_owner_end(&w);
}

/*
 * catalog_rebind_result points a result's row at the table that replaced
 * the one it named (a result whose shape changed, renamed into place).
 */
void
catalog_rebind_result(const char *schema, const char *name, Oid relid)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, OIDOID};
	Datum		values[3];
	OwnerScope	w;

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	values[2] = ObjectIdGetDatum(relid);
	catalog_owner_begin(&w);
	spi_exec_checked("UPDATE " CATALOG_TABLE("result") " SET relation = $3::pg_catalog.oid "
					 "WHERE schema_name = $1 AND node_name = $2",
					 3, argtypes, values, NULL, SPI_OK_UPDATE);
	catalog_owner_end(&w);
}
