/*-------------------------------------------------------------------------
 *
 * sqlparse.c
 *	  Reading SQL node definitions with PostgreSQL's own parser.
 *
 * A SQL node is one read-only SELECT.  raw_parser tells us what kind of
 * statement it is and which relations it reads (with their byte positions),
 * without needing those relations to exist yet: upstream nodes are usually
 * not materialized when a node is defined.  The positions let the planner
 * point each reference at wherever the upstream result lives at run time,
 * by splicing the text, never by pattern matching on SQL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "parser/scansup.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"
#include "utils/guc.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "sqlparse.h"

typedef struct RefWalk
{
	List	   *scopes;			/* stack of lists of CTE names in scope */
	List	   *refs;			/* SqlRef * found so far */
	const char *sql;
	const char *modifying;		/* command tag of a data-modifying CTE */
	bool		locking;		/* a FOR UPDATE/SHARE clause was seen */
} RefWalk;

typedef struct ParseErrorContext
{
	const char *node_display;
	const char *sql;
	int			offset;			/* of the definition within sql */
	bool		expression;
} ParseErrorContext;

static bool ref_walker(Node *node, RefWalk *ctx);
static void add_range_var(RefWalk *ctx, RangeVar *rv, bool inlinable);
static int	scan_qualified_name_end(const char *sql, int start);
static bool preceded_by_table_keyword(const char *sql, int start);
static void parse_error_callback(void *arg);
static char *with_article(const char *tag);
static int	ref_cmp(const void *a, const void *b);
static const char *skip_space_and_comments(const char *p);

/*
 * pin_sql_reading_settings sets, in the current GUC nest level, the
 * settings that change how SQL text reads, so that a stored definition is
 * read (sqlparse.c) and run (executor.c) the same way, whatever the session
 * says.
 */
void
pin_sql_reading_settings(void)
{
	(void) set_config_option("standard_conforming_strings", "on", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("backslash_quote", "on", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

/*
 * parse_node_query checks that a definition is exactly one read-only SELECT
 * and lists the relations it reads.  Every refusal names what was found and
 * how to write it instead; nothing is stored by the caller on error.
 */
ParsedQuery *
parse_node_query(const char *node_display, const char *sql)
{
	ErrorContextCallback errcb;
	ParseErrorContext errarg;
	List	   *stmts;
	RawStmt    *raw;
	Node	   *stmt;
	RefWalk		ctx;
	ParsedQuery *result;
	int			start,
				len;
	ListCell   *lc;
	int			i;
	int			nestlevel;

	errarg.node_display = node_display;
	errarg.sql = sql;
	errarg.offset = 0;
	errarg.expression = false;
	errcb.callback = parse_error_callback;
	errcb.arg = &errarg;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	/*
	 * Read every definition the same way, whatever the session says, so a
	 * stored definition always means the same thing (execution pins the
	 * same setting).
	 */
	nestlevel = NewGUCNestLevel();
	pin_sql_reading_settings();
	stmts = raw_parser(sql, RAW_PARSE_DEFAULT);
	AtEOXact_GUC(true, nestlevel);

	if (stmts == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition of node %s is empty", node_display),
				 errdetail("It holds no statement, only white space or comments."),
				 errhint("Define a SQL node with a SELECT, for example 'SELECT region, sum(amount) AS sales FROM orders GROUP BY region'.")));
	if (list_length(stmts) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition of node %s must be a single statement", node_display),
				 errdetail("It holds %d statements.", list_length(stmts)),
				 errhint("Define one node per SELECT; a node reads other nodes by naming them in FROM.")));

	raw = linitial_node(RawStmt, stmts);
	stmt = raw->stmt;
	if (!IsA(stmt, SelectStmt))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition of node %s must be a read-only SELECT", node_display),
				 errdetail("It is %s statement.",
						   with_article(GetCommandTagName(CreateCommandTag(stmt)))),
				 errhint("pg_hamilton materializes each node's result itself; write only the SELECT that computes it.")));
	if (((SelectStmt *) stmt)->intoClause != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition of node %s must be a read-only SELECT", node_display),
				 errdetail("It is a SELECT INTO, which creates a table."),
				 errhint("Remove the INTO clause: the node's result is materialized as a table named after the node.")));

	memset(&ctx, 0, sizeof(ctx));
	ctx.sql = sql;
	ref_walker(stmt, &ctx);

	if (ctx.modifying)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition of node %s must be a read-only SELECT", node_display),
				 errdetail("Its WITH clause holds a data-modifying %s.", ctx.modifying),
				 errhint("Nodes only read; write data outside the dataflow.")));
	if (ctx.locking)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("definition of node %s must be a read-only SELECT", node_display),
				 errdetail("It locks rows with FOR UPDATE or FOR SHARE."),
				 errhint("Remove the locking clause.")));

	error_context_stack = errcb.previous;

	/* Keep the statement's own text; positions become relative to it. */
	start = raw->stmt_location;
	len = raw->stmt_len > 0 ? raw->stmt_len : (int) strlen(sql) - start;
	while (len > 0 && scanner_isspace(sql[start]))
	{
		start++;
		len--;
	}
	while (len > 0 && scanner_isspace(sql[start + len - 1]))
		len--;

	result = palloc0(sizeof(ParsedQuery));
	result->sql = pnstrdup(sql + start, len);
	result->nrefs = list_length(ctx.refs);
	result->refs = palloc0(sizeof(SqlRef) * Max(result->nrefs, 1));
	i = 0;
	foreach(lc, ctx.refs)
	{
		SqlRef	   *ref = lfirst(lc);

		result->refs[i] = *ref;
		result->refs[i].start -= start;
		result->refs[i].end -= start;
		i++;
	}
	return result;
}

