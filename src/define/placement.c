/*-------------------------------------------------------------------------
 *
 * placement.c
 *	  Placing a node on another server (several servers, issue 14):
 *	  placement => of hamilton_define, the tag placement of any node.
 *
 * A placement names one postgres_fdw server for which the caller has a
 * user mapping; the server runs pg_hamilton and has the node's module (a
 * schema of the same name).  All of it is checked when the node is
 * defined or tagged, by connecting there, before anything is written.
 * A list of servers is a sharded node: it runs on each, over each one's
 * data, and the coordinator reads the union, partitioned on shard_key
 * when the node has one (shard_key.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "foreign/foreign.h"
#include "libpq-fe.h"
#include "utils/builtins.h"

#include "define.h"

static void check_remote_module(PGconn *conn, const char *server, const char *schema,
								const char *display);
static List *check_server_list(const char *display, const char *text);

/*
 * define_placement_tags is tags (or none) with the tag placement that
 * placement => gives; a placement tag among tags that says otherwise is an
 * error.  shard_key => is the tag shard_key (shard_key.c).
 */
Jsonb *
define_placement_tags(Jsonb *tags, const char *placement, const char *shard_key)
{
	char	   *text;
	char		kind;

	/* (shard) shard_key => is the tag shard_key (shard_key.c) */
	if (shard_key)
		tags = define_shard_key_tag(tags, shard_key);
	if (placement == NULL)
		return tags;
	if (tags && jsonb_object_get(tags, "placement", &text, &kind) && strcmp(text, placement) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("placement => '%s' and the tag placement %s disagree", placement, text),
				 errdetail("The tag placement and placement => are the same option, given twice."),
				 errhint("Give it once: placement => '%s'.", placement)));
	/* a list of servers is JSON (a sharded node), checked with the tag */
	return define_tags_with(tags, "placement", placement, placement[0] == '[');
}

/*
 * define_check_placement checks the tag placement among tags, if any, for
 * node display of module schema: one server's name (a list is refused),
 * a postgres_fdw server with the caller's user mapping, reachable, with
 * pg_hamilton and the module there.  Also refused: a placement the
 * catalog cannot honour (older than 1.4), and options that would not act
 * on another server (see define_refuse_placed).
 */
void
define_check_placement(const char *display, const char *schema, Jsonb *tags)
{
	char	   *server;
	char		kind;
	char	   *what;
	ForeignServer *fs;
	PGconn	   *conn;
	List	   *servers;
	ListCell   *lc;

	if (tags == NULL || !jsonb_object_get(tags, "placement", &server, &kind) ||
		kind == JSON_KIND_NULL)
		return;
	if (!(kind == JSON_KIND_STRING || kind == JSON_KIND_CONTAINER) || server[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid placement of node %s", display),
				 errdetail("A placement is the name of a postgres_fdw server, or a JSON list of them; it is %s.", server),
				 errhint("placement => 'east', after CREATE SERVER east FOREIGN DATA WRAPPER postgres_fdw ...")));
	servers = check_server_list(display, server);
	if (!catalog_keeps_remote_commits())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("node %s cannot be placed on server \"%s\": the catalog is older than version 1.4", display, server),
				 errdetail("A placed node's run records its remote transactions in hamilton.remote_commit, which this catalog lacks."),
				 errhint("ALTER EXTENSION hamilton UPDATE;")));
	what = psprintf("node %s", display);
	foreach(lc, servers)
	{
		server = lfirst(lc);
		fs = remote_server_checked(server, what);
		conn = remote_connect(fs, what);
		PG_TRY();
		{
			check_remote_module(conn, server, schema, display);
		}
		PG_FINALLY();
		{
			PQfinish(conn);
		}
		PG_END_TRY();
	}
}

/*
 * check_server_list is the servers a placement names: one name, or (a
 * sharded node) a non-empty JSON list of distinct names.  text is the
 * tag's value as jsonb_object_get reads it, or as the catalog keeps it (a
 * list's JSON text, read back as a string).
 */
static List *
check_server_list(const char *display, const char *text)
{
	Jsonb	   *list;
	List	   *texts,
			   *kinds;
	ListCell   *lc,
			   *lk;

	if (text[0] != '[')
		return list_make1(pstrdup(text));
	list = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
	if (!jsonb_array_items(list, &texts, &kinds) || texts == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid placement of node %s", display),
				 errdetail("A sharded node's placement is a non-empty JSON list of server names; it is %s.", text),
				 errhint("placement => '[\"east\", \"west\"]'")));
	forboth(lc, texts, lk, kinds)
	{
		ListCell   *other;

		if ((char) lfirst_int(lk) != JSON_KIND_STRING || ((char *) lfirst(lc))[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid placement of node %s", display),
					 errdetail("Each element of a sharded node's placement is a server's name, a string; %s has another kind of element.", text),
					 errhint("placement => '[\"east\", \"west\"]'")));
		foreach(other, texts)
			if (other != lc && strcmp(lfirst(other), lfirst(lc)) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("placement of node %s names server \"%s\" twice", display, (char *) lfirst(lc)),
						 errdetail("A sharded node runs once on each of its servers, over that server's data."),
						 errhint("Name each server once.")));
	}
	return texts;
}

/*
 * check_remote_module: pg_hamilton is installed on the server, and so is
 * the node's module, a schema of the same name.
 */
static void
check_remote_module(PGconn *conn, const char *server, const char *schema, const char *display)
{
	const char *where = psprintf("server \"%s\"", server);
	const char *params[1];
	PGresult   *res;
	bool		found;

	res = remote_exec(conn, "SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'hamilton'",
					  0, NULL, where, true, NULL);
	found = PQntuples(res) > 0;
	PQclear(res);
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_hamilton is not installed on server \"%s\" of node %s", server, display),
				 errdetail("A placed node runs on a server where pg_hamilton is installed, in the database its foreign server names."),
				 errhint("On that server: CREATE EXTENSION hamilton;")));
	params[0] = schema;
	res = remote_exec(conn, "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1",
					  1, params, where, true, NULL);
	found = PQntuples(res) > 0;
	PQclear(res);
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_SCHEMA_NAME),
				 errmsg("module %s of node %s does not exist on server \"%s\"",
						quote_identifier(schema), display, server),
				 errdetail("A node's module has the same name on every server where it runs; its sources and its result live there."),
				 errhint("On that server: CREATE SCHEMA %s; with the tables the node reads.",
						 quote_identifier(schema))));
}

/*
 * define_refuse_placed refuses the options of a placed SQL node that would
 * not act as declared on another server: a column or scalar node, a frame, an
 * incremental node, a concurrent refresh.
 */
void
define_refuse_placed(const char *display, const char *kind, bool frame, bool incremental,
					 bool concurrent)
{
	const char *what = strcmp(kind, "column") == 0 ? "a column node" :
		strcmp(kind, "scalar") == 0 ? "a scalar node, whose one value the coordinator computes" :
		frame ? "a frame (key, extract_columns)" :
		incremental ? "an incremental node" :
		concurrent ? "a node refreshed concurrently" : NULL;

	if (what)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("node %s cannot be placed on another server: it is %s", display, what),
				 errdetail("A placed node is a table node whose whole result is built on its server; this version places no other kind."),
				 errhint("Place a plain table node (hamilton_define('%s', 'SELECT ...', placement => '...')), or leave placement out.",
						 display)));
}
