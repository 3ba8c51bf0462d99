/*-------------------------------------------------------------------------
 *
 * remote_partition.c
 *	  (shard) A sharded node with a shard_key, on the coordinator (several
 *	  servers, issue 14): a table partitioned by list on the key, whose
 *	  partitions are the foreign tables node@server of its servers' results
 *	  (async_capable, so that a scan of several reads them at once), so that
 *	  a query on one key value reads one server only.
 *
 * The bound of each partition is the distinct key values of that server's
 * result, read there when every step has passed and before anything is
 * prepared.  Never silently: a key that is not a column, a NULL key, or a
 * key value on two servers fails the run, and every server keeps its old
 * result (nothing was prepared for this step; the run's abort rolls back
 * what was).  A type that differs between servers already failed the
 * step (remote_step.c: the shards yield the same columns).
 *
 * The table is kept across runs (its OID, grants and the views on it)
 * while its key and columns stay: a run whose key values moved detaches
 * the partitions whose values changed and attaches them again with the
 * new ones, in the run's transaction, at the swap (remote_finish_run),
 * so no reader waits during the compute.  A partition keeps its own OID.
 * A change of key or columns, or a switch from the UNION ALL view of a
 * node without a key, makes the table anew.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "foreign/foreign.h"
#include "libpq-fe.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "exec.h"

/* One server's partition. */
typedef struct Shard
{
	char	   *server;
	char	   *part;			/* its partition's name, node@server */
	List	   *values;			/* char *: its key values, as this session prints them, sorted */
	StringInfoData bound;		/* the same, as FOR VALUES IN takes them */
} Shard;

static char *key_type(HNode *node, const char *stage, const char *columns);
static List *shard_values(HNode *node, const char *stage, const char *type);
static void refuse_shared_value(HNode *node, const char *type, ArrayType *vals, ArrayType *srvs);
static bool same_parent(Oid rel, HNode *node, const char *columns);
static List *bound_values(Oid part);
static bool bounds_kept(Oid rel, Oid nsp, List *shards);
static bool same_values(List *a, List *b);
static int	text_cmp(const ListCell *a, const ListCell *b);
static void ddl(const char *sql);
static void lock_quietly(Oid rel);
static void refuse_dependent_views(Oid rel, HNode *node);

/* how many times the run waits for the table's readers without queueing */
#define SHARD_QUIET_TRIES 10

/*
 * remote_partitioned_result makes the coordinator's relation of step
 * stepno, a sharded node with a shard_key, whose staging relations are
 * stage (a UNION ALL view) and stage_1..n (one foreign table per server),
 * with these columns: the partitioned table of the node's name, matched to
 * the key values each server now holds; then drops the staging relations
 * and records the lineage.  A relation of that name pg_hamilton did not
 * make is never touched.
 */
