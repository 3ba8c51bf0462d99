/*-------------------------------------------------------------------------
 *
 * change_log.c
 *	  hamilton.change_log: one row per (relation, writing transaction), and
 *	  whether a relation changed since a snapshot.
 *
 * The statement trigger hamilton.change_logged (api/track.c) calls
 * catalog_log_change at the end of every statement that writes a tracked
 * relation.  The row is written in the writer's transaction, so it commits
 * or aborts with the writer's data: an aborted writer leaves no row, and a
 * writer still open is invisible until it commits.  The backend remembers
 * which relations its transaction logged already, so only its first
 * statement on each relation writes a row; a rolled back subtransaction
 * takes its rows with it, and the backend forgets them too.
 *
 * A relation changed since a snapshot S (recorded by a run before it read
 * anything, with its transaction X) when a row of it is visible now whose
 * xid S did not see as committed, or is X itself: a writer that committed
 * while the run read is seen as a change (an extra recompute), never
 * missed.
 *
 * The log is an unlogged table: a writer's row costs it no WAL.  A crash
 * (or a standby promoted, a base backup restored) empties it, and with it
 * the writes that cached results were compared against, so every result
 * must then be recomputed.  A run that keeps results therefore also keeps
 * a marker row (relation 0, its own xid) unless one its snapshot sees as
 * committed is there; an entry is reused only while a marker its snapshot
 * saw, or its own, is in the log.  After a crash none is: the markers of
 * the transactions that follow have xids above every one that committed
 * before it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/heapam.h"
#include "access/relation.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/xid8.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "catalog.h"

/* A relation this transaction logged, and the subtransaction that did. */
typedef struct LoggedRelation
{
	Oid			relid;
	SubTransactionId subid;
} LoggedRelation;

/*
 * The relations this transaction logged: a few, searched in order (a
 * transaction writing more than MAX_LOGGED tracked relations logs the
 * others at each statement, which is only slower).
 */
#define MAX_LOGGED 32
static LoggedRelation logged[MAX_LOGGED];
static int	nlogged = 0;
static bool callbacks_registered = false;

/* The log and its schema, as this backend last found them. */
static Oid	log_relid = InvalidOid;
static Oid	log_nsp = InvalidOid;

static void forget_at_xact_end(XactEvent event, void *arg);
static void forget_at_subxact_abort(SubXactEvent event, SubTransactionId mySubid,
									SubTransactionId parentSubid, void *arg);
static void forget_all(void);
static Relation open_log(Oid relid);
static void forget_where(Oid relid, SubTransactionId subid);

/*
 * catalog_log_change writes (relid, the current transaction) into the
 * change log, once per transaction and relation.
 */
void
catalog_log_change(Oid relid)
{
	int			i;
	Relation	rel;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	HeapTuple	tup;

	if (!callbacks_registered)
	{
		RegisterXactCallback(forget_at_xact_end, NULL);
		RegisterSubXactCallback(forget_at_subxact_abort, NULL);
		callbacks_registered = true;
	}
	for (i = 0; i < nlogged; i++)
		if (logged[i].relid == relid)
			return;

	/*
	 * Written directly, as the catalogs are: no statement to plan, no role
	 * to switch to (the writer needs no right on the log).
	 */
	rel = open_log(relid);
	values[0] = ObjectIdGetDatum(relid);
	values[1] = FullTransactionIdGetDatum(GetTopFullTransactionId());
	tup = heap_form_tuple(RelationGetDescr(rel), values, nulls);
	simple_heap_insert(rel, tup); /* the log has no index */
	heap_freetuple(tup);
	/* the lock is kept until the transaction ends, and released with the others */
	table_close(rel, NoLock);

	/* remembered only once the row is written */
	if (nlogged < MAX_LOGGED)
	{
		logged[nlogged].relid = relid;
		logged[nlogged].subid = GetCurrentSubTransactionId();
		nlogged++;
	}
}

/*
 * catalog_forget_own_changes removes the rows this transaction logged for
 * the given relations (a run's own writes to its result tables), so that a
 * later write in the same transaction logs again and is seen.
 */
