/*-------------------------------------------------------------------------
 *
 * before_drop.c
 *	  hamilton.before_drop, the ddl_command_start event trigger that removes
 *	  the pg_cron jobs hamilton_schedule made before a command drops the
 *	  extension (src/sql/60_schedule.sql says why it is not sql_drop).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"

#include "api.h"

PG_FUNCTION_INFO_V1(hamilton_before_drop);

static bool drops_extension(Node *parsetree);
static bool names_one_of(List *names, const char *a, const char *b);

/*
 * hamilton_before_drop: when the command (DROP EXTENSION, DROP SCHEMA, DROP
 * OWNED) takes the extension, remove its pg_cron jobs first.  A command
 * that then fails rolls the removal back with it.
 */
Datum
hamilton_before_drop(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		elog(ERROR, "hamilton_before_drop must be called as an event trigger");
	trigdata = (EventTriggerData *) fcinfo->context;
	api_begin();
	if (drops_extension(trigdata->parsetree))
		catalog_remove_cron_jobs();
	api_end();
	PG_RETURN_NULL();
}

/*
 * drops_extension: does the command drop the extension?  DROP EXTENSION
 * naming it; DROP SCHEMA ... CASCADE of the schema its functions live in,
 * or of its catalog's; DROP OWNED BY its owner.  (Nothing else it is made
 * of can be dropped on its own.)
 */
static bool
drops_extension(Node *parsetree)
{
	Oid			ext = get_extension_oid("hamilton", true);

	if (!OidIsValid(ext))
		return false;
	if (IsA(parsetree, DropStmt))
	{
		DropStmt   *stmt = (DropStmt *) parsetree;

		if (stmt->removeType == OBJECT_EXTENSION)
			return names_one_of(stmt->objects, "hamilton", NULL);
		if (stmt->removeType == OBJECT_SCHEMA && stmt->behavior == DROP_CASCADE)
			return names_one_of(stmt->objects, HAMILTON_SCHEMA, catalog_extension_schema());
	}
	else if (IsA(parsetree, DropOwnedStmt))
	{
		DropOwnedStmt *stmt = (DropOwnedStmt *) parsetree;
		Oid			owner = catalog_owner();
		ListCell   *lc;

		foreach(lc, stmt->roles)
			if (get_rolespec_oid(lfirst(lc), true) == owner)
				return true;
	}
	return false;
}

/* names_one_of: is a or b (when not NULL) among names, a List of String? */
static bool
names_one_of(List *names, const char *a, const char *b)
{
	ListCell   *lc;

	foreach(lc, names)
	{
		const char *name = strVal(lfirst(lc));

		if (strcmp(name, a) == 0 || (b && strcmp(name, b) == 0))
			return true;
	}
	return false;
}
