/*-------------------------------------------------------------------------
 *
 * remote_step.c
 *	  A step of a node placed on another server (several servers, issue
 *	  14): its SQL, with the SQL of the intermediates inlined into it, runs
 *	  there as the caller's mapped role and builds the result into a
 *	  staging table, committed in its own remote transaction (PREPARE would
 *	  refuse a temporary table).  The coordinator reads it through a
 *	  foreign table of the same name in the node's module, made in the
 *	  run's transaction with the staging table's columns, so that later
 *	  steps, local or on that server, read the new rows under one name.
 *	  The swap is prepared when the run has passed (remote_commit.c).
 *
 * A placed node reads only what its server holds: its sources (tables of
 * its module there), values (inlined as literals), intermediates inlined
 * into it, and results of nodes placed on the same server.  Anything else
 * (a local result, a temporary table, a node of another server) is
 * refused with a hint: pg_hamilton never guesses a link between servers.
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
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "exec.h"

static void check_inputs_there(HPlan *plan, int stepno);
static char *servers_shown(HNode *node);
static char *remote_columns(PGconn *conn, const char *qstage, const char *where);
static void refuse_foreign_result(PGconn *conn, const char *schema, const char *name,
								  const char *server, const char *display);

/*
 * remote_run_step runs step stepno, of a placed node, on its server (on
 * each of a sharded node's): the staging table built and committed there,
 * its foreign table made here (for a sharded node, one per server, and a
 * UNION ALL view of them under the staging table's name).
 */
void
remote_run_step(HPlan *plan, int stepno, const char *sql)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	const char *what = psprintf("node %s", node->display);
	char	   *stage = psprintf("_hamilton_stage_" INT64_FORMAT "_%d", plan->run_id, stepno + 1);
	char	   *qstage = quote_qualified_identifier(node->schema, stage);
	bool		sharded = list_length(node->servers) > 1;
	char	   *path;
	char	   *first_columns = NULL;
	const char *first_server = NULL;
	StringInfoData shards;
	ListCell   *lc;
	int			k = 0;

	check_inputs_there(plan, stepno);
	remote_commit_watch();
	path = dag_public_on_path(plan->dag) ?
		psprintf("%s, public", quote_identifier(node->schema)) :
		pstrdup(quote_identifier(node->schema));
	initStringInfo(&shards);
	step->rows = 0;
	foreach(lc, node->servers)
	{
		ForeignServer *fs = remote_server_checked(lfirst(lc), what);
		char	   *where = psprintf("server \"%s\", node %s", fs->servername, node->display);
		char	   *local = sharded ? psprintf("%s_%d", stage, k + 1) : stage;
		char	   *columns;
		const char *params[1] = {path};
		PGconn	   *conn = remote_cached_connection(fs, what);
		PGresult   *res;

		CHECK_FOR_INTERRUPTS();
		refuse_foreign_result(conn, node->schema, node->name, fs->servername, node->display);
		/* the staging table is noted first: a failure from here on drops it */
		remote_commit_add(plan, stepno, fs, stage, k++);
		PQclear(remote_exec(conn, "BEGIN", 0, NULL, where, true, NULL));
		PQclear(remote_exec(conn, "SELECT pg_catalog.set_config('search_path', $1, true)",
							1, params, where, true, NULL));
		res = remote_exec(conn, psprintf("CREATE TABLE %s AS %s", qstage, sql), 0, NULL, where, true, NULL);
		step->rows += strtoi64(PQcmdTuples(res), NULL, 10);
		PQclear(res);
		PQclear(remote_exec(conn, psprintf("COMMENT ON TABLE %s IS %s", qstage,
										   quote_literal_cstr(psprintf("pg_hamilton: result of node %s",
																	   node->display))),
							0, NULL, where, true, NULL));
		PQclear(remote_exec(conn, "COMMIT", 0, NULL, where, true, NULL));
		columns = remote_columns(conn, qstage, where);
		if (first_columns && strcmp(columns, first_columns) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("the shards of node %s do not yield the same columns", node->display),
					 errdetail("On server \"%s\" it yields (%s); on server \"%s\", (%s).",
							   first_server, first_columns, fs->servername, columns),
					 errhint("A sharded node's sources have the same columns and types on every server.")));
		first_columns = columns;
		first_server = fs->servername;

		/* here, in the run's transaction: the coordinator reads it through this */
		spi_exec_checked(psprintf("CREATE FOREIGN TABLE %s (%s) SERVER %s OPTIONS (schema_name %s, table_name %s)",
								  quote_qualified_identifier(node->schema, local), columns,
								  quote_identifier(fs->servername),
								  quote_literal_cstr(node->schema), quote_literal_cstr(stage)),
						 0, NULL, NULL, NULL, SPI_OK_UTILITY);
		appendStringInfo(&shards, "%sSELECT * FROM %s", shards.len ? " UNION ALL " : "",
						 quote_qualified_identifier(node->schema, local));
	}
	if (sharded)
		spi_exec_checked(psprintf("CREATE VIEW %s AS %s", qstage, shards.data),
						 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	remote_commit_columns(plan, stepno, first_columns);
	step->has_rows = true;
	step->status = "materialized";
	step->relation = qstage;
}

