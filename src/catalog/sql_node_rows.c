/*-------------------------------------------------------------------------
 *
 * sql_node_rows.c
 *	  hamilton.sql_node: the nodes defined in SQL, one row per variant.
 *
 * Writes replace only a definition whose owner the caller checked: if
 * another role changed the node meanwhile, they match nothing and the
 * caller reports it.  Every variant of a node has the node's owner.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "catalog.h"

/*
 * catalog_node_owner_rows turns the rows of the last query, (owner,
 * config_when or NULL, function or NULL), into a List of NodeOwner.
 */
List *
catalog_node_owner_rows(void)
{
	List	   *owners = NIL;
	uint64		i;

	for (i = 0; i < SPI_processed; i++)
	{
		NodeOwner  *o = palloc0(sizeof(NodeOwner));
		bool		isnull;

		o->owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		o->config_when = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		o->function = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3);
		owners = lappend(owners, o);
	}
	return owners;
}

/*
 * catalog_sql_node_owners returns every variant of a SQL node with its owner
 * (a List of NodeOwner, in config_when order; NIL if there is none), read
 * with the latest snapshot: the caller holds the node's lock, and must see
 * what a definition it waited for committed.
 */
List *
catalog_sql_node_owners(const char *schema, const char *name)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	spi_exec_latest("SELECT owner::pg_catalog.oid, CASE WHEN config_when OPERATOR(pg_catalog.<>) '{}' "
					"  THEN config_when::pg_catalog.text END, NULL::pg_catalog.text "
					"FROM " CATALOG_TABLE("sql_node") " WHERE schema_name = $1 AND node_name = $2 "
					"ORDER BY config_when::pg_catalog.text",
					2, argtypes, values, NULL, SPI_OK_SELECT);
	return catalog_node_owner_rows();
}

/*
 * SQL_NODE_WRITE is catalog_write_sql_node's statement; from version 1.1 on
 * the owner's name is written next to its OID (versions.c), which is what a
 * dump carries to another cluster; from 1.2 on, how the result is
 * refreshed and on which key ($16, $17).
 */
#define SQL_NODE_WRITE(NAME_COLUMN, NAME_VALUE, REFRESH_SET) \
	"INSERT INTO " CATALOG_TABLE("sql_node") " AS s (schema_name, node_name, definition, doc, " \
	"  materialize, declared_inputs, owner, kind, frame_key, extract_columns, " \
	"  frame_columns, frame_types, config_when, parameterized" NAME_COLUMN ") " \
	"VALUES ($1, $2, $3, $4, $5, $6, $7::regrole, $9, $10, $11, $12, $13, $14::jsonb, $15::jsonb" NAME_VALUE ") " \
	"ON CONFLICT (schema_name, node_name, config_when) DO UPDATE SET " \
	"  definition = excluded.definition, doc = excluded.doc, " \
	"  materialize = excluded.materialize, declared_inputs = excluded.declared_inputs, " \
	"  kind = excluded.kind, frame_key = excluded.frame_key, " \
	"  extract_columns = excluded.extract_columns, frame_columns = excluded.frame_columns, " \
	"  frame_types = excluded.frame_types, parameterized = excluded.parameterized, " \
	REFRESH_SET "defined_at = pg_catalog.now() " \
	"WHERE s.owner::oid OPERATOR(pg_catalog.=) $8"
#define OWNER_NAME_VALUE ", (SELECT r.rolname FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) $7)"

/*
 * catalog_write_sql_node inserts or replaces one variant of a SQL node; a
 * new variant is owned by row->owner, a replaced one keeps its owner.
 * Returns false when the row changed owner since row->previous_owner was
 * checked.
 */
bool
catalog_write_sql_node(const SqlNodeRow *row)
{
	Oid			argtypes[17] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID, OIDOID, OIDOID,
	TEXTOID, TEXTARRAYOID, BOOLOID, TEXTARRAYOID, TEXTARRAYOID, TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID};
	Datum		values[17];
	char		nulls[17];
	bool		frame = row->frame_key != NULL;
	OwnerScope	w;

	memset(nulls, ' ', sizeof(nulls));
	values[0] = CStringGetTextDatum(row->schema);
	values[1] = CStringGetTextDatum(row->name);
	values[2] = CStringGetTextDatum(row->definition);
	values[3] = row->doc ? CStringGetTextDatum(row->doc) : (Datum) 0;
	nulls[3] = row->doc ? ' ' : 'n';
	values[4] = CStringGetTextDatum(row->materialize);
	values[5] = row->declared ? PointerGetDatum(row->declared) :
		PointerGetDatum(construct_empty_array(TEXTOID));
	values[6] = ObjectIdGetDatum(row->owner);
	values[7] = ObjectIdGetDatum(row->previous_owner);
	nulls[7] = OidIsValid(row->previous_owner) ? ' ' : 'n';
	values[8] = CStringGetTextDatum(row->kind);
	values[9] = frame ? PointerGetDatum(row->frame_key) : (Datum) 0;
	nulls[9] = frame ? ' ' : 'n';
	values[10] = BoolGetDatum(frame && row->extract_columns);
	values[11] = frame ? PointerGetDatum(row->frame_columns) : (Datum) 0;
	nulls[11] = frame ? ' ' : 'n';
	values[12] = frame ? PointerGetDatum(row->frame_types) : (Datum) 0;
	nulls[12] = frame ? ' ' : 'n';
	values[13] = CStringGetTextDatum(row->config_when);
	values[14] = row->parameterized ? CStringGetTextDatum(row->parameterized) : (Datum) 0;
	nulls[14] = row->parameterized ? ' ' : 'n';
	values[15] = CStringGetTextDatum(row->refresh ? row->refresh : "replace");
	values[16] = row->refresh_key ? PointerGetDatum(row->refresh_key) : (Datum) 0;
	nulls[16] = row->refresh_key ? ' ' : 'n';

	catalog_owner_begin(&w);
	if (catalog_keeps_refresh())
		spi_exec_checked(SQL_NODE_WRITE(", owner_name, refresh, refresh_key", OWNER_NAME_VALUE ", $16, $17",
										"refresh = excluded.refresh, refresh_key = excluded.refresh_key, "),
						 17, argtypes, values, nulls, SPI_OK_INSERT);
	else
		spi_exec_checked(catalog_keeps_owner_names() ?
						 SQL_NODE_WRITE(", owner_name", OWNER_NAME_VALUE, "") :
						 SQL_NODE_WRITE("", "", ""),
						 15, argtypes, values, nulls, SPI_OK_INSERT);
	catalog_owner_end(&w);
	return SPI_processed == 1;
}

