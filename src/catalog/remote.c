/*-------------------------------------------------------------------------
 *
 * remote.c
 *	  Connections to the other servers a placed node runs on (several
 *	  servers, issue 14).
 *
 * A server is PostgreSQL's own object: a foreign server of postgres_fdw,
 * with a user mapping for the caller (or PUBLIC).  pg_hamilton opens its
 * own libpq connection from the server's and the mapping's options, as
 * dblink does, because postgres_fdw's connections cannot end in PREPARE
 * TRANSACTION.  It keeps postgres_fdw's rule for roles that are not
 * superusers: the mapping gives a password, and the connection used it
 * (unless a superuser set password_required 'false' on the mapping), so
 * that nobody borrows the coordinator's own OS identity or trust rules.
 *
 * A run's connections are cached by server and user for the life of the
 * backend, across runs, as postgres_fdw caches its own (servers2): at the
 * end of each transaction a connection is brought back to idle, and closed
 * if it cannot be (remote_release_all); a change of its foreign server or
 * user mapping (a syscache callback) closes it once no transaction uses it;
 * and a connection a transaction takes from the cache is checked first
 * (an empty statement): a broken one is closed and opened anew, once, and
 * an error says so if that fails too, so that a broken connection is never
 * used silently.  A definition's check opens one and closes it.  Every
 * statement waits on the latch, so a cancel reaches it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "libpq-fe.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/wait_event.h"

#include "catalog.h"

typedef struct CachedConn
{
	Oid			serverid;
	Oid			userid;
	PGconn	   *conn;
	uint32		server_hash;	/* of its FOREIGNSERVEROID entry */
	uint32		mapping_hash;	/* of its USERMAPPINGOID entry */
	bool		invalidated;	/* its server or mapping changed since */
	bool		xact_used;		/* handed out in the current transaction */
} CachedConn;

static List *cached = NIL;		/* CachedConn *, in TopMemoryContext */
static bool callbacks_registered = false;

static void remote_inval_callback(Datum arg, int cacheid, uint32 hashvalue);
static bool connection_alive(PGconn *conn);

static bool is_libpq_option(const char *keyword);
static bool has_mapping(Oid userid, Oid serverid);
static void pin_remote_search_path(PGconn *conn, const char *server, const char *what);
static void check_password_used(PGconn *conn, UserMapping *um, const char *server);
static PGresult *wait_result(PGconn *conn);

/*
 * remote_server_checked finds the foreign server a placement names and
 * checks that pg_hamilton can run a node there: it exists, it is a server
 * of postgres_fdw, and the current user has a user mapping for it (or
 * PUBLIC has).  what says whose placement it is, for the messages.
 */
ForeignServer *
remote_server_checked(const char *server, const char *what)
{
	ForeignServer *fs = GetForeignServerByName(server, true);
	ForeignDataWrapper *fdw;

	if (fs == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("server \"%s\" of %s does not exist", server, what),
				 errdetail("A placement names a foreign server of postgres_fdw, made with CREATE SERVER."),
				 errhint("CREATE SERVER %s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '...', dbname '...');",
						 quote_identifier(server))));
	fdw = GetForeignDataWrapper(fs->fdwid);
	if (strcmp(fdw->fdwname, "postgres_fdw") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("server \"%s\" of %s is not a postgres_fdw server", server, what),
				 errdetail("Its foreign-data wrapper is %s; pg_hamilton runs nodes only on PostgreSQL servers reached through postgres_fdw.",
						   quote_identifier(fdw->fdwname)),
				 errhint("CREATE SERVER ... FOREIGN DATA WRAPPER postgres_fdw, and place the node there.")));
	if (!has_mapping(GetUserId(), fs->serverid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("no user mapping for role %s on server \"%s\" of %s",
						quote_identifier(GetUserNameFromId(GetUserId(), false)), server, what),
				 errdetail("pg_hamilton connects to a placed node's server as the caller's mapped role."),
				 errhint("CREATE USER MAPPING FOR %s SERVER %s OPTIONS (user '...', password '...');",
						 quote_identifier(GetUserNameFromId(GetUserId(), false)),
						 quote_identifier(server))));
	return fs;
}

/* has_mapping: has userid (or PUBLIC) a user mapping for the server? */
static bool
has_mapping(Oid userid, Oid serverid)
{
	HeapTuple	tp;

	tp = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(userid),
						 ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tp))
		tp = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
							 ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tp))
		return false;
	ReleaseSysCache(tp);
	return true;
}

/*
 * remote_connect opens a new connection to a checked server as the current
 * user's mapping says; the caller closes it (PQfinish) or hands it to the
 * cache.  An error leaves nothing open.
 */
