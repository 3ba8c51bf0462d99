/*-------------------------------------------------------------------------
 *
 * run_rows.c
 *	  hamilton.run, hamilton.node_run and hamilton.run_start: the history
 *	  of runs.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "catalog.h"

/*
 * catalog_next_run_id draws a run's id.  Sequences are not transactional,
 * so the id stays valid for the recorder.
 */
int64
catalog_next_run_id(void)
{
	OwnerScope	w;
	bool		isnull;
	int64		id;

	catalog_owner_begin(&w);
	spi_exec_checked("SELECT pg_catalog.nextval('" CATALOG_TABLE("run_id_seq") "')", 0, NULL, NULL, NULL, SPI_OK_SELECT);
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	catalog_owner_end(&w);
	return id;
}

/*
 * catalog_insert_run writes a run that ended, and its steps, from their JSON
 * description, {"run": {...}, "nodes": [...]}, with the rights of whoever
 * calls it: the caller switches to the catalog owner first (or is the
 * recorder, which connects as the owner).  rolled_back: the run succeeded,
 * then its transaction rolled back; the run and each step that computed
 * something are recorded as "rolled back" (inputs and overrides keep their
 * status).  The row is new: a run ends once, and a run id that is already
 * there (the sequence set back) is an error, not an overwrite.
 */
void
catalog_insert_run(const char *json, bool rolled_back)
{
	Oid			argtypes[2] = {JSONBOID, BOOLOID};
	Datum		values[2];

	/* parsed once here: as text, each statement would parse it again */
	values[0] = DirectFunctionCall1(jsonb_in, CStringGetDatum(json));
	values[1] = BoolGetDatum(rolled_back);
	spi_exec_checked("INSERT INTO " CATALOG_TABLE("run") " "
					 "SELECT * FROM pg_catalog.jsonb_populate_record(NULL::" CATALOG_TABLE("run") ", "
					 "  CASE WHEN $2 THEN ($1->'run') || '{\"status\": \"rolled back\"}' "
					 "       ELSE $1->'run' END)",
					 2, argtypes, values, NULL, SPI_OK_INSERT);
	spi_exec_checked("INSERT INTO " CATALOG_TABLE("node_run") " "
					 "SELECT * FROM pg_catalog.jsonb_populate_recordset(NULL::" CATALOG_TABLE("node_run") ", "
					 "  CASE WHEN $2 THEN (SELECT pg_catalog.jsonb_agg(CASE WHEN n->>'status' IN ('input', 'default', 'overridden', 'cached') "
					 "                                      THEN n ELSE n || '{\"status\": \"rolled back\"}' END ORDER BY o) "
					 "                     FROM pg_catalog.jsonb_array_elements($1->'nodes') WITH ORDINALITY AS t(n, o)) "
					 "       ELSE $1->'nodes' END)",
					 2, argtypes, values, NULL, SPI_OK_INSERT);
}

/*
 * catalog_insert_node_runs writes the n steps of run run_id (a run
 * catalog_insert_run wrote without them): by the bulk path
 * (node_run_rows.c), or else as arrays: one statement, no JSON to parse.
 * The caller switches to the catalog owner first.
 */
