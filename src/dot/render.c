/*-------------------------------------------------------------------------
 *
 * render.c
 *	  The picture: the DOT text of the nodes a picture shows, the source
 *	  tables they read, and the edges between them.
 *
 * The graph is built once, with every variant of every node (as the views
 * hamilton.nodes and hamilton.edges show it).  The statements come in four
 * sections, each sorted bytewise by its key and then by its text, so the
 * same graph always gives the same text:
 *	 1. the source tables ("source t"),
 *	 2. the nodes (drawn from the graph, or from the run for a step whose node
 *		is no longer defined),
 *	 3. source table -> node,
 *	 4. upstream -> downstream, dotted when every edge between the two is a
 *		declared input.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"

#include "catalog.h"
#include "dot.h"

/* One line of the picture, with where it sorts. */
typedef struct Statement
{
	int			section;
	char	   *key;
	char	   *line;
} Statement;

/* The statements of a picture being written. */
typedef struct Picture
{
	Dag		   *dag;
	DotScope   *scope;
	DotRun	   *run;
	int			ndefined;		/* drawn graph nodes' names, sorted */
	char	  **defined;
	int			nsteps;			/* the run's steps, sorted by node */
	DotStep   **steps;
	Statement  *statements;
	int			nstatements;
	int			maxstatements;
	StringInfoData buf;			/* scratch for one statement */
} Picture;

/* source -> node, and upstream -> downstream, before they are drawn */
typedef struct NamePair
{
	const char *from;
	const char *to;
	bool		declared;
} NamePair;

typedef struct PairList
{
	NamePair   *pairs;
	int			count;
	int			max;
} PairList;

static void add_statement(Picture *pic, int section, char *key);
static List **load_tags(Dag *dag);
static void sort_steps(Picture *pic);
static int	first_step_of(Picture *pic, const char *node);
static void add_node(Picture *pic, DotNode *node);
static void add_sources(Picture *pic, const int *drawn, int ndrawn);
static void add_edges(Picture *pic, const int *drawn, int ndrawn);
static void add_pair(PairList *list, const char *from, const char *to,
					 bool declared);
static int	pair_cmp(const void *a, const void *b);
static int	statement_cmp(const void *a, const void *b);
static int	step_cmp(const void *a, const void *b);

/* add_statement keeps the scratch buffer as a statement of the picture. */
static void
add_statement(Picture *pic, int section, char *key)
{
	Statement  *st;

	if (pic->nstatements >= pic->maxstatements)
	{
		pic->maxstatements *= 2;
		pic->statements = repalloc(pic->statements, sizeof(Statement) * pic->maxstatements);
	}
	st = &pic->statements[pic->nstatements++];
	st->section = section;
	st->key = key;
	st->line = pstrdup(pic->buf.data);
	resetStringInfo(&pic->buf);
}

/*
 * load_tags reads every node's tags as "key=value" lines in key order, as
 * hamilton.nodes shows them: on the node that the qualified name finds (of
 * several variants, the first), none on inputs.
 */
static List **
load_tags(Dag *dag)
{
	List	  **tags = palloc0(sizeof(List *) * Max(dag->nnodes, 1));
	uint64		i;

	catalog_read_tag_rows();
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		int			idx = dag_find_qualified(dag, SPI_getvalue(row, desc, 1),
											 SPI_getvalue(row, desc, 2));

		if (idx >= 0)
			tags[idx] = lappend(tags[idx], psprintf("%s=%s", SPI_getvalue(row, desc, 3),
													SPI_getvalue(row, desc, 4)));
	}
	return tags;
}

static int
step_cmp(const void *a, const void *b)
{
	return strcmp((*(DotStep *const *) a)->node, (*(DotStep *const *) b)->node);
}

/* sort_steps indexes the run's steps by node name. */
static void
sort_steps(Picture *pic)
{
	int			i;

	pic->nsteps = pic->run ? pic->run->nsteps : 0;
	pic->steps = palloc(sizeof(DotStep *) * Max(pic->nsteps, 1));
	for (i = 0; i < pic->nsteps; i++)
		pic->steps[i] = &pic->run->steps[i];
	qsort(pic->steps, pic->nsteps, sizeof(DotStep *), step_cmp);
}

