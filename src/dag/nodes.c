/*-------------------------------------------------------------------------
 *
 * nodes.c
 *	  The graph's nodes: adding them, finding them by name, their consumers,
 *	  and the small questions asked of them (kind, type).  Also the problem
 *	  reports attached to them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/regproc.h"

#include "dag.h"

typedef struct QualKey
{
	NameData	schema;
	NameData	name;
} QualKey;

typedef struct QualEntry
{
	QualKey		key;
	int			index;
} QualEntry;

typedef struct NameEntry
{
	NameData	name;
	int			index;
} NameEntry;

static char *describe_definition(HNode *node);
static int	lookup_by_name(HTAB *table, const char *name);

/*
 * problem_make builds one problem report.
 */
HProblem *
problem_make(const char *code, int sqlstate, const char *node,
			 const char *message, const char *detail, const char *hint)
{
	HProblem   *p = palloc0(sizeof(HProblem));

	p->code = code;
	p->sqlstate = sqlstate;
	p->node = node ? pstrdup(node) : NULL;
	p->message = pstrdup(message);
	p->detail = detail ? pstrdup(detail) : NULL;
	p->hint = hint ? pstrdup(hint) : NULL;
	return p;
}

/*
 * problem_raise raises one problem as an error, with its SQLSTATE, detail
 * and hint.
 */
void
problem_raise(HProblem *p)
{
	ereport(ERROR,
			(errcode(p->sqlstate),
			 errmsg("%s", p->message),
			 p->detail ? errdetail("%s", p->detail) : 0,
			 p->hint ? errhint("%s", p->hint) : 0));
}

/*
 * dag_create makes an empty graph in a memory context of its own, a child
 * of the current one, for a config (see build.c).
 */
