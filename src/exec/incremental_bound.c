/*-------------------------------------------------------------------------
 *
 * incremental_bound.c
 *	  The safe upper bound of an incremental node's next batch: the last
 *	  id or instant below which no row can still appear.
 *
 * By sequence (as pg_incremental does): the sequence's last value, once
 * every transaction that holds a lock on the source's table, and so may
 * have drawn a lower id and not committed yet, has finished.  A writer
 * draws its id in the inserting statement, which locks the table first
 * (ROW EXCLUSIVE): any id at most the last value read was drawn by a
 * transaction that holds that lock now, or has ended.  WaitForLockers
 * waits for exactly those (in SHARE mode, which conflicts with writers),
 * not for writers that come later, whose ids are higher.  The statement
 * that then reads the batch takes a new snapshot (READ COMMITTED), which
 * sees them all.  The sequence must hand out its numbers one by one
 * (CACHE 1), checked again here since ALTER SEQUENCE may have changed it.
 *
 * By time: now() - min_delay, binned down to a whole interval from start
 * (date_bin): only complete intervals old enough are processed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/regproc.h"

#include "exec.h"

static char *sequence_bound(HNode *node, IncrementalSpec *spec);
static char *time_bound(IncrementalSpec *spec);
static char *one_value(const char *sql, int nargs, Oid *types, Datum *values);

/*
 * one_value runs a statement (with pg_catalog's search_path) and returns
 * its one value as text, or NULL.
 */
static char *
one_value(const char *sql, int nargs, Oid *types, Datum *values)
{
	spi_exec_checked(sql, nargs, types, values, NULL, SPI_OK_SELECT);
	if (SPI_processed != 1)
		elog(ERROR, "expected one row from: %s", sql);
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/*
 * incremental_bound returns the bound of node's next batch as text (an id,
 * inclusive; an instant, exclusive), or NULL when there is nothing to
 * process yet (no id drawn, or no whole interval since start).
 */
char *
incremental_bound(HNode *node, IncrementalSpec *spec)
{
	return spec->by_time ? time_bound(spec) : sequence_bound(node, spec);
}

/*
 * sequence_bound: the sequence's last value, after waiting for the writers
 * of the source's table and of each of its partitions.
 */
static char *
sequence_bound(HNode *node, IncrementalSpec *spec)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	RangeVar   *rv = makeRangeVarFromNameList(stringToQualifiedNameList(spec->source));
	Oid			relid = RangeVarGetRelid(rv, AccessShareLock, true);
	char	   *seq;
	char	   *cache;
	char	   *last;
	List	   *tags = NIL;
	ListCell   *lc;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("source %s of incremental node %s does not exist", spec->source, node->display),
				 errdetail("The node processes the new rows of that table."),
				 errhint("Declare the node again with the source it reads: hamilton_define(..., incremental => '{...}').")));
	values[0] = CStringGetTextDatum(spec->source);
	values[1] = CStringGetTextDatum(spec->column);
	spi_exec_checked("SELECT q.seq, s.seqcache::text FROM (SELECT pg_catalog.pg_get_serial_sequence($1, $2) AS seq) q "
					 "LEFT JOIN pg_catalog.pg_sequence s ON s.seqrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(q.seq)",
					 2, types, values, NULL, SPI_OK_SELECT);
	seq = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	cache = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	if (seq == NULL || cache == NULL || strcmp(cache, "1") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("column \"%s\" of %s no longer draws its values from a sequence with CACHE 1",
						spec->column, spec->source),
				 errdetail("Incremental node %s processes the ids below the sequence's last value; %s.", node->display,
						   seq == NULL ? "the column has no sequence of its own" :
						   psprintf("sequence %s caches %s values, so a session could insert a lower id after a higher one was processed", seq, cache)),
				 errhint("%s", seq == NULL ? "Give the column its identity or serial default back, or declare the node by time." :
						 psprintf("ALTER SEQUENCE %s CACHE 1;", seq))));
	values[0] = CStringGetTextDatum(seq);
	last = one_value("SELECT pg_catalog.pg_sequence_last_value($1::pg_catalog.regclass)::text", 1, types, values);
	if (last == NULL)
		return NULL;

	/* the writers that may still hold a lower id: the table's and its partitions' */
	foreach(lc, find_all_inheritors(relid, NoLock, NULL))
	{
		LOCKTAG    *tag = palloc(sizeof(LOCKTAG));

		SET_LOCKTAG_RELATION(*tag, MyDatabaseId, lfirst_oid(lc));
		tags = lappend(tags, tag);
	}
	WaitForLockersMultiple(tags, ShareLock, false);

	values[0] = CStringGetTextDatum(last);
	values[1] = CStringGetTextDatum(spec->start);
	return one_value("SELECT CASE WHEN $1::pg_catalog.int8 OPERATOR(pg_catalog.>=) $2::pg_catalog.int8 THEN $1 END",
					 2, types, values);
}

/*
 * time_bound: the start of the interval that now() - min_delay falls in,
 * when it is after start.
 */
static char *
time_bound(IncrementalSpec *spec)
{
	Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];

	values[0] = CStringGetTextDatum(spec->interval);
	values[1] = CStringGetTextDatum(spec->min_delay ? spec->min_delay : "0");
	values[2] = CStringGetTextDatum(spec->start);
	return one_value("SELECT CASE WHEN b OPERATOR(pg_catalog.>) $3::pg_catalog.timestamptz "
					 "  THEN pg_catalog.to_jsonb(b) OPERATOR(pg_catalog.#>>) '{}' END "
					 "FROM (SELECT pg_catalog.date_bin($1::pg_catalog.interval, "
					 "  pg_catalog.now() OPERATOR(pg_catalog.-) $2::pg_catalog.interval, $3::pg_catalog.timestamptz) AS b) q",
					 3, types, values);
}
