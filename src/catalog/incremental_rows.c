/*-------------------------------------------------------------------------
 *
 * incremental_rows.c
 *	  hamilton.incremental_node and hamilton.incremental_range: each
 *	  incremental node's spec, and the ranges it has processed.
 *
 * A run writes a batch's range in the same transaction as the batch's
 * rows, so the two commit or roll back together: a failure, a cancel or a
 * crash leaves no hole and no duplicate.  Ids are kept as int8range
 * (inclusive ranges [a, b] become [a, b+1)), instants as tstzrange; the
 * text of an instant is ISO 8601 (to_jsonb), which reads back the same
 * whatever DateStyle says.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "catalog.h"

#define NODE_IS "schema_name OPERATOR(pg_catalog.=) $1 AND node_name OPERATOR(pg_catalog.=) $2"

static void exec_on_node(const char *sql, const char *schema, const char *name, int nextra,
						 Oid *extra_types, Datum *extra_values, const char *extra_nulls,
						 int expected);

/*
 * How a statement names a node's ranges: the column, the range of $3 and
 * $4 (ids inclusive at both ends, instants [start, end)), its multirange
 * type, and a bound as text.
 */
#define RANGE_COLUMN(by_time) ((by_time) ? "time_range" : "id_range")
#define RANGE_OF_PARAMS(by_time) ((by_time) ? \
	"pg_catalog.tstzrange($3::pg_catalog.timestamptz, $4::pg_catalog.timestamptz)" : \
	"pg_catalog.int8range($3::pg_catalog.int8, $4::pg_catalog.int8, '[]')")
#define MULTIRANGE(by_time) ((by_time) ? "pg_catalog.tstzmultirange" : "pg_catalog.int8multirange")
#define LOWER_TEXT(by_time) ((by_time) ? \
	"pg_catalog.to_jsonb(pg_catalog.lower(m)) OPERATOR(pg_catalog.#>>) '{}'" : "pg_catalog.lower(m)::text")
#define UPPER_TEXT(by_time) ((by_time) ? \
	"pg_catalog.to_jsonb(pg_catalog.upper(m)) OPERATOR(pg_catalog.#>>) '{}'" : \
	"(pg_catalog.upper(m) OPERATOR(pg_catalog.-) 1)::text")

/*
 * catalog_keeps_incremental: does the catalog have incremental nodes
 * (hamilton.incremental_node, version 1.3 on)?
 */
bool
catalog_keeps_incremental(void)
{
	Oid			nsp = get_namespace_oid(HAMILTON_SCHEMA, true);

	return OidIsValid(nsp) && OidIsValid(get_relname_relid("incremental_node", nsp));
}

/*
 * exec_on_node runs a statement of ours whose $1 and $2 are a node's
 * schema and name, followed by nextra more parameters, as the catalog's
 * owner.
 */
static void
exec_on_node(const char *sql, const char *schema, const char *name, int nextra,
			 Oid *extra_types, Datum *extra_values, const char *extra_nulls, int expected)
{
	Oid			types[8];
	Datum		values[8];
	char		nulls[9];
	OwnerScope	w;
	int			i;

	Assert(nextra <= 6);
	types[0] = types[1] = TEXTOID;
	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	nulls[0] = nulls[1] = ' ';
	for (i = 0; i < nextra; i++)
	{
		types[2 + i] = extra_types[i];
		values[2 + i] = extra_values[i];
		nulls[2 + i] = extra_nulls ? extra_nulls[i] : ' ';
	}
	nulls[2 + nextra] = '\0';
	catalog_owner_begin(&w);
	spi_exec_checked(sql, 2 + nextra, types, values, nulls, expected);
	catalog_owner_end(&w);
}

/*
 * catalog_read_incremental_specs returns every incremental node's spec
 * (JSON text), and in *names its node as "schema\nname".
 */
List *
catalog_read_incremental_specs(List **names)
{
	List	   *specs = NIL;
	uint64		i;

	spi_exec_checked("SELECT schema_name OPERATOR(pg_catalog.||) E'\\n' OPERATOR(pg_catalog.||) node_name, spec::text "
					 "FROM " CATALOG_TABLE("incremental_node") " ORDER BY 1",
					 0, NULL, NULL, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		*names = lappend(*names, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
		specs = lappend(specs, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2));
	}
	return specs;
}

