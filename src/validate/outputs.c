/*-------------------------------------------------------------------------
 *
 * outputs.c
 *	  The requested outputs: each one a node (with a suggestion when it is
 *	  not), and the columns collected into one table with into_table.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"

#include "validate.h"

static bool variant_could_bind(Dag *dag, const char *schema, const char *consumer_module);

/* validate_outputs resolves the requested outputs. */
void
validate_outputs(ValidateState *st, List *outputs)
{
	ListCell   *lc;

	if (outputs == NIL)
		validate_add_problem(st, problem_make("no_outputs", ERRCODE_INVALID_PARAMETER_VALUE, NULL,
									 "no outputs requested",
									 "outputs is an empty array.",
									 "Name the nodes to compute, e.g. hamilton_execute(ARRAY['forecast'])."));
	foreach(lc, st->dag->ns_problems)
		validate_add_problem(st, lfirst(lc));
	foreach(lc, outputs)
	{
		HProblem   *p;
		int			idx = dag_resolve_output(st->dag, (char *) lfirst(lc), &p, "output");

		if (idx < 0)
		{
			HProblem   *v = validate_unmatched_variant(st->dag, (char *) lfirst(lc), NULL);

			validate_add_problem(st, v ? v : p);
			continue;
		}
		if (!st->requested[idx])
			st->request_pos[idx] = foreach_current_index(lc);
		st->requested[idx] = true;
	}
}

/*
 * validate_unmatched_variant: the problem that explains why a name is not a node in
 * this config (its variants all want another config), or NULL.  A bare
 * name that a node of consumer_module reads is explained only by a node it
 * could have bound: of its module, or (in a run) of the run's modules.  A
 * bare output (consumer_module NULL) by any, unless modules => was given.
 */
HProblem *
validate_unmatched_variant(Dag *dag, const char *name, const char *consumer_module)
{
	ListCell   *lc;
	char	   *schema,
			   *bare;

	parse_node_name(name, &schema, &bare, false);
	foreach(lc, dag->unmatched)
	{
		HProblem   *p = lfirst(lc);
		char	   *ps,
				   *pn;

		parse_node_name(p->node, &ps, &pn, false);
		if (strcmp(pn, bare) != 0 || (schema != NULL && strcmp(ps, schema) != 0))
			continue;
		if (schema == NULL && !variant_could_bind(dag, ps, consumer_module))
			continue;
		return p;
	}
	return NULL;
}

/*
 * variant_could_bind: could a bare name read by a node of consumer_module
 * (NULL: a requested output) have meant a node of module schema?
 */
static bool
variant_could_bind(Dag *dag, const char *schema, const char *consumer_module)
{
	bool		run = dag->request.mode == NS_RUN;

	if (dag->request.mode == NS_GLOBAL)
		return true;
	if (consumer_module == NULL)
		return !(run && dag->request.modules_given) || dag_module_position(dag, schema) >= 0;
	if (strcmp(schema, consumer_module) == 0)
		return true;
	return run && dag_module_position(dag, schema) >= 0 &&
		dag_module_position(dag, consumer_module) >= 0;
}

/*
 * validate_column_outputs: requested columns collected into one table
 * (into_table) must come from one frame and have distinct names.
 */
void
validate_column_outputs(ValidateState *st)
{
	Dag		   *dag = st->dag;
	int			first = -1,
				i,
				j;
	char	   *schema,
			   *name;

	HTAB	   *names;
	HASHCTL		ctl;
	int			ncolumns = 0;

	if (st->plan->into_table == NULL)
		return;
	parse_node_name(st->plan->into_table, &schema, &name, false);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = NAMEDATALEN + sizeof(int);
	ctl.hcxt = CurrentMemoryContext;
	names = hash_create("hamilton into_table columns", 256, &ctl,
						HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	for (i = 0; i < dag->nnodes; i++)
	{
		HNode	   *node = &dag->nodes[i];

		if (!st->requested[i] || st->overridden[i] || node->kind != HNODE_COLUMN || node->frame < 0)
			continue;
		ncolumns++;
		{
			bool		found;
			char	   *entry = hash_search(names, node->name, HASH_ENTER, &found);

			if (found)
				j = *(int *) (entry + NAMEDATALEN);
			else
				*(int *) (entry + NAMEDATALEN) = i;
			if (found)
				validate_add_problem(st, problem_make("duplicate_column", ERRCODE_DUPLICATE_COLUMN, node->display,
											 psprintf("into_table would have two columns named \"%s\"", node->name),
											 psprintf("Both %s and %s are requested.", dag->nodes[j].display, node->display),
											 "Request one of them, or collect them in two calls."));
		}
		if (first < 0)
		{
			first = i;
			continue;
		}
		/* (frames) frames of one key are joined on it (plan/frame_groups.c) */
		if (node->frame != dag->nodes[first].frame &&
			dag_frame_keys_differ(dag, dag->nodes[first].frame, node->frame) != NULL)
		{
			validate_add_problem(st, problem_make("frames_mixed", ERRCODE_INVALID_PARAMETER_VALUE, node->display,
										 psprintf("into_table collects columns of frames %s and %s",
												  dag->nodes[dag->nodes[first].frame].display,
												  dag->nodes[node->frame].display),
										 psprintf("%s belongs to frame %s and %s to frame %s; their rows are lined up by a join on the key only when the keys are the same: %s.",
												  dag->nodes[first].display, dag->nodes[dag->nodes[first].frame].display,
												  node->display, dag->nodes[node->frame].display,
												  dag_frame_keys_differ(dag, dag->nodes[first].frame, node->frame)),
										 "Request the columns of each frame in its own call, give both frames the same key, or join the sources in one frame."));
			return;
		}
	}
	if (first < 0)
	{
		validate_add_problem(st, problem_make("into_table_unused", ERRCODE_INVALID_PARAMETER_VALUE, NULL,
									 psprintf("into_table %s collects column nodes, but no column node is requested",
											  st->plan->into_table),
									 "into_table gathers the requested columns of one frame into one table (key + columns).",
									 "Request column nodes, or leave into_table out: table nodes are materialized under their own names."));
		return;
	}
	if (ncolumns + dag->nodes[dag->nodes[first].frame].nkey > MaxHeapAttributeNumber)
		validate_add_problem(st, problem_make("too_many_columns", ERRCODE_TOO_MANY_COLUMNS, NULL,
									 psprintf("into_table would have %d columns",
											  ncolumns + dag->nodes[dag->nodes[first].frame].nkey),
									 psprintf("A PostgreSQL table holds at most %d columns (the key counts).",
											  MaxHeapAttributeNumber),
									 "Collect the columns in several calls, or leave into_table out: each column then gets its own table."));
	if (schema == NULL)
		schema = dag->nodes[dag->nodes[first].frame].schema;
	if (dag_find_qualified(dag, schema, name) >= 0)
		validate_add_problem(st, problem_make("into_table_is_node", ERRCODE_DUPLICATE_TABLE, NULL,
									 psprintf("into_table %s is the result table of node %s",
											  quote_qualified_identifier(schema, name),
											  dag->nodes[dag_find_qualified(dag, schema, name)].display),
									 "Each node's result table is its own.",
									 "Choose a name that no node has, e.g. 'features'."));
}
