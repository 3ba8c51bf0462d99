/*-------------------------------------------------------------------------
 *
 * function_templates.c
 *	  Nodes made as functions of their module: hamilton_parameterize on a
 *	  function (Hamilton's @parameterize with value() and source()) and
 *	  hamilton_does (@does), one function with some parameters bound
 *	  (define/function_template.c); hamilton_extract_fields
 *	  (@extract_fields), the fields of a one-row node
 *	  (define/extract_fields.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "api.h"

PG_FUNCTION_INFO_V1(hamilton_parameterize_function);
PG_FUNCTION_INFO_V1(hamilton_does);
PG_FUNCTION_INFO_V1(hamilton_extract_fields);

/* emit_names returns the names of the nodes made, one row each. */
static void
emit_names(FunctionCallInfo fcinfo, List *names)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;

	foreach(lc, names)
	{
		Datum		out[1];
		bool		outnull[1] = {false};

		out[0] = CStringGetTextDatum((char *) lfirst(lc));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, outnull);
	}
}

/*
 * hamilton_parameterize(function regproc, nodes jsonb) makes one node per
 * key of nodes, each the function with the parameters that key binds
 * ({"value": v}, a constant, or {"source": "node"}, an edge); returns the
 * nodes' names.
 */
Datum
hamilton_parameterize_function(PG_FUNCTION_ARGS)
{
	List	   *names;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("function and nodes must not be NULL"),
				 errhint("hamilton_parameterize('m._rolling_mean', '{\"avg_2wk_spend\": {\"weeks\": {\"value\": 2}}}')")));
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	api_begin();
	names = define_function_template(PG_GETARG_OID(0), PG_GETARG_JSONB_P(1), false);
	emit_names(fcinfo, names);
	api_end();
	return (Datum) 0;
}

/*
 * hamilton_does(node text, function regproc, mapping jsonb) makes node
 * the function with its parameters mapped: a node's name (a source), or
 * {"value": v} / {"source": "node"}; an unmapped parameter reads the node
 * of its own name.  Returns the node's name.
 */
Datum
hamilton_does(PG_FUNCTION_ARGS)
{
	List	   *names;
	StringInfoData nodes;
	char	   *node;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("node and function must not be NULL"),
				 errhint("hamilton_does('m.total_spend', 'm._sum', '{\"a\": \"tv_spend\", \"b\": \"radio_spend\"}')")));
	node = text_to_cstring(PG_GETARG_TEXT_PP(0));
	initStringInfo(&nodes);
	escape_json(&nodes, node);
	api_begin();
	nodes.data = psprintf("{%s: %s}", nodes.data,
						  PG_ARGISNULL(2) ? "{}" : jsonb_text(PG_GETARG_JSONB_P(2)));
	names = define_function_template(PG_GETARG_OID(1),
									 DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(nodes.data))),
									 true);
	api_end();
	PG_RETURN_TEXT_P(cstring_to_text(linitial(names)));
}

/*
 * hamilton_extract_fields(node text) makes each field of a one-row node a
 * node named after it (Hamilton's @extract_fields); returns their names.
 */
Datum
hamilton_extract_fields(PG_FUNCTION_ARGS)
{
	List	   *names;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("node must not be NULL"),
				 errhint("hamilton_extract_fields('m.stats') makes each column of m.stats's one row a node.")));
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	api_begin();
	names = define_extract_fields(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	emit_names(fcinfo, names);
	api_end();
	return (Datum) 0;
}
