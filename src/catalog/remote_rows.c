/*-------------------------------------------------------------------------
 *
 * remote_rows.c
 *	  hamilton.remote_commit: the remote transactions a run prepared on the
 *	  servers of its placed nodes (several servers, issue 14), and the
 *	  placement tags that say where a node runs.
 *
 * A run writes its rows in its own transaction, after PREPARE TRANSACTION
 * succeeded on every server and before it commits: a row exists exactly
 * when the run committed, which is how hamilton_recover() decides a gid
 * whose transaction's status is too old to be known.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/xid8.h"

#include "catalog.h"

static bool owner_finds(const char *sql, Oid argtype, Datum value);

/*
 * catalog_keeps_remote_commits: has the catalog hamilton.remote_commit
 * (version 1.4 on)?
 */
bool
catalog_keeps_remote_commits(void)
{
	return OidIsValid(catalog_table_relid("remote_commit"));
}

/*
 * catalog_insert_remote_commit records a prepared remote transaction, in
 * the run's transaction, as the owner.
 */
void
catalog_insert_remote_commit(const char *gid, int64 run_id, const char *server,
							 const char *node, FullTransactionId xid)
{
	Oid			argtypes[5] = {TEXTOID, INT8OID, TEXTOID, TEXTOID, XID8OID};
	Datum		values[5];
	OwnerScope	w;

	values[0] = CStringGetTextDatum(gid);
	values[1] = Int64GetDatum(run_id);
	values[2] = CStringGetTextDatum(server);
	values[3] = CStringGetTextDatum(node);
	values[4] = FullTransactionIdGetDatum(xid);
	catalog_owner_begin(&w);
	spi_exec_checked("INSERT INTO " CATALOG_TABLE("remote_commit") " (gid, run_id, server_name, node, xid) "
					 "VALUES ($1, $2, $3, $4, $5)", 5, argtypes, values, NULL, SPI_OK_INSERT);
	catalog_owner_end(&w);
}

/*
 * catalog_resolve_remote_commit notes how a gid was resolved ("committed"
 * or "rolled back"); returns false when no unresolved row has that gid.
 */
bool
catalog_resolve_remote_commit(const char *gid, const char *outcome)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	OwnerScope	w;

	values[0] = CStringGetTextDatum(gid);
	values[1] = CStringGetTextDatum(outcome);
	catalog_owner_begin(&w);
	spi_exec_checked("UPDATE " CATALOG_TABLE("remote_commit") " SET resolved_at = pg_catalog.now(), outcome = $2 "
					 "WHERE gid = $1 AND resolved_at IS NULL", 2, argtypes, values, NULL, SPI_OK_UPDATE);
	catalog_owner_end(&w);
	return SPI_processed > 0;
}

/*
 * catalog_remote_commit_recorded: is there a row for gid (resolved or not)?
 */
bool
catalog_remote_commit_recorded(const char *gid)
{
	return owner_finds("SELECT 1 FROM " CATALOG_TABLE("remote_commit") " WHERE gid = $1",
					   TEXTOID, CStringGetTextDatum(gid));
}

/*
 * catalog_remote_servers lists (char *) the servers recovery looks at: those
 * with an unresolved row, and those a placement tag names.
 */
List *
catalog_remote_servers(void)
{
	List	   *servers = NIL;
	uint64		i;
	OwnerScope	w;

	catalog_owner_begin(&w);
	spi_exec_checked("SELECT server_name FROM " CATALOG_TABLE("remote_commit") " WHERE resolved_at IS NULL "
					 "UNION SELECT tag_value FROM " CATALOG_TABLE("node_tag") " WHERE tag_key = 'placement' "
					 "ORDER BY 1", 0, NULL, NULL, NULL, SPI_OK_SELECT);
	catalog_owner_end(&w);
	for (i = 0; i < SPI_processed; i++)
		servers = lappend(servers, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	return servers;
}

/*
 * catalog_unresolved_remote_commits lists the unresolved gids (char *) on a
 * server, with their runs (int64, in runs).
 */
List *
catalog_unresolved_remote_commits(const char *server, List **runs)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	List	   *gids = NIL;
	uint64		i;
	OwnerScope	w;

	values[0] = CStringGetTextDatum(server);
	catalog_owner_begin(&w);
	spi_exec_checked("SELECT gid, run_id::text FROM " CATALOG_TABLE("remote_commit")
					 " WHERE server_name = $1 AND resolved_at IS NULL ORDER BY gid",
					 1, argtypes, values, NULL, SPI_OK_SELECT);
	catalog_owner_end(&w);
	*runs = NIL;
	for (i = 0; i < SPI_processed; i++)
	{
		gids = lappend(gids, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
		*runs = lappend(*runs, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2));
	}
	return gids;
}

/*
 * catalog_read_placements lists the placement tags: triples of char *
 * (schema, node, server), one after the other.
 */
List *
catalog_read_placements(void)
{
	return catalog_read_tags_named("placement");	/* (shard) shard_rows.c */
}

/*
 * catalog_run_running: is run run_id running now (hamilton.runs says so:
 * its transaction holds the run's lock)?
 */
bool
catalog_run_running(int64 run_id)
{
	return owner_finds("SELECT 1 FROM " CATALOG_TABLE("runs") " WHERE run_id = $1 AND status = 'running'",
					   INT8OID, Int64GetDatum(run_id));
}

/* owner_finds: does sql, with one parameter, find a row, read as the owner? */
static bool
owner_finds(const char *sql, Oid argtype, Datum value)
{
	Oid			argtypes[1] = {argtype};
	Datum		values[1] = {value};
	OwnerScope	w;

	catalog_owner_begin(&w);
	spi_exec_checked(sql, 1, argtypes, values, NULL, SPI_OK_SELECT);
	catalog_owner_end(&w);
	return SPI_processed > 0;
}
