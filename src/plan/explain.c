/*-------------------------------------------------------------------------
 *
 * explain.c
 *	  hamilton_explain's text: the plan step by step, with the SQL each step
 *	  runs.  Values computed during the run appear as {{node}}.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "plan.h"

static void explain_line(StringInfo buf, const char *what, const char *sql);
static void explain_checks(StringInfo buf, HPlan *plan, int stepno);
static void explain_names(StringInfo buf, HPlan *plan);
static char *refresh_text(HNode *node);

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
	int			workers = plan->workers >= 0 ? plan->workers : hamilton_max_workers;

	initStringInfo(&buf);
	appendStringInfo(&buf, "pg_hamilton plan: %d step%s for", plan->nsteps,
					 plan->nsteps == 1 ? "" : "s");
	foreach(lc, plan->output_names)
		appendStringInfo(&buf, " %s", (char *) lfirst(lc));
	appendStringInfoChar(&buf, '\n');
	explain_names(&buf, plan);
	/* parallel runs (issue 12): which steps a worker may take */
	if (workers > 0)
		appendStringInfo(&buf, "on up to %d background workers: [worker] steps may run on one; "
						 "a NOTICE names those that run in the caller\n", workers);
	/* (cache) decided at run time, once the run holds its results' locks */
	if (plan->cache == 1)
		appendStringInfoString(&buf, "cache: on; at run time, a result table whose cache key and sources are unchanged "
							   "since the run that made it is reused, and the steps that only feed it are skipped "
							   "(hamilton.cache shows which would be)\n");

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
				appendStringInfo(&buf, "overridden by %s%s\n",
								 step->relation ? step->relation : step->literal,
								 step->result_table && (step->requested || node->persist) &&
								 !(step->relation && strcmp(step->relation, step->result_table) == 0) ?
								 psprintf(", materialized as %s", step->result_table) : "");
				break;
			case STEP_VALUE:
				appendStringInfo(&buf, "computed once%s\n",
								 step->result_table ? psprintf(", materialized as %s", step->result_table) : "");
				break;
			case STEP_INLINE:
				appendStringInfo(&buf, "inlined into %s\n",
								 plan->dag->nodes[plan->steps[step->inline_into].node].display);
				continue;
			case STEP_TEMP:
				appendStringInfo(&buf, "temporary table %s%s\n", step->relation,
								 workers > 0 && node->schema ? " [worker]" : "");
				break;
			case STEP_PERSIST:
				appendStringInfo(&buf, "materialized as %s%s%s\n", step->relation, refresh_text(node),
								 workers > 0 && node->schema && !node->concurrent ? " [worker]" : "");
				break;
			case STEP_FRAME:
				appendStringInfoString(&buf, "source of its columns' query\n");
				continue;
			case STEP_COLUMN:
				{
					FrameGroup *g = &plan->groups[step->group];

					if (step->column_target && g->into_name && step->requested && node->persist)
						appendStringInfo(&buf, "column of frame %s, into %s and %s\n",
										 plan->dag->nodes[plan->steps[g->frame_step].node].display,
										 g->into_display, step->result_table);
					else if (step->column_target)
						appendStringInfo(&buf, "column of frame %s, into %s\n",
										 plan->dag->nodes[plan->steps[g->frame_step].node].display,
										 g->into_name && step->requested ? g->into_display :
										 step->requested && step->result_table ? step->result_table : step->relation);
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
		if (sql && (step->action != STEP_OVERRIDE || step->requested || node->persist))
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
		explain_checks(&buf, plan, i);
	}
	return buf.data;
}

/*
 * explain_checks: where a step's checks run (a node with checks is kept
 * where they can read it, never inlined), and which.
 */
