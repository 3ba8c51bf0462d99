/*-------------------------------------------------------------------------
 *
 * replica_trigger.c
 *	  The change log's row trigger for writes that logical replication
 *	  applies to a tracked table.
 *
 * The apply worker of a subscription (session_replication_role = replica)
 * fires the row triggers enabled REPLICA or ALWAYS of the tables it
 * writes, but no statement trigger for an INSERT, UPDATE or DELETE (it
 * does for a TRUNCATE, and the table sync worker's COPY fires them too).
 * So hamilton_track puts on each table (a partition included: the rows a
 * subscription applies to a partitioned table land in its partitions) a
 * second trigger, AFTER each row, enabled REPLICA only: an ordinary writer
 * never fires it.  Its condition, hamilton.replicated_change(the table),
 * logs the writing transaction once (catalog/change_log.c) and is false,
 * so no event is ever queued for a row: a large copy or transaction costs
 * the after-trigger queue nothing.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "nodes/makefuncs.h"
#include "nodes/primnodes.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "dag.h"

/* The row trigger hamilton_track puts on a table, and its condition. */
#define REPLICA_TRIGGER_NAME "hamilton_change_log_replica"
#define REPLICA_FUNCTION HAMILTON_SCHEMA ".replicated_change"

/*
 * replica_function is hamilton.replicated_change(regclass), or InvalidOid
 * in a catalog older than 1.4.
 */
static Oid
replica_function(void)
{
	Oid			argtypes[1] = {REGCLASSOID};

	return LookupFuncName(list_make2(makeString(HAMILTON_SCHEMA), makeString("replicated_change")),
						  1, argtypes, true);
}

/*
 * is_replica_trigger: is this the row trigger as hamilton_track puts it on
 * relid: after each INSERT, UPDATE and DELETE row, enabled REPLICA, on
 * hamilton.change_logged, with no column list, and with the condition
 * hamilton.replicated_change(relid) alone?
 */
static bool
is_replica_trigger(const Trigger *t, Oid relid, Oid fn, Oid logged_fn)
{
	Node	   *qual;
	FuncExpr   *f;
	Const	   *c;
	char	   *tname;
	char	   *tnsp;

	if (strcmp(t->tgname, REPLICA_TRIGGER_NAME) != 0 || t->tgenabled != TRIGGER_FIRES_ON_REPLICA ||
		!TRIGGER_FOR_ROW(t->tgtype) || !TRIGGER_FOR_AFTER(t->tgtype) ||
		!TRIGGER_FOR_INSERT(t->tgtype) || !TRIGGER_FOR_UPDATE(t->tgtype) ||
		!TRIGGER_FOR_DELETE(t->tgtype) || t->tgnattr != 0 || t->tgqual == NULL || !OidIsValid(fn))
		return false;
	if (OidIsValid(logged_fn))
	{
		/* (rerun) a run's memo looked hamilton.change_logged() up once */
		if (t->tgfoid != logged_fn)
			return false;
	}
	else
	{
		tname = get_func_name(t->tgfoid);
		tnsp = get_namespace_name(get_func_namespace(t->tgfoid));
		if (!tname || !tnsp || strcmp(tname, "change_logged") != 0 || strcmp(tnsp, HAMILTON_SCHEMA) != 0)
			return false;
	}
	qual = stringToNode(t->tgqual);
	if (!IsA(qual, FuncExpr))
		return false;
	f = (FuncExpr *) qual;
	if (f->funcid != fn || list_length(f->args) != 1 || !IsA(linitial(f->args), Const))
		return false;
	c = (Const *) linitial(f->args);
	return c->consttype == REGCLASSOID && !c->constisnull && DatumGetObjectId(c->constvalue) == relid;
}

/*
 * dag_replica_tracked: do the writes that logical replication applies to
 * the relation count?  A table's do while it carries the row trigger (a
 * partitioned table holds no rows: its partitions' triggers see them).
 * *why, when still NULL, gets why they do not.
 */
bool
dag_replica_tracked(Relation rel, char **why)
{
	return dag_replica_tracked_memo(rel, why, NULL);
}

/*
 * dag_replica_tracked_memo is dag_replica_tracked with a cached run's memo
 * (m, or NULL), whose function Oids were looked up once (deps_memo.c).
 */
bool
dag_replica_tracked_memo(Relation rel, char **why, DagDepsMemo *m)
{
	Oid			fn;
	int			i;

	if (rel->rd_rel->relkind != RELKIND_RELATION)
		return true;
	fn = m ? m->replica_fn : replica_function();
	for (i = 0; OidIsValid(fn) && rel->trigdesc && i < rel->trigdesc->numtriggers; i++)
		if (is_replica_trigger(&rel->trigdesc->triggers[i], RelationGetRelid(rel), fn,
							   m ? m->logged_fn : InvalidOid))
			return true;
	if (why && *why == NULL)
		*why = OidIsValid(fn) ?
			psprintf("source %s is tracked without the row trigger that sees the writes of logical replication "
					 "(its owner can call hamilton_track again)", dag_relation_display(RelationGetRelid(rel))) :
			psprintf("source %s is tracked by a catalog older than 1.4, which does not see the writes of logical "
					 "replication (run ALTER EXTENSION hamilton UPDATE)", dag_relation_display(RelationGetRelid(rel)));
	return false;
}

/*
 * dag_is_replica_trigger: is this trigger of relation relid the row
 * trigger, as hamilton_track puts it?
 */
bool
dag_is_replica_trigger(const Trigger *t, Oid relid)
{
	return strcmp(t->tgname, REPLICA_TRIGGER_NAME) == 0 &&
		is_replica_trigger(t, relid, replica_function(), InvalidOid);
}

/* dag_has_replica_trigger: has the relation a trigger of the row trigger's name? */
bool
dag_has_replica_trigger(Relation rel)
{
	int			i;

	for (i = 0; rel->trigdesc && i < rel->trigdesc->numtriggers; i++)
		if (strcmp(rel->trigdesc->triggers[i].tgname, REPLICA_TRIGGER_NAME) == 0)
			return true;
	return false;
}

/*
 * dag_put_replica_trigger creates the row trigger on a table (qname,
 * quoted), enabled REPLICA, replacing one of that name; as the current
 * user, who must own it.  Nothing in a catalog older than 1.4, which has
 * no hamilton.replicated_change (dag_replica_tracked says so).
 */
void
dag_put_replica_trigger(const char *qname, bool replace)
{
	if (!OidIsValid(replica_function()))
		return;
	if (replace)
		dag_drop_replica_trigger(qname);
	spi_exec_checked(psprintf("CREATE TRIGGER " REPLICA_TRIGGER_NAME " "
							  "AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW "
							  "WHEN (" REPLICA_FUNCTION "(%s::pg_catalog.regclass)) "
							  "EXECUTE FUNCTION " HAMILTON_SCHEMA ".change_logged()",
							  qname, quote_literal_cstr(qname)), 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	spi_exec_checked(psprintf("ALTER TABLE ONLY %s ENABLE REPLICA TRIGGER " REPLICA_TRIGGER_NAME, qname),
					 0, NULL, NULL, NULL, SPI_OK_UTILITY);
}

/* dag_drop_replica_trigger drops the row trigger of a table (qname, quoted). */
void
dag_drop_replica_trigger(const char *qname)
{
	spi_exec_checked(psprintf("DROP TRIGGER " REPLICA_TRIGGER_NAME " ON %s", qname),
					 0, NULL, NULL, NULL, SPI_OK_UTILITY);
}
