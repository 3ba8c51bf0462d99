/*-------------------------------------------------------------------------
 *
 * cache_keep.c
 *	  What a cached run keeps of the results it computed: what each step's
 *	  query read and called (while its temporary tables exist), and, once
 *	  the results are swapped in, each result's entry (hamilton.cache_entry)
 *	  and the change log's trigger on its table.  See cache_skip.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/rel.h"
#include "utils/regproc.h"

#include "exec.h"

static List *plan_relations_read(HPlan *plan, int i);
static Oid	relation_named(const char *qname);
static void write_entry(HPlan *plan, CacheRun *cr, int i);
static void add_declared(CacheRun *cr, int i);

/*
 * exec_cache_step_ran reads what step i's query (or function) read and
 * called, while the plan's temporary tables exist, in a subtransaction: a
 * body that does not parse only makes the result not reusable.
 */
void
exec_cache_step_ran(HPlan *plan, int i)
{
	CacheRun   *cr = plan->cache_run;
	PlanStep   *step = &plan->steps[i];
	HNode	   *node = &plan->dag->nodes[step->node];
	SubxactScope sx;
	const char *sql = NULL;
	Oid			fn = InvalidOid;

	if (cr == NULL || cr->skip[i])
		return;
	if (step->action == STEP_VALUE)
		fn = node->funcoid;
	else if ((step->action == STEP_TEMP || step->action == STEP_PERSIST) && step->group < 0)
		sql = step->sql;
	if (sql == NULL && !OidIsValid(fn))
		return;
	subxact_begin(&sx);
	PG_TRY();
	{
		int			nestlevel = NewGUCNestLevel();

		if (node->schema)
		{
			pin_module_search_path(node->schema, dag_public_on_path(plan->dag));
			pin_sql_reading_settings();
		}
		cr->deps_why[i] = dag_query_deps(sql, fn, plan_relations_read(plan, i), cr->declared[i] != NULL,
										 &cr->relations[i], &cr->functions[i]);
		/* (review) not what was planned if redefined since the run began */
		if (cr->deps_why[i] == NULL)
			cr->deps_why[i] = exec_cache_deps_changed(cr, cr->relations[i], cr->functions[i]);
		if (cr->declared[i])
			add_declared(cr, i);
		AtEOXact_GUC(true, nestlevel);
		subxact_commit(&sx);
	}
	PG_CATCH();
	{
		ErrorData  *edata = subxact_rollback(&sx);

		/* a cancel or a timeout is the step's, not the analysis' */
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED || edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
			ReThrowError(edata);
		cr->deps_why[i] = psprintf("its query could not be analyzed: %s", edata->message);
	}
	PG_END_TRY();
}

/*
 * add_declared counts the relations step i's node declares it reads (its
 * sources tag) as read; one that no longer resolves makes its result not
 * reusable.
 */
static void
add_declared(CacheRun *cr, int i)
{
	char	   *problem;
	List	   *names = dag_declared_names(cr->declared[i], &problem);
	ListCell   *lc;

	foreach(lc, names)
	{
		Oid			relid = dag_declared_relation(lfirst(lc), &problem);

		if (OidIsValid(relid))
			cr->relations[i] = list_append_unique_oid(cr->relations[i], relid);
		else if (cr->deps_why[i] == NULL)
			cr->deps_why[i] = psprintf("its sources tag is wrong: %s", problem);
	}
	if (problem && names == NIL && cr->deps_why[i] == NULL)
		cr->deps_why[i] = psprintf("its sources tag is wrong: %s", problem);
}

/*
 * plan_relations_read: the relations of the plan that step i reads (its
 * upstream steps' tables, temporary tables, overrides, through the steps
 * inlined into it), which are not sources.
 */
static List *
plan_relations_read(HPlan *plan, int i)
{
	List	   *out = NIL;
	List	   *stack = list_make1_int(i);

	while (stack != NIL)
	{
		HNode	   *node = &plan->dag->nodes[plan->steps[llast_int(stack)].node];
		int			d;

		stack = list_delete_last(stack);
		for (d = 0; d < node->ndeps; d++)
		{
			int			u = plan->step_of_node[node->deps[d].target];
			PlanStep   *us;

			if (u < 0)
				continue;
			us = &plan->steps[u];
			if (us->relation)
				out = lappend_oid(out, relation_named(us->relation));
			if (us->result_table)
				out = lappend_oid(out, relation_named(us->result_table));
			if (us->temp_name)
				out = lappend_oid(out, RangeVarGetRelid(makeRangeVar("pg_temp", us->temp_name, -1),
														NoLock, true));
			if (us->action == STEP_INLINE || us->action == STEP_FRAME)
				stack = lappend_int(stack, u);
		}
	}
	return out;
}

