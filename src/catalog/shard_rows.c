/*-------------------------------------------------------------------------
 *
 * shard_rows.c
 *	  (shard) The shard_key tags of sharded nodes (several servers, issue
 *	  14): hamilton_define's shard_key => is the tag shard_key, which acts
 *	  from catalog version 1.5 on, whose hamilton.nodes shows it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "catalog.h"

/*
 * catalog_keeps_shard_keys: does the catalog act on the tag shard_key
 * (hamilton.nodes shows it, version 1.5 on)?  In an older catalog a tag of
 * that name is a label, and shard_key => is refused.
 */
bool
catalog_keeps_shard_keys(void)
{
	Oid			rel = catalog_table_relid("nodes");

	return OidIsValid(rel) && get_attnum(rel, "shard_key") != InvalidAttrNumber;
}

/*
 * catalog_read_shard_keys lists the shard_key tags: triples of char *
 * (schema, node, key column), one after the other.
 */
List *
catalog_read_shard_keys(void)
{
	return catalog_read_tags_named("shard_key");
}

/*
 * catalog_read_tags_named lists the tags of one key, every node's:
 * triples of char * (schema, node, value), one after the other.
 */
List *
catalog_read_tags_named(const char *key)
{
	List	   *out = NIL;
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(key)};
	uint64		i;
	OwnerScope	w;

	catalog_owner_begin(&w);
	spi_exec_checked("SELECT schema_name::text, node_name::text, tag_value FROM " CATALOG_TABLE("node_tag")
					 " WHERE tag_key = $1", 1, argtypes, values, NULL, SPI_OK_SELECT);
	catalog_owner_end(&w);
	for (i = 0; i < SPI_processed; i++)
	{
		out = lappend(out, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
		out = lappend(out, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2));
		out = lappend(out, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3));
	}
	return out;
}
