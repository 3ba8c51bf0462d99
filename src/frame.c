/*-------------------------------------------------------------------------
 *
 * frame.c
 *	  Frames and column nodes: which frame each column belongs to, and the
 *	  one query that computes a frame's requested columns.
 *
 * A frame is a table node with a key whose columns are column nodes.  A
 * row-wise function of column nodes is a column node of the same frame,
 * and so is a column expression; a column node cannot mix two frames.
 *
 * The requested columns of a frame are compiled into ONE SELECT over the
 * frame's source.  Row-wise nodes are written inline, as an expert would
 * write the expression by hand (PostgreSQL then inlines SQL functions too).
 * A window function cannot read another window function's result in the
 * same SELECT, so a window node that feeds another expression is computed
 * one level down, in a subquery, and read by name: levels appear only
 * where a window result feeds another expression.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "executor/spi.h"
#include "common/md5.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/bitmapset.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "catalog.h"
#include "dag.h"
#include "materialize.h"
#include "plan.h"
#include "runlog.h"
#include "sqlparse.h"

static void frame_problem(HNode *node, Dag *dag, int frame_a, int frame_b);
static void run_own_targets(HPlan *plan, FrameGroup *g, List *own, const char *keys);

/* Columns per query when each target gets its own table (max 1,600 per table). */
#define FRAME_CHUNK 1000

/* dag_is_key_name: is this a key column of some frame? */
bool
dag_is_key_name(Dag *dag, const char *name)
{
	ListCell   *lc;

	foreach(lc, dag->key_names)
		if (strcmp((char *) lfirst(lc), name) == 0)
			return true;
	return false;
}

static bool
frame_has_key(HNode *frame, const char *name)
{
	int			k;

	for (k = 0; k < frame->nkey; k++)
		if (strcmp(frame->key[k], name) == 0)
			return true;
	return false;
}

/*
 * dag_infer_frames gives every column node its frame, following edges
 * downstream from the frames' columns: a scalar function that reads a
 * column becomes a column node.  Each node changes at most once, so the
 * worklist ends.
 */
