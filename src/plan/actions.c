/*-------------------------------------------------------------------------
 *
 * actions.c
 *	  Deciding what each step of a validated plan does.
 *
 * Requested outputs (and nodes declared with materialize => 'table' or
 * tagged so, of every kind: a scalar's table has one row) become tables in
 * their module's schema.  An intermediate table node read by exactly one
 * SQL node, once, is inlined there as a subquery, so PostgreSQL plans the
 * pair as one query, as it would a view; chains of inlined nodes are cut
 * every hamilton.max_inline_depth levels to keep planning cheap.  Every
 * other intermediate goes to a temporary table that lives only for the
 * run, and so does an intermediate with checks, which must see its rows
 * (exec/data_checks.c): it is never inlined, nor left a frame's source read
 * only inside its columns' query.  A scalar node is evaluated once and
 * passed on as a literal.  Column nodes are grouped by frame
 * (frame_groups.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "plan.h"

static int	only_consumer(HPlan *plan, int stepno);
static bool inlinable_into(HPlan *plan, int stepno, int consumer);
static bool needs_named_relation(HPlan *plan, int stepno);
static bool read_only_by_columns(HPlan *plan, int stepno);

/*
 * plan_choose_actions decides, in plan order, what each step does.
 */
void
plan_choose_actions(HPlan *plan)
{
	Dag		   *dag = plan->dag;
	int			i;

	dag_build_downstream(dag);
	plan_frame_groups(plan);
	for (i = 0; i < plan->nsteps; i++)
	{
		PlanStep   *step = &plan->steps[i];
		HNode	   *node = &dag->nodes[step->node];
		int			consumer;

		if (step->action == STEP_INPUT || step->action == STEP_COLUMN)
			continue;
		/*
		 * A requested node has its table; so has one tagged materialize =
		 * table (a scalar's is a one-row table), an override's included.
		 */
		if (step->requested || node->persist ||
			(step->action == STEP_OVERRIDE && needs_named_relation(plan, i)))
			step->result_table = quote_qualified_identifier(node->schema, node->name);
		if (step->action == STEP_OVERRIDE)
			continue;
		if (node->kind == HNODE_SCALAR)
		{
			step->action = STEP_VALUE;
			continue;
		}

		if (step->requested || node->persist || needs_named_relation(plan, i))
		{
			step->action = STEP_PERSIST;
			step->result_table = quote_qualified_identifier(node->schema, node->name);
			step->relation = step->result_table;
			continue;
		}

		/* a frame with checks is kept for them (below), not only read by its columns' query */
		if (node->checks == NULL && read_only_by_columns(plan, i))
		{
			step->action = STEP_FRAME;
			continue;
		}

		/* a node with checks is kept where they can read it: never inlined */
		consumer = only_consumer(plan, i);
		if (hamilton_inline_intermediates && node->checks == NULL && consumer >= 0 &&
			inlinable_into(plan, i, consumer) &&
			step->inline_depth + 1 <= hamilton_max_inline_depth)
		{
			PlanStep   *cs = &plan->steps[consumer];

			step->action = STEP_INLINE;
			step->inline_into = consumer;
			cs->inline_depth = Max(cs->inline_depth, step->inline_depth + 1);
			continue;
		}

		step->action = STEP_TEMP;
		step->temp_name = temp_table_name(NULL, i + 1, node->name);
		step->relation = psprintf("pg_temp.%s", quote_identifier(step->temp_name));
	}
}

/* only_consumer returns the one step that reads this one, or -1. */
static int
only_consumer(HPlan *plan, int stepno)
{
	Dag		   *dag = plan->dag;
	int			n = plan->steps[stepno].node;
	int			k,
				found = -1;

	if (plan->steps[stepno].nconsumers != 1)
		return -1;
	for (k = dag->down_start[n]; k < dag->down_start[n + 1]; k++)
	{
		int			s = plan->step_of_node[dag->down_list[k]];

		if (s >= 0 && plan->steps[s].action != STEP_OVERRIDE)
			found = s;
	}
	return found;
}

/*
 * inlinable_into: the consumer is a SQL node of the same module (its SQL
 * will run under the same search_path) that names this step's node exactly
 * once, at a place where a subquery may stand.
 */
static bool
inlinable_into(HPlan *plan, int stepno, int consumer)
{
	HNode	   *cnode = &plan->dag->nodes[plan->steps[consumer].node];
	HNode	   *node = &plan->dag->nodes[plan->steps[stepno].node];
	int			target = plan->steps[stepno].node;
	int			d,
				refs = 0;

	if (cnode->kind != HNODE_QUERY || strcmp(cnode->schema, node->schema) != 0)
		return false;
	for (d = 0; d < cnode->ndeps; d++)
	{
		HDep	   *dep = &cnode->deps[d];

		if (dep->target != target)
			continue;
		if (dep->via != VIA_RELATION || !cnode->refs[dep->index].inlinable)
			return false;
		refs++;
	}
	return refs == 1;
}

/*
 * read_only_by_columns: a frame whose only readers in the plan are its
 * column nodes is the source of their compiled query, not a step of its own.
 */
static bool
read_only_by_columns(HPlan *plan, int stepno)
{
	Dag		   *dag = plan->dag;
	int			n = plan->steps[stepno].node;
	int			k;
	bool		any = false;

	if (dag->nodes[n].nkey == 0)
		return false;
	for (k = dag->down_start[n]; k < dag->down_start[n + 1]; k++)
	{
		int			s = plan->step_of_node[dag->down_list[k]];

		if (s < 0)
			continue;
		if (plan->steps[s].action != STEP_COLUMN)
			return false;
		any = true;
	}
	return any;
}

/*
 * needs_named_relation: a consumer that only declares the dependency (and
 * reads the result some other way, e.g. inside a function) needs it under
 * its own name, so the node is materialized in its schema.
 */
static bool
needs_named_relation(HPlan *plan, int stepno)
{
	Dag		   *dag = plan->dag;
	int			n = plan->steps[stepno].node;
	int			k,
				d;

	for (k = dag->down_start[n]; k < dag->down_start[n + 1]; k++)
	{
		int			c = dag->down_list[k];
		HNode	   *cnode = &dag->nodes[c];

		if (plan->step_of_node[c] < 0 ||
			plan->steps[plan->step_of_node[c]].action == STEP_OVERRIDE)
			continue;
		for (d = 0; d < cnode->ndeps; d++)
			if (cnode->deps[d].target == n && cnode->deps[d].via == VIA_DECLARED)
				return true;
	}
	return false;
}
