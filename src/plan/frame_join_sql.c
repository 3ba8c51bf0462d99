/*-------------------------------------------------------------------------
 *
 * frame_join_sql.c
 *	  (frames, issue 13 item 7) The SELECT of a join of frames, as a run
 *	  computes it: the FULL JOIN, USING the key, of the tables (key +
 *	  column) of the columns it reads from the frames it joins that the
 *	  request computes (dag/frame_joins.c).
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
