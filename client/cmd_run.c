/*
 * cmd_run.c
 *	  hamilton run: hamilton_execute with live progress, and hamilton
 *	  explain, which takes the same arguments.
 *
 * With hamilton.progress on, the server sends a NOTICE as each step starts
 * and ends; its DETAIL is machine-readable (see report_progress in src/exec/step_loop.c):
 *	hamilton-progress  run_id  step  total  start|done  kind  status  rows  ms  node
 * The server flushes each NOTICE at once, so the notice receiver below sees
 * them while the query runs.  The query is sent asynchronously and the
 * socket polled, so that on a terminal the running step's clock ticks.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

#define PROGRESS_TAG "hamilton-progress\t"

/* How many running steps the progress line follows (a parallel run's). */
#define PROGRESS_RUNNING 64

/* A step that has started and not ended. */
typedef struct RunningStep
{
	int			step;
	char	   *node;			/* its name, printable */
	double		started;		/* when it started (monotonic ms) */
} RunningStep;

/* What the progress display knows; filled by the notice receiver. */
typedef struct Progress
{
	bool		tty;			/* redraw one line instead of printing lines */
	bool		quiet;
	bool		seen;			/* a progress notice arrived */
	long long	run_id;
	int			total;
	int			done;			/* steps that have ended */
	int			nrunning;		/* steps running now: one, or a parallel
								 * run's several */
	RunningStep running[PROGRESS_RUNNING];
} Progress;

static void progress_notice(void *arg, const PGresult *res);
static void progress_tick(Progress *pg);
static void progress_started(Progress *pg, int step, const char *node);
static void progress_ended(Progress *pg, int step);
static void rows_text(char *buf, size_t size, const char *rows);
static void print_step(int step, int total, const char *node, const char *status,
					   const char *rows, double ms);
static PGresult *execute_live(PGconn *conn, const char *sql, int nparams,
							  const char *const *params, Progress *pg);
static void print_summary(const PGresult *res, Progress *pg, double wall_ms);
static double now_ms(void);
static void on_sigint(int signo);
static int	run_main(int argc, char **argv, Cli *cli);
static int	explain_main(int argc, char **argv, Cli *cli);

#define VALUES_HELP \
	"  -i, --input=KEY=VALUE       an input of the dataflow (repeatable)\n" \
	"  -c, --config=KEY=VALUE      a config value: used as an input where no --input gives it\n" \
	"      --override=NODE=VALUE   do not compute NODE, use VALUE: a value for a scalar\n" \
	"                              node, a relation name (\"schema.table\") for a table node\n"
#define VALUES_NOTE \
	"A VALUE that is valid JSON (4, 2.5, true, null, \"text\", [1,2], {\"a\":1}) is\n" \
	"passed as that JSON value; anything else as a string: --input region=north.\n"

const Command cmd_run = {
	"run",
	"run the dataflow that computes some outputs, with live progress",
	"Usage: hamilton run OUTPUT... [options]\n\n"
	"Runs what the OUTPUTs (node names: forecast, shop.forecast) need,\n"
	"materializes them as tables and records the run in hamilton.runs.\n"
	"Names resolve among the run's modules: those named with --module, else the\n"
	"OUTPUTs' modules.\n"
	"On a terminal one progress line is redrawn as steps run; otherwise one line\n"
	"is printed per finished step. A summary follows.\n\n"
	"Options:\n"
	VALUES_HELP
	INTO_TABLE_HELP
	MODULE_HELP
	"  -q, --quiet                 no progress, only the summary\n\n"
	VALUES_NOTE
	"\nExamples: hamilton run forecast --input horizon=4\n"
	"          hamilton run spend_per_signup --module h2 --module h\n"
	"          hamilton run spend spend_per_signup --modules hello --into-table hello.features\n",
	run_main
};

const Command cmd_explain = {
	"explain",
	"show the plan a run would follow, with the SQL of each step",
	"Usage: hamilton explain OUTPUT... [options]\n\n"
	"Prints the plan hamilton run would follow, step by step, with the SQL each\n"
	"step runs. Nothing is run.\n\n"
	"Options:\n"
	VALUES_HELP
	INTO_TABLE_HELP
	MODULE_HELP "\n"
	VALUES_NOTE,
	explain_main
};

