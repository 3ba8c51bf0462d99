/*-------------------------------------------------------------------------
 *
 * probe_rows.c
 *	  hamilton.source_probe: the probe query a source that cannot carry the
 *	  change log's trigger declares (1.4 on; an older catalog has none).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/value.h"
#include "utils/builtins.h"

#include "catalog.h"

/* catalog_read_probe is the probe of a source, or NULL. */
char *
catalog_read_probe(Oid relid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1];

	if (!OidIsValid(catalog_table_relid("source_probe")))
		return NULL;
	values[0] = ObjectIdGetDatum(relid);
	spi_exec_checked("SELECT probe FROM " HAMILTON_SCHEMA ".source_probe "
					 "WHERE source OPERATOR(pg_catalog.=) $1::pg_catalog.regclass",
					 1, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return NULL;
	return spi_get_cstring(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/*
 * catalog_put_probe declares (or replaces) the probe of a source, as the
 * catalog's owner (the caller, the source's owner, was checked by
 * define/probe.c and is recorded as declared_by).
 */
void
catalog_put_probe(Oid relid, const char *probe)
{
	Oid			argtypes[3] = {OIDOID, TEXTOID, TEXTOID};
	Datum		values[3];
	OwnerScope	w;

	values[0] = ObjectIdGetDatum(relid);
	values[1] = CStringGetTextDatum(probe);
	values[2] = CStringGetTextDatum(GetUserNameFromId(GetUserId(), false));
	catalog_owner_begin(&w);
	spi_exec_checked("INSERT INTO " HAMILTON_SCHEMA ".source_probe (source, probe, declared_by) "
					 "VALUES ($1::pg_catalog.regclass, $2, $3) ON CONFLICT (source) DO UPDATE "
					 "SET probe = EXCLUDED.probe, declared_by = EXCLUDED.declared_by, "
					 "declared_at = EXCLUDED.declared_at",
					 3, argtypes, values, NULL, SPI_OK_INSERT);
	catalog_owner_end(&w);
}

/* catalog_delete_probe forgets the probe of a source; false if it had none. */
bool
catalog_delete_probe(Oid relid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1];

	OwnerScope	w;
	bool		found;

	values[0] = ObjectIdGetDatum(relid);
	catalog_owner_begin(&w);
	spi_exec_checked("DELETE FROM " HAMILTON_SCHEMA ".source_probe "
					 "WHERE source OPERATOR(pg_catalog.=) $1::pg_catalog.regclass",
					 1, argtypes, values, NULL, SPI_OK_DELETE);
	found = SPI_processed > 0;
	catalog_owner_end(&w);
	return found;
}

/* catalog_read_probes is every declared probe: {Oid source, char *probe} pairs. */
List *
catalog_read_probes(void)
{
	List	   *probes = NIL;
	uint64		r;

	if (!OidIsValid(catalog_table_relid("source_probe")))
		return NIL;
	spi_exec_checked("SELECT source::pg_catalog.oid, probe FROM " HAMILTON_SCHEMA ".source_probe ORDER BY 1",
					 0, NULL, NULL, NULL, SPI_OK_SELECT);
	for (r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		Oid			relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull));

		probes = lappend(probes, list_make2(makeInteger((int) relid),
											spi_get_cstring(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2)));
	}
	return probes;
}
