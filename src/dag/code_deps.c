/*-------------------------------------------------------------------------
 *
 * code_deps.c
 *	  The relations a step's query reads and the functions it calls,
 *	  transitively through the bodies of the non-catalog SQL functions it
 *	  calls, and whether its result can be cached at all.
 *
 * The query is parsed, analyzed and rewritten as it runs (views expand to
 * the tables they read).  A result cannot be cached when the query calls
 * a function that is not IMMUTABLE (a STABLE one as much as a VOLATILE
 * one: now() and current_date change from day to day), but for the
 * catalog's type input and output functions, operators and casts, which
 * depend only on settings the cache key holds (TimeZone, DateStyle,
 * IntervalStyle); or a non-catalog function whose body pg_hamilton cannot
 * see into (plpgsql, plpython3u, ...).  The bodies of SQL functions are
 * read with a work list, to any depth: no depth limit lets a change hide.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/functions.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "dag.h"

typedef struct DepsWalk
{
	List	   *skip;			/* Oid: relations of the plan itself */
	List	   *relations;		/* Oid: relations read */
	List	   *pending;		/* Oid: functions not looked at yet */
	List	   *seen;			/* Oid: functions looked at */
	List	   *functions;		/* Oid: non-catalog functions called */
	char	   *why;			/* why it cannot be cached, or NULL */
	bool		declared;		/* the node declares its sources */
} DepsWalk;

static bool deps_walker(Node *node, DepsWalk *w);
static bool note_function(Oid fn, void *arg);
static void look_at_function(DepsWalk *w, Oid fn);
static void walk_queries(DepsWalk *w, List *queries);
static bool settings_only_function(Oid fn);

/*
 * dag_query_deps reads the relations (but those in skip) and non-catalog
 * functions the query sql (or NULL) and the function fn (or InvalidOid)
 * depend on, into *relations and *functions;
 * returns why its result cannot be cached, or NULL.  declared: the node
 * declares its sources (declared_sources.c), so the functions it calls may
 * be STABLE or have bodies pg_hamilton cannot see into.  Analyzing may
 * raise an error (a body that does not parse): call it in a
 * subtransaction.
 */
char *
dag_query_deps(const char *sql, Oid fn, List *skip, bool declared, List **relations,
			   List **functions)
{
	DepsWalk	w;
	List	   *raws = sql ? pg_parse_query(sql) : NIL;
	ListCell   *lc;

	memset(&w, 0, sizeof(w));
	w.skip = skip;
	w.declared = declared;
	if (OidIsValid(fn))
		(void) note_function(fn, &w);
	foreach(lc, raws)
		walk_queries(&w, pg_analyze_and_rewrite_fixedparams(lfirst_node(RawStmt, lc), sql,
															NULL, 0, NULL));
	while (w.pending != NIL)
	{
		Oid			fn = linitial_oid(w.pending);

		CHECK_FOR_INTERRUPTS();
		w.pending = list_delete_first(w.pending);
		look_at_function(&w, fn);
	}
	*relations = w.relations;
	*functions = w.functions;
	return w.why;
}

/* walk_queries walks each Query of a list. */
static void
walk_queries(DepsWalk *w, List *queries)
{
	ListCell   *lc;

	foreach(lc, queries)
		(void) deps_walker((Node *) lfirst(lc), w);
}

/*
 * deps_walker notes the relations, functions and calls of what cannot be
 * cached in a query tree (expression_tree_walker, query_tree_walker).
 */
static bool
deps_walker(Node *node, DepsWalk *w)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, deps_walker, (void *) w, QTW_EXAMINE_RTES_BEFORE);
	if (IsA(node, RangeTblEntry))
	{
		RangeTblEntry *rte = (RangeTblEntry *) node;

		if (rte->rtekind == RTE_RELATION && !list_member_oid(w->skip, rte->relid))
			w->relations = list_append_unique_oid(w->relations, rte->relid);
		return false;
	}
	/* the roles and the schema are in the cache key; the clock is not */
	if (IsA(node, SQLValueFunction) && w->why == NULL &&
		((SQLValueFunction *) node)->op < SVFOP_CURRENT_ROLE)
		w->why = pstrdup("its query reads CURRENT_DATE, CURRENT_TIMESTAMP, LOCALTIME or the like, which change without its inputs");
	if (IsA(node, NextValueExpr) && w->why == NULL)
		w->why = pstrdup("its query draws from a sequence");
	(void) check_functions_in_node(node, note_function, (void *) w);
	return expression_tree_walker(node, deps_walker, (void *) w);
}