/* The query being run, for the SIGINT handler; NULL when none is. */
static PGcancel *volatile running_query = NULL;

/* Set by the SIGINT handler: the run ends with EXIT_INTERRUPTED. */
static volatile sig_atomic_t interrupted = 0;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1000.0 + (double) ts.tv_nsec / 1e6;
}

/* on_sigint cancels the running query; a second Ctrl-C kills hamilton. */
static void
on_sigint(int signo)
{
	char		errbuf[256];

	(void) signo;
	interrupted = 1;
	if (running_query)
		PQcancel(running_query, errbuf, sizeof(errbuf));	/* signal-safe */
	signal(SIGINT, SIG_DFL);
}

/* rows_text: "36 rows", "1 row", or "" when the step has no row count. */
static void
rows_text(char *buf, size_t size, const char *rows)
{
	if (rows && rows[0])
		snprintf(buf, size, "%s %s", rows, strcmp(rows, "1") == 0 ? "row" : "rows");
	else if (size > 0)
		buf[0] = '\0';
}

/*
 * print_step prints one finished step as a plain line, e.g.
 *	[4/6] shop.weekly_sales             temporary       36 rows      7.3 ms
 */
static void
print_step(int step, int total, const char *node, const char *status,
		   const char *rows, double ms)
{
	char		counter[32];
	char		count[48];
	char		took[32];
	int			pad = 28 - display_width(node);

	snprintf(counter, sizeof(counter), "[%d/%d]", step, total);
	rows_text(count, sizeof(count), rows);
	format_ms(took, sizeof(took), ms);
	printf("%s %s%*s  %-12s  %12s  %10s\n", counter, node, pad > 0 ? pad : 0, "",
		   status, count, took);
	fflush(stdout);				/* piped stdout is block-buffered: be live */
}

/*
 * progress_tick redraws the terminal line of the running step, or of the
 * running steps of a parallel run, each with its clock.
 */
static void
progress_tick(Progress *pg)
{
	char		line[1024];
	char		took[32];
	size_t		len;
	int			i;

	if (!pg->tty || pg->quiet || pg->nrunning == 0)
		return;
	if (pg->nrunning == 1)
	{
		format_ms(took, sizeof(took), now_ms() - pg->running[0].started);
		snprintf(line, sizeof(line), "[%d/%d] %s  running  %s",
				 pg->running[0].step, pg->total, pg->running[0].node, took);
		status_line_draw(line);
		return;
	}
	len = (size_t) snprintf(line, sizeof(line), "[%d/%d done] %d running:",
							pg->done, pg->total, pg->nrunning);
	for (i = 0; i < pg->nrunning && len < sizeof(line); i++)
	{
		format_ms(took, sizeof(took), now_ms() - pg->running[i].started);
		len += (size_t) snprintf(line + len, sizeof(line) - len, "%s %s %s", i ? "," : "",
								 pg->running[i].node, took);
	}
	status_line_draw(line);
}

/* progress_started notes a step that has started. */
static void
progress_started(Progress *pg, int step, const char *node)
{
	RunningStep *r;

	if (pg->nrunning >= PROGRESS_RUNNING)
		return;
	r = &pg->running[pg->nrunning++];
	r->step = step;
	r->node = display_text(node);
	r->started = now_ms();
}

/* progress_ended forgets a step that has ended. */
static void
progress_ended(Progress *pg, int step)
{
	int			i;

	pg->done++;
	for (i = 0; i < pg->nrunning; i++)
		if (pg->running[i].step == step)
		{
			free(pg->running[i].node);
			memmove(&pg->running[i], &pg->running[i + 1],
					sizeof(RunningStep) * (pg->nrunning - i - 1));
			pg->nrunning--;
			return;
		}
}

/*
 * progress_notice is the notice receiver during a run: progress notices
 * drive the display, any other notice is printed as usual.
 */
