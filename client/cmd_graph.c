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
	Pairs		config;			/* --config KEY=VALUE */
	RunModules	modules;		/* --module, --module-overrides */
} GraphArgs;

static bool graph_option(int code, const char *arg, void *ctx);
static const char *format_of(const char *file);
static bool write_text(const char *file, const char *text);
static bool run_dot(FILE *in, FILE *err, int outfd, const char *format,
					const char *output);
static bool render_to_file(FILE *in, FILE *err, const char *format,
						   const char *output);
static bool render(const char *text, const char *format, const char *output);
static void report_dot_error(PGconn *conn, const PGresult *res, Cli *cli);
static int	graph_main(int argc, char **argv, Cli *cli);

const Command cmd_graph = {
	"graph",
	"draw the dataflow (DOT, or SVG/PNG/PDF with Graphviz)",
	"Usage: hamilton graph [OUTPUT...] [-o FILE] [options]\n\n"
	"Draws the dataflow that computes the OUTPUTs (if none are named: all nodes, or\n"
	"with --module the nodes of those modules), as DOT text from the server function\n"
	"hamilton_dot. The format follows FILE's extension: .dot or .gv writes the DOT\n"
	"text; .svg, .png or .pdf renders it with Graphviz's dot, which must be on PATH.\n"
	"Without -o, DOT goes to stdout.\n\n"
	"With --module, names resolve among those modules as in hamilton run, so a\n"
	"dataflow that spans modules is drawn with its edges between them.\n\n"
	"Options:\n"
	"  -o, --output=FILE           where to write the picture\n"
	"  -T, --format=FORMAT         dot, svg, png, pdf, ... (default: from FILE's extension)\n"
	"      --run=RUN_ID            draw that run (passed to hamilton_dot as run_id)\n"
	"  -c, --config=KEY=VALUE      draw the variants this config chooses (repeatable)\n"
	MODULE_HELP "\n"
	"Examples: hamilton graph forecast -o dag.svg\n"
	"          hamilton graph spend_per_signup --module h2 --module h -o dag.svg\n"
	"          hamilton graph selected -c region=eu\n",
	graph_main
};

enum
{
	OPT_OUTPUT = 1, OPT_FORMAT, OPT_RUN, OPT_CONFIG
};

static const CmdOption graph_options[] = {
	{"output", 'o', true, OPT_OUTPUT},
	{"format", 'T', true, OPT_FORMAT},
	{"run", 0, true, OPT_RUN},
	{"config", 'c', true, OPT_CONFIG},
	MODULE_OPTIONS,
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
			if (!cli_is_integer(arg))
			{
				cli_usage_error("--run needs a run id (a number), got \"%s\"", arg);
				return false;
			}
			ga->run_id = arg;
			return true;
		case OPT_CONFIG:
			return pairs_add(&ga->config, arg, true);
	}
	return modules_option(&ga->modules, code, arg);
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

/*
 * write_text writes the DOT text to file, or stdout for NULL.  The file is
 * closed whether or not writing it worked.
 */
static bool
write_text(const char *file, const char *text)
{
	FILE	   *f = file ? fopen(file, "w") : stdout;
	size_t		len = strlen(text);
	bool		ok;
	int			saved_errno = 0;

	if (f == NULL)
	{
		cli_error("cannot write \"%s\": %s", file, strerror(errno));
		return false;
	}
	/* a terminal's prompt should not follow the graph's last brace */
	ok = fputs(text, f) >= 0 &&
		(file != NULL || len == 0 || text[len - 1] == '\n' || fputc('\n', f) != EOF);
	if (!ok)
		saved_errno = errno;
	if ((file ? fclose(f) : fflush(f)) != 0 && ok)
	{
		ok = false;
		saved_errno = errno;
	}
	if (!ok)
		cli_error("cannot write \"%s\": %s", file ? file : "stdout",
				  strerror(saved_errno));
	return ok;
}

/*
 * run_dot runs "dot -T<format>" with in as its stdin, err as its stderr and
 * outfd (or our stdout, for -1) as its stdout, and says why if it fails:
 * one line that quotes the first line dot wrote to err.  output names the
 * picture in that line (NULL: the format, for stdout).
 */
static bool
run_dot(FILE *in, FILE *err, int outfd, const char *format, const char *output)
{
	char		flag[64];
	char	   *args[3];
	posix_spawn_file_actions_t fa;
	pid_t		pid;
	int			rc;
	int			wstatus;

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
	else
		return true;
	return false;
}

/*
 * render_to_file has dot write a temporary file next to output, renamed
 * over it only once dot has succeeded, and removed otherwise.
 */
static bool
render_to_file(FILE *in, FILE *err, const char *format, const char *output)
{
	char	   *tmpout = cli_xmalloc(strlen(output) + 16);
	int			outfd;
	mode_t		mask;
	bool		ok = false;

	sprintf(tmpout, "%s.XXXXXX", output);
	if ((outfd = mkstemp(tmpout)) < 0)
		cli_error("cannot write \"%s\": %s", output, strerror(errno));
	else
	{
		/* mkstemp makes it private; give it the mode a new file would get */
		mask = umask(0);
		umask(mask);
		fchmod(outfd, 0666 & ~mask);
		ok = run_dot(in, err, outfd, format, output);
		if (ok && rename(tmpout, output) != 0)
		{
			cli_error("cannot write \"%s\": %s", output, strerror(errno));
			ok = false;
		}
		close(outfd);
		if (!ok)
			unlink(tmpout);
	}
	free(tmpout);
	return ok;
}