/* first_step_of: the first of the node's steps in pic->steps, or nsteps. */
static int
first_step_of(Picture *pic, const char *node)
{
	int			lo = 0,
				hi = pic->nsteps;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (strcmp(pic->steps[mid]->node, node) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * add_node adds the node's statement: one for each step of that name in the
 * run, or one saying the run did not touch it.
 */
static void
add_node(Picture *pic, DotNode *node)
{
	int			k = first_step_of(pic, node->node);

	node->is_output = dot_contains(pic->scope->wanted, pic->scope->nwanted, node->node);
	node->with_run = pic->run != NULL;
	node->step = NULL;
	if (k >= pic->nsteps || strcmp(pic->steps[k]->node, node->node) != 0)
	{
		dot_append_node(&pic->buf, node);
		add_statement(pic, 2, (char *) node->node);
		return;
	}
	for (; k < pic->nsteps && strcmp(pic->steps[k]->node, node->node) == 0; k++)
	{
		node->step = pic->steps[k];
		dot_append_node(&pic->buf, node);
		add_statement(pic, 2, (char *) node->node);
	}
}

/* add_pair appends a pair to the list, and sorts nothing yet. */
static void
add_pair(PairList *list, const char *from, const char *to, bool declared)
{
	if (list->count >= list->max)
	{
		list->max = Max(64, list->max * 2);
		list->pairs = list->pairs ? repalloc(list->pairs, sizeof(NamePair) * list->max)
			: palloc(sizeof(NamePair) * list->max);
	}
	list->pairs[list->count].from = from;
	list->pairs[list->count].to = to;
	list->pairs[list->count].declared = declared;
	list->count++;
}

static int
pair_cmp(const void *a, const void *b)
{
	const NamePair *pa = a;
	const NamePair *pb = b;
	int			c = strcmp(pa->from, pb->from);

	return c != 0 ? c : strcmp(pa->to, pb->to);
}

/*
 * add_sources adds each source table the drawn nodes read, and an edge from
 * it to each of them.
 */
static void
add_sources(Picture *pic, const int *drawn, int ndrawn)
{
	PairList	list = {NULL, 0, 0};
	NamePair   *pairs;
	int			i,
				r;

	for (i = 0; i < ndrawn; i++)
	{
		HNode	   *node = &pic->dag->nodes[drawn[i]];

		for (r = 0; r < node->nrefs; r++)
			if (node->refs[r].source != NULL)
				add_pair(&list, node->refs[r].source, node->display, false);
	}
	if (list.count == 0)
		return;
	pairs = list.pairs;
	qsort(pairs, list.count, sizeof(NamePair), pair_cmp);
	for (i = 0; i < list.count; i++)
	{
		const char *src = pairs[i].from;
		char	   *name;

		CHECK_FOR_INTERRUPTS();
		if (i > 0 && pair_cmp(&pairs[i], &pairs[i - 1]) == 0)
			continue;
		name = psprintf("source %s", src);
		if (i == 0 || strcmp(src, pairs[i - 1].from) != 0)
		{
			const char *label[2] = {src, "source table"};

			appendStringInfoString(&pic->buf, "  ");
			dot_append_quoted(&pic->buf, name);
			appendStringInfoString(&pic->buf, " [label=");
			dot_append_label(&pic->buf, label, 2);
			appendStringInfoString(&pic->buf, ", shape=cylinder, style=\"filled\", fillcolor=\"#dde7f5\"];");
			add_statement(pic, 1, name);
		}
		appendStringInfoString(&pic->buf, "  ");
		dot_append_quoted(&pic->buf, name);
		appendStringInfoString(&pic->buf, " -> ");
		dot_append_quoted(&pic->buf, pairs[i].to);
		appendStringInfoString(&pic->buf, " [color=\"#7f8fa6\"];");
		add_statement(pic, 3, psprintf("%s %s", src, pairs[i].to));
	}
}

/*
 * add_edges adds one edge for each upstream -> downstream pair of drawn
 * nodes, however many parameters or references make it; dotted when all of
 * them are declared inputs.
 */
static void
add_edges(Picture *pic, const int *drawn, int ndrawn)
{
	PairList	list = {NULL, 0, 0};
	NamePair   *pairs;
	int			i,
				d;

	for (i = 0; i < ndrawn; i++)
	{
		HNode	   *node = &pic->dag->nodes[drawn[i]];

		CHECK_FOR_INTERRUPTS();
		for (d = 0; d < node->ndeps; d++)
		{
			const char *up = pic->dag->nodes[node->deps[d].target].display;

			if (dot_contains(pic->defined, pic->ndefined, up))
				add_pair(&list, up, node->display, node->deps[d].via == VIA_DECLARED);
		}
	}
	if (list.count == 0)
		return;
	pairs = list.pairs;
	qsort(pairs, list.count, sizeof(NamePair), pair_cmp);
	for (i = 0; i < list.count; i++)
	{
		bool		declared = pairs[i].declared;
		int			j;

		CHECK_FOR_INTERRUPTS();
		for (j = i + 1; j < list.count && pair_cmp(&pairs[j], &pairs[i]) == 0; j++)
			declared = declared && pairs[j].declared;
		appendStringInfoString(&pic->buf, "  ");
		dot_append_quoted(&pic->buf, pairs[i].from);
		appendStringInfoString(&pic->buf, " -> ");
		dot_append_quoted(&pic->buf, pairs[i].to);
		appendStringInfo(&pic->buf, "%s;", declared ? " [style=dotted]" : "");
		add_statement(pic, 4, psprintf("%s %s", pairs[i].from, pairs[i].to));
		i = j - 1;
	}
}

static int
statement_cmp(const void *a, const void *b)
{
	const Statement *sa = a;
	const Statement *sb = b;
	int			c;

	if (sa->section != sb->section)
		return sa->section - sb->section;
	c = strcmp(sa->key, sb->key);
	return c != 0 ? c : strcmp(sa->line, sb->line);
}

/*
 * dot_render writes the picture of outputs (NULL: none) and run (NULL:
 * none), its names resolved as request says: of every variant of each
 * node, or with config (not NULL), of the variants that config chooses.  The caller is connected to
 * SPI, with search_path pinned.
 */
char *
dot_render(char **outputs, int noutputs, DotRun *run, const DagRequest *request,
		   Jsonb *config)
{
	Picture		pic;
	List	  **tags;
	int		   *drawn;
	int			ndrawn = 0,
				i,
				k;
	StringInfoData out;

	memset(&pic, 0, sizeof(pic));
	if (config)
	{
		/* the graph of that config: of each node, the variant it chooses */
		pic.dag = dag_build_request(config, false, request);
		pic.scope = dot_scope(pic.dag, pic.dag, outputs, noutputs, run);
	}
	else
	{
		pic.dag = dag_build_request(NULL, true, request);	/* every variant */
		pic.scope = dot_scope(pic.dag, NULL, outputs, noutputs, run);
	}
	pic.run = run;
	pic.maxstatements = 64;
	pic.statements = palloc(sizeof(Statement) * pic.maxstatements);
	initStringInfo(&pic.buf);
	sort_steps(&pic);
	tags = load_tags(pic.dag);

	/* the nodes of the graph the picture shows */
	drawn = palloc(sizeof(int) * Max(pic.dag->nnodes, 1));
	pic.defined = palloc(sizeof(char *) * Max(pic.dag->nnodes, 1));
	for (i = 0; i < pic.dag->nnodes; i++)
		if (pic.scope->all ||
			dot_contains(pic.scope->members, pic.scope->nmembers, pic.dag->nodes[i].display))
		{
			drawn[ndrawn++] = i;
			pic.defined[pic.ndefined++] = pic.dag->nodes[i].display;
		}
	pic.ndefined = dot_sort_unique(pic.defined, pic.ndefined);

	for (i = 0; i < ndrawn; i++)
	{
		HNode	   *hnode = &pic.dag->nodes[drawn[i]];
		DotNode		node;

		CHECK_FOR_INTERRUPTS();
		memset(&node, 0, sizeof(node));
		node.node = hnode->display;
		node.kind = dag_kind_name(hnode->kind);
		node.language = hnode->language;
		node.type = dag_type_name(hnode);
		node.tags = hnode->kind == HNODE_INPUT ? NIL : tags[drawn[i]];
		node.defined = true;
		add_node(&pic, &node);
	}

	/* steps of the run whose node is no longer defined */
	for (k = 0; run && k < run->nsteps; k++)
	{
		DotStep    *step = &run->steps[k];
		DotNode		node;

		if (!pic.scope->all &&
			!dot_contains(pic.scope->members, pic.scope->nmembers, step->node))
			continue;
		if (dot_contains(pic.defined, pic.ndefined, step->node))
			continue;
		memset(&node, 0, sizeof(node));
		node.node = step->node;
		node.kind = step->kind;
		add_node(&pic, &node);
	}

	add_sources(&pic, drawn, ndrawn);
	add_edges(&pic, drawn, ndrawn);
	qsort(pic.statements, pic.nstatements, sizeof(Statement), statement_cmp);

	initStringInfo(&out);
	appendStringInfoString(&out, "digraph hamilton {\n  graph [label=");
	dot_append_quoted(&out, psprintf("pg_hamilton: %s", pic.scope->title));
	appendStringInfoString(&out, ", labelloc=t, rankdir=LR, fontname=\"Helvetica\"];\n"
						   "  node [fontname=\"Helvetica\", fontsize=10];\n"
						   "  edge [color=\"#555555\"];\n");
	for (i = 0; i < pic.nstatements; i++)
	{
		appendStringInfoString(&out, pic.statements[i].line);
		appendStringInfoChar(&out, '\n');
	}
	dot_append_server_clusters(&out, pic.dag, drawn, ndrawn);
	appendStringInfoString(&out, "}\n");
	return out.data;
}
