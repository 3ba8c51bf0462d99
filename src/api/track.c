/*-------------------------------------------------------------------------
 *
 * track.c
 *	  hamilton_track, hamilton_untrack, the change log's trigger
 *	  hamilton.change_logged, and hamilton_invalidate.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/event_trigger.h"
#include "commands/trigger.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/rel.h"

#include "api.h"

PG_FUNCTION_INFO_V1(hamilton_track);
PG_FUNCTION_INFO_V1(hamilton_untrack);
PG_FUNCTION_INFO_V1(hamilton_change_logged);
PG_FUNCTION_INFO_V1(hamilton_invalidate);
PG_FUNCTION_INFO_V1(hamilton_cache_refusal);
PG_FUNCTION_INFO_V1(hamilton_track_partitions);
PG_FUNCTION_INFO_V1(hamilton_replicated_change);
PG_FUNCTION_INFO_V1(hamilton_probe);
PG_FUNCTION_INFO_V1(hamilton_unprobe);

/*
 * hamilton_track(source regclass), by its owner: log the transactions that
 * write the table and each of its partitions.
 */
Datum
hamilton_track(PG_FUNCTION_ARGS)
{
	api_begin();
	define_track(PG_GETARG_OID(0), true);
	api_end();
	PG_RETURN_VOID();
}

/* hamilton_untrack(source regclass), by its owner: stop logging them. */
Datum
hamilton_untrack(PG_FUNCTION_ARGS)
{
	api_begin();
	define_track(PG_GETARG_OID(0), false);
	api_end();
	PG_RETURN_VOID();
}

/*
 * hamilton_change_logged is the statement trigger of tracked relations: it
 * logs the writing transaction (catalog/change_log.c).  hamilton_track
 * fires it before each statement; the AFTER triggers that 1.3 put count
 * as well.
 */
Datum
hamilton_change_logged(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	/* the row trigger for logical replication never fires: its condition is false */
	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) ||
		TRIGGER_FIRED_INSTEAD(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("hamilton.change_logged() must be fired for each statement"),
				 errdetail("It is the change log's statement trigger, which hamilton_track creates."),
				 errhint("Call hamilton_track(table) instead of creating the trigger yourself.")));
	catalog_log_change(RelationGetRelid(td->tg_relation));
	return PointerGetDatum(NULL);
}

/*
 * hamilton_invalidate(node, downstream) forgets the cached result of a node
 * and, with downstream, of every node downstream of it; returns the nodes
 * whose entry it removed.
 */
Datum
hamilton_invalidate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	bool		downstream = PG_GETARG_BOOL(1);
	Dag		   *dag;
	int			start,
				i;
	int		   *depth;
	int		   *parent;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	dag = api_begin_with_dag(NULL, false);
	start = dag_resolve_name_or_error(dag, name);
	depth = palloc(sizeof(int) * Max(dag->nnodes, 1));
	parent = palloc(sizeof(int) * Max(dag->nnodes, 1));
	if (downstream)
		dag_walk(dag, start, true, depth, parent, -1);
	else
	{
		for (i = 0; i < dag->nnodes; i++)
			depth[i] = -1;
		depth[start] = 0;
	}
	for (i = 0; i < dag->nnodes; i++)
	{
		HNode	   *node = &dag->nodes[i];

		CHECK_FOR_INTERRUPTS();
		if (depth[i] < 0 || node->schema == NULL)
			continue;
		if (catalog_delete_cache_entry(node->schema, node->name))
		{
			Datum		value = CStringGetTextDatum(node->display);
			bool		isnull = false;

			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
		}
	}
	api_end();
	return (Datum) 0;
}

/*
 * hamilton_cache_refusal(schema, node) is why the cached result of a node
 * would not be reused now by a run whose key is the same (its behaviour,
 * its code, what it read or called), or NULL: hamilton.cache's reason.
 */
Datum
hamilton_cache_refusal(PG_FUNCTION_ARGS)
{
	char	   *schema = NameStr(*PG_GETARG_NAME(0));
	char	   *name = NameStr(*PG_GETARG_NAME(1));
	CacheEntry *e;
	char	   *tag = NULL;
	char	   *why = NULL;
	ListCell   *lc;
	Dag		   *dag;
	int			idx;

	dag = api_begin_with_dag(NULL, false);
	e = catalog_read_cache_entry(schema, name);
	idx = dag_find_qualified(dag, schema, name);
	foreach(lc, catalog_read_cache_tags())
	{
		char	  **t = lfirst(lc);

		if (strcmp(t[0], schema) == 0 && strcmp(t[1], name) == 0)
			tag = t[2];
	}
	if (e == NULL)
		why = "it has no cached result";
	else if (idx < 0)
		why = "its node is gone";
	else if (tag && strcmp(tag, "auto") != 0)
		why = psprintf("it is cache => %s", tag);
	else if (e->result_fingerprint == NULL ||
			 strcmp(e->result_fingerprint, dag_fingerprint(dag, idx)) != 0)
		why = "its code changed";
	else
		why = exec_cache_entry_refusal(e);
	api_end();
	if (why == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(why));
}

/*
 * hamilton_track_partitions, the event trigger after CREATE TABLE and
 * ALTER TABLE: partitions new in a tracked table are tracked too
 * (define/track.c).
 */
Datum
hamilton_track_partitions(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function hamilton.track_partitions was not called by an event trigger"),
				 errdetail("It tracks the partitions created in, or attached to, a tracked table."),
				 errhint("Leave it to the extension's event trigger.")));
	api_begin();
	define_track_new_partitions();
	api_end();
	PG_RETURN_NULL();
}

/*
 * hamilton_replicated_change(source regclass), the condition of the row
 * trigger that sees the writes of logical replication: logs the writing
 * transaction (once, catalog/change_log.c) and is false, so that the
 * trigger itself never fires.
 */
Datum
hamilton_replicated_change(PG_FUNCTION_ARGS)
{
	catalog_log_change(PG_GETARG_OID(0));
	PG_RETURN_BOOL(false);
}

/*
 * hamilton_probe(source regclass, probe text), by the owner of a foreign
 * table or materialized view: its data version is the probe's value.
 */
Datum
hamilton_probe(PG_FUNCTION_ARGS)
{
	api_begin();
	define_probe(PG_GETARG_OID(0), text_to_cstring(PG_GETARG_TEXT_PP(1)));
	api_end();
	PG_RETURN_VOID();
}

/* hamilton_unprobe(source regclass), by its owner: forget its probe. */
Datum
hamilton_unprobe(PG_FUNCTION_ARGS)
{
	api_begin();
	define_probe(PG_GETARG_OID(0), NULL);
	api_end();
	PG_RETURN_VOID();
}
