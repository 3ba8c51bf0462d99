/*-------------------------------------------------------------------------
 *
 * node_run_rows.c
 *	  Writing a run's steps into hamilton.node_run by the bulk path:
 *	  table_multi_insert and the primary key's index, as COPY FROM does,
 *	  with the foreign key to hamilton.run checked once for the run.
 *
 * Every step of a run has the same run_id, so the foreign key's check, which
 * PostgreSQL makes row by row (an AFTER ROW trigger per step: 10,000 of them
 * for a 10,000-step chain), is the same question asked once per step.  It is
 * asked here once, as the trigger asks it (the run's row, locked FOR KEY
 * SHARE), and the rows then go in without the executor.  ON DELETE CASCADE
 * is hamilton.run's side of the key and does not change.
 *
 * This is done only when hamilton.node_run is exactly what this file knows:
 * its columns (by name and type, dropped ones aside, none missing), no
 * trigger but the key's own checks, no row security.  Anything else, and a
 * run that is not there, goes back to the INSERT statement
 * (catalog_insert_node_runs), which checks and reports as PostgreSQL does.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "catalog.h"

/* as COPY FROM: rows per table_multi_insert */
#define NODE_RUN_BATCH	1000

/*
 * hamilton.node_run's columns, in the order node_run_values fills them:
 * those of every catalog, then those a 1.3 catalog adds (optional: absent
 * before 1.3).
 */
enum
{
	NR_RUN_ID, NR_STEP, NR_NODE, NR_MODULE, NR_KIND, NR_RELATION, NR_ROWS,
	NR_MS, NR_STATUS, NR_FINGERPRINT, NR_ERROR, NR_CHECKS,
	NR_CACHED_FROM, NR_WORKER_PID, NR_STARTED_AT, NR_ENDED_AT, NR_PLACEMENT, NR_NCOLS
};
#define NR_NREQUIRED NR_CACHED_FROM
#define NR_N13 NR_PLACEMENT		/* a 1.3 catalog's columns; 1.4 adds placement */

static const char *const node_run_names[NR_NCOLS] = {
	"run_id", "step", "node", "module", "kind", "relation", "rows", "ms",
	"status", "fingerprint", "error", "checks",
	"cached_from", "worker_pid", "started_at", "ended_at", "placement"
};
static const Oid node_run_types[NR_NCOLS] = {
	INT8OID, INT4OID, TEXTOID, NAMEOID, TEXTOID, TEXTOID, INT8OID,
	FLOAT8OID, TEXTOID, TEXTOID, TEXTOID, JSONBOID,
	INT8OID, INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID
};

static bool node_run_columns(Relation rel, AttrNumber *attnums);
static bool node_run_triggers_known(Relation rel, Oid run_relid, AttrNumber run_id_attnum);
static bool node_run_run_exists(int64 run_id);
static void node_run_values(const CatalogNodeRun *r, int64 run_id, Datum *values, bool *nulls);

/*
 * catalog_bulk_insert_node_runs writes the n steps of run run_id as
 * catalog_insert_node_runs would, by the bulk path.  Returns false, having
 * written nothing, when hamilton.node_run is not as this file knows it, when
 * a NOT NULL column would get a null, or when the run's row is not there:
 * the caller then runs the INSERT statement, which reports the error.
 */
