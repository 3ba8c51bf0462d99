/*-------------------------------------------------------------------------
 *
 * scalar_fast.c
 *	  (chain3) The pg_proc rows of a run's batched scalar functions read in
 *	  one pass, and the call of a SQL function whose body PostgreSQL's
 *	  planner would inline planned from that row: no syscache lookup of the
 *	  function at all.
 *
 * scalar_batch.c looked each function up in the syscache three times (is
 * it batchable, may the caller execute it, and the planner's inlining),
 * and a cold backend's first lookup of each of 10,000 functions, an index
 * probe and a catcache entry, was a fifth of a cold chain's run.  Here
 * the rows come from one pass over pg_proc (catalog_scan_functions: the
 * rows the syscache would find), when a run has many such functions (64
 * or more), and (each body still parsed once, as the planner parses it):
 *
 * - function_batchable takes what it checks from the row;
 * - the caller's EXECUTE privilege is decided as pg_proc_aclcheck decides
 *   it (aclchk.c): a superuser has it; otherwise aclmask of the row's
 *   proacl, or the default ACL of a function of its owner when it is
 *   NULL, for the current user and the roles it is a member of;
 * - a function the planner's inline_function (optimizer/util/clauses.c)
 *   would inline, checked on the row with inline_function's conditions,
 *   is planned as the planner plans it once inlined: its RETURN
 *   expression, whose parameters are the call's own ($1, ...), simplified
 *   by expression_planner under the error context inline_function adds.
 *   The conditions: language sql, a plain function, not SECURITY DEFINER,
 *   no SET clause, not set-returning, no support function, no fmgr hook
 *   wanting it, a SQL-standard body RETURN expr (a query with no range
 *   table, aggregate, window, set-returning call, sublink, CTE, clause or
 *   set operation: one target entry) of exactly the declared result type.
 *   Where the planner's verdict depends on the body more than that, the
 *   function takes the planner's own path: STRICT (a non-strict body is
 *   not inlined), IMMUTABLE with a mutable body, STABLE with a volatile
 *   one, a body that calls the function itself (the planner does not
 *   inline it again inside itself) or holds a CaseTestExpr, a collatable
 *   or polymorphic argument or result (scalar_batch.c refuses the latter
 *   anyway), or RECORD.  An argument used more than once never stops the
 *   inlining here: each argument is a parameter, which costs nothing and
 *   is not volatile.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "exec.h"

/* fewer functions than this are looked up in the syscache */
#define SCALAR_FAST_MIN 64

typedef struct FastEntry
{
	Oid			funcoid;
	int			first;			/* the first node of that function */
} FastEntry;

/* What fast_row needs, for each row of the pass over pg_proc. */
typedef struct FastScan
{
	Dag		   *dag;
	HTAB	   *byoid;			/* OID -> FastEntry */
	int		   *next;			/* node -> next node of that function, or -1 */
} FastScan;

static void fast_row(HeapTuple row, TupleDesc desc, void *arg);
static void fast_fill(HNode *node, HeapTuple row, TupleDesc desc);
static Node *fast_body(HNode *node, Datum body, char volatility);
static Node *fast_body_expr(HNode *node, Datum body, char volatility);
static bool fast_body_refused(Node *node, void *context);
static bool fast_calls_itself(Oid funcid, void *context);
static void fast_inline_error_context(void *arg);

/*
 * scalar_fast_read reads, once per plan, the pg_proc rows of the scalar
 * function nodes its value steps compute that have not been looked at,
 * when there are at least SCALAR_FAST_MIN of them (fewer are looked up in
 * the syscache, as before: a pass over pg_proc costs more than a few
 * lookups).
 */
