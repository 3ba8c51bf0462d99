/*-------------------------------------------------------------------------
 *
 * cache_skip.c
 *	  cache => true: a persisted result is reused, and the steps that only
 *	  fed it are skipped, while its cache key and everything it read are
 *	  unchanged since the run that made it.
 *
 * The unit of caching is a persisted result (a table node's table).  Its
 * cache key holds its code fingerprint and those of the intermediates
 * between it and the persisted results or sources it reads (each walked
 * once, with a work list), the inputs they use, the data versions of the
 * persisted results upstream (the run that made each), the server's
 * version, TimeZone, DateStyle and IntervalStyle, and the current and
 * session roles (which CURRENT_USER, SESSION_USER and row-level security
 * read).  An entry
 * (hamilton.cache_entry) also keeps what the step's queries read and
 * called (dag/code_deps.c) and their state (dag/source_state.c), and the
 * snapshot the run took before it read anything.  The result is reused
 * when:
 *	 - its node's behaviour is auto, and the entry says it may be reused
 *	   (every source exactly tracked, no function that is not IMMUTABLE, no
 *	   body pg_hamilton cannot see into, no row-level security);
 *	 - the key is the same;
 *	 - the result table is still the one the entry's run wrote
 *	   (hamilton.result), and nothing else wrote it since;
 *	 - what it read and called is in the same state, and the change log
 *	   has no write of it that the entry's snapshot did not see.
 * The decision is taken after the run holds its results' locks, so that
 * of two runs of the same results the second sees what the first kept.
 * Behaviours (the cache tag, or hamilton_define's cache =>): recompute
 * always computes and keeps an entry; disable computes and keeps none;
 * ignore computes, keeps none, and is left out of the keys downstream.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "common/md5.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/rel.h"
#include "utils/regproc.h"

#include "exec.h"

/* An entry by "schema.node", while the run decides. */
typedef struct NamedEntry
{
	char		name[2 * NAMEDATALEN + 1];
	CacheEntry *entry;
} NamedEntry;


static void exec_cache_begin(HPlan *plan);
static void read_entries(HPlan *plan, CacheRun *cr, DagDepsMemo *memo);
static void changes_since(int n, CacheEntry **entry, List **watched, char **pre);
static char *entry_refusal(CacheEntry *e, List **watched, DagDepsMemo *memo);
static char *settings_key(void);
static void decide(HPlan *plan, CacheRun *cr, int i, int *visited, const char *settings,
				   DagDepsMemo *memo);
static char *reuse_refusal(HPlan *plan, CacheRun *cr, int i, CacheEntry **entry);
static void mark_needed(HPlan *plan, CacheRun *cr);

/* exec_cache_persisted: a result table the cache decides on (not a frame's). */
bool
exec_cache_persisted(PlanStep *step)
{
	return step->action == STEP_PERSIST && step->result_table != NULL && step->group < 0;
}

/*
 * exec_cache_begin_guarded is exec_cache_begin in a subtransaction: an
 * error (a cancel) is recorded as the run's failure before anything ran.
 */
void
exec_cache_begin_guarded(HPlan *plan, TimestampTz started)
{
	SubxactScope sx;

	if (plan->cache != 1)
		return;
	subxact_begin(&sx);
	PG_TRY();
	{
		exec_cache_begin(plan);
		subxact_commit(&sx);
	}
	PG_CATCH();
	{
		ErrorData  *edata = subxact_rollback(&sx);

		plan->cache_run = NULL;
		runlog_record(plan, started, "failed", -1, edata->message, true);
		ReThrowError(edata);
	}
	PG_END_TRY();
}

/*
 * exec_cache_begin decides, for a cached run, which results are reused and
 * which steps are skipped.  Called once the run holds its results' locks,
 * before any step runs.
 */