void
dag_infer_frames(Dag *dag)
{
	int			n = dag->nnodes;
	int		   *queue;
	bool	   *queued;
	int			head = 0,
				tail = 0,
				i;

	if (dag->key_names == NIL)
		return;					/* no frames, no column nodes */
	dag_build_downstream(dag);
	queue = palloc(sizeof(int) * (n + 1));
	queued = palloc0(sizeof(bool) * (n + 1));
	for (i = 0; i < n; i++)
		if (dag->nodes[i].extracted)
		{
			int			k;

			for (k = dag->down_start[i]; k < dag->down_start[i + 1]; k++)
			{
				int			c = dag->down_list[k];

				if (!queued[c])
				{
					queued[c] = true;
					queue[tail++ % (n + 1)] = c;
				}
			}
		}

	while (head != tail)
	{
		int			c = queue[head++ % (n + 1)];
		HNode	   *node = &dag->nodes[c];
		int			frame = -1,
					d,
					k;

		queued[c] = false;
		if (node->extracted || !(node->kind == HNODE_SCALAR || node->kind == HNODE_COLUMN))
			continue;
		for (d = 0; d < node->ndeps; d++)
		{
			HNode	   *t = &dag->nodes[node->deps[d].target];

			if (t->kind != HNODE_COLUMN || t->frame < 0)
				continue;
			if (frame < 0)
				frame = t->frame;
			else if (t->frame != frame)
				frame_problem(node, dag, frame, t->frame);
		}
		if (frame < 0 || node->frame == frame)
			continue;
		if (node->frame >= 0)
		{
			frame_problem(node, dag, node->frame, frame);
			continue;
		}
		node->frame = frame;
		node->kind = HNODE_COLUMN;
		for (k = dag->down_start[c]; k < dag->down_start[c + 1]; k++)
		{
			int			cc = dag->down_list[k];

			if (!queued[cc])
			{
				queued[cc] = true;
				queue[tail++ % (n + 1)] = cc;
			}
		}
	}

	/* what a column node reads must fit its frame */
	for (i = 0; i < n; i++)
	{
		HNode	   *node = &dag->nodes[i];
		int			p;

		if (node->kind == HNODE_COLUMN && node->frame >= 0 && !node->extracted &&
			frame_has_key(&dag->nodes[node->frame], node->name))
			node->problems =
				lappend(node->problems,
						problem_make("duplicate_column", ERRCODE_DUPLICATE_COLUMN, node->display,
									 psprintf("column node %s is named like key column \"%s\" of frame %s",
											  node->display, node->name, dag->nodes[node->frame].display),
									 "Its values would sit next to the key column of the same name.",
									 "Rename the node."));
		if (node->expression && node->frame < 0)
			node->problems =
				lappend(node->problems,
						problem_make("no_frame", ERRCODE_INVALID_OBJECT_DEFINITION, node->display,
									 psprintf("column node %s reads no column of a frame", node->display),
									 "A column expression computes one value per row of a frame, from that frame's columns.",
									 "Define the frame with hamilton_define(..., key => ARRAY[...], extract_columns => true), and name its columns in the expression."));
		for (p = 0; p < node->nparams; p++)
			if (node->params[p].key &&
				(node->frame < 0 || !frame_has_key(&dag->nodes[node->frame], node->params[p].name)))
				node->problems =
					lappend(node->problems,
							problem_make("key_outside_frame", ERRCODE_UNDEFINED_COLUMN, node->display,
										 psprintf("parameter \"%s\" of %s names a key column, but %s", node->params[p].name,
												  node->display, node->frame < 0 ? "it reads no column of a frame" :
												  psprintf("frame %s has no such key", dag->nodes[node->frame].display)),
										 "Key columns are read from the row of the frame a column node belongs to.",
										 "Read a column of the frame whose key it is, or rename the parameter."));
		for (p = 0; node->expression && p < node->nrefs; p++)
			if (node->refs[p].key && node->frame >= 0 &&
				!frame_has_key(&dag->nodes[node->frame], node->refs[p].name))
				node->problems =
					lappend(node->problems,
							problem_make("key_outside_frame", ERRCODE_UNDEFINED_COLUMN, node->display,
										 psprintf("column expression of %s reads \"%s\", which is not a column or key of frame %s",
												  node->display, node->refs[p].name, dag->nodes[node->frame].display),
										 "It is a key column of another frame.",
										 "Read only the columns and key of one frame in a column node."));
	}
}

static void
frame_problem(HNode *node, Dag *dag, int frame_a, int frame_b)
{
	ListCell   *lc;

	foreach(lc, node->problems)
		if (strcmp(((HProblem *) lfirst(lc))->code, "frames_mixed") == 0)
			return;
	node->problems =
		lappend(node->problems,
				problem_make("frames_mixed", ERRCODE_INVALID_OBJECT_DEFINITION, node->display,
							 psprintf("column node %s mixes columns of frames %s and %s", node->display,
									  dag->nodes[Min(frame_a, frame_b)].display,
									  dag->nodes[Max(frame_a, frame_b)].display),
							 "Columns of two frames are not lined up row by row.",
							 "Join the two sources in one frame's SELECT (with one key), or compute from one frame only."));
}

/*
 * plan_frame_groups gathers a plan's column steps by frame and picks each
 * group's targets: the requested columns, and the columns that a table
 * node reads as a relation.
 */
