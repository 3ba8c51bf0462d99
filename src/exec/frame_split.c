/*-------------------------------------------------------------------------
 *
 * frame_split.c
 *	  Running a frame group's compiled query once and writing its rows
 *	  straight into the targets' own tables (or their staging heaps), and
 *	  into part tables for the targets that are written by a statement.
 *
 * Reading column k of a heap row deforms the k columns before it.  Read
 * from one temporary table of all the targets, as long ago, each target's
 * own table cost time proportional to its place in the row, and all of them
 * together time quadratic in their number.  Here the query's rows go
 * straight from the executor (a DestReceiver, each row deformed once) into
 * every sink at once, in batches through table_multi_insert with a
 * BulkInsertState each, as COPY does: a target whose result is written by
 * the bulk path (materialize_direct_begin) gets its key and column in its
 * own heap, with no table in between; the others (a temporary intermediate,
 * a result refreshed by a diff or written in place) go to part tables of
 * the key and at most FRAME_PART_WIDTH of them, from which their statements
 * read.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#include "exec.h"

/* rows buffered per sink before they are written, at most */
#define SPLIT_MAX_BATCH 1000
/* slots buffered over all sinks, about */
#define SPLIT_MAX_SLOTS 4096

/* a heap the query's rows are written into: a target's own, or a part */
typedef struct SplitSink
{
	Relation	rel;
	const char *shown;			/* its result's name, for errors */
	BulkInsertState bistate;
	TupleTableSlot **slots;		/* one per buffered row */
	int		   *map;			/* per column of rel: the query's, or -1 (dropped) */
} SplitSink;

struct FrameSplit
{
	DestReceiver pub;
	SPIPlanPtr	plan;
	const char *sql;
	TupleDesc	desc;			/* the query's columns: nkey + targets */
	int			nkey;
	int			ntargets;
	Oid		   *heaps;			/* per target: its own heap, or InvalidOid */
	const char **shown;			/* per target with a heap: its result's name */
	SplitSink  *sinks;
	int			nsinks;
	int			batch;			/* rows per write */
	int			buffered;		/* rows waiting */
	CommandId	cid;
	MemoryContext batch_cxt;	/* table_multi_insert's allocations */
	uint64		rows;
};

static void split_startup(DestReceiver *self, int operation, TupleDesc typeinfo);
static bool split_receive(TupleTableSlot *slot, DestReceiver *self);
static void split_shutdown(DestReceiver *self);
static void split_destroy(DestReceiver *self);
static void split_flush(FrameSplit *r);
static void open_sink(FrameSplit *r, SplitSink *k, Oid relid, const char *shown,
					  const int *cols, int ncols);

/*
 * frame_split_begin plans sql (a frame group's compiled query: nkey key
 * columns, then ntargets targets), as CREATE TABLE AS plans it: parallel
 * where it can.  frame_split_desc gives each target's columns, for the
 * caller to make its heap (frame_split_direct); frame_split_run runs it.
 */
FrameSplit *
frame_split_begin(const char *sql, int nkey, int ntargets)
{
	MemoryContext cxt = CurrentMemoryContext;
	FrameSplit *r = palloc0(sizeof(FrameSplit));
	SPIPrepareOptions popts;
	CachedPlanSource *ps;

	memset(&popts, 0, sizeof(popts));
	popts.cursorOptions = CURSOR_OPT_PARALLEL_OK;
	r->plan = SPI_prepare_extended(sql, &popts);
	MemoryContextSwitchTo(cxt);
	if (r->plan == NULL)
		elog(ERROR, "SPI_prepare_extended failed (%s) for: %s", SPI_result_code_string(SPI_result), sql);
	ps = linitial(SPI_plan_get_plan_sources(r->plan));
	if (ps->resultDesc == NULL || ps->resultDesc->natts != nkey + ntargets)
		elog(ERROR, "a frame's compiled query yields %d columns, not %d",
			 ps->resultDesc ? ps->resultDesc->natts : 0, nkey + ntargets);
	r->desc = CreateTupleDescCopy(ps->resultDesc);
	r->sql = sql;
	r->nkey = nkey;
	r->ntargets = ntargets;
	r->heaps = palloc0(sizeof(Oid) * Max(ntargets, 1));
	r->shown = palloc0(sizeof(char *) * Max(ntargets, 1));
	return r;
}

/*
 * frame_split_desc is the columns of target k's table (0-based): the key
 * and the target, with the query's names, types, type modifiers and
 * collations.
 */
TupleDesc
frame_split_desc(FrameSplit *r, int k)
{
	TupleDesc	d = CreateTemplateTupleDesc(r->nkey + 1);
	int			i;

	for (i = 0; i < r->nkey; i++)
		TupleDescCopyEntry(d, i + 1, r->desc, i + 1);
	TupleDescCopyEntry(d, r->nkey + 1, r->desc, r->nkey + k + 1);
	return d;
}