static void
exec_cache_begin(HPlan *plan)
{
	CacheRun   *cr;
	int			n = plan->nsteps;
	int		   *visited;
	char	   *settings;
	DagDepsMemo *memo;
	int			i;

	if (plan->cache != 1)
		return;
	cr = palloc0(sizeof(CacheRun));
	cr->skip = palloc0(sizeof(bool) * Max(n, 1));
	cr->behaviour = palloc0(sizeof(char *) * Max(n, 1));
	cr->key = palloc0(sizeof(char *) * Max(n, 1));
	cr->why = palloc0(sizeof(char *) * Max(n, 1));
	cr->reason = palloc0(sizeof(char *) * Max(n, 1));
	cr->data_version = palloc0(sizeof(char *) * Max(n, 1));
	cr->walk = palloc0(sizeof(List *) * Max(n, 1));
	cr->cached_from = palloc(sizeof(int64) * Max(n, 1));
	cr->relations = palloc0(sizeof(List *) * Max(n, 1));
	cr->functions = palloc0(sizeof(List *) * Max(n, 1));
	cr->deps_why = palloc0(sizeof(char *) * Max(n, 1));
	cr->entry = palloc0(sizeof(CacheEntry *) * Max(n, 1));
	cr->pre = palloc0(sizeof(char *) * Max(n, 1));
	cr->declared = palloc0(sizeof(char *) * Max(n, 1));
	visited = palloc0(sizeof(int) * Max(n, 1));

	/* before the snapshot: no prune removes what this run's entries need */
	catalog_hold_change_log();
	spi_exec_checked("SELECT pg_catalog.pg_current_snapshot()::pg_catalog.text, "
					 "pg_catalog.pg_current_xact_id()::pg_catalog.text",
					 0, NULL, NULL, NULL, SPI_OK_SELECT);
	cr->snapshot = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	cr->xid = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	dag_probe_all();			/* (probes) before anything is read */

	/* (rerun) looked up once for all entries, for this run only */
	memo = dag_deps_memo_begin();
	read_entries(plan, cr, memo);
	plan->cache_run = cr;
	settings = settings_key();
	for (i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (exec_cache_persisted(&plan->steps[i]))
			decide(plan, cr, i, visited, settings, memo);
		else if (plan->steps[i].result_table)
			cr->data_version[i] = psprintf(INT64_FORMAT, plan->run_id);
	}
	dag_deps_memo_end(memo);
	mark_needed(plan, cr);
	for (i = 0; i < n; i++)
		if (cr->skip[i] && cr->cached_from[i] >= 0)
			plan->steps[i].cached_from = cr->cached_from[i];
}

/*
 * settings_key is what every key of the run begins with: the server
 * version, the settings results depend on, the roles.
 */
static char *
settings_key(void)
{
	StringInfoData key;

	initStringInfo(&key);
	appendStringInfo(&key, "1|%s|%s|%s|%s|%u|%u|", GetConfigOption("server_version_num", false, false),
					 GetConfigOption("TimeZone", false, false), GetConfigOption("DateStyle", false, false),
					 GetConfigOption("IntervalStyle", false, false), GetUserId(), GetSessionUserId());
	/* settings that catalog functions the reuse rules let through read */
	appendStringInfo(&key, "%s|%s|%s|%s|%s|%s|%s|",
					 GetConfigOption("default_text_search_config", false, false),
					 GetConfigOption("extra_float_digits", false, false),
					 GetConfigOption("bytea_output", false, false),
					 GetConfigOption("lc_monetary", false, false),
					 GetConfigOption("lc_numeric", false, false),
					 GetConfigOption("xmlbinary", false, false),
					 GetConfigOption("xmloption", false, false));
	return key.data;
}

/*
 * decide computes a persisted step's key (settings, from settings_key,
 * then its intermediates walked back to the persisted results, inputs and
 * overrides it reads) and whether its result is reused.
 */
