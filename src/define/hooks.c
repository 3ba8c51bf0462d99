/*-------------------------------------------------------------------------
 *
 * hooks.c
 *	  Registering lifecycle hooks, Hamilton's lifecycle adapters
 *	  (hamilton_hook, hamilton_unhook; features-b, issue 13 item 10).
 *
 * A hook is a function
 *	  f(event text, run_id bigint, node text, status text, rows bigint,
 *		ms double precision)
 * called at one event of a run: before_run, before_node, after_node or
 * after_run (exec/hooks.c calls it).  It belongs to the role that
 * registered it, who must be allowed to call it, and runs as that role.
 * Everything is checked here, before the row is written: a hook that
 * could not be called as declared is refused, never skipped at run time.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "define.h"

/* What a hook takes, in order. */
static const Oid hook_arg_types[HOOK_NARGS] = {TEXTOID, INT8OID, TEXTOID, TEXTOID, INT8OID, FLOAT8OID};

static const char *hook_event_checked(const char *event);

/*
 * hook_event_checked refuses a name that is not an event.
 */
static const char *
hook_event_checked(const char *event)
{
	if (strcmp(event, "before_run") != 0 && strcmp(event, "before_node") != 0 &&
		strcmp(event, "after_node") != 0 && strcmp(event, "after_run") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown hook event \"%s\"", event),
				 errdetail("A hook is called at one of the events before_run, before_node, after_node and after_run."),
				 errhint("Name one of them: SELECT hamilton_hook('after_node', 'my_hook(text, bigint, text, text, bigint, double precision)');")));
	return event;
}

/*
 * define_hook_refuse_unfit refuses a function that cannot be a hook: not a
 * plain function, returning a set, STRICT (it gets NULL at some events), or
 * taking other arguments than a hook's.
 */
void
define_hook_refuse_unfit(Oid function)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(function));
	Form_pg_proc proc;
	char	   *display = format_procedure(function);
	bool		fits;
	int			i;

	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("function with OID %u does not exist", function)));
	proc = (Form_pg_proc) GETSTRUCT(tup);
	fits = proc->pronargs == HOOK_NARGS;
	for (i = 0; fits && i < HOOK_NARGS; i++)
		fits = proc->proargtypes.values[i] == hook_arg_types[i];
	if (proc->prokind != PROKIND_FUNCTION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s is not a plain function and cannot be a hook", display),
				 errdetail("Procedures, aggregates and window functions cannot be called as hooks.")));
	if (!fits)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
				 errmsg("function %s does not take a hook's arguments", display),
				 errdetail("A hook takes (event text, run_id bigint, node text, status text, rows bigint, ms double precision), in that order."),
				 errhint("Declare it as CREATE FUNCTION my_hook(event text, run_id bigint, node text, status text, rows bigint, ms double precision) RETURNS void ...")));
	if (proc->proretset)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
				 errmsg("hook %s must not return a set", display),
				 errdetail("A hook is called once per event; what it returns is ignored."),
				 errhint("Declare it RETURNS void.")));
	if (proc->proisstrict)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
				 errmsg("hook %s must not be STRICT", display),
				 errdetail("A hook gets NULL where an event has no node, rows or time (before_run has no node), and a STRICT function would silently not be called."),
				 errhint("ALTER FUNCTION %s CALLED ON NULL INPUT;", display)));
	ReleaseSysCache(tup);
}

/*
 * define_add_hook registers function for event, as the caller's; false
 * when it already was.
 */
bool
define_add_hook(const char *event, Oid function)
{
	OwnerScope	w;
	bool		added;
	char	   *user = GetUserNameFromId(GetUserId(), false);

	(void) hook_event_checked(event);
	/* a DROP FUNCTION meanwhile waits, and after it the function is gone */
	LockDatabaseObject(ProcedureRelationId, function, 0, AccessShareLock);
	define_hook_refuse_unfit(function);
	if (pg_proc_aclcheck(function, GetUserId(), ACL_EXECUTE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for function %s", format_procedure(function)),
				 errdetail("A hook runs as the role that registers it, %s, which may not call it.",
						   quote_identifier(user)),
				 errhint("GRANT EXECUTE ON FUNCTION %s TO %s;", format_procedure(function),
						 quote_identifier(user))));
	catalog_owner_begin(&w);
	added = catalog_add_hook(event, function, user);
	catalog_owner_end(&w);
	return added;
}

/*
 * define_remove_hook stops calling function at event; only its owner (a
 * member of the owning role) may.
 */
void
define_remove_hook(const char *event, Oid function)
{
	OwnerScope	w;
	char	   *owner;
	Oid			owner_oid;

	(void) hook_event_checked(event);
	catalog_owner_begin(&w);
	owner = catalog_hook_owner(event, function);
	catalog_owner_end(&w);
	if (owner == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("no hook %s at event %s", format_procedure(function), event),
				 errdetail("That function is not called at that event."),
				 errhint("SELECT * FROM " HAMILTON_SCHEMA ".hooks; lists the hooks.")));
	owner_oid = get_role_oid(owner, true);
	if (OidIsValid(owner_oid) ? !has_privs_of_role(GetUserId(), owner_oid) : !superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of hook %s to remove it", format_procedure(function)),
				 errdetail("The hook at event %s belongs to role %s.", event, quote_identifier(owner))));
	catalog_owner_begin(&w);
	catalog_remove_hook(event, function);
	catalog_owner_end(&w);
}
