/*-------------------------------------------------------------------------
 *
 * validate.c
 *	  Everything hamilton_execute checks before any work runs, and the
 *	  order it then runs in.
 *
 * plan_validate walks the upstream closure of the requested outputs (an
 * override cuts it), checks every node, edge, input and override in it, and
 * sorts it topologically with deterministic ties (by node name).  It never
 * stops at the first problem: all of them are collected, so one error (or
 * one hamilton_validate listing) tells the user everything to fix.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"

#include "catalog.h"
#include "plan.h"

typedef struct ValidateState
{
	HPlan	   *plan;
	Dag		   *dag;
	bool	   *in_closure;
	bool	   *overridden;
	bool	   *requested;
	int		   *request_pos;
	char	  **value_text;		/* input or override values by node */
	char	   *value_kind;
	bool	   *has_value;
	char	  **override_relation;
	char	  **override_literal;
	Oid		   *input_type;
	char	  **input_literal;	/* the input as a literal of input_type */
	List	   *problems;
} ValidateState;

static void check_outputs(ValidateState *st, List *outputs);
static void check_column_outputs(ValidateState *st);
static HProblem *unmatched_variant(Dag *dag, const char *name);
static void check_overrides(ValidateState *st);
static void check_input_names(ValidateState *st);
static void walk_closure(ValidateState *st, List *output_idx);
static void check_node(ValidateState *st, int i);
static void check_input(ValidateState *st, int i, StringInfo missing_detail,
						List **missing);
static void check_param_edge(ValidateState *st, HNode *consumer, HDep *dep);
static void note_consumer(StringInfo buf, int *count, const char *display);

/* How many names a problem lists before it says "and N more". */
#define MAX_LISTED 10
static void add_problem(ValidateState *st, HProblem *p);

/*
 * plan_validate returns the plan for a request, with plan->problems set
 * when it cannot run.  Only steps are built when there are no problems.
 */
