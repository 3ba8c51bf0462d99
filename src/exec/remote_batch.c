/*-------------------------------------------------------------------------
 *
 * remote_batch.c
 *	  (remote) Several statements sent to another server in one message
 *	  (several servers, issue 14): one round trip instead of one per
 *	  statement, for the prepared swap at a run's end (remote_commit.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "libpq-fe.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/wait_event.h"

#include "exec.h"

/*
 * remote_exec_batch runs the statements of sql, sent in one message, on a
 * connection, waiting on the latch and its socket, and returns the result
 * of statement number want (from 0), which the caller clears (NULL when it
 * returned none).  An error there is raised with the remote SQLSTATE,
 * message, detail and hint, where saying on which server; the statements
 * after it did not run.
 */
PGresult *
remote_exec_batch(PGconn *conn, const char *sql, int want, const char *where)
{
	PGresult   *kept = NULL;
	PGresult   *res;
	char	   *message = NULL;
	const char *detail = NULL;
	const char *hint = NULL;
	int			code = ERRCODE_CONNECTION_FAILURE;
	int			i = 0;

	if (!PQsendQuery(conn, sql))
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("could not send a statement to %s", where),
				 errdetail_internal("%s", pchomp(PQerrorMessage(conn)))));
	for (;;)
	{
		while (PQisBusy(conn))
		{
			int			rc = WaitLatchOrSocket(MyLatch, WL_LATCH_SET | WL_SOCKET_READABLE | WL_EXIT_ON_PM_DEATH,
											   PQsocket(conn), -1L, PG_WAIT_EXTENSION);

			if (rc & WL_LATCH_SET)
			{
				ResetLatch(MyLatch);
				CHECK_FOR_INTERRUPTS();	/* remote_reset cancels it at the abort */
			}
			if ((rc & WL_SOCKET_READABLE) && !PQconsumeInput(conn))
				break;
		}
		if ((res = PQgetResult(conn)) == NULL)
			break;
		if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
			const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

			if (message == NULL)
			{
				message = pchomp(m ? m : PQerrorMessage(conn));
				detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
				detail = detail ? pstrdup(detail) : NULL;
				hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
				hint = hint ? pstrdup(hint) : NULL;
				if (state && strlen(state) == 5)
					code = MAKE_SQLSTATE(state[0], state[1], state[2], state[3], state[4]);
			}
			PQclear(res);
		}
		else if (i == want)
			kept = res;
		else
			PQclear(res);
		i++;
		if (PQstatus(conn) != CONNECTION_OK)
			break;
	}
	if (message == NULL && PQstatus(conn) != CONNECTION_OK)
		message = pchomp(PQerrorMessage(conn));
	if (message)
	{
		if (kept)
			PQclear(kept);
		remote_error_raise(code, message, detail, hint, where);
	}
	return kept;
}
