/*-------------------------------------------------------------------------
 *
 * fingerprint_kept.c
 *	  Function nodes' fingerprints kept across backends, per pg_proc row
 *	  version (hamilton.function_fingerprint, version 1.5 on).
 *
 * A fingerprint deparses the function's SQL-standard body: a cold backend
 * spent about a third of a 10,000-node chain's run doing that.  What a
 * run fingerprints is kept with the OID, xmin and ctid of the pg_proc row
 * it was computed from, and the next run that fingerprints that very row
 * version (chain3: the raw xmin and ctid of the row its statement sees,
 * compared by the catalog query, with no syscache lookup) takes it from
 * there.  Any change of a function writes a new row version, with another
 * xmin or, within one transaction, another ctid: it is fingerprinted
 * again.  The kept value is the md5 the same text gave, so it equals what
 * fingerprinting would give but for one case: an object the body names
 * renamed since (its deparsed text names the new name; the code, which
 * refers to it by OID, is the same).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/itemptr.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"

#include "dag.h"

/*
 * A function's kept fingerprint, for the pg_proc row version the run's
 * statement sees (chain3: the catalog query compares xmin and ctid).
 */
typedef struct KeptEntry
{
	Oid			funcoid;
	char	   *fingerprint;
} KeptEntry;

struct KeptFingerprints
{
	HTAB	   *found;			/* what the catalog keeps, or NULL */
	int			n;				/* what this run computed, to be kept */
	int			size;
	Datum	   *oids;
	Datum	   *xmins;
	Datum	   *ctids;
	Datum	   *fingerprints;
};

/*
 * dag_kept_fingerprints_begin reads what the catalog keeps for the
 * function nodes among the n given that have no fingerprint yet.  SPI
 * must be connected; everything is allocated in the current context.
 */
KeptFingerprints *
dag_kept_fingerprints_begin(Dag *dag, const int *indexes, int n)
{
	KeptFingerprints *k = palloc0(sizeof(KeptFingerprints));
	Datum	   *oids = palloc(sizeof(Datum) * Max(n, 1));
	int			noids = 0;
	uint64		nrows,
				r;
	int			i;
	HASHCTL		ctl;

	for (i = 0; i < n; i++)
	{
		HNode	   *node = &dag->nodes[indexes[i]];

		if (node->fingerprint == NULL && node->kind != HNODE_INPUT && node->sql == NULL &&
			OidIsValid(node->funcoid))
			oids[noids++] = ObjectIdGetDatum(node->funcoid);
	}
	nrows = catalog_read_fingerprints(noids, oids);
	if (nrows == 0)
		return k;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(KeptEntry);
	ctl.hcxt = CurrentMemoryContext;
	k->found = hash_create("hamilton kept fingerprints", (long) nrows, &ctl,
						   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	for (r = 0; r < nrows; r++)
	{
		HeapTuple	row = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			funcoid;
		KeptEntry  *e;
		bool		exists;

		CHECK_FOR_INTERRUPTS();
		funcoid = DatumGetObjectId(SPI_getbinval(row, desc, 1, &isnull));
		e = hash_search(k->found, &funcoid, HASH_ENTER, &exists);
		if (!exists)
			e->fingerprint = TextDatumGetCString(SPI_getbinval(row, desc, 4, &isnull));
	}
	return k;
}

/*
 * dag_kept_fingerprint is the fingerprint kept for the pg_proc row version
 * of funcoid that the run's statement sees (catalog_read_fingerprints
 * returns only those), or NULL: (chain3) taken with no syscache lookup.
 */
const char *
dag_kept_fingerprint(KeptFingerprints *k, Oid funcoid)
{
	KeptEntry  *e;

	if (k == NULL || k->found == NULL)
		return NULL;
	e = hash_search(k->found, &funcoid, HASH_FIND, NULL);
	return e ? e->fingerprint : NULL;
}

/*
 * dag_kept_fingerprint_note notes a function's fingerprint, computed from
 * this pg_proc row version, for dag_kept_fingerprints_end to keep.
 */
void
dag_kept_fingerprint_note(KeptFingerprints *k, Oid funcoid, HeapTuple proctup,
						  const char *fingerprint)
{
	char		xmin[16];

	if (k == NULL)
		return;
	if (k->n == k->size)
	{
		k->size = Max(64, 2 * k->size);
		k->oids = k->oids ? repalloc(k->oids, sizeof(Datum) * k->size) : palloc(sizeof(Datum) * k->size);
		k->xmins = k->xmins ? repalloc(k->xmins, sizeof(Datum) * k->size) : palloc(sizeof(Datum) * k->size);
		k->ctids = k->ctids ? repalloc(k->ctids, sizeof(Datum) * k->size) : palloc(sizeof(Datum) * k->size);
		k->fingerprints = k->fingerprints ? repalloc(k->fingerprints, sizeof(Datum) * k->size) :
			palloc(sizeof(Datum) * k->size);
	}
	snprintf(xmin, sizeof(xmin), "%u", HeapTupleHeaderGetRawXmin(proctup->t_data));
	k->oids[k->n] = ObjectIdGetDatum(funcoid);
	k->xmins[k->n] = CStringGetTextDatum(xmin);
	k->ctids[k->n] = CStringGetTextDatum(DatumGetCString(DirectFunctionCall1(tidout,
																			 PointerGetDatum(&proctup->t_self))));
	k->fingerprints[k->n] = CStringGetTextDatum(fingerprint);
	k->n++;
}

/*
 * dag_kept_fingerprints_end keeps in the catalog what the run computed
 * (nothing on a catalog before 1.5, or in a read-only transaction).
 */
void
dag_kept_fingerprints_end(KeptFingerprints *k)
{
	catalog_store_fingerprints(k->n, k->oids, k->xmins, k->ctids, k->fingerprints);
}
