/*-------------------------------------------------------------------------
 *
 * remote_commit.c
 *	  Committing a run's placed results on their servers together with the
 *	  run (several servers, issue 14), by two-phase commit.
 *
 *	  1. When every step has passed (remote_finish_run), the coordinator's
 *	     foreign table of each placed result is made to match its columns,
 *	     and each server's swap (the view of the node's name pointed at the
 *	     run's staging table) runs in a remote transaction that ends in
 *	     PREPARE TRANSACTION.  Only the swap is prepared: a prepared transaction
 *	     holds its locks until it is resolved, and no read of the run waits
 *	     on it.  The gid names the coordinator's system id, database, run,
 *	     step, shard (which of a sharded node's servers) and transaction id.
 *	  2. The gids are recorded in hamilton.remote_commit, in the run's
 *	     transaction, which then commits.
 *	  3. After the local commit, COMMIT PREPARED goes to each server
 *	     (remote_xact_callback).  A failure anywhere before the local commit
 *	     rolls every prepared swap back and drops the staging tables: the
 *	     old results stay on every server.  A gid a crash left in doubt is
 *	     resolved by hamilton_recover() (remote_recover.c).
 *
 * What a transaction placed is kept in TopMemoryContext with the
 * connection it used, because the end-of-transaction callbacks may not
 * read the catalog; a subtransaction that aborts takes its own placed
 * results with it (remote_subxact_callback).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "foreign/foreign.h"
#include "libpq-fe.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "exec.h"

typedef struct PlacedResult
{
	int64		run_id;
	int			stepno;
	int			shard;			/* which of a sharded node's servers, from 0 */
	char	   *server;
	char	   *schema;
	char	   *name;
	char	   *display;
	char	   *stage;			/* the staging table's name, on the server */
	char	   *columns;		/* its column list, for CREATE FOREIGN TABLE */
	PGconn	   *conn;			/* the transaction's connection there */
	char	   *gid;			/* once prepared */
	char	   *old_table;		/* the previous run's table, dropped after */
	SubTransactionId created;
	SubTransactionId prepared_in;
} PlacedResult;

static List *placed = NIL;		/* PlacedResult *, in TopMemoryContext */
static List *committed_gids = NIL;	/* char *: COMMIT PREPARED, row not marked */
static Oid	recorder_role = InvalidOid; /* the catalog's owner, who marks them */
static bool callbacks_registered = false;

static void local_result_table(PlacedResult *p, HPlan *plan);
static void local_single_result(PlacedResult *p, HPlan *plan, HNode *node);
static void local_sharded_result(PlacedResult *p, HPlan *plan, HNode *node);
static char *remote_gid(PlacedResult *p);
static void prepare_swap(PlacedResult *p, const char *gid);
static void end_one(PlacedResult *p, bool commit);
static void remote_xact_callback(XactEvent event, void *arg);
static void remote_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
									SubTransactionId parentSubid, void *arg);
static char *tm_strdup(const char *s);

/* tm_strdup copies s into TopMemoryContext (or NULL). */
static char *
tm_strdup(const char *s)
{
	return s ? MemoryContextStrdup(TopMemoryContext, s) : NULL;
}

/*
 * remote_commit_watch registers the end-of-transaction callbacks, before a
 * step takes a cached connection: whatever happens next, the transaction's
 * end hands the connections back (remote_release_all).
 */
void
remote_commit_watch(void)
{
	if (!callbacks_registered)
	{
		RegisterXactCallback(remote_xact_callback, NULL);
		RegisterSubXactCallback(remote_subxact_callback, NULL);
		callbacks_registered = true;
	}
}

/*
 * remote_commit_add notes a placed result whose staging table is about to
 * be built on server fs, in the current subtransaction.
 */
