/*-------------------------------------------------------------------------
 *
 * run.c
 *	  The run a picture shows: its record and steps, read as the caller.
 *
 * Runs are read through the views hamilton.runs and hamilton.node_runs with
 * the caller's rights, so a picture shows a run only to the roles that may
 * see it there.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "catalog.h"
#include "dot.h"

static void read_steps(DotRun *run);

/*
 * dot_read_run reads a run and its steps; a run the caller may not see is
 * one that does not exist.  The caller is connected to SPI.
 */
DotRun *
dot_read_run(int64 run_id)
{
	DotRun	   *run = palloc0(sizeof(DotRun));
	Oid			argtypes[1] = {INT8OID};
	Datum		values[1];
	HeapTuple	row;
	bool		isnull;
	Datum	   *elems;
	bool	   *nulls;
	int			i;

	values[0] = Int64GetDatum(run_id);
	spi_exec_checked("SELECT r.status, r.outputs FROM " HAMILTON_SCHEMA ".runs r WHERE r.run_id = $1",
					 1, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("run " INT64_FORMAT " does not exist or is not visible to you", run_id),
				 errdetail("" HAMILTON_SCHEMA ".runs shows the runs of the roles you are a member of."),
				 errhint("SELECT run_id, status, outputs FROM " HAMILTON_SCHEMA ".runs ORDER BY run_id DESC; lists the runs you may see.")));
	row = SPI_tuptable->vals[0];
	run->run_id = run_id;
	run->status = SPI_getvalue(row, SPI_tuptable->tupdesc, 1);
	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(row, SPI_tuptable->tupdesc, 2, &isnull)),
					  TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &run->noutputs);
	run->outputs = palloc(sizeof(char *) * Max(run->noutputs, 1));
	for (i = 0; i < run->noutputs; i++)
		run->outputs[i] = nulls[i] ? NULL : TextDatumGetCString(elems[i]);
	read_steps(run);
	return run;
}

/*
 * read_steps reads the run's steps, with the time rounded in SQL so that it
 * reads exactly as round(ms::numeric, 3) does.
 */
static void
read_steps(DotRun *run)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		values[1];
	uint64		i;

	values[0] = Int64GetDatum(run->run_id);
	spi_exec_checked("SELECT nr.node, nr.kind, nr.status, nr.rows, round(nr.ms::numeric, 3), nr.error "
					 "FROM " HAMILTON_SCHEMA ".node_runs nr WHERE nr.run_id = $1",
					 1, argtypes, values, NULL, SPI_OK_SELECT);
	run->nsteps = (int) SPI_processed;
	run->steps = palloc0(sizeof(DotStep) * Max(run->nsteps, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		DotStep    *step = &run->steps[i];

		step->node = SPI_getvalue(row, desc, 1);
		step->kind = SPI_getvalue(row, desc, 2);
		step->status = SPI_getvalue(row, desc, 3);
		step->rows = SPI_getvalue(row, desc, 4);
		step->ms = SPI_getvalue(row, desc, 5);
		step->error = SPI_getvalue(row, desc, 6);
	}
}

/*
 * dot_run_step_named is the step an output of the run stands for when the
 * output is no longer a node (gone or renamed since): the only step of that
 * name, bare or qualified (compared exactly: a name may hold "_" or "%");
 * NULL when there is none or several.
 */
char *
dot_run_step_named(DotRun *run, const char *output)
{
	Oid			argtypes[2] = {INT8OID, TEXTOID};
	Datum		values[2];
	bool		isnull;

	values[0] = Int64GetDatum(run->run_id);
	values[1] = CStringGetTextDatum(output);
	spi_exec_checked("SELECT min(nr.node) FROM " HAMILTON_SCHEMA ".node_runs nr "
					 "WHERE nr.run_id = $1 AND (nr.node = $2 OR pg_catalog.right(nr.node, pg_catalog.length($2) + 1) = '.' || $2) "
					 "HAVING count(*) = 1",
					 2, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return NULL;
	(void) SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? NULL : SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}