HPlan *
plan_validate(Dag *dag, List *outputs, Jsonb *inputs, Jsonb *overrides,
			  Jsonb *config, const char *into_table)
{
	ValidateState st;
	HPlan	   *plan = palloc0(sizeof(HPlan));
	int			n = dag->nnodes;
	int		   *order;
	int			count,
				nclosure = 0,
				i;
	HProblem   *cycle;
	List	   *output_idx = NIL;
	List	   *missing = NIL;
	StringInfoData missing_detail;

	plan->dag = dag;
	plan->output_names = outputs;
	plan->inputs = inputs;
	plan->overrides = overrides;
	plan->config = config;
	plan->into_table = into_table;

	memset(&st, 0, sizeof(st));
	st.plan = plan;
	st.dag = dag;
	st.in_closure = palloc0(sizeof(bool) * Max(n, 1));
	st.overridden = palloc0(sizeof(bool) * Max(n, 1));
	st.requested = palloc0(sizeof(bool) * Max(n, 1));
	st.request_pos = palloc0(sizeof(int) * Max(n, 1));
	st.value_text = palloc0(sizeof(char *) * Max(n, 1));
	st.value_kind = palloc0(sizeof(char) * Max(n, 1));
	st.has_value = palloc0(sizeof(bool) * Max(n, 1));
	st.override_relation = palloc0(sizeof(char *) * Max(n, 1));
	st.override_literal = palloc0(sizeof(char *) * Max(n, 1));
	st.input_type = palloc0(sizeof(Oid) * Max(n, 1));
	st.input_literal = palloc0(sizeof(char *) * Max(n, 1));

	(void) jsonb_object_keys_list(config, "config");
	check_outputs(&st, outputs);
	check_overrides(&st);
	check_input_names(&st);

	for (i = 0; i < n; i++)
		if (st.requested[i])
			output_idx = lappend_int(output_idx, i);
	walk_closure(&st, output_idx);
	dag_build_downstream(dag);
	check_column_outputs(&st);

	initStringInfo(&missing_detail);
	for (i = 0; i < n; i++)
	{
		if (!st.in_closure[i])
			continue;
		nclosure++;
		if (dag->nodes[i].kind == HNODE_INPUT)
			check_input(&st, i, &missing_detail, &missing);
		else
			check_node(&st, i);
	}
	if (missing != NIL)
	{
		StringInfoData names,
					example;
		ListCell   *lc;
		int			k = 0;

		/* name them all up to a point; thousands help nobody */
		initStringInfo(&names);
		initStringInfo(&example);
		foreach(lc, missing)
		{
			if (k++ == MAX_LISTED)
			{
				appendStringInfo(&names, " and %d more", list_length(missing) - MAX_LISTED);
				break;
			}
			appendStringInfo(&names, "%s%s", names.len ? ", " : "", (char *) lfirst(lc));
			appendStringInfo(&example, "%s\"%s\": ...", example.len ? ", " : "", (char *) lfirst(lc));
		}
		add_problem(&st, problem_make("missing_input", ERRCODE_UNDEFINED_PARAMETER, NULL,
									  psprintf("missing input%s: %s", list_length(missing) > 1 ? "s" : "", names.data),
									  missing_detail.data,
									  psprintf("Pass %s in inputs => '{%s}'.",
											   list_length(missing) > 1 ? "them" : "it", example.data)));
	}

	order = dag_order(dag, st.in_closure, st.overridden, nclosure, &count, &cycle);
	if (cycle)
		add_problem(&st, cycle);
	plan->problems = st.problems;
	if (st.problems != NIL)
		return plan;

	/* Build the steps, in order. */
	plan->nsteps = count;
	plan->steps = palloc0(sizeof(PlanStep) * Max(count, 1));
	plan->step_of_node = palloc(sizeof(int) * Max(n, 1));
	for (i = 0; i < n; i++)
		plan->step_of_node[i] = -1;
	for (i = 0; i < count; i++)
	{
		PlanStep   *step = &plan->steps[i];
		int			idx = order[i];

		plan->step_of_node[idx] = i;
		step->node = idx;
		step->requested = st.requested[idx];
		step->request_pos = st.request_pos[idx];
		step->group = -1;
		step->inline_into = -1;
		if (st.overridden[idx])
		{
			step->action = STEP_OVERRIDE;
			step->json_text = st.value_text[idx];
			step->json_kind = st.value_kind[idx];
			step->relation = st.override_relation[idx];
			step->literal = st.override_literal[idx];
			step->valtype = dag->nodes[idx].rettype;
		}
		else if (dag->nodes[idx].kind == HNODE_INPUT)
		{
			step->action = STEP_INPUT;
			step->json_text = st.value_text[idx];
			step->json_kind = st.has_value[idx] ? st.value_kind[idx] : 0;
			step->valtype = st.input_type[idx];
			step->literal = st.input_literal[idx];
		}
	}
	/* Count each step's consumers within the plan. */
	for (i = 0; i < count; i++)
	{
		HNode	   *node = &dag->nodes[plan->steps[i].node];
		int			d;

		if (plan->steps[i].action == STEP_OVERRIDE)
			continue;
		for (d = 0; d < node->ndeps; d++)
		{
			int			t = plan->step_of_node[node->deps[d].target];
			int			e;
			bool		seen = false;

			for (e = 0; e < d; e++)
				if (node->deps[e].target == node->deps[d].target)
					seen = true;
			if (!seen)
				plan->steps[t].nconsumers++;
		}
	}
	return plan;
}

static void
add_problem(ValidateState *st, HProblem *p)
{
	st->problems = lappend(st->problems, p);
}

/* check_outputs resolves the requested outputs. */
static void
check_outputs(ValidateState *st, List *outputs)
{
	ListCell   *lc;

	if (outputs == NIL)
		add_problem(st, problem_make("no_outputs", ERRCODE_INVALID_PARAMETER_VALUE, NULL,
									 "no outputs requested",
									 "outputs is an empty array.",
									 "Name the nodes to compute, e.g. hamilton_execute(ARRAY['forecast'])."));
	foreach(lc, outputs)
	{
		HProblem   *p;
		int			idx = dag_resolve_name(st->dag, (char *) lfirst(lc), &p, "output");

		if (idx < 0)
		{
			HProblem   *v = unmatched_variant(st->dag, (char *) lfirst(lc));

			add_problem(st, v ? v : p);
			continue;
		}
		if (!st->requested[idx])
			st->request_pos[idx] = foreach_current_index(lc);
		st->requested[idx] = true;
	}
}

/*
 * unmatched_variant: the problem that explains why a name is not a node in
 * this config (its variants all want another config), or NULL.
 */
static HProblem *
unmatched_variant(Dag *dag, const char *name)
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
		if (strcmp(pn, bare) == 0 && (schema == NULL || strcmp(ps, schema) == 0))
			return p;
	}
	return NULL;
}

/*
 * check_column_outputs: requested columns collected into one table
 * (into_table) must come from one frame and have distinct names.
 */
