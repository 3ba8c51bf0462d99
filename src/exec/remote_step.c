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

/*
 * remote_step_begin sends step stepno, of a placed node, to its server (to
 * each of a sharded node's, all at once: remote_send.c), once its inputs
 * are known to be there, and returns without waiting.
 */
RemoteStep *
remote_step_begin(HPlan *plan, int stepno, const char *sql)
{
	check_inputs_there(plan, stepno);
	return remote_step_send(plan, stepno, sql);
}

/*
 * remote_run_step runs step stepno, of a placed node, on its server (on
 * each of a sharded node's, at once), and waits for it: the staging table
 * built and committed there, its foreign table made here (for a sharded
 * node, one per server, and a UNION ALL view of them under the staging
 * table's name).
 */
void
remote_run_step(HPlan *plan, int stepno, const char *sql)
{
	RemoteStep *rs = remote_step_begin(plan, stepno, sql);
	List	   *one = list_make1(rs);

	while (!remote_step_poll(rs))
		(void) remote_step_wait(one, -1L);
	remote_step_complete(rs);
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
