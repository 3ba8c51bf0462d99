/*-------------------------------------------------------------------------
 *
 * frames.c
 *	  Frames and column nodes: which frame each column node belongs to, and
 *	  what a column node may read.
 *
 * A frame is a table node with a key whose columns are column nodes.  A
 * row-wise function of column nodes is a column node of the same frame,
 * and so is a column expression; a column node cannot mix two frames.  How
 * a frame's requested columns become one query is plan/frame_compile.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"

#include "dag.h"

static bool frame_has_key(HNode *frame, const char *name);
static void frame_problem(HNode *node, Dag *dag, int frame_a, int frame_b,
						  const char *differ);

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

/* frame_has_key: is name a key column of this frame? */
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
			/* a regclass parameter reads the column as a table (key + column) */
			if (node->deps[d].via == VIA_PARAM &&
				node->params[node->deps[d].index].type == REGCLASSOID)
				continue;
			if (frame < 0)
				frame = t->frame;
			else if (t->frame != frame)
			{
				/* frames with the same key are joined on it (frame_joins.c) */
				char	   *differ = dag_frame_keys_differ(dag, frame, t->frame);

				if (differ)
					frame_problem(node, dag, frame, t->frame, differ);
				else
					frame = dag_frame_join(dag, frame, t->frame);
				node = &dag->nodes[c];	/* a join is a node: the array may move */
			}
		}
		if (frame < 0 || node->frame == frame)
			continue;
		/* a column node's frame only grows: to a join of it with another */
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

	dag_finish_frame_joins(dag);

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
		if (node->expression && node->frame < 0 && !dag_reads_unmatched(dag, i))
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

/*
 * frame_problem notes, once, that a column node mixes two frames whose
 * keys differ (differ says how), which no join can line up.
 */
static void
frame_problem(HNode *node, Dag *dag, int frame_a, int frame_b, const char *differ)
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
							 psprintf("Columns of two frames are lined up by a join on their key only when their keys are the same (names and types): %s.", differ),
							 "Give both frames the same key (names and types, e.g. key => ARRAY['id'] with the same type in both), join the sources in one frame's SELECT, or compute from one frame only."));
}

/*
 * dag_frame_modules: the schemas whose SQL a frame's query holds, the order
 * its search_path takes them in: the frame's module, then each module of
 * its column nodes that include marks (those of the request), in node
 * order.  A name a fragment of one module would find first in another is
 * refused before the run (validate/frame_paths.c).
 */
List *
dag_frame_modules(Dag *dag, int frame, const bool *include)
{
	List	   *schemas = list_make1(dag->nodes[frame].schema);
	int			i;

	for (i = 0; i < dag->nnodes; i++)
	{
		HNode	   *node = &dag->nodes[i];
		ListCell   *lc;
		bool		seen = false;

		CHECK_FOR_INTERRUPTS();
		if (node->kind != HNODE_COLUMN || node->frame != frame || !include[i] ||
			node->schema == NULL)
			continue;
		foreach(lc, schemas)
			seen |= strcmp((const char *) lfirst(lc), node->schema) == 0;
		if (!seen)
			schemas = lappend(schemas, node->schema);
	}
	return schemas;
}
