/*
 * connect.c
 *	  Connecting with libpq (the usual -d/-h/-p/-U options and PG*
 *	  environment), finding the extension, running queries with $n
 *	  parameters, and turning server errors and notices into one-line
 *	  messages.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

static void report_conn_error(PGconn *conn, Cli *cli);
static void set_search_path(PGconn *conn, Cli *cli, const char *path);
static char *first_line(const char *s, const char **rest);
static bool rewrite_values(StrBuf *out, const char **p, const char *hint,
						   const char *param, const char *option);
static bool names_cli_argument(const char *hint, const char *p, const char *arg);
static char *read_sql_literal(const char **p);
static void append_shell_word(StrBuf *out, const char *s);
static bool rewrite_modules(StrBuf *out, const char **p);

/* The extension's schema as a quoted identifier: API calls are qualified. */
static char *schema_ident = NULL;

/* The session's search_path as the user set it, before cli_connect pins it. */
static char *user_search_path = NULL;

/* What every query of the client runs under (cli_connect). */
#define PINNED_SEARCH_PATH "pg_catalog, pg_temp"

void *
cli_xmalloc(size_t n)
{
	void	   *p = malloc(n ? n : 1);

	if (p == NULL)
	{
		cli_error("out of memory");
		exit(EXIT_FAILED);
	}
	return p;
}

char *
cli_xstrdup(const char *s)
{
	size_t		n = strlen(s) + 1;

	return memcpy(cli_xmalloc(n), s, n);
}

/*
 * first_line copies s up to its first newline; *rest (if asked) points
 * after it, or to the end.
 */
static char *
first_line(const char *s, const char **rest)
{
	const char *nl = strchr(s, '\n');
	size_t		len = nl ? (size_t) (nl - s) : strlen(s);
	char	   *line = cli_xmalloc(len + 1);

	memcpy(line, s, len);
	line[len] = '\0';
	if (rest)
		*rest = nl ? nl + 1 : s + len;
	return line;
}

/*
 * report_conn_error prints why the connection failed.  libpq's message has
 * the reason on its first line, which is self-contained; a following
 * tab-indented line ("Is the server running ...?") is advice, so it becomes
 * the hint.  Further lines (other hosts tried) only with --verbose.
 */
static void
report_conn_error(PGconn *conn, Cli *cli)
{
	const char *rest;
	char	   *line = first_line(conn ? PQerrorMessage(conn) : "out of memory", &rest);

	cli_error("%s", line[0] ? line : "could not connect to the server");
	free(line);
	while (*rest)
	{
		line = first_line(rest, &rest);
		if (line[0] == '\t')
			cli_hint("%s", line + 1);
		else if (cli->verbose && line[0])
			cli_message_lines("detail", line);
		free(line);
		if (!cli->verbose)
			break;
	}
}

/*
 * cli_connect connects, or exits with EXIT_CONNECT.  A -d value may be a
 * connection string or URI (expand_dbname); anything left unset comes from
 * the environment as in psql.  It also finds the schema pg_hamilton was
 * created in, so that a database without the extension is told so plainly.
 * Then it pins the session's search_path to pg_catalog, pg_temp, as pg_dump
 * does: the client's own queries call functions and operators by bare
 * names, and a role that may create in a schema on the user's path (public,
 * when granted CREATE) could plant a better-matching one (||(bigint, text),
 * array_to_string(text[], text)) that would run with the user's rights.  The
 * user's path is kept for the names the user gives (cli_user_relation).
 */
PGconn *
cli_connect(Cli *cli)
{
	const char *keys[6];
	const char *vals[6];
	int			n = 0;
	PGconn	   *conn;
	PGresult   *res;
	const char *nsp;

#define ADD(k, v) do { if (v) { keys[n] = (k); vals[n] = (v); n++; } } while (0)
	ADD("host", cli->conn.host);
	ADD("port", cli->conn.port);
	ADD("user", cli->conn.user);
	ADD("dbname", cli->conn.dbname);
	ADD("fallback_application_name", "hamilton");
#undef ADD
	keys[n] = vals[n] = NULL;

	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
	{
		report_conn_error(conn, cli);
		PQfinish(conn);
		exit(EXIT_CONNECT);
	}
	PQsetNoticeReceiver(conn, cli_default_notice, NULL);

	res = cli_query(conn, cli,
					"SELECT n.nspname FROM pg_catalog.pg_extension e "
					"JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace "
					"WHERE e.extname = 'hamilton'", 0, NULL);
	if (PQntuples(res) == 0)
	{
		cli_error("pg_hamilton is not installed in database \"%s\"", PQdb(conn));
		cli_hint("a superuser can install it there with: CREATE EXTENSION hamilton;");
		PQclear(res);
		PQfinish(conn);
		exit(EXIT_FAILED);
	}
	nsp = PQgetvalue(res, 0, 0);
	schema_ident = PQescapeIdentifier(conn, nsp, strlen(nsp));
	PQclear(res);
	if (schema_ident == NULL)
	{
		cli_error("%s", PQerrorMessage(conn));
		PQfinish(conn);
		exit(EXIT_FAILED);
	}

	res = cli_query(conn, cli, "SELECT pg_catalog.current_setting('search_path')", 0, NULL);
	user_search_path = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	set_search_path(conn, cli, PINNED_SEARCH_PATH);
	return conn;
}

