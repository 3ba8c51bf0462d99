/*-------------------------------------------------------------------------
 *
 * frame_plan.c
 *	  A plan's column steps, grouped by frame, and running each group's
 *	  compiled query into its tables.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include <limits.h>
#include "executor/spi.h"
#include "common/md5.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/bitmapset.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "catalog.h"
#include "dag.h"
#include "materialize.h"
#include "plan.h"
#include "runlog.h"
#include "sqlparse.h"

static void run_own_targets(HPlan *plan, FrameGroup *g, List *own, const char *keys);

/* Columns per query when each target gets its own table (max 1,600 per table). */
#define FRAME_CHUNK 1000

/*
 * plan_frame_groups gathers a plan's column steps by frame and picks each
 * group's targets: the requested columns, and the columns that a table
 * node reads as a relation.
 */
void
plan_frame_groups(HPlan *plan)
{
	Dag		   *dag = plan->dag;
	int		   *by_request;
	int			i;

	/* at most one main group per frame, and one per column read as a table */
	plan->groups = palloc0(sizeof(FrameGroup) * Max(2 * plan->nsteps, 1));
	plan->ngroups = 0;
	for (i = 0; i < plan->nsteps; i++)
	{
		PlanStep   *step = &plan->steps[i];
		HNode	   *node = &dag->nodes[step->node];
		int			k,
					gi,
					main = -1;
		bool		read_as_relation = false;
		bool		kept = node->persist && !step->requested;

		step->group = -1;
		if (node->kind != HNODE_COLUMN || step->action == STEP_OVERRIDE)
			continue;
		step->action = STEP_COLUMN;
		for (gi = 0; gi < plan->ngroups; gi++)
			if (!plan->groups[gi].solo &&
				plan->steps[plan->groups[gi].frame_step].node == node->frame)
				main = gi;
		if (main < 0)
		{
			main = plan->ngroups++;
			plan->groups[main].frame_step = plan->step_of_node[node->frame];
			plan->groups[main].run_at = -1;
		}
		step->group = main;

		for (k = dag->down_start[step->node]; k < dag->down_start[step->node + 1]; k++)
		{
			int			c = dag->down_list[k];

			if (plan->step_of_node[c] >= 0 && dag->nodes[c].kind != HNODE_COLUMN &&
				plan->steps[plan->step_of_node[c]].action != STEP_OVERRIDE)
				read_as_relation = true;
		}
		if (!(step->requested || read_as_relation || kept || (node->checks && !step->requested)))
			continue;
		step->column_target = true;

		/* a requested column (without into_table) and a kept one get their own table */
		if ((step->requested && plan->into_table == NULL) || kept)
			step->result_table = quote_qualified_identifier(node->schema, node->name);
		if (step->result_table)
			step->relation = step->result_table;
		else if (read_as_relation || !step->requested)
		{
			step->temp_name = psprintf("hamilton_%d_%s", i + 1, node->name);
			step->relation = psprintf("pg_temp.%s", quote_identifier(step->temp_name));
		}

		if (read_as_relation)
		{
			/*
			 * A table node reads it, possibly before the main group's query
			 * runs: its own query runs at its own step.
			 */
			FrameGroup *solo = &plan->groups[plan->ngroups];

			step->group = plan->ngroups++;
			solo->solo = true;
			solo->frame_step = plan->groups[main].frame_step;
			solo->run_at = i;
			solo->targets = list_make1_int(i);
			solo->temp_name = psprintf("hamilton_frame_%d", i + 1);
		}
		if (step->requested || !read_as_relation)
			plan->groups[main].run_at = Max(plan->groups[main].run_at, i);
	}

	/* a main group's targets: requested ones in request order, then the others */
	by_request = palloc(sizeof(int) * Max(list_length(plan->output_names), 1));
	for (i = 0; i < list_length(plan->output_names); i++)
		by_request[i] = -1;
	for (i = 0; i < plan->nsteps; i++)
		if (plan->steps[i].group >= 0 && plan->steps[i].requested)
			by_request[plan->steps[i].request_pos] = i;
	for (i = 0; i < plan->ngroups; i++)
	{
		FrameGroup *g = &plan->groups[i];
		HNode	   *frame = &plan->dag->nodes[plan->steps[g->frame_step].node];
		int			pos,
					s;

		if (g->solo)
			continue;
		for (pos = 0; pos < list_length(plan->output_names); pos++)
		{
			PlanStep   *t;

			if (by_request[pos] < 0)
				continue;
			t = &plan->steps[by_request[pos]];
			/* with into_table, a column also read as a table goes there too */
			if (t->group == i || (plan->into_table && dag->nodes[t->node].frame == plan->steps[g->frame_step].node))
				g->targets = lappend_int(g->targets, by_request[pos]);
		}
		for (s = 0; s < plan->nsteps; s++)
			if (plan->steps[s].group == i && plan->steps[s].column_target &&
				!plan->steps[s].requested)
				g->targets = lappend_int(g->targets, s);
		g->temp_name = psprintf("hamilton_frame_%d", g->frame_step + 1);
		if (plan->into_table)
		{
			char	   *schema,
					   *name;

			parse_node_name(plan->into_table, &schema, &name, false);
			g->into_schema = schema ? schema : frame->schema;
			g->into_name = name;
			g->into_display = quote_qualified_identifier(g->into_schema, g->into_name);
		}
	}
}

