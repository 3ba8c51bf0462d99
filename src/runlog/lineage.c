/*-------------------------------------------------------------------------
 *
 * lineage.c
 *	  Lineage: for each result a run wrote, the run, the code fingerprint,
 *	  the inputs, the upstream results (and the runs that made them) and the
 *	  source tables, from the step's provenance (plan/provenance.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/md5.h"
#include "lib/stringinfo.h"
#include "nodes/bitmapset.h"
#include "nodes/value.h"
#include "utils/json.h"

#include "runlog.h"

static void lineage_write(HPlan *plan, PlanStep *step, const char *schema,
						  const char *name, const char *fingerprint, Oid relid);

/*
 * lineage_record keeps the lineage of a result just written: the run, the
 * node's fingerprint, the inputs it depends on, the upstream results it
 * read (and the runs that made them) and the source tables.
 */
void
lineage_record(HPlan *plan, int stepno, Oid relid)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	const char *fp = dag_fingerprint(plan->dag, step->node);

	lineage_write(plan, step, node->schema, node->name, fp ? fp : "", relid);
}

/*
 * lineage_record_into keeps the lineage of an into_table: what its columns
 * (steps) come from, together, and the fingerprint of the query that made
 * it.
 */
void
lineage_record_into(HPlan *plan, List *steps, const char *schema,
					const char *name, const char *sql, Oid relid)
{
	PlanStep	merged;
	ListCell   *lc;
	char		md5[33];
	const char *errstr = NULL;

	memset(&merged, 0, sizeof(merged));
	foreach(lc, steps)
	{
		PlanStep   *s = &plan->steps[lfirst_int(lc)];

		merged.input_steps = bms_add_members(merged.input_steps, s->input_steps);
		merged.upstream_steps = bms_add_members(merged.upstream_steps, s->upstream_steps);
		merged.sources = list_concat_unique(merged.sources, s->sources);
	}
	if (!pg_md5_hash(sql, strlen(sql), md5, &errstr))
		elog(ERROR, "could not compute MD5: %s", errstr);
	lineage_write(plan, &merged, schema, name, md5, relid);
}

/*
 * lineage_write builds the lineage of a result from a step's provenance and
 * records it.
 */
static void
lineage_write(HPlan *plan, PlanStep *step, const char *schema, const char *name,
			  const char *fingerprint, Oid relid)
{
	StringInfoData inputs,
				upstream,
				sources;
	int			m;
	ListCell   *lc;

	initStringInfo(&inputs);
	appendStringInfoChar(&inputs, '{');
	m = -1;
	while ((m = bms_next_member(step->input_steps, m)) >= 0)
	{
		PlanStep   *is = &plan->steps[m];

		if (inputs.len > 1)
			appendStringInfoChar(&inputs, ',');
		escape_json(&inputs, plan->dag->nodes[is->node].name);
		appendStringInfoChar(&inputs, ':');
		if (is->json_kind == 0)
			appendStringInfoString(&inputs, "\"(default)\"");
		else if (is->json_kind == JSON_KIND_STRING)
			escape_json(&inputs, is->json_text);
		else if (is->json_kind == JSON_KIND_NULL)
			appendStringInfoString(&inputs, "null");
		else
			appendStringInfoString(&inputs, is->json_text);
	}
	appendStringInfoChar(&inputs, '}');

	initStringInfo(&upstream);
	appendStringInfoChar(&upstream, '[');
	m = -1;
	while ((m = bms_next_member(step->upstream_steps, m)) >= 0)
	{
		PlanStep   *us = &plan->steps[m];

		if (upstream.len > 1)
			appendStringInfoChar(&upstream, ',');
		appendStringInfoString(&upstream, "{\"node\":");
		escape_json(&upstream, plan->dag->nodes[us->node].display);
		appendStringInfoString(&upstream, ",\"relation\":");
		if (us->result_table || us->relation)
			escape_json(&upstream, us->result_table ? us->result_table : us->relation);
		else
			appendStringInfoString(&upstream, "null");
		if (us->action == STEP_OVERRIDE)
			appendStringInfoString(&upstream, ",\"overridden\":true}");
		else
			appendStringInfo(&upstream, ",\"run_id\":" INT64_FORMAT "}", plan->run_id);
	}
	appendStringInfoChar(&upstream, ']');

	initStringInfo(&sources);
	appendStringInfoChar(&sources, '[');
	if (step->action == STEP_OVERRIDE && step->relation)
	{
		escape_json(&sources, step->relation);
		appendStringInfoChar(&sources, step->sources ? ',' : ' ');
	}
	foreach(lc, step->sources)
	{
		if (sources.len > 1)
			appendStringInfoChar(&sources, ',');
		escape_json(&sources, strVal(lfirst(lc)));
	}
	appendStringInfoChar(&sources, ']');

	catalog_write_result(schema, name, relid, plan->run_id, fingerprint,
						 inputs.data, upstream.data, sources.data);
}