/*
 * render renders text with dot into output (or stdout).  dot reads the text
 * from one temporary file and writes its messages to another; both are
 * closed on every path.
 */
static bool
render(const char *text, const char *format, const char *output)
{
	FILE	   *in = tmpfile();
	FILE	   *err = in ? tmpfile() : NULL;
	bool		ok = false;

	if (in == NULL || err == NULL || fputs(text, in) < 0 || fflush(in) != 0)
		cli_error("cannot create a temporary file: %s", strerror(errno));
	else
	{
		rewind(in);
		ok = output ? render_to_file(in, err, format, output) :
			run_dot(in, err, -1, format, NULL);
	}
	if (in)
		fclose(in);
	if (err)
		fclose(err);
	return ok;
}

/*
 * report_dot_error reports a failed call of hamilton_dot; an extension
 * older than that function, or than its modules argument, is told so
 * plainly.
 */
static void
report_dot_error(PGconn *conn, const PGresult *res, Cli *cli)
{
	const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	/* a hamilton_dot without modules (1.0) exists: say so, not that it is missing */
	if (modules_report_unsupported(res))
		return;
	/* nor without config (1.1) */
	if (sqlstate && strcmp(sqlstate, "42883") == 0 && primary &&
		strstr(primary, "config => jsonb"))
	{
		cli_error("this database's pg_hamilton has no hamilton_dot(..., config => jsonb), which --config needs");
		cli_hint("run ALTER EXTENSION hamilton UPDATE to bring it to this client's version");
		return;
	}
	/* 42883 undefined_function */
	if (sqlstate && strcmp(sqlstate, "42883") == 0 && primary &&
		strstr(primary, "hamilton_dot("))
	{
		cli_error("this database's pg_hamilton has no function hamilton_dot(text[], bigint), which graph needs");
		cli_hint("install a pg_hamilton that has it, then run ALTER EXTENSION hamilton UPDATE");
	}
	else
		cli_report_result_error(conn, res, cli);
}

/*
 * graph_main: one query, then the picture.  Every path after connecting
 * ends at the bottom, which frees what was allocated.
 */
static int
graph_main(int argc, char **argv, Cli *cli)
{
	GraphArgs	ga;
	char	   *outputs = NULL;
	char	   *config = NULL;
	const char *params[5];
	int			nparams = 2;
	const char *named_args;
	const char *format;
	char		sql[384];
	PGconn	   *conn;
	PGresult   *res;
	int			first;
	int			status;

	memset(&ga, 0, sizeof(ga));
	first = cli_parse_options(argc, argv, cli, graph_options, graph_option, &ga);
	if (first < 0)
	{
		pairs_free(&ga.config);
		modules_free(&ga.modules);
		return first == -2 ? EXIT_OK : EXIT_USAGE;
	}
	format = ga.format ? ga.format : ga.output ? format_of(ga.output) : "dot";
	if (format == NULL)
	{
		cli_usage_error("cannot tell the format of \"%s\": name it .dot, .svg, .png or .pdf, or give -T FORMAT",
						ga.output);
		pairs_free(&ga.config);
		modules_free(&ga.modules);
		return EXIT_USAGE;
	}

	conn = cli_connect(cli);
	if (first < argc)
		outputs = text_array_literal(argv + first, argc - first);
	params[0] = outputs;
	params[1] = ga.run_id;
	if (ga.config.n > 0)
	{
		config = pairs_to_json(&ga.config);
		params[nparams++] = config;
	}
	named_args = modules_named_args(&ga.modules, params, &nparams);
	snprintf(sql, sizeof(sql), "SELECT %s.hamilton_dot($1::text[], $2::bigint%s%s)",
			 api_schema(), config ? ", config => $3::jsonb" : "", named_args);
	res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		report_dot_error(conn, res, cli);
		status = PQstatus(conn) == CONNECTION_BAD ? EXIT_CONNECT : EXIT_FAILED;
	}
	else if (PQgetisnull(res, 0, 0))
	{
		cli_error("hamilton_dot returned no graph");
		status = EXIT_FAILED;
	}
	else
	{
		const char *text = PQgetvalue(res, 0, 0);
		bool		ok;

		if (strcmp(format, "dot") == 0 || strcmp(format, "gv") == 0)
			ok = write_text(ga.output, text);
		else
			ok = render(text, format, ga.output);
		if (ok && ga.output)
			printf("wrote %s\n", ga.output);
		status = ok ? EXIT_OK : EXIT_FAILED;
	}
	PQclear(res);
	cli_finish(conn);
	free(outputs);
	free(config);
	pairs_free(&ga.config);
	modules_free(&ga.modules);
	return status;
}
