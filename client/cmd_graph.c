/*
 * cmd_graph.c
 *	  hamilton graph: the dataflow as a picture.  The server draws it in
 *	  DOT (hamilton_dot); Graphviz's dot renders it to SVG, PNG or PDF.
 *
 * dot reads the DOT text from an anonymous temporary file and writes to a
 * temporary file next to the target, renamed over it only on success, so
 * a failed render never leaves a half-written picture behind.  It is
 * started with posix_spawnp, never through a shell: file names are data.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"

extern char **environ;

typedef struct GraphArgs
{
	const char *output;			/* -o FILE, or NULL for stdout */
	const char *format;			/* -T FORMAT */
	const char *run_id;			/* --run ID */
} GraphArgs;

static bool graph_option(int code, const char *arg, void *ctx);
static const char *format_of(const char *file);
static bool write_text(const char *file, const char *text);
static bool render(const char *text, const char *format, const char *output);
static int	graph_main(int argc, char **argv, Cli *cli);

const Command cmd_graph = {
	"graph",
	"draw the dataflow (DOT, or SVG/PNG/PDF with Graphviz)",
	"Usage: hamilton graph [OUTPUT...] [-o FILE] [options]\n\n"
	"Draws the dataflow that computes the OUTPUTs (all nodes if none are named),\n"
	"as DOT text from the server function hamilton_dot. The format follows FILE's\n"
	"extension: .dot or .gv writes the DOT text; .svg, .png or .pdf renders it with\n"
	"Graphviz's dot, which must be on PATH. Without -o, DOT goes to stdout.\n\n"
	"Options:\n"
	"  -o, --output=FILE       where to write the picture\n"
	"  -T, --format=FORMAT     dot, svg, png, pdf, ... (default: from FILE's extension)\n"
	"      --run=RUN_ID        draw that run (passed to hamilton_dot as run_id)\n\n"
	"Example: hamilton graph forecast -o dag.svg\n",
	graph_main
};

enum
{
	OPT_OUTPUT = 1, OPT_FORMAT, OPT_RUN
};

static const CmdOption graph_options[] = {
	{"output", 'o', true, OPT_OUTPUT},
	{"format", 'T', true, OPT_FORMAT},
	{"run", 0, true, OPT_RUN},
	{NULL, 0, false, 0}
};