void
plan_frame_groups(HPlan *plan)
{
	Dag		   *dag = plan->dag;
	int			i;

	plan->groups = palloc0(sizeof(FrameGroup) * Max(plan->nsteps, 1));
	plan->ngroups = 0;
	for (i = 0; i < plan->nsteps; i++)
	{
		PlanStep   *step = &plan->steps[i];
		HNode	   *node = &dag->nodes[step->node];
		FrameGroup *g = NULL;
		int			k,
					gi;
		bool		read_as_relation = false;

		step->group = -1;
		if (node->kind != HNODE_COLUMN || step->action == STEP_OVERRIDE)
			continue;
		for (gi = 0; gi < plan->ngroups; gi++)
			if (plan->steps[plan->groups[gi].frame_step].node == node->frame)
			{
				g = &plan->groups[gi];
				break;
			}
		if (g == NULL)
		{
			gi = plan->ngroups++;
			g = &plan->groups[gi];
			g->frame_step = plan->step_of_node[node->frame];
			g->run_at = -1;
		}
		step->group = gi;
		step->action = STEP_COLUMN;

		for (k = dag->down_start[step->node]; k < dag->down_start[step->node + 1]; k++)
		{
			int			c = dag->down_list[k];

			if (plan->step_of_node[c] >= 0 && dag->nodes[c].kind != HNODE_COLUMN &&
				plan->steps[plan->step_of_node[c]].action != STEP_OVERRIDE)
				read_as_relation = true;
		}
		/* checks need the values in a table: a checked column is a target */
		if (node->checks && !step->requested)
			read_as_relation = true;
		if (step->requested || read_as_relation)
		{
			step->column_target = true;
			g->run_at = Max(g->run_at, i);
			if (step->requested && plan->into_table == NULL)
				step->result_table = quote_qualified_identifier(node->schema, node->name);
			if (read_as_relation && !step->requested)
			{
				step->temp_name = psprintf("hamilton_%d_%s", i + 1, node->name);
				step->relation = psprintf("pg_temp.%s", quote_identifier(step->temp_name));
			}
			else if (step->requested && plan->into_table == NULL)
				step->relation = step->result_table;
		}
	}

	/* targets in the order they were requested, then the others */
	for (i = 0; i < plan->ngroups; i++)
	{
		FrameGroup *g = &plan->groups[i];
		int			pos,
					s;

		for (pos = 0; pos < list_length(plan->output_names); pos++)
			for (s = 0; s < plan->nsteps; s++)
				if (plan->steps[s].group == i && plan->steps[s].requested &&
					plan->steps[s].request_pos == pos)
					g->targets = lappend_int(g->targets, s);
		for (s = 0; s < plan->nsteps; s++)
			if (plan->steps[s].group == i && plan->steps[s].column_target &&
				!plan->steps[s].requested)
				g->targets = lappend_int(g->targets, s);
		g->temp_name = psprintf("hamilton_frame_%d", g->frame_step + 1);
		if (plan->into_table)
		{
			HNode	   *frame = &plan->dag->nodes[plan->steps[g->frame_step].node];
			char	   *schema,
					   *name;

			parse_node_name(plan->into_table, &schema, &name, false);
			g->into_schema = schema ? schema : frame->schema;
			g->into_name = name;
			g->into_display = quote_qualified_identifier(g->into_schema, g->into_name);
		}
	}
}

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
				leaves = bms_union(leaves, ct[t].level > 0 ? bms_make_singleton(t) : ct[t].leaves);
				avail = Max(avail, ct[t].avail);
			}
			else
				repl[d] = plan_value_reference(plan, t, InvalidOid, for_explain);
		}
		me->text = splice_refs(node->sql, node->nrefs, node->refs, repl);
	}
	else
	{
		StringInfoData buf;
		bool		first = true;
		int			p;

		initStringInfo(&buf);
		appendStringInfo(&buf, "%s(", quote_qualified_identifier(node->schema, node->funcname));
		for (p = 0; p < node->nparams; p++)
			if (node->params[p].key)
			{
				appendStringInfo(&buf, "%s%s => %s", first ? "" : ", ",
								 quote_identifier(node->params[p].name),
								 quote_identifier(node->params[p].name));
				first = false;
			}
		for (d = 0; d < node->ndeps; d++)
		{
			HDep	   *dep = &node->deps[d];
			HParam	   *param;
			int			t;
			PlanStep   *ts;

			if (dep->via != VIA_PARAM)
				continue;
			param = &node->params[dep->index];
			t = plan->step_of_node[dep->target];
			ts = &plan->steps[t];
			if (ts->action == STEP_INPUT && ts->json_kind == 0)
				continue;		/* absent input: the parameter's default */
			appendStringInfo(&buf, "%s%s%s => ", first ? "" : ", ",
							 param->variadic ? "VARIADIC " : "", quote_identifier(param->name));
			first = false;
			if (ts->action == STEP_COLUMN)
			{
				appendStringInfoString(&buf, ct[t].text);
				leaves = bms_union(leaves, ct[t].level > 0 ? bms_make_singleton(t) : ct[t].leaves);
				avail = Max(avail, ct[t].avail);
			}
			else if (ts->relation)
				appendStringInfo(&buf, "%s::pg_catalog.regclass", quote_literal_cstr(ts->relation));
			else
				appendStringInfoString(&buf, plan_value_reference(plan, t, param->type, for_explain));
		}
		appendStringInfoChar(&buf, ')');
		me->text = buf.data;
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

static bool
ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_' || c == '$' || (unsigned char) c >= 0x80;
}

