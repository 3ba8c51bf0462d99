/*-------------------------------------------------------------------------
 *
 * materialize.c
 *	  Writing node results as tables.
 *
 * A result table is named after its node, in the node's module schema.
 * Replacing it is atomic because everything happens in the caller's
 * transaction: a reader sees the old rows until commit, then the new ones,
 * never a half-built table.  When the result keeps its shape (same column
 * names and types), the table is emptied with TRUNCATE and refilled, so its
 * OID, grants, indexes and the views users built on it survive; when the
 * shape changed (the node's code changed), it is dropped and created anew.
 * A table of that name that pg_hamilton did not create is never touched.
 * Nor is one whose owner the caller does not trust, or one with a trigger or
 * a rule: writing a table runs the code attached to it with the writer's
 * rights (trusted_result_table).  The run holds the result's lock
 * (result_locks.c).
 *
 * TRUNCATE is not MVCC-safe: a REPEATABLE READ reader whose snapshot
 * predates the run, and that had not read the table before, sees it empty
 * once the run commits.  A node with refresh = concurrent is written by a
 * diff on its key instead (refresh_concurrent.c), which keeps that reader
 * its old rows.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_rewrite.h"
#include "commands/cluster.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#include "exec.h"

static void trusted_result_table(Oid relid, const char *schema, const char *qname,
								 const char *node_display);
static void append_rules(Oid relid, const char *qname, StringInfo attached,
						 StringInfo drops);
static bool same_shape(Oid relid, const char *select_sql);
static bool same_shape_desc(Oid relid, TupleDesc qdesc);
static void existing_result(Oid rel, Oid nsp, const char *schema, const char *name,
							const char *qname, const char *node_display);
static uint64 build_aside(Relation rel, const char *qname, const char *select_sql, Oid *staging);
static uint64 create_filled(const char *qname, const char *shown, const char *select_sql,
							Oid nsp, const char *name, Oid *relid);

/*
 * materialize_result writes a node's result into schema.name and returns
 * the number of rows.  The caller holds the node's advisory lock; the
 * schema is locked here, for the lineage row that names it.
 *
 * An existing result is built aside (build_aside) and swapped in when the
 * run has passed (swap.c), holding only ACCESS SHARE on it meanwhile, so
 * readers keep reading it.  One whose rows a swap would not write as the
 * executor does (swap_bypass_reason) is emptied with TRUNCATE and refilled
 * with INSERT, under ACCESS EXCLUSIVE from this step to the end of the
 * transaction.  One whose shape changed is built as a new table, which
 * replaces it at the end.  A new result is created empty and filled by the
 * bulk path; nobody else sees it before the run commits.  In every case
 * later steps read the rows through swap_reading.  A node
 * refreshed concurrently (refresh_key, else NIL) has its checked table
 * refreshed by a diff on its key instead, in place, under EXCLUSIVE
 * (readers read on), and a table made for it gets its unique key
 * (refresh_concurrent.c).
 */
