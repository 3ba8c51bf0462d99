/*-------------------------------------------------------------------------
 *
 * pipe_rows.c
 *	  The definition of a SQL node as hamilton.sql_node keeps it, for the
 *	  transforms that rewrite it into a chain of nodes (define/pipes.c;
 *	  features-b, issue 13 item 5).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "catalog.h"

/*
 * catalog_read_stored_node returns the one definition of SQL node
 * schema.name, or NULL when it has none; nvariants gets how many variants
 * it has (a node with several is not read).  Read as the catalog owner.
 */
StoredNode *
catalog_read_stored_node(const char *schema, const char *name, int *nvariants)
{
	OwnerScope	w;
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	StoredNode *sn = NULL;
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	Datum		d;

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	catalog_owner_begin(&w);
	spi_exec_latest("SELECT definition, doc, materialize, declared_inputs, kind, "
					"  frame_key IS NOT NULL OR extract_columns, refresh, refresh_key, "
					"  config_when OPERATOR(pg_catalog.<>) '{}' OR parameterized IS NOT NULL "
					"FROM " CATALOG_TABLE("sql_node") " WHERE schema_name = $1 AND node_name = $2",
					2, argtypes, values, NULL, SPI_OK_SELECT);
	*nvariants = (int) SPI_processed;
	if (SPI_processed == 1)
	{
		tup = SPI_tuptable->vals[0];
		desc = SPI_tuptable->tupdesc;
		sn = palloc0(sizeof(StoredNode));
		sn->definition = SPI_getvalue(tup, desc, 1);
		sn->doc = SPI_getvalue(tup, desc, 2);
		sn->materialize = SPI_getvalue(tup, desc, 3);
		d = SPI_getbinval(tup, desc, 4, &isnull);
		if (!isnull && ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(d)), ARR_DIMS(DatumGetArrayTypeP(d))) > 0)
			sn->declared = DatumGetArrayTypePCopy(d);
		sn->kind = SPI_getvalue(tup, desc, 5);
		sn->frame = DatumGetBool(SPI_getbinval(tup, desc, 6, &isnull));
		sn->refresh = SPI_getvalue(tup, desc, 7);
		d = SPI_getbinval(tup, desc, 8, &isnull);
		if (!isnull)
			sn->refresh_key = DatumGetArrayTypePCopy(d);
		sn->generated = DatumGetBool(SPI_getbinval(tup, desc, 9, &isnull));
	}
	catalog_owner_end(&w);
	return sn;
}
