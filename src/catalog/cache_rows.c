/*-------------------------------------------------------------------------
 *
 * cache_rows.c
 *	  hamilton.cache_entry: what each cached result was made from (see
 *	  exec/cache_skip.c), the cache tags, and node_run.cached_from.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "catalog.h"

static List *oid_array_list(Datum d);
static Datum oid_list_array(List *oids);

/* oid_array_list turns an oid[] into a List of Oids. */
static List *
oid_array_list(Datum d)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	List	   *out = NIL;

	deconstruct_array(DatumGetArrayTypeP(d), OIDOID, sizeof(Oid), true, TYPALIGN_INT,
					  &elems, &nulls, &n);
	for (i = 0; i < n; i++)
		if (!nulls[i])
			out = lappend_oid(out, DatumGetObjectId(elems[i]));
	return out;
}

/* oid_list_array turns a List of Oids into an oid[]. */
static Datum
oid_list_array(List *oids)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(oids), 1));
	ListCell   *lc;
	int			n = 0;

	foreach(lc, oids)
		elems[n++] = ObjectIdGetDatum(lfirst_oid(lc));
	return PointerGetDatum(construct_array(elems, n, OIDOID, sizeof(Oid), true, TYPALIGN_INT));
}

/*
 * catalog_cache_available: does this database's catalog keep cache entries
 * (version 1.3 on)?
 */
bool
catalog_cache_available(void)
{
	Oid			nsp = get_namespace_oid(HAMILTON_SCHEMA, true);

	return OidIsValid(nsp) && OidIsValid(get_relname_relid("cache_entry", nsp));
}

/* ENTRY_COLUMNS: what entry_from_row reads, an entry and its result. */
#define ENTRY_COLUMNS \
	"SELECT e.schema_name, e.node_name, e.relation, e.run_id, e.behaviour, e.cache_key, e.data_version, " \
	"       e.snapshot::pg_catalog.text, e.xid::pg_catalog.text, e.sources, e.functions, " \
	"       e.deps_state, e.reusable, e.reason, e.rows, r.relation, r.run_id, r.fingerprint " \
	"FROM " CATALOG_TABLE("cache_entry") " e " \
	"LEFT JOIN " CATALOG_TABLE("result") " r USING (schema_name, node_name) "

/*
 * text_column is column col (text) of row, or NULL; read without looking
 * up the type's output function, as SPI_getvalue does for every value.
 */
static char *
text_column(HeapTuple row, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(row, desc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* name_column is column col (name, never NULL) of row. */
static char *
name_column(HeapTuple row, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(row, desc, col, &isnull);

	return isnull ? NULL : pstrdup(NameStr(*DatumGetName(d)));
}

/* entry_from_row turns row r of SPI_tuptable (ENTRY_COLUMNS) into an entry. */
static CacheEntry *
entry_from_row(uint64 r)
{
	HeapTuple	row = SPI_tuptable->vals[r];
	TupleDesc	desc = SPI_tuptable->tupdesc;
	CacheEntry *e = palloc0(sizeof(CacheEntry));
	bool		isnull;
	Datum		d;

	e->schema = name_column(row, desc, 1);
	e->name = name_column(row, desc, 2);
	e->relation = DatumGetObjectId(SPI_getbinval(row, desc, 3, &isnull));
	e->run_id = DatumGetInt64(SPI_getbinval(row, desc, 4, &isnull));
	e->behaviour = text_column(row, desc, 5);
	e->key = text_column(row, desc, 6);
	e->data_version = text_column(row, desc, 7);
	e->snapshot = text_column(row, desc, 8);
	e->xid = text_column(row, desc, 9);
	e->sources = oid_array_list(SPI_getbinval(row, desc, 10, &isnull));
	e->functions = oid_array_list(SPI_getbinval(row, desc, 11, &isnull));
	e->deps_state = text_column(row, desc, 12);
	e->reusable = DatumGetBool(SPI_getbinval(row, desc, 13, &isnull));
	e->reason = text_column(row, desc, 14);
	d = SPI_getbinval(row, desc, 15, &isnull);
	e->has_rows = !isnull;
	e->rows = isnull ? 0 : DatumGetInt64(d);
	d = SPI_getbinval(row, desc, 16, &isnull);
	e->result_relation = isnull ? InvalidOid : DatumGetObjectId(d);
	d = SPI_getbinval(row, desc, 17, &isnull);
	e->result_run_id = isnull ? -1 : DatumGetInt64(d);
	e->result_fingerprint = text_column(row, desc, 18);
	return e;
}

/*
 * catalog_read_cache_entry reads the entry of node schema.name, or returns
 * NULL.  Its result's run and relation come from hamilton.result.
 */
CacheEntry *
catalog_read_cache_entry(const char *schema, const char *name)
{
	Oid			argtypes[2] = {NAMEOID, NAMEOID};
	Datum		values[2];
	OwnerScope	w;
	CacheEntry *e = NULL;
	MemoryContext cxt = CurrentMemoryContext;

	values[0] = CStringGetDatum(schema);
	values[1] = CStringGetDatum(name);
	catalog_owner_begin(&w);
	spi_exec_checked(ENTRY_COLUMNS
					 "WHERE e.schema_name OPERATOR(pg_catalog.=) $1 AND e.node_name OPERATOR(pg_catalog.=) $2",
					 2, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 1)
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);

		e = entry_from_row(0);
		MemoryContextSwitchTo(old);
	}
	catalog_owner_end(&w);
	return e;
}

