/*-------------------------------------------------------------------------
 *
 * frame_compile.c
 *	  The one SELECT that computes a frame's requested columns.
 *
 * Row-wise nodes are written inline, as an expert would write the
 * expression by hand (PostgreSQL then inlines SQL functions too).  So are
 * window nodes, beside the other windows of the same SELECT, where their
 * consumers read them as operands or function arguments.  A window
 * function cannot read another window function's result in the same
 * SELECT, so a window node that a window call reads (in its arguments,
 * FILTER or OVER clause) is computed one level down, in a subquery, and
 * read by name: levels appear only where a window result feeds a window.
 *
 * A row-wise node whose text would be written more than once (read by two
 * expressions, or twice by one, or read and also requested) is computed
 * once, one level down as well, so that the query grows with the number of
 * nodes and not with the number of paths through them (c2 = c1 + c1, c3 =
 * c2 + c2, ... would double at every node).  Such a level ends with OFFSET
 * 0, a fence that keeps PostgreSQL from pulling the subquery up, which
 * would copy the expression back into every reference; a level computing a
 * window needs no fence, as PostgreSQL never pulls those up.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/bitmapset.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"

#include "plan.h"

/*
 * The compiled shape of one column step.  A window node, and a row-wise
 * node read more than once, is computed at a level of its own (own_text)
 * and read by name above it.
 */
typedef struct ColumnText
{
	char	   *text;			/* how a consumer writes it */
	char	   *own_text;		/* computed at a level: its own expression */
	int			avail;			/* lowest level whose SELECT can write text */
	int			level;			/* computed at a level: that level */
	Bitmapset  *leaves;			/* named columns text reads */
	Bitmapset  *eval_leaves;	/* computed at a level: named columns it reads */
	char	   *alias;			/* its name in the levels above */
	int			needmax;		/* highest level that reads it by name */
	bool		leaf;			/* read by name from the frame's SELECT: a
								 * frame's column, or (a join of frames) a
								 * column of a frame it joins */
} ColumnText;

/* What a column step reads from the column steps before it. */
typedef struct ColumnReads
{
	ColumnText *ct;
	Bitmapset  *leaves;			/* named columns its text reads */
	int			avail;			/* lowest level whose SELECT can write it */
} ColumnReads;

/*
 * add_column_read notes that a column step reads column step t: by name if
 * t is a window computed below, else through t's own text.
 */
static void
add_column_read(ColumnReads *reads, int t)
{
	ColumnText *ct = reads->ct;

	reads->leaves = bms_union(reads->leaves,
							  ct[t].level > 0 ? bms_make_singleton(t) : ct[t].leaves);
	reads->avail = Max(reads->avail, ct[t].avail);
}

/* append_column_argument writes a function's argument that reads column step t. */
static void
append_column_argument(StringInfo buf, int t, void *arg)
{
	ColumnReads *reads = arg;

	appendStringInfoString(buf, reads->ct[t].text);
	add_column_read(reads, t);
}

/*
 * column_text renders one column step from the already rendered steps it
 * reads; own_level: it is computed at a level of its own (a window, or a
 * node read more than once).
 */
