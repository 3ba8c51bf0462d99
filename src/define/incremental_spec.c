/*-------------------------------------------------------------------------
 *
 * incremental_spec.c
 *	  Declaring an incremental node: its spec, checked against its source
 *	  before it is stored.
 *
 * The spec's structure is read by dag_incremental_parse (dag/incremental.c);
 * here the source must exist, its column must be of the kind the ranges
 * need, and, by sequence, the column's values must come from a sequence
 * that hands out no number a writer could commit after a higher one was
 * processed: one with CACHE 1, drawn by the inserting statement (a serial
 * or identity column's default).  A cached sequence gives each session a
 * block of numbers: a session may insert id 7 after another session's id
 * 20 was processed, and 7 would be skipped forever.  The stored spec is
 * normalized: the source schema-qualified, start filled in (a sequence's
 * first value) and written as the run reads it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"

#include "define.h"

static char *checked_value(const char *display, const char *key, const char *text,
						   const char *sql, const char *expected);
static void check_sequence(const char *display, IncrementalSpec *s);

/*
 * checked_value runs sql with $1 = text in a subtransaction and returns its
 * one value as text; a value the cast refuses (or a false check) is the
 * spec's error, with what PostgreSQL said as its detail.
 */
static char *
checked_value(const char *display, const char *key, const char *text, const char *sql,
			  const char *expected)
{
	SubxactScope sx;
	Oid			type = TEXTOID;
	Datum		value = CStringGetTextDatum(text);
	char	   *result = NULL;
	char	   *error = NULL;

	subxact_begin(&sx);
	PG_TRY();
	{
		spi_exec_checked(sql, 1, &type, &value, NULL, SPI_OK_SELECT);
		result = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		subxact_commit(&sx);
	}
	PG_CATCH();
	{
		ErrorData  *e = subxact_rollback(&sx);

		error = pstrdup(e->message);
		FreeErrorData(e);
	}
	PG_END_TRY();
	if (result == NULL || strcmp(result, "false") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid incremental spec of node %s: \"%s\" is not %s", display, key, expected),
				 errdetail("\"%s\" is \"%s\"%s%s.", key, text, error ? ": " : "", error ? error : ""),
				 errhint("Write \"interval\" and \"min_delay\" as intervals (\"1 day\", \"30 s\"), and \"start\" as an instant (\"2026-01-01 00:00+00\") by time or an id by sequence.")));
	return result;
}

/*
 * check_sequence: the column takes its values from a sequence of its own
 * (serial or identity, pg_get_serial_sequence) with CACHE 1.  Fills in the
 * spec's start (the sequence's first value) when not given.
 */
static void
check_sequence(const char *display, IncrementalSpec *s)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	char	   *seq;
	int64		cache;
	bool		isnull;

	values[0] = CStringGetTextDatum(s->source);
	values[1] = CStringGetTextDatum(s->column);
	spi_exec_checked("SELECT q.seq, s.seqcache, s.seqmin::text FROM "
					 "(SELECT pg_catalog.pg_get_serial_sequence($1, $2) AS seq) q "
					 "LEFT JOIN pg_catalog.pg_sequence s ON s.seqrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(q.seq)",
					 2, types, values, NULL, SPI_OK_SELECT);
	seq = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (seq == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column \"%s\" of %s draws its values from no sequence of its own", s->column, s->source),
				 errdetail("Incremental node %s processes the ids up to the sequence's last value once every writer holding a lower one has finished; "
						   "that holds only for ids the inserting statement draws from the column's own sequence (a serial or identity column).",
						   display),
				 errhint("Make the column an identity column (ALTER TABLE %s ALTER COLUMN %s ADD GENERATED ALWAYS AS IDENTITY), or process it by time.",
						 s->source, quote_identifier(s->column))));
	cache = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	if (!isnull && cache != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sequence %s of column \"%s\" of %s caches " INT64_FORMAT " values", seq, s->column, s->source, cache),
				 errdetail("With CACHE greater than 1 each session holds a block of numbers: a session can insert an id lower than one a run of %s already processed, and that row would be skipped forever.",
						   display),
				 errhint("ALTER SEQUENCE %s CACHE 1;", seq)));
	if (s->start == NULL)
		s->start = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	else
		s->start = checked_value(display, "start", s->start, "SELECT $1::pg_catalog.int8::text", "an id");
}

/*
 * define_incremental_spec checks a node's spec against its source and
 * returns it normalized, as JSON text.
 */