/*
 * check_inputs_there refuses a placed step whose SQL would read what its
 * server does not hold.  The inlined steps' own inputs are followed with a
 * work list (no recursion over the graph).
 */
static void
check_inputs_there(HPlan *plan, int stepno)
{
	Dag		   *dag = plan->dag;
	HNode	   *placed = &dag->nodes[plan->steps[stepno].node];
	List	   *todo = list_make1_int(stepno);

	while (todo != NIL)
	{
		int			s = linitial_int(todo);
		HNode	   *node = &dag->nodes[plan->steps[s].node];
		int			d;

		todo = list_delete_first(todo);
		CHECK_FOR_INTERRUPTS();
		for (d = 0; d < node->ndeps; d++)
		{
			int			up = plan->step_of_node[node->deps[d].target];
			PlanStep   *u;
			HNode	   *un;

			if (up < 0)
				continue;
			u = &plan->steps[up];
			un = &dag->nodes[u->node];
			if (u->action == STEP_INPUT || u->action == STEP_VALUE ||
				(u->action == STEP_OVERRIDE && u->relation == NULL))
				continue;		/* a literal */
			if (u->action == STEP_INLINE)
			{
				todo = lappend_int(todo, up);
				continue;
			}
			if (u->action == STEP_PERSIST && un->placement && dag_same_servers(un, placed))
				continue;		/* its staging table is there (each shard's part on each) */
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("node %s, placed on %s, reads %s, which is not on %s",
							placed->display, servers_shown(placed), un->display,
							list_length(placed->servers) > 1 ? "those servers" : "that server"),
					 errdetail("%s %s; a placed node reads only its server's tables, values, intermediates inlined into it, and nodes placed on the same server.",
							   un->display,
							   un->placement ? psprintf("runs on %s", servers_shown(un)) :
							   u->action == STEP_PERSIST ? "is a result on the coordinator" :
							   u->action == STEP_OVERRIDE ? "is overridden by a relation on the coordinator" :
							   "is an intermediate kept on the coordinator"),
					 errhint("Place %s on %s too (hamilton_tag('%s', '{\"placement\": %s}')), or do not place %s.",
							 un->display, servers_shown(placed), un->display,
							 list_length(placed->servers) > 1 ? placed->placement :
							 psprintf("\"%s\"", placed->placement), placed->display)));
		}
	}
}

/* servers_shown: 'server "east"', or 'servers "east", "west"' for messages. */
static char *
servers_shown(HNode *node)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoString(&buf, list_length(node->servers) > 1 ? "servers " : "server ");
	foreach(lc, node->servers)
		appendStringInfo(&buf, "%s\"%s\"", buf.len > 8 && lc != list_head(node->servers) ? ", " : "",
						 (char *) lfirst(lc));
	return buf.data;
}

/*
 * refuse_foreign_result: a table of the node's name on its server that
 * pg_hamilton did not make there (its comment says so) is never replaced.
 */
static void
refuse_foreign_result(PGconn *conn, const char *schema, const char *name,
					  const char *server, const char *display)
{
	const char *where = psprintf("server \"%s\"", server);
	const char *params[2] = {schema, name};
	PGresult   *res;
	bool		foreign;

	res = remote_exec(conn, "SELECT COALESCE(pg_catalog.obj_description(c.oid, 'pg_class') "
					  "LIKE 'pg\\_hamilton: result of node %', false) FROM pg_catalog.pg_class c "
					  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
					  "WHERE n.nspname = $1 AND c.relname = $2",
					  2, params, where, true, NULL);
	foreign = PQntuples(res) > 0 && strcmp(PQgetvalue(res, 0, 0), "f") == 0;
	PQclear(res);
	if (foreign)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation %s already exists on server \"%s\" and was not created by pg_hamilton",
						quote_qualified_identifier(schema, name), server),
				 errdetail("Node %s would write its result there; pg_hamilton never overwrites a relation it did not create.",
						   display),
				 errhint("Choose another node name, or rename that relation on its server.")));
}

/*
 * remote_columns is the column list of a table on the server, as CREATE
 * FOREIGN TABLE takes it: each name quoted, with its type.
 */
static char *
remote_columns(PGconn *conn, const char *qstage, const char *where)
{
	const char *params[1] = {qstage};
	PGresult   *res;
	StringInfoData cols;
	int			i;

	res = remote_exec(conn, "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) "
					  "FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1::pg_catalog.regclass "
					  "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
					  1, params, where, true, NULL);
	initStringInfo(&cols);
	for (i = 0; i < PQntuples(res); i++)
		appendStringInfo(&cols, "%s%s %s", i ? ", " : "", quote_identifier(PQgetvalue(res, i, 0)),
						 PQgetvalue(res, i, 1));
	PQclear(res);
	return cols.data;
}