void
remote_commit_add(HPlan *plan, int stepno, ForeignServer *fs, const char *stage, int shard)
{
	HNode	   *node = &plan->dag->nodes[plan->steps[stepno].node];
	PlacedResult *p = MemoryContextAllocZero(TopMemoryContext, sizeof(PlacedResult));
	MemoryContext old;

	remote_commit_watch();
	p->run_id = plan->run_id;
	p->stepno = stepno;
	p->shard = shard;
	p->server = tm_strdup(fs->servername);
	p->schema = tm_strdup(node->schema);
	p->name = tm_strdup(node->name);
	p->display = tm_strdup(node->display);
	p->stage = tm_strdup(stage);
	p->conn = remote_cached_connection(fs, psprintf("node %s", node->display));
	p->created = GetCurrentSubTransactionId();
	old = MemoryContextSwitchTo(TopMemoryContext);
	placed = lappend(placed, p);
	MemoryContextSwitchTo(old);
}

/* remote_commit_columns keeps the columns of step stepno's staging table. */
void
remote_commit_columns(HPlan *plan, int stepno, const char *columns)
{
	ListCell   *lc;

	foreach(lc, placed)
	{
		PlacedResult *p = lfirst(lc);

		if (p->run_id == plan->run_id && p->stepno == stepno && p->columns == NULL)
			p->columns = tm_strdup(columns);
	}
}

/*
 * remote_finish_run ends the placed results of a run whose steps all
 * passed: here, each result's foreign table and lineage; there, each swap
 * prepared, its gid recorded in the run's transaction.
 */
void
remote_finish_run(HPlan *plan)
{
	ListCell   *lc;
	char	   *gid;

	recorder_role = catalog_owner();	/* read now: the commit cannot */
	foreach(lc, placed)
	{
		PlacedResult *p = lfirst(lc);

		if (p->run_id != plan->run_id || p->gid != NULL)
			continue;
		if (p->shard == 0)
			local_result_table(p, plan);
		gid = remote_gid(p);

		/*
		 * The gid names this transaction's xid, which hamilton_recover asks
		 * pg_xact_status about after a crash.  An xid is not WAL-logged when
		 * it is assigned: were this backend to die before its WAL reached
		 * disk, the restarted server would hand the same xid to another
		 * transaction, whose commit would then commit this gid.  So the
		 * gid's row (a record with the xid) is flushed before anything is
		 * prepared.
		 */
		catalog_insert_remote_commit(gid, p->run_id, p->server, p->display,
									 GetTopFullTransactionId());
	}
	/* (remote) one flush for every gid's row, then the swaps prepared */
	XLogFlush(XactLastRecEnd);
	foreach(lc, placed)
	{
		PlacedResult *p = lfirst(lc);

		if (p->run_id == plan->run_id && p->gid == NULL)
			prepare_swap(p, remote_gid(p));
	}
}

/*
 * remote_gid names a placed result's prepared swap: the coordinator's
 * system id, database, run, step, shard (0: the first server) and xid.
 */
static char *
remote_gid(PlacedResult *p)
{
	return psprintf("hamilton_" UINT64_FORMAT "_%u_" INT64_FORMAT "_%d_%d_" UINT64_FORMAT,
					GetSystemIdentifier(), MyDatabaseId, p->run_id, p->stepno + 1, p->shard,
					U64FromFullTransactionId(GetTopFullTransactionId()));
}

/*
 * local_result_table makes the coordinator's foreign table of a placed
 * result match its columns (kept when they are the same, so that grants
 * and views on it survive), drops the staging table's, and records the
 * result's lineage.  A relation of that name pg_hamilton did not make is
 * never touched.
 */
static void
local_result_table(PlacedResult *p, HPlan *plan)
{
	HNode	   *node = &plan->dag->nodes[plan->steps[p->stepno].node];

	if (node->shard_key)		/* (shard) partitioned on it (remote_partition.c) */
		remote_partitioned_result(plan, p->stepno, p->stage, p->columns);
	else if (list_length(node->servers) > 1)
		local_sharded_result(p, plan, node);
	else
		local_single_result(p, plan, node);
}

/*
 * local_single_result makes the foreign table of a node placed on one
 * server; see local_result_table.
 */