/*
 * ref_walker collects the relations a statement reads.  A name that matches
 * a CTE in scope is the CTE, not a relation.  Recursion here follows the
 * nesting of the SQL text, which the parser has already bounded.
 */
static bool
ref_walker(Node *node, RefWalk *ctx)
{
	if (node == NULL)
		return false;
	check_stack_depth();

	if (IsA(node, RangeVar))
	{
		add_range_var(ctx, (RangeVar *) node, true);
		return false;
	}
	if (IsA(node, RangeTableSample))
	{
		RangeTableSample *rts = (RangeTableSample *) node;

		/* a sampled relation cannot become a subquery */
		if (IsA(rts->relation, RangeVar))
			add_range_var(ctx, (RangeVar *) rts->relation, false);
		else
			ref_walker(rts->relation, ctx);
		ref_walker((Node *) rts->args, ctx);
		return ref_walker((Node *) rts->repeatable, ctx);
	}
	if (IsA(node, CommonTableExpr))
	{
		CommonTableExpr *cte = (CommonTableExpr *) node;

		if (cte->ctequery && !IsA(cte->ctequery, SelectStmt) && ctx->modifying == NULL)
			ctx->modifying = GetCommandTagName(CreateCommandTag(cte->ctequery));
	}
	if (IsA(node, SelectStmt))
	{
		SelectStmt *sel = (SelectStmt *) node;
		WithClause *with = sel->withClause;
		List	   *names = NIL;
		bool		result;
		ListCell   *lc;

		if (sel->lockingClause != NIL)
			ctx->locking = true;
		if (with)
		{
			/*
			 * In a non-recursive WITH, a CTE sees only the CTEs before it: a
			 * CTE named like a node may read that node ("WITH orders AS
			 * (SELECT * FROM orders ...)").  A recursive WITH sees them all.
			 */
			if (with->recursive)
				foreach(lc, with->ctes)
					names = lappend(names, ((CommonTableExpr *) lfirst(lc))->ctename);
			foreach(lc, with->ctes)
			{
				CommonTableExpr *cte = (CommonTableExpr *) lfirst(lc);

				ctx->scopes = lcons(names, ctx->scopes);
				ref_walker((Node *) cte, ctx);
				ctx->scopes = list_delete_first(ctx->scopes);
				if (!with->recursive)
					names = lappend(names, cte->ctename);
			}
		}
		ctx->scopes = lcons(names, ctx->scopes);
		sel->withClause = NULL;
		result = raw_expression_tree_walker(node, ref_walker, (void *) ctx);
		sel->withClause = with;
		ctx->scopes = list_delete_first(ctx->scopes);
		return result;
	}
	return raw_expression_tree_walker(node, ref_walker, (void *) ctx);
}