void
catalog_forget_own_changes(List *relids)
{
	ListCell   *lc;
	Datum	   *oids;
	int			n = 0;
	ArrayType  *arr;
	Oid			argtypes[1] = {OIDARRAYOID};
	Datum		values[1];
	OwnerScope	w;

	if (relids == NIL)
		return;
	oids = palloc(sizeof(Datum) * list_length(relids));
	foreach(lc, relids)
	{
		Oid			relid = lfirst_oid(lc);

		oids[n++] = ObjectIdGetDatum(relid);
		forget_where(relid, InvalidSubTransactionId);
	}
	arr = construct_array(oids, n, OIDOID, sizeof(Oid), true, TYPALIGN_INT);
	values[0] = PointerGetDatum(arr);
	catalog_owner_begin(&w);
	spi_exec_checked("DELETE FROM " CATALOG_TABLE("change_log") " c "
					 "WHERE c.relation OPERATOR(pg_catalog.=) ANY ($1) "
					 "AND c.xid OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id_if_assigned()",
					 1, argtypes, values, NULL, SPI_OK_DELETE);
	catalog_owner_end(&w);
}

/*
 * catalog_changed_since: for each of n probes (relations[i], which changed
 * when written by a transaction snapshot[i], pg_snapshot text, did not see
 * as committed, or by transaction xid[i], xid8 text), has it changed?
 * changed[i] is set for each that did, and reset[i] too when the log has
 * lost its writes since (no marker of that snapshot's or later: a crash),
 * which is looked up once per snapshot.  One statement for all, which reads
 * the log twice (the log has no index, so that writers pay for one heap
 * row only): a writer at or above the snapshot's xmax shows in each
 * relation's highest xid; one in progress for the snapshot (or the run's
 * own) is looked up among the few the snapshot lists.
 */
void
catalog_changed_since(int n, const Oid *relations, char **snapshot, char **xid, bool *changed,
					  bool *reset)
{
	Datum	   *rels = palloc(sizeof(Datum) * Max(n, 1));
	Datum	   *snaps = palloc(sizeof(Datum) * Max(n, 1));
	Datum	   *xids = palloc(sizeof(Datum) * Max(n, 1));
	Datum	   *idx = palloc(sizeof(Datum) * Max(n, 1));
	Oid			argtypes[4] = {OIDARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID};
	Datum		values[4];
	OwnerScope	w;
	uint64		r;
	int			i;

	for (i = 0; i < n; i++)
	{
		changed[i] = false;
		reset[i] = false;
		rels[i] = ObjectIdGetDatum(relations[i]);
		snaps[i] = CStringGetTextDatum(snapshot[i]);
		xids[i] = CStringGetTextDatum(xid[i]);
		idx[i] = Int32GetDatum(i);
	}
	if (n == 0)
		return;
	values[0] = PointerGetDatum(construct_array(rels, n, OIDOID, sizeof(Oid), true, TYPALIGN_INT));
	values[1] = PointerGetDatum(construct_array(snaps, n, TEXTOID, -1, false, TYPALIGN_INT));
	values[2] = PointerGetDatum(construct_array(xids, n, TEXTOID, -1, false, TYPALIGN_INT));
	values[3] = PointerGetDatum(construct_array(idx, n, INT4OID, sizeof(int32), true, TYPALIGN_INT));
	catalog_owner_begin(&w);
	spi_exec_checked("WITH p AS (SELECT u.rel, u.snap AS snap_text, u.snap::pg_catalog.pg_snapshot AS snap, "
					 "                  u.xid::pg_catalog.xid8 AS xid, u.i "
					 "           FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), "
					 "                           pg_catalog.unnest($3), pg_catalog.unnest($4)) AS u(rel, snap, xid, i)), "
					 "top AS (SELECT c.relation, pg_catalog.max(c.xid) AS top FROM " CATALOG_TABLE("change_log") " c "
					 "        WHERE c.relation OPERATOR(pg_catalog.=) ANY ($1) GROUP BY c.relation), "
					 "open AS (SELECT p.i, p.rel, x.x FROM p, LATERAL (SELECT pg_catalog.pg_snapshot_xip(p.snap) "
					 "         UNION ALL SELECT p.xid) AS x(x)) "
					 "SELECT p.i, false FROM p JOIN top ON top.relation OPERATOR(pg_catalog.=) p.rel "
					 "WHERE top.top OPERATOR(pg_catalog.>=) pg_catalog.pg_snapshot_xmax(p.snap) "
					 "UNION "
					 "SELECT o.i, false FROM open o JOIN " CATALOG_TABLE("change_log") " c "
					 "  ON c.relation OPERATOR(pg_catalog.=) o.rel AND c.xid OPERATOR(pg_catalog.=) o.x "
					 "UNION "
					 "SELECT p.i, true FROM p JOIN ("
					 "  SELECT d.snap_text, d.xid FROM (SELECT DISTINCT p.snap_text, p.xid FROM p) d "
					 "  WHERE NOT EXISTS (SELECT FROM " CATALOG_TABLE("change_log") " c "
					 "    WHERE c.relation OPERATOR(pg_catalog.=) 0 AND (c.xid OPERATOR(pg_catalog.=) d.xid "
					 "      OR pg_catalog.pg_visible_in_snapshot(c.xid, d.snap_text::pg_catalog.pg_snapshot)))) m "
					 "  ON m.snap_text OPERATOR(pg_catalog.=) p.snap_text AND m.xid OPERATOR(pg_catalog.=) p.xid",
					 4, argtypes, values, NULL, SPI_OK_SELECT);
	for (r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		int			k = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull));

		if (k >= 0 && k < n)
		{
			changed[k] = true;
			if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &isnull)))
				reset[k] = true;
		}
	}
	catalog_owner_end(&w);
}

