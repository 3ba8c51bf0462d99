/*-------------------------------------------------------------------------
 *
 * planner.c
 *	  Deciding what each step of a validated plan does, and the SQL it runs.
 *
 * Requested outputs (and nodes declared with materialize => 'table') become
 * tables in their module's schema.  An intermediate table node read by
 * exactly one SQL node, once, is inlined there as a subquery, so PostgreSQL
 * plans the pair as one query, as it would a view; chains of inlined nodes
 * are cut every hamilton.max_inline_depth levels to keep planning cheap.
 * Every other intermediate goes to a temporary table that lives only for
 * the run.  A scalar node is evaluated once and passed on as a literal.
 *
 * Each step's SQL is rendered when its turn comes (in plan order), from the
 * node's definition with every reference to an upstream node spliced to
 * where that node's result lives, so nothing here recurses over the graph.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "catalog.h"
#include "hamilton.h"
#include "plan.h"
#include "sqlparse.h"

PG_FUNCTION_INFO_V1(hamilton_explain);

static int	only_consumer(HPlan *plan, int stepno);
static bool inlinable_into(HPlan *plan, int stepno, int consumer);
static bool needs_named_relation(HPlan *plan, int stepno);
static bool read_only_by_columns(HPlan *plan, int stepno);
static char *call_sql(HPlan *plan, int stepno, bool for_explain);
static void propagate_lineage(HPlan *plan, int stepno);

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
		if (step->requested || (step->action == STEP_OVERRIDE && needs_named_relation(plan, i)))
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

		if (read_only_by_columns(plan, i))
		{
			step->action = STEP_FRAME;
			continue;
		}

		consumer = only_consumer(plan, i);
		if (hamilton_inline_intermediates && consumer >= 0 &&
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
		step->temp_name = psprintf("hamilton_%d_%s", i + 1,
								   pnstrdup(node->name, pg_mbcliplen(node->name, strlen(node->name), 40)));
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

/*
 * value_reference is how a consumer sees a scalar step: its literal, cast to
 * the type the consumer wants.  In an explain, a value not computed yet is
 * shown as {{node}}.
 */
char *
plan_value_reference(HPlan *plan, int stepno, Oid want, bool for_explain)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	char	   *literal,
			   *error;

	if (step->action == STEP_INPUT && OidIsValid(want) && want != step->valtype)
	{
		if (value_literal(step->json_text, step->json_kind, want, &literal, &error))
			return literal;
		elog(ERROR, "input \"%s\" does not convert to %s: %s",
			 node->name, format_type_be(want), error);
	}
	if (step->literal)
		return step->literal;
	if (for_explain)
		return psprintf("{{%s}}", node->display);
	elog(ERROR, "value of %s used before it was computed", node->display);
	return NULL;
}

/*
 * call_sql renders a function node's call with named arguments (the order
 * of parameters never matters): schema.fn(a => 'x'::t, tbl => 'rel'::regclass).
 * A parameter whose input was not given keeps its default.
 */
