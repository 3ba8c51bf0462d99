/*-------------------------------------------------------------------------
 *
 * files.c
 *	  Loaders and savers: hamilton_read_file, hamilton_load, hamilton_save
 *	  and hamilton_unsave (define/savers.c, exec/files.c; features-b,
 *	  issue 13 item 9).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "api.h"

PG_FUNCTION_INFO_V1(hamilton_read_file);
PG_FUNCTION_INFO_V1(hamilton_load);
PG_FUNCTION_INFO_V1(hamilton_save);
PG_FUNCTION_INFO_V1(hamilton_unsave);

/*
 * hamilton_read_file(path text, options jsonb) returns the rows of a file
 * on the server, read by COPY FROM as the caller, as the rows of the
 * column definition list it is called with.
 */
Datum
hamilton_read_file(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("path must not be NULL"),
				 errhint("SELECT * FROM hamilton_read_file('/srv/data/sales.csv') AS f(region text, amount numeric);")));
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	(void) exec_read_file(text_to_cstring(PG_GETARG_TEXT_PP(0)),
						  PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1),
						  rsinfo->setDesc, rsinfo->setResult);
	return (Datum) 0;
}

/*
 * hamilton_load(node, path, columns, options, doc, key, extract_columns)
 * defines a SQL node whose rows are read from a file; returns its name.
 */
Datum
hamilton_load(PG_FUNCTION_ARGS)
{
	DefineArgs	a;
	char	   *display;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("node, path and columns must not be NULL"),
				 errdetail("A loader is a node that reads a file's rows, of the columns it declares."),
				 errhint("hamilton_load('module.name', '/srv/data/file.csv', 'a int, b text')")));
	memset(&a, 0, sizeof(a));
	a.node_text = text_to_cstring(PG_GETARG_TEXT_PP(0));
	a.doc = PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4));
	a.materialize = "auto";
	a.key = PG_ARGISNULL(5) ? NULL : PG_GETARG_ARRAYTYPE_P(5);
	a.extract_columns = PG_ARGISNULL(6) ? false : PG_GETARG_BOOL(6);
	api_begin();
	display = define_loader(&a, text_to_cstring(PG_GETARG_TEXT_PP(1)),
							text_to_cstring(PG_GETARG_TEXT_PP(2)),
							PG_ARGISNULL(3) ? NULL : PG_GETARG_JSONB_P(3));
	api_end();
	PG_RETURN_TEXT_P(cstring_to_text(display));
}

/*
 * hamilton_save(node, path, options) writes the node's result to a file
 * whenever a run computes it.
 */
Datum
hamilton_save(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("node and path must not be NULL"),
				 errhint("hamilton_save('module.name', '/srv/out/name.csv')")));
	api_begin();
	define_add_saver(text_to_cstring(PG_GETARG_TEXT_PP(0)), text_to_cstring(PG_GETARG_TEXT_PP(1)),
					 PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2));
	api_end();
	PG_RETURN_VOID();
}

/*
 * hamilton_unsave(node, path) stops writing the node's result to that file.
 */
Datum
hamilton_unsave(PG_FUNCTION_ARGS)
{
	api_begin();
	define_remove_saver(text_to_cstring(PG_GETARG_TEXT_PP(0)), text_to_cstring(PG_GETARG_TEXT_PP(1)));
	api_end();
	PG_RETURN_VOID();
}
