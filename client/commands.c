/*
 * commands.c
 *	  The commands that read the dataflow and its history: nodes, lineage,
 *	  validate, history.  Each is one query on pg_hamilton's views or
 *	  functions, with user text passed as $n parameters, and a table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

typedef struct HistoryArgs
{
	bool		failed;
	const char *limit;
} HistoryArgs;

static bool nodes_option(int code, const char *arg, void *ctx);
static bool history_option(int code, const char *arg, void *ctx);
static bool no_option(int code, const char *arg, void *ctx);
static bool is_integer(const char *s);
static void print_indented(const char *first, const char *rest, const char *text);
static int	nodes_main(int argc, char **argv, Cli *cli);
static int	lineage_main(int argc, char **argv, Cli *cli);
static int	validate_main(int argc, char **argv, Cli *cli);
static int	history_main(int argc, char **argv, Cli *cli);
static int	history_run(PGconn *conn, Cli *cli, const char *run_id);

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

const Command cmd_validate = {
	"validate",
	"check that some outputs can run, without running anything",
	"Usage: hamilton validate OUTPUT... [options]\n\n"
	"Reports every problem that would stop hamilton run: unknown outputs, missing\n"
	"inputs, cycles, ambiguous names, type mismatches, bad values. Exits 0 if there\n"
	"are none, 1 if there are.\n\n"
	"Options:\n"
	"  -i, --input=KEY=VALUE       an input of the dataflow (repeatable)\n"
	"  -c, --config=KEY=VALUE      a config value\n"
	"      --override=NODE=VALUE   a value (or a relation) to use instead of NODE\n",
	validate_main
};

const Command cmd_history = {
	"history",
	"list past runs, or the steps of one run",
	"Usage: hamilton history [RUN_ID] [options]\n\n"
	"Lists the latest runs (yours, or of roles you are a member of), newest\n"
	"first; with a RUN_ID, that run and every one of its steps.\n\n"
	"Options:\n"
	"      --failed            only failed runs\n"
	"  -n, --limit=N           show at most N runs (default 20)\n",
	history_main
};

enum
{
	OPT_TAG = 1, OPT_FAILED, OPT_LIMIT
};

static const CmdOption nodes_options[] = {
	{"tag", 't', true, OPT_TAG},
	{NULL, 0, false, 0}
};

static const CmdOption history_options[] = {
	{"failed", 0, false, OPT_FAILED},
	{"limit", 'n', true, OPT_LIMIT},
	{NULL, 0, false, 0}
};

static bool
nodes_option(int code, const char *arg, void *ctx)
{
	return code == OPT_TAG && pairs_add(ctx, arg, false);
}

static bool
history_option(int code, const char *arg, void *ctx)
{
	HistoryArgs *ha = ctx;

	if (code == OPT_FAILED)
		ha->failed = true;
	else if (code == OPT_LIMIT)
	{
		if (!is_integer(arg) || atoll(arg) < 1)
		{
			cli_usage_error("--limit needs a positive number, got \"%s\"", arg);
			return false;
		}
		ha->limit = arg;
	}
	return true;
}

static bool
no_option(int code, const char *arg, void *ctx)
{
	(void) code;
	(void) arg;
	(void) ctx;
	return false;
}

/* is_integer: only digits, at most 18 of them (fits a bigint). */
static bool
is_integer(const char *s)
{
	size_t		n = strspn(s, "0123456789");

	return n > 0 && n <= 18 && s[n] == '\0';
}

/*
 * print_indented prints a text that may span lines under a problem: its
 * first line after first, the others after rest.  Nothing for "".
 */
static void
print_indented(const char *first, const char *rest, const char *text)
{
	const char *line = text;

	while (*line)
	{
		const char *end = strchr(line, '\n');
		int			len = end ? (int) (end - line) : (int) strlen(line);

		printf("%s%.*s\n", line == text ? first : rest, len, line);
		if (end == NULL)
			break;
		line = end + 1;
	}
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
	const char *params[2];
	PGconn	   *conn;
	PGresult   *res;
	int			first;

	memset(&tags, 0, sizeof(tags));
	first = cli_parse_options(argc, argv, cli, nodes_options, nodes_option, &tags);
	if (first < 0)
		return first == -2 ? EXIT_OK : EXIT_USAGE;
	if (first < argc)
	{
		cli_usage_error("unexpected argument \"%s\"", argv[first]);
		return EXIT_USAGE;
	}
	params[0] = text_array_literal(tags.keys, tags.n);
	params[1] = text_array_literal(tags.values, tags.n);

	conn = cli_connect(cli);
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
	return EXIT_OK;
}

/*
 * lineage_main prints the lineage of one table.  The argument is matched as
 * a relation (through search_path, as in SQL), as a node's qualified name,
 * or as a node's bare name in any module.
 */
static int
lineage_main(int argc, char **argv, Cli *cli)
{
	static const char *const labels[] = {
		"table", "node", "run", "materialized", "fingerprint", "inputs",
		"upstream", "sources"
	};
	const char *params[1];
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
					" WHERE l.relation = to_regclass($1) OR l.node = $1"
					"    OR l.node = quote_ident(l.module) || '.' || quote_ident($1)"
					" ORDER BY 1",
					1, params);
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

/*
 * validate_main prints hamilton_validate's problems on stdout, one block
 * each, and exits 1 if there are any, with a one-line count on stderr.
 */