/* note_function queues a function called, once. */
static bool
note_function(Oid fn, void *arg)
{
	DepsWalk   *w = (DepsWalk *) arg;

	if (!list_member_oid(w->seen, fn))
	{
		w->seen = lappend_oid(w->seen, fn);
		w->pending = lappend_oid(w->pending, fn);
	}
	return false;
}

/*
 * look_at_function checks a function called: its volatility, and for a
 * non-catalog one its language, queuing what its SQL body calls.
 */
static void
look_at_function(DepsWalk *w, Oid fn)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	Form_pg_proc proc;
	bool		isnull;
	Datum		body;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for function %u", fn);
	proc = (Form_pg_proc) GETSTRUCT(tup);
	if (w->why == NULL && proc->provolatile != PROVOLATILE_IMMUTABLE &&
		!(w->declared && fn >= FirstNormalObjectId && proc->provolatile == PROVOLATILE_STABLE) &&
		!(fn < FirstNormalObjectId && proc->provolatile == PROVOLATILE_STABLE &&
		  settings_only_function(fn)))
		w->why = psprintf("it calls %s, which is %s", format_procedure(fn),
						  proc->provolatile == PROVOLATILE_STABLE ? "STABLE" : "VOLATILE");
	if (fn < FirstNormalObjectId)
	{
		ReleaseSysCache(tup);
		return;
	}
	w->functions = lappend_oid(w->functions, fn);
	if (proc->prokind == PROKIND_AGGREGATE)
	{
		HeapTuple	agg = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(fn));

		if (HeapTupleIsValid(agg))
		{
			Form_pg_aggregate a = (Form_pg_aggregate) GETSTRUCT(agg);

			(void) note_function(a->aggtransfn, w);
			if (OidIsValid(a->aggfinalfn))
				(void) note_function(a->aggfinalfn, w);
			if (OidIsValid(a->aggcombinefn))
				(void) note_function(a->aggcombinefn, w);
			ReleaseSysCache(agg);
		}
	}
	else if (proc->prolang == SQLlanguageId)
	{
		body = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_prosqlbody, &isnull);
		if (!isnull)
		{
			Node	   *n = stringToNode(TextDatumGetCString(body));

			walk_queries(w, IsA(n, List) ? linitial_node(List, castNode(List, n)) : list_make1(n));
		}
		else
		{
			char	   *src = TextDatumGetCString(SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_prosrc, &isnull));
			SQLFunctionParseInfoPtr pinfo = prepare_sql_fn_parse_info(tup, NULL, InvalidOid);
			ListCell   *lc;

			foreach(lc, pg_parse_query(src))
				walk_queries(w, pg_analyze_and_rewrite_withcb(lfirst_node(RawStmt, lc), src,
															  (ParserSetupHook) sql_fn_parser_setup,
															  pinfo, NULL));
		}
	}
	else if (proc->prolang != ClanguageId && proc->prolang != INTERNALlanguageId &&
			 w->why == NULL && !w->declared)
		w->why = psprintf("it calls %s, written in %s, whose body pg_hamilton cannot see into",
						  format_procedure(fn), get_language_name(proc->prolang, false));
	ReleaseSysCache(tup);
}

/*
 * settings_only_function: is a STABLE catalog function a type's input or
 * output function (but for the reg* types, which look names up), an
 * operator's or a cast's, whose results depend only on settings the cache
 * key holds?
 */
static bool
settings_only_function(Oid fn)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1];

	values[0] = ObjectIdGetDatum(fn);
	spi_exec_checked("SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc p "
					 "  JOIN pg_catalog.pg_type rt ON rt.oid = p.prorettype "
					 "  WHERE p.oid = $1 AND rt.typname::pg_catalog.text LIKE 'reg%') "
					 "AND (EXISTS (SELECT 1 FROM pg_catalog.pg_type t "
					 "  WHERE $1 IN (t.typinput, t.typoutput, t.typreceive, t.typsend) "
					 "    AND t.typname::pg_catalog.text NOT LIKE 'reg%') "
					 "OR EXISTS (SELECT 1 FROM pg_catalog.pg_operator o WHERE o.oprcode = $1) "
					 "OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast c WHERE c.castfunc = $1))",
					 1, argtypes, values, NULL, SPI_OK_SELECT);
	return SPI_processed > 0;
}
