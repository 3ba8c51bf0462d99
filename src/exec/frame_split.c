/*-------------------------------------------------------------------------
 *
 * frame_split.c
 *	  Splitting a frame group's compiled query, run once, into part tables:
 *	  temporary tables of the key and at most FRAME_PART_WIDTH targets each,
 *	  from which every target's own table is then written.
 *
 * Reading column k of a heap row deforms the k columns before it.  Read
 * from one temporary table of all the targets, as before, each target's own
 * table cost time proportional to its place in the row, and all of them
 * together time quadratic in their number.  Here the query's rows go
 * straight from the executor into the parts (a DestReceiver, rows deformed
 * once), in batches through table_multi_insert as COPY does, so a target is
 * read from a row of at most FRAME_PART_WIDTH columns and its key.
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

/* rows buffered per part before they are written, at most */
#define SPLIT_MAX_BATCH 1000
/* slots buffered over all parts, about */
#define SPLIT_MAX_SLOTS 4096

typedef struct SplitPart
{
	Relation	rel;
	BulkInsertState bistate;
	TupleTableSlot **slots;		/* one per buffered row */
	int			first;			/* its first target's column in the query */
	int			ncols;			/* its targets */
} SplitPart;

typedef struct SplitReceiver
{
	DestReceiver pub;
	SplitPart  *parts;
	int			nparts;
	int			nkey;
	int			natts;			/* columns of the query: nkey + targets */
	int			batch;			/* rows per write */
	int			buffered;		/* rows waiting */
	CommandId	cid;
	MemoryContext batch_cxt;	/* table_multi_insert's allocations */
	uint64		rows;
} SplitReceiver;

static void split_startup(DestReceiver *self, int operation, TupleDesc typeinfo);
static bool split_receive(TupleTableSlot *slot, DestReceiver *self);
static void split_shutdown(DestReceiver *self);
static void split_destroy(DestReceiver *self);
static void split_flush(SplitReceiver *r);
static char *part_definition(const char *name, TupleDesc desc, int nkey, int first, int ncols);

/*
 * frame_split runs sql (a frame group's compiled query: nkey key columns,
 * then ntargets targets) once and writes its rows into part tables, named
 * temp_table_name("part<j>", step, NULL), j = 1, 2, ...: part j holds the
 * key and targets (j - 1) * FRAME_PART_WIDTH onward.  Returns the parts'
 * names (unquoted); materialize_drop_temp drops them.
 */
char	  **
frame_split(const char *sql, int nkey, int ntargets, int step, uint64 *rows)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			nparts = (ntargets + FRAME_PART_WIDTH - 1) / FRAME_PART_WIDTH;
	char	  **names = palloc(sizeof(char *) * Max(nparts, 1));
	SPIPrepareOptions popts;
	SPIExecuteOptions xopts;
	SPIPlanPtr	plan;
	CachedPlanSource *ps;
	TupleDesc	desc;
	StringInfoData ddl;
	SplitReceiver *r;
	Oid			temp_nsp;
	int			rc,
				j,
				i;

	/* the query, planned as CREATE TABLE AS plans it: parallel where it can */
	memset(&popts, 0, sizeof(popts));
	popts.cursorOptions = CURSOR_OPT_PARALLEL_OK;
	plan = SPI_prepare_extended(sql, &popts);
	MemoryContextSwitchTo(cxt);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare_extended failed (%s) for: %s", SPI_result_code_string(SPI_result), sql);
	ps = linitial(SPI_plan_get_plan_sources(plan));
	desc = ps->resultDesc;
	if (desc == NULL || desc->natts != nkey + ntargets)
		elog(ERROR, "a frame's compiled query yields %d columns, not %d",
			 desc ? desc->natts : 0, nkey + ntargets);

	/* the parts, with the query's own column names, types and collations */
	initStringInfo(&ddl);
	for (j = 0; j < nparts; j++)
	{
		int			first = nkey + j * FRAME_PART_WIDTH;

		names[j] = temp_table_name(psprintf("part%d", j + 1), step, NULL);
		appendStringInfoString(&ddl, part_definition(names[j], desc, nkey, first,
													 Min(FRAME_PART_WIDTH, nkey + ntargets - first)));
	}
	rc = SPI_execute(ddl.data, false, 0);
	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_UTILITY)
		elog(ERROR, "SPI_execute failed (%s) for: %s", SPI_result_code_string(rc), ddl.data);

	r = palloc0(sizeof(SplitReceiver));
	r->pub.receiveSlot = split_receive;
	r->pub.rStartup = split_startup;
	r->pub.rShutdown = split_shutdown;
	r->pub.rDestroy = split_destroy;
	r->pub.mydest = DestTransientRel;
	r->nparts = nparts;
	r->nkey = nkey;
	r->natts = nkey + ntargets;
	r->batch = Max(1, Min(SPLIT_MAX_BATCH, SPLIT_MAX_SLOTS / Max(nparts, 1)));
	r->batch_cxt = AllocSetContextCreate(cxt, "hamilton frame split", ALLOCSET_DEFAULT_SIZES);
	r->parts = palloc0(sizeof(SplitPart) * Max(nparts, 1));
	temp_nsp = LookupExplicitNamespace("pg_temp", false);
	for (j = 0; j < nparts; j++)
	{
		SplitPart  *p = &r->parts[j];
		Oid			relid = get_relname_relid(names[j], temp_nsp);

		if (!OidIsValid(relid))
			elog(ERROR, "temporary table %s was not created", names[j]);
		p->rel = table_open(relid, RowExclusiveLock);
		p->bistate = GetBulkInsertState();
		p->first = nkey + j * FRAME_PART_WIDTH;
		p->ncols = Min(FRAME_PART_WIDTH, nkey + ntargets - p->first);
		p->slots = palloc(sizeof(TupleTableSlot *) * r->batch);
		for (i = 0; i < r->batch; i++)
			p->slots[i] = table_slot_create(p->rel, NULL);
	}
	r->cid = GetCurrentCommandId(true);

	memset(&xopts, 0, sizeof(xopts));
	xopts.dest = (DestReceiver *) r;
	rc = SPI_execute_plan_extended(plan, &xopts);
	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan_extended failed (%s) for: %s", SPI_result_code_string(rc), sql);
	SPI_freeplan(plan);
	MemoryContextSwitchTo(cxt);

	for (j = 0; j < nparts; j++)
	{
		SplitPart  *p = &r->parts[j];

		for (i = 0; i < r->batch; i++)
			ExecDropSingleTupleTableSlot(p->slots[i]);
		table_finish_bulk_insert(p->rel, TABLE_INSERT_SKIP_FSM);
		FreeBulkInsertState(p->bistate);
		table_close(p->rel, NoLock);
	}
	MemoryContextDelete(r->batch_cxt);
	*rows = r->rows;
	/* the statements that read the parts see their rows */
	CommandCounterIncrement();
	return names;
}

