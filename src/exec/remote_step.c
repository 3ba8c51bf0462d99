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

static void check_inputs_there(HPlan *plan, int stepno, const char *server);
static char *remote_columns(PGconn *conn, const char *qstage, const char *where);
static void refuse_foreign_result(PGconn *conn, const char *schema, const char *name,
								  const char *where, const char *server, const char *display);

/*
 * remote_run_step runs step stepno, of a placed node, on its server: the
 * staging table built and committed there, its foreign table made here.
 */
void
remote_run_step(HPlan *plan, int stepno, const char *sql)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	const char *what = psprintf("node %s", node->display);
	ForeignServer *fs = remote_server_checked(node->placement, what);
	char	   *where = psprintf("server \"%s\", node %s", fs->servername, node->display);
	char	   *stage = psprintf("_hamilton_stage_" INT64_FORMAT "_%d", plan->run_id, stepno + 1);
	char	   *qstage = quote_qualified_identifier(node->schema, stage);
	char	   *path;
	char	   *columns;
	const char *params[1];
	PGconn	   *conn;
	PGresult   *res;

	check_inputs_there(plan, stepno, fs->servername);
	conn = remote_cached_connection(fs, what);
	refuse_foreign_result(conn, node->schema, node->name, where, fs->servername, node->display);

	/* the staging table is noted first: a failure from here on drops it */
	remote_commit_add(plan, stepno, fs, stage);
	path = dag_public_on_path(plan->dag) ?
		psprintf("%s, public", quote_identifier(node->schema)) :
		pstrdup(quote_identifier(node->schema));
	PQclear(remote_exec(conn, "BEGIN", 0, NULL, where, true, NULL));
	params[0] = path;
	PQclear(remote_exec(conn, "SELECT pg_catalog.set_config('search_path', $1, true)",
						1, params, where, true, NULL));
	res = remote_exec(conn, psprintf("CREATE TABLE %s AS %s", qstage, sql), 0, NULL, where, true, NULL);
	step->rows = strtoi64(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	PQclear(remote_exec(conn, psprintf("COMMENT ON TABLE %s IS %s", qstage,
									   quote_literal_cstr(psprintf("pg_hamilton: result of node %s",
																   node->display))),
						0, NULL, where, true, NULL));
	PQclear(remote_exec(conn, "COMMIT", 0, NULL, where, true, NULL));
	columns = remote_columns(conn, qstage, where);

	/* here, in the run's transaction: the coordinator reads it through this */
	spi_exec_checked(psprintf("CREATE FOREIGN TABLE %s (%s) SERVER %s OPTIONS (schema_name %s, table_name %s)",
							  qstage, columns, quote_identifier(fs->servername),
							  quote_literal_cstr(node->schema), quote_literal_cstr(stage)),
					 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	remote_commit_columns(plan, stepno, columns);
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
check_inputs_there(HPlan *plan, int stepno, const char *server)
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
			if (u->action == STEP_PERSIST && un->placement && strcmp(un->placement, server) == 0)
				continue;		/* its staging table is there */
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("node %s, placed on server \"%s\", reads %s, which is not on that server",
							placed->display, server, un->display),
					 errdetail("%s %s; a placed node reads only its server's tables, values, intermediates inlined into it, and nodes placed on the same server.",
							   un->display,
							   un->placement ? psprintf("runs on server \"%s\"", un->placement) :
							   u->action == STEP_PERSIST ? "is a result on the coordinator" :
							   u->action == STEP_OVERRIDE ? "is overridden by a relation on the coordinator" :
							   "is an intermediate kept on the coordinator"),
					 errhint("Place %s on server \"%s\" too (hamilton_tag('%s', '{\"placement\": \"%s\"}')), or do not place %s.",
							 un->display, server, un->display, server, placed->display)));
		}
	}
}

/*
 * refuse_foreign_result: a table of the node's name on its server that
 * pg_hamilton did not make there (its comment says so) is never replaced.
 */
static void
refuse_foreign_result(PGconn *conn, const char *schema, const char *name,
					  const char *where, const char *server, const char *display)
{
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