uint64
materialize_result(const char *schema, const char *name, const char *select_sql,
				   const char *doc, const char *node_display, List *refresh_key,
				   Oid *relid)
{
	Oid			nsp = catalog_lock_schema(schema, psprintf("the result of node %s was being written", node_display));
	Oid			rel = get_relname_relid(name, nsp);
	char	   *qname = quote_qualified_identifier(schema, name);
	uint64		rows;

	if (OidIsValid(rel))
	{
		Relation	r;
		const char *reason;

		existing_result(rel, nsp, schema, name, qname, node_display);
		if (!same_shape(rel, select_sql))
		{
			Oid			staging;

			rows = create_filled(psprintf("%s.%s", quote_identifier(schema),
										  quote_identifier(psprintf("pg_temp_%u", rel))),
								 qname, select_sql, nsp, psprintf("pg_temp_%u", rel), &staging);
			if (refresh_key != NIL)
				refresh_concurrent_created(staging, qname, node_display, refresh_key, true);
			swap_defer(rel, staging, qname, name, doc, node_display, true, rows);
			*relid = staging;
			return rows;
		}
		if (refresh_key != NIL)
		{
			/* writers wait from here on; look again, as for the fallback below */
			LockRelationOid(rel, ExclusiveLock);
			trusted_result_table(rel, schema, qname, node_display);
			return refresh_concurrent(rel, qname, select_sql, node_display, refresh_key, relid);
		}
		r = table_open(rel, NoLock);
		reason = swap_bypass_reason(r);
		if (reason == NULL && !swap_has_room(qname, node_display))
			reason = "the run builds as many results aside as the lock table has room for";
		if (reason == NULL)
		{
			Oid			staging;

			swap_check_privileges(r, qname, node_display);
			rows = build_aside(r, qname, select_sql, &staging);
			swap_defer(rel, staging, qname, name, doc, node_display, false, rows);
			table_close(r, NoLock);
			*relid = rel;
			return rows;
		}
		table_close(r, NoLock);
		ereport(DEBUG1,
				(errmsg_internal("result table %s is written with TRUNCATE and INSERT: %s", qname, reason)));
		LockRelationOid(rel, AccessExclusiveLock);

		/*
		 * Look again: while the run waited for this lock, a role with the
		 * TRIGGER privilege that held a reader's lock could add a trigger
		 * (CREATE TRIGGER does not conflict with ACCESS SHARE), and the
		 * owner could give the table away.  Nothing can change now.
		 */
		trusted_result_table(rel, schema, qname, node_display);
		result_statement(psprintf("TRUNCATE TABLE %s", qname), SPI_OK_UTILITY);
		rows = result_statement(psprintf("INSERT INTO %s\n%s", qname, select_sql), SPI_OK_INSERT);
		*relid = rel;
		return rows;
	}

	rows = create_filled(qname, qname, select_sql, nsp, name, relid);
	if (doc)
		result_statement(psprintf("COMMENT ON TABLE %s IS %s", qname, quote_literal_cstr(doc)),
						 SPI_OK_UTILITY);
	CommandCounterIncrement();
	if (refresh_key != NIL)
		refresh_concurrent_created(*relid, qname, node_display, refresh_key, false);
	return rows;
}

/*
 * materialize_direct_begin: may schema.name, of columns desc, be filled by
 * frame_split_run straight from its frame's query?  As materialize_result
 * would, it makes the same checks and takes the same locks, then makes the
 * heap the rows go to (d->heap): the new result, created empty; or, for an
 * existing one, a staging heap of its descriptor (noted for the swap), or
 * a new table when its shape changed.  False, with nothing made, when
 * materialize_result must write it (a refresh by diff, or one written in
 * place): it then makes the same checks again.  materialize_direct_end
 * completes it once the heap is filled.
 */
bool
materialize_direct_begin(const char *schema, const char *name, TupleDesc desc,
						 const char *doc, const char *node_display, List *refresh_key,
						 DirectResult *d)
{
	Oid			nsp;
	Oid			rel;
	Relation	r;
	const char *reason;

	if (refresh_key != NIL)
		return false;
	nsp = catalog_lock_schema(schema, psprintf("the result of node %s was being written", node_display));
	rel = get_relname_relid(name, nsp);
	memset(d, 0, sizeof(DirectResult));
	d->qname = quote_qualified_identifier(schema, name);
	d->doc = doc;
	if (!OidIsValid(rel))
	{
		result_statement(materialize_definition(d->qname, false, desc), SPI_OK_UTILITY);
		CommandCounterIncrement();
		d->heap = get_relname_relid(name, nsp);
		return true;
	}
	existing_result(rel, nsp, schema, name, d->qname, node_display);
	d->result = rel;
	if (!same_shape_desc(rel, desc))
	{
		char	   *staging = psprintf("pg_temp_%u", rel);

		result_statement(materialize_definition(quote_qualified_identifier(schema, staging), false, desc),
						 SPI_OK_UTILITY);
		CommandCounterIncrement();
		d->heap = get_relname_relid(staging, nsp);
		d->rename = true;
		swap_defer(rel, d->heap, d->qname, name, doc, node_display, true, 0);
		return true;
	}
	r = table_open(rel, NoLock);
	reason = swap_bypass_reason(r);
	if (reason == NULL && !swap_has_room(d->qname, node_display))
		reason = "no room";
	if (reason)
	{
		table_close(r, NoLock);
		return false;
	}
	swap_check_privileges(r, d->qname, node_display);
	d->heap = make_new_heap(rel, r->rd_rel->reltablespace, r->rd_rel->relam,
							r->rd_rel->relpersistence, AccessShareLock);
	table_close(r, NoLock);
	CommandCounterIncrement();
	swap_defer(rel, d->heap, d->qname, name, doc, node_display, false, 0);
	return true;
}

/*
 * materialize_direct_end completes a result that frame_split_run filled
 * with rows rows: *relid is what lineage records, as materialize_result's.
 */