static void
add_range_var(RefWalk *ctx, RangeVar *rv, bool inlinable)
{
	SqlRef	   *ref;

	if (rv->schemaname == NULL && rv->catalogname == NULL)
	{
		ListCell   *lc;

		foreach(lc, ctx->scopes)
		{
			ListCell   *lc2;

			foreach(lc2, (List *) lfirst(lc))
			{
				if (strcmp((char *) lfirst(lc2), rv->relname) == 0)
					return;		/* a CTE reference */
			}
		}
	}

	ref = palloc0(sizeof(SqlRef));
	ref->schema = rv->schemaname ? pstrdup(rv->schemaname) : NULL;
	ref->name = pstrdup(rv->relname);
	ref->start = rv->location;
	ref->end = scan_qualified_name_end(ctx->sql, rv->location);
	ref->has_alias = rv->alias != NULL;
	ref->no_alias_allowed = preceded_by_table_keyword(ctx->sql, rv->location) ||
		(!rv->inh && *skip_space_and_comments(ctx->sql + ref->end) == ')');
	ref->inlinable = inlinable && rv->inh && !ref->no_alias_allowed;
	ref->target = -1;
	ctx->refs = lappend(ctx->refs, ref);
}

/* skip_space_and_comments: white space, -- comments and nested block comments */
static const char *
skip_space_and_comments(const char *p)
{
	for (;;)
	{
		while (*p && scanner_isspace(*p))
			p++;
		if (p[0] == '-' && p[1] == '-')
		{
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (p[0] == '/' && p[1] == '*')
		{
			int			depth = 0;

			do
			{
				if (p[0] == '/' && p[1] == '*')
				{
					depth++;
					p += 2;
				}
				else if (p[0] == '*' && p[1] == '/')
				{
					depth--;
					p += 2;
				}
				else
					p++;
			} while (*p && depth > 0);
			continue;
		}
		return p;
	}
}

static bool
is_ident_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80;
}

/*
 * scan_qualified_name_end finds where a (possibly qualified, possibly
 * quoted) relation name that starts at "start" ends: ident [. ident ...].
 */
static int
scan_qualified_name_end(const char *sql, int start)
{
	const char *p = sql + start;

	for (;;)
	{
		const char *q;

		if ((p[0] == 'U' || p[0] == 'u') && p[1] == '&' && p[2] == '"')
			p += 2;
		if (*p == '"')
		{
			p++;
			while (*p)
			{
				if (*p == '"')
				{
					if (p[1] == '"')
						p += 2;
					else
					{
						p++;
						break;
					}
				}
				else
					p++;
			}
		}
		else
		{
			while (*p && is_ident_char((unsigned char) *p))
				p++;
		}

		q = skip_space_and_comments(p);
		if (*q != '.')
			break;
		p = skip_space_and_comments(q + 1);
	}
	return (int) (p - sql);
}

/* "TABLE name" is a statement form whose name cannot become a subquery. */
static bool
preceded_by_table_keyword(const char *sql, int start)
{
	int			i = start - 1;

	while (i >= 0 && scanner_isspace(sql[i]))
		i--;
	if (i < 4 || pg_strncasecmp(sql + i - 4, "table", 5) != 0)
		return false;
	return i < 5 || !is_ident_char((unsigned char) sql[i - 5]);
}

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

/* with_article: "an INSERT", "a DELETE". */
static char *
with_article(const char *tag)
{
	return psprintf("%s %s", strchr("AEIOU", tag[0]) ? "an" : "a", tag);
}

