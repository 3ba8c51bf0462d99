/*-------------------------------------------------------------------------
 *
 * cache.c
 *	  The graphs a session built, kept for its next requests until the
 *	  catalog changes.
 *
 * Building the graph reads every node from the catalogs, parses every SQL
 * node and fingerprints the nodes a run touches: for 10,000 nodes, most of
 * what a run of cheap nodes costs.  hamilton_execute, hamilton_validate and
 * hamilton_explain (api_plan_request) keep the graph they built, by the
 * request it was built for (config, modules, outputs, the roles whose
 * trust counts), and reuse it while nothing it was read from changed.
 *
 * What a graph is read from, and what announces its change:
 *	 - functions, schemas (their ACLs too), types, languages, roles and role
 *	   memberships: syscache invalidations of pg_proc, pg_namespace,
 *	   pg_type, pg_language, pg_authid and pg_auth_members, which
 *	   PostgreSQL sends for every change, committed or rolled back, in this
 *	   session or another;
 *	 - pg_hamilton's catalog (modules, SQL nodes, variants, checks, tags):
 *	   the statement trigger graph_changed on each of its tables (enabled
 *	   ALWAYS, so also under session_replication_role = replica) sends a
 *	   relcache invalidation of hamilton.module, as DDL on them does;
 *	 - comments (a node's doc) and extension membership, which no cache
 *	   invalidation covers: the event trigger hamilton_graph_changed, on
 *	   COMMENT, SECURITY LABEL and ALTER EXTENSION, sends the same;
 *	 - relations that SQL nodes read by name: the graph notes every name it
 *	   looked up, and is reused only while each still resolves to the same
 *	   relation with the same trust (the names are looked up again: a few
 *	   syscache probes each).
 * Any of these makes every kept graph stale: the next request builds anew.
 * Pending invalidations are read at each request, so a change committed by
 * another session is seen at once, as without the cache.
 *
 * A graph built under a transaction snapshot (REPEATABLE READ,
 * SERIALIZABLE) may be older than a later transaction's view, and no
 * invalidation would say so: it is not kept.  A catalog without the
 * graph_changed triggers (1.0, 1.1), or hamilton.cache_graph = off, keeps
 * nothing.  A graph dropped from the cache is freed when the transaction
 * ends, since a request still running (a node calling hamilton_execute)
 * may hold it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "storage/sinval.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "dag.h"

/* How many graphs a session keeps (by request), the oldest dropped first. */
#define GRAPH_CACHE_SIZE 8

typedef struct CachedGraph
{
	char	   *key;			/* the request, as text */
	uint64		generation;		/* graph_generation when it was read */
	Dag		   *dag;
} CachedGraph;

/* Bumped by every invalidation that can change a graph. */
static uint64 graph_generation = 1;
static bool callbacks_registered = false;
static Oid	graph_tables[CATALOG_GRAPH_TABLES];
static MemoryContext cache_cxt = NULL;
static List *cached = NIL;		/* CachedGraph *, newest first */
static List *to_free = NIL;		/* MemoryContext of graphs dropped */

/*
 * The syscache hash values of the types kept graphs use: a change of
 * another type (a temporary table's row type, say) changes no graph.
 */
static HTAB *watched_types = NULL;

static void register_callbacks(void);
static void syscache_changed(Datum arg, int cacheid, uint32 hashvalue);
static void relcache_changed(Datum arg, Oid relid);
static void free_dropped(XactEvent event, void *arg);
static char *request_key(Jsonb *config, const DagRequest *request);
static void keep_graph(Dag *dag, char *key, uint64 generation);
static void drop_later(Dag *dag);
static void watch_type(Oid type);
static List *copy_names(List *names);

/*
 * dag_build_cached is dag_build_request (every variant config chooses) for
 * a run request, reusing the graph an identical request built while
 * nothing it was read from changed.
 */
Dag *
dag_build_cached(Jsonb *config, const DagRequest *request)
{
	Oid			tables[CATALOG_GRAPH_TABLES];
	uint64		generation;
	char	   *key;
	ListCell   *lc;
	Dag		   *dag;

	if (!hamilton_cache_graph || !catalog_graph_tables(tables))
		return dag_build_request(config, false, request);
	register_callbacks();
	/* the extension may have been dropped and created again */
	if (memcmp(tables, graph_tables, sizeof(tables)) != 0)
	{
		memcpy(graph_tables, tables, sizeof(tables));
		graph_generation++;
	}
	/* changes other sessions committed since */
	AcceptInvalidationMessages();

	key = request_key(config, request);
	foreach(lc, cached)
	{
		CachedGraph *cg = lfirst(lc);

		if (strcmp(cg->key, key) != 0)
			continue;
		if (cg->generation == graph_generation && dag_relation_lookups_unchanged(cg->dag))
			return cg->dag;
		drop_later(cg->dag);
		cached = foreach_delete_current(cached, lc);
		break;
	}

	generation = graph_generation;
	dag_note_relation_lookups(true);
	PG_TRY();
	{
		dag = dag_build_request(config, false, request);
	}
	PG_FINALLY();
	{
		dag_note_relation_lookups(false);
	}
	PG_END_TRY();
	/* kept unless it was read under an older snapshot, or went stale already */
	if (!IsolationUsesXactSnapshot() && generation == graph_generation)
		keep_graph(dag, key, generation);
	return dag;
}

/*
 * dag_cache_announce_change tells every session (this one at its next
 * command) that pg_hamilton's catalog changed: a relcache invalidation of
 * hamilton.module, which is sent when the transaction commits, and
 * processed here also when it rolls back.
 */