/*
 * identifier_position: where ident (as quote_identifier writes it) first
 * stands as a whole name in text, or INT_MAX.
 */
static int
identifier_position(const char *text, const char *ident)
{
	size_t		len = strlen(ident);
	const char *p = text;

	while ((p = strstr(p, ident)) != NULL)
	{
		bool		before = p > text && (ident_char(p[-1]) || p[-1] == '"' || p[-1] == '.');
		bool		after = ident_char(p[len]) || p[len] == '"';

		if (!before && !after)
			return (int) (p - text);
		p += len;
	}
	return INT_MAX;
}

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

			foreach(la, aliases)
				if (strcmp(lfirst(la), alias) == 0)
				{
					alias = psprintf("%s_%d", alias, i + 1);
					break;
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
			li[n].pos = identifier_position(items[k + 1], quote_identifier(ct[i].alias));
			li[n].order = n;
			n++;
		}
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

/* The statement that computes targets into their table(s), for explain. */
static void
explain_line(StringInfo buf, const char *what, const char *sql)
{
	appendStringInfo(buf, "%s\n%s\n", what, sql);
}

/*
 * frame_run_group runs a frame group's compiled query at its run_at step:
 * into into_table (the requested columns as one table), and each other
 * target into its own table (key + column): directly when there is one,
 * else split from one temporary table so the query runs once.
 */
void
frame_run_group(HPlan *plan, int stepno)
{
	FrameGroup *g = &plan->groups[plan->steps[stepno].group];
	List	   *own = NIL;
	ListCell   *lc;
	HNode	   *frame = &plan->dag->nodes[plan->steps[g->frame_step].node];
	StringInfoData keys;
	int			k;

	initStringInfo(&keys);
	for (k = 0; k < frame->nkey; k++)
		appendStringInfo(&keys, "%s%s", k ? ", " : "", quote_identifier(frame->key[k]));

	if (g->into_name)
	{
		List	   *requested = NIL;
		Oid			relid;
		uint64		rows;
		char	   *sql;

		foreach(lc, g->targets)
			if (plan->steps[lfirst_int(lc)].requested)
				requested = lappend_int(requested, lfirst_int(lc));
		if (requested != NIL)
		{
			sql = frame_compile(plan, g, requested, false);
			rows = materialize_result(g->into_schema, g->into_name, sql, NULL,
									  g->into_display, &relid);
			foreach(lc, requested)
			{
				PlanStep   *t = &plan->steps[lfirst_int(lc)];

				t->rows = rows;
				t->has_rows = true;
				t->status = "materialized";
				t->result_table = g->into_display;
			}
			lineage_record_into(plan, requested, g->into_schema, g->into_name, sql, relid);
			foreach(lc, requested)
				checks_run(plan, lfirst_int(lc), g->into_display);
		}
	}
	foreach(lc, g->targets)
		if (!(g->into_name && plan->steps[lfirst_int(lc)].requested))
			own = lappend_int(own, lfirst_int(lc));
	if (own == NIL)
		return;

	/* a table holds at most 1,600 columns: split in chunks */
	while (list_length(own) > FRAME_CHUNK)
	{
		run_own_targets(plan, g, list_copy_head(own, FRAME_CHUNK), keys.data);
		own = list_copy_tail(own, FRAME_CHUNK);
	}
	run_own_targets(plan, g, own, keys.data);
}

