/*-------------------------------------------------------------------------
 *
 * data_checks.c
 *	  Running a node's checks (Hamilton's @check_output) on its result.
 *
 * Checks run where a node's values land in a table: right after the step
 * writes it, inside the step's subtransaction.  All of a node's checks are
 * counted in one scan of the result.  A failing "fail" check raises an
 * error, so the run stops and rolls back, and the previous result stays in
 * place; a failing "warn" check is a WARNING.  Either way the outcome of
 * every check is kept with the run (hamilton.check_results).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"

#include "exec.h"

/*
 * checks_run evaluates the checks of step stepno's node on relation (where
 * its values now are) and keeps their outcome in step->checks_result.
 */
void
checks_run(HPlan *plan, int stepno, const char *relation)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	MemoryContext cxt = CurrentMemoryContext;
	Datum		values[1];
	SPITupleTable *checks;
	uint64		nchecks,
				i;
	StringInfoData query,
				result;
	HeapTuple	counts;
	TupleDesc	countdesc;
	int			rc;
	char	   *failed = NULL;
	char	   *failed_detail = NULL;

	if (node->checks == NULL || relation == NULL)
		return;

	/* the checks, with the SQL that counts each one's failing rows */
	values[0] = CStringGetTextDatum(node->checks);
	spi_exec_checked("SELECT coalesce(e->>'name', e->>'check'), coalesce(e->>'severity', 'warn'), "
					 "  e->>'check', coalesce(e->>'column', $2), e->>'min', e->>'max', "
					 "  (SELECT string_agg(quote_literal(v #>> '{}'), ', ') FROM jsonb_array_elements(e->'values') v), "
					 "  e->>'predicate', e::text "
					 "FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, i) ORDER BY i",
					 2, (Oid[]) {TEXTOID, TEXTOID},
					 (Datum[]) {values[0], CStringGetTextDatum(node->name)}, NULL, SPI_OK_SELECT);
	checks = SPI_tuptable;
	nchecks = SPI_processed;

	initStringInfo(&query);
	appendStringInfoString(&query, "SELECT pg_catalog.count(*)");
	for (i = 0; i < nchecks; i++)
	{
		HeapTuple	row = checks->vals[i];
		TupleDesc	desc = checks->tupdesc;
		char	   *kind = SPI_getvalue(row, desc, 3);
		const char *col = quote_identifier(SPI_getvalue(row, desc, 4));
		char	   *min = SPI_getvalue(row, desc, 5);
		char	   *max = SPI_getvalue(row, desc, 6);

		if (strcmp(kind, "not_null") == 0)
			appendStringInfo(&query, ", pg_catalog.count(*) FILTER (WHERE %s IS NULL)", col);
		else if (strcmp(kind, "range") == 0)
			appendStringInfo(&query, ", pg_catalog.count(*) FILTER (WHERE %s < %s OR %s > %s)",
							 col, min ? min : "NULL", col, max ? max : "NULL");
		else if (strcmp(kind, "unique") == 0)
			appendStringInfo(&query, ", pg_catalog.count(%s) - pg_catalog.count(DISTINCT %s)", col, col);
		else if (strcmp(kind, "in") == 0)
			appendStringInfo(&query, ", pg_catalog.count(*) FILTER (WHERE %s NOT IN (%s))",
							 col, SPI_getvalue(row, desc, 7));
		else
			appendStringInfo(&query, ", pg_catalog.count(*) FILTER (WHERE NOT coalesce((%s), false))",
							 SPI_getvalue(row, desc, 8));
	}
	appendStringInfo(&query, " FROM %s", relation);

	/* the node's own module path, as its SQL had (a predicate may call its helpers) */
	rc = SPI_execute(query.data, false, 0);	/* read_only would not see the rows just written */
	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "checks of node %s could not be counted (%s)", node->display,
			 SPI_result_code_string(rc));
	counts = SPI_tuptable->vals[0];
	countdesc = SPI_tuptable->tupdesc;

	initStringInfo(&result);
	appendStringInfoChar(&result, '[');
	for (i = 0; i < nchecks; i++)
	{
		HeapTuple	row = checks->vals[i];
		TupleDesc	desc = checks->tupdesc;
		char	   *name = SPI_getvalue(row, desc, 1);
		char	   *severity = SPI_getvalue(row, desc, 2);
		bool		isnull;
		int64		total = DatumGetInt64(SPI_getbinval(counts, countdesc, 1, &isnull));
		int64		bad = DatumGetInt64(SPI_getbinval(counts, countdesc, i + 2, &isnull));
		char	   *message = bad == 0 ? NULL :
			psprintf("check %s on node %s failed: " INT64_FORMAT " of " INT64_FORMAT " rows",
					 name, node->display, bad, total);

		appendStringInfo(&result, "%s{\"check\":", i ? "," : "");
		escape_json(&result, name);
		appendStringInfoString(&result, ",\"severity\":");
		escape_json(&result, severity);
		appendStringInfo(&result, ",\"passed\":%s,\"failing_rows\":" INT64_FORMAT
						 ",\"rows\":" INT64_FORMAT ",\"relation\":",
						 bad == 0 ? "true" : "false", bad, total);
		escape_json(&result, relation);
		appendStringInfo(&result, ",\"spec\":%s}", SPI_getvalue(row, desc, 9));
		if (bad == 0)
			continue;
		if (strcmp(severity, "fail") == 0)
		{
			if (failed == NULL)
			{
				failed = message;
				failed_detail = SPI_getvalue(row, desc, 9);
			}
		}
		else
			ereport(WARNING,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("%s", message),
					 errdetail("The check is %s; its severity is warn, so the run goes on.",
							   SPI_getvalue(row, desc, 9)),
					 errhint("SELECT * FROM " HAMILTON_SCHEMA ".check_results WHERE run_id = " INT64_FORMAT ";",
							 plan->run_id)));
	}
	appendStringInfoChar(&result, ']');
	step->checks_result = result.data;
	SPI_freetuptable(SPI_tuptable);

	if (failed)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("%s", failed),
				 errdetail("The check is %s; its severity is fail, so the run stops and the previous result stays in place.",
						   failed_detail),
				 errhint("SELECT * FROM " HAMILTON_SCHEMA ".check_results WHERE run_id = " INT64_FORMAT "; shows every check of the run.",
						 plan->run_id)));
}
