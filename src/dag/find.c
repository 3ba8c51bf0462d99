/*-------------------------------------------------------------------------
 *
 * find.c
 *	  Finding the node a user names in the API (an output, an override, the
 *	  argument of a graph query), among a run's modules (namespace.c) or
 *	  the nodes of the roles the caller trusts, with a suggestion when
 *	  nothing matches.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/varlena.h"

#include "dag.h"

static char *suggest_names(Dag *dag, const char *name);
static int	resolve_bare_trusted(Dag *dag, const char *text, const char *name,
								 HProblem **problem, const char *role);
static int	resolve_bare_in_run(Dag *dag, const char *text, const char *name,
								HProblem **problem, const char *role, bool strict);
static HProblem *unknown_name_problem(Dag *dag, const char *text, const char *schema,
									  const char *name, const char *role);

/*
 * suggest_names lists up to three node names close to a misspelt one.
 */
static char *
suggest_names(Dag *dag, const char *name)
{
	int			best[3] = {-1, -1, -1};
	int			bestd[3] = {INT_MAX, INT_MAX, INT_MAX};
	int			len = strlen(name);
	int			maxd = Max(2, len / 3);
	int			i,
				k;
	StringInfoData buf;

	for (i = 0; i < dag->nnodes; i++)
	{
		HNode	   *node = &dag->nodes[i];
		int			d;

		if (node->kind == HNODE_INPUT)
			continue;
		d = varstr_levenshtein_less_equal(name, len, node->name, strlen(node->name),
										  1, 1, 1, maxd, true);
		if (d > maxd)
			continue;
		for (k = 0; k < 3; k++)
		{
			if (d < bestd[k] || (d == bestd[k] && best[k] >= 0 &&
								 strcmp(node->display, dag->nodes[best[k]].display) < 0))
			{
				memmove(&best[k + 1], &best[k], sizeof(int) * (2 - k));
				memmove(&bestd[k + 1], &bestd[k], sizeof(int) * (2 - k));
				best[k] = i;
				bestd[k] = d;
				break;
			}
		}
	}
	if (best[0] < 0)
		return NULL;
	initStringInfo(&buf);
	appendStringInfoString(&buf, "Did you mean ");
	for (k = 0; k < 3 && best[k] >= 0; k++)
		appendStringInfo(&buf, "%s%s", k == 0 ? "" : (k + 1 < 3 && best[k + 1] >= 0 ? ", " : " or "),
						 dag->nodes[best[k]].display);
	appendStringInfoString(&buf, "?");
	return buf.data;
}

/*
 * resolve_bare_trusted finds a bare name as it always resolved: the only
 * node of that name among those of the roles the caller trusts, so that
 * nobody else's node of that name is run by mistake.  On failure returns
 * -1 with *problem set, or RESOLVE_NONE.
 */
static int
resolve_bare_trusted(Dag *dag, const char *text, const char *name, HProblem **problem,
					 const char *role)
{
	StringInfoData cand;
	int			idx;

	initStringInfo(&cand);
	idx = dag_resolve_unqualified(dag, NULL, name, dag->caller, &cand);
	if (idx == RESOLVE_NONE)
	{
		int			other;

		resetStringInfo(&cand);
		other = dag_resolve_unqualified(dag, NULL, name, InvalidOid, &cand);
		if (other >= 0)
			appendStringInfoString(&cand, dag->nodes[other].display);
		if (other != RESOLVE_NONE)
		{
			*problem = problem_make("untrusted_node", ERRCODE_UNDEFINED_OBJECT, NULL,
									psprintf("%s \"%s\" is not a node of yours", role, text),
									psprintf("Nodes of that name belong to roles you are not a member of: %s.", cand.data),
									"Name the node with its module, e.g. 'module.name', to use it.");
			return -1;
		}
	}
	if (idx == RESOLVE_AMBIGUOUS)
	{
		*problem = problem_make("ambiguous_name", ERRCODE_AMBIGUOUS_FUNCTION, NULL,
								psprintf("%s \"%s\" is ambiguous", role, text),
								psprintf("Nodes of that name: %s.", cand.data),
								dag->request.mode == NS_RUN ?
								"Qualify the name with its module, e.g. 'module.name', or pass the run's modules: modules => ARRAY['module']." :
								"Qualify the name with its module, e.g. 'module.name'.");
		return -1;
	}
	return idx;
}

/*
 * resolve_bare_in_run finds a bare name among the run's modules; with
 * modules => given, nowhere else (strict).  Returns the node, RESOLVE_NONE
 * to look elsewhere, or -1 with *problem set.
 */
static int
resolve_bare_in_run(Dag *dag, const char *text, const char *name, HProblem **problem,
					const char *role, bool strict)
{
	StringInfoData cand;
	List	   *modules = NIL;
	char	   *outside;
	int			idx;

	initStringInfo(&cand);
	idx = dag_resolve_in_namespace(dag, -1, NULL, name, &cand);
	if (idx == RESOLVE_AMBIGUOUS)
	{
		*problem = problem_make("ambiguous_name", ERRCODE_AMBIGUOUS_FUNCTION, NULL,
								psprintf("%s \"%s\" is ambiguous", role, text),
								psprintf("Nodes of that name in the run's modules: %s.", cand.data),
								"Qualify the name with its module, e.g. 'module.name', leave all but one of those modules out of modules => ..., or pass module_overrides => true to take the node of the later module.");
		return -1;
	}
	if (idx >= 0 || !strict)
		return idx;
	outside = dag_nodes_outside(dag, name, &modules);
	if (outside == NULL)
		return RESOLVE_NONE;
	*problem = problem_make("unknown_node", ERRCODE_UNDEFINED_OBJECT, NULL,
							psprintf("unknown %s \"%s\"", role, text),
							psprintf("No node of the run's modules is named so; %s %s, outside them.",
									 outside, strchr(outside, ',') ? "are" : "is"),
							psprintf("Add the module to the run's modules: modules => %s.",
									 dag_modules_suggestion(dag, modules)));
	return -1;
}