char *
define_incremental_spec(const char *display, Jsonb *spec)
{
	IncrementalSpec *s = dag_incremental_parse(display, spec);
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	Oid			relid;
	char		relkind;
	AttrNumber	att;
	Oid			atttype;
	StringInfoData buf;
	ListCell   *lc;
	bool		isnull;

	values[0] = CStringGetTextDatum(s->source);
	spi_exec_checked("SELECT pg_catalog.to_regclass($1)::pg_catalog.oid", 1, types, values, NULL, SPI_OK_SELECT);
	relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (isnull || !OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("source \"%s\" of incremental node %s does not exist", s->source, display),
				 errdetail("\"source\" names the relation whose new rows the node processes."),
				 errhint("Name it with its schema, e.g. \"source\": \"raw.events\".")));
	relkind = get_rel_relkind(relid);
	s->source = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
	if (!s->by_time && relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("source %s of incremental node %s is not a table", s->source, display),
				 errdetail("By sequence, a run waits for the writers of the source's table that may still hold lower ids; a view has no writers to wait for."),
				 errhint("Name the table the rows are inserted into, or process the view by time.")));
	att = get_attnum(relid, s->column);
	if (att == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("source %s of incremental node %s has no column \"%s\"", s->source, display, s->column),
				 errdetail("\"column\" names the source's column the ranges are taken on."),
				 errhint("Name one of the columns of %s.", s->source)));
	atttype = get_atttype(relid, att);
	if (s->by_time ? atttype != TIMESTAMPTZOID : (atttype != INT2OID && atttype != INT4OID && atttype != INT8OID))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of %s is of type %s, not %s", s->column, s->source,
						format_type_be(atttype), s->by_time ? "timestamp with time zone" : "an integer"),
				 errdetail("%s", s->by_time ? "Time ranges [range_start, range_end) are instants, timestamptz." :
						   "Sequence ranges [range_start, range_end] are ids, integers drawn from a sequence."),
				 errhint("%s", s->by_time ? "Take the ranges on a timestamptz column." : "Take the ranges on an identity or serial column, or process the source by time.")));
	if (s->by_time)
	{
		(void) checked_value(display, "interval", s->interval,
							 "SELECT ($1::pg_catalog.interval OPERATOR(pg_catalog.>) '0'::pg_catalog.interval AND "
							 "  pg_catalog.date_bin($1::pg_catalog.interval, pg_catalog.now(), pg_catalog.now()) IS NOT NULL)::text",
							 "a positive interval of days, hours, minutes or seconds");
		if (s->min_delay)
			(void) checked_value(display, "min_delay", s->min_delay,
								 "SELECT ($1::pg_catalog.interval OPERATOR(pg_catalog.>=) '0'::pg_catalog.interval)::text",
								 "an interval of zero or more");
		s->start = checked_value(display, "start", s->start,
								 "SELECT pg_catalog.to_jsonb($1::pg_catalog.timestamptz) OPERATOR(pg_catalog.#>>) '{}'",
								 "an instant");
	}
	else
		check_sequence(display, s);

	/* the spec as the run reads it */
	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"strategy\": ");
	escape_json(&buf, dag_incremental_strategy_name(s->strategy));
	appendStringInfo(&buf, ", \"by\": \"%s\", \"source\": ", s->by_time ? "time" : "sequence");
	escape_json(&buf, s->source);
	appendStringInfoString(&buf, ", \"column\": ");
	escape_json(&buf, s->column);
	appendStringInfoString(&buf, ", \"start\": ");
	escape_json(&buf, s->start);
	if (s->unique_key)
	{
		appendStringInfoString(&buf, ", \"unique_key\": [");
		foreach(lc, s->unique_key)
		{
			if (lc != list_head(s->unique_key))
				appendStringInfoString(&buf, ", ");
			escape_json(&buf, lfirst(lc));
		}
		appendStringInfoChar(&buf, ']');
	}
	if (s->by_time)
	{
		appendStringInfoString(&buf, ", \"interval\": ");
		escape_json(&buf, s->interval);
		appendStringInfoString(&buf, ", \"min_delay\": ");
		escape_json(&buf, s->min_delay ? s->min_delay : "0");
		appendStringInfo(&buf, ", \"lookback\": %d", s->lookback);
	}
	appendStringInfo(&buf, ", \"on_change\": \"%s\"}", s->forward_only ? "forward_only" : "refuse");
	return buf.data;
}

/*
 * define_set_incremental makes node schema.name incremental with spec, or,
 * with NULL, not (a definition without incremental => is not).  On a
 * catalog older than 1.3, which has no incremental nodes, a spec is
 * refused.
 */
void
define_set_incremental(const char *schema, const char *name, const char *display, Jsonb *spec)
{
	if (!catalog_keeps_incremental())
	{
		if (spec)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("incremental nodes need pg_hamilton 1.3"),
					 errdetail("This database's catalog is of an older version, which keeps no processed ranges."),
					 errhint("ALTER EXTENSION hamilton UPDATE;")));
		return;
	}
	if (spec == NULL)
	{
		catalog_delete_incremental(schema, name);
		return;
	}
	catalog_write_incremental(schema, name, define_incremental_spec(display, spec));
}

/*
 * define_incremental_function makes a function node incremental with spec
 * (NULL: not), for its owners, and returns the spec as stored (or NULL).
 * The function returns rows (its result is a table, the node's state) and
 * is no variant chosen by config.
 */
Jsonb *
define_incremental_function(const char *node_text, Jsonb *spec)
{
	Dag		   *dag = dag_build_config(NULL, true);
	HNode	   *node = &dag->nodes[dag_resolve_name_or_error(dag, node_text)];
	char	   *stored;

	if (node->kind != HNODE_TABLE_FUNC || node->config_when)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("node %s cannot be made incremental by hamilton_incremental", node->display),
				 errdetail("%s", node->kind == HNODE_QUERY ? "It is a SQL node, which takes its spec from hamilton_define." :
						   node->kind == HNODE_TABLE_FUNC ? "It is a variant chosen by config; an incremental node is one table, its own state." :
						   "Only a function that returns rows (SETOF or TABLE) has a result table to be its state."),
				 errhint("%s", node->kind == HNODE_QUERY ? "hamilton_define('m.node', 'SELECT ...', incremental => '{...}')" :
						 "Make the function return TABLE (...) with parameters range_start and range_end.")));
	define_check_owners(define_dag_owners(dag, node->schema, node->name), node->display, "make incremental");
	(void) catalog_lock_schema(node->schema, psprintf("node %s was being made incremental", node->display));
	define_set_incremental(node->schema, node->name, node->display, spec);
	if (spec == NULL)
		return NULL;
	stored = define_incremental_spec(node->display, spec);
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(stored)));
}
