/*-------------------------------------------------------------------------
 *
 * remote_send.c
 *	  (remote) A placed step sent to its servers without waiting for them
 *	  (several servers, issue 14): each shard's build goes over its
 *	  server's connection in one message (PQsendQuery: the check of the
 *	  node's name there, BEGIN, the module's search_path, CREATE TABLE AS,
 *	  its comment, COMMIT, and the staging table's columns), so that the
 *	  shards of a sharded node, the placed steps of other servers, and the
 *	  local steps and background workers of a parallel run all run at
 *	  once.  The caller reads what arrives (remote_step_poll: PQconsumeInput
 *	  and PQisBusy, never blocking), waits on the latch and every socket at
 *	  once (remote_step_wait), and, once every shard has answered, makes the
 *	  coordinator's foreign tables of the staging tables in the run's
 *	  transaction (remote_step_complete).  A connection runs one shard's
 *	  build at a time: a step is sent only when its servers are free
 *	  (parallel_remote.c).  A failure names the node and the server; the
 *	  statements still running elsewhere are cancelled (remote_step_cancel,
 *	  and remote_reset at the transaction's end), and every server rolls
 *	  back as before (remote_commit.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "executor/spi.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "libpq-fe.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "exec.h"

/* the results of a shard's message, in order */
enum
{
	R_CHECK,					/* is the node's name there pg_hamilton's (or free)? */
	R_BEGIN,
	R_PATH,
	R_CREATE,
	R_COMMENT,
	R_COMMIT,
	R_REPIN,					/* pg_catalog's path again, whatever the node set */
	R_COLUMNS,
	R_COUNT
};

typedef struct RemoteShard
{
	char	   *server;
	PGconn	   *conn;
	int			nresults;		/* read so far */
	bool		done;
	bool		foreign_name;	/* the node's name there is not pg_hamilton's */
	uint64		rows;
	char	   *columns;		/* as CREATE FOREIGN TABLE takes them */
	/* a failure: the remote error's fields, or the connection's message */
	bool		failed;
	int			sqlstate;
	char	   *message;
	char	   *detail;
	char	   *hint;
} RemoteShard;

struct RemoteStep
{
	HPlan	   *plan;
	int			stepno;
	char	   *stage;			/* the staging table's name, on each server */
	int			nshards;
	RemoteShard *shards;
};

static void read_result(RemoteStep *rs, RemoteShard *sh, PGresult *res);
static void raise_shard_failure(RemoteStep *rs, RemoteShard *sh);
static char *local_columns(RemoteStep *rs, RemoteShard *sh, char **vals, int n);
static void conforming_strings(PGconn *conn, const char *server);

/*
 * remote_step_send sends step stepno's build (its rendered sql) to each of
 * its node's servers, and returns at once.  Each staging table is noted
 * for the transaction's end before its message goes (remote_commit_add),
 * so that a failure from then on drops it.
 */
