/*-------------------------------------------------------------------------
 *
 * column_trace.c
 *	  Which base columns each column of a query is computed from, found in
 *	  the query tree PostgreSQL's analyzer makes of it (features-b, issue 13
 *	  item 11): the target list's expressions, their Vars followed through
 *	  subqueries, joins, CTEs (recursive ones too), set operations,
 *	  VALUES, function arguments and the target lists of sublinks, down to
 *	  the columns of tables.
 *
 * What the result's values are computed from counts, not what filters or
 * orders the rows: WHERE, JOIN ... ON, GROUP BY, ORDER BY and a sublink's
 * WHERE are not followed.  A whole-row reference (t.*, or t as a value)
 * stands for every column of t.  A column of a file read by
 * hamilton_read_file (a loader) is a base column too: the file's, named
 * by the call's column definition list.  The walk keeps its own work list (no
 * recursion whose depth the SQL decides) and visits each target of each
 * query once, so a recursive CTE ends.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/syscache.h"

#include "runlog.h"

/* An expression to follow, in the query it belongs to (chain: outermost first). */
typedef struct TraceItem
{
	List	   *chain;			/* Query *, from the top query to the expression's */
	Node	   *expr;
} TraceItem;

/* The state of one trace. */
typedef struct TraceState
{
	List	   *work;			/* TraceItem * still to follow */
	List	   *seen;			/* visited targets: Query * and attno, in pairs */
	List	   *found;			/* TracedColumn * */
} TraceState;

/* What collect_walker finds in one expression. */
typedef struct Collected
{
	List	   *vars;			/* Var * */
	List	   *sublinks;		/* Query * of the sublinks */
} Collected;

static bool collect_walker(Node *node, Collected *c);
static void push_target(TraceState *ts, List *chain, Query *q, AttrNumber attno);
static void follow_var(TraceState *ts, List *chain, Var *var);
static void add_found(TraceState *ts, Oid relid, AttrNumber attno);
static const char *read_file_path(RangeTblEntry *rte);
static void add_found_file(TraceState *ts, const char *path, const char *column);

/*
 * column_trace returns, for each non-junk target of the analyzed query q in
 * order, a List of TracedColumn (each base column once); *ncols gets how
 * many targets there are.
 */
List	  **
column_trace(Query *q, int *ncols)
{
	List	  **result;
	ListCell   *lc;
	int			n = 0;
	int			i = 0;
	List	   *targets = q->targetList;

	foreach(lc, targets)
		if (!((TargetEntry *) lfirst(lc))->resjunk)
			n++;
	result = palloc0(sizeof(List *) * Max(n, 1));
	foreach(lc, targets)
	{
		TargetEntry *tle = lfirst(lc);
		TraceState	ts = {NIL, NIL, NIL};

		if (tle->resjunk)
			continue;
		push_target(&ts, NIL, q, tle->resno);
		while (ts.work != NIL)
		{
			TraceItem  *item = llast(ts.work);
			Collected	c = {NIL, NIL};
			ListCell   *vc;

			CHECK_FOR_INTERRUPTS();
			ts.work = list_delete_last(ts.work);
			(void) collect_walker(item->expr, &c);
			foreach(vc, c.vars)
				follow_var(&ts, item->chain, lfirst(vc));
			foreach(vc, c.sublinks)
			{
				Query	   *sub = lfirst(vc);
				ListCell   *sc;

				foreach(sc, sub->targetList)
					if (!((TargetEntry *) lfirst(sc))->resjunk)
						push_target(&ts, item->chain, sub, ((TargetEntry *) lfirst(sc))->resno);
			}
		}
		result[i++] = ts.found;
	}
	*ncols = n;
	return result;
}

/*
 * collect_walker gathers the Vars of an expression, and the queries of its
 * sublinks (their own Vars are theirs, found when their targets are
 * followed); a sublink's test expression (x in x IN (SELECT ...)) is the
 * expression's own.
 */
