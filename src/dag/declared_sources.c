/*-------------------------------------------------------------------------
 *
 * declared_sources.c
 *	  The sources tag: the relations a node declares it reads, for a node
 *	  whose reads pg_hamilton cannot see (a plpgsql or plpython3u function,
 *	  or a query calling one).
 *
 * The tag is a JSON array of schema-qualified relation names.  A cached
 * run counts them as read by the node (their change log and state decide
 * whether its result is reused), and lets the node call functions whose
 * bodies it cannot see into, or that are STABLE; a VOLATILE one still
 * means recompute.  What the declaration leaves out is the user's
 * responsibility: pg_hamilton checks that each name is a tracked table,
 * not that the function reads only those.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/regproc.h"

#include "dag.h"

/*
 * dag_declared_names reads a sources tag (the JSON text of its value) into
 * its names (char *), in order; or returns NIL and sets *problem to what is
 * wrong with it (not an array, an element not a non-empty string).
 */
List *
dag_declared_names(const char *json, char **problem)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	List	   *names = NIL;
	uint64		r;

	*problem = NULL;
	values[0] = CStringGetTextDatum(json);
	spi_exec_checked("SELECT pg_catalog.jsonb_typeof($1::pg_catalog.jsonb) OPERATOR(pg_catalog.=) 'array'",
					 1, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed != 1 || strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), "t") != 0)
	{
		*problem = "it is not a JSON array";
		return NIL;
	}
	spi_exec_checked("SELECT pg_catalog.jsonb_typeof(e.value) OPERATOR(pg_catalog.=) 'string', "
					 "       e.value OPERATOR(pg_catalog.#>>) '{}' "
					 "FROM pg_catalog.jsonb_array_elements($1::pg_catalog.jsonb) WITH ORDINALITY AS e(value, n) "
					 "ORDER BY e.n",
					 1, argtypes, values, NULL, SPI_OK_SELECT);
	for (r = 0; r < SPI_processed; r++)
	{
		char	   *is_string = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1);
		char	   *name = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2);

		if (strcmp(is_string, "t") != 0 || name == NULL || name[0] == '\0')
		{
			*problem = psprintf("its element %d is not a relation's name", (int) r + 1);
			return NIL;
		}
		names = lappend(names, name);
	}
	return names;
}

/*
 * dag_declared_relation is the relation a declared name names, or
 * InvalidOid with *problem set: it is not schema-qualified (the name must
 * mean the same at every run, whatever the search path), or there is no
 * such relation.
 */
Oid
dag_declared_relation(const char *name, char **problem)
{
	List	   *parts = stringToQualifiedNameList(name);
	Oid			relid;

	*problem = NULL;
	if (list_length(parts) < 2)
	{
		*problem = psprintf("\"%s\" is not schema-qualified", name);
		return InvalidOid;
	}
	relid = RangeVarGetRelid(makeRangeVarFromNameList(parts), NoLock, true);
	if (!OidIsValid(relid))
		*problem = psprintf("relation \"%s\" does not exist", name);
	return relid;
}