RemoteStep *
remote_step_send(HPlan *plan, int stepno, const char *sql)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	const char *what = psprintf("node %s", node->display);
	RemoteStep *rs = palloc0(sizeof(RemoteStep));
	char	   *qstage;
	char	   *path;
	StringInfoData msg;
	ListCell   *lc;
	int			k = 0;

	rs->plan = plan;
	rs->stepno = stepno;
	rs->stage = psprintf("_hamilton_stage_" INT64_FORMAT "_%d", plan->run_id, stepno + 1);
	rs->nshards = list_length(node->servers);
	rs->shards = palloc0(sizeof(RemoteShard) * Max(rs->nshards, 1));
	qstage = quote_qualified_identifier(node->schema, rs->stage);
	/* (review) pg_temp last, as pin_modules_search_path puts it here */
	path = dag_public_on_path(plan->dag) ?
		psprintf("%s, public, pg_temp", quote_identifier(node->schema)) :
		psprintf("%s, pg_temp", quote_identifier(node->schema));

	/* one message: every statement of the build, and what the caller needs back */
	initStringInfo(&msg);
	appendStringInfo(&msg, "SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_class c "
					 "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
					 "WHERE n.nspname = %s AND c.relname = %s AND NOT COALESCE("
					 "pg_catalog.obj_description(c.oid, 'pg_class') LIKE 'pg\\_hamilton: result of node %%', false));\n",
					 quote_literal_cstr(node->schema), quote_literal_cstr(node->name));
	appendStringInfoString(&msg, "BEGIN;\n");
	appendStringInfo(&msg, "SELECT pg_catalog.set_config('search_path', %s, true);\n",
					 quote_literal_cstr(path));
	/* the node's SQL is one statement; the newline ends a final comment */
	appendStringInfo(&msg, "CREATE TABLE %s AS %s\n;\n", qstage, sql);
	appendStringInfo(&msg, "COMMENT ON TABLE %s IS %s;\n", qstage,
					 quote_literal_cstr(psprintf("pg_hamilton: result of node %s", node->display)));
	appendStringInfoString(&msg, "COMMIT;\n");
	/* (review) as remote_connect left it (pin_remote_search_path), for what follows */
	appendStringInfoString(&msg, "SELECT pg_catalog.set_config('search_path', 'pg_catalog', false);\n");
	/* (review) each type by its schema and name, spelled here (local_columns) */
	appendStringInfo(&msg, "SELECT a.attname, n.nspname, t.typname, a.atttypmod "
					 "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
					 "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
					 "WHERE a.attrelid = %s::pg_catalog.regclass "
					 "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
					 quote_literal_cstr(qstage));

	remote_commit_watch();
	foreach(lc, node->servers)
	{
		ForeignServer *fs = remote_server_checked(lfirst(lc), what);
		RemoteShard *sh = &rs->shards[k];

		CHECK_FOR_INTERRUPTS();
		sh->server = pstrdup(fs->servername);
		sh->conn = remote_cached_connection(fs, what);
		remote_commit_add(plan, stepno, fs, rs->stage, k++);
		conforming_strings(sh->conn, sh->server);
		if (!PQsendQuery(sh->conn, msg.data))
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("could not send node %s to server \"%s\"", node->display, sh->server),
					 errdetail_internal("%s", pchomp(PQerrorMessage(sh->conn)))));
	}
	step->started_at = GetCurrentTimestamp();
	return rs;
}

/*
 * conforming_strings makes server read the node's string literals as this
 * server read them (standard_conforming_strings on, as
 * pin_sql_reading_settings pins it here): with it off there, a backslash
 * would change a literal's value, or end it early and split the node's SQL
 * into statements of its own.  A message is parsed whole before its first
 * statement runs, so this is set beforehand, in a round trip of its own,
 * and only when the server reports it off (a role's or database's setting,
 * or a node's set_config in an earlier message).
 */
static void
conforming_strings(PGconn *conn, const char *server)
{
	const char *scs = PQparameterStatus(conn, "standard_conforming_strings");

	if (scs == NULL || strcmp(scs, "on") != 0)
		PQclear(remote_exec_batch(conn, "SET standard_conforming_strings = on", -1,
								  psprintf("server \"%s\"", server)));
}

/*
 * remote_step_poll reads, without blocking, what each shard's server has
 * sent; true once every shard has answered.  A shard that failed (an
 * error there, a lost connection) cancels the others and raises its
 * error, naming the node and the server.
 */
bool
remote_step_poll(RemoteStep *rs)
{
	bool		all = true;
	int			k;

	for (k = 0; k < rs->nshards; k++)
	{
		RemoteShard *sh = &rs->shards[k];

		while (!sh->done)
		{
			PGresult   *res;

			if (!PQconsumeInput(sh->conn))
			{
				sh->failed = true;
				sh->sqlstate = ERRCODE_CONNECTION_FAILURE;
				sh->message = pchomp(PQerrorMessage(sh->conn));
				sh->done = true;
				break;
			}
			if (PQisBusy(sh->conn))
				break;
			res = PQgetResult(sh->conn);
			if (res == NULL)
				sh->done = true;
			else
				read_result(rs, sh, res);
		}
		if (sh->done && (sh->failed || sh->columns == NULL))
		{
			if (!sh->failed)
			{
				sh->failed = true;
				sh->sqlstate = ERRCODE_CONNECTION_FAILURE;
				sh->message = psprintf("the server answered %d of the build's %d statements", sh->nresults, R_COUNT);
			}
			remote_step_cancel(rs);
			raise_shard_failure(rs, sh);
		}
		all &= sh->done;
	}
	if (all)
		rs->plan->steps[rs->stepno].ended_at = GetCurrentTimestamp();
	return all;
}

