/*-------------------------------------------------------------------------
 *
 * dot.c
 *	  hamilton_dot(outputs, run_id): Graphviz DOT of the whole DAG (no
 *	  outputs), of the execution path of outputs (their upstream closure,
 *	  Hamilton's visualize_execution), or of a run (the steps it took), with
 *	  each step's status, rows and time when run_id is given.
 *
 * It runs with the caller's rights: a picture shows a run only to the roles
 * hamilton.runs shows it to.  The picture itself is drawn in src/dot/.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "api.h"

PG_FUNCTION_INFO_V1(hamilton_dot);

static char **read_outputs(ArrayType *array, int *count);
static DagRequest *dot_request(FunctionCallInfo fcinfo, char **outputs, int noutputs);

/*
 * read_outputs checks the outputs argument (not empty, no NULL) and returns
 * its names.
 */
static char **
read_outputs(ArrayType *array, int *count)
{
	Datum	   *elems;
	bool	   *nulls;
	char	  **names;
	int			i;

	if (ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array)) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("outputs must not be empty"),
				 errdetail("An empty array names no node to draw the execution path of."),
				 errhint("Pass NULL (or nothing) for the whole DAG, or name outputs, e.g. ARRAY['forecast'].")));
	/* the NULL element is found as array_position finds it */
	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("searching for elements in multidimensional arrays is not supported")));
	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, count);
	names = palloc(sizeof(char *) * *count);
	for (i = 0; i < *count; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("outputs must not contain NULL"),
					 errdetail("Element %d is NULL.", ARR_LBOUND(array)[0] + i),
					 errhint("Remove the NULL element.")));
		names[i] = TextDatumGetCString(elems[i]);
	}
	return names;
}

/*
 * dot_request: how the picture's names resolve.  With outputs or modules,
 * as a run of them would (modules => as given, or the outputs' modules);
 * otherwise each node as a run of it alone would; in a 1.0 catalog, whose
 * hamilton_dot takes no modules, as 1.0 did.
 */
static DagRequest *
dot_request(FunctionCallInfo fcinfo, char **outputs, int noutputs)
{
	List	   *list = NIL;
	DagRequest *request;
	int			i;

	for (i = 0; i < noutputs; i++)
		list = lappend(list, outputs[i]);
	request = api_names_request(fcinfo, list, 2);
	if (request->mode == NS_RUN && outputs == NULL && !request->modules_given)
		request->mode = NS_EACH_NODE;
	return request;
}

/*
 * hamilton_dot(outputs text[] DEFAULT NULL, run_id bigint DEFAULT NULL,
 * modules text[] DEFAULT NULL, module_overrides boolean DEFAULT false,
 * config jsonb DEFAULT NULL) returns the picture as DOT text: with config,
 * of the graph that config chooses (catalogs before 1.2 pass no config).
 * Every catalog name is read with search_path pinned to pg_catalog,
 * pg_temp (type names come out qualified unless they are in pg_catalog).
 */
Datum
hamilton_dot(PG_FUNCTION_ARGS)
{
	char	  **outputs = NULL;
	int			noutputs = 0;
	DotRun	   *run = NULL;
	DagRequest *request;
	Jsonb	   *config;
	char	   *picture;
	int			nestlevel;

	if (!PG_ARGISNULL(0))
		outputs = read_outputs(PG_GETARG_ARRAYTYPE_P(0), &noutputs);

	api_begin();
	nestlevel = NewGUCNestLevel();
	pin_safe_search_path();
	request = dot_request(fcinfo, outputs, noutputs);
	if (!PG_ARGISNULL(1))
		run = dot_read_run(PG_GETARG_INT64(1));
	config = PG_NARGS() > 4 && !PG_ARGISNULL(4) ? PG_GETARG_JSONB_P(4) : NULL;
	(void) jsonb_object_keys_list(config, "config");
	picture = dot_render(outputs, noutputs, run, request, config);
	AtEOXact_GUC(true, nestlevel);
	api_end();
	PG_RETURN_TEXT_P(cstring_to_text(picture));
}