/*
 * catalog_mark_change_log keeps a marker row (relation 0, the current
 * transaction) unless one that the snapshot (pg_snapshot text) saw as
 * committed is there: the entries kept by this transaction are reused only
 * while the log holds a marker they count (see above).
 */
void
catalog_mark_change_log(const char *snapshot)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	OwnerScope	w;

	values[0] = CStringGetTextDatum(snapshot);
	catalog_owner_begin(&w);
	spi_exec_checked("INSERT INTO " CATALOG_TABLE("change_log") " (relation, xid) "
					 "SELECT 0, pg_catalog.pg_current_xact_id() WHERE NOT EXISTS ("
					 "  SELECT FROM " CATALOG_TABLE("change_log") " c WHERE c.relation OPERATOR(pg_catalog.=) 0 "
					 "  AND (c.xid OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id() "
					 "       OR pg_catalog.pg_visible_in_snapshot(c.xid, $1::pg_catalog.pg_snapshot)))",
					 1, argtypes, values, NULL, SPI_OK_INSERT);
	catalog_owner_end(&w);
}

/*
 * change_log_hold_tag is the lock tag of "a cached run is open": an object
 * lock on the change log (objsubid 1, which no object of PostgreSQL uses
 * for a relation).  False when the log does not exist.
 */
static bool
change_log_hold_tag(LOCKTAG *tag)
{
	Oid			nsp = get_namespace_oid(HAMILTON_SCHEMA, true);
	Oid			relid = OidIsValid(nsp) ? get_relname_relid("change_log", nsp) : InvalidOid;

	if (!OidIsValid(relid))
		return false;
	SET_LOCKTAG_OBJECT(*tag, MyDatabaseId, RelationRelationId, relid, 1);
	return true;
}

/*
 * catalog_hold_change_log is called by a cached run before it takes the
 * snapshot its entries record: it holds a share of the tag until its
 * transaction ends.  Until then its entries are not visible to other
 * runs, and their prune must not remove the rows of writers that were in
 * progress for that snapshot (a prune skips while any other holds it).
 * It waits only for a prune running at that moment, never for a run.
 */
void
catalog_hold_change_log(void)
{
	LOCKTAG		tag;

	if (change_log_hold_tag(&tag))
		(void) LockAcquire(&tag, ShareLock, false, false);
}

/*
 * catalog_prune_change_log removes the rows no cached result can need: those
 * of transactions every entry's snapshot, and every snapshot still to come,
 * saw as committed (below the oldest xmin of both); but the markers, which
 * are few (one per crash, or per cached runs that commit side by side).
 * An entry of a cached run still open is not visible here, and an idle
 * transaction publishes no xmin: so it skips when another open cached run
 * holds the change log (catalog_hold_change_log); the next run prunes.
 */