/*
 * part_definition is the CREATE TEMPORARY TABLE of a part: the key
 * (columns 0 .. nkey - 1 of desc) and columns first .. first + ncols - 1,
 * with their names, types, type modifiers and collations.
 */
static char *
part_definition(const char *name, TupleDesc desc, int nkey, int first, int ncols)
{
	StringInfoData sql;
	int			i;

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE TEMPORARY TABLE %s (", quote_identifier(name));
	for (i = 0; i < nkey + ncols; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i < nkey ? i : first + i - nkey);

		appendStringInfo(&sql, "%s%s %s", i ? ", " : "", quote_identifier(NameStr(a->attname)),
						 format_type_extended(a->atttypid, a->atttypmod,
											  FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY));
		if (OidIsValid(a->attcollation) && a->attcollation != get_typcollation(a->atttypid))
			appendStringInfo(&sql, " COLLATE %s", generate_collation_name(a->attcollation));
	}
	appendStringInfoString(&sql, ");\n");
	return sql.data;
}

/* split_startup checks that the query yields the columns the parts expect. */
static void
split_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	SplitReceiver *r = (SplitReceiver *) self;

	if (typeinfo->natts != r->natts)
		elog(ERROR, "a frame's compiled query yields %d columns, not %d", typeinfo->natts, r->natts);
}

/*
 * split_receive copies one row of the query into every part's next slot:
 * the key and the part's targets.  The row is deformed once.
 */
static bool
split_receive(TupleTableSlot *slot, DestReceiver *self)
{
	SplitReceiver *r = (SplitReceiver *) self;
	int			j,
				i;

	slot_getallattrs(slot);
	for (j = 0; j < r->nparts; j++)
	{
		SplitPart  *p = &r->parts[j];
		TupleTableSlot *ps = p->slots[r->buffered];

		ExecClearTuple(ps);
		for (i = 0; i < r->nkey; i++)
		{
			ps->tts_values[i] = slot->tts_values[i];
			ps->tts_isnull[i] = slot->tts_isnull[i];
		}
		memcpy(ps->tts_values + r->nkey, slot->tts_values + p->first, sizeof(Datum) * p->ncols);
		memcpy(ps->tts_isnull + r->nkey, slot->tts_isnull + p->first, sizeof(bool) * p->ncols);
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
 * split_flush writes the buffered rows into every part, one
 * table_multi_insert per part.
 */
static void
split_flush(SplitReceiver *r)
{
	MemoryContext old;
	int			j;

	if (r->buffered == 0)
		return;
	CHECK_FOR_INTERRUPTS();
	old = MemoryContextSwitchTo(r->batch_cxt);
	for (j = 0; j < r->nparts; j++)
		table_multi_insert(r->parts[j].rel, r->parts[j].slots, r->buffered, r->cid,
						   TABLE_INSERT_SKIP_FSM, r->parts[j].bistate);
	MemoryContextSwitchTo(old);
	MemoryContextReset(r->batch_cxt);
	r->buffered = 0;
}

/* split_shutdown writes the rows still buffered. */
static void
split_shutdown(DestReceiver *self)
{
	split_flush((SplitReceiver *) self);
}

/* split_destroy: the receiver belongs to frame_split, which frees it. */
static void
split_destroy(DestReceiver *self)
{
}
