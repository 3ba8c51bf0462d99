/*-------------------------------------------------------------------------
 *
 * namespace.c
 *	  A request's namespace: the modules its names resolve among (modules =>,
 *	  or the modules of the requested outputs), and which node a bare name
 *	  means among them.
 *
 * As Hamilton's driver resolves names only among the modules it was built
 * with, a module outside the namespace never captures a name and never
 * makes one ambiguous.  With module_overrides (Hamilton's
 * allow_module_overrides) the node of the later module wins, and each such
 * choice is kept for the plan to report.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "dag.h"

typedef struct ModuleEntry
{
	NameData	name;
	int			position;
} ModuleEntry;

static List *given_modules(Dag *dag, List *texts);
static List *output_modules(Dag *dag, List *outputs);
static bool module_has_nodes(Dag *dag, const char *schema);
static int	cstring_cmp(const ListCell *a, const ListCell *b);
static void append_sorted_names(StringInfo buf, List *names, const char *except);
static int	string_node_cmp(const ListCell *a, const ListCell *b);

/*
 * dag_set_namespace decides, once the nodes are loaded, how the request's
 * names resolve: for a run, its modules in order; the caller whose trust
 * counts.  Problems with modules =>
 * itself are kept in dag->ns_problems, for validation to report.  (Whether
 * public is on the modules' path is decided when first asked:
 * dag_public_on_path.)
 */
void
dag_set_namespace(Dag *dag, const DagRequest *request)
{
	List	   *modules;
	ListCell   *lc;
	HASHCTL		ctl;
	int			i;

	dag->request = *request;
	dag->caller = OidIsValid(request->caller) ? request->caller : GetUserId();
	if (request->mode != NS_RUN)
		return;

	modules = request->modules_given ? given_modules(dag, request->modules)
		: output_modules(dag, request->outputs);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(NameData);
	ctl.entrysize = sizeof(ModuleEntry);
	ctl.hcxt = dag->cxt;
	dag->module_pos = hash_create("hamilton run modules", 16, &ctl,
								  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	dag->modules = palloc(sizeof(char *) * Max(list_length(modules), 1));
	foreach(lc, modules)
	{
		ModuleEntry *entry;
		NameData	key;

		memset(&key, 0, sizeof(key));
		namestrcpy(&key, (char *) lfirst(lc));
		entry = hash_search(dag->module_pos, &key, HASH_ENTER, NULL);
		entry->position = dag->nmodules;
		dag->modules[dag->nmodules++] = (char *) lfirst(lc);
	}
	/* every node's place, once: names are resolved in a loop over them */
	dag->node_pos = palloc(sizeof(int) * Max(dag->nnodes, 1));
	for (i = 0; i < dag->nnodes; i++)
		dag->node_pos[i] = dag_module_position(dag, dag->nodes[i].schema);
	dag->npos = dag->nnodes;
}

/*
 * given_modules checks the modules => array: each one a registered module
 * or a schema with SQL nodes, none listed twice.
 */
static List *
given_modules(Dag *dag, List *texts)
{
	List	   *modules = NIL;
	ListCell   *lc;

	if (texts == NIL)
		dag->ns_problems = lappend(dag->ns_problems,
								   problem_make("no_modules", ERRCODE_INVALID_PARAMETER_VALUE, NULL,
												"modules names no module",
												"modules is an empty array.",
												"Leave modules out (or pass NULL) to use the modules of the outputs, or name them, e.g. modules => ARRAY['shop']."));
	foreach(lc, texts)
	{
		char	   *module = parse_module_name((char *) lfirst(lc));
		ListCell   *seen;
		bool		twice = false;

		foreach(seen, modules)
			twice |= strcmp((char *) lfirst(seen), module) == 0;
		if (twice)
		{
			dag->ns_problems =
				lappend(dag->ns_problems,
						problem_make("duplicate_module", ERRCODE_INVALID_PARAMETER_VALUE, NULL,
									 psprintf("module %s is listed twice in modules", quote_identifier(module)),
									 "Each module has one place in the run's order: with module_overrides, a node of a later module wins.",
									 "List each module once."));
			continue;
		}
		if (!module_has_nodes(dag, module) && !catalog_module_exists(module))
		{
			dag->ns_problems =
				lappend(dag->ns_problems,
						problem_make("unknown_module", ERRCODE_UNDEFINED_SCHEMA, NULL,
									 psprintf("unknown module %s in modules", quote_identifier(module)),
									 psprintf("No registered module or SQL node has schema %s.", quote_identifier(module)),
									 "SELECT module FROM " HAMILTON_SCHEMA ".modules lists the registered modules; hamilton_register(schema) makes a schema one."));
			continue;
		}
		modules = lappend(modules, module);
	}
	return modules;
}

/*
 * output_modules is the default namespace: the module of each requested
 * output, in the order requested.  A bare output resolves as it always
 * has, among the nodes of the roles the caller trusts; one that does not
 * resolve adds nothing (validation reports it).
 */
static List *
output_modules(Dag *dag, List *outputs)
{
	List	   *modules = NIL;
	ListCell   *lc;

	foreach(lc, outputs)
	{
		char	   *schema,
				   *name;
		int			idx;
		ListCell   *seen;
		bool		known = false;

		parse_node_name((char *) lfirst(lc), &schema, &name, false);
		idx = schema ? dag_find_qualified(dag, schema, name)
			: dag_resolve_unqualified(dag, NULL, name, dag->caller, NULL);
		if (idx < 0)
			continue;
		foreach(seen, modules)
			known |= strcmp((char *) lfirst(seen), dag->nodes[idx].schema) == 0;
		if (!known)
			modules = lappend(modules, dag->nodes[idx].schema);
	}
	return modules;
}

/* module_has_nodes: does any node of the graph belong to this schema? */
static bool
module_has_nodes(Dag *dag, const char *schema)
{
	int			i;

	for (i = 0; i < dag->nnodes; i++)
		if (dag->nodes[i].schema && strcmp(dag->nodes[i].schema, schema) == 0)
			return true;
	return false;
}

/* dag_module_position: a module's place among the run's modules, or -1. */
int
dag_module_position(Dag *dag, const char *schema)
{
	NameData	key;
	ModuleEntry *entry;

	if (dag->module_pos == NULL || schema == NULL || strlen(schema) >= NAMEDATALEN)
		return -1;
	memset(&key, 0, sizeof(key));
	namestrcpy(&key, schema);
	entry = hash_search(dag->module_pos, &key, HASH_FIND, NULL);
	return entry ? entry->position : -1;
}

/* cstring_cmp orders C strings bytewise. */
static int
cstring_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp((const char *) lfirst(a), (const char *) lfirst(b));
}