static void
explain_checks(StringInfo buf, HPlan *plan, int stepno)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	const char *where;
	ListCell   *lc;
	bool		first = true;

	if (node->checks == NULL || (step->action == STEP_OVERRIDE && step->result_table == NULL))
		return;
	if (step->action == STEP_VALUE && step->result_table == NULL)
		where = "its value";
	else if (step->action == STEP_COLUMN)
		where = plan->groups[step->group].into_name && step->requested ?
			plan->groups[step->group].into_display :
			step->result_table ? step->result_table : step->relation;
	else
		where = step->result_table ? step->result_table : step->relation;
	appendStringInfo(buf, "   -- then its checks, on %s:", where);
	foreach(lc, dag_checks_read(node->checks, node->name))
	{
		NodeCheck  *c = lfirst(lc);

		appendStringInfo(buf, "%s %s (%s)", first ? "" : ",", c->name, c->severity);
		first = false;
	}
	appendStringInfoChar(buf, '\n');
}

/*
 * explain_names says how the plan's names resolved, where that is not the
 * default: the modules given (and module_overrides' choices), and schema
 * public left off the path.
 */
static void
explain_names(StringInfo buf, HPlan *plan)
{
	Dag		   *dag = plan->dag;
	ListCell   *lc;
	int			i;

	if (dag->request.mode == NS_RUN && (dag->request.modules_given || dag->request.overrides))
	{
		appendStringInfoString(buf, "modules:");
		for (i = 0; i < dag->nmodules; i++)
			appendStringInfo(buf, "%s %s", i ? "," : "", quote_identifier(dag->modules[i]));
		if (dag->request.overrides)
			appendStringInfoString(buf, " (module_overrides: a later module's node wins)");
		appendStringInfoChar(buf, '\n');
		foreach(lc, plan->module_overrides)
			appendStringInfo(buf, "module override: %s\n", strVal(lfirst(lc)));
	}
	if (!dag_public_on_path(dag))
	{
		char	   *role = GetUserNameFromId(dag->public_untrusted, true);

		appendStringInfo(buf, "search_path: <module>, pg_temp (public left out: role %s, whom you do not trust, %s)\n",
						 role ? quote_identifier(role) : "(dropped)", dag->public_why);
	}
}

/* explain_line: a statement that computes targets, under what it does. */
static void
explain_line(StringInfo buf, const char *what, const char *sql)
{
	appendStringInfo(buf, "%s\n%s\n", what, sql);
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
		PlanStep   *t = &plan->steps[lfirst_int(lc)];

		if (g->into_name && t->requested)
			requested = lappend_int(requested, lfirst_int(lc));
		if (!(g->into_name && t->requested) || plan->dag->nodes[t->node].persist)
			own = lappend_int(own, lfirst_int(lc));
	}
	if (requested && g->into_part)
	{
		/* (frames) into_table collecting several frames: a part, then their join */
		HNode	   *frame = &plan->dag->nodes[plan->steps[g->frame_step].node];
		StringInfoData keys;
		int			k;

		explain_line(&buf, psprintf("-- one query into pg_temp.%s, a part of %s:",
									quote_identifier(g->into_part), g->into_display),
					 frame_compile(plan, g, requested, true));
		initStringInfo(&keys);
		for (k = 0; k < frame->nkey; k++)
			appendStringInfo(&keys, "%s%s", k ? ", " : "", quote_identifier(frame->key[k]));
		if (g->into_last)
			explain_line(&buf, psprintf("-- then %s, the FULL JOIN of its parts on the key:", g->into_display),
						 plan_frame_into_sql(plan, keys.data, &requested));
	}
	else if (requested)
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
							 t->requested && t->result_table ? t->result_table : t->relation);
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

/*
 * refresh_text: how a node's table is refreshed, when not replaced: ", refreshed
 * by a diff on key (id)".
 */
static char *
refresh_text(HNode *node)
{
	StringInfoData buf;
	ListCell   *lc;

	if (!node->concurrent)
		return "";
	initStringInfo(&buf);
	foreach(lc, node->refresh_key)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", quote_identifier(lfirst(lc)));
	return psprintf(", refreshed by a diff on key (%s)", buf.data);
}
