/*-------------------------------------------------------------------------
 *
 * define.c
 *	  Defining the dataflow: hamilton_register, hamilton_unregister,
 *	  hamilton_define, hamilton_drop, hamilton_tag, hamilton_check,
 *	  hamilton_when and hamilton_parameterize (see define/).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "utils/builtins.h"

#include "api.h"

PG_FUNCTION_INFO_V1(hamilton_register);
PG_FUNCTION_INFO_V1(hamilton_unregister);
PG_FUNCTION_INFO_V1(hamilton_define);
PG_FUNCTION_INFO_V1(hamilton_drop);
PG_FUNCTION_INFO_V1(hamilton_tag);
PG_FUNCTION_INFO_V1(hamilton_check);
PG_FUNCTION_INFO_V1(hamilton_when);
PG_FUNCTION_INFO_V1(hamilton_parameterize);

/*
 * hamilton_register(module regnamespace) makes a schema a module and
 * returns how many nodes it holds.
 */
Datum
hamilton_register(PG_FUNCTION_ARGS)
{
	int			count;

	api_begin();
	count = define_register_module(PG_GETARG_OID(0));
	api_end();
	PG_RETURN_INT32(count);
}

/*
 * hamilton_unregister(module regnamespace) forgets a module.
 */
Datum
hamilton_unregister(PG_FUNCTION_ARGS)
{
	api_begin();
	define_unregister_module(PG_GETARG_OID(0));
	api_end();
	PG_RETURN_VOID();
}

/*
 * hamilton_define(node, sql, doc, tags, materialize, inputs, key,
 * extract_columns, config_when, checks, refresh, incremental, cache,
 * placement, shard_key) defines or replaces a SQL node.
 */
Datum
hamilton_define(PG_FUNCTION_ARGS)
{
	DefineArgs	a;
	char	   *display;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("node and sql must not be NULL"),
				 errdetail("A SQL node needs a name and a SELECT (or a column expression)."),
				 errhint("hamilton_define('module.name', 'SELECT ...')")));
	memset(&a, 0, sizeof(a));
	a.node_text = text_to_cstring(PG_GETARG_TEXT_PP(0));
	a.sql = text_to_cstring(PG_GETARG_TEXT_PP(1));
	a.doc = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	a.tags = PG_ARGISNULL(3) ? NULL : PG_GETARG_JSONB_P(3);
	a.materialize = PG_ARGISNULL(4) ? "auto" : text_to_cstring(PG_GETARG_TEXT_PP(4));
	a.declared = PG_ARGISNULL(5) ? NULL : PG_GETARG_ARRAYTYPE_P(5);
	a.key = PG_ARGISNULL(6) ? NULL : PG_GETARG_ARRAYTYPE_P(6);
	a.extract_columns = PG_ARGISNULL(7) ? false : PG_GETARG_BOOL(7);
	a.config_when = PG_ARGISNULL(8) ? NULL : PG_GETARG_JSONB_P(8);
	a.checks = PG_ARGISNULL(9) ? NULL : PG_GETARG_JSONB_P(9);
	/* refresh, from version 1.2 on (a 1.1 catalog declares ten arguments) */
	a.refresh = PG_NARGS() > 10 && !PG_ARGISNULL(10) ? text_to_cstring(PG_GETARG_TEXT_PP(10)) : NULL;
	a.incremental = PG_NARGS() > 11 && !PG_ARGISNULL(11) ? PG_GETARG_JSONB_P(11) : NULL;
	a.cache = PG_NARGS() > 12 && !PG_ARGISNULL(12) ? text_to_cstring(PG_GETARG_TEXT_PP(12)) : NULL;
	/* placement and shard_key, from version 1.4 on (several servers) */
	a.placement = PG_NARGS() > 13 && !PG_ARGISNULL(13) ? text_to_cstring(PG_GETARG_TEXT_PP(13)) : NULL;
	a.shard_key = PG_NARGS() > 14 && !PG_ARGISNULL(14) ? text_to_cstring(PG_GETARG_TEXT_PP(14)) : NULL;
	api_begin();
	/* cache => is the tag cache (define/track.c) */
	if (a.cache)
		a.tags = define_cache_tags(a.tags, a.cache);
	/* (servers) placement => is the tag placement (define/placement.c) */
	if (a.placement || a.shard_key)
		a.tags = define_placement_tags(a.tags, a.placement, a.shard_key);
	display = define_sql_node(&a);
	api_end();
	PG_RETURN_TEXT_P(cstring_to_text(display));
}

/*
 * hamilton_drop(node) removes a SQL node.
 */
Datum
hamilton_drop(PG_FUNCTION_ARGS)
{
	api_begin();
	define_drop_node(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	api_end();
	PG_RETURN_VOID();
}

/*
 * hamilton_tag(node, tags) merges tags into any node (Hamilton's @tag) and
 * returns the node's tags.
 */
Datum
hamilton_tag(PG_FUNCTION_ARGS)
{
	Jsonb	   *result;

	api_begin();
	result = define_tag_node(text_to_cstring(PG_GETARG_TEXT_PP(0)), PG_GETARG_JSONB_P(1));
	api_end();
	PG_RETURN_JSONB_P(result);
}

/*
 * hamilton_check(node, checks) sets the checks on any node (Hamilton's
 * @check_output) and returns them.
 */
Datum
hamilton_check(PG_FUNCTION_ARGS)
{
	Jsonb	   *checks = PG_GETARG_JSONB_P(1);

	api_begin();
	define_set_checks(text_to_cstring(PG_GETARG_TEXT_PP(0)), checks);
	api_end();
	PG_RETURN_JSONB_P(checks);
}

/*
 * hamilton_when(function, config_when) makes a function of a module one
 * variant of a node (Hamilton's @config.when) and returns the node's name.
 */
Datum
hamilton_when(PG_FUNCTION_ARGS)
{
	char	   *display;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("function must not be NULL"),
				 errhint("hamilton_when('module.spend__eu', '{\"region\": \"eu\"}')")));
	api_begin();
	display = define_function_variant(text_to_cstring(PG_GETARG_TEXT_PP(0)),
									  PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1));
	api_end();
	PG_RETURN_TEXT_P(cstring_to_text(display));
}

/*
 * hamilton_parameterize(template, sql, params, doc, tags, checks) defines
 * one node per set of values (Hamilton's @parameterize) and returns their
 * names.
 */
Datum
hamilton_parameterize(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *names;
	ListCell   *lc;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("template, sql and params must not be NULL"),
				 errhint("hamilton_parameterize('m.avg_{n}wk_spend', 'avg(spend) OVER (ORDER BY week ROWS {n} - 1 PRECEDING)', '{\"n\": [2, 3]}')")));
	/* SETOF text: the tuple descriptor is the one the caller expects */
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	api_begin();
	names = define_parameterized(text_to_cstring(PG_GETARG_TEXT_PP(0)),
								 text_to_cstring(PG_GETARG_TEXT_PP(1)),
								 PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3)),
								 PG_GETARG_JSONB_P(2),
								 PG_ARGISNULL(4) ? NULL : PG_GETARG_JSONB_P(4),
								 PG_ARGISNULL(5) ? NULL : PG_GETARG_JSONB_P(5));
	foreach(lc, names)
	{
		Datum		out[1];
		bool		outnull[1] = {false};

		out[0] = CStringGetTextDatum((char *) lfirst(lc));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, outnull);
	}
	api_end();
	return (Datum) 0;
}
