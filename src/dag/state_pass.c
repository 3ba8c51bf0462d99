/*-------------------------------------------------------------------------
 *
 * state_pass.c
 *	  (rerun2) The relations a cached run's entries read, locked, then read
 *	  from pg_class, pg_attribute and pg_trigger in one pass each, instead
 *	  of opening each one.
 *
 * The run that precedes an unchanged re-run often rewrote every result
 * table, so opening each one rebuilds its relcache entry (every column
 * default, constraint, rule and index list it has).  The digest of a
 * relation's state (source_state.c) reads only its pg_class row, its
 * columns and its triggers: the pass builds, for each relation, a
 * stand-in holding exactly those (rd_id, rd_rel, rd_att, trigdesc, as the
 * relcache fills them: trigdesc NULL unless relhastriggers and a trigger
 * exists), which member_state digests with the same code as an open
 * relation, so that the digest is the same byte for byte.
 *
 * Each relation is locked (ACCESS SHARE, in Oid order) before the pass
 * reads the catalogs, as try_relation_open locks before it looks: an
 * ALTER TABLE that committed before the lock was granted is seen.  The
 * locks are released once the batch's entries are decided (cache_skip.c
 * reads them by batches of dag_memo_batch relations), as relation_state
 * released each.
 * A relation not found (dropped) has no stand-in: relation_state opens it
 * as before, and says it is gone.  The pass is made only when it reads
 * fewer pages than opening each relation would (PAGES_PER_OPEN); in a
 * database with many more relations than the run reads, each is opened.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/twophase.h"
#include "access/tupdesc.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_trigger.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/rel.h"
#include "utils/reltrigger.h"

#include "dag.h"

/* A relation of the pass: its stand-in, once its pg_class row is read. */
typedef struct PassRelation
{
	Oid			relid;
	Relation	rel;
	List	   *triggers;		/* Trigger *, while the pass reads */
} PassRelation;

/*
 * Opening a relation whose relcache entry was invalidated reads at least
 * its pg_class, pg_attribute and pg_trigger rows through their indexes:
 * two pages each, or more.  The pass reads each page of the three once.
 */
#define PAGES_PER_OPEN 6

/* What pass_scan does with each row of a catalog. */
typedef void (*PassRow) (HTAB *rels, HeapTuple tup, TupleDesc desc);

static BlockNumber catalog_blocks(Oid catalog);
static void pass_scan(Oid catalog, PassRow row, HTAB *rels);
static void class_row(HTAB *rels, HeapTuple tup, TupleDesc desc);
static void attribute_row(HTAB *rels, HeapTuple tup, TupleDesc desc);
static void trigger_row(HTAB *rels, HeapTuple tup, TupleDesc desc);
static void pass_finish(HTAB *rels);

/*
 * dag_memo_read_relations, when worth it, locks the relations (Oid)
 * and reads their state in one pass into the memo (dag_memo_relation);
 * otherwise relation_state opens each.
 */
