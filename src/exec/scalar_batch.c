/*-------------------------------------------------------------------------
 *
 * scalar_batch.c
 *	  Runs of scalar function steps whose inputs are already computed,
 *	  evaluated in one subtransaction: no statement, no plan and no
 *	  subtransaction per node.
 *
 * A step qualifies when it computes a scalar function node (STEP_VALUE,
 * not itself written to a table) of language sql, plpgsql, c or internal,
 * not set-returning, whose every parameter is fed by an earlier scalar
 * step of exactly the parameter's type (no input, override, default,
 * VARIADIC, polymorphic or relation argument).  Anything else runs as a
 * statement (run_step.c), as before.
 *
 * Each call is the statement's own expression, m.f($1, ...), planned once
 * per graph by PostgreSQL's planner (which inlines a SQL function's body
 * where it would inline it in the statement, and calls the function
 * through fmgr otherwise, STRICT and all) and evaluated by the executor
 * with the inputs' Datums as parameters.  Around it, what the statement
 * did: the caller needs USAGE on the function's schema and EXECUTE on it
 * (and the function-execute hook runs); the arguments' collation is their
 * type's, as for literals; the module's search_path and the SQL-reading
 * settings are in force when each call starts (pinned once for a run of
 * one module's steps, and again after a function changed one of them:
 * pin_batch_settings), and what a function sets ends as after its
 * statement; the command
 * counter advances and a fresh snapshot is taken, as SPI does before a
 * statement, so a STABLE function sees what earlier steps wrote.  The
 * executor calls a SECURITY DEFINER function, or one with SET clauses
 * (proconfig), as it does in a statement (the planner never inlines
 * those).  The node's checks run on its value, as in run_step.c.
 *
 * An error rolls the batch's subtransaction back, which is the
 * guarantee a subtransaction per step gave: nothing a node did survives
 * its failure, and the caller's transaction then aborts with the node's
 * error (exec_step_failed, the same error the statement path raises).
 * Every step of the batch is in the run's history with its own status,
 * time and row count.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/params.h"
#include "optimizer/optimizer.h"
#include "portability/instr_time.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "exec.h"

/* What the error context callback of a batch knows. */
typedef struct BatchContext
{
	HPlan	   *plan;
	int			stepno;			/* the step being evaluated */
	bool		calling;		/* planning or calling its function (not a
								 * check, not an ACL check: a statement
								 * would raise those with no statement
								 * context) */
	MemoryContext cxt;			/* where its literals are kept */
} BatchContext;

/*
 * The GUC nest level in which a module's settings are pinned for the
 * batch's consecutive steps of that module (pin_batch_settings).
 */
typedef struct BatchPin
{
	int			nestlevel;		/* -1: none open */
	const char *schema;
	PinnedSettings values;
} BatchPin;

static bool step_batchable(HPlan *plan, int stepno, int start);
static bool function_batchable(HPlan *plan, HNode *node);
static void pin_batch_settings(BatchPin *pin, const char *schema, bool with_public);
static void call_scalar(HPlan *plan, int stepno, MemoryContext callcxt,
						BatchContext *bc);
static void planned_call(Dag *dag, HNode *node, MemoryContext callcxt);
static void batch_error_context(void *arg);

/*
 * scalar_batch_length is how many steps from start on qualify for a batch
 * (0: step start runs as a statement).  A step qualifies when its inputs
 * are steps before it that computed a value: earlier batches, or
 * statements (compute_value keeps the Datum too), or steps of this batch.
 */
int
scalar_batch_length(HPlan *plan, int start)
{
	int			i;

	if (!hamilton_batch_scalars)
		return 0;
	for (i = start; i < plan->nsteps; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (exec_cache_skips(plan, i) || !step_batchable(plan, i, start))
			break;
	}
	return i - start;
}

/*
 * step_batchable: does step stepno qualify (see the file's comment), in a
 * batch from step start on (every step from start to stepno - 1 in it)?
 */
