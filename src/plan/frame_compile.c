/*-------------------------------------------------------------------------
 *
 * frame_compile.c
 *	  The one SELECT that computes a frame's requested columns.
 *
 * Row-wise nodes are written inline, as an expert would write the
 * expression by hand (PostgreSQL then inlines SQL functions too).  A window
 * function cannot read another window function's result in the same
 * SELECT, so a window node that feeds another expression is computed one
 * level down, in a subquery, and read by name: levels appear only where a
 * window result feeds another expression.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/bitmapset.h"
#include "utils/builtins.h"

#include "plan.h"

/* The compiled shape of one column step. */
typedef struct ColumnText
{
	char	   *text;			/* how a consumer writes it */
	char	   *window_text;	/* a window node's own expression */
	int			avail;			/* lowest level whose SELECT can write text */
	int			level;			/* a window node: the level computing it */
	Bitmapset  *leaves;			/* named columns text reads */
	Bitmapset  *eval_leaves;	/* a window node: named columns it reads */
	char	   *alias;			/* its name in the levels above */
	int			needmax;		/* highest level that reads it by name */
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
 * reads.
 */
static void
column_text(HPlan *plan, ColumnText *ct, int s, bool for_explain)
{
	Dag		   *dag = plan->dag;
	HNode	   *node = &dag->nodes[plan->steps[s].node];
	ColumnText *me = &ct[s];
	Bitmapset  *leaves = NULL;
	int			avail = 1;
	int			d;

	if (node->extracted)
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
				repl[d] = ct[t].level > 0 || dag->nodes[plan->steps[t].node].extracted ?
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

	if (node->window)
	{
		/* computed at the level where all it reads is there, read above */
		me->window_text = me->text;
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
	List	   *aliases = NIL;
	char	  **items;
	int			maxstep = -1,
				top = 1,
				i,
				k;
	ListCell   *lc;
	char	   *sql;

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
		for (d = 0; d < node->ndeps; d++)
		{
			int			t = plan->step_of_node[node->deps[d].target];

			if (plan->steps[t].action == STEP_COLUMN)
				used[t] = true;
		}
	}

	for (k = 0; k < frame->nkey; k++)
		aliases = lappend(aliases, frame->key[k]);
	for (i = 0; i <= maxstep; i++)
		if (used[i] && dag->nodes[plan->steps[i].node].extracted)
			aliases = lappend(aliases, dag->nodes[plan->steps[i].node].name);
	for (i = 0; i <= maxstep; i++)
	{
		if (!used[i])
			continue;
		CHECK_FOR_INTERRUPTS();
		column_text(plan, ct, i, for_explain);
		if (ct[i].window_text)
		{
			char	   *alias = dag->nodes[plan->steps[i].node].name;
			ListCell   *la;

			bool		clash = true;
			int			n = 0;

			/* a name no other column of the levels has */
			while (clash)
			{
				clash = false;
				foreach(la, aliases)
					if (strcmp(lfirst(la), alias) == 0)
						clash = true;
				if (clash)
					alias = psprintf("%s_%d_%d", dag->nodes[plan->steps[i].node].name, i + 1, ++n);
			}
			aliases = lappend(aliases, alias);
			ct[i].alias = alias;
			ct[i].text = (char *) quote_identifier(alias);
		}
	}

	/* the top level, and what each level must pass up */
	foreach(lc, targets)
	{
		ColumnText *t = &ct[lfirst_int(lc)];

		top = Max(top, t->window_text ? t->level : t->avail);
	}
	for (i = 0; i <= maxstep; i++)
		if (used[i] && ct[i].window_text)
			need_at(ct, ct[i].eval_leaves, ct[i].level);
	foreach(lc, targets)
	{
		ColumnText *t = &ct[lfirst_int(lc)];

		if (t->window_text && t->level == top)
			need_at(ct, t->eval_leaves, top);
		else
			need_at(ct, t->leaves, top);
	}

	/* level 0 is the frame's source; each level reads the one below */
	sql = fs->action == STEP_FRAME ? psprintf("(\n%s\n) AS f0", fs->sql) :
		psprintf("%s AS f0", fs->relation);
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
			const char *text = t->window_text && t->level == top ? t->window_text : t->text;

			if (strcmp(text, quote_identifier(name)) == 0)
				appendStringInfo(&buf, ",\n       %s", text);
			else
				appendStringInfo(&buf, ",\n       %s AS %s", text, quote_identifier(name));
		}
		items[top] = buf.data;
	}
	for (k = top - 1; k >= 1; k--)
	{
		LevelItem  *li = palloc(sizeof(LevelItem) * (maxstep + 1));
		const char **names = palloc(sizeof(char *) * (maxstep + 1));
		int		   *positions = palloc(sizeof(int) * (maxstep + 1));
		int			n = 0;
		StringInfoData buf;

		for (i = 0; i <= maxstep; i++)
		{
			int			origin;

			if (!used[i] || ct[i].alias == NULL)
				continue;
			origin = ct[i].window_text ? ct[i].level : 0;
			if (origin < k && ct[i].needmax > k)
				li[n].text = (char *) quote_identifier(ct[i].alias);
			else if (origin == k && ct[i].window_text)
				li[n].text = psprintf("%s AS %s", ct[i].window_text, quote_identifier(ct[i].alias));
			else
				continue;
			names[n] = ct[i].alias;
			li[n].order = n;
			n++;
		}
		sql_word_positions(items[k + 1], n, names, positions);
		for (i = 0; i < n; i++)
			li[i].pos = positions[li[i].order];
		qsort(li, n, sizeof(LevelItem), level_item_cmp);
		initStringInfo(&buf);
		for (i = 0; i < n; i++)
			appendStringInfo(&buf, ",\n       %s", li[i].text);
		items[k] = buf.data;
	}

	for (k = 1; k <= top; k++)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfoString(&buf, "SELECT ");
		for (i = 0; i < frame->nkey; i++)
			appendStringInfo(&buf, "%s%s", i ? ", " : "", quote_identifier(frame->key[i]));
		appendStringInfo(&buf, "%s\nFROM %s", items[k], sql);
		sql = k < top ? psprintf("(\n%s\n) AS f%d", buf.data, k) : buf.data;
	}
	return sql;
}