/*
 * run_own_targets computes targets into their own tables: directly for one,
 * through one temporary table (one query) for several.
 */
static void
run_own_targets(HPlan *plan, FrameGroup *g, List *own, const char *keys)
{
	ListCell   *lc;

	if (list_length(own) > 1)
		(void) materialize_temp(g->temp_name, frame_compile(plan, g, own, false));
	foreach(lc, own)
	{
		int			s = lfirst_int(lc);
		PlanStep   *t = &plan->steps[s];
		HNode	   *node = &plan->dag->nodes[t->node];
		char	   *sql;
		Oid			relid;

		sql = list_length(own) > 1 ?
			psprintf("SELECT %s, %s FROM pg_temp.%s", keys, quote_identifier(node->name),
					 quote_identifier(g->temp_name)) :
			frame_compile(plan, g, own, false);
		if (t->requested)
		{
			t->rows = materialize_result(node->schema, node->name, sql, node->doc,
										 node->display, &relid);
			t->status = "materialized";
			lineage_record(plan, s, relid);
		}
		else
		{
			t->rows = materialize_temp(t->temp_name, sql);
			t->status = "temporary";
		}
		t->has_rows = true;
		checks_run(plan, s, t->relation);
	}
	if (list_length(own) > 1)
		materialize_drop_temp(g->temp_name);
}

/* frame_explain describes what a group's run_at step runs. */
char *
frame_explain(HPlan *plan, int stepno)
{
	FrameGroup *g = &plan->groups[plan->steps[stepno].group];
	StringInfoData buf;
	List	   *requested = NIL,
			   *own = NIL;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, g->targets)
	{
		if (g->into_name && plan->steps[lfirst_int(lc)].requested)
			requested = lappend_int(requested, lfirst_int(lc));
		else
			own = lappend_int(own, lfirst_int(lc));
	}
	if (requested)
		explain_line(&buf, psprintf("-- one query into %s:", g->into_display),
					 frame_compile(plan, g, requested, true));
	if (own)
	{
		StringInfoData names;

		initStringInfo(&names);
		foreach(lc, own)
		{
			PlanStep   *t = &plan->steps[lfirst_int(lc)];

			appendStringInfo(&names, "%s%s", names.len ? ", " : "",
							 t->requested ? t->result_table : t->relation);
		}
		if (list_length(own) > FRAME_CHUNK)
			appendStringInfo(&buf, "-- %d columns: one query per %d columns; the first:\n",
							 list_length(own), FRAME_CHUNK);
		explain_line(&buf, list_length(own) > 1 ?
					 psprintf("-- one query, split into %s:", names.data) :
					 psprintf("-- one query into %s:", names.data),
					 frame_compile(plan, g, list_length(own) > FRAME_CHUNK ?
								   list_copy_head(own, FRAME_CHUNK) : own, true));
	}
	if (buf.len > 0 && buf.data[buf.len - 1] == '\n')
		buf.data[--buf.len] = '\0';
	return buf.data;
}
