/*-------------------------------------------------------------------------
 *
 * schedule_modules.c
 *	  hamilton.schedule_modules_1_0: the modules a schedule made in 1.0
 *	  used, which the update to 1.1 gives it (src/upgrade/1.0--1.1/).
 *
 * 1.0 resolved names among every module at once; 1.1 resolves them among a
 * run's modules, by default those of its outputs.  A 1.0 schedule whose
 * dataflow crossed modules keeps running as it did when its job passes the
 * modules its closure reached under 1.0's resolution: the modules of its
 * outputs first, in order, then the others by name.  When 1.1's resolution
 * among those modules would still reach other nodes, the update says so.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "api.h"

PG_FUNCTION_INFO_V1(hamilton_schedule_modules_1_0);

static List *closure_modules(Dag *dag, List *closure, List *outputs);
static int	list_string_cmp(const ListCell *a, const ListCell *b);
static char *closure_text(Dag *dag, List *closure);

/*
 * closure_modules: the modules of the nodes of a closure, those of the
 * outputs first (in the order requested), then the others by name.
 */
static List *
closure_modules(Dag *dag, List *closure, List *outputs)
{
	List	   *first = NIL,
			   *rest = NIL;
	ListCell   *lc;

	foreach(lc, outputs)
	{
		HProblem   *p;
		int			idx = dag_resolve_output(dag, (char *) lfirst(lc), &p, "output");

		if (idx >= 0 && !list_member(first, makeString(dag->nodes[idx].schema)))
			first = lappend(first, makeString(dag->nodes[idx].schema));
	}
	foreach(lc, closure)
	{
		HNode	   *node = &dag->nodes[lfirst_int(lc)];

		if (node->schema && !list_member(first, makeString(node->schema)) &&
			!list_member(rest, makeString(node->schema)))
			rest = lappend(rest, makeString(node->schema));
	}
	list_sort(rest, list_string_cmp);
	return list_concat(first, rest);
}

/* list_string_cmp orders String nodes bytewise. */
static int
list_string_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(strVal(lfirst(a)), strVal(lfirst(b)));
}

/* closure_text names a closure's nodes, by name. */
static char *
closure_text(Dag *dag, List *closure)
{
	List	   *names = NIL;
	ListCell   *lc;
	StringInfoData buf;

	foreach(lc, closure)
		names = lappend(names, makeString(dag->nodes[lfirst_int(lc)].display));
	list_sort(names, list_string_cmp);
	initStringInfo(&buf);
	foreach(lc, names)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", strVal(lfirst(lc)));
	return buf.data;
}

/*
 * hamilton_schedule_modules_1_0(job text, run_by name, outputs text[],
 * overrides jsonb, config jsonb) returns the modules the schedule's
 * dataflow used in 1.0, as its role (run_by) resolved its names; NULL when
 * none of its outputs is a node any more (its job fails as it did).
 */
Datum
hamilton_schedule_modules_1_0(PG_FUNCTION_ARGS)
{
	char	   *job = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *run_by = NameStr(*PG_GETARG_NAME(1));
	List	   *outputs = text_array_to_list(PG_GETARG_ARRAYTYPE_P(2), "outputs");
	Jsonb	   *overrides = PG_GETARG_JSONB_P(3);
	Jsonb	   *config = PG_GETARG_JSONB_P(4);
	DagRequest	request;
	Dag		   *dag,
			   *now;
	List	   *closure,
			   *closure_now,
			   *modules,
			   *names = NIL;
	ListCell   *lc;
	char	   *before,
			   *after;
	ArrayType  *result;

	api_begin();
	memset(&request, 0, sizeof(request));
	request.mode = NS_GLOBAL;
	request.outputs = outputs;
	request.caller = get_role_oid(run_by, true);
	dag = dag_build_request(config, false, &request);
	closure = plan_closure_nodes(dag, outputs, overrides);
	modules = closure_modules(dag, closure, outputs);
	if (modules == NIL)
	{
		api_end();
		PG_RETURN_NULL();
	}

	foreach(lc, modules)
		names = lappend(names, strVal(lfirst(lc)));
	request.mode = NS_RUN;
	request.modules = names;
	request.modules_given = true;
	now = dag_build_request(config, false, &request);
	closure_now = plan_closure_nodes(now, outputs, overrides);
	before = closure_text(dag, closure);
	after = closure_text(now, closure_now);
	if (strcmp(before, after) != 0)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("schedule \"%s\" of role %s reaches other nodes in 1.1", job,
						quote_identifier(run_by)),
				 errdetail("In 1.0 it ran %s; with modules => %s it runs %s.", before,
						   dag_modules_suggestion(now, NIL), after),
				 errhint("Check it with hamilton_explain(..., modules => %s), and schedule it again with the modules it needs.",
						 dag_modules_suggestion(now, NIL))));
	result = cstring_list_to_array(names);
	api_end();
	PG_RETURN_ARRAYTYPE_P(result);
}