void
dag_cache_announce_change(void)
{
	Oid			tables[CATALOG_GRAPH_TABLES];

	(void) catalog_graph_tables(tables);
	if (OidIsValid(tables[0]))
		CacheInvalidateRelcacheByRelid(tables[0]);
}

/* register_callbacks registers the invalidation callbacks, once per backend. */
static void
register_callbacks(void)
{
	static const int caches[] = {PROCOID, NAMESPACEOID, TYPEOID, LANGOID,
	AUTHOID, AUTHMEMMEMROLE};
	int			i;

	if (callbacks_registered)
		return;
	for (i = 0; i < lengthof(caches); i++)
		CacheRegisterSyscacheCallback(caches[i], syscache_changed, (Datum) 0);
	CacheRegisterRelcacheCallback(relcache_changed, (Datum) 0);
	RegisterXactCallback(free_dropped, NULL);
	/* for the life of the backend: the graphs kept between requests */
	cache_cxt = AllocSetContextCreate(CacheMemoryContext, "hamilton graph cache",
									  ALLOCSET_SMALL_SIZES);
	callbacks_registered = true;
}

/*
 * syscache_changed: a function, schema, language or role changed, or a
 * type a kept graph uses (hashvalue 0: every entry).
 */
static void
syscache_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	if (cacheid == TYPEOID && hashvalue != 0 &&
		(watched_types == NULL ||
		 hash_search(watched_types, &hashvalue, HASH_FIND, NULL) == NULL))
		return;
	graph_generation++;
}

/*
 * relcache_changed: one of pg_hamilton's catalog tables changed (or every
 * relation, InvalidOid).  Other relations are checked by name (see
 * dag_relation_lookups_unchanged).
 */
static void
relcache_changed(Datum arg, Oid relid)
{
	int			i;

	for (i = 0; i < CATALOG_GRAPH_TABLES; i++)
		if (!OidIsValid(relid) || relid == graph_tables[i])
		{
			graph_generation++;
			return;
		}
}

/*
 * free_dropped frees, when the transaction ends, the graphs dropped from
 * the cache during it.
 */
static void
free_dropped(XactEvent event, void *arg)
{
	ListCell   *lc;

	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT)
		return;
	foreach(lc, to_free)
		MemoryContextDelete((MemoryContext) lfirst(lc));
	list_free(to_free);
	to_free = NIL;
}

/* drop_later frees a graph dropped from the cache when the transaction ends. */
static void
drop_later(Dag *dag)
{
	MemoryContext old = MemoryContextSwitchTo(cache_cxt);

	to_free = lappend(to_free, dag->cxt);
	MemoryContextSwitchTo(old);
}

/* watch_type: a change of this type makes the kept graphs stale. */
static void
watch_type(Oid type)
{
	uint32		hash;

	if (!OidIsValid(type))
		return;
	if (watched_types == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(uint32);
		ctl.entrysize = sizeof(uint32);
		ctl.hcxt = cache_cxt;
		watched_types = hash_create("hamilton graph types", 64, &ctl,
									HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	hash = GetSysCacheHashValue1(TYPEOID, ObjectIdGetDatum(type));
	(void) hash_search(watched_types, &hash, HASH_ENTER, NULL);
}

/*
 * request_key writes what a graph depends on in a request: config, how
 * names resolve (mode, modules, module_overrides, the outputs, which give
 * the default modules), whose trust counts, and the role asking.
 */
static char *
request_key(Jsonb *config, const DagRequest *request)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%d %d %d %u %u|", (int) request->mode,
					 (int) request->modules_given, (int) request->overrides,
					 request->caller, GetUserId());
	if (config)
		(void) JsonbToCString(&buf, &config->root, VARSIZE(config));
	appendStringInfoString(&buf, "|");
	foreach(lc, request->modules)
		appendStringInfo(&buf, "%s\x1f", (char *) lfirst(lc));
	appendStringInfoString(&buf, "|");
	foreach(lc, request->outputs)
		appendStringInfo(&buf, "%s\x1f", (char *) lfirst(lc));
	return buf.data;
}

/*
 * keep_graph moves a graph just built into the cache, with copies of what
 * it points to in the request (which lives only as long as the call).
 */
static void
keep_graph(Dag *dag, char *key, uint64 generation)
{
	MemoryContext old = MemoryContextSwitchTo(dag->cxt);
	CachedGraph *cg = palloc0(sizeof(CachedGraph));
	int			i;

	if (dag->config)
	{
		Jsonb	   *copy = palloc(VARSIZE(dag->config));

		memcpy(copy, dag->config, VARSIZE(dag->config));
		dag->config = copy;
	}
	dag->request.outputs = copy_names(dag->request.outputs);
	dag->request.modules = copy_names(dag->request.modules);
	cg->key = pstrdup(key);
	cg->generation = generation;
	cg->dag = dag;
	MemoryContextSwitchTo(cache_cxt);
	cached = lcons(cg, cached);
	MemoryContextSwitchTo(old);
	MemoryContextSetParent(dag->cxt, cache_cxt);

	for (i = 0; i < dag->nnodes; i++)
	{
		HNode	   *node = &dag->nodes[i];
		int			p;

		watch_type(node->rettype);
		for (p = 0; p < node->nparams; p++)
			watch_type(node->params[p].type);
	}

	if (list_length(cached) > GRAPH_CACHE_SIZE)
	{
		CachedGraph *oldest = llast(cached);

		drop_later(oldest->dag);
		cached = list_delete_last(cached);
	}
}

/* copy_names copies a list of names into the current memory context. */
static List *
copy_names(List *names)
{
	List	   *copy = NIL;
	ListCell   *lc;

	foreach(lc, names)
		copy = lappend(copy, pstrdup((char *) lfirst(lc)));
	return copy;
}
