/*-------------------------------------------------------------------------
 *
 * frame_joins.c
 *	  (frames, issue 13 item 7) Two frames with the same key, combined by a
 *	  join on the key, as Hamilton combines series on one index.
 *
 * pandas aligns series on their index: a function of a series of one
 * DataFrame and a series of another gets the union of their indexes, with
 * NaN where one of them has no value (a + b, pd.concat(axis=1)).  Here a
 * column node that reads columns of two frames whose keys are the same
 * (the same names, of the same types) belongs to their join: a frame of
 * the graph's own, whose SELECT is the FULL JOIN of what its column nodes
 * read from the frames joined (its leaves) USING the key, so NULL where a
 * frame has no row for a key.  Each leaf is computed in its own frame, over
 * that frame's rows only (a window sees its own frame, as in pandas), into
 * a temporary table of the key and its column, then joined.  A join is
 * identified by the frames it joins (its bases): the nodes reading columns
 * of frames a and b share one join and are computed by one query.  Frames
 * with different keys are not joined (frames.c reports them).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "dag.h"

static Bitmapset *bases_of(Dag *dag, int frame);
static const char *key_type(Dag *dag, HNode *frame, const char *name);
static void join_leaves(Dag *dag, int j);
static bool reads_as_leaf(Dag *dag, HNode *node, int d, int j);

/* bases_of: the frames a frame joins; a frame of a SELECT joins itself. */
static Bitmapset *
bases_of(Dag *dag, int frame)
{
	HNode	   *f = &dag->nodes[frame];

	return f->join_bases ? f->join_bases : bms_make_singleton(frame);
}

/*
 * key_type: the type a frame's key column has, as it was defined (a
 * join's, as the first frame it joins has it); NULL if unknown.
 */
static const char *
key_type(Dag *dag, HNode *frame, const char *name)
{
	int			c;

	if (frame->join_bases)
		frame = &dag->nodes[bms_next_member(frame->join_bases, -1)];

	for (c = 0; c < frame->nframe_columns; c++)
		if (strcmp(frame->frame_columns[c], name) == 0)
			return frame->frame_types[c];
	return NULL;
}

/*
 * dag_frame_keys_differ: why frames a and b cannot be joined on their key
 * (its names, or a type), or NULL when their keys are the same.
 */
char *
dag_frame_keys_differ(Dag *dag, int a, int b)
{
	HNode	   *fa = &dag->nodes[a],
			   *fb = &dag->nodes[b];
	int			k,
				l;

	if (fa->nkey != fb->nkey)
		return psprintf("%s is keyed by %d column(s), %s by %d", fa->display, fa->nkey,
						fb->display, fb->nkey);
	for (k = 0; k < fa->nkey; k++)
	{
		const char *ta,
				   *tb;
		bool		found = false;

		for (l = 0; l < fb->nkey; l++)
			found |= strcmp(fa->key[k], fb->key[l]) == 0;
		if (!found)
			return psprintf("key column \"%s\" of %s is not a key column of %s", fa->key[k],
							fa->display, fb->display);
		ta = key_type(dag, fa, fa->key[k]);
		tb = key_type(dag, fb, fa->key[k]);
		if (ta == NULL || tb == NULL || strcmp(ta, tb) != 0)
			return psprintf("key column \"%s\" is %s in %s and %s in %s", fa->key[k],
							ta ? ta : "of an unknown type", fa->display,
							tb ? tb : "of an unknown type", fb->display);
	}
	return NULL;
}

/*
 * dag_frame_join returns the frame that covers frames a and b: the one of
 * them whose bases hold the other's, else their join (made the first time
 * it is asked for).  Their keys must be the same (dag_frame_keys_differ).
 */
int
dag_frame_join(Dag *dag, int a, int b)
{
	Bitmapset  *ba = bases_of(dag, a),
			   *bb = bases_of(dag, b),
			   *both;
	ListCell   *lc;
	HNode	   *j;
	StringInfoData name,
				display;
	int			index,
				x = -1;

	if (bms_is_subset(bb, ba))
		return a;
	if (bms_is_subset(ba, bb))
		return b;
	both = bms_union(ba, bb);
	foreach(lc, dag->frame_joins)
		if (bms_equal(dag->nodes[lfirst_int(lc)].join_bases, both))
			return lfirst_int(lc);

	initStringInfo(&name);
	initStringInfo(&display);
	while ((x = bms_next_member(both, x)) >= 0)
	{
		appendStringInfo(&name, "%s%s", name.len ? "+" : "", dag->nodes[x].name);
		appendStringInfo(&display, "%s%s", display.len ? "+" : "", dag->nodes[x].display);
	}
	index = dag_add_node(dag);	/* may move dag->nodes */
	j = &dag->nodes[index];
	j->schema = dag->nodes[bms_next_member(both, -1)].schema;
	j->name = name.data;
	j->display = display.data;
	j->kind = HNODE_QUERY;
	j->language = "sql";
	j->owner = dag->nodes[a].owner;
	j->nkey = dag->nodes[a].nkey;
	j->key = dag->nodes[a].key;
	j->join_bases = both;
	j->doc = psprintf("the join of frames %s on their key (a FULL JOIN: NULL where a frame has no row)",
					  display.data);
	j->sql = pstrdup("SELECT NULL LIMIT 0");	/* its leaves are known at the end */
	dag->frame_joins = lappend_int(dag->frame_joins, index);
	return index;
}

