/*-------------------------------------------------------------------------
 *
 * validate.c
 *	  plan_validate: the closure of the requested outputs, every check of
 *	  it, its order, and the plan's steps.
 *
 * plan_validate walks the upstream closure of the requested outputs (an
 * override cuts it), checks every node, edge, input and override in it, and
 * sorts it topologically with deterministic ties (by node name).  It never
 * stops at the first problem: all of them are collected, so one error (or
 * one hamilton_validate listing) tells the user everything to fix.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"

#include "validate.h"

static void init_state(ValidateState *st, HPlan *plan);
static void walk_closure(ValidateState *st, List *output_idx);
static List *module_override_report(ValidateState *st);

/*
 * plan_validate returns the plan for a request, with plan->problems set
 * when it cannot run.  Only steps are built when there are no problems.
 */
HPlan *
plan_validate(Dag *dag, List *outputs, Jsonb *inputs, Jsonb *overrides,
			  Jsonb *config, const char *into_table)
{
	ValidateState st;
	HPlan	   *plan = palloc0(sizeof(HPlan));
	int			n = dag->nnodes;
	int		   *order;
	int			count,
				nclosure = 0,
				i;
	HProblem   *cycle;
	List	   *output_idx = NIL;
	List	   *missing = NIL;
	StringInfoData missing_detail;

	plan->dag = dag;
	plan->output_names = outputs;
	plan->inputs = inputs;
	plan->overrides = overrides;
	plan->config = config;
	plan->into_table = into_table;

	init_state(&st, plan);
	(void) validate_object_argument(&st, config, "config");
	validate_outputs(&st, outputs);
	validate_overrides(&st);
	validate_input_names(&st);

	for (i = 0; i < n; i++)
		if (st.requested[i])
			output_idx = lappend_int(output_idx, i);
	walk_closure(&st, output_idx);
	dag_build_downstream(dag);
	validate_column_outputs(&st);

	initStringInfo(&missing_detail);
	for (i = 0; i < n; i++)
	{
		if (!st.in_closure[i])
			continue;
		nclosure++;
		if (dag->nodes[i].kind == HNODE_INPUT)
		{
			/* range_start and range_end of an incremental node (incremental.c) */
			if (!validate_incremental_input(&st, i))
				validate_input(&st, i, &missing_detail, &missing);
		}
		else
			validate_node(&st, i);
	}
	if (missing != NIL)
	{
		StringInfoData names,
					example;
		ListCell   *lc;
		int			k = 0;

		/* name them all up to a point; thousands help nobody */
		initStringInfo(&names);
		initStringInfo(&example);
		foreach(lc, missing)
		{
			if (k++ == MAX_LISTED)
			{
				appendStringInfo(&names, " and %d more", list_length(missing) - MAX_LISTED);
				break;
			}
			appendStringInfo(&names, "%s%s", names.len ? ", " : "", (char *) lfirst(lc));
			appendStringInfo(&example, "%s\"%s\": ...", example.len ? ", " : "", (char *) lfirst(lc));
		}
		validate_add_problem(&st, problem_make("missing_input", ERRCODE_UNDEFINED_PARAMETER, NULL,
									  psprintf("missing input%s: %s", list_length(missing) > 1 ? "s" : "", names.data),
									  missing_detail.data,
									  st.missing_modules == NIL ?
									  psprintf("Pass %s in inputs => '{%s}'.",
											   list_length(missing) > 1 ? "them" : "it", example.data) :
									  psprintf("Pass %s in inputs => '{%s}', or, to read the nodes of other modules, name the run's modules: modules => %s.",
											   list_length(missing) > 1 ? "them" : "it", example.data,
											   dag_modules_suggestion(dag, st.missing_modules))));
	}

	validate_checks(&st);
	validate_frame_paths(&st);
	validate_incremental_nodes(&st);

	plan->module_overrides = module_override_report(&st);
	order = dag_order(dag, st.in_closure, st.overridden, nclosure, &count, &cycle);
	if (cycle)
		validate_add_problem(&st, cycle);
	plan->problems = st.problems;
	if (st.problems != NIL)
		return plan;

	/* Build the steps, in order. */
	plan->nsteps = count;
	plan->steps = palloc0(sizeof(PlanStep) * Max(count, 1));
	plan->step_of_node = palloc(sizeof(int) * Max(n, 1));
	for (i = 0; i < n; i++)
		plan->step_of_node[i] = -1;
	for (i = 0; i < count; i++)
	{
		PlanStep   *step = &plan->steps[i];
		int			idx = order[i];

		plan->step_of_node[idx] = i;
		step->node = idx;
		step->requested = st.requested[idx];
		step->request_pos = st.request_pos[idx];
		step->group = -1;
		step->inline_into = -1;
		if (st.overridden[idx])
		{
			step->action = STEP_OVERRIDE;
			step->json_text = st.value_text[idx];
			step->json_kind = st.value_kind[idx];
			step->relation = st.override_relation[idx];
			step->literal = st.override_literal[idx];
			step->valtype = dag->nodes[idx].rettype;
		}
		else if (dag->nodes[idx].kind == HNODE_INPUT)
		{
			step->action = STEP_INPUT;
			step->json_text = st.value_text[idx];
			step->json_kind = st.has_value[idx] ? st.value_kind[idx] : 0;
			step->valtype = st.input_type[idx];
			step->literal = st.input_literal[idx];
		}
	}
	/* Count each step's consumers within the plan. */
	for (i = 0; i < count; i++)
	{
		HNode	   *node = &dag->nodes[plan->steps[i].node];
		int			d;

		if (plan->steps[i].action == STEP_OVERRIDE)
			continue;
		for (d = 0; d < node->ndeps; d++)
		{
			int			t = plan->step_of_node[node->deps[d].target];
			int			e;
			bool		seen = false;

			for (e = 0; e < d; e++)
				if (node->deps[e].target == node->deps[d].target)
					seen = true;
			if (!seen)
				plan->steps[t].nconsumers++;
		}
	}
	return plan;
}