/* set_search_path sets the session's search_path to path. */
static void
set_search_path(PGconn *conn, Cli *cli, const char *path)
{
	const char *params[1];

	params[0] = path;
	PQclear(cli_query(conn, cli,
					  "SELECT pg_catalog.set_config('search_path', $1::pg_catalog.text, false)",
					  1, params));
}

/*
 * cli_user_relation: the OID (as text) of the relation name means through
 * the user's own search_path, as in SQL, or NULL when there is none.  Only
 * the name's lookup runs under that path (it runs nobody's code); the
 * session's path is pinned again at once.  The result is malloc'd.
 */
char *
cli_user_relation(PGconn *conn, Cli *cli, const char *name)
{
	const char *params[1];
	PGresult   *res;
	char	   *oid = NULL;

	set_search_path(conn, cli, user_search_path ? user_search_path : "");
	params[0] = name;
	res = cli_query(conn, cli,
					"SELECT pg_catalog.to_regclass($1::pg_catalog.text)::pg_catalog.oid", 1, params);
	if (!PQgetisnull(res, 0, 0))
		oid = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	set_search_path(conn, cli, PINNED_SEARCH_PATH);
	return oid;
}

/* api_schema: the quoted schema of hamilton_execute and friends. */
const char *
api_schema(void)
{
	return schema_ident ? schema_ident : "public";
}

/*
 * cli_report_result_error prints a failed query's error: the primary
 * message on one line, then (with --verbose) its DETAIL, then its HINT.
 * With no result fields (the connection broke), libpq's own message.
 */
void
cli_report_result_error(PGconn *conn, const PGresult *res, Cli *cli)
{
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	char	   *text;

	if (res && modules_report_unsupported(res))
		return;
	if (primary == NULL)
	{
		const char *msg = PQerrorMessage(conn);

		/* libpq's client-side errors start like this; ours say "error:" */
		if (strncmp(msg, "ERROR:  ", 8) == 0)
			msg += 8;
		text = first_line(msg, NULL);
		cli_error("%s", text[0] ? text : "the query failed");
		free(text);
		return;
	}
	text = display_text(primary);
	cli_error("%s", text);
	free(text);
	if (detail && cli->verbose)
		cli_message_lines("detail", detail);
	if (hint)
	{
		text = hint_for_cli(hint);
		cli_message_lines("hint", text);
		free(text);
	}
}

/*
 * rewrite_values: at *p, "in inputs => '{"a": ..., "b": "x.y"}'" becomes
 * "with --input a=VALUE --input b=x.y", the hamilton way to say it; without
 * the "in ", "inputs => '{...}'" becomes "--input KEY=VALUE", and a
 * value the hint writes out is passed as the shell reads it back.  Returns
 * false, leaving out and *p alone, when *p is not such a text.
 */
