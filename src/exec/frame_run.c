/*-------------------------------------------------------------------------
 *
 * frame_run.c
 *	  Running a frame group's compiled query into its tables: into_table
 *	  (the requested columns as one table), and each other target into its
 *	  own table (key + column).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "exec.h"

static void drop_into_parts(HPlan *plan);
static void run_own_targets(HPlan *plan, FrameGroup *g, List *own, const char *keys,
							bool *keys_checked);

/*
 * (review2) The target whose own table run_own_targets is writing or
 * checking, in which run and at which group step; -1 between targets.
 */
static int	writing_step = -1;
static int64 writing_run = 0;
static int	writing_at = -1;

/*
 * frame_run_group runs a frame group's compiled query at its run_at step:
 * into into_table (the requested columns as one table), and each other
 * target into its own table (key + column): directly when there is one,
 * else split from one temporary table so the query runs once.
 */
void
frame_run_group(HPlan *plan, FrameGroup *g)
{
	List	   *own = NIL;
	ListCell   *lc;
	HNode	   *frame = &plan->dag->nodes[plan->steps[g->frame_step].node];
	StringInfoData keys;
	int			k;
	bool		keys_checked = false;

	writing_step = -1;
	writing_run = plan->run_id;
	writing_at = g->run_at;
	initStringInfo(&keys);
	for (k = 0; k < frame->nkey; k++)
		appendStringInfo(&keys, "%s%s", k ? ", " : "", quote_identifier(frame->key[k]));
	/* a key unique by construction needs no probe (frame_keys.c) */
	keys_checked = frame_check_columns(frame, plan->steps[g->frame_step].sql);

	if (g->into_name)
	{
		List	   *requested = NIL;
		Oid			relid;
		uint64		rows;
		char	   *sql;

		foreach(lc, g->targets)
			if (plan->steps[lfirst_int(lc)].requested)
				requested = lappend_int(requested, lfirst_int(lc));
		if (requested != NIL)
		{
			sql = frame_compile(plan, g, requested, false);
			if (g->into_part)
			{
				/* (frames) one frame's part of into_table; the last joins them */
				(void) materialize_temp(g->into_part, sql);
				if (!keys_checked)
					frame_refuse_duplicate_keys(frame, psprintf("pg_temp.%s", quote_identifier(g->into_part)));
				keys_checked = true;
				if (g->into_last)
					sql = plan_frame_into_sql(plan, keys.data, &requested);
			}
		}
		if (requested != NIL && (g->into_part == NULL || g->into_last))
		{
			rows = materialize_result(g->into_schema, g->into_name, sql, NULL,
									  g->into_display, NIL, &relid);
			/* parts of one key each, but NULL keys of two parts are two rows */
			if (!keys_checked || g->into_part)
				frame_refuse_duplicate_keys(frame, swap_reading(g->into_display));
			keys_checked = true;
			if (g->into_part)
				drop_into_parts(plan);
			foreach(lc, requested)
			{
				PlanStep   *t = &plan->steps[lfirst_int(lc)];

				t->rows = rows;
				t->has_rows = true;
				t->status = "materialized";
				t->result_table = g->into_display;
			}
			lineage_record_into(plan, requested, g->into_schema, g->into_name, sql, relid);
			foreach(lc, requested)
				checks_run(plan, lfirst_int(lc), g->into_display);
		}
	}
	/* the others, and one tagged materialize = table, into their own tables */
	foreach(lc, g->targets)
		if (!(g->into_name && plan->steps[lfirst_int(lc)].requested) ||
			plan->dag->nodes[plan->steps[lfirst_int(lc)].node].persist)
			own = lappend_int(own, lfirst_int(lc));
	if (own == NIL)
		return;

	/* a table holds at most 1,600 columns: split in chunks */
	while (list_length(own) > FRAME_CHUNK)
	{
		run_own_targets(plan, g, list_copy_head(own, FRAME_CHUNK), keys.data, &keys_checked);
		own = list_copy_tail(own, FRAME_CHUNK);
	}
	run_own_targets(plan, g, own, keys.data, &keys_checked);
}