static bool
step_batchable(HPlan *plan, int stepno, int start)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	int			d,
				nfed = 0;

	if (step->action != STEP_VALUE || step->result_table || !function_batchable(plan, node))
		return false;
	for (d = 0; d < node->ndeps; d++)
	{
		HDep	   *dep = &node->deps[d];
		int			t;

		if (dep->via != VIA_PARAM)
			return false;
		t = plan->step_of_node[dep->target];
		if (t < 0 || t >= stepno || (t < start && !plan->steps[t].has_value) ||
			plan->steps[t].action != STEP_VALUE ||
			plan->dag->nodes[dep->target].rettype != node->params[dep->index].type)
			return false;
		nfed++;
	}
	return nfed == node->nparams;	/* else a parameter left to its default */
}

/*
 * function_batchable: may a scalar node's function be called in a batch
 * (see the file's comment: its language, types and kind)?  What it finds,
 * and the function's schema, are kept with the graph, which a change of
 * the function (ALTER FUNCTION ... SET SCHEMA too) replaces.
 */
static bool
function_batchable(HPlan *plan, HNode *node)
{
	HeapTuple	proctup;
	Form_pg_proc proc;
	bool		ok;
	int			p;

	if (node->batch_function != 0)
		return node->batch_function > 0;
	node->batch_function = -1;
	if (node->kind != HNODE_SCALAR || !OidIsValid(node->funcoid) || node->schema == NULL ||
		node->language == NULL)
		return false;
	if (strcmp(node->language, "sql") != 0 && strcmp(node->language, "plpgsql") != 0 &&
		strcmp(node->language, "c") != 0 && strcmp(node->language, "internal") != 0)
		return false;
	if (IsPolymorphicType(node->rettype))
		return false;
	for (p = 0; p < node->nparams; p++)
	{
		HParam	   *param = &node->params[p];
		Oid			coll = get_typcollation(param->type);

		if (param->variadic || param->key || IsPolymorphicType(param->type) ||
			(OidIsValid(coll) && coll != DEFAULT_COLLATION_OID))
			return false;
	}
	/* (chain3) the plan's functions' rows, read in one pass */
	scalar_fast_read(plan);
	if (node->fast_row)
	{
		if (node->fast_batchable)
			node->batch_function = 1;
		return node->fast_batchable;
	}
	proctup = SearchSysCache1(PROCOID, ObjectIdGetDatum(node->funcoid));
	if (!HeapTupleIsValid(proctup))
		return false;
	proc = (Form_pg_proc) GETSTRUCT(proctup);
	ok = !proc->proretset && proc->prokind == PROKIND_FUNCTION &&
		proc->pronargs == node->nparams && proc->prorettype == node->rettype;
	if (ok)
	{
		node->batch_function = 1;
		node->batch_namespace = proc->pronamespace;
	}
	ReleaseSysCache(proctup);
	return ok;
}

/*
 * scalar_batch_run evaluates steps start .. start+count-1 in one
 * subtransaction.  On error: the subtransaction rolls back and the failing
 * step's error is raised again as the statement path raises it.
 */