Dag *
dag_create(Jsonb *config, bool all_variants)
{
	MemoryContext cxt;
	MemoryContext old;
	Dag		   *dag;
	HASHCTL		ctl;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "hamilton dag",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	dag = palloc0(sizeof(Dag));
	dag->cxt = cxt;
	dag->maxnodes = 64;
	dag->nodes = palloc0(sizeof(HNode) * dag->maxnodes);
	dag->config = config;
	dag->all_variants = all_variants;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(QualKey);
	ctl.entrysize = sizeof(QualEntry);
	ctl.hcxt = cxt;
	dag->byqual = hash_create("hamilton nodes by qualified name", 1024, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(NameData);
	ctl.entrysize = sizeof(NameEntry);
	dag->byname = hash_create("hamilton nodes by name", 1024, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	dag->inputs = hash_create("hamilton inputs", 64, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	MemoryContextSwitchTo(old);
	return dag;
}

/*
 * dag_reserve_nodes makes room for n more nodes at once, so that a loader
 * that knows how many it adds grows the array once instead of doubling it
 * (and copying every node) as it goes.
 */
void
dag_reserve_nodes(Dag *dag, int n)
{
	if (n <= 0 || dag->nnodes + n <= dag->maxnodes)
		return;
	dag->maxnodes = dag->nnodes + n;
	dag->nodes = repalloc(dag->nodes, sizeof(HNode) * dag->maxnodes);
}

/* dag_add_node appends an empty node and returns its index. */
int
dag_add_node(Dag *dag)
{
	int			index;

	if (dag->nnodes >= dag->maxnodes)
	{
		dag->maxnodes *= 2;
		dag->nodes = repalloc(dag->nodes, sizeof(HNode) * dag->maxnodes);
	}
	index = dag->nnodes++;
	memset(&dag->nodes[index], 0, sizeof(HNode));
	dag->nodes[index].next_same_name = -1;
	dag->nodes[index].frame = -1;
	return index;
}

/*
 * dag_index_node makes a defined node findable by its qualified name and by
 * its bare name.  A second definition of the same qualified name (an
 * overload, or a function and a SQL node) is a problem of the first one,
 * which is the one references resolve to.
 */
void
dag_index_node(Dag *dag, int index)
{
	HNode	   *node = &dag->nodes[index];
	QualKey		qk;
	QualEntry  *qe;
	NameEntry  *ne;
	NameData	nk;
	bool		found;

	memset(&qk, 0, sizeof(qk));
	namestrcpy(&qk.schema, node->schema);
	namestrcpy(&qk.name, node->name);
	qe = hash_search(dag->byqual, &qk, HASH_ENTER, &found);
	if (found)
	{
		HNode	   *first = &dag->nodes[qe->index];
		char	   *msg = psprintf("node %s is defined more than once", first->display);
		char	   *detail = psprintf("Both %s and %s define it.",
									  describe_definition(first),
									  describe_definition(node));

		first->problems = lappend(first->problems,
								  problem_make("duplicate_node", ERRCODE_AMBIGUOUS_FUNCTION,
											   first->display, msg, detail,
											   "Rename or drop one of them; a function whose name starts with \"_\" is a helper, not a node."));
		return;
	}
	qe->index = index;

	memset(&nk, 0, sizeof(nk));
	namestrcpy(&nk, node->name);
	ne = hash_search(dag->byname, &nk, HASH_ENTER, &found);
	node->next_same_name = found ? ne->index : -1;
	ne->index = index;
}

/* describe_definition names what defines a node, for a duplicate. */
static char *
describe_definition(HNode *node)
{
	if (OidIsValid(node->funcoid))
		return psprintf("function %s", format_procedure(node->funcoid));
	return psprintf("SQL node %s", node->display);
}

/* dag_find_qualified returns the node schema.name, or -1. */
int
dag_find_qualified(Dag *dag, const char *schema, const char *name)
{
	QualKey		qk;
	QualEntry  *qe;

	if (strlen(schema) >= NAMEDATALEN || strlen(name) >= NAMEDATALEN)
		return -1;
	memset(&qk, 0, sizeof(qk));
	namestrcpy(&qk.schema, schema);
	namestrcpy(&qk.name, name);
	qe = hash_search(dag->byqual, &qk, HASH_FIND, NULL);
	return qe ? qe->index : -1;
}

/* lookup_by_name finds a bare name in one of the name-keyed tables. */
static int
lookup_by_name(HTAB *table, const char *name)
{
	NameData	nk;
	NameEntry  *ne;

	if (strlen(name) >= NAMEDATALEN)
		return -1;
	memset(&nk, 0, sizeof(nk));
	namestrcpy(&nk, name);
	ne = hash_search(table, &nk, HASH_FIND, NULL);
	return ne ? ne->index : -1;
}

/*
 * dag_first_named returns the first node (of any module) with that bare
 * name, or -1; the others follow through next_same_name.
 */
int
dag_first_named(Dag *dag, const char *name)
{
	return lookup_by_name(dag->byname, name);
}

/* dag_find_input returns the input node of that name, or -1. */
int
dag_find_input(Dag *dag, const char *name)
{
	return lookup_by_name(dag->inputs, name);
}

/* dag_input_node returns the input node of that name, creating it once. */
int
dag_input_node(Dag *dag, const char *name)
{
	NameData	nk;
	NameEntry  *ne;
	bool		found;
	int			index;
	HNode	   *node;

	memset(&nk, 0, sizeof(nk));
	namestrcpy(&nk, name);
	ne = hash_search(dag->inputs, &nk, HASH_ENTER, &found);
	if (found)
		return ne->index;
	index = dag_add_node(dag);
	ne->index = index;
	node = &dag->nodes[index];
	node->name = pstrdup(name);
	node->display = pstrdup(quote_identifier(name));
	node->kind = HNODE_INPUT;
	node->language = "input";
	return index;
}

/*
 * dag_build_downstream builds the reverse edges (consumers of each node) in
 * compressed sparse row form: consumers of i are down_list[down_start[i] ..
 * down_start[i+1]-1], in node order.
 */
void
dag_build_downstream(Dag *dag)
{
	MemoryContext old = MemoryContextSwitchTo(dag->cxt);
	int		   *fill;
	int			i,
				d,
				total = 0;

	if (dag->down_start)
	{
		MemoryContextSwitchTo(old);
		return;
	}
	dag->down_start = palloc0(sizeof(int) * (dag->nnodes + 1));
	for (i = 0; i < dag->nnodes; i++)
		for (d = 0; d < dag->nodes[i].ndeps; d++)
		{
			dag->down_start[dag->nodes[i].deps[d].target + 1]++;
			total++;
		}
	for (i = 0; i < dag->nnodes; i++)
		dag->down_start[i + 1] += dag->down_start[i];
	dag->down_list = palloc(sizeof(int) * Max(total, 1));
	fill = palloc0(sizeof(int) * Max(dag->nnodes, 1));
	for (i = 0; i < dag->nnodes; i++)
		for (d = 0; d < dag->nodes[i].ndeps; d++)
		{
			int			t = dag->nodes[i].deps[d].target;

			dag->down_list[dag->down_start[t] + fill[t]++] = i;
		}
	pfree(fill);
	MemoryContextSwitchTo(old);
}

/* dag_kind_name: the kind as users read it (a query and a table function are both tables). */
const char *
dag_kind_name(HNodeKind kind)
{
	switch (kind)
	{
		case HNODE_INPUT:
			return "input";
		case HNODE_SCALAR:
			return "scalar";
		case HNODE_TABLE_FUNC:
		case HNODE_QUERY:
			return "table";
		case HNODE_COLUMN:
			return "column";
	}
	return "?";
}

/* dag_yields_relation: does the node produce rows (rather than one value)? */
bool
dag_yields_relation(HNode *node)
{
	return node->kind == HNODE_TABLE_FUNC || node->kind == HNODE_QUERY;
}

/* dag_type_name describes what a node produces, for users. */
char *
dag_type_name(HNode *node)
{
	switch (node->kind)
	{
		case HNODE_INPUT:
			return NULL;
		case HNODE_SCALAR:
			return format_type_be(node->rettype);
		case HNODE_TABLE_FUNC:
			if (node->rettype == RECORDOID)
				return pstrdup("table");
			return psprintf("setof %s", format_type_be(node->rettype));
		case HNODE_QUERY:
			return pstrdup("table");
		case HNODE_COLUMN:
			/* an expression's type is known when it runs */
			return OidIsValid(node->rettype) ? format_type_be(node->rettype) : NULL;
	}
	return NULL;
}
