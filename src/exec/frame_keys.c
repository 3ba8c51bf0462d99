/*-------------------------------------------------------------------------
 *
 * frame_keys.c
 *	  (frames, issue 13 item 7) What a frame's group checks when it runs:
 *	  that its SELECT still yields the columns the frame was defined with,
 *	  and that its key identifies one row.
 *
 * A frame's columns are nodes, read when it is defined (define/
 * frame_shape.c).  What it reads may change afterwards (a node it reads
 * redefined, a source table altered): the run then refuses the frame
 * rather than compute its column nodes from columns that are no longer
 * what they were.  pandas lines a frame's series up on its index, and
 * duplicate index entries align in a cross product; here a key that is on
 * two rows is refused, whatever the request, before the run ends.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_am.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"
#include "utils/syscache.h"

#include "exec.h"

static char *columns_text(int n, char **names, char **types);
static bool key_proven_unique(HNode *frame, Query *outer);
static bool index_covers(Oid relid, Bitmapset *attnos);
static bool column_as_probed(Oid relid, AttrNumber attno, Oid opclass, Oid collation,
							 bool nulls_not_distinct);

/* columns_text: "a integer, b text", the columns a frame yields. */
static char *
columns_text(int n, char **names, char **types)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s %s", i ? ", " : "", quote_identifier(names[i]), types[i]);
	return buf.data;
}

/*
 * column_as_probed: does a unique index's column attno of relation relid
 * tell two rows apart exactly as the duplicate probe does (GROUP BY and
 * DISTINCT, frame_refuse_duplicate_keys): with the default btree operator
 * class of the column's type and the column's own collation, and no two
 * NULLs (the column NOT NULL, or the index NULLS NOT DISTINCT)?  An index
 * under another collation ("C" where the column's is case-insensitive) or
 * operator class (record_image_ops) lets keys the probe calls equal in.
 */
static bool
column_as_probed(Oid relid, AttrNumber attno, Oid opclass, Oid collation,
				 bool nulls_not_distinct)
{
	HeapTuple	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attno));
	bool		same = false;

	if (HeapTupleIsValid(tup))
	{
		Form_pg_attribute att = (Form_pg_attribute) GETSTRUCT(tup);

		same = (att->attnotnull || nulls_not_distinct) &&
			collation == att->attcollation &&
			opclass == GetDefaultOpClass(att->atttypid, BTREE_AM_OID);
		ReleaseSysCache(tup);
	}
	return same;
}

/*
 * index_covers: has relation relid a unique index, neither partial nor on
 * expressions, all of whose columns are among attnos, that no two rows can
 * share as the probe compares them (column_as_probed)?
 */
static bool
index_covers(Oid relid, Bitmapset *attnos)
{
	List	   *indexes = NIL;
	ListCell   *lc;
	HeapTuple	reltup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	bool		found = false;

	if (!HeapTupleIsValid(reltup))
		return false;
	if (((Form_pg_class) GETSTRUCT(reltup))->relhasindex)
	{
		Relation	rel = RelationIdGetRelation(relid);

		if (RelationIsValid(rel))
		{
			indexes = RelationGetIndexList(rel);
			RelationClose(rel);
		}
	}
	ReleaseSysCache(reltup);
	foreach(lc, indexes)
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_index ix;
		oidvector  *indclass;
		oidvector  *indcollation;
		bool		isnull;
		bool		covers = true;
		int			c;

		if (!HeapTupleIsValid(tup))
			continue;
		ix = (Form_pg_index) GETSTRUCT(tup);
		indclass = (oidvector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, tup,
																  Anum_pg_index_indclass, &isnull));
		indcollation = (oidvector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, tup,
																	  Anum_pg_index_indcollation, &isnull));
		if (!ix->indisunique || !ix->indisvalid || !ix->indimmediate ||
			!heap_attisnull(tup, Anum_pg_index_indpred, NULL) ||
			!heap_attisnull(tup, Anum_pg_index_indexprs, NULL))
			covers = false;
		for (c = 0; covers && c < ix->indnkeyatts; c++)
		{
			AttrNumber	a = ix->indkey.values[c];

			covers = a > 0 && bms_is_member(a, attnos) &&
				column_as_probed(relid, a, indclass->values[c], indcollation->values[c],
								 ix->indnullsnotdistinct);
		}
		ReleaseSysCache(tup);
		found |= covers;
	}
	return found;
}

/*
 * key_proven_unique: is the frame's key unique by construction, so that
 * no probe is needed: its SELECT (the subquery of outer) reads one table,
 * with no grouping, set operation or set-returning function, and its key
 * columns are that table's columns, covered by a unique index
 * (index_covers)?  A table with inheritance children is not proof.
 */