void
remote_partitioned_result(HPlan *plan, int stepno, const char *stage, const char *columns)
{
	HNode	   *node = &plan->dag->nodes[plan->steps[stepno].node];
	char	   *qname = quote_qualified_identifier(node->schema, node->name);
	Oid			nsp = get_namespace_oid(node->schema, false);
	Oid			rel = get_relname_relid(node->name, nsp);
	char	   *type;
	List	   *shards;
	ListCell   *lc;
	bool		keep;
	int			k;

	if (OidIsValid(rel) && catalog_result_relation(node->schema, node->name) != rel)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation %s already exists and was not created by pg_hamilton", qname),
				 errdetail("Sharded node %s reads its result as a table partitioned on %s, of its servers' foreign tables; pg_hamilton never overwrites a relation it did not create.",
						   node->display, quote_identifier(node->shard_key)),
				 errhint("Choose another node name, or rename that relation.")));
	type = key_type(node, stage, columns);
	shards = shard_values(node, stage, type);
	keep = same_parent(rel, node, columns);
	if (OidIsValid(rel) && !(keep && bounds_kept(rel, nsp, shards)))
		lock_quietly(rel);		/* its readers finish first; none waits on the compute */
	if (OidIsValid(rel) && !keep)
		refuse_dependent_views(rel, node);
	if (OidIsValid(rel) && !keep)
		ddl(psprintf("DROP %s %s", get_rel_relkind(rel) == RELKIND_VIEW ? "VIEW" :
					 get_rel_relkind(rel) == RELKIND_FOREIGN_TABLE ? "FOREIGN TABLE" : "TABLE", qname));
	if (!keep)
	{
		/* a UNION ALL view's foreign tables, of a run without the key */
		foreach(lc, shards)
			if (OidIsValid(get_relname_relid(((Shard *) lfirst(lc))->part, nsp)))
				ddl(psprintf("DROP FOREIGN TABLE %s",
							 quote_qualified_identifier(node->schema, ((Shard *) lfirst(lc))->part)));
		ddl(psprintf("CREATE TABLE %s (%s) PARTITION BY LIST (%s)", qname, columns,
					 quote_identifier(node->shard_key)));
	}
	/* the partitions whose values moved go first: a value may pass to another */
	foreach(lc, shards)
	{
		Shard	   *s = lfirst(lc);
		Oid			part = get_relname_relid(s->part, nsp);

		CHECK_FOR_INTERRUPTS();
		if (!OidIsValid(part) || !get_rel_relispartition(part))
			continue;
		if (s->values != NIL && same_values(bound_values(part), s->values))
		{
			s->values = NIL;	/* kept as it is */
			continue;
		}
		ddl(psprintf("ALTER TABLE %s DETACH PARTITION %s", qname,
					 quote_qualified_identifier(node->schema, s->part)));
		if (s->values == NIL)	/* nothing there now */
			ddl(psprintf("DROP FOREIGN TABLE %s", quote_qualified_identifier(node->schema, s->part)));
	}
	foreach(lc, shards)
	{
		Shard	   *s = lfirst(lc);
		char	   *qpart = quote_qualified_identifier(node->schema, s->part);
		Oid			part = get_relname_relid(s->part, nsp);

		if (s->values == NIL)
			continue;
		if (OidIsValid(part) && remote_foreign_table_matches(part, s->server, columns))
			ddl(psprintf("ALTER TABLE %s ATTACH PARTITION %s FOR VALUES IN (%s)", qname, qpart,
						 s->bound.data));
		else
			ddl(psprintf("CREATE FOREIGN TABLE %s PARTITION OF %s FOR VALUES IN (%s) SERVER %s "
						 "OPTIONS (schema_name %s, table_name %s, async_capable 'true')",
						 qpart, qname, s->bound.data, quote_identifier(s->server),
						 quote_literal_cstr(node->schema), quote_literal_cstr(node->name)));
	}
	if (node->doc)
		ddl(psprintf("COMMENT ON TABLE %s IS %s", qname, quote_literal_cstr(node->doc)));
	/* the staging view and foreign tables */
	ddl(psprintf("DROP VIEW %s", quote_qualified_identifier(node->schema, stage)));
	for (k = 1; k <= list_length(node->servers); k++)
		ddl(psprintf("DROP FOREIGN TABLE %s",
					 quote_qualified_identifier(node->schema, psprintf("%s_%d", stage, k))));
	lineage_record(plan, stepno, get_relname_relid(node->name, nsp));
}

/*
 * lock_quietly takes the ACCESS EXCLUSIVE lock of the node's table before
 * its partitions change, as swap.c takes a result's: tried without
 * waiting; on a miss the run waits for the transactions that hold it
 * without queueing (new readers are not stalled behind the run), and
 * after SHARD_QUIET_TRIES misses it queues.  lock_timeout and cancels end
 * any wait, and the run fails with every server's old result.
 */
static void
lock_quietly(Oid rel)
{
	int			tries;
	LOCKTAG		tag;

	for (tries = 0;; tries++)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConditionalLockRelationOid(rel, AccessExclusiveLock))
			return;
		if (tries >= SHARD_QUIET_TRIES)
		{
			LockRelationOid(rel, AccessExclusiveLock);
			return;
		}
		SET_LOCKTAG_RELATION(tag, MyDatabaseId, rel);
		WaitForLockers(tag, AccessExclusiveLock, false);
	}
}

/*
 * bounds_kept: does every partition of the node's table (rel, in schema
 * nsp) already hold exactly its server's key values, and has every server
 * with values its partition?  Then the run changes nothing here.
 */
static bool
bounds_kept(Oid rel, Oid nsp, List *shards)
{
	ListCell   *lc;

	foreach(lc, shards)
	{
		Shard	   *s = lfirst(lc);
		Oid			part = get_relname_relid(s->part, nsp);
		bool		attached = OidIsValid(part) && get_rel_relispartition(part) &&
			get_partition_parent(part, false) == rel;

		if (attached != (s->values != NIL) ||
			(attached && !same_values(bound_values(part), s->values)))
			return false;
	}
	return true;
}

/*
 * refuse_dependent_views: the node's relation rel, which the run must make
 * anew (its key, its columns, or whether it has a key changed), has no
 * view on it; PostgreSQL would refuse the drop, pg_hamilton says why.
 */