static bool
rewrite_values(StrBuf *out, const char **p, const char *hint, const char *param,
			   const char *option)
{
	StrBuf		sb;
	char		prefix[64];
	const char *s = *p;
	bool		with_in = strncmp(s, "in ", 3) == 0;

	snprintf(prefix, sizeof(prefix), "%s => '", param);
	if (with_in)
		s += 3;
	if (!names_cli_argument(hint, s, prefix))
		return false;
	s += strlen(prefix);
	sb_init(&sb);
	sb_append(&sb, with_in ? "with" : "");
	if (strncmp(s, "{...}'", 6) == 0)
	{
		sb_printf(&sb, "%s--%s KEY=VALUE", with_in ? " " : "", option);
		sb_append(out, sb.data);
		sb_free(&sb);
		*p = s + 6;
		return true;
	}
	if (*s++ != '{')
	{
		sb_free(&sb);
		return false;
	}
	for (;;)
	{
		const char *name;
		const char *end;

		if (*s != '"')
			break;
		name = ++s;
		s = strstr(s, "\": ");
		if (s == NULL)
			break;
		sb_printf(&sb, "%s--%s %.*s=", sb.len ? " " : "", option, (int) (s - name), name);
		s += 3;
		if (strncmp(s, "...", 3) == 0)
		{
			sb_append(&sb, "VALUE");
			s += 3;
		}
		else if (*s == '"' && (end = strchr(s + 1, '"')) != NULL)
		{
			char	   *value = cli_xstrdup(s + 1);

			value[end - s - 1] = '\0';
			append_shell_word(&sb, value);
			free(value);
			s = end + 1;
		}
		else
		{
			char	   *value;

			end = s + strcspn(s, ",}");
			value = cli_xstrdup(s);
			value[end - s] = '\0';
			append_shell_word(&sb, value);
			free(value);
			s = end;
		}
		if (strncmp(s, "}'", 2) == 0)
		{
			sb_append(out, sb.data);
			sb_free(&sb);
			*p = s + 2;
			return true;
		}
		if (strncmp(s, ", ", 2) != 0)
			break;
		s += 2;
	}
	sb_free(&sb);
	return false;
}

/*
 * names_cli_argument: whether, at p in hint, arg (e.g. "modules => ") is an
 * argument hamilton has an option for: a word of its own, and not one
 * argument of a SQL call the hint shows ("hamilton_explain(...,
 * modules => ...)"), which only SQL can make.
 */
static bool
names_cli_argument(const char *hint, const char *p, const char *arg)
{
	const char *q = p;

	if (strncmp(p, arg, strlen(arg)) != 0)
		return false;
	if (p > hint && (isalnum((unsigned char) p[-1]) || p[-1] == '_'))
		return false;
	while (q > hint && q[-1] == ' ')
		q--;
	return !(q > hint && (q[-1] == ',' || q[-1] == '('));
}

/*
 * read_sql_literal reads the string literal at *p as quote_literal_cstr
 * writes it ('...' with '' for a quote, or E'...' with \\ for a backslash
 * too), moves *p past it and returns its value (to be freed); NULL if *p
 * is none.
 */
static char *
read_sql_literal(const char **p)
{
	const char *s = *p;
	bool		escaped = *s == 'E';
	StrBuf		value;

	if (escaped)
		s++;
	if (*s++ != '\'')
		return NULL;
	sb_init(&value);
	for (; *s; s++)
	{
		if (*s == '\'' && s[1] != '\'')
		{
			*p = s + 1;
			return value.data;
		}
		if (*s == '\'' || (escaped && *s == '\\' && s[1] == '\\'))
			s++;
		sb_appendn(&value, s, 1);
	}
	sb_free(&value);
	return NULL;
}

/*
 * append_shell_word appends s as a shell reads it back: as it is when it
 * is a plain identifier (quote_identifier leaves only those unquoted) or
 * several joined by dots (schema.table),
 * otherwise in single quotes ('"My Module"').
 */
