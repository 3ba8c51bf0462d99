/*-------------------------------------------------------------------------
 *
 * query.c
 *	  Reading a SQL node's definition: one read-only SELECT, and the
 *	  relations it reads.
 *
 * raw_parser tells us what kind of statement it is and which relations it
 * reads (with their byte positions), without needing those relations to
 * exist yet: upstream nodes are usually not materialized when a node is
 * defined.  The positions let the planner point each reference at wherever
 * the upstream result lives at run time, by splicing the text
 * (splice_refs), never by pattern matching on SQL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "parser/scansup.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"

#include "parse.h"

typedef struct RefWalk
{
	List	   *scopes;			/* stack of lists of CTE names in scope */
	List	   *refs;			/* SqlRef * found so far */
	const char *sql;
	const char *modifying;		/* command tag of a data-modifying CTE */
	bool		locking;		/* a FOR UPDATE/SHARE clause was seen */
} RefWalk;

static bool ref_walker(Node *node, RefWalk *ctx);
static void add_range_var(RefWalk *ctx, RangeVar *rv, bool inlinable);
static char *with_article(const char *tag);

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

	parse_context_push(&errcb, &errarg, node_display, sql, 0, false);
	stmts = parse_raw(sql);

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

/*
 * add_range_var records a relation the statement reads, unless the name
 * means a CTE in scope.
 */
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
	ref->end = sql_name_end(ctx->sql, rv->location);
	ref->has_alias = rv->alias != NULL;
	ref->no_alias_allowed = sql_after_table_keyword(ctx->sql, rv->location) ||
		(!rv->inh && *sql_skip_space_and_comments(ctx->sql + ref->end) == ')');
	ref->inlinable = inlinable && rv->inh && !ref->no_alias_allowed;
	ref->target = -1;
	ctx->refs = lappend(ctx->refs, ref);
}

/* with_article: "an INSERT", "a DELETE". */
static char *
with_article(const char *tag)
{
	return psprintf("%s %s", strchr("AEIOU", tag[0]) ? "an" : "a", tag);
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

	PG_TRY();
	{
		(void) parse_raw(sql);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		FlushErrorState();
		ok = false;
	}
	PG_END_TRY();
	if (!ok)
	{
		/* a statement with a syntax error is still a statement */
		const char *p = sql_skip_space_and_comments(sql);
		static const char *const starts[] = {"select", "with", "values", "table", "insert",
		"update", "delete", "create", "drop", "alter", "merge", "copy", NULL};
		int			i;

		for (i = 0; starts[i]; i++)
		{
			size_t		len = strlen(starts[i]);

			if (pg_strncasecmp(p, starts[i], len) == 0 && !sql_ident_char((unsigned char) p[len]))
				return true;
		}
	}
	return ok;
}
