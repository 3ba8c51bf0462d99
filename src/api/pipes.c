/*-------------------------------------------------------------------------
 *
 * pipes.c
 *	  hamilton_pipe_output, hamilton_mutate and hamilton_pipe_input: a
 *	  chain of transforms on one node's value (define/pipes.c; features-b,
 *	  issue 13 item 5).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "api.h"

PG_FUNCTION_INFO_V1(hamilton_pipe_output);
PG_FUNCTION_INFO_V1(hamilton_mutate);
PG_FUNCTION_INFO_V1(hamilton_pipe_input);

static Datum names_array(List *names);

/* names_array is a List of C strings as text[]. */
static Datum
names_array(List *names)
{
	return PointerGetDatum(cstring_list_to_array(names));
}

/*
 * hamilton_pipe_output(node text, steps jsonb) transforms the node's output
 * by a chain of steps; returns the nodes written.
 */
Datum
hamilton_pipe_output(PG_FUNCTION_ARGS)
{
	List	   *written;

	api_begin();
	written = define_pipe_output(text_to_cstring(PG_GETARG_TEXT_PP(0)), PG_GETARG_JSONB_P(1), false);
	api_end();
	PG_RETURN_DATUM(names_array(written));
}

/*
 * hamilton_mutate(node text, step text, sql text) adds one step at the end
 * of the node's output chain; returns the nodes written.
 */
Datum
hamilton_mutate(PG_FUNCTION_ARGS)
{
	List	   *written;
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "[{\"step\": ");
	escape_json(&buf, text_to_cstring(PG_GETARG_TEXT_PP(1)));
	appendStringInfoString(&buf, ", \"sql\": ");
	escape_json(&buf, text_to_cstring(PG_GETARG_TEXT_PP(2)));
	appendStringInfoString(&buf, "}]");
	api_begin();
	written = define_pipe_output(text_to_cstring(PG_GETARG_TEXT_PP(0)),
								 DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data))),
								 true);
	api_end();
	PG_RETURN_DATUM(names_array(written));
}

/*
 * hamilton_pipe_input(node text, input text, steps jsonb) transforms what
 * the node reads as input by a chain of steps; returns the nodes written.
 */
Datum
hamilton_pipe_input(PG_FUNCTION_ARGS)
{
	List	   *written;

	api_begin();
	written = define_pipe_input(text_to_cstring(PG_GETARG_TEXT_PP(0)), text_to_cstring(PG_GETARG_TEXT_PP(1)),
								PG_GETARG_JSONB_P(2));
	api_end();
	PG_RETURN_DATUM(names_array(written));
}
