/*
 * cmd_validate.c
 *	  hamilton validate: the problems hamilton_validate finds that would
 *	  stop a run, one block each, without running anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

static void print_indented(const char *first, const char *rest, const char *text);
static int	validate_main(int argc, char **argv, Cli *cli);

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
	"      --override=NODE=VALUE   a value (or a relation) to use instead of NODE\n"
	INTO_TABLE_HELP
	MODULE_HELP,
	validate_main
};

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
			 "FROM %s.hamilton_validate($1::text[], $2::jsonb, $3::jsonb, $4::jsonb%s)",
			 api_schema(), rq.named_args);
	res = cli_query(conn, cli, sql, rq.nparams, rq.params);
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
	request_free(&rq);
	return n == 0 ? EXIT_OK : EXIT_FAILED;
}