void
catalog_prune_change_log(void)
{
	OwnerScope	w;
	LOCKTAG		tag;

	if (!change_log_hold_tag(&tag))
		return;
	if (LockAcquire(&tag, ExclusiveLock, false, true) == LOCKACQUIRE_NOT_AVAIL)
		return;
	catalog_owner_begin(&w);
	/*
	 * (rerun) The bound is computed once, an initplan: below the current
	 * snapshot's xmin and every entry's is below the least of them (with no
	 * entry, the current one's).  As "< ALL (SELECT ...)" it was a subplan
	 * that read every entry's snapshot again for each row of the log.
	 */
	spi_exec_checked("DELETE FROM " CATALOG_TABLE("change_log") " c "
					 "WHERE c.relation OPERATOR(pg_catalog.<>) 0 "
					 "AND c.xid OPERATOR(pg_catalog.<) (SELECT pg_catalog.min(b.x) FROM ("
					 "    SELECT pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot()) "
					 "    UNION ALL SELECT pg_catalog.pg_snapshot_xmin(e.snapshot) "
					 "    FROM " CATALOG_TABLE("cache_entry") " e) AS b(x))",
					 0, NULL, NULL, NULL, SPI_OK_DELETE);
	catalog_owner_end(&w);
	/*
	 * Released at once: a run that holds the tag after this takes its
	 * snapshot later, and every writer in progress for it was in progress
	 * for the bound's snapshot too, so none of its rows went.
	 */
	LockRelease(&tag, ExclusiveLock, false);
}

/*
 * open_log opens the change log for a write on behalf of relid's trigger.
 * Its OID is remembered by the backend: a writer's statement looks up
 * nothing by name, only opens it and checks that it is still the log (an
 * extension dropped and created again has another one).
 */
static Relation
open_log(Oid relid)
{
	Relation	rel;

	if (OidIsValid(log_relid))
	{
		rel = try_relation_open(log_relid, RowExclusiveLock);
		if (rel != NULL && RelationGetNamespace(rel) == log_nsp &&
			strcmp(RelationGetRelationName(rel), "change_log") == 0 &&
			rel->rd_rel->relkind == RELKIND_RELATION)
			return rel;
		if (rel != NULL)
			relation_close(rel, RowExclusiveLock);
		log_relid = InvalidOid;
	}
	log_nsp = get_namespace_oid(HAMILTON_SCHEMA, true);
	log_relid = OidIsValid(log_nsp) ? get_relname_relid("change_log", log_nsp) : InvalidOid;
	if (!OidIsValid(log_relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("pg_hamilton's change log is missing"),
				 errdetail("The trigger hamilton_change_log on %s logs writes into %s.change_log, which this database does not have.",
						   get_rel_name(relid), HAMILTON_SCHEMA),
				 errhint("Run ALTER EXTENSION hamilton UPDATE, or drop the trigger: DROP TRIGGER hamilton_change_log ON %s;",
						 get_rel_name(relid))));
	return table_open(log_relid, RowExclusiveLock);
}

/* forget_at_xact_end: a new transaction logs anew. */
static void
forget_at_xact_end(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		forget_all();
}

/*
 * forget_at_subxact_abort: the rows a rolled back subtransaction (or one of
 * its children, whose ids are higher) logged are gone with it.
 */
static void
forget_at_subxact_abort(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		forget_where(InvalidOid, mySubid);
}

/*
 * forget_where forgets relation relid (or any, InvalidOid) logged by
 * subtransaction subid or a later one (or any, InvalidSubTransactionId).
 */
static void
forget_where(Oid relid, SubTransactionId subid)
{
	int			i,
				kept = 0;

	for (i = 0; i < nlogged; i++)
		if (!((relid == InvalidOid || logged[i].relid == relid) &&
			  (subid == InvalidSubTransactionId || logged[i].subid >= subid)))
			logged[kept++] = logged[i];
	nlogged = kept;
}

/* forget_all empties the set of relations logged. */
static void
forget_all(void)
{
	nlogged = 0;
}
