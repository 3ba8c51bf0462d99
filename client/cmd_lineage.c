/*
 * cmd_lineage.c
 *	  hamilton lineage: what made a materialized table, from
 *	  hamilton.lineage: the run, the code, the inputs, upstream, sources.
 */
#include <stdio.h>
#include <stdlib.h>

#include "client.h"

static bool no_option(int code, const char *arg, void *ctx);
static int	lineage_main(int argc, char **argv, Cli *cli);

const Command cmd_lineage = {
	"lineage",
	"show what made a materialized table: run, code, inputs, upstream, sources",
	"Usage: hamilton lineage TABLE\n\n"
	"Shows the lineage of a table pg_hamilton materialized: the run and node that\n"
	"made it, the node's code fingerprint, the inputs it depends on, the upstream\n"
	"results it read (and the runs that made them) and its source tables.\n"
	"TABLE is a table name (shop.forecast) or a node name (forecast).\n",
	lineage_main
};

static bool
no_option(int code, const char *arg, void *ctx)
{
	(void) code;
	(void) arg;
	(void) ctx;
	return false;
}

/*
 * lineage_main prints the lineage of one table.  The argument is matched as
 * a relation (through the user's search_path, as in SQL: cli_user_relation),
 * as a node's qualified name, or as a node's bare name in any module.
 */
static int
lineage_main(int argc, char **argv, Cli *cli)
{
	static const char *const labels[] = {
		"table", "node", "run", "materialized", "fingerprint", "inputs",
		"upstream", "sources"
	};
	const char *params[2];
	PGconn	   *conn;
	PGresult   *res;
	int			first;
	int			r,
				c;

	first = cli_parse_options(argc, argv, cli, NULL, no_option, NULL);
	if (first < 0)
		return first == -2 ? EXIT_OK : EXIT_USAGE;
	if (first == argc)
	{
		cli_usage_error("name the table, e.g. hamilton lineage shop.forecast");
		return EXIT_USAGE;
	}
	if (argc - first > 1)
	{
		cli_usage_error("give one table, not %d", argc - first);
		return EXIT_USAGE;
	}
	params[0] = argv[first];

	conn = cli_connect(cli);
	params[1] = cli_user_relation(conn, cli, argv[first]);
	res = cli_query(conn, cli,
					"SELECT l.relation::text, l.node,"
					"       l.run_id || coalesce(' (' || l.run_status || ')', ''),"
					"       to_char(l.materialized_at, 'YYYY-MM-DD HH24:MI:SS TZ'),"
					"       l.fingerprint,"
					"       coalesce((SELECT string_agg(i.key || '=' || i.value, ', ' ORDER BY i.key)"
					"                 FROM jsonb_each_text(l.inputs) AS i), '(none)'),"
					"       coalesce((SELECT string_agg((u ->> 'relation') || ' (run ' || (u ->> 'run_id') || ')', ', ')"
					"                 FROM jsonb_array_elements(l.upstream) AS u), '(none)'),"
					"       coalesce(nullif(array_to_string(l.sources, ', '), ''), '(none)')"
					"  FROM hamilton.lineage l"
					" WHERE l.relation = $2::oid OR l.node = $1"
					"    OR l.node = quote_ident(l.module) || '.' || quote_ident($1)"
					" ORDER BY 1",
					2, params);
	if (PQntuples(res) == 0)
	{
		cli_error("no lineage for \"%s\": pg_hamilton has not materialized it, or you may not read it",
				  argv[first]);
		cli_hint("hamilton nodes lists the nodes; hamilton run NODE materializes one");
		PQclear(res);
		cli_finish(conn);
		return EXIT_FAILED;
	}
	for (r = 0; r < PQntuples(res); r++)
	{
		if (r > 0)
			printf("\n");
		for (c = 0; c < PQnfields(res); c++)
		{
			char	   *v = display_text(PQgetvalue(res, r, c));

			printf("%-13s %s\n", labels[c], v);
			free(v);
		}
	}
	PQclear(res);
	cli_finish(conn);
	return EXIT_OK;
}