static void
refuse_dependent_views(Oid rel, HNode *node)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(rel)};
	char	   *views;

	spi_exec_checked("SELECT pg_catalog.string_agg(DISTINCT r.ev_class::pg_catalog.regclass::pg_catalog.text, ', ') "
					 "FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r "
					 "  ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid "
					 "WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = $1 "
					 "  AND r.ev_class OPERATOR(pg_catalog.<>) $1",
					 1, argtypes, values, NULL, SPI_OK_SELECT);
	views = SPI_processed == 1 ? SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1) : NULL;
	if (views)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("the relation of node %s must be made anew, and views depend on it: %s",
						node->display, views),
				 errdetail("Its shard key, its columns, or whether it had a key changed: it becomes a table partitioned on %s, and pg_hamilton drops no view of yours. The run's results were not swapped in: every server keeps its old ones.",
						   quote_identifier(node->shard_key)),
				 errhint("Drop those views, run again, then create them anew.")));
}

/* ddl runs one utility statement here. */
static void
ddl(const char *sql)
{
	spi_exec_checked(sql, 0, NULL, NULL, NULL, SPI_OK_UTILITY);
}

/*
 * key_type is the type of the key column in the staging table on the
 * node's first server (the shards yield the same columns: remote_step.c
 * checked it), as format_type prints it; a key that is not a column of
 * the result is an error.
 */
static char *
key_type(HNode *node, const char *stage, const char *columns)
{
	const char *what = psprintf("node %s", node->display);
	const char *server = linitial(node->servers);
	PGconn	   *conn = remote_cached_connection(remote_server_checked(server, what), what);
	const char *params[2] = {quote_qualified_identifier(node->schema, stage), node->shard_key};
	PGresult   *res;
	char	   *type = NULL;

	/* (review) the type by its schema, name and modifier, spelled here: never the server's text */
	res = remote_exec(conn, "SELECT n.nspname, t.typname, a.atttypmod FROM pg_catalog.pg_attribute a "
					  "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
					  "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
					  "WHERE a.attrelid = $1::pg_catalog.regclass AND a.attname = $2 "
					  "AND a.attnum > 0 AND NOT a.attisdropped",
					  2, params, psprintf("server \"%s\", node %s", server, node->display), true, NULL);
	if (PQntuples(res) == 1 && PQnfields(res) == 3)
	{
		char	   *nspname = pstrdup(PQgetvalue(res, 0, 0));
		char	   *typname = pstrdup(PQgetvalue(res, 0, 1));
		char	   *typmod = pstrdup(PQgetvalue(res, 0, 2));

		PQclear(res);
		res = NULL;
		type = remote_type_here(nspname, typname, typmod);
		if (type == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("shard_key %s of node %s has type %s (type modifier %s) on server \"%s\", which this server does not have",
							quote_identifier(node->shard_key), node->display,
							quote_qualified_identifier(nspname, typname), typmod, server),
					 errdetail("The coordinator's partitioned table of the node is partitioned on the key's type. The run's results were not swapped in: every server keeps its old ones."),
					 errhint("Create the type here in the same schema, or key the node on a column of a type both servers have.")));
	}
	if (res)
		PQclear(res);
	if (type == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("shard_key %s of node %s is not a column of its result",
						quote_identifier(node->shard_key), node->display),
				 errdetail("Its result has the columns (%s). The run's results were not swapped in: every server keeps its old ones.",
						   columns),
				 errhint("Name one of them: hamilton_tag('%s', '{\"shard_key\": \"...\"}'), or remove the key with '{\"shard_key\": null}'.",
						 node->display)));
	return type;
}

/*
 * shard_values is one Shard per server of the node, with the distinct key
 * values of its result, read there (as text, in settings that print every
 * type the same way on any server), then made this session's values of
 * the key's type.  A NULL key, or a value on two servers, is an error.
 */
