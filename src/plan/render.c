/*-------------------------------------------------------------------------
 *
 * render.c
 *	  The SQL of a step: a SQL node's definition with every reference to an
 *	  upstream node spliced to where that node's result lives, or a
 *	  function node's call with named arguments.
 *
 * Each step's SQL is rendered when its turn comes (in plan order), so an
 * inlined upstream step's SQL is already there to be spliced in and nothing
 * here recurses over the graph.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "plan.h"

/*
 * plan_value_reference is how a consumer sees a scalar step: its literal, cast to
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
 * plan_call_sql renders a function node's call with named arguments (the
 * order of parameters never matters): schema.fn(a => 'x'::t, tbl =>
 * 'rel'::regclass).  A parameter whose input was not given keeps its
 * default.  In a frame's query (frame_compile.c), a parameter named like a
 * key column gets the row's key, and column_arg writes an argument that
 * reads another column step; elsewhere column_arg is NULL.
 */
char *
plan_call_sql(HPlan *plan, HNode *node, bool for_explain, ColumnArgument column_arg,
			  void *arg)
{
	StringInfoData buf;
	bool		first = true;
	int			p,
				d;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s(", quote_qualified_identifier(node->schema, node->funcname));
	for (p = 0; p < node->nparams; p++)
		if (node->params[p].key)
		{
			appendStringInfo(&buf, "%s%s => %s", first ? "" : ", ",
							 quote_identifier(node->params[p].name),
							 quote_identifier(node->params[p].name));
			first = false;
		}
	for (d = 0; d < node->ndeps; d++)
	{
		HDep	   *dep = &node->deps[d];
		HParam	   *param;
		PlanStep   *ts;
		int			t;

		if (dep->via != VIA_PARAM)
			continue;
		param = &node->params[dep->index];
		t = plan->step_of_node[dep->target];
		ts = &plan->steps[t];
		if (ts->action == STEP_INPUT && ts->json_kind == 0)
			continue;			/* absent input: the parameter's default */
		appendStringInfo(&buf, "%s%s%s => ", first ? "" : ", ",
						 param->variadic ? "VARIADIC " : "", quote_identifier(param->name));
		first = false;
		if (column_arg && ts->action == STEP_COLUMN)
			column_arg(&buf, t, arg);
		else if (ts->relation)
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

	plan_step_provenance(plan, stepno);

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
			step->sql = psprintf("SELECT %s AS %s", plan_call_sql(plan, node, for_explain, NULL, NULL),
								 quote_identifier(node->name));
			break;
		case STEP_COLUMN:
			/* computed by its frame's query, see frame_compile.c */
			step->sql = NULL;
			break;
		default:
			if (node->kind == HNODE_TABLE_FUNC)
				step->sql = psprintf("SELECT * FROM %s", plan_call_sql(plan, node, for_explain, NULL, NULL));
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
