/*-------------------------------------------------------------------------
 *
 * remote_recover.c
 *	  hamilton_recover(): resolving the remote transactions that runs left
 *	  prepared on the servers of their placed nodes (several servers, issue
 *	  14), after a crash of the coordinator, of a server, or of the link.
 *
 * The gids of this database's runs start with the coordinator's system
 * id and database (remote_commit.c) and end with the run's transaction
 * id.  Each one prepared on a server is decided by that transaction's
 * status here (pg_xact_status): committed, it is committed there;
 * aborted, rolled back; still in progress, left alone (its run may yet
 * commit or abort, and will resolve it itself).  When the status is too
 * old to be known, the row in hamilton.remote_commit decides: the run
 * wrote it in its own transaction, so it exists exactly when the run
 * committed.  Rows whose gid is no longer prepared were resolved by the
 * run itself and are marked so; staging tables left by runs that are no
 * longer running are dropped.  Safe to run at any time (pg_cron): it
 * touches nothing that a running run owns.  It runs as a role that may
 * finish the prepared transactions: the one whose user mapping prepared
 * them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "foreign/foreign.h"
#include "libpq-fe.h"
#include "miscadmin.h"
#include "nodes/value.h"
#include "utils/builtins.h"

#include "exec.h"

static void recover_server(const char *server, const char *prefix, List **rows);
static const char *decide(const char *gid);
static void drop_left_staging(PGconn *conn, const char *where, List **rows, const char *server);
static List *string_list(List *names);
static void add_row(List **rows, const char *gid, const char *server, int64 run_id,
					const char *outcome);

/*
 * remote_recover resolves what it can on every server a placement names or
 * an unresolved gid lives on, and returns what it did: RecoverRow *.
 */
List *
remote_recover(void)
{
	List	   *rows = NIL;
	List	   *servers = NIL;
	ListCell   *lc;
	char	   *prefix;

	if (!catalog_keeps_remote_commits())
		return NIL;
	remote_mark_resolved();
	prefix = psprintf("hamilton_" UINT64_FORMAT "_%u_", GetSystemIdentifier(), MyDatabaseId);
	/* a sharded node's tag is a list of servers */
	foreach(lc, catalog_remote_servers())
		servers = list_concat_unique(servers, string_list(dag_placement_servers(lfirst(lc))));
	foreach(lc, servers)
	{
		CHECK_FOR_INTERRUPTS();
		recover_server(strVal(lfirst(lc)), prefix, &rows);
	}
	return rows;
}

/* string_list: names as String nodes, which list_concat_unique compares */
static List *
string_list(List *names)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, names)
		out = lappend(out, makeString(lfirst(lc)));
	return out;
}

/* add_row adds one line of hamilton_recover's report. */
static void
add_row(List **rows, const char *gid, const char *server, int64 run_id, const char *outcome)
{
	RecoverRow *r = palloc(sizeof(RecoverRow));

	r->gid = pstrdup(gid);
	r->server = pstrdup(server);
	r->run_id = run_id;
	r->outcome = outcome;
	*rows = lappend(*rows, r);
}

/*
 * recover_server resolves the gids of this database prepared on one
 * server, then marks the rows whose gid is gone there.
 */