static void
column_text(HPlan *plan, ColumnText *ct, int s, bool own_level, bool for_explain)
{
	Dag		   *dag = plan->dag;
	HNode	   *node = &dag->nodes[plan->steps[s].node];
	ColumnText *me = &ct[s];
	Bitmapset  *leaves = NULL;
	int			avail = 1;
	int			d;

	if (me->leaf)
	{
		me->text = (char *) quote_identifier(node->name);
		me->alias = node->name;
		me->avail = 1;
		me->leaves = bms_make_singleton(s);
		return;
	}

	if (node->expression)
	{
		char	  **repl = palloc0(sizeof(char *) * Max(node->nrefs, 1));
		ColumnReads reads = {ct, NULL, 1};

		for (d = 0; d < node->nrefs; d++)
		{
			SqlRef	   *ref = &node->refs[d];
			int			t;

			if (ref->key || ref->target < 0)
				continue;
			t = plan->step_of_node[ref->target];
			if (plan->steps[t].action == STEP_COLUMN)
			{
				/* an inline expression is parenthesized; a name is not */
				repl[d] = ct[t].level > 0 || ct[t].leaf ?
					ct[t].text : psprintf("(%s)", ct[t].text);
				add_column_read(&reads, t);
			}
			else
				repl[d] = plan_value_reference(plan, t, InvalidOid, for_explain);
		}
		me->text = splice_refs(node->sql, node->nrefs, node->refs, repl);
		leaves = reads.leaves;
		avail = reads.avail;
	}
	else
	{
		ColumnReads reads = {ct, NULL, 1};

		me->text = plan_call_sql(plan, node, for_explain, append_column_argument, &reads);
		leaves = reads.leaves;
		avail = reads.avail;
	}

	if (own_level)
	{
		/* computed at the level where all it reads is there, read above */
		me->own_text = me->text;
		me->level = avail;
		me->avail = avail + 1;
		me->eval_leaves = leaves;
		me->leaves = bms_make_singleton(s);
		me->text = NULL;		/* set once its alias is known */
	}
	else
	{
		me->avail = avail;
		me->leaves = leaves;
	}
}

/* A column a level passes up, and where the level above first reads it. */
typedef struct LevelItem
{
	char	   *text;
	int			pos;
	int			order;
} LevelItem;

static int
level_item_cmp(const void *a, const void *b)
{
	const LevelItem *x = a;
	const LevelItem *y = b;

	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return x->order - y->order;
}

/* need_at: every named column in leaves is read by name up to level. */
static void
need_at(ColumnText *ct, Bitmapset *leaves, int level)
{
	int			x = -1;

	while ((x = bms_next_member(leaves, x)) >= 0)
		ct[x].needmax = Max(ct[x].needmax, level);
}

/*
 * count_reads: how many times each used column step's text would be
 * written if every step were inline: once per reference from the used
 * steps, once more for a target.
 */
static int *
count_reads(HPlan *plan, bool *used, List *targets, int maxstep)
{
	int		   *reads = palloc0(sizeof(int) * (maxstep + 1));
	ListCell   *lc;
	int			i;

	foreach(lc, targets)
		reads[lfirst_int(lc)]++;
	for (i = 0; i <= maxstep; i++)
	{
		HNode	   *node = &plan->dag->nodes[plan->steps[i].node];
		int			d;

		if (!used[i])
			continue;
		for (d = 0; d < node->ndeps; d++)
		{
			int			t = plan->step_of_node[node->deps[d].target];

			if (t >= 0 && plan->steps[t].action == STEP_COLUMN)
				reads[t]++;
		}
	}
	return reads;
}

/*
 * unique_alias: the node's name, or a name made from it that no other
 * column of the levels has (taken holds them all).
 */
static char *
unique_alias(HTAB *taken, const char *name, int stepno)
{
	char	   *alias = (char *) name;
	int			n = 0;
	bool		found;

	for (;;)
	{
		(void) hash_search(taken, alias, HASH_FIND, &found);
		if (!found)
			break;
		alias = psprintf("_%d_%d", stepno + 1, ++n);
		/* clipped so that the whole stays a name PostgreSQL keeps as it is */
		alias = psprintf("%.*s%s",
						 pg_mbcliplen(name, strlen(name), NAMEDATALEN - 1 - strlen(alias)),
						 name, alias);
	}
	(void) hash_search(taken, alias, HASH_ENTER, &found);
	return alias;
}

/*
 * window_reads_unsafe: which used column steps some used expression reads
 * inside a window function call (its arguments, FILTER or OVER clause),
 * where a window's result cannot be written inline.  A window read only
 * elsewhere (an operand, a function's argument, a requested column) is
 * written inline, in the same SELECT as the windows beside it, as an
 * expert writes (spend - avg(spend) OVER ()) / stddev_samp(spend) OVER ():
 * each level more is one more pass over the frame.  A window written inline
 * holds no other window written inline, so that the text grows with the
 * number of references, never with the paths through them.
 */
