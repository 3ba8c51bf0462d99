/*-------------------------------------------------------------------------
 *
 * scalar_rows.c
 *	  (chain3) The pg_proc rows of many functions read in one pass over
 *	  pg_proc rather than by a syscache lookup each.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_proc.h"
#include "miscadmin.h"
#include "utils/hsearch.h"
#include "utils/rel.h"

#include "catalog.h"

/*
 * catalog_scan_functions calls fn on the pg_proc row of every function
 * whose OID is a key of wanted, as the syscache would find it (the
 * catalog snapshot), in one sequential pass over pg_proc: for thousands
 * of functions, cheaper than as many index probes.  The row is the
 * scan's: fn copies what it keeps.
 */
void
catalog_scan_functions(HTAB *wanted, CatalogFunctionRow fn, void *arg)
{
	Relation	rel = table_open(ProcedureRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(rel, 0, NULL);
	HeapTuple	tup;

	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Oid			funcoid = ((Form_pg_proc) GETSTRUCT(tup))->oid;

		CHECK_FOR_INTERRUPTS();
		if (hash_search(wanted, &funcoid, HASH_FIND, NULL) != NULL)
			fn(tup, RelationGetDescr(rel), arg);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
}