void
scalar_fast_read(HPlan *plan)
{
	Dag		   *dag = plan->dag;
	MemoryContext old;
	int		   *next;
	int			n = 0,
				s;
	HASHCTL		ctl;
	FastScan	scan;

	if (plan->scalar_rows_read)
		return;
	plan->scalar_rows_read = true;
	next = palloc(sizeof(int) * Max(dag->nnodes, 1));
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(FastEntry);
	ctl.hcxt = CurrentMemoryContext;
	scan.dag = dag;
	scan.next = next;
	scan.byoid = hash_create("hamilton scalar rows", Max(plan->nsteps, 16), &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	for (s = 0; s < plan->nsteps; s++)
	{
		int			i = plan->steps[s].node;
		HNode	   *node = &dag->nodes[i];
		FastEntry  *e;
		bool		found;

		CHECK_FOR_INTERRUPTS();
		if (plan->steps[s].action != STEP_VALUE || node->kind != HNODE_SCALAR ||
			!OidIsValid(node->funcoid) || node->batch_function != 0 || node->fast_row)
			continue;
		e = hash_search(scan.byoid, &node->funcoid, HASH_ENTER, &found);
		next[i] = found ? e->first : -1;
		e->first = i;
		if (!found)
			n++;
	}
	if (n >= SCALAR_FAST_MIN)
	{
		old = MemoryContextSwitchTo(dag->cxt);
		catalog_scan_functions(scan.byoid, fast_row, &scan);
		MemoryContextSwitchTo(old);
	}
	hash_destroy(scan.byoid);
	pfree(next);
}

/*
 * fast_row fills every node of a function from its pg_proc row
 * (fast_fill).
 */
static void
fast_row(HeapTuple row, TupleDesc desc, void *arg)
{
	FastScan   *scan = arg;
	Oid			funcoid = ((Form_pg_proc) GETSTRUCT(row))->oid;
	FastEntry  *e = hash_search(scan->byoid, &funcoid, HASH_FIND, NULL);
	int			i;

	for (i = e ? e->first : -1; i >= 0; i = scan->next[i])
		fast_fill(&scan->dag->nodes[i], row, desc);
}

/*
 * fast_fill keeps with a node (in the graph's context, current) what its
 * pg_proc row says: what function_batchable checks, its ACL, and its body
 * when the planner would inline it.
 */
static void
fast_fill(HNode *node, HeapTuple row, TupleDesc desc)
{
	Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(row);
	bool		isnull,
				bodynull;
	Datum		acl = heap_getattr(row, Anum_pg_proc_proacl, desc, &isnull);
	Datum		body = heap_getattr(row, Anum_pg_proc_prosqlbody, desc, &bodynull);
	Datum		src;
	int			p;
	bool		inlinable;

	node->fast_row = true;
	node->fast_batchable = !proc->proretset && proc->prokind == PROKIND_FUNCTION &&
		proc->pronargs == node->nparams && proc->prorettype == node->rettype;
	node->batch_namespace = proc->pronamespace;
	node->fast_owner = proc->proowner;
	node->fast_acl = isnull ? acldefault(OBJECT_FUNCTION, proc->proowner) : DatumGetAclPCopy(acl);
	src = heap_getattr(row, Anum_pg_proc_prosrc, desc, &isnull);
	node->fast_src = isnull ? "" : TextDatumGetCString(src);
	/* inline_function's conditions on the row (see the file's comment) */
	inlinable = node->fast_batchable && !bodynull && node->language != NULL &&
		strcmp(node->language, "sql") == 0 && !proc->prosecdef && !proc->proisstrict &&
		heap_attisnull(row, Anum_pg_proc_proconfig, desc) && !OidIsValid(proc->prosupport) &&
		proc->prorettype != RECORDOID && !IsPolymorphicType(proc->prorettype) &&
		!OidIsValid(get_typcollation(proc->prorettype));
	for (p = 0; inlinable && p < node->nparams; p++)
		inlinable = !IsPolymorphicType(node->params[p].type) &&
			!OidIsValid(get_typcollation(node->params[p].type)) && !node->params[p].variadic;
	node->fast_body = NULL;
	if (inlinable)
		node->fast_body = fast_body(node, body, proc->provolatile);
}

/*
 * fast_body is a function's RETURN expression when inline_function would
 * inline it (see the file's comment), else NULL; allocated in the current
 * context.
 */
static Node *
fast_body(HNode *node, Datum body, char volatility)
{
	MemoryContext cxt = CurrentMemoryContext;
	MemoryContext parse = AllocSetContextCreate(cxt, "hamilton scalar body",
												ALLOCSET_DEFAULT_SIZES);
	Node	   *expr;

	MemoryContextSwitchTo(parse);
	expr = fast_body_expr(node, body, volatility);
	MemoryContextSwitchTo(cxt);
	if (expr)
		expr = copyObject(expr);
	MemoryContextDelete(parse);
	return expr;
}

/*
 * fast_body_expr is fast_body's expression, in the current context, or
 * NULL.
 */
static Node *
fast_body_expr(HNode *node, Datum body, char volatility)
{
	Node	   *n = stringToNode(TextDatumGetCString(body));
	Query	   *q;
	TargetEntry *tle;
	Node	   *expr;

	if (!IsA(n, Query))
		return NULL;			/* BEGIN ATOMIC: the planner's path */
	q = (Query *) n;
	if (q->commandType != CMD_SELECT || q->hasAggs || q->hasWindowFuncs ||
		q->hasTargetSRFs || q->hasSubLinks || q->cteList || q->rtable ||
		(q->jointree && (q->jointree->fromlist || q->jointree->quals)) ||
		q->groupClause || q->groupingSets || q->havingQual || q->windowClause ||
		q->distinctClause || q->sortClause || q->limitOffset || q->limitCount ||
		q->setOperations || list_length(q->targetList) != 1)
		return NULL;
	tle = linitial_node(TargetEntry, q->targetList);
	expr = (Node *) tle->expr;
	if (exprType(expr) != node->rettype)
		return NULL;			/* the planner would coerce it */
	fix_opfuncids(expr);
	if (fast_body_refused(expr, &node->funcoid))
		return NULL;
	if (volatility == PROVOLATILE_IMMUTABLE && contain_mutable_functions(expr))
		return NULL;
	if (volatility == PROVOLATILE_STABLE && contain_volatile_functions(expr))
		return NULL;
	return expr;
}

/*
 * fast_body_refused: does the expression hold what makes the fast path
 * give way to the planner's (a call of the function itself, a
 * CaseTestExpr, a parameter other than one of the call's)?
 */
static bool
fast_body_refused(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, CaseTestExpr) || IsA(node, SubLink) || IsA(node, SubPlan))
		return true;
	if (IsA(node, Param) && ((Param *) node)->paramkind != PARAM_EXTERN)
		return true;
	if (check_functions_in_node(node, fast_calls_itself, context))
		return true;
	return expression_tree_walker(node, fast_body_refused, context);
}