static void
decide(HPlan *plan, CacheRun *cr, int i, int *visited, const char *settings, DagDepsMemo *memo)
{
	Dag		   *dag = plan->dag;
	StringInfoData key;
	List	   *stack = list_make1_int(i);
	char		hex[2 * MD5_DIGEST_LENGTH + 1];
	CacheEntry *entry = NULL;
	char	   *refusal;

	initStringInfo(&key);
	appendStringInfoString(&key, settings);
	visited[i] = i + 1;
	while (stack != NIL)
	{
		int			t = llast_int(stack);
		HNode	   *node = &dag->nodes[plan->steps[t].node];
		int			d;

		CHECK_FOR_INTERRUPTS();
		stack = list_delete_last(stack);
		/* its checks too: a result is reused only as checked as asked now */
		appendStringInfo(&key, "n %s %s %s|", node->display, dag_fingerprint(dag, plan->steps[t].node),
						 node->checks ? node->checks : "");
		/* what it declares it reads: another declaration, another key */
		if (cr->declared[t])
			appendStringInfo(&key, "s %s|", cr->declared[t]);
		/* a saver writes its file whenever the node is computed (files.c) */
		if (files_node_saves(plan, plan->steps[t].node))
			cr->why[i] = cr->why[i] ? cr->why[i] :
				psprintf("%s has a saver, which writes its file whenever it is computed", node->display);
		for (d = 0; d < node->ndeps; d++)
		{
			int			u = plan->step_of_node[node->deps[d].target];
			PlanStep   *us;
			HNode	   *un;

			if (u < 0 || visited[u] == i + 1)
				continue;
			visited[u] = i + 1;
			us = &plan->steps[u];
			un = &dag->nodes[us->node];
			if (us->action == STEP_INPUT)
				appendStringInfo(&key, "i %s %d %s|", un->name, (int) us->json_kind,
								 us->json_text ? us->json_text : "");
			else if (us->action == STEP_OVERRIDE)
				cr->why[i] = cr->why[i] ? cr->why[i] : psprintf("its upstream %s is overridden", un->display);
			else if (us->action == STEP_COLUMN || us->action == STEP_FRAME || us->group >= 0)
				cr->why[i] = cr->why[i] ? cr->why[i] : psprintf("it reads the frame %s", un->display);
			else if (strcmp(cr->behaviour[u], "ignore") == 0)
				continue;
			else if (us->result_table)
				appendStringInfo(&key, "u %s %s|", un->display, cr->data_version[u]);
			else if (strcmp(cr->behaviour[u], "auto") != 0)
				cr->why[i] = cr->why[i] ? cr->why[i] :
					psprintf("its upstream %s is cache => %s", un->display, cr->behaviour[u]);
			else
			{
				cr->walk[i] = lappend_int(cr->walk[i], u);
				stack = lappend_int(stack, u);
			}
		}
	}
	dag_memo_md5(memo, key.data, key.len, hex);
	cr->key[i] = pstrdup(hex);

	refusal = reuse_refusal(plan, cr, i, &entry);
	if (refusal == NULL)
	{
		PlanStep   *step = &plan->steps[i];
		ListCell   *lc;

		cr->skip[i] = true;
		cr->data_version[i] = entry->data_version;
		cr->cached_from[i] = entry->run_id;
		step->status = "cached";
		step->has_rows = entry->has_rows;
		step->rows = entry->rows;
		foreach(lc, cr->walk[i])
			cr->cached_from[lfirst_int(lc)] = Max(cr->cached_from[lfirst_int(lc)], entry->run_id);
	}
	else
	{
		cr->reason[i] = refusal;
		cr->data_version[i] = psprintf(INT64_FORMAT, plan->run_id);
	}
}

/*
 * reuse_refusal says why step i's result is not reused, or NULL when it
 * is (*entry: its entry).
 */
static char *
reuse_refusal(HPlan *plan, CacheRun *cr, int i, CacheEntry **entry)
{
	CacheEntry *e;
	char	   *why;

	if (cr->why[i])
		return cr->why[i];
	if (strcmp(cr->behaviour[i], "auto") != 0)
		return psprintf("it is cache => %s", cr->behaviour[i]);
	e = cr->entry[i];
	if (e == NULL)
		return "no cached run made it yet";
	if (!e->reusable)
		return e->reason;
	if (strcmp(e->key, cr->key[i]) != 0)
		return "its code, inputs, upstream results or settings changed";
	why = cr->pre[i];
	if (why == NULL)
		*entry = e;
	return why;
}