static void
progress_notice(void *arg, const PGresult *res)
{
	Progress   *pg = arg;
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	char	   *copy;
	char	   *f[10];
	char	   *p;
	int			i;

	if (detail == NULL || strncmp(detail, PROGRESS_TAG, strlen(PROGRESS_TAG)) != 0)
	{
		cli_default_notice(NULL, res);
		progress_tick(pg);
		return;
	}
	/* Nine tab-terminated fields, then the node, which may contain tabs. */
	copy = cli_xstrdup(detail);
	for (p = copy, i = 0; i < 9; i++)
	{
		char	   *tab = strchr(p, '\t');

		if (tab == NULL)
		{
			free(copy);
			return;				/* not a format we know: ignore it */
		}
		*tab = '\0';
		f[i] = p;
		p = tab + 1;
	}
	f[9] = p;

	pg->seen = true;
	pg->run_id = atoll(f[1]);
	pg->total = atoi(f[3]);
	if (strcmp(f[4], "start") == 0)
	{
		progress_started(pg, atoi(f[2]), f[9]);
		progress_tick(pg);
	}
	else
	{
		char	   *node = display_text(f[9]);

		progress_ended(pg, atoi(f[2]));
		if (pg->tty && !pg->quiet)
		{
			char		line[1024];
			char		count[48];
			char		took[32];

			rows_text(count, sizeof(count), f[7]);
			format_ms(took, sizeof(took), atof(f[8]));
			snprintf(line, sizeof(line), "[%s/%d] %s  %s  %s%s%s", f[2], pg->total,
					 node, f[6], count, count[0] ? "  " : "", took);
			/* steps still running keep the line: this one is printed */
			if (pg->nrunning > 0)
			{
				status_line_clear();
				print_step(atoi(f[2]), pg->total, node, f[6], f[7], atof(f[8]));
				progress_tick(pg);
			}
			else
				status_line_draw(line);
		}
		else if (!pg->quiet)
			print_step(atoi(f[2]), pg->total, node, f[6], f[7], atof(f[8]));
		free(node);
	}
	free(copy);
}

/*
 * execute_live sends the query and waits for its result while notices
 * arrive (PQisBusy parses them and calls the receiver), waking up on a
 * terminal to advance the running step's clock.  Returns the result, which
 * the caller checks and clears; NULL if the query could not be sent.
 */
static PGresult *
execute_live(PGconn *conn, const char *sql, int nparams,
			 const char *const *params, Progress *pg)
{
	PGresult   *last = NULL;
	PGresult   *res;
	struct pollfd pfd;

	if (!PQsendQueryParams(conn, sql, nparams, NULL, params, NULL, NULL, 0))
		return NULL;
	running_query = PQgetCancel(conn);
	signal(SIGINT, on_sigint);
	for (;;)
	{
		while (PQisBusy(conn))
		{
			pfd.fd = PQsocket(conn);
			pfd.events = POLLIN;
			pfd.revents = 0;
			if (poll(&pfd, 1, pg->tty ? 200 : -1) == 0)
				progress_tick(pg);
			else if (!PQconsumeInput(conn))
				break;			/* PQgetResult reports the broken connection */
		}
		res = PQgetResult(conn);
		if (res == NULL)
			break;
		/* One statement gives one result; were there more, an error wins. */
		if (last && PQresultStatus(last) == PGRES_FATAL_ERROR)
			PQclear(res);
		else
		{
			PQclear(last);
			last = res;
		}
	}
	signal(SIGINT, SIG_DFL);
	PQfreeCancel(running_query);
	running_query = NULL;
	return last;
}

/*
 * print_summary ends a successful run: run id, steps, rows materialized,
 * time (as the client saw it), then each materialized relation.
 */
