/*-------------------------------------------------------------------------
 *
 * staging_rows.c
 *	  hamilton.staging: the staging heaps that background workers built and
 *	  committed for a parallel run (exec/parallel_run.c), until the run
 *	  swaps them in, or somebody drops them after the run is gone.
 *
 * A run is running while its advisory lock (runlog/history.c: objsubid
 * 18514) is held; its staging heaps are never dropped then.  The lock is
 * taken before any worker starts, so a heap whose row is here always
 * belongs to a run that holds it or to one that has ended.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "catalog.h"

/*
 * catalog_insert_staging notes staging heap relid, built for the result
 * schema.name of run run_id, in the worker's transaction, as the owner.
 */
void
catalog_insert_staging(Oid relid, const char *schema, const char *name, int64 run_id)
{
	Oid			argtypes[4] = {OIDOID, TEXTOID, TEXTOID, INT8OID};
	Datum		values[4];
	OwnerScope	w;

	values[0] = ObjectIdGetDatum(relid);
	values[1] = CStringGetTextDatum(schema);
	values[2] = CStringGetTextDatum(name);
	values[3] = Int64GetDatum(run_id);
	catalog_owner_begin(&w);
	spi_exec_checked("INSERT INTO " CATALOG_TABLE("staging") " (relation, schema_name, node_name, run_id) "
					 "VALUES ($1, $2, $3, $4)", 4, argtypes, values, NULL, SPI_OK_INSERT);
	catalog_owner_end(&w);
}

/*
 * catalog_forget_staging deletes the rows of run run_id, in the run's own
 * transaction, once its swap dropped the heaps: they go with it if it
 * commits, and come back with the heaps if it aborts.
 */
void
catalog_forget_staging(int64 run_id)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		values[1];
	OwnerScope	w;

	values[0] = Int64GetDatum(run_id);
	catalog_owner_begin(&w);
	spi_exec_checked("DELETE FROM " CATALOG_TABLE("staging") " WHERE run_id = $1",
					 1, argtypes, values, NULL, SPI_OK_DELETE);
	catalog_owner_end(&w);
}

/*
 * catalog_drop_staging drops the staging heaps of run run_id, or (run_id
 * 0) of every run that is no longer running, and deletes their rows; it
 * returns how many heaps it dropped.  With wait, each heap's lock is
 * waited for (the recorder does, while the failed run's transaction ends),
 * and its row, for at most lock_wait_ms (lock_timeout); without, a heap somebody holds is left for
 * later.  A row whose relation is gone, or is no staging heap (it was
 * swapped in, or renamed), loses its row only.  Runs as the owner: the
 * heaps belong to their results' owners.
 */
int
catalog_drop_staging(int64 run_id, bool wait, int lock_wait_ms)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		values[1];
	OwnerScope	w;
	int			dropped = 0;
	uint64		n;
	uint64		i;
	Oid		   *rels;
	bool	   *heaps;
	MemoryContext cxt = CurrentMemoryContext;

	values[0] = Int64GetDatum(run_id);
	catalog_owner_begin(&w);
	if (wait)
		(void) set_config_option("lock_timeout", psprintf("%d", lock_wait_ms),
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	spi_exec_checked(psprintf("SELECT st.relation, c.oid IS NOT NULL "
					 "FROM " CATALOG_TABLE("staging") " st "
					 "LEFT JOIN pg_catalog.pg_class c ON c.oid = st.relation AND c.relname LIKE 'pg\\_temp\\_%%' "
					 "  AND NOT EXISTS (SELECT 1 FROM " CATALOG_TABLE("result") " r WHERE r.relation = c.oid) "
					 "WHERE CASE WHEN $1 <> 0 THEN st.run_id = $1 ELSE NOT EXISTS ("
					 "  SELECT 1 FROM pg_catalog.pg_locks l "
					 "  WHERE l.locktype = 'advisory' AND l.objsubid = 18514 AND l.granted "
					 "    AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d "
					 "                      WHERE d.datname = pg_catalog.current_database()) "
					 "    AND ((l.classid::bigint << 32) | l.objid::bigint) = st.run_id) END "
					 "ORDER BY st.relation FOR UPDATE OF st%s", wait ? "" : " SKIP LOCKED"),
					 1, argtypes, values, NULL, SPI_OK_SELECT);
	n = SPI_processed;
	rels = MemoryContextAlloc(cxt, sizeof(Oid) * Max(n, 1));
	heaps = MemoryContextAlloc(cxt, sizeof(bool) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		bool		isnull;

		rels[i] = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		heaps[i] = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
	}
	for (i = 0; i < n; i++)
	{
		if (heaps[i])
		{
			if (wait)
				LockRelationOid(rels[i], AccessExclusiveLock);
			else if (!ConditionalLockRelationOid(rels[i], AccessExclusiveLock))
				continue;
			/* looked at again under the lock: a swap may have taken it */
			if (get_rel_name(rels[i]) == NULL)
				continue;
			spi_exec_checked(psprintf("DROP TABLE %s",
									  quote_qualified_identifier(get_namespace_name(get_rel_namespace(rels[i])),
																 get_rel_name(rels[i]))),
							 0, NULL, NULL, NULL, SPI_OK_UTILITY);
			dropped++;
		}
		values[0] = ObjectIdGetDatum(rels[i]);
		argtypes[0] = OIDOID;
		spi_exec_checked("DELETE FROM " CATALOG_TABLE("staging") " WHERE relation = $1",
						 1, argtypes, values, NULL, SPI_OK_DELETE);
	}
	catalog_owner_end(&w);
	return dropped;
}