static void
check_column_outputs(ValidateState *st)
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
				add_problem(st, problem_make("duplicate_column", ERRCODE_DUPLICATE_COLUMN, node->display,
											 psprintf("into_table would have two columns named \"%s\"", node->name),
											 psprintf("Both %s and %s are requested.", dag->nodes[j].display, node->display),
											 "Request one of them, or collect them in two calls."));
		}
		if (first < 0)
		{
			first = i;
			continue;
		}
		if (node->frame != dag->nodes[first].frame)
		{
			add_problem(st, problem_make("frames_mixed", ERRCODE_INVALID_PARAMETER_VALUE, node->display,
										 psprintf("into_table collects columns of frames %s and %s",
												  dag->nodes[dag->nodes[first].frame].display,
												  dag->nodes[node->frame].display),
										 psprintf("%s belongs to frame %s and %s to frame %s; their rows are not lined up.",
												  dag->nodes[first].display, dag->nodes[dag->nodes[first].frame].display,
												  node->display, dag->nodes[node->frame].display),
										 "Request the columns of each frame in its own call, or join the sources in one frame."));
			return;
		}
	}
	if (first < 0)
	{
		add_problem(st, problem_make("into_table_unused", ERRCODE_INVALID_PARAMETER_VALUE, NULL,
									 psprintf("into_table %s collects column nodes, but no column node is requested",
											  st->plan->into_table),
									 "into_table gathers the requested columns of one frame into one table (key + columns).",
									 "Request column nodes, or leave into_table out: table nodes are materialized under their own names."));
		return;
	}
	if (ncolumns + dag->nodes[dag->nodes[first].frame].nkey > MaxHeapAttributeNumber)
		add_problem(st, problem_make("too_many_columns", ERRCODE_TOO_MANY_COLUMNS, NULL,
									 psprintf("into_table would have %d columns",
											  ncolumns + dag->nodes[dag->nodes[first].frame].nkey),
									 psprintf("A PostgreSQL table holds at most %d columns (the key counts).",
											  MaxHeapAttributeNumber),
									 "Collect the columns in several calls, or leave into_table out: each column then gets its own table."));
	if (schema == NULL)
		schema = dag->nodes[dag->nodes[first].frame].schema;
	if (dag_find_qualified(dag, schema, name) >= 0)
		add_problem(st, problem_make("into_table_is_node", ERRCODE_DUPLICATE_TABLE, NULL,
									 psprintf("into_table %s is the result table of node %s",
											  quote_qualified_identifier(schema, name),
											  dag->nodes[dag_find_qualified(dag, schema, name)].display),
									 "Each node's result table is its own.",
									 "Choose a name that no node has, e.g. 'features'."));
}

/*
 * check_overrides resolves overridden nodes and checks their values: a
 * table node is replaced by an existing relation, a scalar by a value of its
 * type.
 */
static void
check_overrides(ValidateState *st)
{
	List	   *keys = jsonb_object_keys_list(st->plan->overrides, "overrides");
	ListCell   *lc;

	foreach(lc, keys)
	{
		char	   *key = lfirst(lc);
		HProblem   *p;
		int			idx = dag_resolve_name(st->dag, key, &p, "override");
		HNode	   *node;
		char	   *text;
		char		kind;
		char	   *error;

		if (idx < 0)
		{
			add_problem(st, p);
			continue;
		}
		node = &st->dag->nodes[idx];
		if (node->kind == HNODE_COLUMN && node->frame >= 0)
		{
			add_problem(st, problem_make("bad_override", ERRCODE_FEATURE_NOT_SUPPORTED, node->display,
										 psprintf("column node %s cannot be overridden", node->display),
										 psprintf("Its values line up with the rows of frame %s, which an override would not have.",
												  st->dag->nodes[node->frame].display),
										 psprintf("Override the frame with a relation holding its key and columns: overrides => '{\"%s\": \"schema.table\"}'.",
												  st->dag->nodes[node->frame].name)));
			continue;
		}
		(void) jsonb_object_get(st->plan->overrides, key, &text, &kind);
		st->overridden[idx] = true;
		st->value_text[idx] = text;
		st->value_kind[idx] = kind;

		if (dag_yields_relation(node))
		{
			Oid			rel = InvalidOid;

			if (kind == JSON_KIND_STRING)
			{
				List	   *names = stringToQualifiedNameList(text);

				rel = RangeVarGetRelid(makeRangeVarFromNameList(names), NoLock, true);
			}
			if (!OidIsValid(rel))
			{
				add_problem(st, problem_make("bad_override", ERRCODE_UNDEFINED_TABLE, node->display,
											 psprintf("override of table node %s must name an existing relation", node->display),
											 kind == JSON_KIND_STRING ? psprintf("Relation \"%s\" does not exist.", text)
											 : psprintf("It is %s.", text ? text : "null"),
											 psprintf("Write overrides => '{\"%s\": \"schema.table\"}'.", node->name)));
				continue;
			}
			st->override_relation[idx] =
				quote_qualified_identifier(get_namespace_name(get_rel_namespace(rel)),
										   get_rel_name(rel));
		}
		else
		{
			/* a column expression's type is known only when it runs */
			Oid			type = OidIsValid(node->rettype) ? node->rettype : value_default_type(kind);

			if (!value_literal(text, kind, type, &st->override_literal[idx], &error))
				add_problem(st, problem_make("bad_override", ERRCODE_DATATYPE_MISMATCH, node->display,
											 psprintf("override of %s is not a valid %s", node->display,
													  format_type_be(type)),
											 error,
											 psprintf("Node %s returns %s; give a value of that type%s.",
													  node->display, format_type_be(type),
													  node->kind == HNODE_COLUMN ? " (a column node takes one value for every row)" : "")));
		}
	}
}

