/*-------------------------------------------------------------------------
 *
 * version.c
 *	  Which version of pg_hamilton's catalog this database holds, for the
 *	  behaviour that depends on it (docs/versions.md): a database still at
 *	  1.0 runs against the new library as 1.0 did until it is updated.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"

#include "catalog.h"

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
