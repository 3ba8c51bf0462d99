/*-------------------------------------------------------------------------
 *
 * walk.c
 *	  Walking the graph from a node, upstream or downstream, for the graph
 *	  queries (hamilton_upstream, hamilton_downstream, hamilton_path).
 *
 * Breadth first over arrays with an explicit queue, so a chain of any
 * length costs memory, never stack.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "dag.h"

/*
 * dag_walk does a breadth-first search from start, upstream or downstream,
 * filling depth[] (-1: not reached) and parent[]; it stops early once
 * stop_at is reached.
 */
void
dag_walk(Dag *dag, int start, bool downstream, int *depth, int *parent, int stop_at)
{
	int		   *queue = palloc(sizeof(int) * dag->nnodes);
	int			head = 0,
				tail = 0,
				i;

	for (i = 0; i < dag->nnodes; i++)
		depth[i] = parent[i] = -1;
	if (downstream)
		dag_build_downstream(dag);
	depth[start] = 0;
	queue[tail++] = start;
	while (head < tail)
	{
		int			cur = queue[head++];

		CHECK_FOR_INTERRUPTS();
		if (cur == stop_at)
			break;
		if (downstream)
		{
			int			k;

			for (k = dag->down_start[cur]; k < dag->down_start[cur + 1]; k++)
			{
				int			next = dag->down_list[k];

				if (depth[next] < 0)
				{
					depth[next] = depth[cur] + 1;
					parent[next] = cur;
					queue[tail++] = next;
				}
			}
		}
		else
		{
			HNode	   *node = &dag->nodes[cur];
			int			d;

			for (d = 0; d < node->ndeps; d++)
			{
				int			next = node->deps[d].target;

				if (depth[next] < 0)
				{
					depth[next] = depth[cur] + 1;
					parent[next] = cur;
					queue[tail++] = next;
				}
			}
		}
	}
	pfree(queue);
}
