/*-------------------------------------------------------------------------
 *
 * schema_events.c
 *	  The event triggers that keep the catalog's schema names true
 *	  (hamilton.forget_dropped_schemas, hamilton.follow_renamed_schemas,
 *	  hamilton.check_new_schemas), and hamilton_orphans (see
 *	  define/schemas.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "nodes/parsenodes.h"

#include "api.h"

PG_FUNCTION_INFO_V1(hamilton_forget_dropped_schemas);
PG_FUNCTION_INFO_V1(hamilton_follow_renamed_schemas);
PG_FUNCTION_INFO_V1(hamilton_check_new_schemas);
PG_FUNCTION_INFO_V1(hamilton_orphans);

static EventTriggerData *event_trigger_data(FunctionCallInfo fcinfo, const char *function);

/*
 * event_trigger_data is what the event trigger calling an entry point
 * passes; anything else calling it is refused.
 */
static EventTriggerData *
event_trigger_data(FunctionCallInfo fcinfo, const char *function)
{
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function %s was not called by an event trigger", function),
				 errdetail("It keeps pg_hamilton's catalog in step with schemas that are dropped, renamed or created."),
				 errhint("Leave it to the extension's event triggers.")));
	return (EventTriggerData *) fcinfo->context;
}

/*
 * hamilton_forget_dropped_schemas (sql_drop): the dropped schemas' rows go,
 * so that a new schema of their name inherits nothing.
 */
Datum
hamilton_forget_dropped_schemas(PG_FUNCTION_ARGS)
{
	(void) event_trigger_data(fcinfo, "hamilton.forget_dropped_schemas");
	api_begin();
	define_schemas_dropped();
	api_end();
	PG_RETURN_NULL();
}

/*
 * hamilton_follow_renamed_schemas (ddl_command_end of ALTER SCHEMA): the
 * command names the schema and both its names; ALTER SCHEMA ... OWNER TO
 * changes no name and nothing here.
 */
Datum
hamilton_follow_renamed_schemas(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata = event_trigger_data(fcinfo, "hamilton.follow_renamed_schemas");
	RenameStmt *stmt = (RenameStmt *) trigdata->parsetree;

	if (!IsA(stmt, RenameStmt) || stmt->renameType != OBJECT_SCHEMA)
		PG_RETURN_NULL();
	api_begin();
	define_schema_renamed(stmt->subname, stmt->newname);
	api_end();
	PG_RETURN_NULL();
}

/*
 * hamilton_check_new_schemas (ddl_command_end of CREATE SCHEMA): a new
 * schema must not inherit rows an earlier schema of its name left.
 */
Datum
hamilton_check_new_schemas(PG_FUNCTION_ARGS)
{
	(void) event_trigger_data(fcinfo, "hamilton.check_new_schemas");
	api_begin();
	define_schemas_created();
	api_end();
	PG_RETURN_NULL();
}

/*
 * hamilton_orphans(remove boolean) returns the catalog's rows whose schema
 * does not exist, grouped (module, catalog, name, rows); with remove, it
 * removes them.
 */
Datum
hamilton_orphans(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	uint64		i;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("remove must not be NULL"),
				 errdetail("remove => false reports the rows whose schema does not exist; remove => true also removes them."),
				 errhint("Call hamilton_orphans() to see them, or hamilton_orphans(remove => true) to remove them.")));
	InitMaterializedSRF(fcinfo, 0);
	api_begin();
	define_orphans(PG_GETARG_BOOL(0));
	for (i = 0; i < SPI_processed; i++)
	{
		Datum		values[4];
		bool		nulls[4];
		int			c;

		for (c = 0; c < 4; c++)
			values[c] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, c + 1, &nulls[c]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	api_end();
	return (Datum) 0;
}