bool
catalog_bulk_insert_node_runs(int64 run_id, int n, const CatalogNodeRun *rows)
{
	Oid			relid = catalog_table_relid("node_run");
	Oid			run_relid = catalog_table_relid("run");
	Relation	rel;
	AttrNumber	attnums[NR_NCOLS];
	EState	   *estate;
	ResultRelInfo *rri;
	BulkInsertState bistate;
	TupleTableSlot **slots;
	MemoryContext batch_cxt,
				old;
	CommandId	cid;
	int			done,
				i;

	if (!OidIsValid(relid) || !OidIsValid(run_relid) ||
		pg_class_aclcheck(relid, GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		return false;
	rel = table_open(relid, RowExclusiveLock);
	if (!node_run_columns(rel, attnums) || rel->rd_rel->relrowsecurity ||
		rel->rd_rel->relkind != RELKIND_RELATION ||
		!node_run_triggers_known(rel, run_relid, attnums[NR_RUN_ID]))
	{
		table_close(rel, NoLock);
		return false;
	}
	/* NOT NULL as INSERT checks it: a null goes to the statement, which says so */
	for (i = 0; i < n; i++)
		if (!rows[i].node || !rows[i].kind || !rows[i].status)
		{
			table_close(rel, NoLock);
			return false;
		}
	/* the foreign key, asked once: every row has this run_id */
	if (!node_run_run_exists(run_id))
	{
		table_close(rel, NoLock);
		return false;
	}

	estate = CreateExecutorState();
	rri = makeNode(ResultRelInfo);
	InitResultRelInfo(rri, rel, 1, NULL, 0);
	ExecOpenIndices(rri, false);
	bistate = GetBulkInsertState();
	cid = GetCurrentCommandId(true);
	slots = palloc(sizeof(TupleTableSlot *) * Min(n, NODE_RUN_BATCH));
	for (i = 0; i < Min(n, NODE_RUN_BATCH); i++)
		slots[i] = table_slot_create(rel, NULL);
	batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "hamilton node_run rows",
									  ALLOCSET_DEFAULT_SIZES);

	for (done = 0; done < n; done += NODE_RUN_BATCH)
	{
		int			k = Min(n - done, NODE_RUN_BATCH);

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(batch_cxt);
		for (i = 0; i < k; i++)
		{
			TupleTableSlot *slot = slots[i];
			Datum		values[NR_NCOLS];
			bool		nulls[NR_NCOLS];
			int			c;

			ExecClearTuple(slot);
			memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
			node_run_values(&rows[done + i], run_id, values, nulls);
			for (c = 0; c < NR_NCOLS; c++)
			{
				if (attnums[c] == InvalidAttrNumber)
					continue;	/* an optional column this catalog lacks */
				slot->tts_values[attnums[c] - 1] = values[c];
				slot->tts_isnull[attnums[c] - 1] = nulls[c];
			}
			ExecStoreVirtualTuple(slot);
		}
		table_multi_insert(rel, slots, k, cid, 0, bistate);
		for (i = 0; i < k; i++)
		{
			if (rri->ri_NumIndices > 0)
				(void) ExecInsertIndexTuples(rri, slots[i], estate, false, false, NULL, NIL);
			ExecClearTuple(slots[i]);
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(batch_cxt);
	}

	for (i = 0; i < Min(n, NODE_RUN_BATCH); i++)
		ExecDropSingleTupleTableSlot(slots[i]);
	FreeBulkInsertState(bistate);
	table_finish_bulk_insert(rel, 0);
	ExecCloseIndices(rri);
	FreeExecutorState(estate);
	MemoryContextDelete(batch_cxt);
	table_close(rel, NoLock);
	/* what follows in this transaction sees the steps, as after a statement */
	CommandCounterIncrement();
	return true;
}

/*
 * node_run_columns finds each column of hamilton.node_run by name, with the
 * type this file writes; false if one is missing or of another type, or if
 * the table has a column this file does not fill (its default would apply).
 */
static bool
node_run_columns(Relation rel, AttrNumber *attnums)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			found = 0,
				optional = 0,
				a,
				c;

	for (c = 0; c < NR_NCOLS; c++)
		attnums[c] = InvalidAttrNumber;
	for (a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);

		if (att->attisdropped)
			continue;
		for (c = 0; c < NR_NCOLS; c++)
			if (strcmp(NameStr(att->attname), node_run_names[c]) == 0)
				break;
		if (c == NR_NCOLS || att->atttypid != node_run_types[c] || att->attgenerated)
			return false;
		attnums[c] = att->attnum;
		if (c < NR_NREQUIRED)
			found++;
		else
			optional++;
	}
	if (found != NR_NREQUIRED ||
		(optional != 0 && optional != NR_NCOLS - NR_NREQUIRED &&
		 (optional != NR_N13 - NR_NREQUIRED || attnums[NR_PLACEMENT] != InvalidAttrNumber)))
		return false;
	/* a CHECK constraint is the executor's to check */
	return desc->constr == NULL || desc->constr->num_check == 0;
}

/*
 * node_run_triggers_known: is every trigger on hamilton.node_run a check of
 * the foreign key on run_id to hamilton.run, the one this file checks once?
 */
