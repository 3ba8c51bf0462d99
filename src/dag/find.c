/*-------------------------------------------------------------------------
 *
 * find.c
 *	  Finding the node a user names in the API (an output, an override, the
 *	  argument of a graph query), with a suggestion when nothing matches.
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
 * dag_resolve_name finds the node a user names (an output, an override, the
 * argument of a graph query): "module.name", or a bare name that must be
 * unique.  On failure returns -1 and sets *problem.
 */
int
dag_resolve_name(Dag *dag, const char *text, HProblem **problem, const char *role)
{
	char	   *schema,
			   *name;
	int			idx;
	StringInfoData cand;

	*problem = NULL;
	parse_node_name(text, &schema, &name, false);
	if (schema)
		idx = dag_find_qualified(dag, schema, name);
	else
	{
		/*
		 * A bare name means a node of the caller's, or of a role the caller
		 * trusts, so that nobody else's node of that name is run by mistake.
		 */
		initStringInfo(&cand);
		idx = dag_resolve_unqualified(dag, NULL, name, GetUserId(), &cand);
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
									"Qualify the name with its module, e.g. 'module.name'.");
			return -1;
		}
	}
	if (idx >= 0)
		return idx;

	{
		int			input = dag_find_input(dag, name);
		char	   *detail = NULL;
		char	   *hint = suggest_names(dag, name);

		if (input >= 0 && schema == NULL)
			detail = psprintf("\"%s\" is an input of the dataflow, not a node: no node computes it.", name);
		else
			detail = psprintf("No registered module or SQL node defines %s.", text);
		*problem = problem_make("unknown_node", ERRCODE_UNDEFINED_OBJECT, NULL,
								psprintf("unknown %s \"%s\"", role, text),
								detail,
								hint ? hint : "SELECT node FROM " HAMILTON_SCHEMA ".nodes lists every node; register a module with hamilton_register(schema) or define a node with hamilton_define(name, sql).");
	}
	return -1;
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