static List *
shard_values(HNode *node, const char *stage, const char *type)
{
	const char *what = psprintf("node %s", node->display);
	char	   *query = psprintf("SELECT DISTINCT %s::pg_catalog.text FROM %s",
								 quote_identifier(node->shard_key),
								 quote_qualified_identifier(node->schema, stage));
	ArrayBuildState *vals = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	ArrayBuildState *srvs = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	List	   *shards = NIL;
	List	   *owner = NIL;	/* the Shard of each value, in order */
	ArrayType  *va,
			   *sa;
	Oid			argtypes[2] = {TEXTARRAYOID, TEXTARRAYOID};
	Datum		values[2];
	ListCell   *lc;
	uint64		i;
	int			nestlevel;

	foreach(lc, node->servers)
	{
		Shard	   *s = palloc0(sizeof(Shard));
		char	   *where = psprintf("server \"%s\", node %s", (char *) lfirst(lc), node->display);
		PGconn	   *conn = remote_cached_connection(remote_server_checked(lfirst(lc), what), what);
		PGresult   *res;
		int			r;

		CHECK_FOR_INTERRUPTS();
		s->server = lfirst(lc);
		s->part = psprintf("%s@%s", node->name, s->server);
		initStringInfo(&s->bound);
		shards = lappend(shards, s);
		PQclear(remote_exec(conn, "BEGIN", 0, NULL, where, true, NULL));
		PQclear(remote_exec(conn, "SELECT pg_catalog.set_config('datestyle', 'ISO', true), "
							"pg_catalog.set_config('intervalstyle', 'postgres', true), "
							"pg_catalog.set_config('extra_float_digits', '3', true), "
							"pg_catalog.set_config('timezone', 'UTC', true)",
							0, NULL, where, true, NULL));
		res = remote_exec(conn, query, 0, NULL, where, true, NULL);
		for (r = 0; r < PQntuples(res); r++)
		{
			if (PQgetisnull(res, r, 0))
				ereport(ERROR,
						(errcode(ERRCODE_NOT_NULL_VIOLATION),
						 errmsg("shard_key %s of node %s is NULL in a row on server \"%s\"",
								quote_identifier(node->shard_key), node->display, s->server),
						 errdetail("Each key value belongs to one server's partition; a NULL is no value, and cannot be shown to be on one server only. The run's results were not swapped in: every server keeps its old ones."),
						 errhint("Leave those rows out (WHERE %s IS NOT NULL), or give them a key (COALESCE).",
								 quote_identifier(node->shard_key))));
			accumArrayResult(vals, CStringGetTextDatum(PQgetvalue(res, r, 0)), false, TEXTOID,
							 CurrentMemoryContext);
			accumArrayResult(srvs, CStringGetTextDatum(s->server), false, TEXTOID, CurrentMemoryContext);
			owner = lappend(owner, s);
		}
		PQclear(res);
		PQclear(remote_exec(conn, "COMMIT", 0, NULL, where, true, NULL));
	}
	va = DatumGetArrayTypeP(makeArrayResult(vals, CurrentMemoryContext));
	sa = DatumGetArrayTypeP(makeArrayResult(srvs, CurrentMemoryContext));

	/*
	 * (review2) Each value as the key's type prints it here, for the
	 * bounds, with every digit of a float: under a lower extra_float_digits
	 * 0.30000000000000004 printed as 0.3, its partition's bound excluded
	 * its server's rows, and WHERE key = that value pruned them away.
	 */
	nestlevel = NewGUCNestLevel();
	(void) set_config_option("extra_float_digits", "3", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	refuse_shared_value(node, type, va, sa);
	values[0] = PointerGetDatum(va);
	values[1] = PointerGetDatum(sa);
	spi_exec_checked(psprintf("SELECT (u.v::%s)::pg_catalog.text FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) "
							  "WITH ORDINALITY AS u(v, s, n) ORDER BY u.n", type),
					 2, argtypes, values, NULL, SPI_OK_SELECT);
	AtEOXact_GUC(true, nestlevel);
	Assert(SPI_processed == list_length(owner));
	for (i = 0; i < SPI_processed; i++)
	{
		Shard	   *s = list_nth(owner, (int) i);

		s->values = lappend(s->values, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	}
	foreach(lc, shards)
	{
		Shard	   *s = lfirst(lc);
		ListCell   *lv;

		list_sort(s->values, text_cmp);
		foreach(lv, s->values)
			appendStringInfo(&s->bound, "%s%s", s->bound.len ? ", " : "", quote_literal_cstr(lfirst(lv)));
	}
	return shards;
}

/*
 * refuse_shared_value: no key value (equal as the key's type compares) is
 * on two servers.  vals and srvs are the values and their servers.
 */
static void
refuse_shared_value(HNode *node, const char *type, ArrayType *vals, ArrayType *srvs)
{
	Oid			argtypes[2] = {TEXTARRAYOID, TEXTARRAYOID};
	Datum		values[2] = {PointerGetDatum(vals), PointerGetDatum(srvs)};
	char	   *value;
	char	   *servers;

	spi_exec_checked(psprintf("SELECT (u.v::%s)::pg_catalog.text, pg_catalog.string_agg(DISTINCT "
							  "'\"' OPERATOR(pg_catalog.||) u.s OPERATOR(pg_catalog.||) '\"', ', ') "
							  "FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS u(v, s) GROUP BY u.v::%s "
							  "HAVING pg_catalog.count(DISTINCT u.s) > 1 ORDER BY 1 LIMIT 1", type, type),
					 2, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return;
	value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	servers = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	ereport(ERROR,
			(errcode(ERRCODE_UNIQUE_VIOLATION),
			 errmsg("shard_key %s of node %s has the value %s on servers %s",
					quote_identifier(node->shard_key), node->display, quote_literal_cstr(value), servers),
			 errdetail("The coordinator's table of a sharded node has one partition per server, holding the key values of that server's rows; a value belongs to one server. The run's results were not swapped in: every server keeps its old ones."),
			 errhint("Give each server the rows of its own key values, or remove the key: hamilton_tag('%s', '{\"shard_key\": null}') reads the union of the servers' results.",
					 node->display)));
}

/*
 * same_parent: is rel a table partitioned by list on the node's key, with
 * these columns, each of whose partitions is the foreign table node@server
 * of one of the node's servers?  Then the run keeps it.
 */
static bool
same_parent(Oid rel, HNode *node, const char *columns)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(rel)};
	char	   *keydef;
	char	   *cols;
	uint64		i;
	uint64		n;
	SPITupleTable *parts;

	if (!OidIsValid(rel) || get_rel_relkind(rel) != RELKIND_PARTITIONED_TABLE)
		return false;
	spi_exec_checked("SELECT pg_catalog.pg_get_partkeydef($1), (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname) "
					 "OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) pg_catalog.format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) "
					 "FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped)",
					 1, argtypes, values, NULL, SPI_OK_SELECT);
	keydef = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	cols = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	if (keydef == NULL || cols == NULL || strcmp(cols, columns) != 0 ||
		strcmp(keydef, psprintf("LIST (%s)", quote_identifier(node->shard_key))) != 0)
		return false;
	spi_exec_checked("SELECT c.oid, c.relname::pg_catalog.text FROM pg_catalog.pg_inherits i "
					 "JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1",
					 1, argtypes, values, NULL, SPI_OK_SELECT);
	parts = SPI_tuptable;
	n = SPI_processed;
	for (i = 0; i < n; i++)
	{
		bool		isnull;
		Oid			part = DatumGetObjectId(SPI_getbinval(parts->vals[i], parts->tupdesc, 1, &isnull));
		char	   *name = SPI_getvalue(parts->vals[i], parts->tupdesc, 2);
		ListCell   *lc;
		bool		found = false;

		foreach(lc, node->servers)
			if (strcmp(name, psprintf("%s@%s", node->name, (char *) lfirst(lc))) == 0)
			{
				found = remote_foreign_table_matches(part, lfirst(lc), columns);
				break;
			}
		if (!found)
			return false;
	}
	return true;
}

/*
 * bound_values is the values of partition part's list bound, as this
 * session prints them, sorted.
 */
static List *
bound_values(Oid part)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(part));
	List	   *out = NIL;
	Datum		d;
	bool		isnull;
	PartitionBoundSpec *spec;
	ListCell   *lc;

	if (!HeapTupleIsValid(tup))
		return NIL;
	d = SysCacheGetAttr(RELOID, tup, Anum_pg_class_relpartbound, &isnull);
	if (!isnull)
	{
		spec = (PartitionBoundSpec *) stringToNode(TextDatumGetCString(d));
		foreach(lc, spec->listdatums)
		{
			Const	   *c = lfirst(lc);
			Oid			typout;
			bool		varlena;

			if (c->constisnull)
				continue;		/* never made here: a NULL key is refused */
			getTypeOutputInfo(c->consttype, &typout, &varlena);
			out = lappend(out, OidOutputFunctionCall(typout, c->constvalue));
		}
	}
	ReleaseSysCache(tup);
	list_sort(out, text_cmp);
	return out;
}

/* same_values: do two sorted lists of values hold the same? */
static bool
same_values(List *a, List *b)
{
	ListCell   *la,
			   *lb;

	if (list_length(a) != list_length(b))
		return false;
	forboth(la, a, lb, b)
		if (strcmp(lfirst(la), lfirst(lb)) != 0)
		return false;
	return true;
}

/* text_cmp orders values bytewise. */
static int
text_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(lfirst(a), lfirst(b));
}
