/*-------------------------------------------------------------------------
 *
 * bulk_fill.c
 *	  Filling a table that this transaction created (a staging heap, or a
 *	  new result) with a query's rows by PostgreSQL's bulk path.
 *
 * The query runs through SPI, whose one-shot plans are planned with
 * CURSOR_OPT_PARALLEL_OK, so a parallel plan is used wherever PostgreSQL
 * allows one.  Its rows go to a DestReceiver of our own, which buffers them
 * in slots of the table's own type and writes them with table_multi_insert
 * and a BulkInsertState, as COPY FROM does.  The tuples are not frozen
 * (no TABLE_INSERT_FROZEN): the run's statement has a snapshot, and a
 * frozen tuple would be visible to snapshots older than the run.  The free
 * space map is skipped, as CREATE TABLE AS does: the table is new.
 *
 * The table's descriptor may have dropped columns (a staging heap copies
 * the result's exactly): those are stored as nulls, and the query's columns
 * go to the others in order.  NOT NULL is checked here as INSERT would;
 * every other constraint sends the result to the executor's path
 * (swap_bypass_reason, swap_checks.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "tcop/dest.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "exec.h"

/* as COPY FROM: flush at this many rows or bytes */
#define BULK_MAX_SLOTS	1000
#define BULK_MAX_BYTES	65535

typedef struct BulkReceiver
{
	DestReceiver pub;
	Relation	rel;
	const char *shown;			/* the result's name, for errors */
	BulkInsertState bistate;
	CommandId	cid;
	int			ti_options;
	TupleTableSlot **slots;
	int			nused;
	Size		bytes;
	uint64		rows;
	MemoryContext batch_cxt;
} BulkReceiver;

static void bulk_startup(DestReceiver *self, int operation, TupleDesc typeinfo);
static bool bulk_receive(TupleTableSlot *slot, DestReceiver *self);
static void bulk_shutdown(DestReceiver *self);
static void bulk_destroy(DestReceiver *self);
static void bulk_flush(BulkReceiver *r);

/*
 * bulk_fill runs select_sql and writes its rows into relid, a table this
 * transaction created and holds locked, whose columns (dropped ones aside)
 * are the query's.  shown is the result's name, for errors.  Returns the
 * number of rows.
 */
uint64
bulk_fill(Oid relid, const char *select_sql, const char *shown)
{
	MemoryContext cxt = CurrentMemoryContext;
	BulkReceiver *r = palloc0(sizeof(BulkReceiver));
	SPIExecuteOptions options;
	int			rc;
	uint64		rows;

	r->pub.receiveSlot = bulk_receive;
	r->pub.rStartup = bulk_startup;
	r->pub.rShutdown = bulk_shutdown;
	r->pub.rDestroy = bulk_destroy;
	r->pub.mydest = DestNone;	/* a receiver of our own, not SPI's */
	r->rel = table_open(relid, NoLock);
	r->shown = shown;
	r->slots = palloc0(sizeof(TupleTableSlot *) * BULK_MAX_SLOTS);
	r->batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "hamilton bulk fill",
										 ALLOCSET_DEFAULT_SIZES);

	memset(&options, 0, sizeof(options));
	options.read_only = false;
	options.dest = &r->pub;
	rc = SPI_execute_extended(select_sql, &options);
	MemoryContextSwitchTo(cxt);
	if (rc < 0)
		elog(ERROR, "SPI_execute_extended failed (%s) for: %s", SPI_result_code_string(rc), select_sql);
	if (SPI_tuptable)
		SPI_freetuptable(SPI_tuptable);

	rows = r->rows;
	table_close(r->rel, NoLock);
	MemoryContextDelete(r->batch_cxt);
	pfree(r->slots);
	pfree(r);
	return rows;
}

/*
 * bulk_startup checks that the query's columns are the table's (the
 * callers made or compared the table from the same query), and starts the
 * bulk insert.
 */
static void
bulk_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	BulkReceiver *r = (BulkReceiver *) self;
	TupleDesc	tdesc = RelationGetDescr(r->rel);
	int			qi = 0;
	int			ti;

	for (ti = 0; ti < tdesc->natts; ti++)
	{
		Form_pg_attribute ta = TupleDescAttr(tdesc, ti);

		if (ta->attisdropped)
			continue;
		if (qi >= typeinfo->natts || TupleDescAttr(typeinfo, qi)->atttypid != ta->atttypid)
			elog(ERROR, "the query's columns do not match those of table %s",
				 RelationGetRelationName(r->rel));
		qi++;
	}
	if (qi != typeinfo->natts)
		elog(ERROR, "the query's columns do not match those of table %s",
			 RelationGetRelationName(r->rel));

	r->bistate = GetBulkInsertState();
	r->cid = GetCurrentCommandId(true);
	r->ti_options = TABLE_INSERT_SKIP_FSM;
}