static bool
collect_walker(Node *node, Collected *c)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		c->vars = lappend(c->vars, node);
		return false;
	}
	if (IsA(node, SubLink))
	{
		SubLink    *s = (SubLink *) node;

		c->sublinks = lappend(c->sublinks, s->subselect);
		return collect_walker(s->testexpr, c);
	}
	if (IsA(node, Query))
		return false;
	return expression_tree_walker(node, collect_walker, (void *) c);
}

/*
 * push_target queues target attno of query q (below chain): for a set
 * operation, that column of every leaf; else its target's expression.
 * Each (query, attno) is followed once.
 */
static void
push_target(TraceState *ts, List *chain, Query *q, AttrNumber attno)
{
	ListCell   *lc;
	List	   *inner;

	for (lc = list_head(ts->seen); lc != NULL; lc = lnext(ts->seen, lnext(ts->seen, lc)))
		if (lfirst(lc) == q && lfirst_int(lnext(ts->seen, lc)) == attno)
			return;
	ts->seen = lappend(ts->seen, q);
	ts->seen = lappend_int(ts->seen, attno);
	inner = lappend(list_copy(chain), q);

	if (q->setOperations)
	{
		foreach(lc, q->rtable)
		{
			RangeTblEntry *rte = lfirst(lc);

			if (rte->rtekind == RTE_SUBQUERY && rte->subquery)
				push_target(ts, inner, rte->subquery, attno);
		}
		return;
	}
	foreach(lc, q->targetList)
	{
		TargetEntry *tle = lfirst(lc);

		if (tle->resno == attno && !tle->resjunk)
		{
			TraceItem  *item = palloc(sizeof(TraceItem));

			item->chain = inner;
			item->expr = (Node *) tle->expr;
			ts->work = lappend(ts->work, item);
			return;
		}
	}
}

/*
 * follow_var follows a Var of the expression at the end of chain to what
 * its range table entry reads.
 */
static void
follow_var(TraceState *ts, List *chain, Var *var)
{
	int			level = list_length(chain) - 1 - (int) var->varlevelsup;
	Query	   *q;
	RangeTblEntry *rte;
	List	   *upto;
	AttrNumber	first,
				last,
				a;

	if (level < 0 || var->varattno < 0)
		return;					/* a system column holds no user data */
	q = list_nth(chain, level);
	if (var->varno < 1 || var->varno > list_length(q->rtable))
		return;
	rte = rt_fetch(var->varno, q->rtable);
	upto = list_truncate(list_copy(chain), level);
	first = last = var->varattno;
	if (var->varattno == 0)
	{
		/* a whole row: every column of it */
		first = 1;
		last = rte->eref ? list_length(rte->eref->colnames) : 0;
	}
	for (a = first; a <= last; a++)
	{
		switch (rte->rtekind)
		{
			case RTE_RELATION:
				add_found(ts, rte->relid, a);
				break;
			case RTE_SUBQUERY:
				push_target(ts, lappend(list_copy(upto), q), rte->subquery, a);
				break;
			case RTE_JOIN:
				if (a <= list_length(rte->joinaliasvars) && list_nth(rte->joinaliasvars, a - 1))
				{
					TraceItem  *item = palloc(sizeof(TraceItem));

					item->chain = lappend(list_copy(upto), q);
					item->expr = list_nth(rte->joinaliasvars, a - 1);
					ts->work = lappend(ts->work, item);
				}
				break;
			case RTE_CTE:
				{
					int			cte_level = level - (int) rte->ctelevelsup;
					Query	   *cq;
					ListCell   *lc;

					if (cte_level < 0)
						break;
					cq = list_nth(chain, cte_level);
					foreach(lc, cq->cteList)
					{
						CommonTableExpr *cte = lfirst(lc);

						if (strcmp(cte->ctename, rte->ctename) == 0 && IsA(cte->ctequery, Query))
							push_target(ts, list_truncate(list_copy(chain), cte_level + 1),
										(Query *) cte->ctequery, a);
					}
				}
				break;
			case RTE_VALUES:
			case RTE_FUNCTION:
			case RTE_TABLEFUNC:
				if (read_file_path(rte))
				{
					/* a column of a file hamilton_read_file reads */
					add_found_file(ts, read_file_path(rte), strVal(list_nth(rte->eref->colnames, a - 1)));
					break;
				}
				{
					/* a VALUES column's expressions; a function's arguments */
					TraceItem  *item = palloc(sizeof(TraceItem));
					List	   *exprs = NIL;
					ListCell   *lc;

					if (rte->rtekind == RTE_VALUES)
					{
						foreach(lc, rte->values_lists)
							if (a <= list_length(lfirst(lc)))
								exprs = lappend(exprs, list_nth(lfirst(lc), a - 1));
					}
					else if (rte->rtekind == RTE_FUNCTION)
					{
						foreach(lc, rte->functions)
							exprs = lappend(exprs, ((RangeTblFunction *) lfirst(lc))->funcexpr);
					}
					else
						exprs = list_make1(rte->tablefunc);
					item->chain = lappend(list_copy(upto), q);
					item->expr = (Node *) exprs;
					ts->work = lappend(ts->work, item);
				}
				/* every column of a function reads all of its arguments once */
				if (rte->rtekind != RTE_VALUES)
					return;
				break;
			default:
				break;
		}
	}
}

