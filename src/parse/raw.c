/*-------------------------------------------------------------------------
 *
 * raw.c
 *	  Running raw_parser on a definition: with the settings that change how
 *	  SQL text reads pinned, so a stored definition always means the same
 *	  thing (exec/ pins them too), and with errors that point into the
 *	  definition and name its node.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "parser/parser.h"
#include "utils/guc.h"

#include "catalog.h"
#include "parse.h"

static void parse_error_callback(void *arg);

/*
 * parse_error_callback names the node, and moves a syntax error's position
 * into the definition (as SQL functions do), so the caret points at the
 * node's SQL rather than at the hamilton_define call.
 */
static void
parse_error_callback(void *arg)
{
	ParseErrorContext *ctx = arg;
	int			pos = geterrposition();

	if (pos > 0)
	{
		errposition(0);
		internalerrposition(Max(pos - ctx->offset, 1));
		internalerrquery(ctx->sql + ctx->offset);
	}
	if (ctx->expression)
		errcontext("while reading the definition of node %s as a column expression (it is not a SELECT)",
				   ctx->node_display);
	else
		errcontext("while reading the definition of node %s", ctx->node_display);
}

/*
 * parse_context_push makes errors raised until the caller pops cb (restores
 * error_context_stack to cb->previous) name the node and point into its
 * definition, which starts at offset in sql.
 */
void
parse_context_push(ErrorContextCallback *cb, ParseErrorContext *arg,
				   const char *node_display, const char *sql, int offset,
				   bool expression)
{
	arg->node_display = node_display;
	arg->sql = sql;
	arg->offset = offset;
	arg->expression = expression;
	cb->callback = parse_error_callback;
	cb->arg = arg;
	cb->previous = error_context_stack;
	error_context_stack = cb;
}

/*
 * parse_raw is raw_parser under the pinned SQL-reading settings.  On error
 * the settings are unwound before the error goes on, so a caller that
 * catches it may go on too.
 */
List *
parse_raw(const char *sql)
{
	int			nestlevel = NewGUCNestLevel();
	List	   *stmts;

	PG_TRY();
	{
		pin_sql_reading_settings();
		stmts = raw_parser(sql, RAW_PARSE_DEFAULT);
	}
	PG_CATCH();
	{
		AtEOXact_GUC(false, nestlevel);
		PG_RE_THROW();
	}
	PG_END_TRY();
	AtEOXact_GUC(true, nestlevel);
	return stmts;
}