void
materialize_direct_end(DirectResult *d, uint64 rows, Oid *relid)
{
	if (OidIsValid(d->result))
	{
		swap_note_rows(d->heap, rows);
		*relid = d->rename ? d->heap : d->result;
		return;
	}
	if (d->doc)
		result_statement(psprintf("COMMENT ON TABLE %s IS %s", d->qname, quote_literal_cstr(d->doc)),
						 SPI_OK_UTILITY);
	CommandCounterIncrement();
	*relid = d->heap;
}

/*
 * materialize_definition is the CREATE TABLE (or CREATE TEMPORARY TABLE)
 * qname of columns desc, as CREATE TABLE AS makes them: their names,
 * types, type modifiers and collations, no constraint.
 */
char *
materialize_definition(const char *qname, bool temporary, TupleDesc desc)
{
	StringInfoData sql;
	int			i;

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE %sTABLE %s (", temporary ? "TEMPORARY " : "", qname);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		appendStringInfo(&sql, "%s%s %s", i ? ", " : "", quote_identifier(NameStr(a->attname)),
						 format_type_extended(a->atttypid, a->atttypmod,
											  FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY));
		if (OidIsValid(a->attcollation) && a->attcollation != get_typcollation(a->atttypid))
			appendStringInfo(&sql, " COLLATE %s", generate_collation_name(a->attcollation));
	}
	appendStringInfoString(&sql, ");\n");
	return sql.data;
}

/*
 * materialize_aside_target: would materialize_result build schema.name
 * aside, into a staging heap of the result's own descriptor?  Then it makes
 * the same checks and takes the same locks, and returns the result's OID,
 * for a background worker to build the heap (step_worker.c).  Else it
 * returns InvalidOid and *why says why the step is written by the caller.
 */
Oid
materialize_aside_target(const char *schema, const char *name, const char *select_sql,
						 const char *node_display, List *refresh_key, const char **why)
{
	Oid			nsp = catalog_lock_schema(schema, psprintf("the result of node %s was being written", node_display));
	Oid			rel = get_relname_relid(name, nsp);
	char	   *qname = quote_qualified_identifier(schema, name);
	Relation	r;
	const char *reason;

	if (!OidIsValid(rel))
	{
		*why = "its result table does not exist yet, and is created in the calling transaction";
		return InvalidOid;
	}
	existing_result(rel, nsp, schema, name, qname, node_display);
	if (!same_shape(rel, select_sql))
	{
		*why = "its result's columns changed, and the table is made anew in the calling transaction";
		return InvalidOid;
	}
	if (refresh_key != NIL)
	{
		*why = "it is refreshed concurrently, by a diff on its key in the calling transaction";
		return InvalidOid;
	}
	r = table_open(rel, NoLock);
	reason = swap_bypass_reason(r);
	if (reason == NULL && !swap_has_room(qname, node_display))
		reason = "the run builds as many results aside as the lock table has room for";
	if (reason)
	{
		table_close(r, NoLock);
		*why = psprintf("its result is written in place (%s)", reason);
		return InvalidOid;
	}
	swap_check_privileges(r, qname, node_display);
	table_close(r, NoLock);
	return rel;
}

/*
 * existing_result checks that rel, the existing table schema.name (named
 * name in nsp), is a result pg_hamilton made and may write, and takes its
 * reader's lock: readers keep the old rows, and nobody alters it.
 */
static void
existing_result(Oid rel, Oid nsp, const char *schema, const char *name, const char *qname,
				const char *node_display)
{
	if (catalog_result_relation(schema, name) != rel)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation %s already exists and was not created by pg_hamilton", qname),
				 errdetail("Node %s would write its result there; pg_hamilton never overwrites a relation it did not create.",
						   node_display),
				 errhint("Rename or drop that relation, or rename the node.")));
	if (get_rel_relkind(rel) != RELKIND_RELATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("relation %s is not a table", qname),
				 errdetail("Node %s writes its result to a table of that name.", node_display),
				 errhint("Drop it so that node %s can write its result there.", node_display)));

	/* A reader's lock: readers keep the old rows, and nobody alters it. */
	LockRelationOid(rel, AccessShareLock);
	if (get_relname_relid(name, nsp) != rel)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("result table %s was dropped or replaced while node %s ran", qname, node_display),
				 errdetail("Another session changed the table between its lookup and its lock."),
				 errhint("Run the dataflow again.")));
	trusted_result_table(rel, schema, qname, node_display);
}