/* The statement that computes targets into their table(s), for explain. */
static void
explain_line(StringInfo buf, const char *what, const char *sql)
{
	appendStringInfo(buf, "%s\n%s\n", what, sql);
}

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

	initStringInfo(&keys);
	for (k = 0; k < frame->nkey; k++)
		appendStringInfo(&keys, "%s%s", k ? ", " : "", quote_identifier(frame->key[k]));

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
			rows = materialize_result(g->into_schema, g->into_name, sql, NULL,
									  g->into_display, &relid);
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
	foreach(lc, g->targets)
		if (!(g->into_name && plan->steps[lfirst_int(lc)].requested))
			own = lappend_int(own, lfirst_int(lc));
	if (own == NIL)
		return;

	/* a table holds at most 1,600 columns: split in chunks */
	while (list_length(own) > FRAME_CHUNK)
	{
		run_own_targets(plan, g, list_copy_head(own, FRAME_CHUNK), keys.data);
		own = list_copy_tail(own, FRAME_CHUNK);
	}
	run_own_targets(plan, g, own, keys.data);
}

/*
 * run_own_targets computes targets into their own tables: directly for one,
 * through one temporary table (one query) for several.
 */
static void
run_own_targets(HPlan *plan, FrameGroup *g, List *own, const char *keys)
{
	ListCell   *lc;

	if (list_length(own) > 1)
		(void) materialize_temp(g->temp_name, frame_compile(plan, g, own, false));
	foreach(lc, own)
	{
		int			s = lfirst_int(lc);
		PlanStep   *t = &plan->steps[s];
		HNode	   *node = &plan->dag->nodes[t->node];
		char	   *sql;
		Oid			relid;

		sql = list_length(own) > 1 ?
			psprintf("SELECT %s, %s FROM pg_temp.%s", keys, quote_identifier(node->name),
					 quote_identifier(g->temp_name)) :
			frame_compile(plan, g, own, false);
		if (t->temp_name == NULL)
		{
			t->rows = materialize_result(node->schema, node->name, sql, node->doc,
										 node->display, &relid);
			t->status = "materialized";
			lineage_record(plan, s, relid);
		}
		else
		{
			t->rows = materialize_temp(t->temp_name, sql);
			t->status = "temporary";
		}
		t->has_rows = true;
		checks_run(plan, s, t->relation);
	}
	if (list_length(own) > 1)
		materialize_drop_temp(g->temp_name);
}

/* frame_explain describes what a group's run_at step runs. */
char *
frame_explain(HPlan *plan, FrameGroup *g)
{
	StringInfoData buf;
	List	   *requested = NIL,
			   *own = NIL;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, g->targets)
	{
		if (g->into_name && plan->steps[lfirst_int(lc)].requested)
			requested = lappend_int(requested, lfirst_int(lc));
		else
			own = lappend_int(own, lfirst_int(lc));
	}
	if (requested)
		explain_line(&buf, psprintf("-- one query into %s:", g->into_display),
					 frame_compile(plan, g, requested, true));
	if (own)
	{
		StringInfoData names;

		initStringInfo(&names);
		foreach(lc, own)
		{
			PlanStep   *t = &plan->steps[lfirst_int(lc)];

			appendStringInfo(&names, "%s%s", names.len ? ", " : "",
							 t->requested ? t->result_table : t->relation);
		}
		if (list_length(own) > FRAME_CHUNK)
			appendStringInfo(&buf, "-- %d columns: one query per %d columns; the first:\n",
							 list_length(own), FRAME_CHUNK);
		explain_line(&buf, list_length(own) > 1 ?
					 psprintf("-- one query, split into %s:", names.data) :
					 psprintf("-- one query into %s:", names.data),
					 frame_compile(plan, g, list_length(own) > FRAME_CHUNK ?
								   list_copy_head(own, FRAME_CHUNK) : own, true));
	}
	if (buf.len > 0 && buf.data[buf.len - 1] == '\n')
		buf.data[--buf.len] = '\0';
	return buf.data;
}
