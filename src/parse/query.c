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
#include "parser/gramparse.h"
#include "parser/scansup.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"

#include "parse.h"

typedef struct RefWalk
{
	List	   *scopes;			/* stack of lists of CTE names in scope */
	List	   *from_scopes;	/* stack of FROM scopes (qualifiers.c) */
	List	   *refs;			/* SqlRef * found so far */
	List	   *rvs;			/* the RangeVar * of each of refs */
	List	   *notes;			/* qualifiers and the relations they name */
	SqlTokens  *tokens;			/* of the definition */
	const char *modifying;		/* command tag of a data-modifying CTE */
	bool		locking;		/* a FOR UPDATE/SHARE clause was seen */
} RefWalk;

static bool ref_walker(Node *node, RefWalk *ctx);
static void add_range_var(RefWalk *ctx, RangeVar *rv, bool sampled);
static char *with_article(const char *tag);
static bool parses(const char *sql);

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
	ctx.tokens = sql_tokenize(sql);
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
	result->sql = sql_ends_in_comment(ctx.tokens, start + len) ?
		psprintf("%.*s\n", len, sql + start) : pnstrdup(sql + start, len);
	result->nrefs = list_length(ctx.refs);
	result->refs = palloc0(sizeof(SqlRef) * Max(result->nrefs, 1));
	i = 0;
	foreach(lc, ctx.refs)
	{
		SqlRef	   *ref = &result->refs[i];

		*ref = *(SqlRef *) lfirst(lc);
		ref->start -= start;
		ref->end -= start;
		if (ref->alias_at >= 0)
			ref->alias_at -= start;
		if (ref->table_start >= 0)
			ref->table_start -= start;
		ref->qualifiers = qualifiers_of(ctx.notes, list_nth(ctx.rvs, i), -start);
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
		add_range_var(ctx, (RangeVar *) node, false);
		return false;
	}
	if (IsA(node, ColumnRef))
	{
		qualifier_note(ctx->from_scopes, (ColumnRef *) node, ctx->tokens, &ctx->notes);
		return false;
	}
	if (IsA(node, RangeTableSample))
	{
		RangeTableSample *rts = (RangeTableSample *) node;

		/* a sampled relation cannot become a subquery */
		if (IsA(rts->relation, RangeVar))
			add_range_var(ctx, (RangeVar *) rts->relation, true);
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
		ctx->from_scopes = lcons(qualifier_scope(sel->fromClause), ctx->from_scopes);
		sel->withClause = NULL;
		result = raw_expression_tree_walker(node, ref_walker, (void *) ctx);
		sel->withClause = with;
		ctx->from_scopes = list_delete_first(ctx->from_scopes);
		ctx->scopes = list_delete_first(ctx->scopes);
		return result;
	}
	return raw_expression_tree_walker(node, ref_walker, (void *) ctx);
}

/*
 * add_range_var records a relation the statement reads, unless the name
 * means a CTE in scope.  Its span and what stands around it come from the
 * scanner's tokens: the name's parts (as many as the parse tree has), the
 * * of "name *", ONLY, ONLY (name) and TABLE name.
 */
static void
add_range_var(RefWalk *ctx, RangeVar *rv, bool sampled)
{
	const SqlToken *t = ctx->tokens->tokens;
	SqlRef	   *ref;
	int			first,
				last,
				before;
	bool		only_paren = false;

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

	first = sql_token_at(ctx->tokens, rv->location);
	last = sql_name_last_token(ctx->tokens, first,
							   1 + (rv->schemaname != NULL) + (rv->catalogname != NULL));
	if (rv->inh && last + 1 < ctx->tokens->ntokens && t[last + 1].code == '*')
		last++;
	before = first - 1;
	if (before >= 1 && t[before].code == '(' && t[before - 1].code == ONLY)
	{
		only_paren = true;
		before -= 2;
	}
	else if (before >= 0 && t[before].code == ONLY)
		before--;

	ref = palloc0(sizeof(SqlRef));
	ref->schema = rv->schemaname ? pstrdup(rv->schemaname) : NULL;
	ref->name = pstrdup(rv->relname);
	ref->start = rv->location;
	ref->end = t[last].end;
	ref->has_alias = rv->alias != NULL;
	ref->alias = pstrdup(qualifier_alias(ctx->from_scopes, rv));
	ref->table_start = before >= 0 && t[before].code == TABLE ? t[before].start : -1;
	ref->relation_only = sampled || !rv->inh || ref->table_start >= 0;
	ref->alias_at = ref->table_start >= 0 ? -1 :
		only_paren ? t[last + 1].end : ref->end;
	ref->inlinable = !ref->relation_only;
	ref->target = -1;
	ctx->refs = lappend(ctx->refs, ref);
	ctx->rvs = lappend(ctx->rvs, rv);
}

/* with_article: "an INSERT", "a DELETE". */
static char *
with_article(const char *tag)
{
	return psprintf("%s %s", strchr("AEIOU", tag[0]) ? "an" : "a", tag);
}

/* parses: does raw_parser read sql without an error? */
static bool
parses(const char *sql)
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
	return ok;
}

/*
 * definition_is_query: is a definition a statement (a SQL node) rather than
 * a column expression?  It is when it parses as a statement, and not when
 * it parses as an expression ("copy + 1" reads the column copy, however
 * much it starts like COPY).  Parse errors are swallowed here; the caller
 * reports them for the reading it picks: a text that is neither, and
 * starts with a statement's keyword, is a statement with a syntax error.
 */
bool
definition_is_query(const char *sql)
{
	static const int starts[] = {SELECT, WITH, VALUES, TABLE, INSERT, UPDATE,
	DELETE_P, CREATE, DROP, ALTER, MERGE, COPY, 0};
	int			first;
	int			i;

	if (parses(sql))
		return true;
	if (parses(psprintf("SELECT %s", sql)))
		return false;
	first = sql_first_token(sql);
	for (i = 0; starts[i]; i++)
		if (first == starts[i])
			return true;
	return false;
}