void
scalar_batch_run(HPlan *plan, int start, int count, TimestampTz started)
{
	SubxactScope sx;
	MemoryContext callcxt;
	volatile int stepno = start;
	volatile double step_started;
	instr_time	now;
	BatchContext bc;
	BatchPin	pin;
	ErrorContextCallback callback;

	callcxt = AllocSetContextCreate(CurrentMemoryContext, "hamilton scalar call",
									ALLOCSET_SMALL_SIZES);
	INSTR_TIME_SET_CURRENT(now);
	step_started = INSTR_TIME_GET_MILLISEC(now);
	pin.nestlevel = -1;
	bc.plan = plan;
	bc.calling = false;
	bc.cxt = CurrentMemoryContext;
	subxact_begin(&sx);
	PG_TRY();
	{
		callback.callback = batch_error_context;
		callback.arg = &bc;
		callback.previous = error_context_stack;
		error_context_stack = &callback;
		for (; stepno < start + count; stepno++)
		{
			PlanStep   *step = &plan->steps[stepno];
			HNode	   *node = &plan->dag->nodes[step->node];

			bc.stepno = stepno;
			CHECK_FOR_INTERRUPTS();
			if (hamilton_progress)
				exec_report_progress(plan, stepno, false);
			plan_step_provenance(plan, stepno);

			pin_batch_settings(&pin, node->schema, dag_public_on_path(plan->dag));
			call_scalar(plan, stepno, callcxt, &bc);
			step->status = "computed";
			if (node->checks)
				checks_run(plan, stepno, NULL);
			exec_cache_step_ran(plan, stepno);	/* (cache) */

			INSTR_TIME_SET_CURRENT(now);
			step->ms = INSTR_TIME_GET_MILLISEC(now) - step_started;
			step_started = INSTR_TIME_GET_MILLISEC(now);
			if (hamilton_progress)
				exec_report_progress(plan, stepno, true);
		}
		if (pin.nestlevel >= 0)
			AtEOXact_GUC(true, pin.nestlevel);
		error_context_stack = callback.previous;
		subxact_commit(&sx);
	}
	PG_CATCH();
	{
		ErrorData  *edata = subxact_rollback(&sx);

		exec_step_failed(plan, stepno, started, edata, step_started);
	}
	PG_END_TRY();
	MemoryContextDelete(callcxt);
}

/*
 * pin_batch_settings puts a step's settings in force: its module's
 * search_path and the SQL-reading settings, as around its statement.  They
 * are pinned once for consecutive steps of one module, in a GUC nest level
 * the batch closes at its end (or when the module changes), and pinned
 * again, in a new level, when a function changed one of them since (SET,
 * SET LOCAL or set_config on search_path, say): each step starts with
 * exactly the values its statement would have.  What the function set
 * ends as it ended with a nest level per step: closing the level keeps
 * a SET and unwinds a SET LOCAL of what the level pinned, and a setting
 * the level did not pin is merged into the caller's, as AtEOXact_GUC
 * merges it from any nest level.
 */
static void
pin_batch_settings(BatchPin *pin, const char *schema, bool with_public)
{
	if (pin->nestlevel >= 0 &&
		(strcmp(pin->schema, schema) != 0 || !pinned_settings_unchanged(&pin->values)))
	{
		AtEOXact_GUC(true, pin->nestlevel);
		pin->nestlevel = -1;
	}
	if (pin->nestlevel >= 0)
		return;
	pin->nestlevel = NewGUCNestLevel();
	pin_module_search_path(schema, with_public);
	pin_sql_reading_settings();
	pinned_settings_save(&pin->values);
	pin->schema = schema;
}

/*
 * call_scalar calls step stepno's function with its inputs' values and
 * keeps the result (copied out of callcxt, which is reset) in the step.
 * The call is the statement's own expression, m.f($1, ...), planned as
 * the planner plans it (a SQL function's body inlined where the planner
 * would inline it, the function called through fmgr otherwise) once per
 * graph (planned_call), and evaluated with the inputs as parameters.
 */
