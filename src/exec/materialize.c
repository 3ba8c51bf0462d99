/*-------------------------------------------------------------------------
 *
 * materialize.c
 *	  Writing node results as tables.
 *
 * A result table is named after its node, in the node's module schema.
 * Replacing it is atomic because everything happens in the caller's
 * transaction: a reader sees the old rows until commit, then the new ones,
 * never a half-built table.  When the result keeps its shape (same column
 * names and types), the table is emptied with TRUNCATE and refilled, so its
 * OID, grants, indexes and the views users built on it survive; when the
 * shape changed (the node's code changed), it is dropped and created anew.
 * A table of that name that pg_hamilton did not create is never touched,
 * nor one it may not write (result_table.c).  The run holds the result's
 * lock (result_locks.c).
 *
 * TRUNCATE is not MVCC-safe: a REPEATABLE READ reader whose snapshot
 * predates the run, and that had not read the table before, sees it empty
 * once the run commits.  A node with refresh = concurrent is written by a
 * diff on its key instead (refresh_concurrent.c), which keeps that reader
 * its old rows; materialize_result dispatches to it first.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "exec.h"

/*
 * materialize_result writes a node's result into schema.name and returns
 * the number of rows.  The caller holds the node's advisory lock; the
 * schema is locked here, for the lineage row that names it.  A node
 * refreshed concurrently (refresh_key, else NIL) is written by a diff on
 * its key instead (refresh_concurrent.c).
 */
uint64
materialize_result(const char *schema, const char *name, const char *select_sql,
				   const char *doc, const char *node_display, List *refresh_key,
				   Oid *relid)
{
	Oid			nsp;
	Oid			rel;
	char	   *qname = quote_qualified_identifier(schema, name);

	if (refresh_key != NIL)
		return refresh_concurrent(schema, name, select_sql, doc, node_display,
								  refresh_key, relid);

	nsp = catalog_lock_schema(schema, psprintf("the result of node %s was being written", node_display));
	/* Lock first: readers keep the old rows until we commit. */
	rel = result_table_locked(schema, name, nsp, node_display, AccessExclusiveLock);
	if (OidIsValid(rel))
	{
		if (same_shape(rel, select_sql))
		{
			spi_rows(psprintf("TRUNCATE TABLE %s", qname), SPI_OK_UTILITY);
			*relid = rel;
			return spi_rows(psprintf("INSERT INTO %s\n%s", qname, select_sql), SPI_OK_INSERT);
		}
		spi_rows(psprintf("DROP TABLE %s", qname), SPI_OK_UTILITY);
	}
	return result_table_create(schema, name, nsp, select_sql, doc, relid);
}

/*
 * materialize_temp writes an intermediate into a temporary table that is
 * dropped when the run ends (or with the transaction, if the run fails).
 */
uint64
materialize_temp(const char *temp_name, const char *select_sql)
{
	uint64		rows;

	rows = spi_rows(psprintf("CREATE TEMPORARY TABLE %s AS\n%s",
							 quote_identifier(temp_name), select_sql),
					SPI_OK_UTILITY);
	/* Without statistics, the consumers' plans would be guesses. */
	if (rows >= 1000)
		spi_rows(psprintf("ANALYZE pg_temp.%s", quote_identifier(temp_name)), SPI_OK_UTILITY);
	return rows;
}

/* materialize_drop_temp drops a run's temporary table, if it is there. */
void
materialize_drop_temp(const char *temp_name)
{
	spi_rows(psprintf("DROP TABLE IF EXISTS pg_temp.%s", quote_identifier(temp_name)),
			 SPI_OK_UTILITY);
}