/*
 * catalog_write_incremental stores a node's spec.  A spec that changed in
 * anything but on_change makes what the node processed meaningless: its
 * ranges are forgotten, and its next run rebuilds it from its start.
 */
void
catalog_write_incremental(const char *schema, const char *name, const char *spec_json)
{
	Oid			type = TEXTOID;
	Datum		value = CStringGetTextDatum(spec_json);

	exec_on_node("DELETE FROM " CATALOG_TABLE("incremental_range") " r "
				 "USING " CATALOG_TABLE("incremental_node") " n "
				 "WHERE n.schema_name OPERATOR(pg_catalog.=) $1 AND n.node_name OPERATOR(pg_catalog.=) $2 "
				 "AND r.schema_name OPERATOR(pg_catalog.=) n.schema_name AND r.node_name OPERATOR(pg_catalog.=) n.node_name "
				 "AND (n.spec OPERATOR(pg_catalog.-) 'on_change') OPERATOR(pg_catalog.<>) ($3::pg_catalog.jsonb OPERATOR(pg_catalog.-) 'on_change')",
				 schema, name, 1, &type, &value, NULL, SPI_OK_DELETE);
	exec_on_node("INSERT INTO " CATALOG_TABLE("incremental_node") " AS n (schema_name, node_name, spec) "
				 "VALUES ($1, $2, $3::pg_catalog.jsonb) "
				 "ON CONFLICT (schema_name, node_name) DO UPDATE SET spec = EXCLUDED.spec, "
				 "  fingerprint = CASE WHEN (n.spec OPERATOR(pg_catalog.-) 'on_change') OPERATOR(pg_catalog.=) "
				 "    (EXCLUDED.spec OPERATOR(pg_catalog.-) 'on_change') THEN n.fingerprint END, "
				 "  declared_at = pg_catalog.now()",
				 schema, name, 1, &type, &value, NULL, SPI_OK_INSERT);
}

/*
 * catalog_delete_incremental forgets a node's spec and what it processed:
 * it is no incremental node any more.
 */
void
catalog_delete_incremental(const char *schema, const char *name)
{
	exec_on_node("DELETE FROM " CATALOG_TABLE("incremental_node") " WHERE " NODE_IS,
				 schema, name, 0, NULL, NULL, NULL, SPI_OK_DELETE);
}

/*
 * catalog_lock_incremental locks a node's row until the transaction ends
 * (a run, a restate and a reset of one node wait for each other) and reads
 * its spec, the fingerprint of the code its ranges were computed by (NULL:
 * none yet, or the next run's is accepted) and how many batches it has
 * processed.  False when the node has no spec.
 */
bool
catalog_lock_incremental(const char *schema, const char *name, char **spec_json,
						 char **fingerprint, int64 *batches)
{
	bool		isnull;

	exec_on_node("SELECT spec::text, fingerprint FROM " CATALOG_TABLE("incremental_node")
				 " WHERE " NODE_IS " FOR UPDATE",
				 schema, name, 0, NULL, NULL, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return false;
	*spec_json = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	*fingerprint = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	/* a statement of its own: it sees what a run we waited for committed */
	exec_on_node("SELECT pg_catalog.count(*) FROM " CATALOG_TABLE("incremental_range") " WHERE " NODE_IS,
				 schema, name, 0, NULL, NULL, NULL, SPI_OK_SELECT);
	*batches = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	return true;
}

/*
 * catalog_set_incremental_fingerprint records the code a node's ranges are
 * computed by (NULL: accept the next run's).
 */
void
catalog_set_incremental_fingerprint(const char *schema, const char *name, const char *fingerprint)
{
	Oid			type = TEXTOID;
	Datum		value = fingerprint ? CStringGetTextDatum(fingerprint) : (Datum) 0;

	exec_on_node("UPDATE " CATALOG_TABLE("incremental_node") " SET fingerprint = $3 WHERE " NODE_IS,
				 schema, name, 1, &type, &value, fingerprint ? " " : "n", SPI_OK_UPDATE);
}

/*
 * catalog_incremental_missing returns the ranges (IncrementalRange *) from
 * start to bound that the node has not processed, in order: ids from start
 * to bound inclusive, or instants in [start, bound).
 */
List *
catalog_incremental_missing(const char *schema, const char *name, bool by_time,
							const char *start, const char *bound)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	List	   *ranges = NIL;
	uint64		i;

	values[0] = CStringGetTextDatum(start);
	values[1] = CStringGetTextDatum(bound);
	exec_on_node(psprintf("SELECT %s, %s FROM pg_catalog.unnest(%s(%s) OPERATOR(pg_catalog.-) "
						  "  coalesce((SELECT pg_catalog.range_agg(%s) FROM " CATALOG_TABLE("incremental_range") " WHERE " NODE_IS "), "
						  "  '{}'::%s)) m ORDER BY pg_catalog.lower(m)",
						  LOWER_TEXT(by_time), UPPER_TEXT(by_time), MULTIRANGE(by_time), RANGE_OF_PARAMS(by_time),
						  RANGE_COLUMN(by_time), MULTIRANGE(by_time)),
				 schema, name, 2, types, values, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		IncrementalRange *r = palloc(sizeof(IncrementalRange));

		r->start = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		r->end = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		ranges = lappend(ranges, r);
	}
	return ranges;
}