static bool
node_run_triggers_known(Relation rel, Oid run_relid, AttrNumber run_id_attnum)
{
	TriggerDesc *trigdesc = rel->trigdesc;
	int			t;

	if (trigdesc == NULL)
		return true;
	for (t = 0; t < trigdesc->numtriggers; t++)
	{
		Trigger    *trig = &trigdesc->triggers[t];
		HeapTuple	tup;
		Form_pg_constraint con;
		bool		known;

		if (!trig->tgisinternal || !OidIsValid(trig->tgconstraint) ||
			RI_FKey_trigger_type(trig->tgfoid) != RI_TRIGGER_FK)
			return false;
		tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(trig->tgconstraint));
		if (!HeapTupleIsValid(tup))
			return false;
		con = (Form_pg_constraint) GETSTRUCT(tup);
		known = con->contype == CONSTRAINT_FOREIGN && con->confrelid == run_relid &&
			!con->condeferrable;
		if (known)
		{
			bool		isnull;
			ArrayType  *conkey = DatumGetArrayTypeP(SysCacheGetAttr(CONSTROID, tup,
																   Anum_pg_constraint_conkey,
																   &isnull));

			known = !isnull && ARR_NDIM(conkey) == 1 && ARR_DIMS(conkey)[0] == 1 &&
				((int16 *) ARR_DATA_PTR(conkey))[0] == run_id_attnum;
		}
		ReleaseSysCache(tup);
		if (!known)
			return false;
	}
	return true;
}

/*
 * node_run_run_exists asks what the foreign key's trigger asks for each row,
 * once: is the run's row there?  It is locked FOR KEY SHARE, as the trigger
 * locks it, so that it stays until this transaction ends.
 */
static bool
node_run_run_exists(int64 run_id)
{
	static SPIPlanPtr plan = NULL;
	Oid			argtypes[1] = {INT8OID};
	Datum		values[1];

	values[0] = Int64GetDatum(run_id);
	spi_exec_kept_args(&plan, "SELECT 1 FROM ONLY " CATALOG_TABLE("run") " x "
					   "WHERE x.run_id OPERATOR(pg_catalog.=) $1 FOR KEY SHARE OF x",
					   1, argtypes, values, NULL, SPI_OK_SELECT);
	return SPI_processed == 1;
}

/*
 * node_run_values is one step's row, in node_run_names' order, as the
 * INSERT statement of catalog_insert_node_runs would convert it.
 */
static void
node_run_values(const CatalogNodeRun *r, int64 run_id, Datum *values, bool *nulls)
{
	const char *text[NR_NCOLS] = {NULL, NULL, r->node, NULL, r->kind, r->relation,
	NULL, NULL, r->status, r->fingerprint, r->error, NULL};
	char		ms[64];
	int			c;

	for (c = 0; c < NR_NCOLS; c++)
	{
		nulls[c] = text[c] == NULL;
		if (text[c])
			values[c] = CStringGetTextDatum(text[c]);
	}
	values[NR_RUN_ID] = Int64GetDatum(run_id);
	nulls[NR_RUN_ID] = false;
	values[NR_STEP] = Int32GetDatum(r->step);
	nulls[NR_STEP] = false;
	nulls[NR_MODULE] = r->module == NULL;
	if (r->module)
		values[NR_MODULE] = DirectFunctionCall1(namein, CStringGetDatum(r->module));
	nulls[NR_ROWS] = !r->has_rows;
	values[NR_ROWS] = Int64GetDatum(r->rows);
	/* to the microsecond, as the JSON of the run writes it (%.3f) */
	nulls[NR_MS] = !r->has_ms;
	snprintf(ms, sizeof(ms), "%.3f", r->ms);
	values[NR_MS] = Float8GetDatum(strtod(ms, NULL));
	nulls[NR_CHECKS] = r->checks == NULL;
	if (r->checks)
		values[NR_CHECKS] = DirectFunctionCall1(jsonb_in, CStringGetDatum(r->checks));
	/* 1.3 on: the run a cached step kept, the worker that ran a step */
	nulls[NR_CACHED_FROM] = r->cached_from <= 0;
	values[NR_CACHED_FROM] = Int64GetDatum(r->cached_from);
	nulls[NR_WORKER_PID] = r->worker_pid == 0;
	values[NR_WORKER_PID] = Int32GetDatum(r->worker_pid);
	nulls[NR_STARTED_AT] = r->started_at == 0;
	values[NR_STARTED_AT] = TimestampTzGetDatum(r->started_at);
	nulls[NR_ENDED_AT] = r->ended_at == 0;
	values[NR_ENDED_AT] = TimestampTzGetDatum(r->ended_at);
	/* (servers2) 1.4 on: the server a placed step ran on */
	nulls[NR_PLACEMENT] = r->placement == NULL;
	if (r->placement)
		values[NR_PLACEMENT] = CStringGetTextDatum(r->placement);
}