void
catalog_insert_node_runs(int64 run_id, int n, const CatalogNodeRun *rows)
{
	Oid			argtypes[17] = {INT8OID, INT4ARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
		TEXTARRAYOID, TEXTARRAYOID, INT8ARRAYOID, FLOAT8ARRAYOID, TEXTARRAYOID,
		TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID, TIMESTAMPTZARRAYOID,
	TIMESTAMPTZARRAYOID, INT8ARRAYOID, TEXTARRAYOID};
	Datum		values[17];
	Datum	   *cols[16];
	bool	   *nulls[16];
	Oid			types[16] = {INT4OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT8OID,
		FLOAT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT4OID, TIMESTAMPTZOID,
	TIMESTAMPTZOID, INT8OID, TEXTOID};

	/*
	 * which worker ran each step, and when (parallel runs), and the run whose
	 * result a cached step kept (cache): a 1.3 catalog on
	 */
	int			ncols = catalog_keeps_step_workers() && catalog_cache_available() ? 15 : 11;
	int			c,
				i;

	if (n == 0 || catalog_bulk_insert_node_runs(run_id, n, rows))
		return;
	/* (servers2) the server a placed step ran on: a 1.4 catalog on */
	if (ncols == 15 && catalog_keeps_step_placement())
		ncols = 16;
	for (c = 0; c < ncols; c++)
	{
		cols[c] = palloc0(sizeof(Datum) * n);
		nulls[c] = palloc0(sizeof(bool) * n);
	}
	for (i = 0; i < n; i++)
	{
		const CatalogNodeRun *r = &rows[i];
		const char *text[11] = {NULL, r->node, r->module, r->kind, r->relation, NULL, NULL,
		r->status, r->fingerprint, r->checks, r->error};

		cols[0][i] = Int32GetDatum(r->step);
		for (c = 1; c < 11; c++)
			if (c != 5 && c != 6)
			{
				nulls[c][i] = text[c] == NULL;
				if (text[c])
					cols[c][i] = CStringGetTextDatum(text[c]);
			}
		nulls[5][i] = !r->has_rows;
		cols[5][i] = Int64GetDatum(r->rows);
		/* to the microsecond, as the JSON of the run writes it (%.3f) */
		nulls[6][i] = !r->has_ms;
		cols[6][i] = Float8GetDatum(strtod(psprintf("%.3f", r->ms), NULL));
		if (ncols >= 15)
		{
			nulls[11][i] = r->worker_pid == 0;
			cols[11][i] = Int32GetDatum(r->worker_pid);
			nulls[12][i] = r->started_at == 0;
			cols[12][i] = TimestampTzGetDatum(r->started_at);
			nulls[13][i] = r->ended_at == 0;
			cols[13][i] = TimestampTzGetDatum(r->ended_at);
			nulls[14][i] = r->cached_from <= 0;
			cols[14][i] = Int64GetDatum(r->cached_from);
		}
		if (ncols == 16)
		{
			nulls[15][i] = r->placement == NULL;
			if (r->placement)
				cols[15][i] = CStringGetTextDatum(r->placement);
		}
	}
	values[0] = Int64GetDatum(run_id);
	for (c = 0; c < ncols; c++)
	{
		int16		typlen;
		bool		typbyval;
		char		typalign;
		int			dims[1] = {n};
		int			lbs[1] = {1};

		get_typlenbyvalalign(types[c], &typlen, &typbyval, &typalign);
		values[c + 1] = PointerGetDatum(construct_md_array(cols[c], nulls[c], 1, dims, lbs,
														   types[c], typlen, typbyval, typalign));
	}
	spi_exec_checked(psprintf("INSERT INTO " CATALOG_TABLE("node_run") " "
							  "(run_id, step, node, module, kind, relation, rows, ms, status, fingerprint, checks, error%s) "
							  "SELECT $1, s.* FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), "
							  "  pg_catalog.unnest($4::pg_catalog.name[]), pg_catalog.unnest($5), pg_catalog.unnest($6), "
							  "  pg_catalog.unnest($7), pg_catalog.unnest($8), pg_catalog.unnest($9), pg_catalog.unnest($10), "
							  "  pg_catalog.unnest($11::pg_catalog.jsonb[]), pg_catalog.unnest($12)%s) AS s",
							  ncols == 16 ? ", worker_pid, started_at, ended_at, cached_from, placement" :
							  ncols == 15 ? ", worker_pid, started_at, ended_at, cached_from" : "",
							  ncols == 16 ? ", pg_catalog.unnest($13), pg_catalog.unnest($14), pg_catalog.unnest($15), "
							  "pg_catalog.unnest($16), pg_catalog.unnest($17)" :
							  ncols == 15 ? ", pg_catalog.unnest($13), pg_catalog.unnest($14), pg_catalog.unnest($15), "
							  "pg_catalog.unnest($16)" : ""),
					 ncols + 1, argtypes, values, NULL, SPI_OK_INSERT);
}

/*
 * catalog_insert_run_start writes the start of a run, {"run": {...}} (no
 * end, no steps), into hamilton.run_start; the recorder does, in its own
 * transaction, as the owner.  A start already there is kept.
 */
void
catalog_insert_run_start(const char *json)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];

	values[0] = CStringGetTextDatum(json);
	spi_exec_checked("INSERT INTO " CATALOG_TABLE("run_start") " "
					 "SELECT * FROM pg_catalog.jsonb_populate_record(NULL::" CATALOG_TABLE("run_start") ", ($1::jsonb)->'run') "
					 "ON CONFLICT (run_id) DO NOTHING",
					 1, argtypes, values, NULL, SPI_OK_INSERT);
}

/*
 * catalog_forget_ended_starts deletes the starts of runs that have ended:
 * hamilton.run holds them now.  Rows another transaction is deleting are
 * skipped, so that the recorder never waits for anyone.
 */
void
catalog_forget_ended_starts(void)
{
	spi_exec_checked("DELETE FROM " CATALOG_TABLE("run_start") " s WHERE s.run_id IN ("
					 "  SELECT t.run_id FROM " CATALOG_TABLE("run_start") " t "
					 "  WHERE EXISTS (SELECT 1 FROM " CATALOG_TABLE("run") " e WHERE e.run_id = t.run_id) "
					 "  FOR UPDATE OF t SKIP LOCKED)",
					 0, NULL, NULL, NULL, SPI_OK_DELETE);
}