/*
 * check_input_names refuses inputs named like a node: replacing a node's
 * value is what overrides are for, and silently preferring one would hide a
 * mistake.
 */
static void
check_input_names(ValidateState *st)
{
	List	   *keys = jsonb_object_keys_list(st->plan->inputs, "inputs");
	ListCell   *lc;

	foreach(lc, keys)
	{
		char	   *key = lfirst(lc);
		HProblem   *p;
		int			idx;

		if (dag_find_input(st->dag, key) >= 0)
			continue;
		if (strchr(key, '.') == NULL && strchr(key, '"') == NULL)
		{
			idx = dag_resolve_name(st->dag, quote_identifier(key), &p, "input");
			if (idx >= 0)
				add_problem(st, problem_make("input_is_node", ERRCODE_INVALID_PARAMETER_VALUE,
											 st->dag->nodes[idx].display,
											 psprintf("input \"%s\" names node %s", key, st->dag->nodes[idx].display),
											 "Inputs supply names that no node computes.",
											 psprintf("To replace the node's value, pass overrides => '{\"%s\": ...}'.", key)));
		}
	}
}

/*
 * walk_closure marks every node the outputs need, breadth first with an
 * explicit queue.  An overridden node is needed, its upstream is not.
 */
static void
walk_closure(ValidateState *st, List *output_idx)
{
	int			n = st->dag->nnodes;
	int		   *queue = palloc(sizeof(int) * Max(n, 1));
	int			head = 0,
				tail = 0;
	ListCell   *lc;

	foreach(lc, output_idx)
	{
		int			i = lfirst_int(lc);

		if (!st->in_closure[i])
		{
			st->in_closure[i] = true;
			queue[tail++] = i;
		}
	}
	while (head < tail)
	{
		int			i = queue[head++];
		HNode	   *node = &st->dag->nodes[i];
		int			d;

		CHECK_FOR_INTERRUPTS();
		if (st->overridden[i])
			continue;
		for (d = 0; d < node->ndeps; d++)
		{
			int			t = node->deps[d].target;

			if (!st->in_closure[t])
			{
				st->in_closure[t] = true;
				queue[tail++] = t;
			}
		}
	}
	pfree(queue);
}

/*
 * check_node reports a needed node's own problems and checks the types on
 * its parameter edges.
 */