/*
 * catalog_insert_incremental_range records a processed batch: its range,
 * its run and the rows it wrote.
 */
void
catalog_insert_incremental_range(const char *schema, const char *name, bool by_time,
								 const char *start, const char *end, int64 run_id, int64 rows)
{
	Oid			types[4] = {TEXTOID, TEXTOID, INT8OID, INT8OID};
	Datum		values[4];

	values[0] = CStringGetTextDatum(start);
	values[1] = CStringGetTextDatum(end);
	values[2] = Int64GetDatum(run_id);
	values[3] = Int64GetDatum(rows);
	exec_on_node(psprintf("INSERT INTO " CATALOG_TABLE("incremental_range") " (schema_name, node_name, %s, run_id, rows) "
						  "VALUES ($1, $2, %s, $5, $6)", RANGE_COLUMN(by_time), RANGE_OF_PARAMS(by_time)),
				 schema, name, 4, types, values, NULL, SPI_OK_INSERT);
}

/*
 * catalog_forget_incremental_range marks [from, to] (by time [from, to))
 * as not processed: the batches it overlaps keep what lies outside it
 * (their rows count is then unknown, NULL), and the code of the next run
 * is accepted.
 */
void
catalog_forget_incremental_range(const char *schema, const char *name, bool by_time,
								 const char *from, const char *to)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(from);
	values[1] = CStringGetTextDatum(to);
	exec_on_node(psprintf("WITH gone AS (DELETE FROM " CATALOG_TABLE("incremental_range")
						  "  WHERE " NODE_IS " AND %s OPERATOR(pg_catalog.&&) %s RETURNING *) "
						  "INSERT INTO " CATALOG_TABLE("incremental_range") " (schema_name, node_name, %s, run_id, rows, processed_at) "
						  "SELECT g.schema_name, g.node_name, p, g.run_id, NULL, g.processed_at FROM gone g, "
						  "  pg_catalog.unnest(%s(g.%s) OPERATOR(pg_catalog.-) %s(%s)) p",
						  RANGE_COLUMN(by_time), RANGE_OF_PARAMS(by_time), RANGE_COLUMN(by_time),
						  MULTIRANGE(by_time), RANGE_COLUMN(by_time), MULTIRANGE(by_time), RANGE_OF_PARAMS(by_time)),
				 schema, name, 2, types, values, NULL, SPI_OK_INSERT);
	catalog_set_incremental_fingerprint(schema, name, NULL);
}

/*
 * catalog_clear_incremental forgets every range a node processed, and
 * accepts the code of its next run: it is rebuilt from its start.
 */
void
catalog_clear_incremental(const char *schema, const char *name)
{
	exec_on_node("DELETE FROM " CATALOG_TABLE("incremental_range") " WHERE " NODE_IS,
				 schema, name, 0, NULL, NULL, NULL, SPI_OK_DELETE);
	catalog_set_incremental_fingerprint(schema, name, NULL);
}
