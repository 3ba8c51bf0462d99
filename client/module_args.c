/*
 * module_args.c
 *	  --module and --module-overrides, shared by run, explain, validate and
 *	  graph: the run's namespace (the modules its names resolve among, in
 *	  order) and whether the node of a later module wins, passed to the
 *	  server as the named arguments modules => and module_overrides =>.
 *
 * They are passed only when given, so that without them the client calls
 * the functions exactly as before and still works against a database whose
 * extension is older than these arguments (1.0); with them, such a database
 * is told plainly that it cannot take them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

static bool modules_split(RunModules *m, const char *arg);

/*
 * modules_split takes a --modules value, M1,M2,...: each piece is one
 * --module, in order.  A comma inside double quotes ("a,b") is part of the
 * name, as the server reads a quoted identifier.
 */
static bool
modules_split(RunModules *m, const char *arg)
{
	const char *start = arg;
	const char *p;
	bool		quoted = false;

	for (p = arg;; p++)
	{
		if (*p == '"')
			quoted = !quoted;
		else if ((*p == ',' && !quoted) || *p == '\0')
		{
			char	   *piece = malloc(p - start + 1);
			char	  **grown = realloc(m->owned, sizeof(char *) * (m->nowned + 1));

			if (piece == NULL || grown == NULL)
			{
				cli_error("out of memory");
				exit(EXIT_FAILED);
			}
			memcpy(piece, start, p - start);
			piece[p - start] = '\0';
			m->owned = grown;
			m->owned[m->nowned++] = piece;
			if (piece[0] == '\0')
			{
				cli_usage_error("--modules needs module names separated by commas, e.g. --modules h2,h");
				return false;
			}
			if (!modules_option(m, OPT_MODULE, piece))
				return false;
			if (*p == '\0')
				return true;
			start = p + 1;
		}
	}
}

/*
 * modules_option takes OPT_MODULE (one --module, appended: the order is the
 * run's), OPT_MODULES (several, comma-separated) and OPT_MODULE_OVERRIDES.
 * A module name is passed on as written (the server reads it as an
 * identifier); an empty one is a usage error.
 */
bool
modules_option(RunModules *m, int code, const char *arg)
{
	if (code == OPT_MODULE_OVERRIDES)
	{
		m->overrides = true;
		return true;
	}
	if (code == OPT_MODULES)
		return modules_split(m, arg);
	if (code != OPT_MODULE)
		return false;
	if (arg[0] == '\0')
	{
		cli_usage_error("--module needs a module name (a schema), e.g. --module shop");
		return false;
	}
	if (m->n == m->cap)
	{
		char	  **grown;

		m->cap = m->cap ? m->cap * 2 : 4;
		grown = realloc(m->names, sizeof(char *) * m->cap);
		if (grown == NULL)
		{
			cli_error("out of memory");
			exit(EXIT_FAILED);
		}
		m->names = grown;
	}
	m->names[m->n++] = (char *) arg;
	return true;
}

/*
 * modules_named_args appends the modules and module_overrides parameters to
 * params (*nparams of them so far) when --module or --module-overrides was
 * given, and returns the SQL that passes them, e.g.
 * ", modules => $5::text[], module_overrides => $6::boolean" (modules NULL
 * without --module: the outputs' modules); otherwise "", and params stay
 * as they are.  params must have room for two more.
 */
const char *
modules_named_args(RunModules *m, const char **params, int *nparams)
{
	if (m->n == 0 && !m->overrides)
		return "";
	free(m->literal);
	m->literal = m->n > 0 ? text_array_literal(m->names, m->n) : NULL;
	params[*nparams] = m->literal;
	params[*nparams + 1] = m->overrides ? "true" : "false";
	snprintf(m->sql, sizeof(m->sql),
			 ", modules => $%d::text[], module_overrides => $%d::boolean",
			 *nparams + 1, *nparams + 2);
	*nparams += 2;
	return m->sql;
}

/* modules_free frees what m allocated (the names are argv's or owned). */
void
modules_free(RunModules *m)
{
	int			i;

	for (i = 0; i < m->nowned; i++)
		free(m->owned[i]);
	free(m->owned);
	m->owned = NULL;
	m->nowned = 0;
	free(m->names);
	free(m->literal);
	m->names = NULL;
	m->literal = NULL;
	m->n = m->cap = 0;
}

/*
 * modules_report_unsupported reports, and returns true for, the error of a
 * server whose function takes no modules argument (an extension older than
 * 1.1): PostgreSQL finds no function of that name and those arguments
 * (42883 undefined_function), "function s.hamilton_execute(text[], ...,
 * modules => text[], module_overrides => boolean) does not exist".  Only
 * this client's own call names modules => text[] so; any other error is
 * left to the caller.
 */
bool
modules_report_unsupported(const PGresult *res)
{
	const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *paren;
	const char *name;

	if (sqlstate == NULL || strcmp(sqlstate, "42883") != 0 || primary == NULL ||
		strncmp(primary, "function ", 9) != 0 ||
		strstr(primary, ", modules => text[]") == NULL ||
		(paren = strchr(primary, '(')) == NULL)
		return false;
	/* the function's name without its schema */
	for (name = paren; name > primary + 9 && name[-1] != '.'; name--)
		;
	cli_error("this database's pg_hamilton cannot take --module or --module-overrides: its %.*s has no argument modules",
			  (int) (paren - name), name);
	cli_hint("install pg_hamilton 1.1 or later and run ALTER EXTENSION hamilton UPDATE, or leave out --module and --module-overrides");
	return true;
}