/*
 * append_sorted_names appends node names (char *), sorted and separated by
 * commas, leaving out except.
 */
static void
append_sorted_names(StringInfo buf, List *names, const char *except)
{
	ListCell   *lc;

	list_sort(names, cstring_cmp);
	foreach(lc, names)
		if (except == NULL || strcmp((char *) lfirst(lc), except) != 0)
			appendStringInfo(buf, "%s%s", buf->len ? ", " : "", (char *) lfirst(lc));
}

/* string_node_cmp orders String nodes bytewise. */
static int
string_node_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(strVal(lfirst(a)), strVal(lfirst(b)));
}

/*
 * dag_resolve_unqualified finds the node a bare name means as 1.0 resolved
 * it: from inside a module, its own module first, then the only node of
 * that name anywhere among the nodes the consumer's owner trusts
 * (consumer_owner InvalidOid: any node).  Bare outputs still resolve so
 * when no modules are given.  Returns RESOLVE_AMBIGUOUS (listing the
 * candidates) or RESOLVE_NONE.
 */
int
dag_resolve_unqualified(Dag *dag, const char *module, const char *name,
						Oid consumer_owner, StringInfo candidates)
{
	int			idx,
				count = 0,
				found = RESOLVE_NONE;
	List	   *names = NIL;

	if (module)
	{
		idx = dag_find_qualified(dag, module, name);
		if (idx >= 0)
			return idx;
	}
	for (idx = dag_first_named(dag, name); idx >= 0; idx = dag->nodes[idx].next_same_name)
	{
		if (!dag_owner_trusts(consumer_owner, dag->nodes[idx].owner))
			continue;
		names = lappend(names, dag->nodes[idx].display);
		found = idx;
		count++;
	}
	if (count == 0)
		return RESOLVE_NONE;
	if (count == 1)
		return found;
	if (candidates)
		append_sorted_names(candidates, names, NULL);
	return RESOLVE_AMBIGUOUS;
}

/*
 * dag_resolve_in_namespace finds the node a bare name means for consumer
 * (a node index; -1 for a name the user gives, such as an override), whose
 * module is own_module (NULL: none):
 *	 - a consumer outside the run's modules, and every consumer when no run
 *	   asks, sees only its own module;
 *	 - in a 1.0 catalog, as dag_resolve_unqualified;
 *	 - otherwise the consumer's own module, then the only node of that name
 *	   among the run's modules.  With module_overrides, of several the one
 *	   of the latest module wins (its own module counting by its place),
 *	   and the choice is noted in dag->overrides.
 * Returns RESOLVE_AMBIGUOUS (listing the candidates) or RESOLVE_NONE.
 */
