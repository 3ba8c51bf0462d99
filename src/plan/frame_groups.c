/*-------------------------------------------------------------------------
 *
 * frame_groups.c
 *	  A plan's column steps, grouped by frame: which columns each group's
 *	  compiled query computes (its targets), into which tables, and at which
 *	  step it runs.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "plan.h"

static void plan_into_parts(HPlan *plan);

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
		/* tagged materialize = table: its own table, an into_table's column too */
		bool		kept = node->persist && (!step->requested || plan->into_table != NULL);

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
			/* (frames) a join of frames reads it as a table (key + column) */
			if (plan->step_of_node[c] >= 0 && dag->nodes[c].kind == HNODE_COLUMN &&
				dag->nodes[c].frame >= 0 && dag->nodes[c].frame != node->frame &&
				dag->nodes[dag->nodes[c].frame].join_bases != NULL &&
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
			step->temp_name = temp_table_name(NULL, i + 1, node->name);
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
	plan_into_parts(plan);
}

/*
 * plan_into_parts (frames): into_table collecting the columns of several
 * frames of one key (validate/outputs.c) gets a part from each frame's
 * group, a temporary table of the key and its requested columns; the
 * group that runs last writes into_table as their FULL JOIN on the key, as
 * pandas builds one DataFrame of series of several indexes.  A bare
 * into_table name goes to the first frame's module.
 */
static void
plan_into_parts(HPlan *plan)
{
	int			i,
				nparts = 0,
				last = -1;
	FrameGroup *first = NULL;
	bool	   *part = palloc0(sizeof(bool) * Max(plan->ngroups, 1));

	for (i = 0; i < plan->ngroups; i++)
	{
		FrameGroup *g = &plan->groups[i];
		ListCell   *lc;

		if (g->solo || g->into_name == NULL)
			continue;
		foreach(lc, g->targets)
			part[i] |= plan->steps[lfirst_int(lc)].requested;
		if (!part[i])
			continue;
		nparts++;
		if (first == NULL)
			first = g;
		if (last < 0 || g->run_at > plan->groups[last].run_at)
			last = i;
	}
	if (nparts < 2)
		return;
	for (i = 0; i < plan->ngroups; i++)
	{
		FrameGroup *g = &plan->groups[i];

		if (!part[i])
			continue;
		g->into_schema = first->into_schema;
		g->into_display = first->into_display;
		g->into_part = temp_table_name("into", i + 1, NULL);
		g->into_last = i == last;
	}
}
