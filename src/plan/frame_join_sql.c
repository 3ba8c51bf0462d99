/*-------------------------------------------------------------------------
 *
 * frame_join_sql.c
 *	  (frames, issue 13 item 7) The SELECT of a join of frames, as a run
 *	  computes it: the FULL JOIN, USING the key, of the tables (key +
 *	  column) of the columns it reads from the frames it joins that the
 *	  request computes (dag/frame_joins.c); and into_table collecting
 *	  the columns of several frames of one key, the FULL JOIN on the key of
 *	  each frame's part (frame_groups.c), as pandas builds one DataFrame of
 *	  series of several indexes: the union of their keys, NULL where a
 *	  frame has no row.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "plan.h"

/*
 * plan_frame_join_sql writes a join of frames' SELECT over the relations
 * its leaves are computed into at this run, each under its node's name.
 */
char *
plan_frame_join_sql(HPlan *plan, HNode *join)
{
	StringInfoData sql,
				keys;
	int			k,
				r,
				n = 0;

	initStringInfo(&keys);
	for (k = 0; k < join->nkey; k++)
		appendStringInfo(&keys, "%s%s", k ? ", " : "", quote_identifier(join->key[k]));
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT * FROM ");
	for (r = 0; r < join->nrefs; r++)
	{
		int			s = plan->step_of_node[join->refs[r].target];

		if (s < 0 || plan->steps[s].relation == NULL)
			continue;			/* not read by this request */
		if (n > 0)
			appendStringInfoString(&sql, " FULL JOIN ");
		appendStringInfo(&sql, "%s AS %s", plan->steps[s].relation,
						 quote_identifier(join->refs[r].alias));
		if (n > 0)
			appendStringInfo(&sql, " USING (%s)", keys.data);
		n++;
	}
	if (n == 0)
		elog(ERROR, "join of frames %s reads no column in this run", join->display);
	return sql.data;
}

/*
 * plan_frame_into_sql (into_table collecting several frames of one key): the SELECT that writes into_table from its parts,
 * the key then the requested columns in the order asked; *requested gets
 * every requested step of every part, in that order.
 */
char *
plan_frame_into_sql(HPlan *plan, const char *keys, List **requested)
{
	StringInfoData sql;
	int			pos,
				i,
				nparts = 0;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s", keys);
	*requested = NIL;
	for (pos = 0; pos < list_length(plan->output_names); pos++)
		for (i = 0; i < plan->nsteps; i++)
		{
			PlanStep   *t = &plan->steps[i];
			int			g;
			bool		in_part = false;

			if (!t->requested || t->request_pos != pos)
				continue;
			for (g = 0; g < plan->ngroups; g++)
				in_part |= plan->groups[g].into_part != NULL &&
					list_member_int(plan->groups[g].targets, i);
			if (!in_part)
				continue;
			appendStringInfo(&sql, ", %s", quote_identifier(plan->dag->nodes[t->node].name));
			*requested = lappend_int(*requested, i);
		}
	appendStringInfoString(&sql, "\nFROM ");
	for (i = 0; i < plan->ngroups; i++)
	{
		FrameGroup *g = &plan->groups[i];

		if (g->into_part == NULL)
			continue;
		if (nparts > 0)
			appendStringInfoString(&sql, " FULL JOIN ");
		appendStringInfo(&sql, "pg_temp.%s", quote_identifier(g->into_part));
		if (nparts > 0)
			appendStringInfo(&sql, " USING (%s)", keys);
		nparts++;
	}
	return sql.data;
}