static void
call_scalar(HPlan *plan, int stepno, MemoryContext callcxt, BatchContext *bc)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	MemoryContext cxt = CurrentMemoryContext;
	AclResult	aclresult;
	Oid			nspid = OidIsValid(node->batch_namespace) ? node->batch_namespace :
		get_func_namespace(node->funcoid);
	ParamListInfo params;
	ExprState  *state;
	ExprContext *econtext;
	int16		typlen;
	bool		typbyval;
	Datum		result;
	bool		isnull;
	int			d;

	/* what naming and calling the function in a statement checks */
	aclresult = pg_namespace_aclcheck(nspid, GetUserId(), ACL_USAGE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_SCHEMA, get_namespace_name(nspid));
	if (node->fast_row)
		scalar_fast_aclcheck(node); /* (chain3) as pg_proc_aclcheck, no lookup */
	else
	{
		aclresult = pg_proc_aclcheck(node->funcoid, GetUserId(), ACL_EXECUTE);
		if (aclresult != ACLCHECK_OK)
			aclcheck_error(aclresult, OBJECT_FUNCTION, get_func_name(node->funcoid));
	}
	InvokeFunctionExecuteHook(node->funcoid);

	bc->calling = true;
	if (node->planned_call == NULL)
		planned_call(plan->dag, node, callcxt);

	MemoryContextSwitchTo(callcxt);
	params = makeParamList(node->nparams);
	params->numParams = node->nparams;
	for (d = 0; d < node->ndeps; d++)
	{
		HDep	   *dep = &node->deps[d];
		PlanStep   *ts = &plan->steps[plan->step_of_node[dep->target]];
		ParamExternData *prm = &params->params[dep->index];

		prm->value = ts->value;
		prm->isnull = ts->value_isnull;
		prm->pflags = PARAM_FLAG_CONST;
		prm->ptype = node->params[dep->index].type;
	}
	/* as SPI before a statement: see what earlier steps wrote */
	CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
	econtext = CreateStandaloneExprContext();
	econtext->ecxt_param_list_info = params;
	state = ExecInitExprWithParams((Expr *) node->planned_call, params);
	result = ExecEvalExprSwitchContext(state, econtext, &isnull);
	bc->calling = false;
	PopActiveSnapshot();

	MemoryContextSwitchTo(cxt);
	get_typlenbyval(node->rettype, &typlen, &typbyval);
	step->value = isnull ? (Datum) 0 : datumCopy(result, typbyval, typlen);
	step->value_isnull = isnull;
	step->has_value = true;
	step->literal = NULL;		/* written when a statement needs it */
	step->rows = 1;
	step->has_rows = true;
	FreeExprContext(econtext, true);
	MemoryContextReset(callcxt);
}

/*
 * planned_call plans a node's call, m.f($1, ...), with the arguments'
 * collation as literals of their types have it, and keeps it with the
 * graph: a change of the function (or of one inlined into it) makes a new
 * graph (dag/cache.c).  Planned under the node's pinned search_path, as
 * its statement was.
 */
static void
planned_call(Dag *dag, HNode *node, MemoryContext callcxt)
{
	MemoryContext old = MemoryContextSwitchTo(callcxt);
	List	   *args = NIL;
	Oid			inputcollid = InvalidOid;
	FuncExpr   *call;
	Node	   *planned;
	int			p;

	for (p = 0; p < node->nparams; p++)
	{
		Param	   *param = makeNode(Param);

		param->paramkind = PARAM_EXTERN;
		param->paramid = p + 1;
		param->paramtype = node->params[p].type;
		param->paramtypmod = -1;
		param->paramcollid = get_typcollation(node->params[p].type);
		param->location = -1;
		if (OidIsValid(param->paramcollid))
			inputcollid = param->paramcollid;
		args = lappend(args, param);
	}
	call = makeFuncExpr(node->funcoid, node->rettype, args,
						get_typcollation(node->rettype), inputcollid,
						COERCE_EXPLICIT_CALL);
	/* (chain3) inlined as the planner inlines it, from the row read */
	planned = (Node *) scalar_fast_plan(node);
	if (planned == NULL)
		planned = (Node *) expression_planner((Expr *) call);
	MemoryContextSwitchTo(dag->cxt);
	node->planned_call = copyObject(planned);
	MemoryContextSwitchTo(old);
}

/*
 * batch_error_context adds to what a node raises (an error, or a notice)
 * the statement the node would have run, as SPI adds it on the statement
 * path, so that both paths report a node's messages alike.  Its literals
 * are written in the batch's context, not in the error's, which a notice
 * resets.
 */
static void
batch_error_context(void *arg)
{
	BatchContext *bc = arg;
	HNode	   *node;
	MemoryContext old;
	char	   *call;

	if (!bc->calling)
		return;
	node = &bc->plan->dag->nodes[bc->plan->steps[bc->stepno].node];
	old = MemoryContextSwitchTo(bc->cxt);
	call = plan_call_sql(bc->plan, node, false, NULL, NULL);
	MemoryContextSwitchTo(old);
	errcontext("SQL statement \"SELECT %s AS %s\"", call, quote_identifier(node->name));
}
