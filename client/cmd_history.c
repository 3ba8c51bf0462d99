/*
 * cmd_history.c
 *	  hamilton history: the latest runs from hamilton.runs, or one run and
 *	  its steps from hamilton.node_runs.
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

static bool history_option(int code, const char *arg, void *ctx);
static int	history_main(int argc, char **argv, Cli *cli);
static int	history_run(PGconn *conn, Cli *cli, const char *run_id);
static void history_checks(PGconn *conn, Cli *cli, const char *run_id);

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
	OPT_FAILED = 1, OPT_LIMIT
};

static const CmdOption history_options[] = {
	{"failed", 0, false, OPT_FAILED},
	{"limit", 'n', true, OPT_LIMIT},
	{NULL, 0, false, 0}
};

static bool
history_option(int code, const char *arg, void *ctx)
{
	HistoryArgs *ha = ctx;

	if (code == OPT_FAILED)
		ha->failed = true;
	else if (code == OPT_LIMIT)
	{
		if (!cli_is_integer(arg) || atoll(arg) < 1)
		{
			cli_usage_error("--limit needs a positive number, got \"%s\"", arg);
			return false;
		}
		ha->limit = arg;
	}
	return true;
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
	if (argc - first > 1 || (first < argc && !cli_is_integer(argv[first])))
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
					"       coalesce(r.error, ''),"
					"       coalesce(pg_catalog.to_jsonb(r) ->> 'into_table', '')"	/* 1.3 on */
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
	if (PQgetvalue(res, 0, 10)[0])
	{
		text = display_text(PQgetvalue(res, 0, 10));
		printf("into table %s\n", text);
		free(text);
	}
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
	history_checks(conn, cli, run_id);
	return EXIT_OK;
}

/*
 * history_checks prints the checks of a run (hamilton.check_results, which a
 * database whose extension is 1.0 has not), if it had any.
 */
static void
history_checks(PGconn *conn, Cli *cli, const char *run_id)
{
	static const char *const headers[] = {
		"CHECK", "NODE", "SEVERITY", "PASSED", "FAILING ROWS", "ROWS", "RELATION"
	};
	const char *params[1] = {run_id};
	PGresult   *res;

	res = cli_query(conn, cli, "SELECT pg_catalog.to_regclass('hamilton.check_results') IS NOT NULL", 0, NULL);
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
	{
		PQclear(res);
		return;
	}
	PQclear(res);
	res = cli_query(conn, cli,
					"SELECT c.\"check\", c.node, c.severity, CASE WHEN c.passed THEN 'yes' ELSE 'no' END,"
					"       c.failing_rows::text, c.rows::text, coalesce(c.relation, '')"
					"  FROM hamilton.check_results c WHERE c.run_id = $1::bigint ORDER BY c.step, c.check_no",
					1, params);
	if (PQntuples(res) > 0)
	{
		printf("\n");
		print_table(res, headers, "llllrrl");
	}
	PQclear(res);
}
