/*-------------------------------------------------------------------------
 *
 * versions.c
 *	  Which catalog this database has, and where the extension lives.
 *
 * One library serves the catalog of every version a database may still be
 * on (docs/versions.md): between `make install` and ALTER EXTENSION UPDATE,
 * a 1.0 database runs against the 1.1 library.  Code that reads or writes
 * what a later version added asks here first, by looking for the table or
 * column itself (a syscache lookup, so that asking costs nothing and the
 * answer follows an update made meanwhile).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "executor/spi.h"
#include "utils/lsyscache.h"

#include "catalog.h"

static Oid	catalog_relid(const char *table);

/* catalog_relid is the OID of the catalog table, or InvalidOid. */
static Oid
catalog_relid(const char *table)
{
	Oid			nsp = get_namespace_oid(HAMILTON_SCHEMA, true);

	return OidIsValid(nsp) ? get_relname_relid(table, nsp) : InvalidOid;
}

/*
 * catalog_keeps_run_starts: does the catalog record runs when they start
 * (hamilton.run_start, version 1.1 on)?
 */
bool
catalog_keeps_run_starts(void)
{
	return OidIsValid(catalog_relid("run_start"));
}

/*
 * catalog_keeps_owner_names: does hamilton.sql_node keep its owner's name
 * for dumps (owner_name, version 1.1 on)?
 */
bool
catalog_keeps_owner_names(void)
{
	Oid			rel = catalog_relid("sql_node");

	return OidIsValid(rel) && get_attnum(rel, "owner_name") != InvalidAttrNumber;
}

/*
 * catalog_extension_schema is the schema the extension's functions live in
 * (CREATE EXTENSION ... SCHEMA), or NULL.  SPI must be connected.
 */
char *
catalog_extension_schema(void)
{
	spi_exec_checked("SELECT n.nspname::pg_catalog.text FROM pg_catalog.pg_extension e "
					 "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace "
					 "WHERE e.extname OPERATOR(pg_catalog.=) 'hamilton'",
					 0, NULL, NULL, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return NULL;
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}
