/*-------------------------------------------------------------------------
 *
 * incremental.c
 *	  The SQL-callable functions of incremental nodes: hamilton_incremental
 *	  (a function node's spec), hamilton_restate and hamilton_reset.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "api.h"
#include "define.h"
#include "exec.h"

PG_FUNCTION_INFO_V1(hamilton_incremental);
PG_FUNCTION_INFO_V1(hamilton_restate);
PG_FUNCTION_INFO_V1(hamilton_reset);

/*
 * hamilton_incremental(function, spec) makes a function node incremental
 * (NULL: not) and returns the spec as stored.
 */
Datum
hamilton_incremental(PG_FUNCTION_ARGS)
{
	Jsonb	   *result;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("function must not be NULL"),
				 errdetail("hamilton_incremental takes the name of a function node and its spec."),
				 errhint("SELECT hamilton_incremental('m.events_enriched', '{\"strategy\": \"append\", \"by\": \"sequence\", \"source\": \"raw.events\", \"column\": \"id\"}')")));
	api_begin();
	result = define_incremental_function(text_to_cstring(PG_GETARG_TEXT_PP(0)),
										 PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1));
	api_end();
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_JSONB_P(result);
}

/*
 * hamilton_restate(node, from, to) marks a range of an incremental node as
 * not processed; returns the rows it deleted (append only).
 */
Datum
hamilton_restate(PG_FUNCTION_ARGS)
{
	int64		rows;

	api_begin();
	rows = incremental_restate(text_to_cstring(PG_GETARG_TEXT_PP(0)),
							   text_to_cstring(PG_GETARG_TEXT_PP(1)),
							   text_to_cstring(PG_GETARG_TEXT_PP(2)));
	api_end();
	PG_RETURN_INT64(rows);
}

/*
 * hamilton_reset(node) forgets what an incremental node processed; returns
 * the batches forgotten.
 */
Datum
hamilton_reset(PG_FUNCTION_ARGS)
{
	int64		batches;

	api_begin();
	batches = incremental_reset(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	api_end();
	PG_RETURN_INT64(batches);
}