/*
 * frame_split_direct: target k's rows go straight into heap, a table this
 * transaction created and holds locked whose live columns are
 * frame_split_desc(k)'s; shown names its result, for errors.
 */
void
frame_split_direct(FrameSplit *r, int k, Oid heap, const char *shown)
{
	r->heaps[k] = heap;
	r->shown[k] = shown;
}

/*
 * frame_split_run runs the query once and writes its rows into every
 * target's heap (frame_split_direct) and into part tables for the other
 * targets, named temp_table_name("part<j>", step, NULL), j = 1, 2, ...:
 * part j holds the key and the other targets (j - 1) * FRAME_PART_WIDTH
 * onward, in order.  Returns the parts' names (unquoted; *nparts of them),
 * which materialize_drop_temp drops, and the number of rows.
 */
char	  **
frame_split_run(FrameSplit *r, int step, int *nparts, uint64 *rows)
{
	MemoryContext cxt = CurrentMemoryContext;
	int		   *others = palloc(sizeof(int) * Max(r->ntargets, 1));
	int		   *cols = palloc(sizeof(int) * (r->nkey + Max(r->ntargets, 1)));
	int			nothers = 0,
				ndirect = 0,
				np,
				j,
				i;
	char	  **names;
	StringInfoData ddl;
	SPIExecuteOptions xopts;
	Oid			temp_nsp;
	int			rc;

	for (i = 0; i < r->ntargets; i++)
	{
		if (OidIsValid(r->heaps[i]))
			ndirect++;
		else
			others[nothers++] = i;
	}
	np = (nothers + FRAME_PART_WIDTH - 1) / FRAME_PART_WIDTH;
	names = palloc(sizeof(char *) * Max(np, 1));
	for (i = 0; i < r->nkey; i++)
		cols[i] = i;

	/* the parts, with the query's own column names, types and collations */
	if (np > 0)
	{
		initStringInfo(&ddl);
		for (j = 0; j < np; j++)
		{
			int			n = Min(FRAME_PART_WIDTH, nothers - j * FRAME_PART_WIDTH);
			TupleDesc	d = CreateTemplateTupleDesc(r->nkey + n);

			for (i = 0; i < r->nkey + n; i++)
				TupleDescCopyEntry(d, i + 1, r->desc,
								   (i < r->nkey ? i : r->nkey + others[j * FRAME_PART_WIDTH + i - r->nkey]) + 1);
			names[j] = temp_table_name(psprintf("part%d", j + 1), step, NULL);
			appendStringInfoString(&ddl, materialize_definition(quote_identifier(names[j]), true, d));
		}
		rc = SPI_execute(ddl.data, false, 0);
		MemoryContextSwitchTo(cxt);
		if (rc != SPI_OK_UTILITY)
			elog(ERROR, "SPI_execute failed (%s) for: %s", SPI_result_code_string(rc), ddl.data);
	}

	r->pub.receiveSlot = split_receive;
	r->pub.rStartup = split_startup;
	r->pub.rShutdown = split_shutdown;
	r->pub.rDestroy = split_destroy;
	r->pub.mydest = DestTransientRel;
	r->nsinks = ndirect + np;
	r->batch = Max(1, Min(SPLIT_MAX_BATCH, SPLIT_MAX_SLOTS / Max(r->nsinks, 1)));
	r->batch_cxt = AllocSetContextCreate(cxt, "hamilton frame split", ALLOCSET_DEFAULT_SIZES);
	r->sinks = palloc0(sizeof(SplitSink) * Max(r->nsinks, 1));
	ndirect = 0;
	for (i = 0; i < r->ntargets; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!OidIsValid(r->heaps[i]))
			continue;
		cols[r->nkey] = r->nkey + i;
		open_sink(r, &r->sinks[ndirect++], r->heaps[i], r->shown[i], cols, r->nkey + 1);
	}
	temp_nsp = np > 0 ? LookupExplicitNamespace("pg_temp", false) : InvalidOid;
	for (j = 0; j < np; j++)
	{
		int			n = Min(FRAME_PART_WIDTH, nothers - j * FRAME_PART_WIDTH);
		Oid			relid = get_relname_relid(names[j], temp_nsp);

		if (!OidIsValid(relid))
			elog(ERROR, "temporary table %s was not created", names[j]);
		for (i = 0; i < n; i++)
			cols[r->nkey + i] = r->nkey + others[j * FRAME_PART_WIDTH + i];
		open_sink(r, &r->sinks[ndirect + j], relid, names[j], cols, r->nkey + n);
	}
	r->cid = GetCurrentCommandId(true);

	memset(&xopts, 0, sizeof(xopts));
	xopts.dest = (DestReceiver *) r;
	rc = SPI_execute_plan_extended(r->plan, &xopts);
	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan_extended failed (%s) for: %s", SPI_result_code_string(rc), r->sql);
	SPI_freeplan(r->plan);
	MemoryContextSwitchTo(cxt);

	for (j = 0; j < r->nsinks; j++)
	{
		SplitSink  *k = &r->sinks[j];

		for (i = 0; i < r->batch; i++)
			ExecDropSingleTupleTableSlot(k->slots[i]);
		table_finish_bulk_insert(k->rel, TABLE_INSERT_SKIP_FSM);
		FreeBulkInsertState(k->bistate);
		table_close(k->rel, NoLock);
	}
	MemoryContextDelete(r->batch_cxt);
	*rows = r->rows;
	*nparts = np;
	/* the statements that read the heaps see their rows */
	CommandCounterIncrement();
	return names;
}