/*
 * bulk_receive copies one row into the next buffered slot, the query's
 * columns in order into the table's live ones, and flushes a full buffer.
 */
static bool
bulk_receive(TupleTableSlot *slot, DestReceiver *self)
{
	BulkReceiver *r = (BulkReceiver *) self;
	TupleDesc	tdesc = RelationGetDescr(r->rel);
	TupleTableSlot *dst;
	int			qi = 0;
	int			ti;

	if (r->slots[r->nused] == NULL)
		r->slots[r->nused] = table_slot_create(r->rel, NULL);
	dst = r->slots[r->nused];
	ExecClearTuple(dst);
	slot_getallattrs(slot);
	for (ti = 0; ti < tdesc->natts; ti++)
	{
		Form_pg_attribute ta = TupleDescAttr(tdesc, ti);

		if (ta->attisdropped)
		{
			dst->tts_values[ti] = (Datum) 0;
			dst->tts_isnull[ti] = true;
			continue;
		}
		dst->tts_values[ti] = slot->tts_values[qi];
		dst->tts_isnull[ti] = slot->tts_isnull[qi];
		if (dst->tts_isnull[ti] && ta->attnotnull)
			bulk_refuse_null(NameStr(ta->attname), r->shown);
		if (!dst->tts_isnull[ti] && ta->attlen == -1)
			r->bytes += VARSIZE_ANY(DatumGetPointer(dst->tts_values[ti]));
		else if (!dst->tts_isnull[ti])
			r->bytes += Max(ta->attlen, 0);
		qi++;
	}
	ExecStoreVirtualTuple(dst);
	ExecMaterializeSlot(dst);	/* its own copy: the query's slot is reused */
	r->nused++;
	r->rows++;
	if (r->nused >= BULK_MAX_SLOTS || r->bytes >= BULK_MAX_BYTES)
		bulk_flush(r);
	return true;
}

/*
 * bulk_refuse_null is the error of a null in column, declared NOT NULL, of
 * result table shown, as INSERT would raise it.
 */
void
bulk_refuse_null(const char *column, const char *shown)
{
	ereport(ERROR,
			(errcode(ERRCODE_NOT_NULL_VIOLATION),
			 errmsg("null value in column \"%s\" of result table %s violates not-null constraint",
					column, shown),
			 errdetail("The node's query yielded a null there, and the result table declares the column NOT NULL."),
			 errhint("Make the node's query yield no nulls in that column, or drop the constraint.")));
}

/*
 * bulk_flush writes the buffered rows with one table_multi_insert, in a
 * memory context reset after each batch.
 */
static void
bulk_flush(BulkReceiver *r)
{
	MemoryContext old;
	int			i;

	if (r->nused == 0)
		return;
	CHECK_FOR_INTERRUPTS();
	old = MemoryContextSwitchTo(r->batch_cxt);
	table_multi_insert(r->rel, r->slots, r->nused, r->cid, r->ti_options, r->bistate);
	MemoryContextSwitchTo(old);
	MemoryContextReset(r->batch_cxt);
	for (i = 0; i < r->nused; i++)
		ExecClearTuple(r->slots[i]);
	r->nused = 0;
	r->bytes = 0;
}

/* bulk_shutdown writes what is left and ends the bulk insert. */
static void
bulk_shutdown(DestReceiver *self)
{
	BulkReceiver *r = (BulkReceiver *) self;
	int			i;

	bulk_flush(r);
	FreeBulkInsertState(r->bistate);
	r->bistate = NULL;
	table_finish_bulk_insert(r->rel, r->ti_options);
	for (i = 0; i < BULK_MAX_SLOTS && r->slots[i]; i++)
	{
		ExecDropSingleTupleTableSlot(r->slots[i]);
		r->slots[i] = NULL;
	}
}

/* bulk_destroy: the receiver is freed by bulk_fill. */
static void
bulk_destroy(DestReceiver *self)
{
}
