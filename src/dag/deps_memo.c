/*-------------------------------------------------------------------------
 *
 * deps_memo.c
 *	  (rerun) What a cached run looks up once for all its entries, instead
 *	  of once per source: the relations that inherit from another (one scan
 *	  of pg_inherits), the Oids of the change log's trigger function and of
 *	  the row trigger's condition, and one MD5 context.
 *
 * A memo lives for one decision of a cached run (cache_skip.c), in the
 * memory context it was made in; nothing is kept across runs, so a trigger
 * dropped or an inheritance added between two runs is seen by the next.
 * Each lookup answers exactly what the per-source one did: has_superclass
 * is a pg_inherits row with the relation as inhrelid; a trigger runs
 * hamilton.change_logged() when its function is that one (a trigger
 * function takes no argument, so the name names one function).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/md5.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "dag.h"

/*
 * dag_deps_memo_begin makes a run's memo: the set of relations with a
 * parent (pg_inherits.inhrelid), the function Oids, an MD5 context.
 */
DagDepsMemo *
dag_deps_memo_begin(void)
{
	DagDepsMemo *m = palloc0(sizeof(DagDepsMemo));
	HASHCTL		ctl;
	Relation	inh;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			regclass[1] = {REGCLASSOID};

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(Oid);
	ctl.hcxt = CurrentMemoryContext;
	m->children = hash_create("hamilton inheriting relations", 64, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	inh = table_open(InheritsRelationId, AccessShareLock);
	scan = systable_beginscan(inh, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Oid			child = ((Form_pg_inherits) GETSTRUCT(tup))->inhrelid;

		(void) hash_search(m->children, &child, HASH_ENTER, NULL);
	}
	systable_endscan(scan);
	table_close(inh, AccessShareLock);
	m->logged_fn = LookupFuncName(list_make2(makeString(HAMILTON_SCHEMA), makeString("change_logged")),
								  0, NULL, true);
	m->replica_fn = LookupFuncName(list_make2(makeString(HAMILTON_SCHEMA), makeString("replicated_change")),
								   1, regclass, true);
	m->md5 = pg_cryptohash_create(PG_MD5);
	if (m->md5 == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	return m;
}

/*
 * dag_deps_memo_end frees the memo's MD5 context (the rest is palloc'd)
 * and releases the locks of the relations it read (state_pass.c).
 */
void
dag_deps_memo_end(DagDepsMemo *m)
{
	if (m)
		dag_memo_release(m);
	if (m && m->md5)
		pg_cryptohash_free(m->md5);
	if (m)
		m->md5 = NULL;
}

/* dag_memo_has_superclass: has relid a pg_inherits row as a child? */
bool
dag_memo_has_superclass(DagDepsMemo *m, Oid relid)
{
	return hash_search(m->children, &relid, HASH_FIND, NULL) != NULL;
}

/*
 * dag_memo_md5 writes the MD5 of data (len bytes), in hex, to hex (33
 * bytes), with the memo's context: what pg_md5_hash gives, without making
 * and freeing a context each time.
 */
void
dag_memo_md5(DagDepsMemo *m, const char *data, size_t len, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	uint8		sum[MD5_DIGEST_LENGTH];
	int			i;

	if (pg_cryptohash_init(m->md5) < 0 ||
		pg_cryptohash_update(m->md5, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(m->md5, sum, sizeof(sum)) < 0)
		elog(ERROR, "could not compute MD5: %s", pg_cryptohash_error(m->md5));
	for (i = 0; i < MD5_DIGEST_LENGTH; i++)
	{
		hex[2 * i] = digits[sum[i] >> 4];
		hex[2 * i + 1] = digits[sum[i] & 0x0f];
	}
	hex[2 * MD5_DIGEST_LENGTH] = '\0';
}
