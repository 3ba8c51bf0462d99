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
	spi_exec_checked("SELECT e.relation, e.run_id, e.behaviour, e.cache_key, e.data_version, "
					 "       e.snapshot::pg_catalog.text, e.xid::pg_catalog.text, e.sources, e.functions, "
					 "       e.deps_state, e.reusable, e.reason, e.rows, r.relation, r.run_id, r.fingerprint "
					 "FROM " CATALOG_TABLE("cache_entry") " e "
					 "LEFT JOIN " CATALOG_TABLE("result") " r USING (schema_name, node_name) "
					 "WHERE e.schema_name OPERATOR(pg_catalog.=) $1 AND e.node_name OPERATOR(pg_catalog.=) $2",
					 2, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 1)
	{
		HeapTuple	row = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		d;
		MemoryContext old = MemoryContextSwitchTo(cxt);

		e = palloc0(sizeof(CacheEntry));
		e->schema = pstrdup(schema);
		e->name = pstrdup(name);
		e->relation = DatumGetObjectId(SPI_getbinval(row, desc, 1, &isnull));
		e->run_id = DatumGetInt64(SPI_getbinval(row, desc, 2, &isnull));
		e->behaviour = SPI_getvalue(row, desc, 3);
		e->key = SPI_getvalue(row, desc, 4);
		e->data_version = SPI_getvalue(row, desc, 5);
		e->snapshot = SPI_getvalue(row, desc, 6);
		e->xid = SPI_getvalue(row, desc, 7);
		e->sources = oid_array_list(SPI_getbinval(row, desc, 8, &isnull));
		e->functions = oid_array_list(SPI_getbinval(row, desc, 9, &isnull));
		e->deps_state = SPI_getvalue(row, desc, 10);
		e->reusable = DatumGetBool(SPI_getbinval(row, desc, 11, &isnull));
		e->reason = SPI_getvalue(row, desc, 12);
		d = SPI_getbinval(row, desc, 13, &isnull);
		e->has_rows = !isnull;
		e->rows = isnull ? 0 : DatumGetInt64(d);
		d = SPI_getbinval(row, desc, 14, &isnull);
		e->result_relation = isnull ? InvalidOid : DatumGetObjectId(d);
		d = SPI_getbinval(row, desc, 15, &isnull);
		e->result_run_id = isnull ? -1 : DatumGetInt64(d);
		e->result_fingerprint = SPI_getvalue(row, desc, 16);
		MemoryContextSwitchTo(old);
	}
	catalog_owner_end(&w);
	return e;
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

/*
 * catalog_cache_tag is the cache tag of node schema.name (auto, recompute,
 * disable or ignore), or NULL.
 */
char *
catalog_cache_tag(const char *schema, const char *name)
{
	Oid			argtypes[2] = {NAMEOID, NAMEOID};
	Datum		values[2];
	OwnerScope	w;
	char	   *tag = NULL;
	MemoryContext cxt = CurrentMemoryContext;

	values[0] = CStringGetDatum(schema);
	values[1] = CStringGetDatum(name);
	catalog_owner_begin(&w);
	spi_exec_checked("SELECT t.tag_value FROM " CATALOG_TABLE("node_tag") " t "
					 "WHERE t.schema_name OPERATOR(pg_catalog.=) $1 AND t.node_name OPERATOR(pg_catalog.=) $2 "
					 "AND t.tag_key OPERATOR(pg_catalog.=) 'cache'",
					 2, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 1)
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);

		tag = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		MemoryContextSwitchTo(old);
	}
	catalog_owner_end(&w);
	return tag;
}

/*
 * catalog_set_cached_from notes, on the steps of run run_id that kept a
 * cached result, the run that made it (steps and runs, n of each).
 */
void
catalog_set_cached_from(int64 run_id, int n, const int *steps, const int64 *from)
{
	Datum	   *s = palloc(sizeof(Datum) * Max(n, 1));
	Datum	   *f = palloc(sizeof(Datum) * Max(n, 1));
	Oid			argtypes[3] = {INT8OID, INT4ARRAYOID, INT8ARRAYOID};
	Datum		values[3];
	OwnerScope	w;
	int			i;

	if (n == 0)
		return;
	for (i = 0; i < n; i++)
	{
		s[i] = Int32GetDatum(steps[i]);
		f[i] = Int64GetDatum(from[i]);
	}
	values[0] = Int64GetDatum(run_id);
	values[1] = PointerGetDatum(construct_array(s, n, INT4OID, sizeof(int32), true, TYPALIGN_INT));
	values[2] = PointerGetDatum(construct_array(f, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	catalog_owner_begin(&w);
	spi_exec_checked("UPDATE " CATALOG_TABLE("node_run") " nr SET cached_from = u.f "
					 "FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3)) AS u(s, f) "
					 "WHERE nr.run_id OPERATOR(pg_catalog.=) $1 AND nr.step OPERATOR(pg_catalog.=) u.s",
					 3, argtypes, values, NULL, SPI_OK_UPDATE);
	catalog_owner_end(&w);
}