/*
 * dag_resolve_name finds the node a user names (an override, the argument
 * of a graph query or of hamilton_tag): "module.name", or a bare name.  In
 * a run, a bare name means a node of the run's modules first; otherwise
 * (and when none of them has one, unless modules => was given) it must be
 * unique among the nodes of the roles the caller trusts.  On failure
 * returns -1 and sets *problem.
 */
int
dag_resolve_name(Dag *dag, const char *text, HProblem **problem, const char *role)
{
	char	   *schema,
			   *name;
	int			idx = RESOLVE_NONE;

	*problem = NULL;
	parse_node_name(text, &schema, &name, false);
	if (schema)
		idx = dag_find_qualified(dag, schema, name);
	else
	{
		if (dag->request.mode == NS_RUN)
			idx = resolve_bare_in_run(dag, text, name, problem, role,
									  dag->request.modules_given);
		if (*problem)
			return -1;
		if (idx == RESOLVE_NONE && !(dag->request.mode == NS_RUN && dag->request.modules_given))
			idx = resolve_bare_trusted(dag, text, name, problem, role);
		if (*problem)
			return -1;
	}
	if (idx >= 0)
		return idx;
	*problem = unknown_name_problem(dag, text, schema, name, role);
	return -1;
}

/*
 * dag_resolve_output finds a requested output (role names it in problems:
 * "output", or "node" for a picture's).  With modules => given, an output
 * is a node of those modules (a bare one: dag_resolve_name); otherwise a
 * bare output resolves as it always has, among the nodes of the roles the
 * caller trusts, and must be unique there: the outputs decide the run's
 * modules.
 */
int
dag_resolve_output(Dag *dag, const char *text, HProblem **problem, const char *role)
{
	char	   *schema,
			   *name;
	int			idx;

	if (dag->request.mode == NS_RUN && dag->request.modules_given)
	{
		idx = dag_resolve_name(dag, text, problem, role);
		if (idx >= 0 && dag->nmodules > 0 &&
			dag_module_position(dag, dag->nodes[idx].schema) < 0)
		{
			List	   *module = list_make1(makeString(dag->nodes[idx].schema));

			*problem = problem_make("output_outside_modules", ERRCODE_INVALID_PARAMETER_VALUE,
									dag->nodes[idx].display,
									psprintf("%s %s is not in the run's modules", role, dag->nodes[idx].display),
									psprintf("modules => names %s; the names of a run resolve among its modules only.",
											 dag_modules_suggestion(dag, NIL)),
									psprintf("Add its module: modules => %s.",
											 dag_modules_suggestion(dag, module)));
			return -1;
		}
		return idx;
	}
	*problem = NULL;
	parse_node_name(text, &schema, &name, false);
	idx = schema ? dag_find_qualified(dag, schema, name)
		: resolve_bare_trusted(dag, text, name, problem, role);
	if (*problem)
		return -1;
	if (idx >= 0)
		return idx;
	*problem = unknown_name_problem(dag, text, schema, name, role);
	return -1;
}

/*
 * unknown_name_problem: the problem of a name no node has, with close names
 * suggested.
 */
static HProblem *
unknown_name_problem(Dag *dag, const char *text, const char *schema, const char *name,
					 const char *role)
{
	int			input = dag_find_input(dag, name);
	char	   *detail = NULL;
	char	   *hint = suggest_names(dag, name);

	if (input >= 0 && schema == NULL)
		detail = psprintf("\"%s\" is an input of the dataflow, not a node: no node computes it.", name);
	else
		detail = psprintf("No registered module or SQL node defines %s.", text);
	return problem_make("unknown_node", ERRCODE_UNDEFINED_OBJECT, NULL,
						psprintf("unknown %s \"%s\"", role, text),
						detail,
						hint ? hint : "SELECT node FROM " HAMILTON_SCHEMA ".nodes lists every node; register a module with hamilton_register(schema) or define a node with hamilton_define(name, sql).");
}

/*
 * dag_resolve_name_or_error is dag_resolve_name for functions that take one
 * node name and have nothing else to report.
 */
int
dag_resolve_name_or_error(Dag *dag, const char *text)
{
	HProblem   *p;
	int			idx = dag_resolve_name(dag, text, &p, "node");

	if (idx < 0)
		ereport(ERROR,
				(errcode(p->sqlstate),
				 errmsg("%s", p->message),
				 p->detail ? errdetail("%s", p->detail) : 0,
				 p->hint ? errhint("%s", p->hint) : 0));
	return idx;
}

/*
 * dag_resolve_graph_name accepts a node name, or the name of an input (so that
 * hamilton_downstream('horizon') tells what an input feeds).
 */
int
dag_resolve_graph_name(Dag *dag, const char *text)
{
	HProblem   *p;
	int			idx = dag_resolve_name(dag, text, &p, "node");

	if (idx >= 0)
		return idx;
	if (strchr(text, '.') == NULL)
	{
		idx = dag_find_input(dag, text);
		if (idx >= 0)
			return idx;
	}
	return dag_resolve_name_or_error(dag, text);
}
