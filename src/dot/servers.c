/*-------------------------------------------------------------------------
 *
 * servers.c
 *	  (servers2) The picture's servers: each placed node drawn inside a
 *	  cluster of the server it runs on (several servers, issue 14), a
 *	  sharded node inside the cluster of its list of servers.  Nodes on
 *	  the coordinator stay outside every cluster.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"

#include "dot.h"

typedef struct Placed
{
	const char *placement;
	const char *node;
} Placed;

static int	placed_cmp(const void *a, const void *b);

/*
 * dot_append_server_clusters appends one subgraph cluster per placement
 * among the ndrawn nodes drawn (indexes into dag), labelled with its
 * server(s) and listing its nodes, in name order, so that the output is
 * the same every time.
 */
void
dot_append_server_clusters(StringInfo out, Dag *dag, const int *drawn, int ndrawn)
{
	Placed	   *placed = palloc(sizeof(Placed) * Max(ndrawn, 1));
	int			n = 0,
				i;

	for (i = 0; i < ndrawn; i++)
	{
		HNode	   *node = &dag->nodes[drawn[i]];

		if (node->placement == NULL)
			continue;
		placed[n].placement = node->placement;
		placed[n++].node = node->display;
	}
	qsort(placed, n, sizeof(Placed), placed_cmp);
	for (i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (i == 0 || strcmp(placed[i].placement, placed[i - 1].placement) != 0)
		{
			bool		sharded = placed[i].placement[0] == '[';

			appendStringInfoString(out, "  subgraph ");
			dot_append_quoted(out, psprintf("cluster_server %s", placed[i].placement));
			appendStringInfoString(out, " {\n    label=");
			dot_append_quoted(out, psprintf(sharded ? "servers %s" : "server %s", placed[i].placement));
			appendStringInfoString(out, ";\n    style=dashed;\n    color=\"#3465a4\";\n");
		}
		appendStringInfoString(out, "    ");
		dot_append_quoted(out, placed[i].node);
		appendStringInfoString(out, ";\n");
		if (i == n - 1 || strcmp(placed[i].placement, placed[i + 1].placement) != 0)
			appendStringInfoString(out, "  }\n");
	}
}

/* placed_cmp orders by placement, then by node. */
static int
placed_cmp(const void *a, const void *b)
{
	const Placed *pa = a;
	const Placed *pb = b;
	int			c = strcmp(pa->placement, pb->placement);

	return c != 0 ? c : strcmp(pa->node, pb->node);
}
