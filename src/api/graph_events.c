/*-------------------------------------------------------------------------
 *
 * graph_events.c
 *	  The triggers that announce a change of what graphs are read from, so
 *	  that no session reuses a graph it kept (dag/cache.c):
 *	  hamilton.graph_changed, a statement trigger on each catalog table a
 *	  graph is read from, and hamilton.graph_changed_ddl, an event trigger
 *	  on the DDL commands no cache invalidation covers (COMMENT, SECURITY
 *	  LABEL, ALTER EXTENSION).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/event_trigger.h"
#include "commands/trigger.h"

#include "api.h"

PG_FUNCTION_INFO_V1(hamilton_graph_changed);
PG_FUNCTION_INFO_V1(hamilton_graph_changed_ddl);

/*
 * hamilton_graph_changed, the trigger graph_changed (AFTER INSERT, UPDATE,
 * DELETE or TRUNCATE, FOR EACH STATEMENT): the catalog's rows changed.
 */
Datum
hamilton_graph_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function hamilton.graph_changed was not called by a trigger"),
				 errdetail("It tells every session that pg_hamilton's catalog changed, so that no cached graph is reused."),
				 errhint("Leave it to the extension's triggers.")));
	dag_cache_announce_change();
	return PointerGetDatum(NULL);
}

/*
 * hamilton_graph_changed_ddl, the event trigger hamilton_graph_changed:
 * a comment (a node's doc), a security label or an extension's members
 * changed.
 */
Datum
hamilton_graph_changed_ddl(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function hamilton.graph_changed_ddl was not called by an event trigger"),
				 errdetail("It tells every session that a node's comment or an extension's members changed, so that no cached graph is reused."),
				 errhint("Leave it to the extension's event triggers.")));
	dag_cache_announce_change();
	PG_RETURN_VOID();
}