static int
ref_cmp(const void *a, const void *b)
{
	const SqlRef *ra = *(SqlRef *const *) a;
	const SqlRef *rb = *(SqlRef *const *) b;

	return (ra->start > rb->start) - (ra->start < rb->start);
}

/*
 * splice_refs returns sql with each reference whose replacement is not NULL
 * replaced, in one left-to-right pass.
 */
char *
splice_refs(const char *sql, int nrefs, SqlRef *refs, char **replacements)
{
	StringInfoData buf;
	SqlRef	  **order;
	int			pos = 0;
	int			i;

	order = palloc(sizeof(SqlRef *) * Max(nrefs, 1));
	for (i = 0; i < nrefs; i++)
		order[i] = &refs[i];
	qsort(order, nrefs, sizeof(SqlRef *), ref_cmp);

	initStringInfo(&buf);
	for (i = 0; i < nrefs; i++)
	{
		int			idx = order[i] - refs;

		if (replacements[idx] == NULL)
			continue;
		appendBinaryStringInfo(&buf, sql + pos, order[i]->start - pos);
		appendStringInfoString(&buf, replacements[idx]);
		pos = order[i]->end;
	}
	appendStringInfoString(&buf, sql + pos);
	pfree(order);
	return buf.data;
}

/*
 * definition_is_query: does a definition parse as a statement?  If not,
 * hamilton_define reads it as a column expression.  Parse errors are
 * swallowed here; the caller reports them for the reading it picks.
 */
bool
definition_is_query(const char *sql)
{
	MemoryContext cxt = CurrentMemoryContext;
	bool		ok = true;
	int			nestlevel = NewGUCNestLevel();

	pin_sql_reading_settings();
	PG_TRY();
	{
		(void) raw_parser(sql, RAW_PARSE_DEFAULT);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		FlushErrorState();
		ok = false;
	}
	PG_END_TRY();
	AtEOXact_GUC(true, nestlevel);
	if (!ok)
	{
		/* a statement with a syntax error is still a statement */
		const char *p = skip_space_and_comments(sql);
		static const char *const starts[] = {"select", "with", "values", "table", "insert",
		"update", "delete", "create", "drop", "alter", "merge", "copy", NULL};
		int			i;

		for (i = 0; starts[i]; i++)
		{
			size_t		len = strlen(starts[i]);

			if (pg_strncasecmp(p, starts[i], len) == 0 && !is_ident_char((unsigned char) p[len]))
				return true;
		}
	}
	return ok;
}

typedef struct ExprWalk
{
	List	   *refs;			/* SqlRef * */
	const char *sql;
	int			offset;			/* length of the "SELECT " prefix */
	const char *node_display;
	bool		window;
	List	   *plain_calls;
} ExprWalk;

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
		ref->end = scan_qualified_name_end(ctx->sql, cref->location) - ctx->offset;
		ref->column = true;
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
	int			nestlevel;
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

	errarg.node_display = node_display;
	errarg.sql = text;
	errarg.offset = sizeof(prefix) - 1;
	errarg.expression = true;
	errcb.callback = parse_error_callback;
	errcb.arg = &errarg;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	nestlevel = NewGUCNestLevel();
	pin_sql_reading_settings();
	{
		MemoryContext cxt = CurrentMemoryContext;

		PG_TRY();
		{
			stmts = raw_parser(text, RAW_PARSE_DEFAULT);
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
	AtEOXact_GUC(true, nestlevel);

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
	ctx.sql = text;
	ctx.offset = sizeof(prefix) - 1;
	ctx.node_display = node_display;
	expr_walker(target->val, &ctx);
	error_context_stack = errcb.previous;

	result = palloc0(sizeof(ParsedExpr));
	result->sql = pnstrdup(sql + start, len);
	result->window = ctx.window;
	result->plain_calls = ctx.plain_calls;
	result->nrefs = list_length(ctx.refs);
	result->refs = palloc0(sizeof(SqlRef) * Max(result->nrefs, 1));
	i = 0;
	foreach(lc, ctx.refs)
		result->refs[i++] = *(SqlRef *) lfirst(lc);
	return result;
}