/* init_state starts a validation of plan's request. */
static void
init_state(ValidateState *st, HPlan *plan)
{
	int			n = Max(plan->dag->nnodes, 1);

	memset(st, 0, sizeof(*st));
	st->plan = plan;
	st->dag = plan->dag;
	st->in_closure = palloc0(sizeof(bool) * n);
	st->overridden = palloc0(sizeof(bool) * n);
	st->requested = palloc0(sizeof(bool) * n);
	st->request_pos = palloc0(sizeof(int) * n);
	st->value_text = palloc0(sizeof(char *) * n);
	st->value_kind = palloc0(sizeof(char) * n);
	st->has_value = palloc0(sizeof(bool) * n);
	st->override_relation = palloc0(sizeof(char *) * n);
	st->override_literal = palloc0(sizeof(char *) * n);
	st->input_type = palloc0(sizeof(Oid) * n);
	st->input_literal = palloc0(sizeof(char *) * n);
}

/*
 * plan_closure_nodes returns the nodes (indexes, in node order) that a
 * request of outputs needs, an override cutting the closure, whatever
 * problems the request has: the upgrade to 1.1 gives each schedule the
 * modules of the nodes its dataflow used.
 */
List *
plan_closure_nodes(Dag *dag, List *outputs, Jsonb *overrides)
{
	ValidateState st;
	HPlan	   *plan = palloc0(sizeof(HPlan));
	List	   *output_idx = NIL,
			   *closure = NIL;
	int			i;

	plan->dag = dag;
	plan->overrides = overrides;
	init_state(&st, plan);
	validate_outputs(&st, outputs);
	validate_overrides(&st);
	for (i = 0; i < dag->nnodes; i++)
		if (st.requested[i])
			output_idx = lappend_int(output_idx, i);
	walk_closure(&st, output_idx);
	for (i = 0; i < dag->nnodes; i++)
		if (st.in_closure[i])
			closure = lappend_int(closure, i);
	return closure;
}

/*
 * walk_closure marks every node the outputs need, breadth first with an
 * explicit queue.  An overridden node is needed, its upstream is not.
 */
static void
walk_closure(ValidateState *st, List *output_idx)
{
	int			n = st->dag->nnodes;
	int		   *queue = palloc(sizeof(int) * Max(n, 1));
	int			head = 0,
				tail = 0;
	ListCell   *lc;

	foreach(lc, output_idx)
	{
		int			i = lfirst_int(lc);

		if (!st->in_closure[i])
		{
			st->in_closure[i] = true;
			queue[tail++] = i;
		}
	}
	while (head < tail)
	{
		int			i = queue[head++];
		HNode	   *node = &st->dag->nodes[i];
		int			d;

		CHECK_FOR_INTERRUPTS();
		if (st->overridden[i])
			continue;
		for (d = 0; d < node->ndeps; d++)
		{
			int			t = node->deps[d].target;

			if (!st->in_closure[t])
			{
				st->in_closure[t] = true;
				queue[tail++] = t;
			}
		}
	}
	pfree(queue);
}

/*
 * module_override_report describes what module_overrides chose for the
 * nodes this run needs: "h2.spend (over h.spend) for h2.report", one line
 * per name and consumer, in node order.
 */
static List *
module_override_report(ValidateState *st)
{
	List	   *lines = NIL;
	ListCell   *lc;

	foreach(lc, st->dag->overrides)
	{
		DagOverride *o = lfirst(lc);
		char	   *line;

		if (o->consumer >= 0 && (!st->in_closure[o->consumer] || st->overridden[o->consumer]))
			continue;
		if (o->consumer < 0 && !st->requested[o->chosen] && !st->overridden[o->chosen])
			continue;
		line = psprintf("%s (over %s) for %s", st->dag->nodes[o->chosen].display, o->displaced,
						o->consumer >= 0 ? st->dag->nodes[o->consumer].display :
						psprintf("\"%s\"", o->name));
		if (!list_member(lines, makeString(line)))
			lines = lappend(lines, makeString(line));
	}
	return lines;
}