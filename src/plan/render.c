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

#include "commands/dbcommands.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "plan.h"

static List *relation_ref_edits(HPlan *plan, SqlRef *ref, bool for_explain);

/*
 * plan_value_reference is how a consumer sees a scalar step: its literal, cast to
 * the type the consumer wants (an input read again from its text for
 * another type, unless that type is a domain over the input's).  In an explain, a value not computed yet is
 * shown as {{node}}.
 */
char *
plan_value_reference(HPlan *plan, int stepno, Oid want, bool for_explain)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	char	   *literal,
			   *error;

	/*
	 * A domain over the input's type reads its literal, cast: a relation
	 * input was looked up once, by validation, and must not be read again
	 * from its text.
	 */
	if (step->action == STEP_INPUT && OidIsValid(want) && want != step->valtype &&
		step->literal && getBaseType(want) == step->valtype)
		return psprintf("%s::%s", step->literal, format_type_be_qualified(want));
	if (step->action == STEP_INPUT && OidIsValid(want) && want != step->valtype)
	{
		if (value_literal(step->json_text, step->json_kind, want, &literal, &error))
			return literal;
		elog(ERROR, "input \"%s\" does not convert to %s: %s",
			 node->name, format_type_be(want), error);
	}
	if (plan_step_literal(plan, stepno))
		return step->literal;
	if (for_explain)
		return psprintf("{{%s}}", node->display);
	elog(ERROR, "value of %s used before it was computed", node->display);
	return NULL;
}

/*
 * plan_step_literal is a step's value as a literal: the one it was given,
 * or, for a value computed without a statement (exec/scalar_batch.c), its
 * Datum written out the first time a statement needs it.  NULL while it
 * has no value.
 */
char *
plan_step_literal(HPlan *plan, int stepno)
{
	PlanStep   *step = &plan->steps[stepno];

	if (step->literal == NULL && step->has_value)
		step->literal = datum_literal(step->value, step->value_isnull,
									  plan->dag->nodes[step->node].rettype);
	return step->literal;
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
 * relation_ref_edits: how a SQL node's reference to a relation is
 * rewritten.  A source is pinned to what it meant when the graph was built.
 * An upstream node becomes its subquery, its table or its value's one-row
 * subquery, under its name as alias (after ONLY (x)'s parenthesis; a name
 * of its own when another item of its FROM clause has that name too);
 * qualifiers with a schema (m.a.x) then read the alias (a.x).  TABLE x can
 * take no alias: when columns are qualified by x, it is written as the
 * SELECT * FROM x AS x it means.
 */
static List *
relation_ref_edits(HPlan *plan, SqlRef *ref, bool for_explain)
{
	PlanStep   *ts;
	HNode	   *target;
	char	   *repl;
	char	   *alias;
	List	   *edits = NIL;
	ListCell   *lc;

	if (ref->target < 0)
		return list_make1(sql_edit(ref->start, ref->end, ref->source));

	ts = &plan->steps[plan->step_of_node[ref->target]];
	target = &plan->dag->nodes[ref->target];
	if (ts->action == STEP_INLINE)
		repl = psprintf("(\n%s\n)", ts->sql);
	else if (ts->relation)
		repl = ts->relation;
	else
		repl = psprintf("(SELECT %s AS %s)",
						plan_value_reference(plan, plan->step_of_node[ref->target],
											 InvalidOid, for_explain),
						quote_identifier(target->name));
	if (ref->has_alias)
		return list_make1(sql_edit(ref->start, ref->end, repl));

	alias = psprintf(" AS %s", quote_identifier(ref->alias));
	if (ref->table_start >= 0)
	{
		if (ref->qualifiers == NIL)
			return list_make1(sql_edit(ref->start, ref->end, repl));
		edits = lappend(edits, sql_edit(ref->table_start, ref->end,
										psprintf("SELECT * FROM %s%s", repl, alias)));
	}
	else if (ref->alias_at == ref->end)
		edits = lappend(edits, sql_edit(ref->start, ref->end, psprintf("%s%s", repl, alias)));
	else
	{
		edits = lappend(edits, sql_edit(ref->start, ref->end, repl));
		edits = lappend(edits, sql_edit(ref->alias_at, ref->alias_at, alias));
	}

	foreach(lc, ref->qualifiers)
	{
		SqlQualifier *q = lfirst(lc);

		/*
		 * a.x reads the alias as it is, unless the alias is a name of its
		 * own; m.a.x names the relation when a's node is in schema m
		 */
		if (q->schema == NULL ? strcmp(ref->alias, ref->name) == 0 :
			((ref->schema == NULL && strcmp(q->schema, target->schema ? target->schema : "") != 0) ||
			 (q->catalog && strcmp(q->catalog, get_database_name(MyDatabaseId)) != 0)))
			continue;
		edits = lappend(edits, sql_edit(q->start, q->end, quote_identifier(ref->alias)));
	}
	return edits;
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
			else if (node->join_bases)
				step->sql = plan_frame_join_sql(plan, node);
			else
			{
				List	   *edits = NIL;
				int			r;

				for (r = 0; r < node->nrefs; r++)
					edits = list_concat(edits, relation_ref_edits(plan, &node->refs[r], for_explain));
				step->sql = splice_edits(node->sql, edits);
			}
			break;
	}
	return step->sql;
}