/*
 * build_aside fills a staging heap with the result's exact descriptor
 * (make_new_heap, dropped columns included) by the bulk path, holding
 * ACCESS SHARE on the result, and returns the number of rows.
 */
static uint64
build_aside(Relation rel, const char *qname, const char *select_sql, Oid *staging)
{
	*staging = make_new_heap(RelationGetRelid(rel), rel->rd_rel->reltablespace,
							rel->rd_rel->relam, rel->rd_rel->relpersistence,
							AccessShareLock);
	CommandCounterIncrement();
	return bulk_fill(*staging, select_sql, qname);
}

/*
 * create_filled creates table qname (named name in nsp) with the query's
 * columns and no rows, fills it by the bulk path, and returns the number
 * of rows; *relid is the new table.  The table is new in this transaction:
 * nobody else sees it before the run commits.
 */
static uint64
create_filled(const char *qname, const char *shown, const char *select_sql, Oid nsp,
			  const char *name, Oid *relid)
{
	result_statement(psprintf("CREATE TABLE %s AS\n%s\nWITH NO DATA", qname, select_sql),
					 SPI_OK_UTILITY);
	CommandCounterIncrement();
	*relid = get_relname_relid(name, nsp);
	return bulk_fill(*relid, select_sql, shown);
}

/*
 * trusted_result_table refuses to write into an existing result table that
 * would run somebody's code with the caller's rights.  Its owner must be one
 * the caller trusts, as for the nodes a name picks up (dag_owner_trusts):
 * the caller, a role it is a member of, or a superuser, since an owner can
 * attach code to a table in many ways (triggers, rules, constraints,
 * defaults, index expressions, policies).  And it must have no trigger or
 * rule at all, whoever made it: pg_hamilton makes none, and a role with the
 * TRIGGER privilege on the table can add one.  Triggers PostgreSQL makes for
 * its own constraints (foreign keys, deferrable unique keys) run no code of
 * anybody's and are left alone.  The table is locked, so its relcache entry
 * is current.
 */
static void
trusted_result_table(Oid relid, const char *schema, const char *qname,
					 const char *node_display)
{
	Relation	rel = table_open(relid, NoLock);
	Oid			owner = rel->rd_rel->relowner;
	StringInfoData attached;
	StringInfoData drops;
	int			i;

	if (!dag_owner_trusts(GetUserId(), owner))
	{
		char	   *owner_name = GetUserNameFromId(owner, false);

		table_close(rel, NoLock);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("result table %s is owned by role %s, which you do not trust",
						qname, quote_identifier(owner_name)),
				 errdetail("Node %s would write its result into it, and writing a table runs the code its owner "
						   "attached to it (triggers, rules, constraints, defaults, index expressions, policies) "
						   "with your rights. pg_hamilton writes only into tables owned by you, by a role you are "
						   "a member of, or by a superuser.", node_display),
				 errhint("Ask role %s or the owner of schema %s to drop the table, which the next run then "
						 "creates anew, or to give it to you: ALTER TABLE %s OWNER TO %s;",
						 quote_identifier(owner_name), quote_identifier(schema), qname,
						 quote_identifier(GetUserNameFromId(GetUserId(), false)))));
	}

	initStringInfo(&attached);
	initStringInfo(&drops);
	for (i = 0; rel->trigdesc && i < rel->trigdesc->numtriggers; i++)
	{
		Trigger    *tg = &rel->trigdesc->triggers[i];

		/* (cache) the change log's trigger is pg_hamilton's (dag/source_state.c) */
		if (tg->tgisinternal || dag_is_track_trigger(tg) ||
			dag_is_replica_trigger(tg, RelationGetRelid(rel)))
			continue;
		appendStringInfo(&attached, "%strigger %s", attached.len ? ", " : "",
						 quote_identifier(tg->tgname));
		appendStringInfo(&drops, "%sDROP TRIGGER %s ON %s;", drops.len ? " " : "",
						 quote_identifier(tg->tgname), qname);
	}
	table_close(rel, NoLock);
	append_rules(relid, qname, &attached, &drops);
	if (attached.len > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("result table %s has triggers or rules that pg_hamilton did not make", qname),
				 errdetail("Node %s would write its result into it, which would run them with your rights: %s.",
						   node_display, attached.data),
				 errhint("Drop them (%s), or drop the table, which the next run then creates anew.",
						 drops.data)));
}

