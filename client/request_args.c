/*
 * request_args.c
 *	  The arguments run, explain and validate share: OUTPUT names,
 *	  --input / --config / --override KEY=VALUE and --module /
 *	  --module-overrides (module_args.c), turned into the parameters of
 *	  hamilton_execute, hamilton_explain and hamilton_validate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

static bool request_option(int code, const char *arg, void *ctx);

enum
{
	OPT_INPUT = 1, OPT_CONFIG, OPT_OVERRIDE, OPT_INTO_TABLE, OPT_QUIET
};

static const CmdOption request_options[] = {
	{"input", 'i', true, OPT_INPUT},
	{"config", 'c', true, OPT_CONFIG},
	{"override", 0, true, OPT_OVERRIDE},
	{"into-table", 0, true, OPT_INTO_TABLE},
	MODULE_OPTIONS,
	{"quiet", 'q', false, OPT_QUIET},	/* last: only run has it */
	{NULL, 0, false, 0}
};

static bool
request_option(int code, const char *arg, void *ctx)
{
	Request    *rq = ctx;

	switch (code)
	{
		case OPT_INPUT:
			return pairs_add(&rq->inputs, arg, true);
		case OPT_CONFIG:
			return pairs_add(&rq->config, arg, true);
		case OPT_OVERRIDE:
			return pairs_add(&rq->overrides, arg, true);
		case OPT_INTO_TABLE:
			if (arg[0] == '\0')
			{
				cli_usage_error("--into-table needs a table name, e.g. --into-table hello.features");
				return false;
			}
			rq->into_table = arg;
			return true;
		case OPT_QUIET:
			rq->quiet = true;
			return true;
	}
	return modules_option(&rq->modules, code, arg);
}

/*
 * parse_request parses a command's arguments into rq, and builds the query
 * parameters: $1 outputs text[], $2 inputs, $3 overrides, $4 config (jsonb),
 * then, with --module or --module-overrides, $5 modules and $6
 * module_overrides, and with --into-table the table, which rq->named_args
 * passes by name (so that a server older than them is asked only when
 * they are given).
 * Returns false when the command must stop now with *status (after --help
 * or a usage error), having freed what it parsed; after true, the caller
 * frees rq with request_free.
 */
bool
parse_request(int argc, char **argv, Cli *cli, bool with_quiet, Request *rq,
			  int *status)
{
	int			nopts = sizeof(request_options) / sizeof(request_options[0]);
	CmdOption	opts[sizeof(request_options) / sizeof(request_options[0])];
	int			first;

	memcpy(opts, request_options, sizeof(request_options));
	if (!with_quiet)
		memset(&opts[nopts - 2], 0, sizeof(CmdOption));
	memset(rq, 0, sizeof(*rq));
	first = cli_parse_options(argc, argv, cli, opts, request_option, rq);
	*status = first == -2 ? EXIT_OK : EXIT_USAGE;
	if (first < 0)
	{
		request_free(rq);
		return false;
	}
	if (first >= argc)
	{
		cli_usage_error("name at least one output, e.g. hamilton %s forecast",
						argv[0]);
		request_free(rq);
		return false;
	}
	rq->outputs = argv + first;
	rq->noutputs = argc - first;
	rq->params[0] = text_array_literal(rq->outputs, rq->noutputs);
	rq->params[1] = pairs_to_json(&rq->inputs);
	rq->params[2] = pairs_to_json(&rq->overrides);
	rq->params[3] = pairs_to_json(&rq->config);
	rq->nparams = 4;
	snprintf(rq->named_sql, sizeof(rq->named_sql), "%s",
			 modules_named_args(&rq->modules, rq->params, &rq->nparams));
	if (rq->into_table)
	{
		size_t		len = strlen(rq->named_sql);

		rq->params[rq->nparams++] = rq->into_table;
		snprintf(rq->named_sql + len, sizeof(rq->named_sql) - len,
				 ", into_table => $%d::text", rq->nparams);
	}
	rq->named_args = rq->named_sql;
	return true;
}

/* request_free frees the parameters, the pairs and the modules of rq. */
void
request_free(Request *rq)
{
	int			i;

	for (i = 0; i < 4; i++)
	{
		free((void *) rq->params[i]);
		rq->params[i] = NULL;
	}
	pairs_free(&rq->inputs);
	pairs_free(&rq->config);
	pairs_free(&rq->overrides);
	modules_free(&rq->modules);
}
