/*-------------------------------------------------------------------------
 *
 * incremental_write.c
 *	  Writing one batch of an incremental node into its result table, in
 *	  place: append inserts its rows, merge upserts them on unique_key,
 *	  delete_insert replaces the batch's range.
 *
 * A batch's rows are checked before anything is written: merge refuses a
 * NULL key or a key repeated within the batch (which row would win?), and
 * delete_insert refuses rows outside the range (the next batch would
 * delete them, or they would duplicate another batch's).  The error names
 * the rows.  A batch holds only ROW EXCLUSIVE on the result: readers read
 * on, and see the batch when the run commits.  The first batch of a node
 * (nothing processed yet: a new node, a reset, a changed spec) replaces
 * the result as a full run does (materialize_result).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "exec.h"

static void check_batch(HNode *node, IncrementalSpec *spec, const char *tmp,
						const IncrementalRange *range);
static void refuse_rows(HNode *node, const char *tmp, const char *cond, const char *what,
						const char *detail, const char *hint);
static List *table_columns(Oid relid);
static void ensure_key_index(Oid relid, const char *qname, List *key);
static char *range_literal(IncrementalSpec *spec, const char *value);
static char *key_columns(List *key, const char *prefix);
static uint64 merge_batch(Oid relid, const char *sql, uint64 batch_rows);

/*
 * range_literal is a range bound as a typed literal.
 */
static char *
range_literal(IncrementalSpec *spec, const char *value)
{
	return psprintf("%s::%s", quote_literal_cstr(value),
					spec->by_time ? "pg_catalog.timestamptz" : "pg_catalog.int8");
}

/*
 * key_columns writes the key's columns, each prefixed ("s." or "").
 */
static char *
key_columns(List *key, const char *prefix)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, key)
		appendStringInfo(&buf, "%s%s%s", buf.len ? ", " : "", prefix, quote_identifier(lfirst(lc)));
	return buf.data;
}

/*
 * refuse_rows raises an error when rows of the batch (temporary table tmp)
 * meet cond: how many, and the first five, shown as JSON.
 */
static void
refuse_rows(HNode *node, const char *tmp, const char *cond, const char *what,
			const char *detail, const char *hint)
{
	char	   *count;
	char	   *rows;

	spi_exec_checked(psprintf("SELECT (SELECT pg_catalog.count(*) FROM pg_temp.%s WHERE %s)::text, "
							  "(SELECT pg_catalog.string_agg(pg_catalog.row_to_json(t)::text, '; ') "
							  " FROM (SELECT * FROM pg_temp.%s WHERE %s LIMIT 5) t)",
							  quote_identifier(tmp), cond, quote_identifier(tmp), cond),
					 0, NULL, NULL, NULL, SPI_OK_SELECT);
	count = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (strcmp(count, "0") == 0)
		return;
	rows = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("incremental node %s %s in %s row%s of its batch", node->display, what, count,
					strcmp(count, "1") == 0 ? "" : "s"),
			 errdetail("%s The first of them: %s.", detail, rows),
			 errhint("%s", hint)));
}

/*
 * check_batch checks a batch (temporary table tmp) before it is written.
 */
static void
check_batch(HNode *node, IncrementalSpec *spec, const char *tmp, const IncrementalRange *range)
{
	Oid			relid = get_relname_relid(tmp, LookupExplicitNamespace("pg_temp", false));
	ListCell   *lc;
	List	   *need = spec->strategy == INCR_MERGE ? spec->unique_key : list_make1(spec->column);

	foreach(lc, need)
		if (get_attnum(relid, lfirst(lc)) == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("incremental node %s yields no column \"%s\"", node->display, (char *) lfirst(lc)),
					 errdetail("%s", spec->strategy == INCR_MERGE ?
							   "merge upserts its rows on the columns of unique_key." :
							   "delete_insert replaces the rows of the range, which it finds by the spec's column in the result."),
					 errhint("Select the column in the node's query.")));

	if (spec->strategy == INCR_MERGE)
	{
		StringInfoData nulls;

		initStringInfo(&nulls);
		foreach(lc, spec->unique_key)
			appendStringInfo(&nulls, "%s%s IS NULL", nulls.len ? " OR " : "", quote_identifier(lfirst(lc)));
		refuse_rows(node, tmp, nulls.data, "has a NULL unique key",
					"A NULL key matches no row: merge would insert the row again in every batch.",
					"Filter those rows out in the node's query, or give them a key.");
		refuse_rows(node, tmp,
					psprintf("(%s) IN (SELECT %s FROM pg_temp.%s GROUP BY %s HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1)",
							 key_columns(spec->unique_key, ""), key_columns(spec->unique_key, ""),
							 quote_identifier(tmp), key_columns(spec->unique_key, "")),
					"repeats a unique key",
					"Within one batch each key must come once: merge could not tell which row wins.",
					"Aggregate the batch to one row per key in the node's query (DISTINCT ON, GROUP BY).");
	}
	else if (spec->strategy == INCR_DELETE_INSERT)
	{
		const char *col = quote_identifier(spec->column);

		refuse_rows(node, tmp,
					psprintf("%s IS NULL OR %s OPERATOR(pg_catalog.<) %s OR %s OPERATOR(pg_catalog.%s) %s",
							 col, col, range_literal(spec, range->start), col,
							 spec->by_time ? ">=" : ">", range_literal(spec, range->end)),
					psprintf("has %s outside its range", col),
					psprintf("delete_insert replaces the rows whose %s is in the batch's range %s%s, %s%s; a row outside it would be deleted by another batch, or duplicate it.",
							 spec->column, "[", range->start, range->end, spec->by_time ? ")" : "]"),
					"Filter the node's query on range_start and range_end.");
	}
}