/*
 * read_result takes in one result of a shard's message (and clears it):
 * the name check, the rows built, the columns; an error is kept for
 * raise_shard_failure.
 */
static void
read_result(RemoteStep *rs, RemoteShard *sh, PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);
	int			i = sh->nresults++;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
	{
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		const char *message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);

		if (!sh->failed)
		{
			sh->failed = true;
			sh->sqlstate = state && strlen(state) == 5 ?
				MAKE_SQLSTATE(state[0], state[1], state[2], state[3], state[4]) :
				ERRCODE_CONNECTION_FAILURE;
			sh->message = pchomp(message ? message : PQerrorMessage(sh->conn));
			sh->detail = detail ? pstrdup(detail) : NULL;
			sh->hint = hint ? pstrdup(hint) : NULL;
		}
	}
	else if (i == R_CHECK)
		sh->foreign_name = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "f") == 0;
	else if (i == R_CREATE)
		sh->rows = strtou64(PQcmdTuples(res), NULL, 10);
	else if (i == R_COLUMNS && PQnfields(res) == 4)
	{
		int			n = PQntuples(res);
		char	  **vals = palloc(sizeof(char *) * Max(n * 4, 1));
		int			r;

		for (r = 0; r < n * 4; r++)
			vals[r] = pstrdup(PQgetvalue(res, r / 4, r % 4));
		PQclear(res);
		sh->columns = local_columns(rs, sh, vals, n);
		return;
	}
	PQclear(res);
}

/*
 * local_columns is the column list, as CREATE FOREIGN TABLE takes it here,
 * of the n columns a shard's server answered (vals: name, type schema,
 * type name, type modifier of each).  What a server answers is data, never
 * SQL: each type is looked up here by its schema and name and spelled by
 * this server (format_type, as remote_foreign_table_matches reads it), so
 * that no answer can add a statement to the coordinator's DDL.
 */
static char *
local_columns(RemoteStep *rs, RemoteShard *sh, char **vals, int n)
{
	HNode	   *node = &rs->plan->dag->nodes[rs->plan->steps[rs->stepno].node];
	StringInfoData cols;
	int			r;

	initStringInfo(&cols);
	for (r = 0; r < n; r++)
	{
		char	   *type = remote_type_here(vals[r * 4 + 1], vals[r * 4 + 2], vals[r * 4 + 3]);

		if (type == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("column %s of node %s on server \"%s\" has type %s (type modifier %s), which this server does not have",
							quote_identifier(vals[r * 4]), node->display, sh->server,
							quote_qualified_identifier(vals[r * 4 + 1], vals[r * 4 + 2]), vals[r * 4 + 3]),
					 errdetail("The coordinator reads the node's rows there through a foreign table of the same column types."),
					 errhint("Create the type here in the same schema, or make the node yield a type both servers have.")));
		appendStringInfo(&cols, "%s%s %s", r ? ", " : "", quote_identifier(vals[r * 4]), type);
	}
	return cols.data;
}


/* raise_shard_failure raises a shard's failure, naming its server and node. */
static void
raise_shard_failure(RemoteStep *rs, RemoteShard *sh)
{
	HNode	   *node = &rs->plan->dag->nodes[rs->plan->steps[rs->stepno].node];

	remote_error_raise(sh->sqlstate, sh->message, sh->detail, sh->hint,
					   psprintf("server \"%s\", node %s", sh->server, node->display));
}

/*
 * remote_step_cancel asks each shard's server to stop the build it still
 * runs (PQcancel); what it answered is read at the transaction's end
 * (remote_reset), which rolls it back.
 */
void
remote_step_cancel(RemoteStep *rs)
{
	int			k;

	for (k = 0; k < rs->nshards; k++)
	{
		RemoteShard *sh = &rs->shards[k];
		PGcancel   *cancel;
		char		errbuf[256];

		if (sh->done || (cancel = PQgetCancel(sh->conn)) == NULL)
			continue;
		(void) PQcancel(cancel, errbuf, sizeof(errbuf));
		PQfreeCancel(cancel);
	}
}

/* remote_step_uses: does the step run (or still wait for) a build on server? */
bool
remote_step_uses(RemoteStep *rs, const char *server)
{
	int			k;

	for (k = 0; k < rs->nshards; k++)
		if (strcmp(rs->shards[k].server, server) == 0)
			return true;
	return false;
}