/*
 * open_sink opens relid for the bulk insert of the query's columns cols
 * (ncols of them) into its live columns, in order, its dropped columns
 * left null; the live columns must have the query's types.
 */
static void
open_sink(FrameSplit *r, SplitSink *k, Oid relid, const char *shown, const int *cols, int ncols)
{
	TupleDesc	tdesc;
	int			qi = 0,
				ti;

	k->rel = table_open(relid, RowExclusiveLock);
	k->shown = shown;
	tdesc = RelationGetDescr(k->rel);
	k->map = palloc(sizeof(int) * Max(tdesc->natts, 1));
	for (ti = 0; ti < tdesc->natts; ti++)
	{
		Form_pg_attribute ta = TupleDescAttr(tdesc, ti);

		if (ta->attisdropped)
		{
			k->map[ti] = -1;
			continue;
		}
		if (qi >= ncols || TupleDescAttr(r->desc, cols[qi])->atttypid != ta->atttypid)
			elog(ERROR, "the query's columns do not match those of table %s", RelationGetRelationName(k->rel));
		k->map[ti] = cols[qi++];
	}
	if (qi != ncols)
		elog(ERROR, "the query's columns do not match those of table %s", RelationGetRelationName(k->rel));
	k->bistate = GetBulkInsertState();
	k->slots = palloc(sizeof(TupleTableSlot *) * r->batch);
	for (ti = 0; ti < r->batch; ti++)
		k->slots[ti] = table_slot_create(k->rel, NULL);
}

/* split_startup checks that the query yields the columns the sinks expect. */
static void
split_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	FrameSplit *r = (FrameSplit *) self;

	if (typeinfo->natts != r->desc->natts)
		elog(ERROR, "a frame's compiled query yields %d columns, not %d", typeinfo->natts, r->desc->natts);
}

/*
 * split_receive copies one row of the query into every sink's next slot:
 * the key and the sink's targets, NOT NULL checked as INSERT would.  The
 * row is deformed once.
 */
static bool
split_receive(TupleTableSlot *slot, DestReceiver *self)
{
	FrameSplit *r = (FrameSplit *) self;
	int			j,
				i;

	slot_getallattrs(slot);
	for (j = 0; j < r->nsinks; j++)
	{
		SplitSink  *k = &r->sinks[j];
		TupleTableSlot *ps = k->slots[r->buffered];
		int			natts = ps->tts_tupleDescriptor->natts;

		ExecClearTuple(ps);
		for (i = 0; i < natts; i++)
		{
			int			q = k->map[i];

			if (q < 0)
			{
				ps->tts_values[i] = (Datum) 0;
				ps->tts_isnull[i] = true;
				continue;
			}
			ps->tts_values[i] = slot->tts_values[q];
			ps->tts_isnull[i] = slot->tts_isnull[q];
			if (ps->tts_isnull[i] && TupleDescAttr(ps->tts_tupleDescriptor, i)->attnotnull)
				bulk_refuse_null(NameStr(TupleDescAttr(ps->tts_tupleDescriptor, i)->attname), k->shown);
		}
		ExecStoreVirtualTuple(ps);
		/* its own copy: the query's row is gone at the next one */
		ExecMaterializeSlot(ps);
	}
	r->rows++;
	if (++r->buffered == r->batch)
		split_flush(r);
	return true;
}

/*
 * split_flush writes the buffered rows into every sink, one
 * table_multi_insert each.
 */
static void
split_flush(FrameSplit *r)
{
	MemoryContext old;
	int			j;

	if (r->buffered == 0)
		return;
	CHECK_FOR_INTERRUPTS();
	old = MemoryContextSwitchTo(r->batch_cxt);
	for (j = 0; j < r->nsinks; j++)
		table_multi_insert(r->sinks[j].rel, r->sinks[j].slots, r->buffered, r->cid,
						   TABLE_INSERT_SKIP_FSM, r->sinks[j].bistate);
	MemoryContextSwitchTo(old);
	MemoryContextReset(r->batch_cxt);
	r->buffered = 0;
}

/* split_shutdown writes the rows still buffered. */
static void
split_shutdown(DestReceiver *self)
{
	split_flush((FrameSplit *) self);
}

/* split_destroy: the receiver belongs to frame_split_run's caller. */
static void
split_destroy(DestReceiver *self)
{
}
