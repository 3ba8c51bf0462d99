/*-------------------------------------------------------------------------
 *
 * hooks.c
 *	  Calling the lifecycle hooks of a run (Hamilton's lifecycle adapters;
 *	  features-b, issue 13 item 10): before_run, before_node, after_node and
 *	  after_run.  The step loop (step_loop.c) and the failure path
 *	  (step_report.c) call in here.
 *
 * A run calls the hooks whose owner its caller trusts (catalog_role_trusts:
 * the caller's own, those of a role it is a member of, a superuser's), in
 * the order hamilton.hooks lists them, each
 *	- as its owner, with SECURITY_RESTRICTED_OPERATION (as PostgreSQL runs
 *	  a table owner's index functions during maintenance: no temporary
 *	  objects, no SET ROLE, nothing left behind in the caller's session) and
 *	  search_path pinned to pg_catalog, pg_temp;
 *	- in a subtransaction of its own: a hook that raises is rolled back,
 *	  reported as a WARNING with its SQLSTATE and kept in
 *	  hamilton.hook_errors, and the run goes on as if it had not been
 *	  called.  Nothing a hook does can change a run's results or history.
 * While a hook runs, a run it starts calls no hooks (no hook calls itself).
 *
 * A hook sees what the run has written so far (the command counter is
 * advanced before it): at after_node a node's result, at after_run the run
 * in hamilton.runs.  At the events of a failing run the hooks run with
 * interrupts held, as the failure path does, so that nothing replaces the
 * node's error: a cancel waits for them.  At the events of a failing run (after_node and
 * after_run with status 'failed') whatever the hook writes is rolled back
 * with the run's transaction: only what leaves the transaction (a NOTICE,
 * dblink) stays.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_proc.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/elog.h"
#include "utils/guc.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "exec.h"

/* The hooks one run calls, with their owners' OIDs. */
typedef struct RunHooks
{
	int			n;
	CatalogHook **hooks;
	Oid		   *owners;
	bool		node_events;	/* any before_node or after_node hook */
} RunHooks;

/* A hook is running: runs it starts call none. */
static bool in_hook = false;

static void call_hook(HPlan *plan, CatalogHook *h, Oid owner, Datum *args,
					  bool *nulls, bool failing);
static void fire(HPlan *plan, const char *event, const char *node, const char *status,
				 bool has_rows, int64 rows, double ms, bool failing);

/*
 * hooks_begin_run finds the hooks the run calls and keeps them in
 * plan->hooks (NULL: none).  SPI must be connected.
 */
void
hooks_begin_run(HPlan *plan)
{
	List	   *rows;
	RunHooks   *rh;
	ListCell   *lc;

	plan->hooks = NULL;
	if (in_hook)
		return;
	rows = catalog_read_hooks();
	if (rows == NIL)
		return;
	rh = palloc0(sizeof(RunHooks));
	rh->hooks = palloc(sizeof(CatalogHook *) * list_length(rows));
	rh->owners = palloc(sizeof(Oid) * list_length(rows));
	foreach(lc, rows)
	{
		CatalogHook *h = lfirst(lc);
		Oid			owner = get_role_oid(h->owner_name, true);

		/* a hook whose role is gone runs as nobody; hamilton.hooks shows it */
		if (!OidIsValid(owner) || !catalog_role_trusts(GetUserId(), owner))
			continue;
		rh->hooks[rh->n] = h;
		rh->owners[rh->n++] = owner;
		if (strcmp(h->event, "before_node") == 0 || strcmp(h->event, "after_node") == 0)
			rh->node_events = true;
	}
	if (rh->n > 0)
		plan->hooks = rh;
}

/*
 * hooks_for_nodes: does the run call hooks at each node?  Its scalar steps
 * then run one by one, each between its hooks, not in batches.
 */
bool
hooks_for_nodes(HPlan *plan)
{
	return plan->hooks != NULL && ((RunHooks *) plan->hooks)->node_events;
}

/*
 * hooks_node calls the hooks of event (before_node or after_node) for
 * step stepno: its status, rows and time at after_node.  failing: the
 * step failed, and the run with it.
 */
void
hooks_node(HPlan *plan, const char *event, int stepno, bool failing)
{
	PlanStep   *step = &plan->steps[stepno];
	bool		after = event[0] == 'a';

	if (!hooks_for_nodes(plan))
		return;
	fire(plan, event, plan->dag->nodes[step->node].display,
		 after ? (step->status ? step->status : "done") : "running",
		 after && step->has_rows, step->rows, after ? step->ms : -1, failing);
}

/*
 * hooks_run calls the hooks of event (before_run or after_run) with the
 * run's status; node: the failed node of a failed run, or NULL.  At
 * after_run, ms is the run's time so far.
 */