PGconn *
remote_connect(ForeignServer *fs, const char *what)
{
	UserMapping *um = GetUserMapping(GetUserId(), fs->serverid);
	int			n = list_length(fs->options) + list_length(um->options) + 3;
	const char **keywords = palloc0(sizeof(char *) * n);
	const char **values = palloc0(sizeof(char *) * n);
	int			i = 0;
	ListCell   *lc;
	PGconn	   *conn;

	/* the server's options, then the mapping's (user, password) */
	foreach(lc, list_concat_copy(fs->options, um->options))
	{
		DefElem    *d = lfirst(lc);

		if (!is_libpq_option(d->defname))
			continue;
		keywords[i] = d->defname;
		values[i++] = defGetString(d);
	}
	keywords[i] = "fallback_application_name";
	values[i++] = "pg_hamilton";
	keywords[i] = "client_encoding";
	values[i++] = GetDatabaseEncodingName();

	/* postgres_fdw's rule: a role that is not a superuser gives a password */
	if (!superuser_arg(um->userid))
		check_password_used(NULL, um, fs->servername);
	conn = PQconnectdbParams(keywords, values, false);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
	{
		char	   *msg = pchomp(conn ? PQerrorMessage(conn) : "out of memory");

		PQfinish(conn);
		ereport(ERROR,
				(errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
				 errmsg("could not connect to server \"%s\" of %s", fs->servername, what),
				 errdetail_internal("%s", msg),
				 errhint("Check the server's options (ALTER SERVER) and the user mapping's (ALTER USER MAPPING), and that the server runs.")));
	}
	if (!superuser_arg(um->userid))
		check_password_used(conn, um, fs->servername);
	pin_remote_search_path(conn, fs->servername, what);
	return conn;
}

/*
 * pin_remote_search_path sets a new connection's search_path to pg_catalog,
 * as postgres_fdw does its own: pg_hamilton's statements there name
 * operators (=, LIKE) and functions unqualified, and a role that may
 * create in a schema of the mapped role's default path (public) could
 * otherwise give one of them a closer match (an = of oid and regclass,
 * say), which would run its code as the mapped role.  A build sets its
 * module's path for its own transaction only (remote_send.c).
 */
static void
pin_remote_search_path(PGconn *conn, const char *server, const char *what)
{
	char	   *failure = NULL;
	PGresult   *res = remote_exec(conn, "SELECT pg_catalog.set_config('search_path', 'pg_catalog', false)",
								  0, NULL, psprintf("server \"%s\"", server), false, &failure);

	if (res)
	{
		PQclear(res);
		return;
	}
	PQfinish(conn);
	ereport(ERROR,
			(errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
			 errmsg("could not set up the connection to server \"%s\" of %s", server, what),
			 errdetail_internal("%s", failure ? failure : "unknown error"),
			 errhint("Check that the server runs and accepts the connection's statements.")));
}

/*
 * check_password_used is postgres_fdw's password_required rule: before the
 * connection (conn NULL), the mapping must give a password; after it, the
 * server must have asked for it.  A superuser may waive it on the mapping
 * with password_required 'false'.
 */
static void
check_password_used(PGconn *conn, UserMapping *um, const char *server)
{
	ListCell   *lc;
	bool		has_password = false;

	foreach(lc, um->options)
	{
		DefElem    *d = lfirst(lc);

		if (strcmp(d->defname, "password_required") == 0 && !defGetBoolean(d))
			return;
		has_password |= strcmp(d->defname, "password") == 0;
	}
	if (conn == NULL && has_password)
		return;
	if (conn != NULL && PQconnectionUsedPassword(conn))
		return;
	if (conn)
		PQfinish(conn);
	ereport(ERROR,
			(errcode(ERRCODE_S_R_E_PROHIBITED_SQL_STATEMENT_ATTEMPTED),
			 errmsg("password is required to connect to server \"%s\"", server),
			 errdetail(conn ? "The server did not ask for the user mapping's password: a role that is not a superuser must authenticate with one." :
					   "A role that is not a superuser must give a password in its user mapping, as postgres_fdw requires."),
			 errhint("Give the password in the user mapping (ALTER USER MAPPING ... OPTIONS (ADD password '...')), on a server that asks for it.")));
}

