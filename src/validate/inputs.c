/*-------------------------------------------------------------------------
 *
 * inputs.c
 *	  Inputs and overrides: every input a needed node reads has a value of
 *	  the type that reads it, and every override names a node and fits it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/varlena.h"

#include "validate.h"

/*
 * The last conversion of an input's value to a parameter's type: every
 * consumer of an input with a parameter of the same type gets the same
 * answer (thousands of consumers, often one type).
 */
typedef struct LiteralMemo
{
	Oid			type;
	bool		ok;
	char	   *literal;
	char	   *error;
} LiteralMemo;

static bool value_literal_memo(LiteralMemo *memo, const char *text, char kind, Oid type,
							   char **literal, char **error);
static void note_consumer(StringInfo buf, int *count, const char *display);
static HProblem *unmatched_variant_of_input(ValidateState *st, int i);
static void note_public_relation(ValidateState *st, const char *name, StringInfo detail);

/*
 * validate_object_argument: inputs, overrides and config are JSON objects
 * (or absent); anything else is a problem, reported with the others.
 */
bool
validate_object_argument(ValidateState *st, Jsonb *arg, const char *what)
{
	if (arg == NULL || JB_ROOT_IS_OBJECT(arg))
		return true;
	validate_add_problem(st, problem_make("bad_argument", ERRCODE_INVALID_PARAMETER_VALUE, NULL,
										  psprintf("%s must be a JSON object", what),
										  psprintf("It is %s.", jsonb_text(arg)),
										  psprintf("Write %s as '{\"name\": value, ...}'.", what)));
	return false;
}

/*
 * validate_overrides resolves overridden nodes and checks their values: a
 * table node is replaced by an existing relation, a scalar by a value of its
 * type.
 */
