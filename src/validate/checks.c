/*-------------------------------------------------------------------------
 *
 * checks.c
 *	  Can every check of the closure be evaluated?  Before any work, each
 *	  needed node's checks are matched against what the node yields in this
 *	  request: the columns they read must be there and their query must
 *	  analyse.  So is the key of a node refreshed concurrently.
 *
 * The definition refuses what it can know then (define/check_options.c);
 * what it cannot is known here: the shape of a SQL node that reads an
 * input (whose type comes with its value), and whatever changed since (a
 * function replaced, an upstream node redefined).  Each problem is a row
 * of hamilton_validate, and stops hamilton_execute before it starts.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "validate.h"

/*
 * validate_checks adds a problem for each needed node whose checks cannot
 * be evaluated on what it yields, or whose refresh it cannot do
 * (dag_refresh_problem).  An overridden node's checks run only
 * when it is requested (on the override's copy), so only then are they
 * checked.
 */
void
validate_checks(ValidateState *st)
{
	Dag		   *dag = st->dag;
	DagShapes  *sh = NULL;
	int			i;

	for (i = 0; i < dag->nnodes; i++)
	{
		HProblem   *p;

		if (!st->in_closure[i] || (st->overridden[i] && !st->requested[i]))
			continue;
		if (dag->nodes[i].checks == NULL && !dag->nodes[i].concurrent)
			continue;
		CHECK_FOR_INTERRUPTS();
		if (sh == NULL)
			sh = validate_request_shapes(st);
		p = dag->nodes[i].checks ? dag_checks_node_problem(sh, i, NULL) : NULL;
		if (p)
			validate_add_problem(st, p);
		/* a node refreshed concurrently: its key, among what it yields */
		p = dag_refresh_problem(sh, i);
		if (p)
			validate_add_problem(st, p);
	}
}

/*
 * validate_request_shapes: the shapes as this request knows them: an input
 * given a value has that value's type, an override stands for its node.
 */
DagShapes *
validate_request_shapes(ValidateState *st)
{
	Dag		   *dag = st->dag;
	DagShapes  *sh = dag_shapes_create(dag);
	int			i;

	for (i = 0; i < dag->nnodes; i++)
	{
		HNode	   *node = &dag->nodes[i];

		if (!st->in_closure[i])
			continue;
		if (st->overridden[i] && st->override_relation[i])
			sh->relation[i] = st->override_relation[i];
		else if (st->overridden[i] && st->override_literal[i])
			sh->value_type[i] = OidIsValid(node->rettype) ? node->rettype :
				value_default_type(st->value_kind[i]);
		else if (node->kind == HNODE_INPUT && st->has_value[i] && st->input_literal[i])
			sh->value_type[i] = st->input_type[i];
	}
	return sh;
}
