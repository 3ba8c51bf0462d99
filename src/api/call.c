/*-------------------------------------------------------------------------
 *
 * call.c
 *	  What every entry point does around its work: connect to SPI (keeping
 *	  the caller's memory context, so that what it allocates outlives
 *	  SPI_finish), build the graph, read the arguments of a run request, and
 *	  finish.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/builtins.h"

#include "api.h"

static List *outputs_arg(FunctionCallInfo fcinfo);

/*
 * api_begin connects to SPI; api_end finishes.  Between them,
 * CurrentMemoryContext stays the caller's.
 */
void
api_begin(void)
{
	MemoryContext callcxt = CurrentMemoryContext;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(callcxt);
}

/* api_begin_with_dag is api_begin, then the graph for a config. */
Dag *
api_begin_with_dag(Jsonb *config, bool all_variants)
{
	api_begin();
	return dag_build_config(config, all_variants);
}

void
api_end(void)
{
	SPI_finish();
}

/*
 * api_plan_request reads the arguments of hamilton_execute,
 * hamilton_validate and hamilton_explain (outputs, inputs, overrides,
 * config, into_table), connects SPI (the caller finishes it with api_end),
 * builds the graph for the config and validates the request.
 */
HPlan *
api_plan_request(FunctionCallInfo fcinfo)
{
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
	dag = api_begin_with_dag(config, false);
	return plan_validate(dag, outputs,
						 PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1),
						 PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2),
						 config, into_table);
}

/*
 * outputs_arg reads the outputs argument (argument 0) of hamilton_execute,
 * hamilton_validate and hamilton_explain.
 */
static List *
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