static char *
call_sql(HPlan *plan, int stepno, bool for_explain)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	StringInfoData buf;
	int			d;
	bool		first = true;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s(", quote_qualified_identifier(node->schema, node->funcname));
	for (d = 0; d < node->ndeps; d++)
	{
		HDep	   *dep = &node->deps[d];
		int			t = plan->step_of_node[dep->target];
		PlanStep   *ts = &plan->steps[t];
		HParam	   *param;

		if (dep->via != VIA_PARAM)
			continue;
		param = &node->params[dep->index];
		if (ts->action == STEP_INPUT && ts->json_kind == 0)
			continue;			/* absent input: the parameter's default */
		appendStringInfo(&buf, "%s%s%s => ", first ? "" : ", ",
						 param->variadic ? "VARIADIC " : "", quote_identifier(param->name));
		first = false;
		if (ts->relation)
			appendStringInfo(&buf, "%s::pg_catalog.regclass", quote_literal_cstr(ts->relation));
		else
			appendStringInfoString(&buf, plan_value_reference(plan, t, param->type, for_explain));
	}
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/*
 * plan_render_step renders (and keeps in step->sql) the SELECT that computes
 * a step.  Steps must be rendered in plan order: an inlined upstream step's
 * SQL is already there to be spliced in.
 */
char *
plan_render_step(HPlan *plan, int stepno, bool for_explain)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];

	propagate_lineage(plan, stepno);

	switch (step->action)
	{
		case STEP_INPUT:
			step->sql = NULL;
			break;
		case STEP_OVERRIDE:
			if (step->relation)
				step->sql = psprintf("SELECT * FROM %s", step->relation);
			else
				step->sql = psprintf("SELECT %s AS %s", step->literal,
									 quote_identifier(node->name));
			break;
		case STEP_VALUE:
			step->sql = psprintf("SELECT %s AS %s", call_sql(plan, stepno, for_explain),
								 quote_identifier(node->name));
			break;
		case STEP_COLUMN:
			/* computed by its frame's query, see frame.c */
			step->sql = NULL;
			break;
		default:
			if (node->kind == HNODE_TABLE_FUNC)
				step->sql = psprintf("SELECT * FROM %s", call_sql(plan, stepno, for_explain));
			else
			{
				char	  **repl = palloc0(sizeof(char *) * Max(node->nrefs, 1));
				int			r;

				for (r = 0; r < node->nrefs; r++)
				{
					SqlRef	   *ref = &node->refs[r];
					PlanStep   *ts;
					char	   *alias;

					if (ref->target < 0)
					{
						/* pin a source to what it meant when the graph was built */
						repl[r] = ref->source;
						continue;
					}
					ts = &plan->steps[plan->step_of_node[ref->target]];
					alias = ref->has_alias || ref->no_alias_allowed ? "" :
						psprintf(" AS %s", quote_identifier(ref->name));
					if (ts->action == STEP_INLINE)
						repl[r] = psprintf("(\n%s\n)%s", ts->sql, alias);
					else if (ts->relation)
						repl[r] = psprintf("%s%s", ts->relation, alias);
					else
						repl[r] = psprintf("(SELECT %s AS %s)%s",
										   plan_value_reference(plan, plan->step_of_node[ref->target],
														   InvalidOid, for_explain),
										   quote_identifier(plan->dag->nodes[ref->target].name),
										   alias);
				}
				step->sql = splice_refs(node->sql, node->nrefs, node->refs, repl);
			}
			break;
	}
	return step->sql;
}

/*
 * propagate_lineage gathers what a step's result comes from: the inputs it
 * depends on, the nearest persisted (or overridden) upstream results, and
 * the source relations read on the way through unpersisted steps.
 */
static void
propagate_lineage(HPlan *plan, int stepno)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	int			d,
				r;

	if (step->action == STEP_INPUT || step->action == STEP_OVERRIDE)
		return;
	for (r = 0; r < node->nrefs; r++)
		if (node->refs[r].target < 0 && node->refs[r].source)
			step->sources = list_append_unique(step->sources,
											   makeString(node->refs[r].source));
	for (d = 0; d < node->ndeps; d++)
	{
		int			t = plan->step_of_node[node->deps[d].target];
		PlanStep   *ts = &plan->steps[t];

		if (ts->action == STEP_INPUT)
		{
			step->input_steps = bms_add_member(step->input_steps, t);
			continue;
		}
		step->input_steps = bms_add_members(step->input_steps, ts->input_steps);
		if (ts->action == STEP_PERSIST || ts->action == STEP_OVERRIDE ||
			(ts->action == STEP_VALUE && ts->requested) ||
			/* a table node reads a requested column's table; its frame's
			 * other columns were computed in the same query */
			(ts->action == STEP_COLUMN && step->action != STEP_COLUMN &&
			 (ts->requested || (ts->column_target && ts->temp_name == NULL))))
			step->upstream_steps = bms_add_member(step->upstream_steps, t);
		else
		{
			step->upstream_steps = bms_add_members(step->upstream_steps, ts->upstream_steps);
			step->sources = list_concat_unique(step->sources, ts->sources);
		}
	}
}