static bool
graph_option(int code, const char *arg, void *ctx)
{
	GraphArgs  *ga = ctx;

	switch (code)
	{
		case OPT_OUTPUT:
			ga->output = arg;
			return true;
		case OPT_FORMAT:
			if (arg[0] == '\0' || arg[strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789:_-")] != '\0')
			{
				cli_usage_error("unknown format \"%s\"", arg);
				return false;
			}
			ga->format = arg;
			return true;
		case OPT_RUN:
			if (arg[0] == '\0' || arg[strspn(arg, "0123456789")] != '\0' || strlen(arg) > 18)
			{
				cli_usage_error("--run needs a run id (a number), got \"%s\"", arg);
				return false;
			}
			ga->run_id = arg;
			return true;
	}
	return false;
}

/* format_of: the output format a file name asks for, or NULL. */
static const char *
format_of(const char *file)
{
	static const char *const known[][2] = {
		{".dot", "dot"}, {".gv", "dot"}, {".svg", "svg"}, {".png", "png"},
		{".pdf", "pdf"}, {".DOT", "dot"}, {".SVG", "svg"}, {".PNG", "png"},
		{".PDF", "pdf"}
	};
	const char *ext = strrchr(file, '.');
	size_t		i;

	for (i = 0; ext && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(ext, known[i][0]) == 0)
			return known[i][1];
	return NULL;
}

/* write_text writes the DOT text to file, or stdout for NULL. */
static bool
write_text(const char *file, const char *text)
{
	FILE	   *f = file ? fopen(file, "w") : stdout;

	size_t		len = strlen(text);

	/* a terminal's prompt should not follow the graph's last brace */
	if (f == NULL || fputs(text, f) < 0 ||
		(file == NULL && len > 0 && text[len - 1] != '\n' && fputc('\n', f) == EOF) ||
		(file ? fclose(f) : fflush(f)) != 0)
	{
		cli_error("cannot write \"%s\": %s", file ? file : "stdout", strerror(errno));
		return false;
	}
	return true;
}

/*
 * render runs "dot -T<format>" on text, into output (or stdout).  dot's
 * stderr is kept in a temporary file so that a failure is reported as one
 * line that quotes dot's first line.
 */
static bool
render(const char *text, const char *format, const char *output)
{
	FILE	   *in = tmpfile();
	FILE	   *err = tmpfile();
	char	   *tmpout = NULL;
	int			outfd = -1;
	char		flag[64];
	char	   *args[3];
	posix_spawn_file_actions_t fa;
	pid_t		pid;
	int			rc;
	int			wstatus;
	bool		ok = false;
	mode_t		mask;

	if (in == NULL || err == NULL || fputs(text, in) < 0 || fflush(in) != 0)
	{
		cli_error("cannot create a temporary file: %s", strerror(errno));
		return false;
	}
	rewind(in);
	if (output)
	{
		tmpout = cli_xmalloc(strlen(output) + 16);
		sprintf(tmpout, "%s.XXXXXX", output);
		if ((outfd = mkstemp(tmpout)) < 0)
		{
			cli_error("cannot write \"%s\": %s", output, strerror(errno));
			return false;
		}
		/* mkstemp makes it private; give it the mode a new file would get */
		mask = umask(0);
		umask(mask);
		fchmod(outfd, 0666 & ~mask);
	}

	snprintf(flag, sizeof(flag), "-T%s", format);
	args[0] = "dot";
	args[1] = flag;
	args[2] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fileno(in), STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fileno(err), STDERR_FILENO);
	if (outfd >= 0)
		posix_spawn_file_actions_adddup2(&fa, outfd, STDOUT_FILENO);
	fflush(stdout);
	rc = posix_spawnp(&pid, "dot", &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);

	if (rc == ENOENT)
		cli_error("cannot render %s: Graphviz's dot is not on PATH (install graphviz, or write DOT with -o FILE.dot)",
				  format);
	else if (rc != 0)
		cli_error("cannot run dot: %s", strerror(rc));
	else if (waitpid(pid, &wstatus, 0) < 0)
		cli_error("cannot wait for dot: %s", strerror(errno));
	else if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
	{
		char		line[512] = "";

		rewind(err);
		if (fgets(line, sizeof(line), err) != NULL)
			line[strcspn(line, "\n")] = '\0';
		cli_error("dot could not render %s: %s", output ? output : format,
				  line[0] ? line : "it failed without saying why");
	}
	else if (output && rename(tmpout, output) != 0)
		cli_error("cannot write \"%s\": %s", output, strerror(errno));
	else
		ok = true;

	if (outfd >= 0)
	{
		close(outfd);
		if (!ok)
			unlink(tmpout);
	}
	free(tmpout);
	fclose(in);
	fclose(err);
	return ok;
}

static int
graph_main(int argc, char **argv, Cli *cli)
{
	GraphArgs	ga = {NULL, NULL, NULL};
	const char *params[2];
	const char *sqlstate;
	const char *primary;
	const char *format;
	char		sql[256];
	PGconn	   *conn;
	PGresult   *res;
	int			first;
	bool		ok;

	first = cli_parse_options(argc, argv, cli, graph_options, graph_option, &ga);
	if (first < 0)
		return first == -2 ? EXIT_OK : EXIT_USAGE;
	format = ga.format ? ga.format : ga.output ? format_of(ga.output) : "dot";
	if (format == NULL)
	{
		cli_usage_error("cannot tell the format of \"%s\": name it .dot, .svg, .png or .pdf, or give -T FORMAT",
						ga.output);
		return EXIT_USAGE;
	}
	params[0] = first < argc ? text_array_literal(argv + first, argc - first) : NULL;
	params[1] = ga.run_id;

	conn = cli_connect(cli);
	snprintf(sql, sizeof(sql), "SELECT %s.hamilton_dot($1::text[], $2::bigint)",
			 api_schema());
	res = PQexecParams(conn, sql, 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		/* 42883 undefined_function: an extension older than hamilton_dot */
		if (sqlstate && strcmp(sqlstate, "42883") == 0 && primary &&
			strstr(primary, "hamilton_dot("))
		{
			cli_error("this database's pg_hamilton has no function hamilton_dot(text[], bigint), which graph needs");
			cli_hint("install a pg_hamilton that has it, then run ALTER EXTENSION hamilton UPDATE");
		}
		else
			cli_report_result_error(conn, res, cli);
		PQclear(res);
		ok = PQstatus(conn) != CONNECTION_BAD;
		cli_finish(conn);
		return ok ? EXIT_FAILED : EXIT_CONNECT;
	}
	if (PQgetisnull(res, 0, 0))
	{
		cli_error("hamilton_dot returned no graph");
		PQclear(res);
		cli_finish(conn);
		return EXIT_FAILED;
	}
	if (strcmp(format, "dot") == 0 || strcmp(format, "gv") == 0)
		ok = write_text(ga.output, PQgetvalue(res, 0, 0));
	else
		ok = render(PQgetvalue(res, 0, 0), format, ga.output);
	if (ok && ga.output)
		printf("wrote %s\n", ga.output);
	PQclear(res);
	cli_finish(conn);
	return ok ? EXIT_OK : EXIT_FAILED;
}
