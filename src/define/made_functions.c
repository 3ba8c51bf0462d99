/*-------------------------------------------------------------------------
 *
 * made_functions.c
 *	  The functions pg_hamilton writes as nodes for the caller (made from a
 *	  template, function_template.c; a field of a node, extract_fields.c):
 *	  making one again replaces only a function it made, never the user's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "define.h"

/*
 * define_replace_made_functions drops the functions named schema.name
 * that were made as ours_sql says (a boolean expression over p, their
 * pg_proc row, reading $3, the argument arg of type argtype), before one is
 * made again; any other function of that name is the user's, and refuse
 * raises its error (refuse gets its signature and ctx).
 */
void
define_replace_made_functions(const char *schema, const char *name, const char *ours_sql,
							  Oid argtype, Datum arg,
							  void (*refuse) (const char *signature, void *ctx), void *ctx)
{
	uint64		k;
	List	   *ours = NIL;
	ListCell   *lc;

	spi_exec_checked(psprintf("SELECT p.oid::pg_catalog.regprocedure::pg_catalog.text, %s "
							  "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
							  "WHERE n.nspname = $1 AND p.proname = $2 ORDER BY p.oid", ours_sql),
					 3, (Oid[]) {TEXTOID, TEXTOID, argtype},
					 (Datum[]) {CStringGetTextDatum(schema), CStringGetTextDatum(name), arg},
					 NULL, SPI_OK_SELECT);
	for (k = 0; k < SPI_processed; k++)
	{
		char	   *sig = SPI_getvalue(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 1);

		if (strcmp(SPI_getvalue(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 2), "t") != 0)
			refuse(sig, ctx);
		ours = lappend(ours, sig);
	}
	foreach(lc, ours)
		spi_exec_checked(psprintf("DROP FUNCTION %s", (char *) lfirst(lc)), 0, NULL, NULL, NULL,
						 SPI_OK_UTILITY);
}
