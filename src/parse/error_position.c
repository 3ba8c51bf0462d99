/*-------------------------------------------------------------------------
 *
 * error_position.c
 *	  Errors found while reading a definition point into the definition.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "parse.h"

/*
 * parse_error_callback names the node, and moves a syntax error's position
 * into the definition (as SQL functions do), so the caret points at the
 * node's SQL rather than at the hamilton_define call.
 */
void
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
