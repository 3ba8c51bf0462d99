/*-------------------------------------------------------------------------
 *
 * members.c
 *	  Which nodes a picture shows, which of them are the requested outputs,
 *	  and its title.
 *
 * Without outputs or a run, every node (with modules, the nodes of those
 * modules and what they need).  With outputs, their execution path: each
 * output (a node, or an input's name) and its upstream closure in the graph
 * a request without config sees, its names resolved among the run's
 * modules as hamilton_execute resolves them.  With a run alone, the steps
 * the run took (an override cuts the closure, and nodes may have changed
 * since).  Members are names: the picture draws every node of every variant
 * of that name.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/resowner.h"

#include "dot.h"
#include "validate.h"

static Dag *graph_without_config(Dag *every_variant);
static int	resolve_output(Dag *dag, const char *name);
static int	try_resolve_output(Dag *dag, const char *name);
static void add_upstream(Dag *dag, int start, bool *reached, char ***names,
						 int *count);
static void refuse_unmatched_inputs(Dag *dag, const bool *reached);
static int	cstring_cmp(const void *a, const void *b);

/*
 * graph_without_config is the graph hamilton_path and hamilton_upstream
 * see: of each node, the variant no config chooses, its names resolved as
 * the picture's request says.  It is the graph of every variant when no
 * node has variants, and then not built again.
 */
static Dag *
graph_without_config(Dag *every_variant)
{
	int			i;

	for (i = 0; i < every_variant->nnodes; i++)
		if (every_variant->nodes[i].config_when != NULL)
			return dag_build_request(NULL, false, &every_variant->request);
	return every_variant;
}

/*
 * resolve_output reads a name as hamilton_path(name, name) does: a node, or
 * an input's bare name; otherwise it raises the unknown (or ambiguous)
 * node's error.
 */
static int
resolve_output(Dag *dag, const char *name)
{
	HProblem   *problem;
	int			idx = dag->request.mode == NS_RUN ? dag_resolve_output(dag, name, &problem, "node")
		: dag_resolve_name(dag, name, &problem, "node");

	if (idx < 0 && strchr(name, '.') == NULL)
		idx = dag_find_input(dag, name);
	if (idx < 0)
	{
		/* a node whose variants all want another config: say so */
		HProblem   *variant = validate_unmatched_variant(dag, name, NULL);

		if (variant)
			problem = variant;
	}
	if (idx < 0)
		ereport(ERROR,
				(errcode(problem->sqlstate),
				 errmsg("%s", problem->message),
				 problem->detail ? errdetail("%s", problem->detail) : 0,
				 problem->hint ? errhint("%s", problem->hint) : 0));
	return idx;
}

/*
 * try_resolve_output is resolve_output returning -1 instead of raising an
 * error (any error but a cancel), in a subtransaction as a PL/pgSQL
 * EXCEPTION WHEN OTHERS block would: an improper name raises too.
 */
static int
try_resolve_output(Dag *dag, const char *name)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	int			idx = -1;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		idx = resolve_output(dag, name);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			edata->sqlerrcode == ERRCODE_ASSERT_FAILURE)
			ReThrowError(edata);
		FreeErrorData(edata);
		idx = -1;
	}
	PG_END_TRY();
	return idx;
}

/*
 * add_upstream appends the names of start's upstream closure (breadth
 * first, with an explicit queue) that no earlier output reached.
 */
static void
add_upstream(Dag *dag, int start, bool *reached, char ***names, int *count)
{
	int		   *queue = palloc(sizeof(int) * Max(dag->nnodes, 1));
	int			head = 0,
				tail = 0;

	queue[tail++] = start;
	while (head < tail)
	{
		HNode	   *node = &dag->nodes[queue[head++]];
		int			d;

		CHECK_FOR_INTERRUPTS();
		for (d = 0; d < node->ndeps; d++)
		{
			int			next = node->deps[d].target;

			if (reached[next])
				continue;
			reached[next] = true;
			(*names)[(*count)++] = dag->nodes[next].display;
			queue[tail++] = next;
		}
	}
	pfree(queue);
}

/*
 * refuse_unmatched_inputs raises, as a run with the picture's config (or
 * none) would, the error of a name the path reads, or asks for, whose
 * variants all want another config: the picture would draw it as an input
 * the run does not have.
 */
static void
refuse_unmatched_inputs(Dag *dag, const bool *reached)
{
	int			i;

	for (i = 0; i < dag->nnodes; i++)
	{
		HProblem   *problem;

		if (!reached[i] || dag->nodes[i].kind != HNODE_INPUT)
			continue;
		problem = validate_unmatched_variant(dag, dag->nodes[i].name, NULL);
		if (problem)
			ereport(ERROR,
					(errcode(problem->sqlstate),
					 errmsg("%s", problem->message),
					 problem->detail ? errdetail("%s", problem->detail) : 0,
					 problem->hint ? errhint("%s", problem->hint) : 0));
	}
}