static void
print_summary(const PGresult *res, Progress *pg, double wall_ms)
{
	int			n = PQntuples(res);
	int			i;
	long long	rows = 0;
	int			tables = 0;
	int			width = 0;
	char		took[32];

	for (i = 0; i < n; i++)
		if (strcmp(PQgetvalue(res, i, 5), "materialized") == 0)
		{
			int			w = display_width(PQgetvalue(res, i, 2));

			rows += atoll(PQgetvalue(res, i, 3));
			tables++;
			width = w > width ? w : width;
		}
	format_ms(took, sizeof(took), wall_ms);
	if (pg->seen)
		printf("run %lld succeeded: ", pg->run_id);
	else
		printf("run succeeded: ");
	printf("%d step%s, %lld row%s materialized in %d table%s, %s\n",
		   n, n == 1 ? "" : "s", rows, rows == 1 ? "" : "s",
		   tables, tables == 1 ? "" : "s", took);
	for (i = 0; i < n; i++)
		if (strcmp(PQgetvalue(res, i, 5), "materialized") == 0)
		{
			char	   *rel = display_text(PQgetvalue(res, i, 2));
			char		count[48];

			rows_text(count, sizeof(count), PQgetvalue(res, i, 3));
			printf("  %s%*s  %s\n", rel, width - display_width(rel), "", count);
			free(rel);
		}
	fflush(stdout);
}

static int
run_main(int argc, char **argv, Cli *cli)
{
	Request		rq;
	Progress	pg;
	const char *term = getenv("TERM");
	char		sql[512];
	PGconn	   *conn;
	PGresult   *res;
	double		t0;
	int			status;
	int			i;

	if (!parse_request(argc, argv, cli, true, &rq, &status))
		return status;
	memset(&pg, 0, sizeof(pg));
	pg.quiet = rq.quiet;
	pg.tty = isatty(STDOUT_FILENO) && !(term && strcmp(term, "dumb") == 0);

	conn = cli_connect(cli);
	PQclear(cli_query(conn, cli, "SET hamilton.progress = on", 0, NULL));
	PQsetNoticeReceiver(conn, progress_notice, &pg);
	snprintf(sql, sizeof(sql),
			 "SELECT node, kind, relation, rows, ms, status "
			 "FROM %s.hamilton_execute($1::text[], $2::jsonb, $3::jsonb, $4::jsonb%s)",
			 api_schema(), rq.named_args);
	t0 = now_ms();
	res = execute_live(conn, sql, rq.nparams, rq.params, &pg);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		/* Say which step failed before the error says why. */
		if (pg.nrunning > 0 && !pg.quiet)
		{
			status_line_clear();
			for (i = 0; i < pg.nrunning; i++)
				print_step(pg.running[i].step, pg.total, pg.running[i].node,
						   pg.nrunning == 1 ? "failed" : "stopped", NULL,
						   now_ms() - pg.running[i].started);
		}
		cli_report_result_error(conn, res, cli);
		status = interrupted ? EXIT_INTERRUPTED :
			PQstatus(conn) == CONNECTION_BAD ? EXIT_CONNECT : EXIT_FAILED;
	}
	else
	{
		status_line_clear();
		/* No progress notices (an older server?): list the steps now instead. */
		if (!pg.seen && !pg.quiet)
			for (i = 0; i < PQntuples(res); i++)
				print_step(i + 1, PQntuples(res), PQgetvalue(res, i, 0),
						   PQgetvalue(res, i, 5), PQgetvalue(res, i, 3),
						   atof(PQgetvalue(res, i, 4)));
		print_summary(res, &pg, now_ms() - t0);
		status = EXIT_OK;
	}
	PQclear(res);
	cli_finish(conn);			/* before pg goes: it is the notice receiver's */
	for (i = 0; i < pg.nrunning; i++)
		free(pg.running[i].node);
	request_free(&rq);
	return status;
}

static int
explain_main(int argc, char **argv, Cli *cli)
{
	Request		rq;
	char		sql[512];
	PGconn	   *conn;
	PGresult   *res;
	const char *plan;
	int			status;

	if (!parse_request(argc, argv, cli, false, &rq, &status))
		return status;
	conn = cli_connect(cli);
	snprintf(sql, sizeof(sql),
			 "SELECT %s.hamilton_explain($1::text[], $2::jsonb, $3::jsonb, $4::jsonb%s)",
			 api_schema(), rq.named_args);
	res = cli_query(conn, cli, sql, rq.nparams, rq.params);
	plan = PQgetvalue(res, 0, 0);
	fputs(plan, stdout);
	if (plan[0] && plan[strlen(plan) - 1] != '\n')
		fputc('\n', stdout);
	PQclear(res);
	cli_finish(conn);
	request_free(&rq);
	return EXIT_OK;
}
