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
 * answer follows an update made meanwhile), or by the installed version
 * where a behaviour, not a table, changed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "catalog.h"

/* catalog_table_relid is the OID of the catalog table, or InvalidOid. */
Oid
catalog_table_relid(const char *table)
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
	return OidIsValid(catalog_table_relid("run_start"));
}

/*
 * catalog_keeps_staging: does the catalog note the staging heaps other
 * transactions built (hamilton.staging, version 1.2 on)?
 */
bool
catalog_keeps_staging(void)
{
	return OidIsValid(catalog_table_relid("staging"));
}

/*
 * catalog_keeps_step_workers: does hamilton.node_run say which worker ran
 * a step, and when (worker_pid, started_at, ended_at, version 1.3 on)?
 */
bool
catalog_keeps_step_workers(void)
{
	Oid			rel = catalog_table_relid("node_run");

	return OidIsValid(rel) && get_attnum(rel, "worker_pid") != InvalidAttrNumber;
}

/*
 * catalog_keeps_step_placement (servers2): does hamilton.node_run say which
 * server a placed step ran on (placement, version 1.4 on)?
 */
bool
catalog_keeps_step_placement(void)
{
	Oid			rel = catalog_table_relid("node_run");

	return OidIsValid(rel) && get_attnum(rel, "placement") != InvalidAttrNumber;
}

/*
 * catalog_keeps_owner_names: does hamilton.sql_node keep its owner's name
 * for dumps (owner_name, version 1.1 on)?
 */
bool
catalog_keeps_owner_names(void)
{
	Oid			rel = catalog_table_relid("sql_node");

	return OidIsValid(rel) && get_attnum(rel, "owner_name") != InvalidAttrNumber;
}

/*
 * catalog_keeps_refresh: does hamilton.sql_node say how each node's result
 * is refreshed (refresh, version 1.2 on)?
 */
bool
catalog_keeps_refresh(void)
{
	Oid			rel = catalog_table_relid("sql_node");

	return OidIsValid(rel) && get_attnum(rel, "refresh") != InvalidAttrNumber;
}

/*
 * catalog_keeps_fingerprints (chain): does the catalog keep function nodes'
 * fingerprints for their pg_proc row versions (hamilton.function_fingerprint,
 * version 1.5 on)?
 */
bool
catalog_keeps_fingerprints(void)
{
	return OidIsValid(catalog_table_relid("function_fingerprint"));
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

/*
 * catalog_version_1_0: is the installed extension at version 1.0?  Its
 * functions take no modules argument, so its names resolve as 1.0 resolved
 * them: every module at once (dag.h).
 */
bool
catalog_version_1_0(void)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		is_1_0 = false;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum("hamilton"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		version = heap_getattr(tup, Anum_pg_extension_extversion,
										   RelationGetDescr(rel), &isnull);

		is_1_0 = !isnull && strcmp(TextDatumGetCString(version), "1.0") == 0;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return is_1_0;
}

/*
 * catalog_graph_tables fills tables[CATALOG_GRAPH_TABLES] with the OIDs of
 * the catalog tables a graph is read from, and says whether each has its
 * trigger graph_changed (version 1.2 on), enabled, which announces every
 * change of their rows to every session's graph cache (dag/cache.c).
 * Without them, a cached graph could miss a change: the caller builds it
 * anew.
 */
bool
catalog_graph_tables(Oid *tables)
{
	static const char *const names[CATALOG_GRAPH_TABLES] =
	{"module", "sql_node", "function_variant", "node_check", "node_tag"};
	int			i;

	for (i = 0; i < CATALOG_GRAPH_TABLES; i++)
	{
		Relation	rel;
		bool		found = false;
		int			t;

		tables[i] = catalog_table_relid(names[i]);
		if (!OidIsValid(tables[i]))
			return false;
		rel = table_open(tables[i], AccessShareLock);
		for (t = 0; rel->trigdesc && t < rel->trigdesc->numtriggers; t++)
		{
			Trigger    *trig = &rel->trigdesc->triggers[t];

			if (strcmp(trig->tgname, "graph_changed") == 0 &&
				trig->tgenabled == TRIGGER_FIRES_ALWAYS)
				found = true;
		}
		table_close(rel, AccessShareLock);
		if (!found)
			return false;
	}
	return true;
}