int
dag_resolve_in_namespace(Dag *dag, int consumer, const char *own_module,
						 const char *name, StringInfo candidates)
{
	int			own_pos = consumer >= 0 && consumer < dag->npos ? dag->node_pos[consumer]
		: dag_module_position(dag, own_module);
	int			idx,
				best = RESOLVE_NONE,
				best_pos = -1,
				own = RESOLVE_NONE,
				count = 0;
	List	   *names = NIL;

	if (dag->request.mode == NS_GLOBAL)
		return dag_resolve_unqualified(dag, own_module, name,
									   consumer >= 0 ? dag->nodes[consumer].owner : dag->caller,
									   candidates);
	if (dag->request.mode == NS_EACH_NODE || (own_module && own_pos < 0))
	{
		idx = own_module ? dag_find_qualified(dag, own_module, name) : -1;
		return idx >= 0 ? idx : RESOLVE_NONE;
	}

	for (idx = dag_first_named(dag, name); idx >= 0; idx = dag->nodes[idx].next_same_name)
	{
		int			pos = idx < dag->npos ? dag->node_pos[idx]
			: dag_module_position(dag, dag->nodes[idx].schema);

		CHECK_FOR_INTERRUPTS();
		if (pos < 0)
			continue;
		count++;
		names = lappend(names, dag->nodes[idx].display);
		if (pos == own_pos)
			own = idx;
		if (pos > best_pos)
		{
			best = idx;
			best_pos = pos;
		}
	}
	if (count <= 1)
		return best;
	if (dag->request.overrides)
	{
		DagOverride *o = palloc0(sizeof(DagOverride));
		StringInfoData displaced;

		initStringInfo(&displaced);
		append_sorted_names(&displaced, names, dag->nodes[best].display);
		o->consumer = consumer;
		o->name = name;
		o->chosen = best;
		o->displaced = displaced.data;
		dag->overrides = lappend(dag->overrides, o);
		return best;
	}
	if (own >= 0)
		return own;
	if (candidates)
		append_sorted_names(candidates, names, NULL);
	return RESOLVE_AMBIGUOUS;
}

/* dag_named_in_run: a node of that name among the run's modules, or -1. */
int
dag_named_in_run(Dag *dag, const char *name)
{
	int			idx;

	for (idx = dag_first_named(dag, name); idx >= 0; idx = dag->nodes[idx].next_same_name)
		if (dag_module_position(dag, dag->nodes[idx].schema) >= 0)
			return idx;
	return -1;
}

/*
 * dag_nodes_outside lists the nodes of that name in modules outside the
 * run's ("h.spend, x.spend"), of the roles the caller trusts, and appends
 * their modules to *modules; NULL when there are none (or no run asks).
 */
char *
dag_nodes_outside(Dag *dag, const char *name, List **modules)
{
	List	   *names = NIL;
	StringInfoData buf;
	int			idx;

	if (dag->request.mode != NS_RUN)
		return NULL;
	for (idx = dag_first_named(dag, name); idx >= 0; idx = dag->nodes[idx].next_same_name)
	{
		HNode	   *node = &dag->nodes[idx];

		if (dag_module_position(dag, node->schema) >= 0 ||
			!catalog_role_trusts(dag->caller, node->owner))
			continue;
		names = lappend(names, node->display);
		if (!list_member(*modules, makeString(node->schema)))
			*modules = lappend(*modules, makeString(node->schema));
	}
	if (names == NIL)
		return NULL;
	initStringInfo(&buf);
	append_sorted_names(&buf, names, NULL);
	return buf.data;
}

/*
 * dag_modules_suggestion writes the modules => argument that adds extra
 * (String nodes) to the run's modules: ARRAY['h2', 'h'].
 */
char *
dag_modules_suggestion(Dag *dag, List *extra)
{
	StringInfoData buf;
	ListCell   *lc;
	int			i;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "ARRAY[");
	for (i = 0; i < dag->nmodules; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "",
						 quote_literal_cstr(quote_identifier(dag->modules[i])));
	extra = list_copy(extra);
	list_sort(extra, string_node_cmp);
	foreach(lc, extra)
		if (dag_module_position(dag, strVal(lfirst(lc))) < 0)
			appendStringInfo(&buf, "%s%s", buf.len > 6 ? ", " : "",
							 quote_literal_cstr(quote_identifier(strVal(lfirst(lc)))));
	appendStringInfoChar(&buf, ']');
	return buf.data;
}