static void
recover_server(const char *server, const char *prefix, List **rows)
{
	ForeignServer *fs = remote_server_checked(server, "hamilton_recover()");
	char	   *where = psprintf("server \"%s\"", server);
	PGconn	   *conn = remote_connect(fs, "hamilton_recover()");

	PG_TRY();
	{
		const char *params[1] = {prefix};
		PGresult   *res;
		List	   *runs;
		ListCell   *lc,
				   *lr;
		int			i;
		List	   *prepared = NIL;

		res = remote_exec(conn, "SELECT gid FROM pg_catalog.pg_prepared_xacts "
						  "WHERE pg_catalog.starts_with(gid, $1) AND database = pg_catalog.current_database() "
						  "ORDER BY gid", 1, params, where, true, NULL);
		for (i = 0; i < PQntuples(res); i++)
			prepared = lappend(prepared, pstrdup(PQgetvalue(res, i, 0)));
		PQclear(res);
		foreach(lc, prepared)
		{
			const char *gid = lfirst(lc);
			const char *outcome = decide(gid);
			int64		run_id = strtoi64(gid + strlen(prefix), NULL, 10);

			if (strcmp(outcome, "in progress") != 0)
			{
				PQclear(remote_exec(conn, psprintf("%s PREPARED %s",
												   strcmp(outcome, "committed") == 0 ? "COMMIT" : "ROLLBACK",
												   quote_literal_cstr(gid)),
									0, NULL, where, true, NULL));
				(void) catalog_resolve_remote_commit(gid, outcome);
			}
			add_row(rows, gid, server, run_id, outcome);
		}
		/* rows whose gid is no longer prepared: their run committed it */
		forboth(lc, catalog_unresolved_remote_commits(server, &runs), lr, runs)
		{
			if (list_member(prepared, lfirst(lc)))
				continue;
			(void) catalog_resolve_remote_commit(lfirst(lc), "committed");
			add_row(rows, lfirst(lc), server, strtoi64(lfirst(lr), NULL, 10), "was committed");
		}
		drop_left_staging(conn, where, rows, server);
	}
	PG_FINALLY();
	{
		PQfinish(conn);
	}
	PG_END_TRY();
}

/*
 * decide: "committed", "rolled back" or "in progress", from the status of
 * the transaction the gid names (its last field), else from the record.
 */
static const char *
decide(const char *gid)
{
	const char *xid = strrchr(gid, '_') + 1;
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	char	   *status;

	/*
	 * An xid at or past the next one was never made durable here (the gid's
	 * row is flushed before its PREPARE, so only a server restored from
	 * before the run gets here): pg_xact_status would raise, and only the
	 * record can say; it is gone with the run.
	 */
	if (strtou64(xid, NULL, 10) >= U64FromFullTransactionId(ReadNextFullTransactionId()))
		return catalog_remote_commit_recorded(gid) ? "committed" : "rolled back";
	values[0] = CStringGetTextDatum(xid);
	spi_exec_checked("SELECT pg_catalog.pg_xact_status($1::pg_catalog.xid8)", 1, argtypes, values,
					 NULL, SPI_OK_SELECT);
	status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (status && strcmp(status, "in progress") == 0)
		return "in progress";
	if (status && strcmp(status, "committed") == 0)
		return "committed";
	if (status && strcmp(status, "aborted") == 0)
		return "rolled back";
	return catalog_remote_commit_recorded(gid) ? "committed" : "rolled back";
}

/*
 * drop_left_staging drops the staging tables (named _hamilton_stage_<run>_<step>,
 * commented as pg_hamilton's) that no result's view reads and whose run is
 * no longer running: a failed run's, or a previous result's table that the
 * commit could not drop.
 */
static void
drop_left_staging(PGconn *conn, const char *where, List **rows, const char *server)
{
	PGresult   *res;
	int			i;

	res = remote_exec(conn, "SELECT pg_catalog.quote_ident(n.nspname) OPERATOR(pg_catalog.||) '.' "
					  "OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.relname), "
					  "pg_catalog.split_part(c.relname, '_', 4) FROM pg_catalog.pg_class c "
					  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
					  "WHERE c.relname LIKE '\\_hamilton\\_stage\\_%' AND c.relkind = 'r' "
					  "AND pg_catalog.obj_description(c.oid, 'pg_class') LIKE 'pg\\_hamilton: result of node %' "
					  "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d "
					  "WHERE d.refobjid = c.oid AND d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass) "
					  "ORDER BY 1", 0, NULL, where, true, NULL);
	for (i = 0; i < PQntuples(res); i++)
	{
		int64		run_id = strtoi64(PQgetvalue(res, i, 1), NULL, 10);

		if (catalog_run_running(run_id))
			continue;
		PQclear(remote_exec(conn, psprintf("DROP TABLE IF EXISTS %s", PQgetvalue(res, i, 0)),
							0, NULL, where, true, NULL));
		add_row(rows, PQgetvalue(res, i, 0), server, run_id, "staging dropped");
	}
	PQclear(res);
}