/*
 * read_entries reads, in a few statements for the whole plan, each step's
 * behaviour, each persisted step's entry, and whether what the entry read
 * changed since (entry_refusal).
 */
static void
read_entries(HPlan *plan, CacheRun *cr, DagDepsMemo *memo)
{
	List	   *tags = catalog_read_cache_tags();
	List	   *declared = catalog_read_node_tags("sources");
	List	   *entries = catalog_read_cache_entries();
	HTAB	   *byname;
	HASHCTL		ctl;
	ListCell   *lc;
	List	  **watched = palloc0(sizeof(List *) * Max(plan->nsteps, 1));
	List	   *read = NIL;
	int			first = 0;
	int			i;

	ctl.keysize = 2 * NAMEDATALEN + 1;
	ctl.entrysize = sizeof(NamedEntry);
	ctl.hcxt = CurrentMemoryContext;
	byname = hash_create("hamilton cache entries", Max(list_length(entries), 16), &ctl,
						 HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	foreach(lc, entries)
	{
		CacheEntry *e = lfirst(lc);
		char		key[2 * NAMEDATALEN + 1];

		snprintf(key, sizeof(key), "%s.%s", e->schema, e->name);
		((NamedEntry *) hash_search(byname, key, HASH_ENTER, NULL))->entry = e;
	}
	for (i = 0; i < plan->nsteps; i++)
	{
		HNode	   *node = &plan->dag->nodes[plan->steps[i].node];
		NamedEntry *ne;
		char		key[2 * NAMEDATALEN + 1];

		CHECK_FOR_INTERRUPTS();
		cr->behaviour[i] = "auto";
		cr->cached_from[i] = -1;
		if (node->schema == NULL)
			continue;
		foreach(lc, tags)
		{
			char	  **t = lfirst(lc);

			if (strcmp(t[0], node->schema) == 0 && strcmp(t[1], node->name) == 0)
				cr->behaviour[i] = t[2];
		}
		foreach(lc, declared)
		{
			char	  **t = lfirst(lc);

			if (strcmp(t[0], node->schema) == 0 && strcmp(t[1], node->name) == 0)
				cr->declared[i] = t[2];
		}
		/* an incremental node's own ranges decide what it processes */
		if (node->incremental)
			cr->behaviour[i] = "recompute";
		/*
		 * (servers) a placed node reads its server's tables, whose writes
		 * no change log here sees: computed as without the cache
		 */
		if (node->placement)
			cr->behaviour[i] = "disable";
		if (!exec_cache_persisted(&plan->steps[i]) || strcmp(cr->behaviour[i], "auto") != 0)
			continue;
		snprintf(key, sizeof(key), "%s.%s", node->schema, node->name);
		ne = hash_search(byname, key, HASH_FIND, NULL);
		cr->entry[i] = ne ? ne->entry : NULL;
	}
	/* (rerun2) what the entries read, locked and read in one pass, by batches */
	for (i = 0; i <= plan->nsteps; i++)
	{
		if (i == plan->nsteps || list_length(read) >= dag_memo_batch())
		{
			dag_memo_read_relations(memo, read);
			for (; first < i; first++)
				if (cr->entry[first] && cr->entry[first]->reusable)
					cr->pre[first] = entry_refusal(cr->entry[first], &watched[first], memo);
			dag_memo_release(memo);
			read = NIL;
		}
		if (i < plan->nsteps && cr->entry[i] && cr->entry[i]->reusable)
			read = list_concat(read, cr->entry[i]->sources);
	}
	changes_since(plan->nsteps, cr->entry, watched, cr->pre);
}

/*
 * changes_since sets pre[i] for each entry[i] still reusable whose watched
 * relations (watched[i]) were written since its snapshot: one statement.
 */
static void
changes_since(int n, CacheEntry **entry, List **watched, char **pre)
{
	int			total = 0,
				k = 0,
				i;
	Oid		   *rels;
	char	  **snaps;
	char	  **xids;
	int		   *of;
	bool	   *changed;
	bool	   *reset;

	for (i = 0; i < n; i++)
		if (entry[i] && entry[i]->reusable && pre[i] == NULL)
			total += list_length(watched[i]);
	rels = palloc(sizeof(Oid) * Max(total, 1));
	snaps = palloc(sizeof(char *) * Max(total, 1));
	xids = palloc(sizeof(char *) * Max(total, 1));
	of = palloc(sizeof(int) * Max(total, 1));
	changed = palloc(sizeof(bool) * Max(total, 1));
	reset = palloc(sizeof(bool) * Max(total, 1));
	for (i = 0; i < n; i++)
	{
		ListCell   *lc;

		if (!(entry[i] && entry[i]->reusable && pre[i] == NULL))
			continue;
		foreach(lc, watched[i])
		{
			rels[k] = lfirst_oid(lc);
			snaps[k] = entry[i]->snapshot;
			xids[k] = entry[i]->xid;
			of[k++] = i;
		}
	}
	catalog_changed_since(total, rels, snaps, xids, changed, reset);
	for (k = 0; k < total; k++)
		if (reset[k])
			pre[of[k]] = "the change log was emptied since it was made (a crash, a restore or a promoted standby)";
		else if (changed[k] && pre[of[k]] == NULL)
			pre[of[k]] = "a relation it read, or its result table, was written since";
}

/*
 * exec_cache_entry_refusal says why an entry's result would not be reused
 * now, whatever its key (NULL: it would, for the same key): its result
 * table written by another run, or what it read or called altered or
 * written since.
 */
char *
exec_cache_entry_refusal(CacheEntry *e)
{
	List	   *watched = NIL;
	char	   *why;

	if (!e->reusable)
		return e->reason;
	why = entry_refusal(e, &watched, NULL);
	if (why == NULL)
		changes_since(1, &e, &watched, &why);
	return why;
}

/*
 * entry_refusal: why a reusable entry would not be reused, but for writes
 * since (*watched: the relations whose change log decides those; memo:
 * the run's, or NULL).
 */
static char *
entry_refusal(CacheEntry *e, List **watched, DagDepsMemo *memo)
{
	char	   *why = NULL;
	char	   *state;

	if (e->result_run_id != e->run_id || e->result_relation != e->relation)
		return "its result table was written by another run since";
	state = dag_deps_state_memo(memo, e->sources, e->functions, watched, &why);
	if (why)
		return why;
	if (strcmp(state, e->deps_state) != 0)
	{
		char	   *probed = dag_probe_changed(e->deps_state, state);

		/* (probes) the digest the same, a probe's value not */
		if (probed && strncmp(state, e->deps_state, 32) == 0)
			return psprintf("probe of %s returned a different value", probed);
		return "a relation it read (or its result table) or a function it called was altered";
	}
	return NULL;
}

/*
 * mark_needed skips every step that only feeds reused results: walking
 * back from the last step, a step runs when it is an output, a result, an
 * input, a frame's, or feeds a step that runs.
 */
static void
mark_needed(HPlan *plan, CacheRun *cr)
{
	bool	   *needed = palloc0(sizeof(bool) * Max(plan->nsteps, 1));
	int			i;

	for (i = plan->nsteps - 1; i >= 0; i--)
	{
		PlanStep   *step = &plan->steps[i];
		HNode	   *node = &plan->dag->nodes[step->node];
		int			d;

		if (cr->skip[i])
			continue;
		if (!needed[i] && !step->requested && !step->result_table && step->group < 0 &&
			step->action != STEP_INPUT && step->action != STEP_OVERRIDE &&
			step->action != STEP_COLUMN && step->action != STEP_FRAME)
		{
			cr->skip[i] = true;
			step->status = "cached";
			continue;
		}
		for (d = 0; d < node->ndeps; d++)
		{
			int			u = plan->step_of_node[node->deps[d].target];

			if (u >= 0)
				needed[u] = true;
		}
	}
	pfree(needed);
}

/* exec_cache_skips: does step i not run, its result (or its consumers') reused? */
bool
exec_cache_skips(HPlan *plan, int i)
{
	return plan->cache_run != NULL && plan->cache_run->skip[i];
}
