/*-------------------------------------------------------------------------
 *
 * fingerprint_rows.c
 *	  hamilton.function_fingerprint (version 1.5 on): function nodes'
 *	  fingerprints kept for the pg_proc row versions they were computed
 *	  from, so that a new backend does not deparse every function again.
 *
 * The rows are read when a run fingerprints its nodes (dag/fingerprint.c
 * compares each row's xmin and ctid with the pg_proc row it is about to
 * fingerprint), not with the graph: reading the graph, or validating it,
 * costs nothing more.  They are written here, as the catalog's owner:
 * no caller can write one (a forged fingerprint would make the cache keep
 * a result its code no longer makes).  No key is unique, so that two runs
 * writing one function's row never wait for each other; the rows of a
 * function's earlier row versions are removed when a new one is written,
 * but for those another transaction holds (SKIP LOCKED: no wait either).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "catalog.h"

/*
 * fingerprints_committed keeps, first among the n given, the fingerprints
 * of the row versions that the current transaction (or one of its
 * subtransactions) did not write, and returns their number.  Two row
 * versions of one function written by one transaction share their xmin
 * and differ only by ctid, and a table rewrite (VACUUM FULL pg_proc,
 * CLUSTER) moves the newer one into the older one's ctid: a row kept for
 * the older one would then be taken for the newer one's code.  A row
 * version is kept only once its transaction has committed, when it is the
 * only one of its function with that xmin a run can see.
 */
static int
fingerprints_committed(int n, Datum *oids, Datum *xmins, Datum *ctids, Datum *fingerprints)
{
	int			i,
				kept = 0;

	for (i = 0; i < n; i++)
	{
		TransactionId xmin = (TransactionId) strtoul(TextDatumGetCString(xmins[i]), NULL, 10);

		if (TransactionIdIsCurrentTransactionId(xmin))
			continue;
		oids[kept] = oids[i];
		xmins[kept] = xmins[i];
		ctids[kept] = ctids[i];
		fingerprints[kept] = fingerprints[i];
		kept++;
	}
	return kept;
}

/*
 * catalog_store_fingerprints writes n functions' fingerprints, each for
 * the pg_proc row version (xmin, ctid, as text) it was made from, and
 * removes the rows kept for their other row versions.  Nothing is written
 * for a row version the current transaction wrote (fingerprints_committed),
 * on a catalog before 1.5, or in a read-only transaction (the fingerprints
 * are then computed again by the next backend, as before 1.5).
 */
void
catalog_store_fingerprints(int n, Datum *oids, Datum *xmins, Datum *ctids, Datum *fingerprints)
{
	static SPIPlanPtr del = NULL;
	static SPIPlanPtr ins = NULL;
	Oid			argtypes[4] = {OIDARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID};
	Datum		values[4];
	OwnerScope	w;

	if (n == 0 || XactReadOnly || RecoveryInProgress() || !catalog_keeps_fingerprints())
		return;
	n = fingerprints_committed(n, oids, xmins, ctids, fingerprints);
	if (n == 0)
		return;
	values[0] = PointerGetDatum(construct_array(oids, n, OIDOID, sizeof(Oid), true, TYPALIGN_INT));
	values[1] = PointerGetDatum(construct_array(xmins, n, TEXTOID, -1, false, TYPALIGN_INT));
	values[2] = PointerGetDatum(construct_array(ctids, n, TEXTOID, -1, false, TYPALIGN_INT));
	values[3] = PointerGetDatum(construct_array(fingerprints, n, TEXTOID, -1, false, TYPALIGN_INT));
	catalog_owner_begin(&w);
	spi_exec_kept_args(&del,
					   "DELETE FROM " CATALOG_TABLE("function_fingerprint") " f "
					   "WHERE f.ctid OPERATOR(pg_catalog.=) ANY (ARRAY("
					   "  SELECT o.ctid FROM " CATALOG_TABLE("function_fingerprint") " o "
					   "  JOIN ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2::pg_catalog.xid[]), "
					   "                 pg_catalog.unnest($3::pg_catalog.tid[])) "
					   "       AS k(funcoid, proc_xmin, proc_ctid) "
					   "    ON k.funcoid OPERATOR(pg_catalog.=) o.funcoid "
					   "  WHERE NOT (o.proc_xmin OPERATOR(pg_catalog.=) k.proc_xmin "
					   "             AND o.proc_ctid OPERATOR(pg_catalog.=) k.proc_ctid) "
					   "  FOR UPDATE OF o SKIP LOCKED))",
					   3, argtypes, values, NULL, SPI_OK_DELETE);
	spi_exec_kept_args(&ins,
					   "INSERT INTO " CATALOG_TABLE("function_fingerprint") " "
					   "(funcoid, proc_xmin, proc_ctid, fingerprint) "
					   "SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2::pg_catalog.xid[]), "
					   "                        pg_catalog.unnest($3::pg_catalog.tid[]), pg_catalog.unnest($4))",
					   4, argtypes, values, NULL, SPI_OK_INSERT);
	catalog_owner_end(&w);
}

/*
 * catalog_read_fingerprints leaves in SPI_tuptable the rows kept for the n
 * functions given (funcoid oid, proc_xmin xid, proc_ctid tid, fingerprint
 * text; two for one row version when two runs wrote it at once) and
 * returns their number: none on a catalog before 1.5.  (chain3) Only the
 * rows of each function's pg_proc row version the statement sees (its
 * xmin and ctid), so that the caller takes them with no syscache lookup.
 */
uint64
catalog_read_fingerprints(int n, Datum *oids)
{
	static SPIPlanPtr plan = NULL;
	Oid			argtypes[1] = {OIDARRAYOID};
	Datum		values[1];

	if (n == 0 || !catalog_keeps_fingerprints())
		return 0;
	values[0] = PointerGetDatum(construct_array(oids, n, OIDOID, sizeof(Oid), true, TYPALIGN_INT));
	spi_exec_kept_args(&plan,
					   "SELECT f.funcoid, f.proc_xmin, f.proc_ctid, f.fingerprint "
					   "FROM " CATALOG_TABLE("function_fingerprint") " f "
					   "JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) f.funcoid "
					   " AND p.xmin OPERATOR(pg_catalog.=) f.proc_xmin "
					   " AND p.ctid OPERATOR(pg_catalog.=) f.proc_ctid "
					   "WHERE f.funcoid OPERATOR(pg_catalog.=) ANY ($1)",
					   1, argtypes, values, NULL, SPI_OK_SELECT);
	return SPI_processed;
}
