/*
 * client.h
 *	  hamilton, the command-line client of pg_hamilton: what its files share.
 *	  Each function and variable below is defined in the file named by the
 *	  comment above it.
 *
 *	main.c          the command table, dispatch, --help, and the option
 *	                parsing every command shares
 *	connect.c       connecting with libpq, running queries, server errors
 *	                and notices; cli_xmalloc and cli_xstrdup
 *	output.c        messages, aligned tables, durations, the terminal's
 *	                progress line
 *	json.c          string buffers, KEY=VALUE pairs and the JSON and text[]
 *	                parameters built from them
 *	request_args.c  OUTPUTs and --input/--config/--override, shared by run,
 *	                explain and validate
 *	module_args.c   --module and --module-overrides, shared by run, explain,
 *	                validate and graph, and the server too old for them
 *	cmd_run.c       hamilton run (with live progress) and hamilton explain
 *	cmd_validate.c  hamilton validate: the problems that would stop a run
 *	cmd_nodes.c     hamilton nodes: the nodes and inputs, by tag
 *	cmd_lineage.c   hamilton lineage: what made a materialized table
 *	cmd_history.c   hamilton history: past runs and their steps
 *	cmd_graph.c     hamilton graph: DOT from the server, rendered by Graphviz
 */
#ifndef HAMILTON_CLIENT_H
#define HAMILTON_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "libpq-fe.h"

#ifndef HAMILTON_VERSION
#define HAMILTON_VERSION "unknown"
#endif

#if defined(__GNUC__)
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CLI_PRINTF(f, a)
#endif

/* Exit statuses (documented in hamilton --help). */
#define EXIT_OK			0
#define EXIT_FAILED		1		/* the server refused the request or the run failed */
#define EXIT_USAGE		2		/* bad command line */
#define EXIT_CONNECT	3		/* could not connect, or lost the connection */
#define EXIT_INTERRUPTED 130	/* run cancelled with Ctrl-C, as shells report it */

/* Connection options; NULL means libpq's default (PGHOST, PGPORT, ...). */
typedef struct ConnOptions
{
	const char *dbname;			/* a database name or a connection string */
	const char *host;
	const char *port;
	const char *user;
} ConnOptions;

/* What every command gets. */
typedef struct Cli
{
	ConnOptions conn;
	bool		verbose;		/* also print the DETAIL of server errors */
} Cli;

/* A command-specific option: its long name, short letter (or 0) and value. */
typedef struct CmdOption
{
	const char *name;
	int			letter;			/* short option, or 0 for long-only */
	bool		has_arg;
	int			code;			/* passed to the command's handler */
} CmdOption;

/* Called for each of a command's own options; false means a bad value. */
typedef bool (*OptionHandler) (int code, const char *arg, void *ctx);

typedef struct Command
{
	const char *name;
	const char *summary;		/* one line for hamilton --help */
	const char *usage;			/* the full --help text */
	int			(*main) (int argc, char **argv, Cli *cli);
} Command;

/* main.c */
extern const Command *current_command;
int			cli_parse_options(int argc, char **argv, Cli *cli,
							  const CmdOption *own, OptionHandler handler,
							  void *ctx);
void		cli_usage_error(const char *fmt,...) CLI_PRINTF(1, 2);
bool		cli_is_integer(const char *s);

/* json.c */
typedef struct StrBuf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} StrBuf;

void		sb_init(StrBuf *sb);
void		sb_append(StrBuf *sb, const char *s);
void		sb_appendn(StrBuf *sb, const char *s, size_t n);
void		sb_printf(StrBuf *sb, const char *fmt,...) CLI_PRINTF(2, 3);
void		sb_free(StrBuf *sb);

typedef struct Pairs
{
	int			n;
	int			cap;
	char	  **keys;
	char	  **values;			/* NULL for a bare key (nodes --tag k) */
} Pairs;

bool		pairs_add(Pairs *p, const char *arg, bool value_required);
void		pairs_free(Pairs *p);
char	   *pairs_to_json(const Pairs *p);
bool		json_is_valid(const char *s);
void		json_append_string(StrBuf *sb, const char *s);
char	   *text_array_literal(char *const *items, int n);