static bool
key_proven_unique(HNode *frame, Query *outer)
{
	Query	   *q;
	RangeTblEntry *rte;
	RangeTblRef *rtr;
	Bitmapset  *attnos = NULL;
	int			k;

	if (list_length(outer->rtable) != 1 ||
		((RangeTblEntry *) linitial(outer->rtable))->rtekind != RTE_SUBQUERY)
		return false;
	q = ((RangeTblEntry *) linitial(outer->rtable))->subquery;
	if (q->setOperations || q->hasTargetSRFs || q->groupClause || q->groupingSets ||
		q->hasAggs || q->cteList || list_length(q->jointree->fromlist) != 1 ||
		!IsA(linitial(q->jointree->fromlist), RangeTblRef))
		return false;
	rtr = linitial(q->jointree->fromlist);
	rte = rt_fetch(rtr->rtindex, q->rtable);
	if (rte->rtekind != RTE_RELATION || rte->tablesample ||
		(rte->relkind != RELKIND_RELATION && rte->relkind != RELKIND_PARTITIONED_TABLE) ||
		(rte->relkind == RELKIND_RELATION && rte->inh && has_subclass(rte->relid)))
		return false;
	for (k = 0; k < frame->nkey; k++)
	{
		ListCell   *lc;
		bool		found = false;

		foreach(lc, q->targetList)
		{
			TargetEntry *te = lfirst(lc);
			Var		   *v = (Var *) te->expr;

			if (te->resjunk || te->resname == NULL || strcmp(te->resname, frame->key[k]) != 0)
				continue;
			if (!IsA(v, Var) || v->varno != rtr->rtindex || v->varlevelsup != 0 || v->varattno <= 0)
				return false;
			attnos = bms_add_member(attnos, v->varattno);
			found = true;
		}
		if (!found)
			return false;
	}
	return index_covers(rte->relid, attnos);
}

/*
 * frame_check_columns refuses to run a frame's group when the frame's
 * SELECT, as this run reads it (sql: its upstream nodes' relations of this
 * run), yields other columns, or other types, than when the frame was
 * defined.  A catalog older than frames has nothing to compare.  Returns
 * whether the frame's key is unique by construction (key_proven_unique),
 * so that no table of the group needs a probe for duplicate keys.
 */
bool
frame_check_columns(HNode *frame, const char *sql)
{
	SPIPlanPtr	plan;
	CachedPlanSource *source;
	TupleDesc	desc;
	char	  **names,
			  **types;
	bool		same,
				proven;
	int			i,
				natts;

	plan = SPI_prepare(psprintf("SELECT * FROM (\n%s\n) AS hamilton_frame", sql), 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	source = linitial(SPI_plan_get_plan_sources(plan));
	desc = source->resultDesc;
	proven = list_length(source->query_list) == 1 &&
		key_proven_unique(frame, linitial(source->query_list));
	if (frame->nframe_columns == 0)
	{
		SPI_freeplan(plan);
		return proven;
	}
	natts = desc->natts;
	names = palloc(sizeof(char *) * Max(desc->natts, 1));
	types = palloc(sizeof(char *) * Max(desc->natts, 1));
	same = desc->natts == frame->nframe_columns;
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		names[i] = pstrdup(NameStr(att->attname));
		types[i] = format_type_with_typemod(att->atttypid, att->atttypmod);
		if (same && (strcmp(names[i], frame->frame_columns[i]) != 0 ||
					 strcmp(types[i], frame->frame_types[i]) != 0))
			same = false;
	}
	SPI_freeplan(plan);
	if (same)
		return proven;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
			 errmsg("the columns of frame %s changed since it was defined", frame->display),
			 errdetail("It was defined with columns %s; its SELECT now yields %s.",
					   columns_text(frame->nframe_columns, frame->frame_columns, frame->frame_types),
					   columns_text(natts, names, types)),
			 errhint("A node or table the frame reads was changed: redefine the frame with hamilton_define(..., key => ..., extract_columns => true) so that its column nodes are read again.")));
	return false;
}

/*
 * frame_refuse_duplicate_keys refuses a frame whose key is on more than
 * one row of relation, a table its group wrote (one row per row of the
 * frame, the key first).  NULL keys count as equal, as GROUP BY has them.
 */
void
frame_refuse_duplicate_keys(HNode *frame, const char *relation)
{
	StringInfoData keys;
	StringInfoData shown;
	int			k,
				ret;

	initStringInfo(&keys);
	for (k = 0; k < frame->nkey; k++)
		appendStringInfo(&keys, "%s%s", k ? ", " : "", quote_identifier(frame->key[k]));

	/*
	 * Counting distinct keys is about three times cheaper than grouping by
	 * them; the key shown is looked for only when there is one.  NULL keys
	 * are equal, as GROUP BY has them: count(DISTINCT) leaves NULL out, a
	 * row of several is compared as a record.
	 */
	ret = SPI_execute(frame->nkey == 1 ?
					  psprintf("SELECT pg_catalog.count(%s) <> pg_catalog.count(DISTINCT %s) "
							   "OR pg_catalog.count(*) - pg_catalog.count(%s) > 1 FROM %s",
							   keys.data, keys.data, keys.data, relation) :
					  psprintf("SELECT pg_catalog.count(*) <> pg_catalog.count(DISTINCT ROW(%s)) FROM %s",
							   keys.data, relation), false, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(ret));
	if (strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), "t") != 0)
		return;
	ret = SPI_execute(psprintf("SELECT %s, pg_catalog.count(*) FROM %s GROUP BY %s "
							   "HAVING pg_catalog.count(*) > 1 LIMIT 1",
							   keys.data, relation, keys.data), false, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		return;
	initStringInfo(&shown);
	for (k = 0; k < frame->nkey; k++)
	{
		char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, k + 1);

		appendStringInfo(&shown, "%s%s", k ? ", " : "", v ? v : "NULL");
	}
	ereport(ERROR,
			(errcode(ERRCODE_UNIQUE_VIOLATION),
			 errmsg("key (%s) = (%s) is on %s rows of frame %s", keys.data, shown.data,
					SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, frame->nkey + 1),
					frame->display),
			 errdetail("A frame's key identifies one row: its column nodes are lined up by it, and a key on several rows would line them up in a cross product, as pandas does with a duplicate index."),
			 errhint("Make the key unique in the frame's SELECT (add a column to key => ARRAY[...], or aggregate or DISTINCT ON the key).")));
}