static bool *
window_reads_unsafe(HPlan *plan, bool *used, int maxstep)
{
	bool	   *unsafe = palloc0(sizeof(bool) * (maxstep + 1));
	int			i;

	for (i = 0; i <= maxstep; i++)
	{
		HNode	   *node = &plan->dag->nodes[plan->steps[i].node];
		int			d;

		if (!used[i] || !node->expression)
			continue;
		for (d = 0; d < node->nrefs; d++)
		{
			SqlRef	   *ref = &node->refs[d];
			int			t;

			if (ref->key || ref->target < 0 || !ref->in_window)
				continue;
			t = plan->step_of_node[ref->target];
			if (t >= 0 && t <= maxstep && plan->steps[t].action == STEP_COLUMN)
				unsafe[t] = true;
		}
	}
	return unsafe;
}

/*
 * frame_compile returns the one SELECT that yields the frame's key and the
 * target columns (steps, in order), each named after its node.
 */
char *
frame_compile(HPlan *plan, FrameGroup *g, List *targets, bool for_explain)
{
	Dag		   *dag = plan->dag;
	PlanStep   *fs = &plan->steps[g->frame_step];
	HNode	   *frame = &dag->nodes[fs->node];
	int			n = plan->nsteps;
	ColumnText *ct = palloc0(sizeof(ColumnText) * Max(n, 1));
	bool	   *used = palloc0(sizeof(bool) * Max(n, 1));
	HASHCTL		ctl;
	HTAB	   *aliases;
	int		   *reads;
	bool	   *unsafe;
	bool	   *has_window = palloc0(sizeof(bool) * Max(n, 1));
	char	  **items;
	bool	   *fence;
	int			maxstep = -1,
				top = 1,
				i,
				k;
	ListCell   *lc;
	StringInfoData sql;

	/* the steps the targets read, transitively: all earlier in plan order */
	foreach(lc, targets)
	{
		used[lfirst_int(lc)] = true;
		maxstep = Max(maxstep, lfirst_int(lc));
	}
	for (i = maxstep; i >= 0; i--)
	{
		HNode	   *node = &dag->nodes[plan->steps[i].node];
		int			d;

		if (!used[i])
			continue;
		/* a join of frames reads its frames' columns from its SELECT */
		ct[i].leaf = node->extracted || node->frame != fs->node;
		if (ct[i].leaf)
			continue;
		for (d = 0; d < node->ndeps; d++)
		{
			int			t = plan->step_of_node[node->deps[d].target];

			if (plan->steps[t].action == STEP_COLUMN)
				used[t] = true;
		}
	}

	reads = count_reads(plan, used, targets, maxstep);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = NAMEDATALEN;
	ctl.hcxt = CurrentMemoryContext;
	aliases = hash_create("hamilton frame aliases", Max(maxstep + 1 + frame->nkey, 16), &ctl,
						  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	for (k = 0; k < frame->nkey; k++)
		(void) unique_alias(aliases, frame->key[k], -1);
	for (i = 0; i <= maxstep; i++)
		if (used[i] && ct[i].leaf)
			(void) unique_alias(aliases, dag->nodes[plan->steps[i].node].name, -1);
	unsafe = window_reads_unsafe(plan, used, maxstep);
	for (i = 0; i <= maxstep; i++)
	{
		HNode	   *node = &dag->nodes[plan->steps[i].node];
		bool		own_level;

		if (!used[i])
			continue;
		CHECK_FOR_INTERRUPTS();
		if (ct[i].leaf)
			own_level = false;
		else
		{
			bool		inlines_window = false;
			int			d;

			/* does its text hold a window written inline (an earlier step)? */
			for (d = 0; d < node->ndeps; d++)
			{
				int			t = plan->step_of_node[node->deps[d].target];

				if (t >= 0 && plan->steps[t].action == STEP_COLUMN && has_window[t] &&
					ct[t].own_text == NULL)
					inlines_window = true;
			}
			has_window[i] = node->window || inlines_window;
			if (node->window)
				own_level = unsafe[i] || inlines_window;
			else
				own_level = reads[i] > 1 || (inlines_window && unsafe[i]);
		}
		column_text(plan, ct, i, own_level, for_explain);
		if (ct[i].own_text)
		{
			ct[i].alias = unique_alias(aliases, node->name, i);
			ct[i].text = (char *) quote_identifier(ct[i].alias);
		}
	}

	/* the top level, and what each level must pass up */
	foreach(lc, targets)
	{
		ColumnText *t = &ct[lfirst_int(lc)];

		top = Max(top, t->own_text ? t->level : t->avail);
	}
	for (i = 0; i <= maxstep; i++)
		if (used[i] && ct[i].own_text)
			need_at(ct, ct[i].eval_leaves, ct[i].level);
	foreach(lc, targets)
	{
		ColumnText *t = &ct[lfirst_int(lc)];

		if (t->own_text && t->level == top)
			need_at(ct, t->eval_leaves, top);
		else
			need_at(ct, t->leaves, top);
	}

	/*
	 * Each level's columns (after the key), written top-down: a level lists
	 * what it passes up in the order the level above first uses it, so that
	 * PostgreSQL can drop the subquery's projection (it keeps it unless the
	 * columns come in the order the level above reads them).
	 */
	items = palloc0(sizeof(char *) * (top + 1));
	{
		StringInfoData buf;

		initStringInfo(&buf);
		foreach(lc, targets)
		{
			int			s = lfirst_int(lc);
			ColumnText *t = &ct[s];
			char	   *name = dag->nodes[plan->steps[s].node].name;
			const char *text = t->own_text && t->level == top ? t->own_text : t->text;

			if (strcmp(text, quote_identifier(name)) == 0)
				appendStringInfo(&buf, ",\n       %s", text);
			else
				appendStringInfo(&buf, ",\n       %s AS %s", text, quote_identifier(name));
		}
		items[top] = buf.data;
	}
	fence = palloc0(sizeof(bool) * (top + 1));
	for (k = top - 1; k >= 1; k--)
	{
		LevelItem  *li = palloc(sizeof(LevelItem) * (maxstep + 1));
		const char **names = palloc(sizeof(char *) * (maxstep + 1));
		int		   *positions = palloc(sizeof(int) * (maxstep + 1));
		bool		window = false;
		int			n = 0;
		StringInfoData buf;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i <= maxstep; i++)
		{
			int			origin;

			if (!used[i] || ct[i].alias == NULL)
				continue;
			origin = ct[i].own_text ? ct[i].level : 0;
			if (origin < k && ct[i].needmax > k)
				li[n].text = (char *) quote_identifier(ct[i].alias);
			else if (origin == k && ct[i].own_text)
			{
				li[n].text = psprintf("%s AS %s", ct[i].own_text, quote_identifier(ct[i].alias));
				if (dag->nodes[plan->steps[i].node].window)
					window = true;
				else
					fence[k] = true;
			}
			else
				continue;
			names[n] = ct[i].alias;
			li[n].order = n;
			n++;
		}
		sql_word_positions(items[k + 1], n, names, positions);
		for (i = 0; i < n; i++)
			li[i].pos = positions[li[i].order];
		fence[k] &= !window;
		qsort(li, n, sizeof(LevelItem), level_item_cmp);
		initStringInfo(&buf);
		for (i = 0; i < n; i++)
			appendStringInfo(&buf, ",\n       %s", li[i].text);
		items[k] = buf.data;
	}

	/*
	 * Level 0 is the frame's source; each level reads the one below, in a
	 * subquery written inside the level above: the text is built from the
	 * outside in, so that nothing is copied once per level.
	 */
	initStringInfo(&sql);
	for (k = top; k >= 1; k--)
	{
		appendStringInfoString(&sql, "SELECT ");
		for (i = 0; i < frame->nkey; i++)
			appendStringInfo(&sql, "%s%s", i ? ", " : "", quote_identifier(frame->key[i]));
		appendStringInfo(&sql, "%s\nFROM %s", items[k], k > 1 ? "(\n" : "");
	}
	if (fs->action == STEP_FRAME)
		appendStringInfo(&sql, "(\n%s\n) AS f0", fs->sql);
	else
		appendStringInfo(&sql, "%s AS f0", fs->relation);
	for (k = 1; k <= top; k++)
	{
		if (fence[k])
			appendStringInfoString(&sql, "\nOFFSET 0");
		if (k < top)
			appendStringInfo(&sql, "\n) AS f%d", k);
	}
	return sql.data;
}
