/*-------------------------------------------------------------------------
 *
 * data_checks.c
 *	  Running a node's checks (Hamilton's @check_output) on its result.
 *
 * Checks run wherever their node runs, inside the step's subtransaction:
 * right after the step writes the node's values (its result table, the
 * into_table, the temporary table of an intermediate; a node with checks
 * is never inlined, see plan/actions.c) or computes its value (a scalar).
 * All of a node's checks are counted in one scan of its values, with the
 * query of dag/checks.c.  A failing "fail" check raises an error, so the
 * run stops and rolls back, and the previous result stays in place; a
 * failing "warn" check is a WARNING.  Either way the outcome of
 * every check is kept with the run (hamilton.check_results).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"

#include "exec.h"

/*
 * checks_run evaluates the checks of step stepno's node on relation (where
 * its values now are; NULL for a scalar's value, which its checks see as a
 * one-row relation named after the node, with one column of that name)
 * and keeps their outcome in step->checks_result.
 */
void
checks_run(HPlan *plan, int stepno, const char *relation)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	MemoryContext cxt = CurrentMemoryContext;
	List	   *checks;
	const char *source;
	char	   *from;
	TupleDesc	desc;
	HProblem   *missing;
	StringInfoData result;
	HeapTuple	counts;
	TupleDesc	countdesc;
	ListCell   *lc;
	int			rc,
				i;
	char	   *failed = NULL;
	char	   *failed_detail = NULL;
	int			nestlevel = -1;

	if (node->checks == NULL)
		return;
	if (relation)
	{
		source = swap_reading(relation);	/* a result built aside */
		relation = swap_shown(relation);
	}
	else if (step->action == STEP_VALUE && plan_step_literal(plan, stepno))
		source = psprintf("(SELECT %s AS %s)", step->literal, quote_identifier(node->name));
	else
		return;
	checks = dag_checks_read(node->checks, node->name);
	if (checks == NIL)
		return;
	from = psprintf("%s AS %s", source, quote_identifier(node->name));

	/*
	 * The node's own module path, as its SQL had and as its checks were
	 * analysed (a predicate may call its helpers), also when a frame's query
	 * of several modules computed it.
	 */
	if (node->schema)
	{
		nestlevel = NewGUCNestLevel();
		pin_module_search_path(node->schema, dag_public_on_path(plan->dag));
	}

	/* the columns its values have, as they were written */
	rc = SPI_execute(psprintf("SELECT * FROM %s LIMIT 0", from), false, 0);
	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "columns of %s could not be read (%s)", source, SPI_result_code_string(rc));
	desc = CreateTupleDescCopy(SPI_tuptable->tupdesc);
	SPI_freetuptable(SPI_tuptable);
	missing = dag_checks_missing_column(node, checks, desc,
										relation ? psprintf("its result %s", relation) : "its value");
	if (missing)
		problem_raise(missing);

	/* not read_only, which would not see the rows just written */
	rc = SPI_execute(dag_checks_count_sql(checks, desc, from), false, 0);
	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "checks of node %s could not be counted (%s)", node->display,
			 SPI_result_code_string(rc));
	counts = SPI_tuptable->vals[0];
	countdesc = SPI_tuptable->tupdesc;

	initStringInfo(&result);
	appendStringInfoChar(&result, '[');
	i = 0;
	foreach(lc, checks)
	{
		NodeCheck  *c = lfirst(lc);
		bool		isnull;
		int64		total = DatumGetInt64(SPI_getbinval(counts, countdesc, 1, &isnull));
		int64		bad = DatumGetInt64(SPI_getbinval(counts, countdesc, i + 2, &isnull));
		char	   *mismatch = CHECK_ON_TYPES(c) ? check_types_mismatch(c, node->display, desc) : NULL;
		bool		passed = CHECK_ON_TYPES(c) ? mismatch == NULL : bad == 0;
		char	   *message = passed ? NULL : mismatch ?
			psprintf("check %s on node %s failed: %s", c->name, node->display, mismatch) :
			psprintf("check %s on node %s failed: " INT64_FORMAT " of " INT64_FORMAT " rows",
					 c->name, node->display, bad, total);

		appendStringInfo(&result, "%s{\"check\":", i++ ? "," : "");
		escape_json(&result, c->name);
		appendStringInfoString(&result, ",\"severity\":");
		escape_json(&result, c->severity);
		if (mismatch)
			bad = total;		/* a type check fails as a whole */
		appendStringInfo(&result, ",\"passed\":%s,\"failing_rows\":" INT64_FORMAT
						 ",\"rows\":" INT64_FORMAT ",\"relation\":",
						 passed ? "true" : "false", bad, total);
		if (relation)
			escape_json(&result, relation);
		else
			appendStringInfoString(&result, "null");
		appendStringInfo(&result, ",\"spec\":%s}", c->spec);
		if (passed)
			continue;
		if (strcmp(c->severity, "fail") == 0)
		{
			if (failed == NULL)
			{
				failed = message;
				failed_detail = c->spec;
			}
		}
		else
			ereport(WARNING,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("%s", message),
					 errdetail("The check is %s; its severity is warn, so the run goes on.",
							   c->spec),
					 errhint("SELECT * FROM " HAMILTON_SCHEMA ".check_results WHERE run_id = " INT64_FORMAT ";",
							 plan->run_id)));
	}
	appendStringInfoChar(&result, ']');
	step->checks_result = result.data;
	SPI_freetuptable(SPI_tuptable);
	if (nestlevel >= 0)
		AtEOXact_GUC(true, nestlevel);

	if (failed)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("%s", failed),
				 errdetail("The check is %s; its severity is fail, so the run stops and the previous result stays in place.",
						   failed_detail),
				 errhint("SELECT * FROM " HAMILTON_SCHEMA ".check_results WHERE run_id = " INT64_FORMAT "; shows every check of the run.",
						 plan->run_id)));
}