static void
local_single_result(PlacedResult *p, HPlan *plan, HNode *node)
{
	char	   *qname = quote_qualified_identifier(p->schema, p->name);
	Oid			nsp = get_namespace_oid(p->schema, false);
	Oid			rel = get_relname_relid(p->name, nsp);
	bool		keep = false;

	if (OidIsValid(rel) && catalog_result_relation(p->schema, p->name) != rel)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation %s already exists and was not created by pg_hamilton", qname),
				 errdetail("Node %s reads its result from server \"%s\" through a foreign table there; pg_hamilton never overwrites a relation it did not create.",
						   p->display, p->server),
				 errhint("Choose another node name, or rename that relation.")));
	keep = remote_foreign_table_matches(rel, p->server, p->columns);
	if (OidIsValid(rel) && !keep)
		spi_exec_checked(psprintf("DROP %s %s", get_rel_relkind(rel) == RELKIND_FOREIGN_TABLE ?
								  "FOREIGN TABLE" : "TABLE", qname),
						 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	if (!keep)
	{
		spi_exec_checked(psprintf("CREATE FOREIGN TABLE %s (%s) SERVER %s OPTIONS (schema_name %s, table_name %s)",
								  qname, p->columns, quote_identifier(p->server),
								  quote_literal_cstr(p->schema), quote_literal_cstr(p->name)),
						 0, NULL, NULL, NULL, SPI_OK_UTILITY);
		rel = get_relname_relid(p->name, nsp);
	}
	if (node->doc)
		spi_exec_checked(psprintf("COMMENT ON FOREIGN TABLE %s IS %s", qname, quote_literal_cstr(node->doc)),
						 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	spi_exec_checked(psprintf("DROP FOREIGN TABLE %s", quote_qualified_identifier(p->schema, p->stage)),
					 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	lineage_record(plan, p->stepno, rel);
}

/*
 * local_sharded_result makes a sharded node's result here: one foreign
 * table per server, named node@server, and the node's relation a UNION ALL
 * view of them (made anew, so that it follows the columns); drops the
 * staging view and tables; records the lineage.
 */
static void
local_sharded_result(PlacedResult *p, HPlan *plan, HNode *node)
{
	char	   *qname = quote_qualified_identifier(p->schema, p->name);
	Oid			nsp = get_namespace_oid(p->schema, false);
	Oid			rel = get_relname_relid(p->name, nsp);
	StringInfoData shards;
	ListCell   *lc;
	int			k = 0;
	bool		keep;

	if (OidIsValid(rel) && catalog_result_relation(p->schema, p->name) != rel)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation %s already exists and was not created by pg_hamilton", qname),
				 errdetail("Sharded node %s reads its result as a view of its servers' foreign tables there; pg_hamilton never overwrites a relation it did not create.",
						   p->display),
				 errhint("Choose another node name, or rename that relation.")));
	/* (servers2) the same shards with the same columns: no DDL */
	keep = remote_shards_match(rel, p->schema, p->name, node->servers, p->columns);
	if (OidIsValid(rel) && !keep)
		spi_exec_checked(psprintf("DROP %s %s", get_rel_relkind(rel) == RELKIND_VIEW ? "VIEW" :
								  get_rel_relkind(rel) == RELKIND_FOREIGN_TABLE ? "FOREIGN TABLE" : "TABLE",
								  qname),
						 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	initStringInfo(&shards);
	foreach(lc, keep ? NIL : node->servers)
	{
		char	   *shard = quote_qualified_identifier(p->schema, psprintf("%s@%s", p->name, (char *) lfirst(lc)));

		spi_exec_checked(psprintf("DROP FOREIGN TABLE IF EXISTS %s", shard), 0, NULL, NULL, NULL, SPI_OK_UTILITY);
		spi_exec_checked(psprintf("CREATE FOREIGN TABLE %s (%s) SERVER %s OPTIONS (schema_name %s, table_name %s)",
								  shard, p->columns, quote_identifier(lfirst(lc)),
								  quote_literal_cstr(p->schema), quote_literal_cstr(p->name)),
						 0, NULL, NULL, NULL, SPI_OK_UTILITY);
		appendStringInfo(&shards, "%sSELECT * FROM %s", k++ ? " UNION ALL " : "", shard);
	}
	if (!keep)
		spi_exec_checked(psprintf("CREATE VIEW %s AS %s", qname, shards.data), 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	if (node->doc)
		spi_exec_checked(psprintf("COMMENT ON VIEW %s IS %s", qname, quote_literal_cstr(node->doc)),
						 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	spi_exec_checked(psprintf("DROP VIEW %s", quote_qualified_identifier(p->schema, p->stage)),
					 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	for (k = 1; k <= list_length(node->servers); k++)
		spi_exec_checked(psprintf("DROP FOREIGN TABLE %s",
								  quote_qualified_identifier(p->schema, psprintf("%s_%d", p->stage, k))),
						 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	lineage_record(plan, p->stepno, get_relname_relid(p->name, nsp));
}

/*
 * prepare_swap swaps the run's table in on its server, in a transaction
 * that ends in PREPARE TRANSACTION.  The result there is a view of the
 * node's name over the table of the run that made it: the swap replaces
 * the view (one pg_hamilton made: remote_step.c checked it), and never
 * renames or drops the run's table, because postgres_fdw's connection of
 * this very transaction, which read it for the steps downstream, holds a
 * lock on it until the local commit.  The previous run's table is dropped
 * after COMMIT PREPARED (end_one).  A lock the swap cannot get within
 * lock_timeout (by default 30 s there) fails the run instead of waiting
 * on a reader that waits on it.
 */
static void
prepare_swap(PlacedResult *p, const char *gid)
{
	char	   *where = psprintf("server \"%s\", node %s", p->server, p->display);
	char	   *qname = quote_qualified_identifier(p->schema, p->name);
	PGresult   *res;

	/* (remote) one message: the table the view reads now (the previous run's), the swap, PREPARE */
	res = remote_exec_batch(p->conn,
							psprintf("BEGIN; SET LOCAL lock_timeout = '30s'; "
									 "SELECT DISTINCT d.refobjid::pg_catalog.regclass::text FROM pg_catalog.pg_rewrite r "
									 "JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass "
									 "AND d.objid = r.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass "
									 "WHERE r.ev_class = pg_catalog.to_regclass(%s) AND d.refobjid OPERATOR(pg_catalog.<>) r.ev_class; "
									 "DROP VIEW IF EXISTS %s; CREATE VIEW %s AS SELECT * FROM %s; COMMENT ON VIEW %s IS %s; "
									 "PREPARE TRANSACTION %s",
									 quote_literal_cstr(qname), qname, qname,
									 quote_qualified_identifier(p->schema, p->stage), qname,
									 quote_literal_cstr(psprintf("pg_hamilton: result of node %s", p->display)),
									 quote_literal_cstr(gid)),
							2, where);
	p->old_table = res && PQntuples(res) > 0 ? tm_strdup(PQgetvalue(res, 0, 0)) : NULL;
	if (res)
		PQclear(res);
	p->gid = tm_strdup(gid);
	p->prepared_in = GetCurrentSubTransactionId();
}

/*
 * remote_mark_resolved notes in hamilton.remote_commit the gids this
 * backend committed after an earlier transaction's commit that the
 * recorder could not note (no worker slot was free).
 */
void
remote_mark_resolved(void)
{
	List	   *gids = committed_gids;
	ListCell   *lc;

	if (gids == NIL || !catalog_keeps_remote_commits())
		return;
	committed_gids = NIL;
	foreach(lc, gids)
		(void) catalog_resolve_remote_commit(lfirst(lc), "committed");
	list_free_deep(gids);
}

/*
 * end_one ends a placed result with its transaction, and never raises: a
 * committed run's prepared swap is committed (unless the test hook
 * hamilton.test_skip_commit_prepared leaves it in doubt, as a crash there
 * would); otherwise it is rolled back, and the staging table dropped.  A
 * server that cannot be reached is warned about: hamilton_recover()
 * resolves its gid later.
 */
static void
end_one(PlacedResult *p, bool commit)
{
	char	   *where = psprintf("server \"%s\", node %s", p->server, p->display);
	char	   *failure = NULL;
	PGresult   *res = NULL;

	if (!remote_reset(p->conn))
		failure = pchomp(PQerrorMessage(p->conn));
	else if (commit && p->gid)
	{
		if (hamilton_test_skip_commit_prepared)
			return;
		res = remote_exec(p->conn, psprintf("COMMIT PREPARED %s", quote_literal_cstr(p->gid)),
						  0, NULL, where, false, &failure);
		if (res)
		{
			MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

			committed_gids = lappend(committed_gids, pstrdup(p->gid));
			MemoryContextSwitchTo(old);
			/* nobody reads the previous run's table any more (recovery drops it otherwise) */
			if (p->old_table)
			{
				PQclear(res);
				res = remote_exec(p->conn, psprintf("DROP TABLE IF EXISTS %s", p->old_table),
								  0, NULL, where, false, &failure);
			}
		}
	}
	else
	{
		if (p->gid)
			res = remote_exec(p->conn, psprintf("ROLLBACK PREPARED %s", quote_literal_cstr(p->gid)),
							  0, NULL, where, false, &failure);
		if (p->gid == NULL || res)
		{
			if (res)
				PQclear(res);
			res = remote_exec(p->conn, psprintf("DROP TABLE IF EXISTS %s",
												quote_qualified_identifier(p->schema, p->stage)),
							  0, NULL, where, false, &failure);
		}
	}
	if (res)
		PQclear(res);
	if (failure)
		ereport(WARNING,
				(errmsg("run " INT64_FORMAT " could not %s its result on %s", p->run_id,
						commit && p->gid ? "commit" : "roll back", where),
				 errdetail_internal("%s%s%s", failure, p->gid ? "\nIts prepared transaction is " : "",
									p->gid ? p->gid : ""),
				 errhint(p->gid ? "SELECT * FROM hamilton_recover(); resolves it once the server is back." :
						 "Drop the staging table %s on that server once it is back.",
						 quote_qualified_identifier(p->schema, p->stage))));
}

/*
 * remote_xact_callback ends every placed result with the transaction; a
 * transaction that placed results cannot itself be prepared (its swaps
 * would have no decision to follow).
 */
static void
remote_xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;
	bool		commit = event == XACT_EVENT_COMMIT;

	if (event == XACT_EVENT_PRE_PREPARE && placed != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot PREPARE a transaction that ran nodes placed on other servers"),
				 errdetail("pg_hamilton prepares the remote swaps itself and commits them after the local commit."),
				 errhint("COMMIT the transaction that ran hamilton_execute.")));
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT)
		return;
	foreach(lc, placed)
		end_one(lfirst(lc), commit);
	list_free_deep(placed);
	placed = NIL;
	remote_release_all();
	/* the recorder marks what was committed, in a transaction of its own */
	if (commit && committed_gids != NIL && OidIsValid(recorder_role))
	{
		Recorder   *rec = recorder_launch(RECORD_RESOLVED, committed_gids, recorder_role,
										  "the remote transactions committed", true);

		if (rec)
		{
			list_free_deep(committed_gids);
			committed_gids = NIL;
			recorder_release(rec);
		}
	}
}

/*
 * remote_subxact_callback: a subtransaction that commits hands its placed
 * results to its parent; one that aborts rolls back the swaps it prepared
 * and drops the staging tables it built.
 */
static void
remote_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	if (event != SUBXACT_EVENT_COMMIT_SUB && event != SUBXACT_EVENT_ABORT_SUB)
		return;
	foreach(lc, placed)
	{
		PlacedResult *p = lfirst(lc);

		if (event == SUBXACT_EVENT_COMMIT_SUB)
		{
			if (p->created == mySubid)
				p->created = parentSubid;
			if (p->gid && p->prepared_in == mySubid)
				p->prepared_in = parentSubid;
			continue;
		}
		if (p->created == mySubid)
		{
			end_one(p, false);
			p->created = InvalidSubTransactionId;
		}
		else if (p->gid && p->prepared_in == mySubid)
		{
			/* the swap rolled back; the staging table is back, for the parent */
			char	   *failure = NULL;
			PGresult   *res;

			(void) remote_reset(p->conn);
			res = remote_exec(p->conn, psprintf("ROLLBACK PREPARED %s", quote_literal_cstr(p->gid)),
							  0, NULL, p->server, false, &failure);
			if (res)
				PQclear(res);
			pfree(p->gid);
			p->gid = NULL;
		}
	}
	if (event == SUBXACT_EVENT_ABORT_SUB)
		foreach(lc, placed)
		{
			PlacedResult *p = lfirst(lc);

			if (p->created == InvalidSubTransactionId)
				placed = foreach_delete_current(placed, lc);
		}
}
