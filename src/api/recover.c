/*-------------------------------------------------------------------------
 *
 * recover.c
 *	  hamilton_recover(): the remote transactions runs left in doubt on the
 *	  servers of their placed nodes, resolved (exec/remote_recover.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "api.h"

PG_FUNCTION_INFO_V1(hamilton_recover);

/*
 * hamilton_recover() returns one row per gid (or staging table) it
 * resolved or left: gid, server_name, run_id, outcome.
 */
Datum
hamilton_recover(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *rows;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	api_begin();
	rows = remote_recover();
	foreach(lc, rows)
	{
		RecoverRow *r = lfirst(lc);
		Datum		out[4];
		bool		outnull[4] = {false, false, false, false};

		out[0] = CStringGetTextDatum(r->gid);
		out[1] = CStringGetTextDatum(r->server);
		out[2] = Int64GetDatum(r->run_id);
		out[3] = CStringGetTextDatum(r->outcome);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, outnull);
	}
	api_end();
	return (Datum) 0;
}
