/*-------------------------------------------------------------------------
 *
 * incremental_state.c
 *	  hamilton_restate and hamilton_reset: changing what an incremental
 *	  node has processed, so that its next run computes a range again, or
 *	  everything.
 *
 * Both are for the node's owners (as defining it is), hold the node's
 * result lock and its row (as a run does: they wait for a run of it, and
 * a run waits for them) and accept the node's code as it is now: the
 * next run records it.  Call them and the run in one transaction for
 * readers to see no gap: what they change is seen at commit.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "exec.h"
#include "define.h"

static HNode *locked_incremental_node(const char *node_text, const char *action, int64 *batches);
static char *checked_bound(HNode *node, const char *text, const char *which);

/*
 * locked_incremental_node resolves an incremental node by name, checks
 * that the caller owns it, and takes its locks.
 */
static HNode *
locked_incremental_node(const char *node_text, const char *action, int64 *batches)
{
	Dag		   *dag = dag_build_config(NULL, true);
	HNode	   *node = &dag->nodes[dag_resolve_name_or_error(dag, node_text)];
	char	   *spec_json,
			   *fingerprint;

	if (node->incremental == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("node %s is not incremental", node->display),
				 errdetail("Only an incremental node keeps the ranges it processed; every run computes %s in full.", node->display),
				 errhint("Declare it with hamilton_define(..., incremental => '{...}'), or hamilton_incremental for a function.")));
	define_check_owners(define_dag_owners(dag, node->schema, node->name), node->display, action);
	lock_result_names(list_make1(node));
	if (!catalog_lock_incremental(node->schema, node->name, &spec_json, &fingerprint, batches))
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("node %s stopped being incremental while this call waited for it", node->display),
				 errhint("Look at SELECT * FROM hamilton.incremental.")));
	return node;
}

/*
 * checked_bound reads a bound of hamilton_restate as the node's range
 * type, and returns it as the state keeps it.
 */
static char *
checked_bound(HNode *node, const char *text, const char *which)
{
	bool		by_time = node->incremental->by_time;
	SubxactScope sx;
	Oid			type = TEXTOID;
	Datum		value = CStringGetTextDatum(text);
	char	   *result = NULL;

	subxact_begin(&sx);
	PG_TRY();
	{
		spi_exec_checked(by_time ?
						 "SELECT pg_catalog.to_jsonb($1::pg_catalog.timestamptz) OPERATOR(pg_catalog.#>>) '{}'" :
						 "SELECT $1::pg_catalog.int8::text",
						 1, &type, &value, NULL, SPI_OK_SELECT);
		result = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		subxact_commit(&sx);
	}
	PG_CATCH();
	{
		FreeErrorData(subxact_rollback(&sx));
	}
	PG_END_TRY();
	if (result == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not %s for hamilton_restate's %s", text, by_time ? "an instant" : "an id", which),
				 errdetail("Node %s processes ranges of %s.", node->display, by_time ? "instants (timestamptz)" : "ids (bigint)"),
				 errhint("%s", by_time ? "SELECT hamilton_restate('m.node', '2026-01-02', '2026-01-04') computes [from, to) again." :
						 "SELECT hamilton_restate('m.node', '100', '200') computes ids 100 to 200 again.")));
	return result;
}

/*
 * incremental_restate marks [from, to] (by time [from, to)) of an
 * incremental node as not processed.  merge and delete_insert keep the
 * rows until the next run writes the range again; append, which cannot
 * tell a row of the range from another but by the spec's column, deletes
 * them now (its result must have that column).  Returns the rows deleted.
 */
int64
incremental_restate(const char *node_text, const char *from_text, const char *to_text)
{
	int64		batches;
	HNode	   *node = locked_incremental_node(node_text, "restate", &batches);
	IncrementalSpec *spec = node->incremental;
	char	   *from = checked_bound(node, from_text, "from");
	char	   *to = checked_bound(node, to_text, "to");
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	bool		isnull;
	int64		rows = 0;

	values[0] = CStringGetTextDatum(from);
	values[1] = CStringGetTextDatum(to);
	spi_exec_checked(spec->by_time ?
					 "SELECT $1::pg_catalog.timestamptz OPERATOR(pg_catalog.<) $2::pg_catalog.timestamptz" :
					 "SELECT $1::pg_catalog.int8 OPERATOR(pg_catalog.<=) $2::pg_catalog.int8",
					 2, types, values, NULL, SPI_OK_SELECT);
	if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("range from %s to %s of hamilton_restate is empty", from, to),
				 errdetail("%s", spec->by_time ? "By time, the range is [from, to): from must come before to." :
						   "By sequence, the range is [from, to]: from must be at most to."),
				 errhint("Swap the bounds.")));

	if (spec->strategy == INCR_APPEND)
	{
		Oid			relid = catalog_result_relation(node->schema, node->name);
		char	   *qname = quote_qualified_identifier(node->schema, node->name);
		const char *col = quote_identifier(spec->column);

		if (OidIsValid(relid) && get_attnum(relid, spec->column) == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("result table %s of append node %s has no column \"%s\"", qname, node->display, spec->column),
					 errdetail("Restating a range of an append node deletes its rows first, found by the spec's column; without it, the next run would append them twice."),
					 errhint("SELECT hamilton_reset('%s') rebuilds the node instead.", node->display)));
		if (OidIsValid(relid))
			rows = (int64) result_statement(psprintf("DELETE FROM %s WHERE %s OPERATOR(pg_catalog.>=) %s::%s AND %s OPERATOR(pg_catalog.%s) %s::%s",
													 qname, col, quote_literal_cstr(from),
													 spec->by_time ? "pg_catalog.timestamptz" : "pg_catalog.int8",
													 col, spec->by_time ? "<" : "<=", quote_literal_cstr(to),
													 spec->by_time ? "pg_catalog.timestamptz" : "pg_catalog.int8"),
											SPI_OK_DELETE);
	}
	catalog_forget_incremental_range(node->schema, node->name, spec->by_time, from, to);
	return rows;
}

/*
 * incremental_reset forgets every range an incremental node processed: its
 * next run rebuilds its result from start, replacing its rows (readers
 * keep the old ones until then).  Returns the batches forgotten.
 */
int64
incremental_reset(const char *node_text)
{
	int64		batches;
	HNode	   *node = locked_incremental_node(node_text, "reset", &batches);

	catalog_clear_incremental(node->schema, node->name);
	return batches;
}
