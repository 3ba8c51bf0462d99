/*
 * main.c
 *	  hamilton, the command-line client of pg_hamilton: the command table,
 *	  the options every command shares (connection, --help, --verbose), and
 *	  dispatch.
 *
 *	  hamilton [connection options] <command> [options] [arguments]
 *
 * Connection options are accepted before or after the command, so both
 * "hamilton -d shop run forecast" and "hamilton run forecast -d shop" work.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

static const Command *find_command(const char *name);
static void print_main_help(void);
static void handle_common(int code, const char *arg, Cli *cli);
static void report_bad_option(int c, char **argv);
static int	letter_code(const CmdOption *own, int letter);

static const Command *const commands[] = {
	&cmd_run, &cmd_explain, &cmd_validate, &cmd_nodes, &cmd_lineage,
	&cmd_history, &cmd_graph, NULL
};

/* The command being parsed or run: usage errors name it. */
const Command *current_command = NULL;

/* Codes of the common options (a command's own codes stay below 1000). */
enum
{
	OPT_DBNAME = 1000, OPT_HOST, OPT_PORT, OPT_USER, OPT_VERBOSE, OPT_HELP
};

static const CmdOption common_options[] = {
	{"dbname", 'd', true, OPT_DBNAME},
	{"host", 'h', true, OPT_HOST},
	{"port", 'p', true, OPT_PORT},
	{"username", 'U', true, OPT_USER},
	{"verbose", 'v', false, OPT_VERBOSE},
	{"help", 0, false, OPT_HELP},
	{NULL, 0, false, 0}
};

#define CONNECTION_HELP \
	"Connection options (before or after the command; default: the PG* environment):\n" \
	"  -d, --dbname=DBNAME    database name or connection string (PGDATABASE)\n" \
	"  -h, --host=HOST        server host or socket directory (PGHOST)\n" \
	"  -p, --port=PORT        server port (PGPORT)\n" \
	"  -U, --username=USER    user name (PGUSER); passwords come from PGPASSWORD or ~/.pgpass\n" \
	"  -v, --verbose          also print the DETAIL of server errors\n" \
	"      --help             show help and exit\n"

/*
 * cli_usage_error reports a bad command line: one line, then a hint that
 * says where the right usage is.
 */
void
cli_usage_error(const char *fmt,...)
{
	va_list		ap;
	char		buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (current_command)
	{
		cli_error("%s: %s", current_command->name, buf);
		cli_hint("hamilton %s --help shows its usage", current_command->name);
	}
	else
	{
		cli_error("%s", buf);
		cli_hint("hamilton --help lists the commands");
	}
}

/*
 * report_bad_option explains getopt's '?' (unknown option) or ':' (missing
 * value).  A short option is named by optopt, since within "-xq" optind
 * need not have moved past it; a long one by the argument itself.
 */
static void
report_bad_option(int c, char **argv)
{
	const char *arg = argv[optind - 1];
	bool		is_long = strncmp(arg, "--", 2) == 0;

	if (c == ':')
	{
		if (is_long)
			cli_usage_error("option %s needs a value", arg);
		else
			cli_usage_error("option -%c needs a value", optopt);
	}
	else if (optopt > 0 && optopt < 128 && !is_long)
		cli_usage_error("unknown option -%c", optopt);
	else
		cli_usage_error("unknown option %s", arg);
}

/* letter_code: the code of the short option letter (own or common). */
static int
letter_code(const CmdOption *own, int letter)
{
	const CmdOption *o;

	for (o = own; o && o->name; o++)
		if (o->letter == letter)
			return o->code;
	for (o = common_options; o->name; o++)
		if (o->letter == letter)
			return o->code;
	return -1;
}

static void
handle_common(int code, const char *arg, Cli *cli)
{
	switch (code)
	{
		case OPT_DBNAME:
			cli->conn.dbname = arg;
			break;
		case OPT_HOST:
			cli->conn.host = arg;
			break;
		case OPT_PORT:
			cli->conn.port = arg;
			break;
		case OPT_USER:
			cli->conn.user = arg;
			break;
		case OPT_VERBOSE:
			cli->verbose = true;
			break;
	}
}

/*
 * cli_parse_options parses a command's arguments (argv[0] is the command's
 * name): its own options, reported to handler, and the common ones.  GNU
 * getopt moves the other arguments to the end; the index of the first is
 * returned.  Returns -1 after a usage error and -2 after printing --help.
 */
