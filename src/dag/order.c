/*-------------------------------------------------------------------------
 *
 * order.c
 *	  The order a plan runs in, and the cycle that prevents one.
 *
 * Kahn's algorithm over the closure, with a binary heap of ready nodes keyed
 * by name, so ties are broken the same way every time.  Nodes the sort
 * cannot emit lie on, or downstream of, a cycle; one cycle is then found by
 * walking upstream through them.  Neither recurses over the graph.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/binaryheap.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"

#include "dag.h"

static int	heap_name_cmp(Datum a, Datum b, void *arg);
static HProblem *cycle_problem(Dag *dag, const bool *in_closure, const bool *emitted);

static int
heap_name_cmp(Datum a, Datum b, void *arg)
{
	Dag		   *dag = (Dag *) arg;

	/* binaryheap keeps the largest on top: invert to pop names in order */
	return strcmp(dag->nodes[DatumGetInt32(b)].display,
				  dag->nodes[DatumGetInt32(a)].display);
}

/*
 * dag_order sorts the closure with Kahn's algorithm; among the
 * nodes that are ready, the smallest name goes first, so the order never
 * depends on catalog order.  Leftover nodes mean a cycle.
 */
int *
dag_order(Dag *dag, const bool *in_closure, const bool *overridden, int nclosure,
		  int *count, HProblem **cycle)
{
	int			n = dag->nnodes;
	int		   *indeg = palloc0(sizeof(int) * Max(n, 1));
	int		   *order = palloc(sizeof(int) * Max(nclosure, 1));
	bool	   *emitted = palloc0(sizeof(bool) * Max(n, 1));
	binaryheap *ready = binaryheap_allocate(Max(nclosure, 1), heap_name_cmp, dag);
	int			i,
				k;

	*count = 0;
	for (i = 0; i < n; i++)
	{
		if (!in_closure[i])
			continue;
		if (!overridden[i])
			indeg[i] = dag->nodes[i].ndeps;
		if (indeg[i] == 0)
			binaryheap_add_unordered(ready, Int32GetDatum(i));
	}
	binaryheap_build(ready);

	while (!binaryheap_empty(ready))
	{
		int			t = DatumGetInt32(binaryheap_remove_first(ready));

		CHECK_FOR_INTERRUPTS();
		order[(*count)++] = t;
		emitted[t] = true;
		for (k = dag->down_start[t]; k < dag->down_start[t + 1]; k++)
		{
			int			c = dag->down_list[k];

			if (!in_closure[c] || overridden[c])
				continue;
			if (--indeg[c] == 0)
				binaryheap_add(ready, Int32GetDatum(c));
		}
	}

	*cycle = *count < nclosure ? cycle_problem(dag, in_closure, emitted) : NULL;
	pfree(indeg);
	return order;
}

/*
 * cycle_problem describes one cycle among the nodes the sort could not emit.
 * Each of them still waits on another one of them, so walking upstream
 * through unemitted nodes must come back to a node already walked.
 */
static HProblem *
cycle_problem(Dag *dag, const bool *in_closure, const bool *emitted)
{
	int			n = dag->nnodes;
	int		   *pos = palloc(sizeof(int) * n);
	int		   *walk = palloc(sizeof(int) * n);
	int			len = 0,
				cur = -1,
				i;
	StringInfoData path;

	for (i = 0; i < n; i++)
	{
		pos[i] = -1;
		if (cur < 0 && in_closure[i] && !emitted[i])
			cur = i;
	}
	while (pos[cur] < 0)
	{
		HNode	   *node = &dag->nodes[cur];
		int			d,
					next = -1;

		pos[cur] = len;
		walk[len++] = cur;
		for (d = 0; d < node->ndeps && next < 0; d++)
			if (!emitted[node->deps[d].target])
				next = node->deps[d].target;
		Assert(next >= 0);
		cur = next;
	}

	/*
	 * walk[pos[cur]..len-1] is the cycle, upstream order: print it
	 * downstream, eliding the middle of a very long one.
	 */
	initStringInfo(&path);
	for (i = len - 1; i >= pos[cur]; i--)
	{
		int			k = len - 1 - i;	/* position along the printed cycle */
		int			cyclen = len - pos[cur];

		if (cyclen > 12 && k == 6)
		{
			appendStringInfo(&path, "... (%d more) -> ", cyclen - 12);
			i = pos[cur] + 5;	/* skip to the last five */
		}
		appendStringInfo(&path, "%s -> ", dag->nodes[walk[i]].display);
	}
	appendStringInfoString(&path, dag->nodes[walk[len - 1]].display);

	return problem_make("cycle", ERRCODE_INVALID_RECURSION, dag->nodes[cur].display,
						psprintf("dataflow has a cycle: %s", path.data),
						"Each node in the cycle needs the one before it, so none can run first.",
						"Break the cycle: rename a parameter or relation so that one of these nodes stops reading the next.");
}