void
dag_memo_read_relations(DagDepsMemo *m, List *relids)
{
	List	   *sorted = list_copy(relids);
	ListCell   *lc;
	HASHCTL		ctl;
	BlockNumber blocks;

	list_sort(sorted, list_oid_cmp);
	list_deduplicate_oid(sorted);
	/* one entry that read more than a batch: each relation is opened */
	if (list_length(sorted) > 2 * dag_memo_batch())
		return;
	blocks = catalog_blocks(AttributeRelationId) + catalog_blocks(RelationRelationId) +
		catalog_blocks(TriggerRelationId);
	if (sorted == NIL || blocks > PAGES_PER_OPEN * (BlockNumber) list_length(sorted))
		return;
	ereport(DEBUG1,
			(errmsg_internal("the cached run reads the state of %d relations in one pass",
							 list_length(sorted))));
	foreach(lc, sorted)
	{
		CHECK_FOR_INTERRUPTS();
		LockRelationOid(lfirst_oid(lc), AccessShareLock);
		m->locked = lappend_oid(m->locked, lfirst_oid(lc));
	}
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(PassRelation);
	ctl.hcxt = CurrentMemoryContext;
	m->rels = hash_create("hamilton relations read", list_length(sorted), &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	foreach(lc, sorted)
	{
		Oid			relid = lfirst_oid(lc);
		PassRelation *p = hash_search(m->rels, &relid, HASH_ENTER, NULL);

		p->rel = NULL;
		p->triggers = NIL;
	}
	pass_scan(RelationRelationId, class_row, m->rels);
	pass_scan(AttributeRelationId, attribute_row, m->rels);
	pass_scan(TriggerRelationId, trigger_row, m->rels);
	pass_finish(m->rels);
}

/*
 * dag_memo_relation is the stand-in of a relation the pass read (see the
 * file's comment: only rd_id, rd_rel, rd_att and trigdesc are set), or
 * NULL: not read (no pass, or not found), to be opened.
 */
Relation
dag_memo_relation(DagDepsMemo *m, Oid relid)
{
	PassRelation *p;

	if (m == NULL || m->rels == NULL)
		return NULL;
	p = hash_search(m->rels, &relid, HASH_FIND, NULL);
	return p ? p->rel : NULL;
}

/*
 * dag_memo_release releases the locks dag_memo_read_relations took, and
 * forgets its stand-ins.
 */
void
dag_memo_release(DagDepsMemo *m)
{
	ListCell   *lc;

	foreach(lc, m->locked)
		UnlockRelationOid(lfirst_oid(lc), AccessShareLock);
	m->locked = NIL;
	if (m->rels)
		hash_destroy(m->rels);
	m->rels = NULL;
}

/*
 * dag_memo_batch is how many relations dag_memo_read_relations may lock at
 * once: a quarter of the shared lock table (each relation opened one at a
 * time held one lock; thousands held at once would fill the table, "out
 * of shared memory"), so the caller reads its entries' relations by
 * batches of about that many.
 */
int
dag_memo_batch(void)
{
	return Max(64, max_locks_per_xact * (MaxConnections + max_prepared_xacts) / 4);
}

/* catalog_blocks is the number of pages of a catalog. */
static BlockNumber
catalog_blocks(Oid catalog)
{
	Relation	rel = table_open(catalog, AccessShareLock);
	BlockNumber n = RelationGetNumberOfBlocks(rel);

	table_close(rel, AccessShareLock);
	return n;
}

/*
 * pass_scan reads every row of a catalog once (with the catalog snapshot,
 * as the relcache does), giving each to row.
 */
static void
pass_scan(Oid catalog, PassRow row, HTAB *rels)
{
	Relation	cat = table_open(catalog, AccessShareLock);
	SysScanDesc scan = systable_beginscan(cat, InvalidOid, false, NULL, 0, NULL);
	HeapTuple	tup;

	while (HeapTupleIsValid(tup = systable_getnext(scan)))
		row(rels, tup, RelationGetDescr(cat));
	systable_endscan(scan);
	table_close(cat, AccessShareLock);
}

/*
 * class_row reads the pg_class row of a relation of the pass, as the
 * relcache keeps it (its fixed part), into a new stand-in.
 */
static void
class_row(HTAB *rels, HeapTuple tup, TupleDesc desc)
{
	Form_pg_class c = (Form_pg_class) GETSTRUCT(tup);
	PassRelation *p = hash_search(rels, &c->oid, HASH_FIND, NULL);
	Relation	rel;

	if (p == NULL)
		return;
	rel = palloc0(sizeof(RelationData));
	rel->rd_id = c->oid;
	rel->rd_rel = palloc(CLASS_TUPLE_SIZE);
	memcpy(rel->rd_rel, c, CLASS_TUPLE_SIZE);
	rel->rd_att = CreateTemplateTupleDesc(c->relnatts);
	memset(rel->rd_att->attrs, 0, sizeof(FormData_pg_attribute) * c->relnatts);
	p->rel = rel;
}

/*
 * attribute_row copies a user column (attnum 1 to relnatts) of a
 * stand-in into its descriptor, as the relcache does.
 */
static void
attribute_row(HTAB *rels, HeapTuple tup, TupleDesc desc)
{
	Form_pg_attribute a = (Form_pg_attribute) GETSTRUCT(tup);
	PassRelation *p;

	if (a->attnum <= 0)
		return;
	p = hash_search(rels, &a->attrelid, HASH_FIND, NULL);
	if (p == NULL || p->rel == NULL || a->attnum > p->rel->rd_att->natts)
		return;
	memcpy(TupleDescAttr(p->rel->rd_att, a->attnum - 1), a, ATTRIBUTE_FIXED_PART_SIZE);
}

/*
 * trigger_row keeps, for a stand-in whose pg_class says it has triggers,
 * the fields of a trigger that the digest reads, as the relcache's
 * trigdesc has them.
 */
static void
trigger_row(HTAB *rels, HeapTuple tup, TupleDesc desc)
{
	Form_pg_trigger f = (Form_pg_trigger) GETSTRUCT(tup);
	PassRelation *p = hash_search(rels, &f->tgrelid, HASH_FIND, NULL);
	Trigger    *t;
	bool		isnull;
	Datum		qual;

	if (p == NULL || p->rel == NULL || !p->rel->rd_rel->relhastriggers)
		return;
	t = palloc0(sizeof(Trigger));
	t->tgoid = f->oid;
	t->tgname = pstrdup(NameStr(f->tgname));
	t->tgfoid = f->tgfoid;
	t->tgtype = f->tgtype;
	t->tgenabled = f->tgenabled;
	t->tgisinternal = f->tgisinternal;
	t->tgnattr = f->tgattr.dim1;
	t->tgnargs = f->tgnargs;
	qual = heap_getattr(tup, Anum_pg_trigger_tgqual, desc, &isnull);
	t->tgqual = isnull ? NULL : TextDatumGetCString(qual);
	p->triggers = lappend(p->triggers, t);
}

/*
 * pass_finish gives each stand-in its trigdesc (NULL when it has no
 * trigger, as the relcache's), and drops one with a column missing (it
 * cannot be, locked): that relation is opened.
 */
static void
pass_finish(HTAB *rels)
{
	HASH_SEQ_STATUS seq;
	PassRelation *p;

	hash_seq_init(&seq, rels);
	while ((p = hash_seq_search(&seq)) != NULL)
	{
		TriggerDesc *td;
		ListCell   *lc;
		int			i;

		for (i = 0; p->rel && i < p->rel->rd_att->natts; i++)
			if (TupleDescAttr(p->rel->rd_att, i)->attnum != i + 1)
				p->rel = NULL;
		if (p->rel == NULL || p->triggers == NIL)
			continue;
		td = palloc0(sizeof(TriggerDesc));
		td->numtriggers = list_length(p->triggers);
		td->triggers = palloc(sizeof(Trigger) * td->numtriggers);
		i = 0;
		foreach(lc, p->triggers)
			td->triggers[i++] = *(Trigger *) lfirst(lc);
		p->rel->trigdesc = td;
	}
}
