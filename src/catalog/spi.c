/*-------------------------------------------------------------------------
 *
 * spi.c
 *	  Running pg_hamilton's own statements through SPI, checked.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/snapmgr.h"

#include "catalog.h"

/*
 * spi_run runs one of our own statements with $n parameters, with the
 * transaction's snapshot or the latest one, and fails loudly if SPI does
 * not answer what the statement must answer, with search_path pinned to
 * pg_catalog.  SPI leaves CurrentMemoryContext at its procedure context
 * after every call; the caller's context is put back, so what the caller
 * allocates next lives where it expects.
 */
static void
spi_run(const char *sql, int nargs, Oid *argtypes, Datum *values,
		const char *nulls, int expected, bool latest)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			nestlevel = NewGUCNestLevel();
	int			rc;

	/*
	 * Our statements never depend on the caller's search_path: an operator
	 * or function of theirs must not decide what we read or write.
	 */
	pin_safe_search_path();
	if (!latest)
		rc = SPI_execute_with_args(sql, nargs, argtypes, values, nulls, false, 0);
	else
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, argtypes);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed (%s) for: %s", SPI_result_code_string(SPI_result), sql);
		CommandCounterIncrement();
		rc = SPI_execute_snapshot(plan, values, nulls, GetLatestSnapshot(), InvalidSnapshot,
								  false, true, 0);
		SPI_freeplan(plan);
	}
	AtEOXact_GUC(true, nestlevel);
	MemoryContextSwitchTo(cxt);
	if (rc != expected)
		elog(ERROR, "%s failed (%s) for: %s", latest ? "SPI_execute_snapshot" : "SPI_execute_with_args",
			 SPI_result_code_string(rc), sql);
}

/*
 * spi_exec_checked runs one of our own statements (spi_run), with the
 * transaction's snapshot.
 */
void
spi_exec_checked(const char *sql, int nargs, Oid *argtypes, Datum *values,
				 const char *nulls, int expected)
{
	spi_run(sql, nargs, argtypes, values, nulls, expected, false);
}

/*
 * spi_exec_kept runs a parameterless statement of ours with a plan kept for
 * the backend's life (spi_exec_kept_args).
 */
void
spi_exec_kept(SPIPlanPtr *plan, const char *sql)
{
	spi_exec_kept_args(plan, sql, 0, NULL, NULL, NULL, SPI_OK_SELECT);
}

/*
 * spi_exec_kept_args runs a statement of ours with $n parameters and a plan
 * kept for the backend's life (SPI_keepplan; the plan cache replans it when
 * the tables it reads change), prepared and run with search_path pinned as
 * spi_run does, keeping the caller's memory context: for a statement run
 * once per node or result, which would otherwise be parsed and planned
 * every time.
 */
void
spi_exec_kept_args(SPIPlanPtr *plan, const char *sql, int nargs, Oid *argtypes,
				   Datum *values, const char *nulls, int expected)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			nestlevel;
	int			rc;

	nestlevel = NewGUCNestLevel();
	pin_safe_search_path();
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, nargs, argtypes);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed (%s) for: %s", SPI_result_code_string(SPI_result), sql);
		if (SPI_keepplan(p) != 0)
			elog(ERROR, "SPI_keepplan failed");
		*plan = p;
	}
	rc = SPI_execute_plan(*plan, values, nulls, false, 0);
	AtEOXact_GUC(true, nestlevel);
	MemoryContextSwitchTo(cxt);
	if (rc != expected)
		elog(ERROR, "SPI_execute_plan failed (%s) for: %s", SPI_result_code_string(rc), sql);
}

/*
 * spi_exec_on_node runs one of our statements about one node or module: $1
 * is its schema, $2 its name (unless name is NULL) and $3 a JSON value
 * (unless json is NULL).  With as_owner, as the catalog's owner: every write
 * is.
 */
void
spi_exec_on_node(const char *sql, const char *schema, const char *name, Jsonb *json,
				 bool as_owner, int expected)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, JSONBOID};
	Datum		values[3];
	int			nargs = 1;
	OwnerScope	w;

	values[0] = CStringGetTextDatum(schema);
	if (name)
		values[nargs++] = CStringGetTextDatum(name);
	if (json)
	{
		argtypes[nargs] = JSONBOID;
		values[nargs++] = JsonbPGetDatum(json);
	}
	if (as_owner)
		catalog_owner_begin(&w);
	spi_exec_checked(sql, nargs, argtypes, values, NULL, expected);
	if (as_owner)
		catalog_owner_end(&w);
}

/*
 * spi_exec_latest is spi_exec_checked with the latest snapshot instead of
 * the transaction's: for what a statement must see of other transactions
 * committed while it waited for a lock, even at REPEATABLE READ (as
 * PostgreSQL's foreign-key checks do).  Our own changes are seen too.
 */
void
spi_exec_latest(const char *sql, int nargs, Oid *argtypes, Datum *values,
				const char *nulls, int expected)
{
	spi_run(sql, nargs, argtypes, values, nulls, expected, true);
}

/*
 * spi_get_cstring is SPI_getvalue for a column of type text, name or
 * varchar (NULL if null), without looking up and calling the type's output
 * function: for the columns read once per node.  Any other type goes
 * through SPI_getvalue.
 */
char *
spi_get_cstring(HeapTuple row, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d;

	switch (SPI_gettypeid(desc, col))
	{
		case TEXTOID:
		case VARCHAROID:
			d = SPI_getbinval(row, desc, col, &isnull);
			return isnull ? NULL : text_to_cstring(DatumGetTextPP(d));
		case NAMEOID:
			d = SPI_getbinval(row, desc, col, &isnull);
			return isnull ? NULL : pstrdup(NameStr(*DatumGetName(d)));
		default:
			return SPI_getvalue(row, desc, col);
	}
}