/* relation_named is the relation of a quoted, maybe qualified name, or InvalidOid. */
static Oid
relation_named(const char *qname)
{
	return RangeVarGetRelid(makeRangeVarFromNameList(stringToQualifiedNameList(qname)),
							NoLock, true);
}

/*
 * exec_cache_finish keeps an entry for each result the run computed (with
 * behaviour auto or recompute), once the results are swapped in: the
 * result table gets the change log's trigger, its own writes are dropped
 * from the log, which gets a marker (catalog/change_log.c); then the log
 * is pruned.
 */
void
exec_cache_finish(HPlan *plan)
{
	CacheRun   *cr = plan->cache_run;
	int			i;
	bool		kept = false;

	if (cr == NULL)
		return;
	for (i = 0; i < plan->nsteps; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (exec_cache_persisted(&plan->steps[i]) && !cr->skip[i] &&
			(strcmp(cr->behaviour[i], "auto") == 0 || strcmp(cr->behaviour[i], "recompute") == 0))
		{
			write_entry(plan, cr, i);
			kept = true;
		}
	}
	/* the entries count only while the log has not been emptied since */
	if (kept)
		catalog_mark_change_log(cr->snapshot);
	catalog_prune_change_log();
}

/* write_entry keeps the entry of persisted step i, which ran. */
static void
write_entry(HPlan *plan, CacheRun *cr, int i)
{
	PlanStep   *step = &plan->steps[i];
	HNode	   *node = &plan->dag->nodes[step->node];
	CacheEntry	e;
	Oid			relid = catalog_result_relation(node->schema, node->name);
	Relation	rel;
	bool		tracked,
				named,
				replica,
				replica_named;
	Oid			owner;
	List	   *watched = NIL;
	char	   *why = cr->why[i];
	char	   *state_why = NULL;
	ListCell   *lc;

	if (!OidIsValid(relid))
		return;
	rel = table_open(relid, AccessShareLock);
	tracked = dag_relation_tracked(rel);
	named = dag_has_track_trigger(rel);
	owner = rel->rd_rel->relowner;
	/* (logrep) and the row trigger for the writes of logical replication */
	replica = dag_replica_tracked(rel, NULL);
	replica_named = dag_has_replica_trigger(rel);
	table_close(rel, AccessShareLock);
	if (!replica && owner == GetUserId())
		dag_put_replica_trigger(step->result_table, replica_named);
	if (!tracked && owner == GetUserId())
		dag_put_track_trigger(step->result_table, named);
	else if (!tracked && why == NULL)
		why = psprintf("its result table %s belongs to another role, and cannot carry the change log's trigger",
					   step->result_table);
	catalog_forget_own_changes(list_make1_oid(relid));

	memset(&e, 0, sizeof(e));
	e.sources = list_copy(cr->relations[i]);
	e.functions = list_copy(cr->functions[i]);
	if (why == NULL)
		why = cr->deps_why[i];
	foreach(lc, cr->walk[i])
	{
		int			u = lfirst_int(lc);

		e.sources = list_concat_unique_oid(e.sources, cr->relations[u]);
		e.functions = list_concat_unique_oid(e.functions, cr->functions[u]);
		if (why == NULL)
			why = cr->deps_why[u];
	}
	e.sources = list_append_unique_oid(e.sources, relid);
	e.deps_state = dag_deps_state(e.sources, e.functions, &watched, &state_why);
	e.schema = node->schema;
	e.name = node->name;
	e.relation = relid;
	e.run_id = plan->run_id;
	e.behaviour = cr->behaviour[i];
	e.key = cr->key[i];
	e.data_version = cr->data_version[i];
	e.snapshot = cr->snapshot;
	e.xid = cr->xid;
	e.reason = why ? why : state_why;
	e.reusable = e.reason == NULL;
	e.has_rows = step->has_rows;
	e.rows = step->rows;
	catalog_write_cache_entry(&e);
}
