/*-------------------------------------------------------------------------
 *
 * frame_paths.c
 *	  Does every fragment of a frame's query mean there what it means in its
 *	  own module?
 *
 * A frame's requested columns compile into one query (plan/frame_compile.c)
 * that holds the frame's SELECT, written in the frame's module, and the
 * column expressions of its columns, which other modules of the run may
 * define.  One query has one search_path: the schemas of all those modules,
 * the frame's first (dag_frame_modules, pinned by exec/run_step.c).  A
 * function, operator or type that a fragment names without a schema could
 * then bind to another module's object of that name, silently.  So each
 * fragment of a frame whose query spans modules is analysed on its own
 * module's path and on the query's path, and a fragment whose analysed
 * tree differs is a problem, reported before any work.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/builtins.h"

#include "validate.h"

static void check_fragment(ValidateState *st, DagShapes *sh, int n, int frame, List *schemas);

/*
 * validate_frame_paths adds a problem for each fragment of a needed frame's
 * query that means something else on the query's path than on its own
 * module's.
 */
void
validate_frame_paths(ValidateState *st)
{
	Dag		   *dag = st->dag;
	DagShapes  *sh = NULL;
	int			f,
				i;

	for (f = 0; f < dag->nnodes; f++)
	{
		List	   *schemas;

		CHECK_FOR_INTERRUPTS();
		if (!st->in_closure[f] || dag->nodes[f].nkey == 0 || dag->nodes[f].schema == NULL)
			continue;
		schemas = dag_frame_modules(dag, f, st->in_closure);
		if (list_length(schemas) < 2)
			continue;			/* one module: its own path */
		if (sh == NULL)
			sh = validate_request_shapes(st);
		if (!st->overridden[f])
			check_fragment(st, sh, f, f, schemas);	/* else the query reads the override */
		for (i = 0; i < dag->nnodes; i++)
		{
			CHECK_FOR_INTERRUPTS();
			if (st->in_closure[i] && !st->overridden[i] && dag->nodes[i].kind == HNODE_COLUMN &&
				dag->nodes[i].expression && dag->nodes[i].frame == f)
				check_fragment(st, sh, i, f, schemas);
		}
	}
}

/*
 * check_fragment compares what node n's SQL means on its own module's path
 * and on the path of frame's query (schemas), and adds a problem when they
 * differ.  A fragment whose inputs have no shape yet, or that does not
 * analyse on either path, is left to the run (which reports its error).
 */
static void
check_fragment(ValidateState *st, DagShapes *sh, int n, int frame, List *schemas)
{
	HNode	   *node = &st->dag->nodes[n];
	HNode	   *fr = &st->dag->nodes[frame];
	bool		known;
	char	   *own = dag_fragment_tree(sh, n, list_make1(node->schema), &known);
	char	   *there;
	StringInfoData path;
	ListCell   *lc;

	if (!known)
		return;
	there = dag_fragment_tree(sh, n, schemas, &known);
	if ((own == NULL && there == NULL) || (own && there && strcmp(own, there) == 0))
		return;
	initStringInfo(&path);
	foreach(lc, schemas)
		appendStringInfo(&path, "%s%s", path.len ? ", " : "", quote_identifier(lfirst(lc)));
	validate_add_problem(st, problem_make("module_path", ERRCODE_AMBIGUOUS_FUNCTION, node->display,
										  psprintf("%s %s does not mean in the query of frame %s what it means in module %s",
												   n == frame ? "the SELECT of frame" : "column expression",
												   node->display, fr->display,
												   quote_identifier(node->schema)),
										  psprintf("The frame's columns are computed by one query, which holds SQL of modules %s and runs with search_path %s, public (when safe), pg_temp. "
												   "There, a function, operator or type that %s names without a schema %s.",
												   path.data, path.data, node->display,
												   own == NULL ? "binds to another module's object, which its own module does not have" :
												   there == NULL ? "is not found" :
												   "binds to another module's object of that name"),
										  psprintf("Name it with its schema in the definition of %s (%s.f(...)), or rename the other module's object.",
												   node->display, quote_identifier(node->schema))));
}