static void
append_shell_word(StrBuf *out, const char *s)
{
	if (s[0] && s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.")] == '\0')
	{
		sb_append(out, s);
		return;
	}
	sb_append(out, "'");
	for (; *s; s++)
		if (*s == '\'')
			sb_append(out, "'\\''");
		else
			sb_appendn(out, s, 1);
	sb_append(out, "'");
}

/*
 * rewrite_modules: at *p, "modules => ARRAY['h2', 'h']" (as
 * dag_modules_suggestion writes it) becomes "--module h2 --module h", and
 * "modules => ..." becomes "--module ...".  Returns false, leaving out and
 * *p alone, when *p is neither.
 */
static bool
rewrite_modules(StrBuf *out, const char **p)
{
	StrBuf		sb;
	char	   *name;
	const char *s = *p + strlen("modules => ");
	bool		ok = false;

	if (strncmp(s, "...", 3) == 0)
	{
		sb_append(out, "--module ...");
		*p = s + 3;
		return true;
	}
	if (strncmp(s, "ARRAY[", 6) != 0)
		return false;
	sb_init(&sb);
	for (s += 6; (name = read_sql_literal(&s)) != NULL;)
	{
		sb_printf(&sb, "%s--module ", sb.len ? " " : "");
		append_shell_word(&sb, name);
		free(name);
		if (*s == ']')
		{
			ok = true;
			break;
		}
		if (strncmp(s, ", ", 2) != 0)
			break;
		s += 2;
	}
	if (ok)
	{
		sb_append(out, sb.data);
		*p = s + 1;
	}
	sb_free(&sb);
	return ok;
}

/*
 * hint_for_cli adapts a server hint written for SQL users: where it says
 * to pass inputs => '{"horizon": ...}', a hamilton user passes
 * --input horizon=VALUE (likewise overrides and config, and '{...}' is
 * KEY=VALUE); modules => ARRAY['h2', 'h'] is --module h2 --module h,
 * module_overrides => true --module-overrides, into_table --into-table;
 * hamilton_execute(ARRAY['forecast']) is hamilton run forecast; where it
 * shows the SQL that lists a run's steps or its checks, hamilton history
 * shows them.
 * Text it does not recognise stays as it is.
 */
char *
hint_for_cli(const char *hint)
{
	StrBuf		out;
	const char *p = hint;

	sb_init(&out);
	while (*p)
	{
		long long	run_id;
		int			used = 0;

		/* "SELECT * FROM hamilton.node_runs WHERE run_id = 5;", or check_results */
		if ((strncmp(p, "SELECT * FROM hamilton.node_runs ", 33) == 0 &&
			 sscanf(p, "SELECT * FROM hamilton.node_runs WHERE run_id = %lld;%n",
					&run_id, &used) == 1 && used > 0) ||
			(strncmp(p, "SELECT * FROM hamilton.check_results ", 37) == 0 &&
			 sscanf(p, "SELECT * FROM hamilton.check_results WHERE run_id = %lld;%n",
					&run_id, &used) == 1 && used > 0))
		{
			sb_printf(&out, "hamilton history %lld", run_id);
			p += used;
		}
		else if (names_cli_argument(hint, p, "module_overrides => true"))
		{
			sb_append(&out, "--module-overrides");
			p += strlen("module_overrides => true");
		}
		else if (names_cli_argument(hint, p, "into_table => "))
		{
			sb_append(&out, "--into-table ");
			p += strlen("into_table => ");
		}
		else if (names_cli_argument(hint, p, "into_table") &&
				 !(isalnum((unsigned char) p[10]) || p[10] == '_'))
		{
			sb_append(&out, "--into-table");
			p += strlen("into_table");
		}
		else if (strncmp(p, "hamilton_execute(ARRAY['", 24) == 0 &&
				 strncmp(p + 24 + strcspn(p + 24, "'"), "'])", 3) == 0)
		{
			/* "hamilton_execute(ARRAY['forecast'])": one output, the run */
			size_t		len = strcspn(p + 24, "'");

			sb_printf(&out, "hamilton run %.*s", (int) len, p + 24);
			p += 24 + len + 3;
		}
		else if (!(names_cli_argument(hint, p, "modules => ") &&
				   rewrite_modules(&out, &p)) &&
				 !rewrite_values(&out, &p, hint, "inputs", "input") &&
				 !rewrite_values(&out, &p, hint, "overrides", "override") &&
				 !rewrite_values(&out, &p, hint, "config", "config"))
			sb_appendn(&out, p++, 1);
	}
	return out.data;
}

/*
 * cli_query runs sql with text parameters and returns its result; on any
 * error it prints it, closes the connection and exits (EXIT_CONNECT if the
 * connection is gone).
 */
PGresult *
cli_query(PGconn *conn, Cli *cli, const char *sql, int nparams,
		  const char *const *params)
{
	PGresult   *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	int			status;

	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return res;
	cli_report_result_error(conn, res, cli);
	PQclear(res);
	status = PQstatus(conn) == CONNECTION_BAD ? EXIT_CONNECT : EXIT_FAILED;
	cli_finish(conn);
	exit(status);
}

/*
 * cli_default_notice prints a server NOTICE or WARNING as one line on
 * stderr, "hamilton: notice: ...", labelled with its severity.
 */
void
cli_default_notice(void *arg, const PGresult *res)
{
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	char		label[16];
	char	   *text;
	int			i;

	(void) arg;
	if (primary == NULL)
		return;
	snprintf(label, sizeof(label), "%s", sev ? sev : "notice");
	for (i = 0; label[i]; i++)
		label[i] = (char) tolower((unsigned char) label[i]);
	text = display_text(primary);
	cli_message_lines(label, text);
	free(text);
}

void
cli_finish(PGconn *conn)
{
	PQfinish(conn);
	PQfreemem(schema_ident);
	schema_ident = NULL;
}