/*
 * append_rules lists a table's rules, read from pg_rewrite with the latest
 * catalog snapshot (the table is locked: none can come or go).
 */
static void
append_rules(Oid relid, const char *qname, StringInfo attached, StringInfo drops)
{
	Relation	rewrite = table_open(RewriteRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	ScanKeyInit(&key, Anum_pg_rewrite_ev_class, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(rewrite, RewriteRelRulenameIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		const char *rulename = NameStr(((Form_pg_rewrite) GETSTRUCT(tup))->rulename);

		appendStringInfo(attached, "%srule %s", attached->len ? ", " : "",
						 quote_identifier(rulename));
		appendStringInfo(drops, "%sDROP RULE %s ON %s;", drops->len ? " " : "",
						 quote_identifier(rulename), qname);
	}
	systable_endscan(scan);
	table_close(rewrite, AccessShareLock);
}

/*
 * same_shape: would the query's rows fit the existing table as they are
 * (same_shape_desc)?
 */
static bool
same_shape(Oid relid, const char *select_sql)
{
	MemoryContext cxt = CurrentMemoryContext;
	SPIPlanPtr	plan = SPI_prepare(select_sql, 0, NULL);
	CachedPlanSource *ps;
	bool		same;

	MemoryContextSwitchTo(cxt);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed (%s) for: %s", SPI_result_code_string(SPI_result), select_sql);
	ps = linitial(SPI_plan_get_plan_sources(plan));
	same = same_shape_desc(relid, ps->resultDesc);
	SPI_freeplan(plan);
	MemoryContextSwitchTo(cxt);
	return same;
}

/*
 * same_shape_desc: would rows of columns qdesc fit the existing table as
 * they are (same column names, types, type modifiers and collations, in
 * the same order, its dropped columns aside)?
 */
static bool
same_shape_desc(Oid relid, TupleDesc qdesc)
{
	Relation	rel;
	TupleDesc	tdesc;
	int			qi = 0,
				ti = 0;
	bool		same = true;

	rel = table_open(relid, NoLock);
	tdesc = RelationGetDescr(rel);
	for (;;)
	{
		Form_pg_attribute qa,
					ta;

		while (ti < tdesc->natts && TupleDescAttr(tdesc, ti)->attisdropped)
			ti++;
		if (qi >= qdesc->natts || ti >= tdesc->natts)
		{
			same = (qi >= qdesc->natts && ti >= tdesc->natts);
			break;
		}
		qa = TupleDescAttr(qdesc, qi);
		ta = TupleDescAttr(tdesc, ti);
		if (strcmp(NameStr(qa->attname), NameStr(ta->attname)) != 0 ||
			qa->atttypid != ta->atttypid || qa->atttypmod != ta->atttypmod ||
			qa->attcollation != ta->attcollation)
		{
			same = false;
			break;
		}
		qi++;
		ti++;
	}
	table_close(rel, NoLock);
	return same;
}

/*
 * materialize_temp writes an intermediate into a temporary table that is
 * dropped when the run ends (or with the transaction, if the run fails).
 */
uint64
materialize_temp(const char *temp_name, const char *select_sql)
{
	uint64		rows;

	rows = result_statement(psprintf("CREATE TEMPORARY TABLE %s AS\n%s",
							 quote_identifier(temp_name), select_sql),
					SPI_OK_UTILITY);
	/* Without statistics, the consumers' plans would be guesses. */
	if (rows >= 1000)
		result_statement(psprintf("ANALYZE pg_temp.%s", quote_identifier(temp_name)), SPI_OK_UTILITY);
	return rows;
}

/* materialize_drop_temp drops a run's temporary table, if it is there. */
void
materialize_drop_temp(const char *temp_name)
{
	result_statement(psprintf("DROP TABLE IF EXISTS pg_temp.%s", quote_identifier(temp_name)),
			 SPI_OK_UTILITY);
}

/*
 * materialize_check_trusted is trusted_result_table for a result written
 * in place by an incremental node (incremental_write.c); relid is locked.
 */
void
materialize_check_trusted(Oid relid, const char *schema, const char *qname,
						  const char *node_display)
{
	trusted_result_table(relid, schema, qname, node_display);
}

/*
 * materialize_same_shape is same_shape, for a result written in place by
 * an incremental node: a batch must fit its columns as they are.
 */
bool
materialize_same_shape(Oid relid, const char *select_sql)
{
	return same_shape(relid, select_sql);
}