/*
 * read_file_path: the path of the file a range table entry reads, when it
 * is one call of hamilton_read_file with a constant path; else NULL.
 */
static const char *
read_file_path(RangeTblEntry *rte)
{
	RangeTblFunction *rtf;
	FuncExpr   *fe;
	Const	   *path;
	HeapTuple	tup;
	bool		ours = false;

	if (rte->rtekind != RTE_FUNCTION || list_length(rte->functions) != 1)
		return NULL;
	rtf = linitial(rte->functions);
	if (!IsA(rtf->funcexpr, FuncExpr))
		return NULL;
	fe = (FuncExpr *) rtf->funcexpr;
	if (fe->args == NIL || !IsA(linitial(fe->args), Const) || ((Const *) linitial(fe->args))->constisnull ||
		((Const *) linitial(fe->args))->consttype != TEXTOID)
		return NULL;
	/* the C function of this library, not another of that name */
	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fe->funcid));
	if (HeapTupleIsValid(tup))
	{
		Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(tup);
		bool		isnull;
		Datum		src = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_prosrc, &isnull);

		ours = proc->prolang == ClanguageId && !isnull &&
			strcmp(TextDatumGetCString(src), "hamilton_read_file") == 0;
		ReleaseSysCache(tup);
	}
	if (!ours)
		return NULL;
	path = linitial(fe->args);
	return TextDatumGetCString(path->constvalue);
}

/* add_found_file records a column of a file once. */
static void
add_found_file(TraceState *ts, const char *path, const char *column)
{
	ListCell   *lc;
	TracedColumn *tc;

	foreach(lc, ts->found)
	{
		tc = lfirst(lc);
		if (tc->file && strcmp(tc->file, path) == 0 && strcmp(tc->column, column) == 0)
			return;
	}
	tc = palloc0(sizeof(TracedColumn));
	tc->file = pstrdup(path);
	tc->column = pstrdup(column);
	ts->found = lappend(ts->found, tc);
}

/* add_found records a base column once. */
static void
add_found(TraceState *ts, Oid relid, AttrNumber attno)
{
	ListCell   *lc;
	TracedColumn *tc;

	foreach(lc, ts->found)
	{
		tc = lfirst(lc);
		if (tc->file == NULL && tc->relid == relid && tc->attno == attno)
			return;
	}
	tc = palloc0(sizeof(TracedColumn));
	tc->relid = relid;
	tc->attno = attno;
	ts->found = lappend(ts->found, tc);
}