/*
 * dot_scope decides what the picture of outputs (NULL: none) and run (NULL:
 * none) shows.  configured is the graph of the config hamilton_dot was
 * given, or NULL: the execution path is then the one no config takes.  A name that is no node raises its error, as in
 * hamilton_path; a run's outputs that are no nodes any more stand for the
 * steps of that name.
 */
DotScope *
dot_scope(Dag *every_variant, Dag *configured, char **outputs, int noutputs, DotRun *run)
{
	DotScope   *scope = palloc0(sizeof(DotScope));
	StringInfoData title;
	int			i;

	initStringInfo(&title);
	if (outputs)
	{
		Dag		   *dag = configured ? configured : graph_without_config(every_variant);
		bool	   *reached = palloc0(sizeof(bool) * Max(dag->nnodes, 1));

		scope->members = palloc(sizeof(char *) * Max(dag->nnodes, 1));
		scope->wanted = palloc(sizeof(char *) * noutputs);
		for (i = 0; i < noutputs; i++)
		{
			int			idx = resolve_output(dag, outputs[i]);

			scope->wanted[scope->nwanted++] = dag->nodes[idx].display;
			if (reached[idx])
				continue;
			reached[idx] = true;
			scope->members[scope->nmembers++] = dag->nodes[idx].display;
			add_upstream(dag, idx, reached, &scope->members, &scope->nmembers);
		}
		scope->nwanted = dot_sort_unique(scope->wanted, scope->nwanted);
		refuse_unmatched_inputs(dag, reached);
		appendStringInfoString(&title, "execution path of ");
		for (i = 0; i < scope->nwanted; i++)
			appendStringInfo(&title, "%s%s", i ? ", " : "", scope->wanted[i]);
		if (run)
			appendStringInfo(&title, ", run " INT64_FORMAT " (%s)", run->run_id, run->status);
	}
	else if (run)
	{
		Dag		   *dag = NULL;
		bool		first = true;

		scope->members = palloc(sizeof(char *) * Max(run->nsteps, 1));
		for (i = 0; i < run->nsteps; i++)
			scope->members[scope->nmembers++] = run->steps[i].node;
		scope->wanted = palloc(sizeof(char *) * Max(run->noutputs, 1));
		appendStringInfo(&title, "run " INT64_FORMAT " (%s) of ", run->run_id, run->status);
		for (i = 0; i < run->noutputs; i++)
		{
			const char *output = run->outputs[i];
			char	   *resolved;
			int			idx;

			if (output == NULL)
				continue;		/* hamilton_path(NULL, NULL) is no row */
			appendStringInfo(&title, "%s%s", first ? "" : ", ", output);
			first = false;
			if (dag == NULL)
				dag = configured ? configured : graph_without_config(every_variant);
			idx = try_resolve_output(dag, output);
			resolved = idx >= 0 ? dag->nodes[idx].display : dot_run_step_named(run, output);
			if (resolved)
				scope->wanted[scope->nwanted++] = resolved;
		}
		scope->nwanted = dot_sort_unique(scope->wanted, scope->nwanted);
	}
	else if (every_variant->request.modules_given)
	{
		Dag		   *dag = configured ? configured : graph_without_config(every_variant);
		bool	   *reached = palloc0(sizeof(bool) * Max(dag->nnodes, 1));

		/* the nodes of the run's modules, and what they need */
		scope->members = palloc(sizeof(char *) * Max(dag->nnodes, 1));
		for (i = 0; i < dag->nnodes; i++)
		{
			if (reached[i] || dag_module_position(dag, dag->nodes[i].schema) < 0)
				continue;
			reached[i] = true;
			scope->members[scope->nmembers++] = dag->nodes[i].display;
			add_upstream(dag, i, reached, &scope->members, &scope->nmembers);
		}
		appendStringInfoString(&title, "modules ");
		for (i = 0; i < dag->nmodules; i++)
			appendStringInfo(&title, "%s%s", i ? ", " : "", quote_identifier(dag->modules[i]));
	}
	else
	{
		scope->all = true;
		appendStringInfoString(&title, "every node");
	}
	if (!scope->all)
		scope->nmembers = dot_sort_unique(scope->members, scope->nmembers);
	if (configured)
		appendStringInfo(&title, " with config %s", jsonb_text(configured->config));
	scope->title = title.data;
	return scope;
}

static int
cstring_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/*
 * dot_sort_unique sorts names bytewise (as COLLATE "C" does) and drops
 * repeats; it returns how many are left.
 */
int
dot_sort_unique(char **items, int n)
{
	int			i,
				kept = 0;

	if (n == 0)
		return 0;
	qsort(items, n, sizeof(char *), cstring_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(items[i], items[kept]) != 0)
			items[++kept] = items[i];
	return kept + 1;
}

/* dot_contains: is item among the n sorted names? */
bool
dot_contains(char **sorted, int n, const char *item)
{
	if (n == 0)
		return false;
	return bsearch(&item, sorted, n, sizeof(char *), cstring_cmp) != NULL;
}