static void
check_node(ValidateState *st, int i)
{
	HNode	   *node = &st->dag->nodes[i];
	ListCell   *lc;
	int			d;

	if (st->overridden[i])
		return;
	foreach(lc, node->problems)
		add_problem(st, lfirst(lc));
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
		add_problem(st, problem_make("type_mismatch", ERRCODE_DATATYPE_MISMATCH, consumer->display,
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
		add_problem(st, problem_make("type_mismatch", ERRCODE_DATATYPE_MISMATCH, consumer->display,
									 psprintf("parameter \"%s\" of %s expects a relation (regclass), but node %s returns %s",
											  param->name, consumer->display, producer->display,
											  format_type_be(have)),
									 "Only a table node (a SQL node or a set-returning function) yields a relation.",
									 "A regclass parameter receives an upstream table node's result; give the parameter the type of the value instead."));
		return;
	}
	if (can_coerce_type(1, &have, &want, COERCION_IMPLICIT))
		return;
	add_problem(st, problem_make("type_mismatch", ERRCODE_DATATYPE_MISMATCH, consumer->display,
								 psprintf("parameter \"%s\" of %s has type %s, but node %s returns %s",
										  param->name, consumer->display, format_type_be(want),
										  producer->display, format_type_be(have)),
								 "There is no implicit cast between the two types.",
								 psprintf("Change the parameter to %s, or the producer's return type to %s.",
										  format_type_be(have), format_type_be(want))));
}

/*
 * check_input finds an input's value (inputs first, then config) and checks
 * it against every parameter that receives it.  An input nobody needs
 * without a default may stay absent: those parameters keep their defaults.
 */
static void
check_input(ValidateState *st, int i, StringInfo missing_detail, List **missing)
{
	Dag		   *dag = st->dag;
	HNode	   *input = &dag->nodes[i];
	char	   *text = NULL;
	char		kind = 0;
	bool		found;
	int			k;
	StringInfoData needed_by;
	int			nconsumers;
	Oid			first_param_type = InvalidOid;

	found = jsonb_object_get(st->plan->inputs, input->name, &text, &kind);
	if (!found)
		found = jsonb_object_get(st->plan->config, input->name, &text, &kind);
	st->has_value[i] = found;
	st->value_text[i] = text;
	st->value_kind[i] = kind;

	initStringInfo(&needed_by);
	nconsumers = 0;
	for (k = dag->down_start[i]; k < dag->down_start[i + 1]; k++)
	{
		int			c = dag->down_list[k];
		HNode	   *consumer = &dag->nodes[c];
		int			d;

		if (!st->in_closure[c] || st->overridden[c])
			continue;
		for (d = 0; d < consumer->ndeps; d++)
		{
			HDep	   *dep = &consumer->deps[d];
			char	   *literal,
					   *error;

			if (dep->target != i)
				continue;
			if (dep->via == VIA_PARAM)
			{
				HParam	   *param = &consumer->params[dep->index];

				if (!OidIsValid(first_param_type))
					first_param_type = param->type;
				if (!found)
				{
					if (!param->has_default)
						note_consumer(&needed_by, &nconsumers, consumer->display);
					continue;
				}
				if (value_literal(text, kind, param->type, &literal, &error))
				{
					if (param->type == first_param_type && st->input_literal[i] == NULL)
						st->input_literal[i] = literal;
				}
				else
					add_problem(st, problem_make("bad_input_value", ERRCODE_DATATYPE_MISMATCH, consumer->display,
												 psprintf("input \"%s\" is not a valid %s for parameter \"%s\" of %s",
														  input->name, format_type_be(param->type),
														  param->name, consumer->display),
												 error,
												 psprintf("Pass a value of type %s in inputs => '{\"%s\": ...}'.",
														  format_type_be(param->type), input->name)));
			}
			else if (!found)
				note_consumer(&needed_by, &nconsumers, consumer->display);
		}
	}
	if (!found && needed_by.len > 0 && unmatched_variant(dag, input->name))
	{
		add_problem(st, unmatched_variant(dag, input->name));
		needed_by.len = 0;
	}
	if (!found && needed_by.len > 0)
	{
		*missing = lappend(*missing, input->name);
		if (nconsumers > MAX_LISTED)
			appendStringInfo(&needed_by, " and %d more", nconsumers - MAX_LISTED);
		if (list_length(*missing) <= MAX_LISTED)
			appendStringInfo(missing_detail, "%sInput \"%s\" is needed by %s.",
							 missing_detail->len ? " " : "", input->name, needed_by.data);
	}
	st->input_type[i] = OidIsValid(first_param_type) ? first_param_type :
		value_default_type(kind);
	/* read only by SQL nodes: the type its JSON kind suggests always takes it */
	if (found && st->input_literal[i] == NULL && !OidIsValid(first_param_type))
	{
		char	   *error;

		(void) value_literal(text, kind, st->input_type[i], &st->input_literal[i], &error);
	}
}

/* note_consumer adds a consumer to a bounded list of names. */
static void
note_consumer(StringInfo buf, int *count, const char *display)
{
	if ((*count)++ < MAX_LISTED)
		appendStringInfo(buf, "%s%s", buf->len ? ", " : "", display);
}