/*
 * reads_as_leaf: does dependency d of node (a column node of join j) read
 * a column of another frame, which the join then reads from its own table?
 */
static bool
reads_as_leaf(Dag *dag, HNode *node, int d, int j)
{
	HNode	   *t = &dag->nodes[node->deps[d].target];

	if (t->kind != HNODE_COLUMN || t->frame < 0 || t->frame == j)
		return false;
	if (node->deps[d].via == VIA_PARAM && node->params[node->deps[d].index].type == REGCLASSOID)
		return false;
	return node->deps[d].via == VIA_PARAM || node->deps[d].via == VIA_COLUMN;
}

/*
 * join_leaves writes join j's SELECT: the FULL JOIN, USING its key, of each
 * column its column nodes read from the frames it joins (each a relation
 * of the key and that column), for its shape (dag/shapes.c); a run joins
 * those its request computes (plan/frame_join_sql.c).  Each of its column
 * nodes then depends on it, as a frame's columns do; it depends on nothing
 * itself: its column nodes depend on what it joins.
 */
static void
join_leaves(Dag *dag, int j)
{
	List	   *leaves = NIL;
	StringInfoData sql,
				keys;
	int			i,
				k,
				r;
	ListCell   *lc;
	HNode	   *join;

	for (i = 0; i < dag->nnodes; i++)
	{
		HNode	   *node = &dag->nodes[i];
		int			d;

		CHECK_FOR_INTERRUPTS();
		if (node->kind != HNODE_COLUMN || node->frame != j)
			continue;
		for (d = 0; d < node->ndeps; d++)
			if (reads_as_leaf(dag, node, d, j) && !list_member_int(leaves, node->deps[d].target))
				leaves = lappend_int(leaves, node->deps[d].target);
	}
	if (leaves == NIL)
		return;					/* met while frames were being found, then left */
	join = &dag->nodes[j];
	initStringInfo(&keys);
	for (k = 0; k < join->nkey; k++)
		appendStringInfo(&keys, "%s%s", k ? ", " : "", quote_identifier(join->key[k]));
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT * FROM ");
	join->nrefs = list_length(leaves);
	join->refs = palloc0(sizeof(SqlRef) * Max(join->nrefs, 1));
	r = 0;
	foreach(lc, leaves)
	{
		HNode	   *leaf = &dag->nodes[lfirst_int(lc)];
		SqlRef	   *ref = &join->refs[r];
		ListCell   *lc2;

		/* two leaves of one name would be two columns of one name */
		foreach(lc2, leaves)
			if (lfirst_int(lc2) < lfirst_int(lc) &&
				strcmp(dag->nodes[lfirst_int(lc2)].name, leaf->name) == 0)
				join->problems =
					lappend(join->problems,
							problem_make("duplicate_column", ERRCODE_DUPLICATE_COLUMN, join->display,
										 psprintf("the join of frames %s reads two columns named \"%s\": %s and %s",
												  join->display, leaf->name,
												  dag->nodes[lfirst_int(lc2)].display, leaf->display),
										 "The columns a join reads from its frames sit side by side, by name.",
										 "Rename one of them."));
		if (r > 0)
			appendStringInfoString(&sql, " FULL JOIN ");
		ref->name = leaf->name;
		ref->alias = leaf->name;
		ref->start = sql.len;
		appendStringInfoString(&sql, quote_identifier(leaf->name));
		ref->end = sql.len;
		ref->alias_at = ref->end;
		ref->table_start = -1;
		ref->inlinable = true;
		ref->target = lfirst_int(lc);
		if (r > 0)
			appendStringInfo(&sql, " USING (%s)", keys.data);
		r++;
	}
	join->sql = sql.data;

	for (i = 0; i < dag->nnodes; i++)
	{
		HNode	   *node = &dag->nodes[i];

		if (node->kind != HNODE_COLUMN || node->frame != j)
			continue;
		node->deps = node->deps ? repalloc(node->deps, sizeof(HDep) * (node->ndeps + 1))
			: palloc(sizeof(HDep));
		node->deps[node->ndeps].target = j;
		node->deps[node->ndeps].via = VIA_FRAME;
		node->deps[node->ndeps].index = 0;
		node->ndeps++;
	}
}

/*
 * dag_finish_frame_joins writes each join's SELECT once every column node
 * has its frame, and rebuilds the reverse edges its new edges change.
 */
void
dag_finish_frame_joins(Dag *dag)
{
	ListCell   *lc;

	if (dag->frame_joins == NIL)
		return;
	foreach(lc, dag->frame_joins)
		join_leaves(dag, lfirst_int(lc));
	dag->down_start = NULL;
	dag->down_list = NULL;
	dag_build_downstream(dag);
}
