/*-------------------------------------------------------------------------
 *
 * materialize.c
 *	  Writing node results as tables.
 *
 * A result table is named after its node, in the node's module schema.
 * Replacing it is atomic because everything happens in the caller's
 * transaction: a reader sees the old rows until commit, then the new ones,
 * never a half-built table.  When the result keeps its shape (same column
 * names and types), the table is emptied with TRUNCATE and refilled, so its
 * OID, grants, indexes and the views users built on it survive; when the
 * shape changed (the node's code changed), it is dropped and created anew.
 * A table of that name that pg_hamilton did not create is never touched.
 * The run holds the result's lock (result_locks.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"
#include "utils/rel.h"

#include "exec.h"

static bool same_shape(Oid relid, const char *select_sql);
static uint64 spi_rows(const char *sql, int expected);

/*
 * spi_rows runs one statement on a result table.  Anything but the expected
 * answer means something changed the statement's meaning (a rule or trigger
 * the table's owner added): that is reported, not assumed away.
 */
static uint64
spi_rows(const char *sql, int expected)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			rc = SPI_execute(sql, false, 0);
	uint64		rows = SPI_processed;

	MemoryContextSwitchTo(cxt);
	if (rc != expected)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("unexpected result \"%s\" while writing a node's result", SPI_result_code_string(rc)),
				 errdetail("Statement: %s", sql),
				 errhint("Rules on a result table change what writing it does; drop them.")));
	if (SPI_tuptable)
		SPI_freetuptable(SPI_tuptable);
	return rows;
}

/*
 * materialize_result writes a node's result into schema.name and returns
 * the number of rows.  The caller holds the node's advisory lock.
 */
uint64
materialize_result(const char *schema, const char *name, const char *select_sql,
				   const char *doc, const char *node_display, Oid *relid)
{
	Oid			nsp = get_namespace_oid(schema, false);
	Oid			rel = get_relname_relid(name, nsp);
	char	   *qname = quote_qualified_identifier(schema, name);
	uint64		rows;

	if (OidIsValid(rel))
	{
		if (catalog_result_relation(schema, name) != rel)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_TABLE),
					 errmsg("relation %s already exists and was not created by pg_hamilton", qname),
					 errdetail("Node %s would write its result there; pg_hamilton never overwrites a relation it did not create.",
							   node_display),
					 errhint("Rename or drop that relation, or rename the node.")));
		if (get_rel_relkind(rel) != RELKIND_RELATION)
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("relation %s is not a table", qname),
					 errdetail("Node %s writes its result to a table of that name.", node_display),
					 errhint("Drop it so that node %s can write its result there.", node_display)));

		/* Lock first: readers keep the old rows until we commit. */
		LockRelationOid(rel, AccessExclusiveLock);
		if (get_relname_relid(name, nsp) != rel)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("result table %s was dropped or replaced while node %s ran", qname, node_display),
					 errdetail("Another session changed the table between its lookup and its lock."),
					 errhint("Run the dataflow again.")));
		if (same_shape(rel, select_sql))
		{
			spi_rows(psprintf("TRUNCATE TABLE %s", qname), SPI_OK_UTILITY);
			rows = spi_rows(psprintf("INSERT INTO %s\n%s", qname, select_sql), SPI_OK_INSERT);
			*relid = rel;
			return rows;
		}
		spi_rows(psprintf("DROP TABLE %s", qname), SPI_OK_UTILITY);
	}

	rows = spi_rows(psprintf("CREATE TABLE %s AS\n%s", qname, select_sql), SPI_OK_UTILITY);
	if (doc)
		spi_rows(psprintf("COMMENT ON TABLE %s IS %s", qname, quote_literal_cstr(doc)),
				 SPI_OK_UTILITY);
	CommandCounterIncrement();
	*relid = get_relname_relid(name, nsp);
	return rows;
}

/*
 * same_shape: would the query's rows fit the existing table as they are
 * (same column names, types and type modifiers, in the same order)?
 */
static bool
same_shape(Oid relid, const char *select_sql)
{
	MemoryContext cxt = CurrentMemoryContext;
	SPIPlanPtr	plan = SPI_prepare(select_sql, 0, NULL);
	List	   *sources;
	CachedPlanSource *ps;
	TupleDesc	qdesc;
	Relation	rel;
	TupleDesc	tdesc;
	int			qi = 0,
				ti = 0;
	bool		same = true;

	MemoryContextSwitchTo(cxt);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed (%s) for: %s", SPI_result_code_string(SPI_result), select_sql);
	sources = SPI_plan_get_plan_sources(plan);
	ps = linitial(sources);
	qdesc = ps->resultDesc;

	rel = table_open(relid, NoLock);
	tdesc = RelationGetDescr(rel);
	for (;;)
	{
		Form_pg_attribute qa,
					ta;

		while (ti < tdesc->natts && TupleDescAttr(tdesc, ti)->attisdropped)
			ti++;
		if (qi >= qdesc->natts || ti >= tdesc->natts)
		{
			same = (qi >= qdesc->natts && ti >= tdesc->natts);
			break;
		}
		qa = TupleDescAttr(qdesc, qi);
		ta = TupleDescAttr(tdesc, ti);
		if (strcmp(NameStr(qa->attname), NameStr(ta->attname)) != 0 ||
			qa->atttypid != ta->atttypid || qa->atttypmod != ta->atttypmod ||
			qa->attcollation != ta->attcollation)
		{
			same = false;
			break;
		}
		qi++;
		ti++;
	}
	table_close(rel, NoLock);
	SPI_freeplan(plan);
	MemoryContextSwitchTo(cxt);
	return same;
}

/*
 * materialize_temp writes an intermediate into a temporary table that is
 * dropped when the run ends (or with the transaction, if the run fails).
 */
uint64
materialize_temp(const char *temp_name, const char *select_sql)
{
	uint64		rows;

	rows = spi_rows(psprintf("CREATE TEMPORARY TABLE %s AS\n%s",
							 quote_identifier(temp_name), select_sql),
					SPI_OK_UTILITY);
	/* Without statistics, the consumers' plans would be guesses. */
	if (rows >= 1000)
		spi_rows(psprintf("ANALYZE pg_temp.%s", quote_identifier(temp_name)), SPI_OK_UTILITY);
	return rows;
}

/* materialize_drop_temp drops a run's temporary table, if it is there. */
void
materialize_drop_temp(const char *temp_name)
{
	spi_rows(psprintf("DROP TABLE IF EXISTS pg_temp.%s", quote_identifier(temp_name)),
			 SPI_OK_UTILITY);
}
