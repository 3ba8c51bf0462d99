/*-------------------------------------------------------------------------
 *
 * result_sql.c
 *	  Running one statement on a result table, checked.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"

#include "exec.h"

/*
 * result_statement runs one statement on a result table.  Anything but the expected
 * answer means something changed the statement's meaning (a rule or trigger
 * the table's owner added): that is reported, not assumed away.
 */
uint64
result_statement(const char *sql, int expected)
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
