/*-------------------------------------------------------------------------
 *
 * incremental.c
 *	  The step of an incremental node: the ranges it has not processed, up
 *	  to a safe bound (incremental_bound.c), each written as a batch
 *	  (incremental_write.c) and recorded with it.
 *
 * Exactly once: the run holds the node's result lock (result_locks.c) and
 * its row of hamilton.incremental_node, so two runs of one node follow
 * each other, and the second sees what the first committed (each statement
 * of a READ COMMITTED run takes a new snapshot).  A batch's range is
 * written in the same transaction as its rows: they commit or roll back
 * together, whatever ends the run (an error, a cancel, a crash).
 *
 * The node's code must be the one its processed ranges were computed by;
 * a changed node runs again only after hamilton_restate or hamilton_reset,
 * unless its spec says "on_change": "forward_only".
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "exec.h"

static void set_range_inputs(HPlan *plan, HNode *node, const IncrementalRange *range);
static List *batches_to_run(HNode *node, IncrementalSpec *spec, int64 processed);

/*
 * set_range_inputs gives the node's inputs range_start and range_end the
 * batch's bounds, as literals of their type: the planner sees constants.
 * Lineage records them as the step's inputs.  With no range, only their
 * status says what they are.
 */
static void
set_range_inputs(HPlan *plan, HNode *node, const IncrementalRange *range)
{
	bool		by_time = node->incremental->by_time;
	int			d;

	for (d = 0; d < node->ndeps; d++)
	{
		HNode	   *t = &plan->dag->nodes[node->deps[d].target];
		PlanStep   *is;
		const char *value;

		if (t->kind != HNODE_INPUT || plan->step_of_node[node->deps[d].target] < 0)
			continue;
		if (strcmp(t->name, INCR_RANGE_START) == 0)
			value = range ? range->start : NULL;
		else if (strcmp(t->name, INCR_RANGE_END) == 0)
			value = range ? range->end : NULL;
		else
			continue;
		is = &plan->steps[plan->step_of_node[node->deps[d].target]];
		is->status = "range";
		if (range == NULL)
			continue;
		is->json_text = pstrdup(value);
		is->json_kind = by_time ? JSON_KIND_STRING : JSON_KIND_NUMBER;
		is->valtype = by_time ? TIMESTAMPTZOID : INT8OID;
		is->literal = psprintf("%s::%s", quote_literal_cstr(value),
							   by_time ? "pg_catalog.timestamptz" : "pg_catalog.int8");
	}
}

/*
 * batches_to_run: the ranges the node has not processed, up to the bound;
 * by time, the last one starts lookback intervals earlier (not before
 * start), so that late rows of those intervals are merged or replaced.
 */
static List *
batches_to_run(HNode *node, IncrementalSpec *spec, int64 processed)
{
	char	   *bound = incremental_bound(node, spec);
	List	   *ranges;
	IncrementalRange *last;

	if (bound == NULL)
		return NIL;
	ranges = catalog_incremental_missing(node->schema, node->name, spec->by_time, spec->start, bound);
	if (ranges == NIL || !spec->by_time || spec->lookback == 0 || processed == 0)
		return ranges;
	last = llast(ranges);
	if (strcmp(last->end, bound) == 0)
	{
		Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
		Datum		values[3];

		values[0] = CStringGetTextDatum(last->start);
		values[1] = CStringGetTextDatum(psprintf("%d", spec->lookback));
		values[2] = CStringGetTextDatum(spec->start);
		spi_exec_checked(psprintf("SELECT pg_catalog.to_jsonb(GREATEST($1::pg_catalog.timestamptz "
								  "  OPERATOR(pg_catalog.-) (%s::pg_catalog.interval OPERATOR(pg_catalog.*) $2::pg_catalog.int4), "
								  "  $3::pg_catalog.timestamptz)) OPERATOR(pg_catalog.#>>) '{}'",
								  quote_literal_cstr(spec->interval)),
						 3, types, values, NULL, SPI_OK_SELECT);
		last->start = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	}
	return ranges;
}

/*
 * incremental_run_step runs an incremental node's step: its batches, each
 * written in place and recorded; then its lineage and its checks, on its
 * whole table.  With nothing to process and no table yet, it makes the
 * table empty, so that the nodes that read it can.
 */
void
incremental_run_step(HPlan *plan, int stepno)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	IncrementalSpec *spec = node->incremental;
	char	   *spec_json,
			   *fingerprint;
	const char *current;
	int64		processed;
	List	   *ranges;
	ListCell   *lc;
	bool		first;
	Oid			relid = InvalidOid;
	int64		rows = 0;

	if (!catalog_lock_incremental(node->schema, node->name, &spec_json, &fingerprint, &processed) ||
		strcmp(spec_json, spec->json) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("incremental node %s was declared again while the run waited for it", node->display),
				 errdetail("Another session changed its incremental spec after this run read the graph."),
				 errhint("Run the dataflow again.")));
	current = dag_fingerprint(plan->dag, step->node);
	if (processed > 0 && fingerprint && strcmp(fingerprint, current) != 0 && !spec->forward_only)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the code of incremental node %s changed since it processed its ranges", node->display),
				 errdetail("Its result holds rows the earlier code computed; processing only new ranges with the new code would mix the two silently."),
				 errhint("SELECT hamilton_reset('%s') rebuilds it, SELECT hamilton_restate('%s', from, to) computes a range again, "
						 "or declare \"on_change\": \"forward_only\" to keep the processed rows as they are.",
						 node->display, node->display)));

	ranges = batches_to_run(node, spec, processed);
	set_range_inputs(plan, node, NULL);
	first = processed == 0;
	if (first && list_length(ranges) > 1)
		elog(ERROR, "incremental node %s has %d missing ranges and none processed", node->display,
			 list_length(ranges));
	if (ranges == NIL && !OidIsValid(catalog_result_relation(node->schema, node->name)))
	{
		/* an empty range: the table, with no rows */
		IncrementalRange empty;

		empty.start = spec->start;
		empty.end = spec->by_time ? spec->start :
			psprintf(INT64_FORMAT, DatumGetInt64(DirectFunctionCall1(int8in, CStringGetDatum(spec->start))) - 1);
		set_range_inputs(plan, node, &empty);
		rows = incremental_write(plan, stepno, plan_render_step(plan, stepno, false), &empty, true, &relid);
	}
	foreach(lc, ranges)
	{
		IncrementalRange *range = lfirst(lc);
		uint64		batch;

		CHECK_FOR_INTERRUPTS();
		set_range_inputs(plan, node, range);
		batch = incremental_write(plan, stepno, plan_render_step(plan, stepno, false), range, first, &relid);
		catalog_insert_incremental_range(node->schema, node->name, spec->by_time, range->start,
										 range->end, plan->run_id, (int64) batch);
		rows += batch;
		first = false;
	}
	if (ranges != NIL && (fingerprint == NULL || strcmp(fingerprint, current) != 0))
		catalog_set_incremental_fingerprint(node->schema, node->name, current);

	step->rows = rows;
	step->has_rows = true;
	step->status = ranges != NIL ? "incremental" : "up to date";
	if (!OidIsValid(relid))
		relid = catalog_result_relation(node->schema, node->name);
	if (ranges != NIL || step->sql)
		lineage_record(plan, stepno, relid);
	/* a first batch may have been built aside: later steps read it there */
	step->relation = (char *) swap_reading(step->relation);
	checks_run(plan, stepno, step->result_table);
}