void
validate_overrides(ValidateState *st)
{
	List	   *keys;
	ListCell   *lc;

	if (!validate_object_argument(st, st->plan->overrides, "overrides"))
		return;
	keys = jsonb_object_keys_list(st->plan->overrides, "overrides");
	foreach(lc, keys)
	{
		char	   *key = lfirst(lc);
		HProblem   *p;
		int			idx;
		HNode	   *node;
		char	   *text;
		char		kind;
		char	   *error;

		if (!node_name_is_valid(key))
		{
			validate_add_problem(st, problem_make("bad_override", ERRCODE_INVALID_NAME, NULL,
												  psprintf("override \"%s\" is not a node name", key),
												  "A node name is module.name or name.",
												  "Quote parts that contain dots or spaces: '\"my schema\".node'."));
			continue;
		}
		idx = dag_resolve_name(st->dag, key, &p, "override");
		if (idx < 0)
		{
			validate_add_problem(st, p);
			continue;
		}
		node = &st->dag->nodes[idx];
		if (node->kind == HNODE_COLUMN && node->frame >= 0)
		{
			validate_add_problem(st, problem_make("bad_override", ERRCODE_FEATURE_NOT_SUPPORTED, node->display,
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
			char	   *detail = NULL;
			HProblem   *untrusted = NULL;

			if (kind == JSON_KIND_STRING)
				rel = validate_named_relation(st, node, text,
											  psprintf("override of %s names \"%s\"", node->display, text),
											  "overrides", node->name, &detail, &untrusted);
			if (untrusted)
			{
				validate_add_problem(st, untrusted);
				continue;
			}
			if (!OidIsValid(rel))
			{
				validate_add_problem(st, problem_make("bad_override", ERRCODE_UNDEFINED_TABLE, node->display,
											 psprintf("override of table node %s must name an existing relation", node->display),
											 kind == JSON_KIND_STRING ? detail
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
				validate_add_problem(st, problem_make("bad_override", ERRCODE_DATATYPE_MISMATCH, node->display,
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
 * validate_input_names refuses inputs named like a node: replacing a node's
 * value is what overrides are for, and silently preferring one would hide a
 * mistake.
 */
void
validate_input_names(ValidateState *st)
{
	List	   *keys;
	ListCell   *lc;

	if (!validate_object_argument(st, st->plan->inputs, "inputs"))
		return;
	keys = jsonb_object_keys_list(st->plan->inputs, "inputs");
	foreach(lc, keys)
	{
		char	   *key = lfirst(lc);
		HProblem   *p;
		int			idx;

		if (dag_find_input(st->dag, key) >= 0)
			continue;
		if (strchr(key, '.') == NULL && strchr(key, '"') == NULL)
		{
			/* in a run, only a node of its modules could have had the name */
			if (st->dag->request.mode == NS_RUN)
				idx = dag_named_in_run(st->dag, key);
			else
				idx = dag_resolve_name(st->dag, quote_identifier(key), &p, "input");
			if (idx >= 0)
				validate_add_problem(st, problem_make("input_is_node", ERRCODE_INVALID_PARAMETER_VALUE,
											 st->dag->nodes[idx].display,
											 psprintf("input \"%s\" names node %s", key, st->dag->nodes[idx].display),
											 "Inputs supply names that no node computes.",
											 psprintf("To replace the node's value, pass overrides => '{\"%s\": ...}'.", key)));
		}
	}
}

/*
 * validate_input finds an input's value (inputs first, then config) and checks
 * it against every parameter that receives it.  An input nobody needs
 * without a default may stay absent: those parameters keep their defaults.
 */
void
validate_input(ValidateState *st, int i, StringInfo missing_detail, List **missing)
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
	char	   *regclass_literal = NULL;
	Oid			regclass_type = InvalidOid;
	LiteralMemo memo;
	HProblem   *unmatched;

	found = jsonb_object_get(st->plan->inputs, input->name, &text, &kind);
	if (!found)
		found = jsonb_object_get(st->plan->config, input->name, &text, &kind);
	st->has_value[i] = found;
	st->value_text[i] = text;
	st->value_kind[i] = kind;

	initStringInfo(&needed_by);
	nconsumers = 0;
	memset(&memo, 0, sizeof(memo));
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
				if (validate_relation_holder(param->type) != REL_NONE)
				{
					/* every consumer sees the relations the first one found */
					literal = validate_regclass_input(st, consumer, param, input->name,
													  text, kind, regclass_literal,
													  &regclass_type);
					if (literal)
						regclass_literal = literal;
				}
				else if (value_literal_memo(&memo, text, kind, param->type, &literal, &error))
				{
					if (param->type == first_param_type && st->input_literal[i] == NULL)
						st->input_literal[i] = literal;
				}
				else
					validate_add_problem(st, problem_make("bad_input_value", ERRCODE_DATATYPE_MISMATCH, consumer->display,
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
	if (!found && needed_by.len > 0 && (unmatched = unmatched_variant_of_input(st, i)) != NULL)
	{
		validate_add_problem(st, unmatched);
		needed_by.len = 0;
	}
	if (!found && needed_by.len > 0)
	{
		*missing = lappend(*missing, input->name);
		if (nconsumers > MAX_LISTED)
			appendStringInfo(&needed_by, " and %d more", nconsumers - MAX_LISTED);
		if (list_length(*missing) <= MAX_LISTED)
		{
			char	   *outside = dag_nodes_outside(dag, input->name, &st->missing_modules);

			appendStringInfo(missing_detail, "%sInput \"%s\" is needed by %s.",
							 missing_detail->len ? " " : "", input->name, needed_by.data);
			if (outside)
				appendStringInfo(missing_detail, " %s %s it, outside the run's modules.",
								 outside, strchr(outside, ',') ? "compute" : "computes");
			note_public_relation(st, input->name, missing_detail);
		}
	}
	st->input_type[i] = OidIsValid(first_param_type) ? first_param_type :
		value_default_type(kind);
	if (regclass_literal)
	{
		st->input_type[i] = regclass_type;
		st->input_literal[i] = regclass_literal;
	}
	/* read only by SQL nodes: the type its JSON kind suggests always takes it */
	if (found && st->input_literal[i] == NULL && !OidIsValid(first_param_type))
	{
		char	   *error;

		(void) value_literal(text, kind, st->input_type[i], &st->input_literal[i], &error);
	}
}

/*
 * value_literal_memo is value_literal(text, kind, type), remembered for
 * the last type asked (memo zeroed for each input).
 */
static bool
value_literal_memo(LiteralMemo *memo, const char *text, char kind, Oid type,
				   char **literal, char **error)
{
	if (!OidIsValid(memo->type) || memo->type != type)
	{
		memo->type = type;
		memo->literal = NULL;
		memo->error = NULL;
		memo->ok = value_literal(text, kind, type, &memo->literal, &memo->error);
	}
	*literal = memo->literal;
	*error = memo->error;
	return memo->ok;
}

/* note_consumer adds a consumer to a bounded list of names. */
static void
note_consumer(StringInfo buf, int *count, const char *display)
{
	if ((*count)++ < MAX_LISTED)
		appendStringInfo(buf, "%s%s", buf->len ? ", " : "", display);
}

/*
 * unmatched_variant_of_input: the problem that explains why no node has
 * input i's name (its variants all want another config), among the nodes
 * its consumers could have read; or NULL.
 */
static HProblem *
unmatched_variant_of_input(ValidateState *st, int i)
{
	Dag		   *dag = st->dag;
	int			k;

	for (k = dag->down_start[i]; k < dag->down_start[i + 1]; k++)
	{
		HNode	   *consumer = &dag->nodes[dag->down_list[k]];
		HProblem   *p;

		if (!st->in_closure[dag->down_list[k]] || st->overridden[dag->down_list[k]])
			continue;
		p = validate_unmatched_variant(dag, dag->nodes[i].name, consumer->schema);
		if (p)
			return p;
	}
	return NULL;
}

/*
 * note_public_relation explains, in a missing input's detail, that a
 * relation of that name in public was not read because public is not on
 * the path (catalog_public_trusted).
 */
static void
note_public_relation(ValidateState *st, const char *name, StringInfo detail)
{
	Oid			nsp;
	char	   *role;

	if (dag_public_on_path(st->dag))
		return;
	nsp = get_namespace_oid("public", true);
	if (!OidIsValid(nsp) || !OidIsValid(get_relname_relid(name, nsp)))
		return;
	role = GetUserNameFromId(st->dag->public_untrusted, true);
	appendStringInfo(detail, " Relation %s is not read: schema public is left off the path, because role %s, whom you do not trust, %s.",
					 quote_qualified_identifier("public", name),
					 role ? quote_identifier(role) : "(dropped)", st->dag->public_why);
}