/*
 * plan_explain_text describes the plan step by step, with the SQL each step
 * runs.  Values computed during the run appear as {{node}}.
 */
char *
plan_explain_text(HPlan *plan)
{
	StringInfoData buf;
	int			i;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfo(&buf, "pg_hamilton plan: %d step%s for", plan->nsteps,
					 plan->nsteps == 1 ? "" : "s");
	foreach(lc, plan->output_names)
		appendStringInfo(&buf, " %s", (char *) lfirst(lc));
	appendStringInfoChar(&buf, '\n');

	for (i = 0; i < plan->nsteps; i++)
	{
		PlanStep   *step = &plan->steps[i];
		HNode	   *node = &plan->dag->nodes[step->node];
		char	   *sql = plan_render_step(plan, i, true);

		appendStringInfo(&buf, "%d. %s %s: ", i + 1, dag_kind_name(node->kind), node->display);
		switch (step->action)
		{
			case STEP_UNDECIDED:
				elog(ERROR, "step %d was not planned", i + 1);
				break;
			case STEP_INPUT:
				if (step->json_kind == 0)
					appendStringInfoString(&buf, "input not given, parameters keep their defaults\n");
				else
					appendStringInfo(&buf, "input = %s\n", step->literal);
				continue;
			case STEP_OVERRIDE:
				appendStringInfo(&buf, "overridden by %s\n",
								 step->relation ? step->relation : step->literal);
				break;
			case STEP_VALUE:
				appendStringInfo(&buf, "computed once%s\n",
								 step->requested ? psprintf(", materialized as %s", step->result_table) : "");
				break;
			case STEP_INLINE:
				appendStringInfo(&buf, "inlined into %s\n",
								 plan->dag->nodes[plan->steps[step->inline_into].node].display);
				continue;
			case STEP_TEMP:
				appendStringInfo(&buf, "temporary table %s\n", step->relation);
				break;
			case STEP_PERSIST:
				appendStringInfo(&buf, "materialized as %s\n", step->relation);
				break;
			case STEP_FRAME:
				appendStringInfoString(&buf, "source of its columns' query\n");
				continue;
			case STEP_COLUMN:
				{
					FrameGroup *g = &plan->groups[step->group];

					if (step->column_target)
						appendStringInfo(&buf, "column of frame %s, into %s\n",
										 plan->dag->nodes[plan->steps[g->frame_step].node].display,
										 g->into_name && step->requested ? g->into_display :
										 step->requested ? step->result_table : step->relation);
					else
						appendStringInfo(&buf, "column of frame %s, computed inline\n",
										 plan->dag->nodes[plan->steps[g->frame_step].node].display);
					{
						int			gi;
						StringInfoData all;

						initStringInfo(&all);
						for (gi = 0; gi < plan->ngroups; gi++)
							if (plan->groups[gi].run_at == i)
								appendStringInfo(&all, "%s%s", all.len ? "\n" : "",
												 frame_explain(plan, &plan->groups[gi]));
						if (all.len > 0)
							sql = all.data;
					}
				}
				break;
		}
		if (sql && (step->action != STEP_OVERRIDE || step->requested))
		{
			const char *p = sql;

			/* indent the SQL under its step */
			appendStringInfoString(&buf, "   ");
			for (; *p; p++)
			{
				appendStringInfoChar(&buf, *p);
				if (*p == '\n')
					appendStringInfoString(&buf, "   ");
			}
			appendStringInfoChar(&buf, '\n');
		}
	}
	return buf.data;
}

/*
 * hamilton_explain(outputs, inputs, overrides, config) validates like
 * hamilton_execute and returns the plan without running anything.
 */
Datum
hamilton_explain(PG_FUNCTION_ARGS)
{
	HPlan	   *plan;
	text	   *result;

	plan = plan_for_call(fcinfo);
	plan_raise_problems(plan);
	plan_choose_actions(plan);
	result = cstring_to_text(plan_explain_text(plan));
	SPI_finish();
	PG_RETURN_TEXT_P(result);
}
