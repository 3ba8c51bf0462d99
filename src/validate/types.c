/*-------------------------------------------------------------------------
 *
 * types.c
 *	  A needed node's own problems, and the types on its parameter edges:
 *	  what a producer yields must fit the consumer's parameter.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "parser/parse_coerce.h"
#include "utils/builtins.h"

#include "validate.h"

static void check_param_edge(ValidateState *st, HNode *consumer, HDep *dep);

/*
 * validate_node reports a needed node's own problems and checks the types on
 * its parameter edges.
 */
void
validate_node(ValidateState *st, int i)
{
	HNode	   *node = &st->dag->nodes[i];
	ListCell   *lc;
	int			d;

	if (st->overridden[i])
		return;
	foreach(lc, node->problems)
		validate_add_problem(st, lfirst(lc));
	for (d = 0; d < node->ndeps; d++)
		if (node->deps[d].via == VIA_PARAM)
			check_param_edge(st, node, &node->deps[d]);
}

/*
 * check_param_edge checks that what a producer yields fits the consumer's
 * parameter: a relation goes to a regclass parameter, a value to a
 * parameter of its type (or one it casts to implicitly).
 */
static void
check_param_edge(ValidateState *st, HNode *consumer, HDep *dep)
{
	HNode	   *producer = &st->dag->nodes[dep->target];
	HParam	   *param = &consumer->params[dep->index];
	Oid			want = param->type;
	Oid			have;

	if (producer->kind == HNODE_INPUT)
		return;					/* checked with the input's value */
	if (producer->kind == HNODE_COLUMN && want == REGCLASSOID)
		return;					/* a column read as a table: key + column */

	if (dag_yields_relation(producer))
	{
		if (want == REGCLASSOID)
			return;
		validate_add_problem(st, problem_make("type_mismatch", ERRCODE_DATATYPE_MISMATCH, consumer->display,
									 psprintf("parameter \"%s\" of %s has type %s, but node %s is a table",
											  param->name, consumer->display, format_type_be(want),
											  producer->display),
									 "A table node's result is a relation, which only a regclass parameter can receive.",
									 psprintf("Declare the parameter as \"%s regclass\" to receive the relation that holds %s's result.",
											  param->name, producer->display)));
		return;
	}

	have = producer->rettype;
	if (have == want || !OidIsValid(have))
		return;					/* an expression's type is known when it runs */
	if (want == REGCLASSOID)
	{
		validate_add_problem(st, problem_make("type_mismatch", ERRCODE_DATATYPE_MISMATCH, consumer->display,
									 psprintf("parameter \"%s\" of %s expects a relation (regclass), but node %s returns %s",
											  param->name, consumer->display, producer->display,
											  format_type_be(have)),
									 "Only a table node (a SQL node or a set-returning function) yields a relation.",
									 "A regclass parameter receives an upstream table node's result; give the parameter the type of the value instead."));
		return;
	}
	if (can_coerce_type(1, &have, &want, COERCION_IMPLICIT))
		return;
	validate_add_problem(st, problem_make("type_mismatch", ERRCODE_DATATYPE_MISMATCH, consumer->display,
								 psprintf("parameter \"%s\" of %s has type %s, but node %s returns %s",
										  param->name, consumer->display, format_type_be(want),
										  producer->display, format_type_be(have)),
								 "There is no implicit cast between the two types.",
								 psprintf("Change the parameter to %s, or the producer's return type to %s.",
										  format_type_be(have), format_type_be(want))));
}
