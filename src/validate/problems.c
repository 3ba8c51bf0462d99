/*-------------------------------------------------------------------------
 *
 * problems.c
 *	  Reporting a plan's problems as one error.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "validate.h"

/*
 * plan_raise_problems raises one error that carries every problem: the
 * first problem's SQLSTATE, and all messages in the detail.
 */
void
plan_raise_problems(HPlan *plan)
{
	HProblem   *first;
	StringInfoData detail,
				hint;
	ListCell   *lc;
	int			k = 0;

	if (plan->problems == NIL)
		return;
	first = linitial(plan->problems);
	if (list_length(plan->problems) == 1)
		ereport(ERROR,
				(errcode(first->sqlstate),
				 errmsg("%s", first->message),
				 first->detail ? errdetail("%s", first->detail) : 0,
				 first->hint ? errhint("%s", first->hint) : 0));

	initStringInfo(&detail);
	initStringInfo(&hint);
	foreach(lc, plan->problems)
	{
		HProblem   *p = lfirst(lc);

		appendStringInfo(&detail, "%s%d. %s.%s%s", k ? "\n" : "", k + 1, p->message,
						 p->detail ? " " : "", p->detail ? p->detail : "");
		if (p->hint && strstr(hint.data, p->hint) == NULL)
			appendStringInfo(&hint, "%s%s", hint.len ? "\n" : "", p->hint);
		k++;
	}
	ereport(ERROR,
			(errcode(first->sqlstate),
			 errmsg("dataflow has %d problems; the first: %s", k, first->message),
			 errdetail("%s", detail.data),
			 errhint("%s", hint.data)));
}
