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
static void run_options_args(FunctionCallInfo fcinfo, HPlan *plan);

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

/*
 * api_begin_with_dag is api_begin, then the graph for a config as the views
 * and graph queries see it: each node's names as a run of that node alone
 * would resolve them (as 1.0 did, in a catalog still at 1.0).
 */
Dag *
api_begin_with_dag(Jsonb *config, bool all_variants)
{
	DagRequest	request;

	api_begin();
	memset(&request, 0, sizeof(request));
	request.mode = catalog_version_1_0() ? NS_GLOBAL : NS_EACH_NODE;
	return dag_build_request(config, all_variants, &request);
}

/*
 * api_names_request reads what a run request says about its names: the
 * outputs, modules (argument modules_arg, which a 1.0 catalog's functions
 * do not pass: its names resolve as 1.0 did) and module_overrides (the
 * argument after it).
 */
DagRequest *
api_names_request(FunctionCallInfo fcinfo, List *outputs, int modules_arg)
{
	DagRequest *request = palloc0(sizeof(DagRequest));

	request->outputs = outputs;
	if (PG_NARGS() <= modules_arg)
	{
		request->mode = NS_GLOBAL;
		return request;
	}
	request->mode = NS_RUN;
	if (!PG_ARGISNULL(modules_arg))
	{
		request->modules_given = true;
		request->modules = text_array_to_list(PG_GETARG_ARRAYTYPE_P(modules_arg), "modules");
	}
	if (PG_NARGS() > modules_arg + 1 && !PG_ARGISNULL(modules_arg + 1))
		request->overrides = PG_GETARG_BOOL(modules_arg + 1);
	return request;
}

void
api_end(void)
{
	SPI_finish();
}

/*
 * api_plan_request reads the arguments of hamilton_execute,
 * hamilton_validate and hamilton_explain (outputs, inputs, overrides,
 * config, into_table, modules, module_overrides), connects SPI (the caller
 * finishes it with api_end), builds the graph for the config and the run's
 * modules, and validates the request.
 */
HPlan *
api_plan_request(FunctionCallInfo fcinfo)
{
	List	   *outputs = outputs_arg(fcinfo);
	Jsonb	   *config = PG_ARGISNULL(3) ? NULL : PG_GETARG_JSONB_P(3);
	char	   *into_table = PG_NARGS() > 4 && !PG_ARGISNULL(4) ?
		text_to_cstring(PG_GETARG_TEXT_PP(4)) : NULL;
	DagRequest *request;
	Dag		   *dag;
	HPlan	   *plan;

	if (into_table)
	{
		char	   *schema,
				   *name;

		parse_node_name(into_table, &schema, &name, false);
	}
	api_begin();
	request = api_names_request(fcinfo, outputs, 5);
	dag = dag_build_cached(config, request);
	plan = plan_validate(dag, outputs,
						 PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1),
						 PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2),
						 config, into_table);
	run_options_args(fcinfo, plan);
	return plan;
}

/*
 * run_options_args reads cache (argument 7) and workers (argument 8), which
 * catalogs before 1.3 do not pass.
 */
static void
run_options_args(FunctionCallInfo fcinfo, HPlan *plan)
{
	plan->cache = PG_NARGS() > 7 && !PG_ARGISNULL(7) ? (PG_GETARG_BOOL(7) ? 1 : 0) : -1;
	plan->workers = PG_NARGS() > 8 && !PG_ARGISNULL(8) ? PG_GETARG_INT32(8) : -1;
	if (PG_NARGS() > 8 && !PG_ARGISNULL(8) && plan->workers < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("workers must not be negative"),
				 errdetail("workers => %d was given.", plan->workers),
				 errhint("Pass 0 to run every step in the calling backend, or the number of background workers to use.")));
	/* (cache) cache => true, or the setting hamilton.cache when not given */
	if (plan->cache == 1 || (plan->cache == -1 && hamilton_cache))
	{
		if (!catalog_cache_available())
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("caching needs the catalog of version 1.3"),
					 errdetail("%s, and this database's catalog has no cache entries yet.",
							   plan->cache == 1 ? "cache => true was given" : "hamilton.cache is on"),
					 errhint("Run ALTER EXTENSION hamilton UPDATE, or SET hamilton.cache = off.")));
		plan->cache = 1;
	}
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
