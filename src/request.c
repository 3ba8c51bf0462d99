/*-------------------------------------------------------------------------
 *
 * request.c
 *	  A request to run a dataflow: reading the arguments of hamilton_execute,
 *	  hamilton_validate and hamilton_explain, and reporting its problems
 *	  (as one error, or as rows of hamilton_validate).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "catalog.h"
#include "plan.h"

PG_FUNCTION_INFO_V1(hamilton_validate);

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

/*
 * plan_for_call reads the arguments of hamilton_execute, hamilton_validate
 * and hamilton_explain (outputs, inputs, overrides, config, into_table),
 * connects SPI (the caller finishes it), builds the graph for the config
 * and validates the request.
 */
HPlan *
plan_for_call(FunctionCallInfo fcinfo)
{
	MemoryContext callcxt = CurrentMemoryContext;
	List	   *outputs = outputs_arg(fcinfo);
	Jsonb	   *config = PG_ARGISNULL(3) ? NULL : PG_GETARG_JSONB_P(3);
	char	   *into_table = PG_NARGS() > 4 && !PG_ARGISNULL(4) ?
		text_to_cstring(PG_GETARG_TEXT_PP(4)) : NULL;
	Dag		   *dag;

	if (into_table)
	{
		char	   *schema,
				   *name;

		parse_node_name(into_table, &schema, &name, false);
	}
	SPI_connect();
	MemoryContextSwitchTo(callcxt);
	dag = dag_build_config(config, false);
	return plan_validate(dag, outputs,
						 PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1),
						 PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2),
						 config, into_table);
}

/*
 * outputs_arg reads the outputs argument (argument 0) of hamilton_execute,
 * hamilton_validate and hamilton_explain.
 */
List *
outputs_arg(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("outputs must not be NULL"),
				 errdetail("outputs names the nodes to compute."),
				 errhint("Name them in an array, e.g. ARRAY['forecast'].")));
	return text_array_to_list(PG_GETARG_ARRAYTYPE_P(0), "outputs");
}

/*
 * text_array_to_list reads a text[] argument, refusing NULL elements and
 * multi-dimensional arrays with a clear error.
 */
List *
text_array_to_list(ArrayType *arr, const char *what)
{
	Datum	   *elems;
	bool	   *nulls;
	int			nelems,
				i;
	List	   *result = NIL;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what),
				 errdetail("It has %d dimensions.", ARR_NDIM(arr)),
				 errhint("Write it as ARRAY['a', 'b'].")));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &nelems);
	for (i = 0; i < nelems; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain NULL", what),
					 errdetail("Element %d is NULL.", i + 1),
					 errhint("Remove the NULL element.")));
		result = lappend(result, TextDatumGetCString(elems[i]));
	}
	return result;
}

/*
 * hamilton_validate(outputs, inputs, overrides, config) is a dry run: one
 * row per problem that would stop hamilton_execute; no rows means it would
 * run.
 */
Datum
hamilton_validate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HPlan	   *plan;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	plan = plan_for_call(fcinfo);
	foreach(lc, plan->problems)
	{
		HProblem   *p = lfirst(lc);
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = CStringGetTextDatum(p->code);
		values[1] = p->node ? CStringGetTextDatum(p->node) : (Datum) 0;
		nulls[1] = p->node == NULL;
		values[2] = CStringGetTextDatum(p->message);
		values[3] = p->detail ? CStringGetTextDatum(p->detail) : (Datum) 0;
		nulls[3] = p->detail == NULL;
		values[4] = p->hint ? CStringGetTextDatum(p->hint) : (Datum) 0;
		nulls[4] = p->hint == NULL;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}
