/*-------------------------------------------------------------------------
 *
 * incremental.c
 *	  What a run of incremental nodes needs: the inputs range_start and
 *	  range_end, which each batch gives (exec/incremental.c), and a caller
 *	  whose snapshot moves on.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"

#include "validate.h"

static bool is_range_name(const char *name);
static bool reads_input(HNode *node, Dag *dag, const char *name);

/* is_range_name: range_start or range_end? */
static bool
is_range_name(const char *name)
{
	return strcmp(name, INCR_RANGE_START) == 0 || strcmp(name, INCR_RANGE_END) == 0;
}

/* reads_input: does node depend on the input of that name? */
static bool
reads_input(HNode *node, Dag *dag, const char *name)
{
	int			d;

	for (d = 0; d < node->ndeps; d++)
	{
		HNode	   *t = &dag->nodes[node->deps[d].target];

		if (t->kind == HNODE_INPUT && strcmp(t->name, name) == 0)
			return true;
	}
	return false;
}

/*
 * validate_incremental_input handles input i when it is range_start or
 * range_end of an incremental node of the run: each batch gives it, so it
 * is neither missing nor to be given, and no other node may read it (its
 * value changes from batch to batch).  False for any other input, which
 * validate_input handles.
 */
bool
validate_incremental_input(ValidateState *st, int i)
{
	Dag		   *dag = st->dag;
	HNode	   *input = &dag->nodes[i];
	char	   *other = NULL;
	HNode	   *incremental = NULL;
	char	   *text;
	char		kind;
	int			k;

	if (!is_range_name(input->name))
		return false;
	for (k = dag->down_start[i]; k < dag->down_start[i + 1]; k++)
	{
		HNode	   *consumer = &dag->nodes[dag->down_list[k]];

		if (!st->in_closure[dag->down_list[k]] || st->overridden[dag->down_list[k]])
			continue;
		if (consumer->incremental)
			incremental = consumer;
		else
			other = consumer->display;
	}
	if (incremental == NULL)
		return false;
	st->has_value[i] = false;
	st->input_type[i] = incremental->incremental->by_time ? TIMESTAMPTZOID : INT8OID;
	if (other)
		validate_add_problem(st, problem_make("incremental_range_input", ERRCODE_INVALID_PARAMETER_VALUE, other,
											  psprintf("node %s reads input \"%s\" of incremental node %s", other,
													   input->name, incremental->display),
											  psprintf("\"%s\" is the range each batch of an incremental node processes; it has no value outside it.", input->name),
											  psprintf("Rename the input of %s.", other)));
	if (jsonb_object_get(st->plan->inputs, input->name, &text, &kind))
		validate_add_problem(st, problem_make("incremental_range_input", ERRCODE_INVALID_PARAMETER_VALUE, incremental->display,
											  psprintf("input \"%s\" cannot be given to incremental node %s", input->name,
													   incremental->display),
											  "Each run processes the ranges the node has not processed yet; their bounds come from the node's state.",
											  psprintf("Leave \"%s\" out of inputs; to compute a range again, use hamilton_restate('%s', from, to).",
													   input->name, incremental->display)));
	return true;
}

/*
 * validate_incremental_nodes checks the run's incremental nodes: each
 * reads both range_start and range_end (else every batch would read the
 * whole source: append would duplicate it), none is written into another
 * table, and the caller's snapshot moves on: a REPEATABLE READ or
 * SERIALIZABLE transaction would compute the bound with a snapshot that
 * cannot see rows committed below it, and skip them forever.
 */
void
validate_incremental_nodes(ValidateState *st)
{
	Dag		   *dag = st->dag;
	int			i;

	for (i = 0; i < dag->nnodes; i++)
	{
		HNode	   *node = &dag->nodes[i];

		if (!node->incremental || !st->in_closure[i] || st->overridden[i])
			continue;
		if (IsolationUsesXactSnapshot())
			validate_add_problem(st, problem_make("incremental_isolation", ERRCODE_INVALID_TRANSACTION_STATE, node->display,
												  psprintf("incremental node %s cannot run in a %s transaction", node->display,
														   IsolationIsSerializable() ? "SERIALIZABLE" : "REPEATABLE READ"),
												  "Its snapshot would not see rows committed after it began with ids or instants below the bound the run computes, and the node would skip them forever.",
												  "Run it in a READ COMMITTED transaction: BEGIN ISOLATION LEVEL READ COMMITTED, or outside an explicit transaction."));
		if (!reads_input(node, dag, INCR_RANGE_START) || !reads_input(node, dag, INCR_RANGE_END))
			validate_add_problem(st, problem_make("incremental_no_range", ERRCODE_INVALID_PARAMETER_VALUE, node->display,
												  psprintf("incremental node %s does not read range_start and range_end", node->display),
												  "Each batch gives the node the range it processes; a node that does not filter on it would read its whole source in every batch.",
												  node->kind == HNODE_QUERY ?
												  "Read them like scalar inputs: SELECT ... FROM src, range_start, range_end WHERE src.id BETWEEN range_start AND range_end." :
												  "Give the function the parameters range_start and range_end and filter on them."));
		if (st->plan->into_table && st->requested[i])
			validate_add_problem(st, problem_make("incremental_into_table", ERRCODE_INVALID_PARAMETER_VALUE, node->display,
												  psprintf("incremental node %s cannot be written into another table", node->display),
												  "An incremental node's result table is its state: the ranges it processed are in it.",
												  "Leave into_table out, and read the node's own table."));
	}
}