/* is_libpq_option: is keyword one of libpq's connection options? */
static bool
is_libpq_option(const char *keyword)
{
	static PQconninfoOption *options = NULL;
	PQconninfoOption *o;

	if (options == NULL)
		options = PQconndefaults();
	if (options == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	/* the application name is pg_hamilton's own fallback; no debug options */
	for (o = options; o->keyword; o++)
		if (strcmp(o->keyword, keyword) == 0 && strchr(o->dispchar, 'D') == NULL)
			return true;
	return false;
}

/*
 * remote_cached_connection is the connection to a checked server as the
 * current user: the cached one, unless its server or mapping changed or it
 * is broken (checked at its first use in a transaction), else a new one.
 */
PGconn *
remote_cached_connection(ForeignServer *fs, const char *what)
{
	ListCell   *lc;
	CachedConn *c = NULL;
	UserMapping *um;
	PGconn	   *conn;
	MemoryContext old;

	if (!callbacks_registered)
	{
		CacheRegisterSyscacheCallback(FOREIGNSERVEROID, remote_inval_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(USERMAPPINGOID, remote_inval_callback, (Datum) 0);
		callbacks_registered = true;
	}
	foreach(lc, cached)
	{
		CachedConn *e = lfirst(lc);

		if (e->serverid != fs->serverid || e->userid != GetUserId())
			continue;
		if (e->xact_used)
			return e->conn;		/* this transaction's, whatever changed since */
		if (!e->invalidated && connection_alive(e->conn))
		{
			e->xact_used = true;
			return e->conn;
		}
		/* changed or broken: closed, and opened anew below, once */
		PQfinish(e->conn);
		cached = foreach_delete_current(cached, lc);
		pfree(e);
		break;
	}
	conn = remote_connect(fs, what);
	um = GetUserMapping(GetUserId(), fs->serverid);
	old = MemoryContextSwitchTo(TopMemoryContext);
	c = palloc0(sizeof(CachedConn));
	c->serverid = fs->serverid;
	c->userid = GetUserId();
	c->conn = conn;
	c->server_hash = GetSysCacheHashValue1(FOREIGNSERVEROID, ObjectIdGetDatum(fs->serverid));
	c->mapping_hash = GetSysCacheHashValue1(USERMAPPINGOID, ObjectIdGetDatum(um->umid));
	c->xact_used = true;
	cached = lappend(cached, c);
	MemoryContextSwitchTo(old);
	return conn;
}

/*
 * connection_alive checks a cached connection before a transaction uses
 * it: idle, outside any transaction, and answering an empty statement.
 */
static bool
connection_alive(PGconn *conn)
{
	PGresult   *res;
	bool		ok;

	if (PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE)
		return false;
	if (!PQsendQuery(conn, ""))
		return false;
	ok = false;
	while ((res = wait_result(conn)) != NULL)
	{
		ok = PQresultStatus(res) == PGRES_EMPTY_QUERY;
		PQclear(res);
	}
	return ok && PQstatus(conn) == CONNECTION_OK;
}

/*
 * remote_inval_callback marks the connections whose foreign server or user
 * mapping changed (hashvalue 0: every one); each is closed when no
 * transaction uses it any more.
 */
static void
remote_inval_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	ListCell   *lc;

	foreach(lc, cached)
	{
		CachedConn *c = lfirst(lc);

		if (hashvalue == 0 ||
			(cacheid == FOREIGNSERVEROID && c->server_hash == hashvalue) ||
			(cacheid == USERMAPPINGOID && c->mapping_hash == hashvalue))
			c->invalidated = true;
	}
}

/*
 * remote_release_all ends the transaction's use of the cached connections
 * (at its end, once its remote transactions are resolved): each is brought
 * back to idle and kept for the next run, or closed when it cannot be, or
 * when its server or user mapping changed.
 */
void
remote_release_all(void)
{
	ListCell   *lc;

	foreach(lc, cached)
	{
		CachedConn *c = lfirst(lc);

		if (!c->xact_used)
			continue;
		c->xact_used = false;
		if (!c->invalidated && remote_reset(c->conn))
			continue;
		PQfinish(c->conn);
		cached = foreach_delete_current(cached, lc);
		pfree(c);
	}
}

/*
 * remote_exec runs one statement on a connection, with up to two text
 * parameters, and returns its result, which the caller clears.  An error
 * there is raised here with the remote SQLSTATE, message and detail, and
 * where says on which server.  With raise false, a failure returns NULL
 * (the message in *failure), for the end of a transaction, where nothing
 * may raise.
 */
PGresult *
remote_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
			const char *where, bool raise, char **failure)
{
	PGresult   *res;
	PGresult   *last = NULL;

	if (!PQsendQueryParams(conn, sql, nparams, NULL, params, NULL, NULL, 0))
	{
		if (failure)
			*failure = pchomp(PQerrorMessage(conn));
		if (!raise)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("could not send a statement to %s", where),
				 errdetail_internal("%s", pchomp(PQerrorMessage(conn)))));
	}
	while ((res = wait_result(conn)) != NULL)
	{
		if (last)
			PQclear(last);
		last = res;
	}
	if (last && (PQresultStatus(last) == PGRES_COMMAND_OK || PQresultStatus(last) == PGRES_TUPLES_OK))
		return last;
	{
		const char *state = last ? PQresultErrorField(last, PG_DIAG_SQLSTATE) : NULL;
		char	   *message = pchomp(last && PQresultErrorField(last, PG_DIAG_MESSAGE_PRIMARY) ?
									 PQresultErrorField(last, PG_DIAG_MESSAGE_PRIMARY) :
									 PQerrorMessage(conn));
		const char *detail = last ? PQresultErrorField(last, PG_DIAG_MESSAGE_DETAIL) : NULL;
		const char *hint = last ? PQresultErrorField(last, PG_DIAG_MESSAGE_HINT) : NULL;
		int			code = state && strlen(state) == 5 ?
			MAKE_SQLSTATE(state[0], state[1], state[2], state[3], state[4]) :
			ERRCODE_CONNECTION_FAILURE;

		if (failure)
			*failure = message;
		if (last)
			PQclear(last);
		if (!raise)
			return NULL;
		remote_error_raise(code, message, detail, hint, where);
	}
	return NULL;
}