/* fast_calls_itself: is funcid the function whose body is walked? */
static bool
fast_calls_itself(Oid funcid, void *context)
{
	return funcid == *(Oid *) context;
}

/*
 * scalar_fast_aclcheck raises what pg_proc_aclcheck's refusal raises when
 * the current user may not execute a node's function, decided as
 * pg_proc_aclmask decides it, on the row read (see the file's comment).
 */
void
scalar_fast_aclcheck(HNode *node)
{
	Oid			roleid = GetUserId();

	if (superuser_arg(roleid))
		return;
	if (aclmask((Acl *) node->fast_acl, roleid, node->fast_owner, ACL_EXECUTE, ACLMASK_ANY) == 0)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_FUNCTION, get_func_name(node->funcoid));
}

/*
 * scalar_fast_plan is a node's call planned from its RETURN expression, as
 * the planner plans it once inlined, in the current context; NULL when the
 * call takes the planner's path.
 */
void *
scalar_fast_plan(HNode *node)
{
	ErrorContextCallback callback;
	Expr	   *planned;

	if (node->fast_body == NULL || FmgrHookIsNeeded(node->funcoid))
		return NULL;
	/* what inline_function does before inlining */
	InvokeFunctionExecuteHook(node->funcoid);
	callback.callback = fast_inline_error_context;
	callback.arg = node;
	callback.previous = error_context_stack;
	error_context_stack = &callback;
	planned = expression_planner((Expr *) copyObject(node->fast_body));
	error_context_stack = callback.previous;
	return planned;
}

/*
 * fast_inline_error_context adds what inline_function's error context
 * adds to an error raised while the body is simplified.
 */
static void
fast_inline_error_context(void *arg)
{
	HNode	   *node = arg;
	int			syntaxerrposition = geterrposition();

	if (syntaxerrposition > 0)
	{
		errposition(0);
		internalerrposition(syntaxerrposition);
		internalerrquery(node->fast_src);
	}
	errcontext("SQL function \"%s\" during inlining", node->funcname);
}
