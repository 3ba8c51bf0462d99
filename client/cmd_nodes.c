/*
 * cmd_nodes.c
 *	  hamilton nodes: the nodes and inputs of the dataflow, as
 *	  hamilton.nodes lists them, optionally only those with some tags.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

static bool nodes_option(int code, const char *arg, void *ctx);
static int	nodes_main(int argc, char **argv, Cli *cli);

const Command cmd_nodes = {
	"nodes",
	"list the nodes and inputs of the dataflow, optionally by tag",
	"Usage: hamilton nodes [--tag KEY[=VALUE]]...\n\n"
	"Lists every node (and every input) as the next run will see it: its kind,\n"
	"type, inputs, tags and doc. Inputs come last.\n\n"
	"Options:\n"
	"  -t, --tag=KEY=VALUE     only nodes tagged KEY=VALUE (repeatable: all must match)\n"
	"  -t, --tag=KEY           only nodes that have the tag KEY\n",
	nodes_main
};

enum
{
	OPT_TAG = 1
};

static const CmdOption nodes_options[] = {
	{"tag", 't', true, OPT_TAG},
	{NULL, 0, false, 0}
};

static bool
nodes_option(int code, const char *arg, void *ctx)
{
	return code == OPT_TAG && pairs_add(ctx, arg, false);
}

/*
 * nodes_main lists hamilton.nodes.  Each --tag becomes a (key, value) pair
 * of two parallel text[] parameters; a bare KEY has a NULL value and asks
 * only that the tag exists.
 */
static int
nodes_main(int argc, char **argv, Cli *cli)
{
	static const char *const headers[] = {"NODE", "KIND", "TYPE", "INPUTS", "TAGS", "DOC"};
	Pairs		tags;
	char	   *keys;
	char	   *values;
	const char *params[2];
	PGconn	   *conn;
	PGresult   *res;
	int			first;

	memset(&tags, 0, sizeof(tags));
	first = cli_parse_options(argc, argv, cli, nodes_options, nodes_option, &tags);
	if (first < 0)
	{
		pairs_free(&tags);
		return first == -2 ? EXIT_OK : EXIT_USAGE;
	}
	if (first < argc)
	{
		cli_usage_error("unexpected argument \"%s\"", argv[first]);
		pairs_free(&tags);
		return EXIT_USAGE;
	}

	conn = cli_connect(cli);
	keys = text_array_literal(tags.keys, tags.n);
	values = text_array_literal(tags.values, tags.n);
	params[0] = keys;
	params[1] = values;
	res = cli_query(conn, cli,
					"SELECT n.node, n.kind, coalesce(n.type, ''),"
					"       array_to_string(n.inputs, ', '),"
					"       coalesce((SELECT string_agg(t.key || '=' || t.value, ', ' ORDER BY t.key)"
					"                 FROM jsonb_each_text(n.tags) AS t), ''),"
					"       coalesce(n.doc, '')"
					"  FROM hamilton.nodes n"
					" WHERE cardinality($1::text[]) = 0"
					"    OR coalesce((SELECT bool_and(CASE WHEN f.v IS NULL THEN n.tags ? f.k"
					"                                      ELSE n.tags ->> f.k = f.v END)"
					"                   FROM unnest($1::text[], $2::text[]) AS f(k, v)), false)"
					" ORDER BY n.kind = 'input', n.node",
					2, params);
	if (PQntuples(res) == 0)
		printf("(no nodes)\n");
	else
		print_table(res, headers, "llllll");
	PQclear(res);
	cli_finish(conn);
	free(keys);
	free(values);
	pairs_free(&tags);
	return EXIT_OK;
}