void
hooks_run(HPlan *plan, const char *event, const char *status, const char *node,
		  TimestampTz started)
{
	long		secs;
	int			usecs;

	if (plan->hooks == NULL)
		return;
	TimestampDifference(started, GetCurrentTimestamp(), &secs, &usecs);
	fire(plan, event, node, status, false, 0,
		 event[0] == 'a' ? secs * 1000.0 + usecs / 1000.0 : -1,
		 strcmp(status, "failed") == 0);
}

/*
 * fire calls each hook of event with the event's arguments (ms < 0: NULL).
 */
static void
fire(HPlan *plan, const char *event, const char *node, const char *status,
	 bool has_rows, int64 rows, double ms, bool failing)
{
	RunHooks   *rh = plan->hooks;
	Datum		args[HOOK_NARGS];
	bool		nulls[HOOK_NARGS] = {false, false, node == NULL, false, !has_rows, ms < 0};
	int			i;

	args[0] = CStringGetTextDatum(event);
	args[1] = Int64GetDatum(plan->run_id);
	args[2] = node ? CStringGetTextDatum(node) : (Datum) 0;
	args[3] = CStringGetTextDatum(status);
	args[4] = Int64GetDatum(rows);
	args[5] = Float8GetDatum(ms);
	for (i = 0; i < rh->n; i++)
		if (strcmp(rh->hooks[i]->event, event) == 0)
			call_hook(plan, rh->hooks[i], rh->owners[i], args, nulls, failing);
}

/*
 * call_hook calls one hook as its owner in a subtransaction; what it
 * raises is reported and recorded, and the run goes on.
 */
static void
call_hook(HPlan *plan, CatalogHook *h, Oid owner, Datum *args, bool *nulls, bool failing)
{
	SubxactScope sx;
	Oid			save_userid;
	int			save_sec;
	uint32		held = InterruptHoldoffCount;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	CommandCounterIncrement();
	subxact_begin(&sx);
	PG_TRY();
	{
		FmgrInfo	flinfo;
		LOCAL_FCINFO(fcinfo, HOOK_NARGS);
		int			nest;
		int			i;

		in_hook = true;
		SetUserIdAndSecContext(owner, save_sec | SECURITY_LOCAL_USERID_CHANGE |
							   SECURITY_RESTRICTED_OPERATION);
		nest = NewGUCNestLevel();
		pin_safe_search_path();
		if (!SearchSysCacheExists1(PROCOID, ObjectIdGetDatum(h->function)))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("hook function %s no longer exists", h->display),
					 errdetail("The function was dropped after it was registered at event %s.", h->event),
					 errhint("SELECT hamilton_unhook('%s', '%u'); forgets the hook.", h->event, h->function)));
		if (pg_proc_aclcheck(h->function, owner, ACL_EXECUTE) != ACLCHECK_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied for function %s", h->display),
					 errdetail("The hook runs as role %s, which may no longer call it.",
							   quote_identifier(h->owner_name))));
		fmgr_info(h->function, &flinfo);
		for (i = 0; i < HOOK_NARGS; i++)
			if (flinfo.fn_strict && nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
						 errmsg("hook %s is STRICT and this event passes it NULL", h->display),
						 errhint("ALTER FUNCTION %s CALLED ON NULL INPUT;", h->display)));
		InitFunctionCallInfoData(*fcinfo, &flinfo, HOOK_NARGS, InvalidOid, NULL, NULL);
		for (i = 0; i < HOOK_NARGS; i++)
		{
			fcinfo->args[i].value = args[i];
			fcinfo->args[i].isnull = nulls[i];
		}
		InvokeFunctionExecuteHook(h->function);
		(void) FunctionCallInvoke(fcinfo);
		AtEOXact_GUC(true, nest);
		SetUserIdAndSecContext(save_userid, save_sec);
		in_hook = false;
		subxact_commit(&sx);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		in_hook = false;
		/* the subtransaction's abort restores the identity and settings */
		edata = subxact_rollback(&sx);
		SetUserIdAndSecContext(save_userid, save_sec);

		/*
		 * The error released the interrupts a failing run's error path holds
		 * (exec_step_failed): hold them again, or a cancel pending would fire
		 * in the warning and replace the node's error.
		 */
		InterruptHoldoffCount = held;
		ereport(WARNING,
				(errcode(edata->sqlerrcode),
				 errmsg("hook %s at %s of run " INT64_FORMAT " raised: %s",
						h->display, h->event, plan->run_id, edata->message),
				 failing ?
				 errdetail("The run had failed already; the hook's error is only in this warning.") :
				 errdetail("The hook's work was rolled back and the run goes on."),
				 failing ? 0 :
				 errhint("SELECT * FROM " HAMILTON_SCHEMA ".hook_errors WHERE run_id = " INT64_FORMAT "; lists what the run's hooks raised.",
						 plan->run_id)));
		if (!failing)
			catalog_insert_hook_error(plan->run_id, h, nulls[2] ? NULL : TextDatumGetCString(args[2]),
									  unpack_sql_state(edata->sqlerrcode), edata->message);
	}
	PG_END_TRY();
}