/*
 * remote_error_raise raises an error a server returned, with its SQLSTATE,
 * message, detail and hint, where saying on which server (and node).
 */
void
remote_error_raise(int code, const char *message, const char *detail, const char *hint,
				   const char *where)
{
	ereport(ERROR,
			(errcode(code),
			 errmsg("%s", message),
			 detail ? errdetail_internal("%s", detail) : 0,
			 hint ? errhint("%s", hint) : 0,
			 errcontext("on %s", where)));
	pg_unreachable();
}

/*
 * remote_reset brings a connection back to idle, outside any transaction,
 * at the end of the local one: a statement an error interrupted is
 * cancelled and its results read, an open transaction rolled back.
 * Returns false when the connection is lost.
 */
bool
remote_reset(PGconn *conn)
{
	PGresult   *res;

	if (PQstatus(conn) != CONNECTION_OK)
		return false;
	if (PQtransactionStatus(conn) == PQTRANS_ACTIVE)
	{
		PGcancel   *cancel = PQgetCancel(conn);
		char		errbuf[256];

		if (cancel)
		{
			(void) PQcancel(cancel, errbuf, sizeof(errbuf));
			PQfreeCancel(cancel);
		}
		while ((res = PQgetResult(conn)) != NULL)
			PQclear(res);
	}
	if (PQtransactionStatus(conn) == PQTRANS_INTRANS || PQtransactionStatus(conn) == PQTRANS_INERROR)
	{
		res = PQexec(conn, "ROLLBACK");
		PQclear(res);
	}
	return PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) == PQTRANS_IDLE;
}

/*
 * wait_result is PQgetResult waiting on the latch and the socket, so that
 * a cancel or a terminate reaches a long remote statement (which is then
 * cancelled there too), or NULL when the statement's results are all read.
 */
static PGresult *
wait_result(PGconn *conn)
{
	while (PQisBusy(conn))
	{
		int			rc = WaitLatchOrSocket(MyLatch, WL_LATCH_SET | WL_SOCKET_READABLE | WL_EXIT_ON_PM_DEATH,
										   PQsocket(conn), -1L, PG_WAIT_EXTENSION);

		if (rc & WL_LATCH_SET)
		{
			ResetLatch(MyLatch);
			if (InterruptPending)
			{
				PGcancel   *cancel = PQgetCancel(conn);
				char		errbuf[256];

				if (cancel)
				{
					(void) PQcancel(cancel, errbuf, sizeof(errbuf));
					PQfreeCancel(cancel);
				}
				CHECK_FOR_INTERRUPTS();
			}
		}
		if ((rc & WL_SOCKET_READABLE) && !PQconsumeInput(conn))
			break;
	}
	return PQgetResult(conn);
}

/*
 * remote_type_here is the type a server named by its schema, name and
 * type modifier (as text), looked up here and spelled by this server's
 * format_type, with search_path pg_catalog, pg_temp (as spi_exec_checked
 * and remote_foreign_table_matches read it); NULL when this server has no
 * such type or the modifier is no type modifier.  What a server answers
 * is data, never SQL pasted into this server's statements.
 */
char *
remote_type_here(const char *nspname, const char *typname, const char *typmod_text)
{
	Oid			nsp = get_namespace_oid(nspname, true);
	Oid			type = InvalidOid;
	char	   *end;
	long		typmod = strtol(typmod_text, &end, 10);
	int			nestlevel;
	char	   *spelled;

	if (OidIsValid(nsp))
		type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum(typname),
							   ObjectIdGetDatum(nsp));
	if (!OidIsValid(type) || *end != '\0' || end == typmod_text || typmod < -1 || typmod > PG_INT32_MAX)
		return NULL;
	nestlevel = NewGUCNestLevel();
	pin_safe_search_path();
	spelled = format_type_extended(type, (int32) typmod, FORMAT_TYPE_TYPEMOD_GIVEN);
	AtEOXact_GUC(true, nestlevel);
	return spelled;
}
