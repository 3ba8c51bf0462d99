/*-------------------------------------------------------------------------
 *
 * remote_keep.c
 *	  (servers2) Whether the coordinator's relations of a placed result
 *	  already match it (several servers, issue 14), so that a run whose
 *	  result kept its columns makes no foreign-table DDL for it: the
 *	  foreign table of a node on one server, and a sharded node's foreign
 *	  tables (node@server) and the UNION ALL view over them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "exec.h"

/*
 * remote_foreign_table_matches: is rel a foreign table of server, with
 * exactly these columns (as CREATE FOREIGN TABLE takes them)?
 */
bool
remote_foreign_table_matches(Oid rel, const char *server, const char *columns)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(rel)};
	char	   *srv;
	char	   *cols;

	if (!OidIsValid(rel) || get_rel_relkind(rel) != RELKIND_FOREIGN_TABLE)
		return false;
	spi_exec_checked("SELECT s.srvname::text, (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname) "
					 "OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) pg_catalog.format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) "
					 "FROM pg_catalog.pg_attribute a WHERE a.attrelid = ft.ftrelid AND a.attnum > 0 AND NOT a.attisdropped) "
					 "FROM pg_catalog.pg_foreign_table ft JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver "
					 "WHERE ft.ftrelid = $1", 1, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed != 1)
		return false;
	srv = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	cols = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	return srv && cols && strcmp(srv, server) == 0 && strcmp(cols, columns) == 0;
}

static int	name_cmp(const ListCell *a, const ListCell *b);

/*
 * remote_shards_match: is view (the sharded node schema.name's relation) a
 * view over exactly the foreign tables name@server of its servers, each of
 * its server and with these columns?  Then the run keeps all of them.
 */
bool
remote_shards_match(Oid view, const char *schema, const char *name, List *servers,
					const char *columns)
{
	Oid			nsp = get_namespace_oid(schema, false);
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(view)};
	List	   *shards = NIL;
	StringInfoData want;
	ListCell   *lc;
	char	   *names;

	if (!OidIsValid(view) || get_rel_relkind(view) != RELKIND_VIEW)
		return false;
	foreach(lc, servers)
	{
		char	   *shard = psprintf("%s@%s", name, (char *) lfirst(lc));

		CHECK_FOR_INTERRUPTS();
		if (!remote_foreign_table_matches(get_relname_relid(shard, nsp), lfirst(lc), columns))
			return false;
		shards = lappend(shards, shard);
	}
	/* the relations the view reads: exactly those shards */
	spi_exec_checked("SELECT pg_catalog.string_agg(DISTINCT c.relname::text COLLATE \"C\", ',' ORDER BY c.relname::text COLLATE \"C\") "
					 "FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_depend d "
					 "  ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid "
					 " AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid <> r.ev_class "
					 "JOIN pg_catalog.pg_class c ON c.oid = d.refobjid "
					 "WHERE r.ev_class = $1", 1, argtypes, values, NULL, SPI_OK_SELECT);
	names = SPI_processed == 1 ? SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1) : NULL;
	if (names == NULL)
		return false;
	list_sort(shards, name_cmp);
	initStringInfo(&want);
	foreach(lc, shards)
		appendStringInfo(&want, "%s%s", want.len ? "," : "", (char *) lfirst(lc));
	return strcmp(names, want.data) == 0;
}

/* name_cmp orders names bytewise, as COLLATE "C" does. */
static int
name_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(lfirst(a), lfirst(b));
}