/*
 * table_columns: the quoted names of a table's columns, in order.
 */
static List *
table_columns(Oid relid)
{
	Oid			type = OIDOID;
	Datum		value = ObjectIdGetDatum(relid);
	List	   *cols = NIL;
	uint64		i;

	spi_exec_checked("SELECT pg_catalog.quote_ident(attname) FROM pg_catalog.pg_attribute "
					 "WHERE attrelid OPERATOR(pg_catalog.=) $1 AND attnum OPERATOR(pg_catalog.>) 0 AND NOT attisdropped ORDER BY attnum",
					 1, &type, &value, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
		cols = lappend(cols, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	return cols;
}

/*
 * ensure_key_index gives a merged result its unique index on the key,
 * unless it has one: each batch's MERGE finds its rows' old versions by it.
 */
static void
ensure_key_index(Oid relid, const char *qname, List *key)
{
	Oid			types[2] = {OIDOID, TEXTOID};
	Datum		values[2];
	StringInfoData sorted;
	ListCell   *lc;

	initStringInfo(&sorted);
	foreach(lc, key)
		appendStringInfo(&sorted, "%s%s", sorted.len ? "," : "", quote_identifier(lfirst(lc)));
	values[0] = ObjectIdGetDatum(relid);
	values[1] = CStringGetTextDatum(sorted.data);
	spi_exec_checked("SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid OPERATOR(pg_catalog.=) $1 AND i.indisunique "
					 "AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indnkeyatts OPERATOR(pg_catalog.=) i.indnatts "
					 "AND (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ',' ORDER BY k.o) "
					 "     FROM pg_catalog.unnest(i.indkey::pg_catalog.int2[]) WITH ORDINALITY k(n, o) "
					 "     JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) i.indrelid AND a.attnum OPERATOR(pg_catalog.=) k.n) "
					 "  OPERATOR(pg_catalog.=) $2",
					 2, types, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		result_statement(psprintf("CREATE UNIQUE INDEX ON %s (%s)", qname, key_columns(key, "")),
						 SPI_OK_UTILITY);
}

/*
 * merge_batch runs a batch's MERGE.  A batch much smaller than the result
 * (the case incremental nodes are for) finds its rows' old versions by the
 * key's index; the planner, which prices each of those lookups as a random
 * read, would rather read the whole result into a hash join, which takes
 * as long as a rebuild.  For such a batch, hash and merge joins are off
 * for the statement.
 */
static uint64
merge_batch(Oid relid, const char *sql, uint64 batch_rows)
{
	Relation	rel = table_open(relid, NoLock);
	double		tuples = rel->rd_rel->reltuples;
	int			nestlevel = -1;
	uint64		rows;

	table_close(rel, NoLock);
	if (tuples > 0 && (double) batch_rows * 20 < tuples)
	{
		nestlevel = NewGUCNestLevel();
		(void) set_config_option("enable_hashjoin", "off", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		(void) set_config_option("enable_mergejoin", "off", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	}
	rows = result_statement(sql, SPI_OK_MERGE);
	if (nestlevel >= 0)
		AtEOXact_GUC(true, nestlevel);
	return rows;
}

/*
 * incremental_write writes one batch (the node's SQL for range, select_sql)
 * and returns the rows it wrote; *relid is the result table.  first: the
 * node has processed nothing, and the batch replaces the result.
 */
uint64
incremental_write(HPlan *plan, int stepno, const char *select_sql,
				  const IncrementalRange *range, bool first, Oid *relid)
{
	HNode	   *node = &plan->dag->nodes[plan->steps[stepno].node];
	IncrementalSpec *spec = node->incremental;
	char	   *qname = quote_qualified_identifier(node->schema, node->name);
	const char *from = select_sql;
	char	   *tmp = NULL;
	uint64		rows = 0;
	uint64		batch_rows = 0;
	Oid			rel;

	if (spec->strategy != INCR_APPEND)
	{
		tmp = temp_table_name("batch", stepno + 1, NULL);
		batch_rows = materialize_temp(tmp, select_sql);
		from = psprintf("SELECT * FROM pg_temp.%s", quote_identifier(tmp));
		check_batch(node, spec, tmp, range);
	}

	if (first)
	{
		/* a table made now gets its key's index; an older one's rows go only at the swap */
		bool		existed = OidIsValid(catalog_result_relation(node->schema, node->name));

		rows = materialize_result(node->schema, node->name, from, node->doc, node->display, NIL, relid);
		if (spec->strategy == INCR_MERGE && !existed)
			ensure_key_index(*relid, qname, spec->unique_key);
	}
	else
	{
		Oid			nsp = catalog_lock_schema(node->schema, psprintf("incremental node %s was being written", node->display));

		rel = get_relname_relid(node->name, nsp);
		if (!OidIsValid(rel) || catalog_result_relation(node->schema, node->name) != rel)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("result table %s of incremental node %s is %s", qname, node->display,
							OidIsValid(rel) ? "not the one pg_hamilton wrote" : "missing"),
					 errdetail("The node has processed ranges whose rows were in that table; new batches cannot go anywhere else."),
					 errhint("SELECT hamilton_reset('%s') rebuilds it from its start.", node->display)));
		LockRelationOid(rel, RowExclusiveLock);
		materialize_check_trusted(rel, node->schema, qname, node->display);
		if (!materialize_same_shape(rel, from))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("incremental node %s yields other columns than its result table %s has", node->display, qname),
					 errdetail("A batch is written into the rows already processed, column by column; their names and types must stay the same."),
					 errhint("SELECT hamilton_reset('%s') rebuilds it from its start with its new columns.", node->display)));
		switch (spec->strategy)
		{
			case INCR_APPEND:
				rows = result_statement(psprintf("INSERT INTO %s\n%s", qname, from), SPI_OK_INSERT);
				break;
			case INCR_MERGE:
				{
					StringInfoData sql;
					StringInfoData set;
					StringInfoData cols;
					StringInfoData vals;
					ListCell   *lc;
					int			k = 0;

					ensure_key_index(rel, qname, spec->unique_key);
					initStringInfo(&sql);
					initStringInfo(&set);
					initStringInfo(&cols);
					initStringInfo(&vals);
					appendStringInfo(&sql, "MERGE INTO %s AS t USING pg_temp.%s AS s ON ", qname, quote_identifier(tmp));
					foreach(lc, spec->unique_key)
						appendStringInfo(&sql, "%st.%s OPERATOR(pg_catalog.=) s.%s", k++ ? " AND " : "",
										 quote_identifier(lfirst(lc)), quote_identifier(lfirst(lc)));
					foreach(lc, table_columns(rel))
					{
						bool		is_key = false;
						ListCell   *lk;

						foreach(lk, spec->unique_key)
							if (strcmp(quote_identifier(lfirst(lk)), lfirst(lc)) == 0)
								is_key = true;
						if (!is_key)
							appendStringInfo(&set, "%s%s = s.%s", set.len ? ", " : "", (char *) lfirst(lc), (char *) lfirst(lc));
						appendStringInfo(&cols, "%s%s", cols.len ? ", " : "", (char *) lfirst(lc));
						appendStringInfo(&vals, "%ss.%s", vals.len ? ", " : "", (char *) lfirst(lc));
					}
					if (set.len)
						appendStringInfo(&sql, " WHEN MATCHED THEN UPDATE SET %s", set.data);
					else
						appendStringInfoString(&sql, " WHEN MATCHED THEN DO NOTHING");
					appendStringInfo(&sql, " WHEN NOT MATCHED THEN INSERT (%s) VALUES (%s)", cols.data, vals.data);
					rows = merge_batch(rel, sql.data, batch_rows);
				}
				break;
			case INCR_DELETE_INSERT:
				{
					const char *col = quote_identifier(spec->column);

					(void) result_statement(psprintf("DELETE FROM %s WHERE %s OPERATOR(pg_catalog.>=) %s AND %s OPERATOR(pg_catalog.%s) %s",
													 qname, col, range_literal(spec, range->start), col,
													 spec->by_time ? "<" : "<=", range_literal(spec, range->end)),
											SPI_OK_DELETE);
					rows = result_statement(psprintf("INSERT INTO %s\n%s", qname, from), SPI_OK_INSERT);
				}
				break;
		}
		*relid = rel;
	}
	if (tmp)
		materialize_drop_temp(tmp);
	return rows;
}
