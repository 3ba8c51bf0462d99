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
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
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

static HTAB *logged = NULL;		/* in TopMemoryContext, emptied at xact end */
static bool callbacks_registered = false;
static SPIPlanPtr insert_plan = NULL;

static void forget_at_xact_end(XactEvent event, void *arg);
static void forget_at_subxact_abort(SubXactEvent event, SubTransactionId mySubid,
									SubTransactionId parentSubid, void *arg);
static void forget_all(void);

/*
 * catalog_log_change writes (relid, the current transaction) into the
 * change log, once per transaction and relation.  Runs as the catalog's
 * owner: the writer needs no right on the log.
 */
void
catalog_log_change(Oid relid)
{
	LoggedRelation *entry;
	bool		found;
	OwnerScope	w;
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1];

	if (!callbacks_registered)
	{
		RegisterXactCallback(forget_at_xact_end, NULL);
		RegisterSubXactCallback(forget_at_subxact_abort, NULL);
		callbacks_registered = true;
	}
	if (logged == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(LoggedRelation);
		ctl.hcxt = TopMemoryContext;
		logged = hash_create("hamilton logged relations", 16, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	entry = hash_search(logged, &relid, HASH_FIND, &found);
	if (found)
		return;

	values[0] = ObjectIdGetDatum(relid);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	catalog_owner_begin(&w);
	spi_exec_kept_args(&insert_plan,
					   "INSERT INTO " CATALOG_TABLE("change_log") " (relation, xid) "
					   "VALUES ($1, pg_catalog.pg_current_xact_id())",
					   1, argtypes, values, NULL, SPI_OK_INSERT);
	catalog_owner_end(&w);
	SPI_finish();

	/* remembered only once the row is written */
	entry = hash_search(logged, &relid, HASH_ENTER, NULL);
	entry->subid = GetCurrentSubTransactionId();
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
		if (logged)
			(void) hash_search(logged, &relid, HASH_REMOVE, NULL);
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
 * catalog_changed_since: has any of the relations been written by a
 * transaction that snapshot (pg_snapshot text) did not see as committed,
 * or by transaction xid (xid8 text)?  Reads the log as it is now.
 */
bool
catalog_changed_since(List *relids, const char *snapshot, const char *xid)
{
	ListCell   *lc;
	Datum	   *oids;
	int			n = 0;
	Oid			argtypes[3] = {OIDARRAYOID, TEXTOID, TEXTOID};
	Datum		values[3];
	OwnerScope	w;
	bool		changed;

	if (relids == NIL)
		return false;
	oids = palloc(sizeof(Datum) * list_length(relids));
	foreach(lc, relids)
		oids[n++] = ObjectIdGetDatum(lfirst_oid(lc));
	values[0] = PointerGetDatum(construct_array(oids, n, OIDOID, sizeof(Oid), true, TYPALIGN_INT));
	values[1] = CStringGetTextDatum(snapshot);
	values[2] = CStringGetTextDatum(xid);
	catalog_owner_begin(&w);
	spi_exec_checked("SELECT 1 FROM " CATALOG_TABLE("change_log") " c "
					 "WHERE c.relation OPERATOR(pg_catalog.=) ANY ($1) "
					 "AND (c.xid OPERATOR(pg_catalog.=) $3::pg_catalog.xid8 "
					 "     OR NOT pg_catalog.pg_visible_in_snapshot(c.xid, $2::pg_catalog.pg_snapshot)) "
					 "LIMIT 1",
					 3, argtypes, values, NULL, SPI_OK_SELECT);
	changed = SPI_processed > 0;
	catalog_owner_end(&w);
	return changed;
}

/*
 * catalog_prune_change_log removes the rows no cached result can need: those
 * of transactions every entry's snapshot, and every snapshot still to come,
 * saw as committed (below the oldest xmin of both).
 */
void
catalog_prune_change_log(void)
{
	OwnerScope	w;

	catalog_owner_begin(&w);
	spi_exec_checked("DELETE FROM " CATALOG_TABLE("change_log") " c "
					 "WHERE c.xid OPERATOR(pg_catalog.<) pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot()) "
					 "AND c.xid OPERATOR(pg_catalog.<) ALL (SELECT pg_catalog.pg_snapshot_xmin(e.snapshot) "
					 "    FROM " CATALOG_TABLE("cache_entry") " e)",
					 0, NULL, NULL, NULL, SPI_OK_DELETE);
	catalog_owner_end(&w);
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
	HASH_SEQ_STATUS seq;
	LoggedRelation *entry;

	if (event != SUBXACT_EVENT_ABORT_SUB || logged == NULL)
		return;
	hash_seq_init(&seq, logged);
	while ((entry = hash_seq_search(&seq)) != NULL)
		if (entry->subid >= mySubid)
			(void) hash_search(logged, &entry->relid, HASH_REMOVE, NULL);
}

/* forget_all empties the set of relations logged. */
static void
forget_all(void)
{
	if (logged)
		hash_destroy(logged);
	logged = NULL;
}