/* module_args.c: --module and --module-overrides, the run's namespace */
enum
{
	OPT_MODULE = 900, OPT_MODULE_OVERRIDES,	/* below the common options' */
	OPT_MODULES					/* --modules a,b: --module a --module b */
};

#define MODULE_OPTIONS \
	{"module", 'm', true, OPT_MODULE}, \
	{"modules", 0, true, OPT_MODULES}, \
	{"module-overrides", 0, false, OPT_MODULE_OVERRIDES}
#define INTO_TABLE_HELP \
	"      --into-table=TABLE      the requested columns of one frame go to this one\n" \
	"                              table (key + columns), recorded in hamilton.runs\n"
#define MODULE_HELP \
	"  -m, --module=MODULE         a module the run's names resolve among (repeatable,\n" \
	"                              in order; default: the modules of the OUTPUTs)\n" \
	"      --modules=M1,M2,...     the same, several at once\n" \
	"      --module-overrides      of nodes of one name in several modules, take the one\n" \
	"                              of the module named later (else it is an error)\n"

typedef struct RunModules
{
	char	  **names;			/* the --module values, in order (argv's, or
								 * pieces of a --modules value: owned) */
	int			n;
	int			cap;
	char	  **owned;			/* the pieces of --modules values, to free */
	int			nowned;
	bool		overrides;		/* --module-overrides */
	char	   *literal;		/* the modules text[] parameter, or NULL */
	char		sql[96];		/* the named arguments that pass them */
} RunModules;

bool		modules_option(RunModules *m, int code, const char *arg);
const char *modules_named_args(RunModules *m, const char **params, int *nparams);
void		modules_free(RunModules *m);
bool		modules_report_unsupported(const PGresult *res);

/* request_args.c: what run, explain and validate ask the server for */
typedef struct Request
{
	char	  **outputs;
	int			noutputs;
	Pairs		inputs;
	Pairs		config;
	Pairs		overrides;
	RunModules	modules;
	bool		quiet;			/* run only */
	const char *into_table;		/* --into-table, or NULL */
	const char *params[7];		/* outputs text[], inputs, overrides, config,
								 * then modules text[] and module_overrides
								 * when given, then into_table when given;
								 * the first four allocated: request_free
								 * frees them */
	int			nparams;
	const char *named_args;		/* the SQL that passes modules and
								 * into_table, or "" */
	char		named_sql[160];
} Request;

bool		parse_request(int argc, char **argv, Cli *cli, bool with_quiet,
						  Request *rq, int *status);
void		request_free(Request *rq);

/* connect.c */
PGconn	   *cli_connect(Cli *cli);
const char *api_schema(void);
char	   *cli_user_relation(PGconn *conn, Cli *cli, const char *name);
PGresult   *cli_query(PGconn *conn, Cli *cli, const char *sql, int nparams,
					  const char *const *params);
void		cli_report_result_error(PGconn *conn, const PGresult *res, Cli *cli);
char	   *hint_for_cli(const char *hint);
void		cli_default_notice(void *arg, const PGresult *res);
void		cli_finish(PGconn *conn);
void *		cli_xmalloc(size_t n);
char	   *cli_xstrdup(const char *s);

/* output.c */
void		cli_error(const char *fmt,...) CLI_PRINTF(1, 2);
void		cli_hint(const char *fmt,...) CLI_PRINTF(1, 2);
void		cli_message_lines(const char *label, const char *text);
void		print_table(const PGresult *res, const char *const *headers,
						const char *align);
int			display_width(const char *s);
char	   *display_text(const char *s);
void		format_ms(char *buf, size_t size, double ms);
void		status_line_draw(const char *line);
void		status_line_clear(void);

/* The commands, each in its cmd_*.c file (run and explain in cmd_run.c). */
extern const Command cmd_run;
extern const Command cmd_explain;
extern const Command cmd_nodes;
extern const Command cmd_lineage;
extern const Command cmd_validate;
extern const Command cmd_history;
extern const Command cmd_graph;

#endif							/* HAMILTON_CLIENT_H */
