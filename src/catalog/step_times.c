/*-------------------------------------------------------------------------
 *
 * step_times.c
 *	  How long each step took the last time it ran, from hamilton.node_run:
 *	  a parallel run (exec/parallel_run.c) puts the longest paths first and
 *	  keeps short steps in the caller.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "catalog.h"

/* How many of the latest runs are looked at. */
#define STEP_TIMES_RUNS 20

/*
 * catalog_last_step_ms sets ms[i] to the shortest time node nodes[i] (its
 * display name) of module modules[i] took in the last STEP_TIMES_RUNS runs
 * that succeeded with it, or leaves it alone: the shortest, so that one
 * slow run on a busy server does not make a short step look long.
 */
void
catalog_last_step_ms(int n, const char **modules, const char **nodes, double *ms)
{
	Oid			argtypes[2] = {TEXTARRAYOID, TEXTARRAYOID};
	Datum		values[2];
	Datum	   *m = palloc(sizeof(Datum) * Max(n, 1));
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	bool	   *mnull = palloc0(sizeof(bool) * Max(n, 1));
	int			dims[1] = {n};
	int			lbs[1] = {1};
	OwnerScope	w;
	uint64		i;

	if (n == 0)
		return;
	for (i = 0; i < (uint64) n; i++)
	{
		mnull[i] = modules[i] == NULL;
		m[i] = modules[i] ? CStringGetTextDatum(modules[i]) : (Datum) 0;
		d[i] = CStringGetTextDatum(nodes[i]);
	}
	values[0] = PointerGetDatum(construct_md_array(m, mnull, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT));
	values[1] = PointerGetDatum(construct_array(d, n, TEXTOID, -1, false, TYPALIGN_INT));
	catalog_owner_begin(&w);
	/* one hash join of the request's nodes with the recent runs' steps */
	spi_exec_checked("SELECT u.ord::int, pg_catalog.min(nr.ms) "
					 "FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) WITH ORDINALITY AS u(module, node, ord) "
					 "JOIN " CATALOG_TABLE("node_run") " nr ON nr.node = u.node "
					 "  AND nr.module IS NOT DISTINCT FROM u.module::pg_catalog.name "
					 "JOIN " CATALOG_TABLE("run") " r ON r.run_id = nr.run_id "
					 "WHERE nr.run_id > (SELECT pg_catalog.max(x.run_id) FROM " CATALOG_TABLE("run") " x) - "
					 CppAsString2(STEP_TIMES_RUNS) " AND r.status = 'succeeded' AND nr.ms IS NOT NULL "
					 "GROUP BY u.ord",
					 2, argtypes, values, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		int			ord = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		Datum		v = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull);

		if (!isnull && ord >= 1 && ord <= n)
			ms[ord - 1] = DatumGetFloat8(v);
	}
	catalog_owner_end(&w);
}