/* catalog_read_cache_entries reads every entry (CacheEntry *). */
List *
catalog_read_cache_entries(void)
{
	OwnerScope	w;
	List	   *out = NIL;
	MemoryContext cxt = CurrentMemoryContext;
	uint64		r;

	catalog_owner_begin(&w);
	spi_exec_checked(ENTRY_COLUMNS, 0, NULL, NULL, NULL, SPI_OK_SELECT);
	for (r = 0; r < SPI_processed; r++)
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);

		out = lappend(out, entry_from_row(r));
		MemoryContextSwitchTo(old);
	}
	catalog_owner_end(&w);
	return out;
}

/*
 * catalog_read_cache_tags reads every cache tag, as a List of char *[3]:
 * schema, node, behaviour.
 */
List *
catalog_read_cache_tags(void)
{
	return catalog_read_node_tags("cache");
}

/*
 * catalog_read_node_tags reads every tag of one key, as a List of char *[3]:
 * schema, node, value (a JSON value other than a string as its text).
 */
List *
catalog_read_node_tags(const char *key)
{
	OwnerScope	w;
	List	   *out = NIL;
	MemoryContext cxt = CurrentMemoryContext;
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	uint64		r;

	values[0] = CStringGetTextDatum(key);
	catalog_owner_begin(&w);
	spi_exec_checked("SELECT t.schema_name, t.node_name, t.tag_value FROM " CATALOG_TABLE("node_tag") " t "
					 "WHERE t.tag_key OPERATOR(pg_catalog.=) $1",
					 1, argtypes, values, NULL, SPI_OK_SELECT);
	for (r = 0; r < SPI_processed; r++)
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);
		char	  **t = palloc(sizeof(char *) * 3);
		int			c;

		for (c = 0; c < 3; c++)
			t[c] = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, c + 1);
		out = lappend(out, t);
		MemoryContextSwitchTo(old);
	}
	catalog_owner_end(&w);
	return out;
}

/* catalog_write_cache_entry inserts or replaces a node's entry. */
void
catalog_write_cache_entry(const CacheEntry *e)
{
	Oid			argtypes[15] = {NAMEOID, NAMEOID, OIDOID, INT8OID, TEXTOID, TEXTOID, TEXTOID,
		TEXTOID, TEXTOID, OIDARRAYOID, OIDARRAYOID, TEXTOID, BOOLOID, TEXTOID, INT8OID};
	Datum		values[15];
	char		nulls[16] = "               ";
	OwnerScope	w;

	values[0] = CStringGetDatum(e->schema);
	values[1] = CStringGetDatum(e->name);
	values[2] = ObjectIdGetDatum(e->relation);
	values[3] = Int64GetDatum(e->run_id);
	values[4] = CStringGetTextDatum(e->behaviour);
	values[5] = CStringGetTextDatum(e->key);
	values[6] = CStringGetTextDatum(e->data_version);
	values[7] = CStringGetTextDatum(e->snapshot);
	values[8] = CStringGetTextDatum(e->xid);
	values[9] = oid_list_array(e->sources);
	values[10] = oid_list_array(e->functions);
	values[11] = CStringGetTextDatum(e->deps_state);
	values[12] = BoolGetDatum(e->reusable);
	if (e->reason)
		values[13] = CStringGetTextDatum(e->reason);
	else
		nulls[13] = 'n';
	values[14] = Int64GetDatum(e->rows);
	if (!e->has_rows)
		nulls[14] = 'n';
	catalog_owner_begin(&w);
	spi_exec_checked("INSERT INTO " CATALOG_TABLE("cache_entry") " AS e (schema_name, node_name, relation, run_id, "
					 "  behaviour, cache_key, data_version, snapshot, xid, sources, functions, deps_state, "
					 "  reusable, reason, rows) "
					 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::pg_catalog.pg_snapshot, $9::pg_catalog.xid8, "
					 "  $10, $11, $12, $13, $14, $15) "
					 "ON CONFLICT (schema_name, node_name) DO UPDATE SET relation = EXCLUDED.relation, "
					 "  run_id = EXCLUDED.run_id, behaviour = EXCLUDED.behaviour, cache_key = EXCLUDED.cache_key, "
					 "  data_version = EXCLUDED.data_version, snapshot = EXCLUDED.snapshot, xid = EXCLUDED.xid, "
					 "  sources = EXCLUDED.sources, functions = EXCLUDED.functions, "
					 "  deps_state = EXCLUDED.deps_state, reusable = EXCLUDED.reusable, "
					 "  reason = EXCLUDED.reason, rows = EXCLUDED.rows, made_at = pg_catalog.now()",
					 15, argtypes, values, nulls, SPI_OK_INSERT);
	catalog_owner_end(&w);
}

/*
 * catalog_delete_cache_entry forgets a node's entry; returns whether there
 * was one.
 */
bool
catalog_delete_cache_entry(const char *schema, const char *name)
{
	Oid			argtypes[2] = {NAMEOID, NAMEOID};
	Datum		values[2];
	OwnerScope	w;
	bool		found;

	values[0] = CStringGetDatum(schema);
	values[1] = CStringGetDatum(name);
	catalog_owner_begin(&w);
	spi_exec_checked("DELETE FROM " CATALOG_TABLE("cache_entry") " e "
					 "WHERE e.schema_name OPERATOR(pg_catalog.=) $1 AND e.node_name OPERATOR(pg_catalog.=) $2",
					 2, argtypes, values, NULL, SPI_OK_DELETE);
	found = SPI_processed > 0;
	catalog_owner_end(&w);
	return found;
}