static int
validate_main(int argc, char **argv, Cli *cli)
{
	Request		rq;
	char		sql[512];
	PGconn	   *conn;
	PGresult   *res;
	char	   *hint;
	int			status;
	int			n;
	int			r;

	if (!parse_request(argc, argv, cli, false, &rq, &status))
		return status;
	conn = cli_connect(cli);
	snprintf(sql, sizeof(sql),
			 "SELECT problem, message, coalesce(detail, ''), coalesce(hint, '') "
			 "FROM %s.hamilton_validate($1::text[], $2::jsonb, $3::jsonb, $4::jsonb)",
			 api_schema());
	res = cli_query(conn, cli, sql, 4, rq.params);
	n = PQntuples(res);
	for (r = 0; r < n; r++)
	{
		char	   *msg = display_text(PQgetvalue(res, r, 1));

		printf("%s: %s\n", PQgetvalue(res, r, 0), msg);
		free(msg);
		print_indented("  ", "  ", PQgetvalue(res, r, 2));
		hint = hint_for_cli(PQgetvalue(res, r, 3));
		print_indented("  hint: ", "        ", hint);
		free(hint);
	}
	if (n == 0)
	{
		printf("ok: nothing stops");
		for (r = 0; r < rq.noutputs; r++)
			printf("%s %s", r > 0 ? "," : "", rq.outputs[r]);
		printf(" from running\n");
	}
	fflush(stdout);
	if (n > 0)
		cli_error("%d problem%s would stop this run", n, n == 1 ? "" : "s");
	PQclear(res);
	cli_finish(conn);
	return n == 0 ? EXIT_OK : EXIT_FAILED;
}

static int
history_main(int argc, char **argv, Cli *cli)
{
	static const char *const headers[] = {
		"RUN", "STATUS", "STARTED", "TIME", "OUTPUTS", "FAILED NODE", "ERROR"
	};
	HistoryArgs ha = {false, "20"};
	const char *params[2];
	PGconn	   *conn;
	PGresult   *res;
	int			first;
	int			status;

	first = cli_parse_options(argc, argv, cli, history_options, history_option, &ha);
	if (first < 0)
		return first == -2 ? EXIT_OK : EXIT_USAGE;
	if (argc - first > 1 || (first < argc && !is_integer(argv[first])))
	{
		cli_usage_error("expected at most one run id (a number), got \"%s\"",
						argv[argc - 1]);
		return EXIT_USAGE;
	}

	conn = cli_connect(cli);
	if (first < argc)
	{
		status = history_run(conn, cli, argv[first]);
		cli_finish(conn);
		return status;
	}
	params[0] = ha.failed ? "true" : "false";
	params[1] = ha.limit;
	res = cli_query(conn, cli,
					"SELECT r.run_id, r.status, to_char(r.started_at, 'YYYY-MM-DD HH24:MI:SS'),"
					"       CASE WHEN r.ms < 1000 THEN round(r.ms, 1) || ' ms'"
					"            ELSE round(r.ms / 1000, 2) || ' s' END,"
					"       array_to_string(r.outputs, ', '),"
					"       coalesce(r.failed_node, ''), coalesce(r.error, '')"
					"  FROM hamilton.runs r"
					" WHERE NOT $1::boolean OR r.status = 'failed'"
					" ORDER BY r.run_id DESC LIMIT $2::bigint",
					2, params);
	if (PQntuples(res) == 0)
		printf(ha.failed ? "(no failed runs)\n" : "(no runs)\n");
	else
		print_table(res, headers, "rllrlll");
	PQclear(res);
	cli_finish(conn);
	return EXIT_OK;
}

/* history_run prints one run, then its steps. */
static int
history_run(PGconn *conn, Cli *cli, const char *run_id)
{
	static const char *const headers[] = {
		"STEP", "NODE", "KIND", "STATUS", "ROWS", "TIME", "RELATION", "ERROR"
	};
	const char *params[1] = {run_id};
	PGresult   *res;
	char	   *text;

	res = cli_query(conn, cli,
					"SELECT r.run_id, r.status, to_char(r.started_at, 'YYYY-MM-DD HH24:MI:SS TZ'),"
					"       coalesce(r.ms::text, '?'), array_to_string(r.outputs, ', '),"
					"       r.inputs::text, r.overrides::text, r.config::text, r.run_by,"
					"       coalesce(r.error, '')"
					"  FROM hamilton.runs r WHERE r.run_id = $1::bigint",
					1, params);
	if (PQntuples(res) == 0)
	{
		cli_error("no run %s (or it is not yours to see)", run_id);
		PQclear(res);
		return EXIT_FAILED;
	}
	printf("run %s %s, started %s by %s, %s ms\n", PQgetvalue(res, 0, 0),
		   PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 8),
		   PQgetvalue(res, 0, 3));
	printf("outputs    %s\n", PQgetvalue(res, 0, 4));
	printf("inputs     %s\n", PQgetvalue(res, 0, 5));
	if (strcmp(PQgetvalue(res, 0, 6), "{}") != 0)
		printf("overrides  %s\n", PQgetvalue(res, 0, 6));
	if (strcmp(PQgetvalue(res, 0, 7), "{}") != 0)
		printf("config     %s\n", PQgetvalue(res, 0, 7));
	if (PQgetvalue(res, 0, 9)[0])
	{
		text = display_text(PQgetvalue(res, 0, 9));
		printf("error      %s\n", text);
		free(text);
	}
	PQclear(res);

	res = cli_query(conn, cli,
					"SELECT s.step, s.node, s.kind, s.status, coalesce(s.rows::text, ''),"
					"       coalesce(round(s.ms::numeric, 1) || ' ms', ''),"
					"       coalesce(s.relation, ''), coalesce(s.error, '')"
					"  FROM hamilton.node_runs s WHERE s.run_id = $1::bigint ORDER BY s.step",
					1, params);
	printf("\n");
	print_table(res, headers, "rlllrrll");
	PQclear(res);
	return EXIT_OK;
}