/* drop_into_parts (frames) drops into_table's parts once it is written. */
static void
drop_into_parts(HPlan *plan)
{
	int			i;

	for (i = 0; i < plan->ngroups; i++)
		if (plan->groups[i].into_part)
			materialize_drop_temp(plan->groups[i].into_part);
}

/*
 * run_own_targets computes targets into their own tables: directly for one;
 * for several, by one run of the query (frame_split_run), whose rows go
 * straight into the heap of each target that the bulk path writes
 * (materialize_direct_begin), and into part tables for the others, each
 * then read from its part.  The first table written shows whether the
 * frame's key is on one row (*keys_checked).
 */
static void
run_own_targets(HPlan *plan, FrameGroup *g, List *own, const char *keys,
				bool *keys_checked)
{
	ListCell   *lc;
	char	  **parts = NULL;
	int			nparts = 0,
				pos = 0,
				other = 0,
				j;
	HNode	   *frame = &plan->dag->nodes[plan->steps[g->frame_step].node];
	DirectResult *direct = palloc0(sizeof(DirectResult) * list_length(own));
	uint64		rows = 0;

	if (list_length(own) > 1)
	{
		FrameSplit *fs = frame_split_begin(frame_compile(plan, g, own, false), frame->nkey,
										   list_length(own));

		foreach(lc, own)
		{
			PlanStep   *t = &plan->steps[lfirst_int(lc)];
			HNode	   *node = &plan->dag->nodes[t->node];

			CHECK_FOR_INTERRUPTS();
			if (t->temp_name == NULL &&
				materialize_direct_begin(node->schema, node->name, frame_split_desc(fs, pos),
										 node->doc, node->display, NODE_REFRESH_KEY(node),
										 &direct[pos]))
				frame_split_direct(fs, pos, direct[pos].heap, direct[pos].qname);
			pos++;
		}
		parts = frame_split_run(fs, g->frame_step + 1, &nparts, &rows);
		if (!*keys_checked && nparts > 0)
		{
			frame_refuse_duplicate_keys(frame, psprintf("pg_temp.%s", quote_identifier(parts[0])));
			*keys_checked = true;
		}
	}
	pos = 0;
	foreach(lc, own)
	{
		int			s = lfirst_int(lc);
		PlanStep   *t = &plan->steps[s];
		HNode	   *node = &plan->dag->nodes[t->node];
		DirectResult *d = &direct[pos++];
		char	   *sql;
		Oid			relid;

		CHECK_FOR_INTERRUPTS();
		writing_step = s;
		if (OidIsValid(d->heap))
		{
			/* written by frame_split_run */
			materialize_direct_end(d, rows, &relid);
			t->rows = rows;
			t->status = "materialized";
			lineage_record(plan, s, relid);
			t->relation = (char *) swap_reading(t->relation);
		}
		else
		{
			sql = parts ?
				psprintf("SELECT %s, %s FROM pg_temp.%s", keys, quote_identifier(node->name),
						 quote_identifier(parts[other++ / FRAME_PART_WIDTH])) :
				frame_compile(plan, g, own, false);
			if (t->temp_name == NULL)
			{
				t->rows = materialize_result(node->schema, node->name, sql, node->doc,
											 node->display, NODE_REFRESH_KEY(node), &relid);
				t->status = "materialized";
				lineage_record(plan, s, relid);
				t->relation = (char *) swap_reading(t->relation);
			}
			else
			{
				t->rows = materialize_temp(t->temp_name, sql);
				t->status = "temporary";
			}
		}
		if (!*keys_checked)
			frame_refuse_duplicate_keys(frame, t->relation);
		*keys_checked = true;
		t->has_rows = true;
		checks_run(plan, s, t->relation);
		writing_step = -1;
	}
	for (j = 0; j < nparts; j++)
		materialize_drop_temp(parts[j]);
}

/*
 * frame_run_failed_step is the step to name for an error raised at step
 * stepno: the target whose own table its frame group was writing or
 * checking (a constraint of that table, its checks), else stepno itself.
 */
int
frame_run_failed_step(HPlan *plan, int stepno)
{
	int			failed = stepno;

	if (writing_step >= 0 && writing_run == plan->run_id && writing_at == stepno &&
		writing_step < plan->nsteps)
		failed = writing_step;
	writing_step = -1;
	return failed;
}