int
cli_parse_options(int argc, char **argv, Cli *cli, const CmdOption *own,
				  OptionHandler handler, void *ctx)
{
	struct option longopts[64];
	char		shortopts[160] = ":";
	int			nlong = 0;
	int			pass;
	int			c;
	int			longindex;

	/* Merge the command's options with the common ones into getopt's form. */
	for (pass = 0; pass < 2; pass++)
	{
		const CmdOption *o;

		for (o = pass == 0 ? own : common_options; o && o->name; o++)
		{
			longopts[nlong].name = o->name;
			longopts[nlong].has_arg = o->has_arg ? required_argument : no_argument;
			longopts[nlong].flag = NULL;
			longopts[nlong].val = o->code;
			nlong++;
			if (o->letter)
			{
				size_t		len = strlen(shortopts);

				shortopts[len++] = (char) o->letter;
				if (o->has_arg)
					shortopts[len++] = ':';
				shortopts[len] = '\0';
			}
		}
	}
	memset(&longopts[nlong], 0, sizeof(struct option));

	optind = 0;					/* re-initialize glibc's getopt for this argv */
	opterr = 0;
	for (;;)
	{
		int			code;

		longindex = -1;
		c = getopt_long(argc, argv, shortopts, longopts, &longindex);
		if (c == -1)
			break;
		if (c == '?' && optopt == '?')
			code = OPT_HELP;	/* -? as in psql */
		else if (c == '?' || c == ':')
		{
			report_bad_option(c, argv);
			return -1;
		}
		else if (longindex >= 0)
			code = c;			/* a long option returns its code */
		else
			code = letter_code(own, c);
		if (code == OPT_HELP)
		{
			fputs(current_command->usage, stdout);
			fputs("\n" CONNECTION_HELP, stdout);
			return -2;
		}
		if (code >= OPT_DBNAME)
			handle_common(code, optarg, cli);
		else if (!handler(code, optarg, ctx))
			return -1;
	}
	return optind;
}

static const Command *
find_command(const char *name)
{
	int			i;

	for (i = 0; commands[i]; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static void
print_main_help(void)
{
	int			i;

	printf("hamilton runs and inspects pg_hamilton dataflows in a PostgreSQL database.\n\n"
		   "Usage:\n"
		   "  hamilton [connection options] COMMAND [options] [arguments]\n"
		   "  hamilton COMMAND --help\n"
		   "  hamilton --version\n\n"
		   "Commands:\n");
	for (i = 0; commands[i]; i++)
		printf("  %-10s %s\n", commands[i]->name, commands[i]->summary);
	printf("\n" CONNECTION_HELP);
	printf("\nExit status:\n"
		   "  0    success\n"
		   "  1    the server refused the request (unknown node, missing input, problems\n"
		   "       found by validate, ...), a node failed, or the result could not be written\n"
		   "  2    bad command line\n"
		   "  3    could not connect to the server, or lost the connection\n"
		   "  130  the run was cancelled with Ctrl-C (the server rolls it back)\n");
}

int
main(int argc, char **argv)
{
	Cli			cli;
	int			c;
	int			v = PQlibVersion();
	static const struct option longopts[] = {
		{"dbname", required_argument, NULL, 'd'},
		{"host", required_argument, NULL, 'h'},
		{"port", required_argument, NULL, 'p'},
		{"username", required_argument, NULL, 'U'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'H'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}
	};

	memset(&cli, 0, sizeof(cli));
	opterr = 0;
	/* "+": stop at the command; its own arguments are parsed by it. */
	while ((c = getopt_long(argc, argv, "+:d:h:p:U:vV", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case 'V':
				printf("hamilton (pg_hamilton) %s, libpq %d.%d\n", HAMILTON_VERSION,
					   v / 10000, v % 10000);
				return EXIT_OK;
			case 'H':
				print_main_help();
				return EXIT_OK;
			case '?':
				if (optopt == '?')
				{
					print_main_help();
					return EXIT_OK;
				}
				report_bad_option(c, argv);
				return EXIT_USAGE;
			case ':':
				report_bad_option(c, argv);
				return EXIT_USAGE;
			default:			/* -d -h -p -U -v */
				handle_common(letter_code(NULL, c), optarg, &cli);
				break;
		}
	}
	if (optind >= argc)
	{
		cli_usage_error("no command given");
		return EXIT_USAGE;
	}
	if (strcmp(argv[optind], "help") == 0)
	{
		if (optind + 1 < argc && (current_command = find_command(argv[optind + 1])))
		{
			fputs(current_command->usage, stdout);
			fputs("\n" CONNECTION_HELP, stdout);
			return EXIT_OK;
		}
		if (optind + 1 < argc)
		{
			cli_usage_error("unknown command \"%s\"", argv[optind + 1]);
			return EXIT_USAGE;
		}
		print_main_help();
		return EXIT_OK;
	}
	current_command = find_command(argv[optind]);
	if (current_command == NULL)
	{
		cli_usage_error("unknown command \"%s\"", argv[optind]);
		return EXIT_USAGE;
	}
	return current_command->main(argc - optind, argv + optind, &cli);
}

/* cli_is_integer: only digits, at most 18 of them (fits a bigint). */
bool
cli_is_integer(const char *s)
{
	size_t		n = strspn(s, "0123456789");

	return n > 0 && n <= 18 && s[n] == '\0';
}
