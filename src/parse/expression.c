/*-------------------------------------------------------------------------
 *
 * expression.c
 *	  Reading a column expression node's definition (or a check's
 *	  predicate): one SQL expression over column names.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "parser/scansup.h"
#include "utils/builtins.h"

#include "parse.h"

typedef struct ExprWalk
{
	List	   *refs;			/* SqlRef * */
	SqlTokens  *tokens;			/* of the text parsed */
	int			offset;			/* length of the "SELECT " prefix */
	const char *node_display;
	bool		window;
	int			window_depth;	/* inside how many window function calls */
	List	   *plain_calls;
} ExprWalk;

/*
 * expr_walker collects the column names an expression reads, and refuses
 * what a column expression cannot hold.
 */
static bool
expr_walker(Node *node, ExprWalk *ctx)
{
	if (node == NULL)
		return false;
	check_stack_depth();
	if (IsA(node, ColumnRef))
	{
		ColumnRef  *cref = (ColumnRef *) node;
		SqlRef	   *ref;

		if (list_length(cref->fields) != 1 || !IsA(linitial(cref->fields), String))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("column expression of node %s must name columns without a qualifier", ctx->node_display),
					 errdetail("It reads %s.", NameListToString(cref->fields)),
					 errhint("A column expression reads other column nodes by their bare names, e.g. 'spend / signups'.")));
		ref = palloc0(sizeof(SqlRef));
		ref->name = pstrdup(strVal(linitial(cref->fields)));
		ref->start = cref->location - ctx->offset;
		ref->end = ctx->tokens->tokens[sql_name_last_token(ctx->tokens,
														   sql_token_at(ctx->tokens, cref->location),
														   1)].end - ctx->offset;
		ref->alias_at = -1;
		ref->table_start = -1;
		ref->column = true;
		ref->in_window = ctx->window_depth > 0;
		ref->target = -1;
		ctx->refs = lappend(ctx->refs, ref);
		return false;
	}
	if (IsA(node, SubLink))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("column expression of node %s must not hold a subquery", ctx->node_display),
				 errdetail("A column expression is computed row by row inside one query over its frame."),
				 errhint("Define the subquery as a scalar or table node and read it by name.")));
	if (IsA(node, FuncCall))
	{
		FuncCall   *fc = (FuncCall *) node;

		if (fc->over)
		{
			if (fc->over->name || fc->over->refname)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						 errmsg("column expression of node %s uses a named window", ctx->node_display),
						 errdetail("A column expression has no WINDOW clause to define it in."),
						 errhint("Write the window inline: avg(spend) OVER (PARTITION BY region ORDER BY week).")));
			ctx->window = true;

			/* what a window call reads cannot be another window's result */
			{
				bool		r;

				ctx->window_depth++;
				r = raw_expression_tree_walker(node, expr_walker, (void *) ctx);
				ctx->window_depth--;
				return r;
			}
		}
		else
			ctx->plain_calls = lappend(ctx->plain_calls, strVal(llast(fc->funcname)));
	}
	return raw_expression_tree_walker(node, expr_walker, (void *) ctx);
}

/*
 * parse_node_expression reads a column expression: "spend / signups",
 * "avg(spend) OVER (PARTITION BY region ORDER BY week)".  It is parsed as
 * the single target of a SELECT, and its column references (with their
 * byte positions) are what it reads.
 */
ParsedExpr *
parse_node_expression(const char *node_display, const char *sql, const char *what)
{
	static const char prefix[] = "SELECT ";
	ErrorContextCallback errcb;
	ParseErrorContext errarg;
	char	   *text;
	List	   *stmts;
	SelectStmt *sel;
	ResTarget  *target;
	ExprWalk	ctx;
	ParsedExpr *result;
	int			start,
				len,
				i;
	ListCell   *lc;

	/* trim, so that positions are relative to what is stored */
	start = 0;
	len = strlen(sql);
	while (len > 0 && scanner_isspace(sql[start]))
		start++, len--;
	while (len > 0 && scanner_isspace(sql[start + len - 1]))
		len--;
	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition of node %s is empty", node_display),
				 errhint("Define a SQL node with a SELECT, or a column node with an expression such as 'spend / signups'.")));
	text = psprintf("%s%.*s", prefix, len, sql + start);

	parse_context_push(&errcb, &errarg, node_display, text, sizeof(prefix) - 1, true);
	{
		MemoryContext cxt = CurrentMemoryContext;

		PG_TRY();
		{
			stmts = parse_raw(text);
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(cxt);
			edata = CopyErrorData();
			FlushErrorState();
			error_context_stack = errcb.previous;
			ereport(ERROR,
					(errcode(edata->sqlerrcode),
					 errmsg("%s of node %s does not parse: %s", what, node_display, edata->message),
					 errdetail("The %s is: %s", what, text + errarg.offset),
					 errhint("A %s is one SQL expression over column names, e.g. %s.", what,
							 strcmp(what, "check predicate") == 0 ? "'spend >= 0'" : "'spend / signups'"),
					 edata->internalpos > 0 ? internalerrposition(edata->internalpos) : 0,
					 edata->internalpos > 0 ? internalerrquery(edata->internalquery) : 0));
		}
		PG_END_TRY();
	}

	sel = (list_length(stmts) == 1 && IsA(linitial_node(RawStmt, stmts)->stmt, SelectStmt)) ?
		(SelectStmt *) linitial_node(RawStmt, stmts)->stmt : NULL;
	if (sel == NULL || list_length(sel->targetList) != 1 || sel->fromClause ||
		sel->whereClause || sel->groupClause || sel->havingClause ||
		sel->windowClause || sel->sortClause || sel->limitCount ||
		sel->limitOffset || sel->distinctClause || sel->lockingClause ||
		sel->withClause || sel->intoClause || sel->op != SETOP_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition of node %s is neither a SELECT nor a single expression", node_display),
				 errdetail("A column node is one expression over other columns, without FROM, WHERE or a list of several values."),
				 errhint("Write a table node as a full SELECT, or a column node as an expression such as 'spend / signups'.")));
	target = linitial_node(ResTarget, sel->targetList);
	if (target->name)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("column expression of node %s must not name its result", node_display),
				 errdetail("It ends with AS %s.", quote_identifier(target->name)),
				 errhint("The column is named after the node; remove the alias.")));
	if (IsA(target->val, ColumnRef) &&
		IsA(llast(((ColumnRef *) target->val)->fields), A_Star))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("column expression of node %s must be one column, not *", node_display),
				 errhint("Name the columns a table node selects in a SELECT; a column node computes one value per row.")));

	memset(&ctx, 0, sizeof(ctx));
	ctx.tokens = sql_tokenize(text);
	ctx.offset = sizeof(prefix) - 1;
	ctx.node_display = node_display;
	expr_walker(target->val, &ctx);
	error_context_stack = errcb.previous;

	result = palloc0(sizeof(ParsedExpr));
	result->sql = sql_ends_in_comment(ctx.tokens, ctx.offset + len) ?
		psprintf("%.*s\n", len, sql + start) : pnstrdup(sql + start, len);
	result->window = ctx.window;
	result->plain_calls = ctx.plain_calls;
	result->nrefs = list_length(ctx.refs);
	result->refs = palloc0(sizeof(SqlRef) * Max(result->nrefs, 1));
	i = 0;
	foreach(lc, ctx.refs)
		result->refs[i++] = *(SqlRef *) lfirst(lc);
	return result;
}
