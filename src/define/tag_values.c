/*-------------------------------------------------------------------------
 *
 * tag_values.c
 *	  Merging one tag into a node's tags, for the options of
 *	  hamilton_define that are tags (cache =>, placement =>, shard_key =>).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "define.h"

/*
 * define_tags_with is tags (or none) with the tag key set to value: a
 * string, or with json a JSON text (a list of servers).  The callers check
 * first that a tag key among tags does not say otherwise.
 */
Jsonb *
define_tags_with(Jsonb *tags, const char *key, const char *value, bool json)
{
	Oid			argtypes[3] = {JSONBOID, TEXTOID, TEXTOID};
	Datum		values[3];
	bool		isnull;

	values[0] = tags ? JsonbPGetDatum(tags) : DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
	values[1] = CStringGetTextDatum(key);
	values[2] = CStringGetTextDatum(value);
	spi_exec_checked(json ?
					 "SELECT $1 OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object($2, $3::pg_catalog.jsonb)" :
					 "SELECT $1 OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object($2, $3)",
					 3, argtypes, values, NULL, SPI_OK_SELECT);
	return DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}