/*
 * catalog_delete_sql_node removes every variant of a SQL node, as owners
 * (from catalog_sql_node_owners) listed them, whose owners were checked.
 * Returns false when the variants are not those any more.
 */
bool
catalog_delete_sql_node(const char *schema, const char *name, List *owners)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, OIDARRAYOID};
	Datum		values[3];
	Datum	   *oids = palloc(sizeof(Datum) * Max(list_length(owners), 1));
	ListCell   *lc;
	OwnerScope	w;

	foreach(lc, owners)
		oids[foreach_current_index(lc)] = ObjectIdGetDatum(((NodeOwner *) lfirst(lc))->owner);
	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	values[2] = PointerGetDatum(construct_array(oids, list_length(owners), OIDOID,
												sizeof(Oid), true, TYPALIGN_INT));
	catalog_owner_begin(&w);
	spi_exec_latest("DELETE FROM " CATALOG_TABLE("sql_node") " WHERE schema_name = $1 AND node_name = $2 "
					"AND owner::pg_catalog.oid OPERATOR(pg_catalog.=) ANY ($3)",
					3, argtypes, values, NULL, SPI_OK_DELETE);
	catalog_owner_end(&w);
	return SPI_processed == (uint64) list_length(owners);
}

/*
 * catalog_variant_of_other_kind returns the config_when of a variant of the
 * node that is not of this kind ("table" or "column"), or NULL.
 */
char *
catalog_variant_of_other_kind(const char *schema, const char *name, const char *kind)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	values[2] = CStringGetTextDatum(kind);
	spi_exec_checked("SELECT config_when::text FROM " CATALOG_TABLE("sql_node") " "
					 "WHERE schema_name = $1 AND node_name = $2 AND kind <> $3 "
					 "ORDER BY 1 LIMIT 1",
					 3, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return NULL;
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/*
 * catalog_name_taken: the first of names (text[]) that already names
 * something in a module other than node "except" itself: a function, a SQL
 * node, or a column another frame extracts.  Returns NULL if none, else the
 * name, with what holds it in *what.
 */
char *
catalog_name_taken(Oid nsp, const char *schema, ArrayType *names,
				   const char *except, char **what)
{
	Oid			argtypes[4] = {OIDOID, TEXTOID, TEXTARRAYOID, TEXTOID};
	Datum		values[4];

	values[0] = ObjectIdGetDatum(nsp);
	values[1] = CStringGetTextDatum(schema);
	values[2] = PointerGetDatum(names);
	values[3] = CStringGetTextDatum(except);
	spi_exec_checked("SELECT c, what FROM ("
					 " SELECT p.proname::text, 'function ' || p.oid::regprocedure::text FROM pg_catalog.pg_proc p "
					 "  WHERE p.pronamespace = $1 AND p.proname::text = ANY ($3) "
					 " UNION ALL SELECT s.node_name::text, 'SQL node ' || pg_catalog.quote_ident(s.schema_name) || '.' || pg_catalog.quote_ident(s.node_name) "
					 "  FROM " CATALOG_TABLE("sql_node") " s WHERE s.schema_name = $2 AND s.node_name::text = ANY ($3) AND s.node_name <> $4 "
					 " UNION ALL SELECT c, 'a column of frame ' || pg_catalog.quote_ident(s.schema_name) || '.' || pg_catalog.quote_ident(s.node_name) "
					 "  FROM " CATALOG_TABLE("sql_node") " s, pg_catalog.unnest(s.frame_columns) c "
					 "  WHERE s.schema_name = $2 AND s.extract_columns AND s.node_name <> $4 AND c = ANY ($3) "
					 "    AND c <> ALL (s.frame_key) "
					 " UNION ALL SELECT $4::text, 'the frame itself' WHERE $4 = ANY ($3) "
					 ") AS t(c, what) ORDER BY 1, 2 LIMIT 1",
					 4, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return NULL;
	*what = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}