/*
 * remote_step_wait waits, at most timeout_ms (-1: no limit), for the latch
 * or for any socket of the steps (RemoteStep *) to be readable; returns
 * true when something happened.  A cancel or a terminate is served here:
 * the builds still running are cancelled first.
 */
bool
remote_step_wait(List *steps, long timeout_ms)
{
	int			nsockets = 0;
	WaitEventSet *set;
	WaitEvent	event;
	ListCell   *lc;
	int			n;

	foreach(lc, steps)
		nsockets += ((RemoteStep *) lfirst(lc))->nshards;
	set = CreateWaitEventSet(CurrentMemoryContext, nsockets + 2);
	AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
	AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
	foreach(lc, steps)
	{
		RemoteStep *rs = lfirst(lc);
		int			k;

		for (k = 0; k < rs->nshards; k++)
			if (!rs->shards[k].done && PQsocket(rs->shards[k].conn) != PGINVALID_SOCKET)
				AddWaitEventToSet(set, WL_SOCKET_READABLE, PQsocket(rs->shards[k].conn), NULL, NULL);
	}
	n = WaitEventSetWait(set, timeout_ms, &event, 1, PG_WAIT_EXTENSION);
	FreeWaitEventSet(set);
	if (n > 0 && (event.events & WL_LATCH_SET))
	{
		ResetLatch(MyLatch);
		if (InterruptPending)
		{
			foreach(lc, steps)
				remote_step_cancel(lfirst(lc));
			CHECK_FOR_INTERRUPTS();
		}
	}
	return n > 0;
}

/*
 * remote_step_complete makes, in the run's transaction, the coordinator's
 * foreign table of each shard's staging table (for a sharded node, one per
 * server and a UNION ALL view of them under the staging table's name), so
 * that later steps read the new rows, and notes the columns for the swap.
 * The shards must yield the same columns.
 */
void
remote_step_complete(RemoteStep *rs)
{
	HPlan	   *plan = rs->plan;
	PlanStep   *step = &plan->steps[rs->stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	char	   *qstage = quote_qualified_identifier(node->schema, rs->stage);
	bool		sharded = rs->nshards > 1;
	StringInfoData shards;
	int			k;

	initStringInfo(&shards);
	step->rows = 0;
	for (k = 0; k < rs->nshards; k++)
	{
		RemoteShard *sh = &rs->shards[k];
		char	   *local = sharded ? psprintf("%s_%d", rs->stage, k + 1) : rs->stage;

		if (sh->foreign_name)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_TABLE),
					 errmsg("relation %s already exists on server \"%s\" and was not created by pg_hamilton",
							quote_qualified_identifier(node->schema, node->name), sh->server),
					 errdetail("Node %s would write its result there; pg_hamilton never overwrites a relation it did not create.",
							   node->display),
					 errhint("Choose another node name, or rename that relation on its server.")));
		if (k > 0 && strcmp(sh->columns, rs->shards[0].columns) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("the shards of node %s do not yield the same columns", node->display),
					 errdetail("On server \"%s\" it yields (%s); on server \"%s\", (%s).",
							   rs->shards[0].server, rs->shards[0].columns, sh->server, sh->columns),
					 errhint("A sharded node's sources have the same columns and types on every server.")));
		step->rows += sh->rows;
		spi_exec_checked(psprintf("CREATE FOREIGN TABLE %s (%s) SERVER %s OPTIONS (schema_name %s, table_name %s)",
								  quote_qualified_identifier(node->schema, local), sh->columns,
								  quote_identifier(sh->server),
								  quote_literal_cstr(node->schema), quote_literal_cstr(rs->stage)),
						 0, NULL, NULL, NULL, SPI_OK_UTILITY);
		appendStringInfo(&shards, "%sSELECT * FROM %s", shards.len ? " UNION ALL " : "",
						 quote_qualified_identifier(node->schema, local));
	}
	if (sharded)
		spi_exec_checked(psprintf("CREATE VIEW %s AS %s", qstage, shards.data),
						 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	remote_commit_columns(plan, rs->stepno, rs->shards[0].columns);
	step->has_rows = true;
	step->status = "materialized";
	step->relation = qstage;
}
