/*-------------------------------------------------------------------------
 *
 * function_template.c
 *	  One function, many nodes (Hamilton's @parameterize with value() and
 *	  source(), and @does): each node is a function of its module that
 *	  calls the template with some parameters bound.
 *
 * A value binding is a constant: the parameter is gone from the node, and
 * the call passes the literal.  A source binding is an edge: the node's
 * parameter is named after the source node, so the graph reads it from
 * there.  A parameter left unbound stays a parameter of the same name
 * (and default).  The node is written as
 *
 *	  CREATE FUNCTION m.avg_2wk_spend(spend double precision) RETURNS ...
 *	  LANGUAGE sql ... BEGIN ATOMIC SELECT m._rolling_mean(spend => spend,
 *	  weeks => '2'::integer); END
 *
 * by the caller, as if they had written it: it depends on the template
 * (DROP FUNCTION of the template refuses while it stands), and it is a
 * function node like any other, for runs, variants, checks and lineage.
 * Such a function is replaced only by another binding of the same
 * template; any other function or SQL node of that name is refused.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "define.h"

/* One input parameter of the template, and how a node binds it. */
typedef struct TemplateParam
{
	char	   *name;
	Oid			type;
	int			position;		/* among all arguments, from 1 */
	char	   *bound;			/* the argument: a literal or a parameter */
	char	   *node_param;		/* the node's parameter it reads, or NULL */
	char	   *doc_text;		/* what {name} in the doc becomes */
} TemplateParam;

/* The template: what every node built on it copies. */
typedef struct Template
{
	Oid			oid;
	char	   *schema;
	char	   *name;
	char	   *display;
	char	   *result;			/* pg_get_function_result */
	bool		retset;
	char		volatility;
	bool		strict;
	char		parallel;
	char	   *doc;			/* its comment, or NULL */
	bool		names_are_sources;	/* "spend" means {"source": "spend"} */
	int			nparams;
	TemplateParam *params;
} Template;

static void template_read(Oid fn, Template *t);
static void making_node_context(void *arg);
static void bind_params(Template *t, const char *display, Jsonb *bindings);
static char *node_function_sql(Template *t, const char *schema, const char *name);
static void refuse_other_definition(Template *t, const char *schema, const char *name,
									const char *display);

/*
 * template_read reads the template function fn: its input parameters, which
 * must be named and neither variadic nor polymorphic, and what its nodes
 * copy.
 */
static void
template_read(Oid fn, Template *t)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	Form_pg_proc proc;
	Oid		   *types;
	char	  **names;
	char	   *modes;
	int			nargs,
				i;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for function %u", fn);
	proc = (Form_pg_proc) GETSTRUCT(tup);
	t->oid = fn;
	t->schema = get_namespace_name(proc->pronamespace);
	t->name = pstrdup(NameStr(proc->proname));
	t->display = qualified_display(t->schema, t->name);
	t->retset = proc->proretset;
	t->volatility = proc->provolatile;
	t->strict = proc->proisstrict;
	t->parallel = proc->proparallel;
	if (proc->prokind != PROKIND_FUNCTION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s is not a plain function", t->display),
				 errdetail("A node is computed by a function; aggregates, window functions and procedures compute none."),
				 errhint("Write a function that computes the node's value.")));
	nargs = get_func_arg_info(tup, &types, &names, &modes);
	ReleaseSysCache(tup);

	t->params = palloc0(sizeof(TemplateParam) * Max(nargs, 1));
	t->nparams = 0;
	for (i = 0; i < nargs; i++)
	{
		char		mode = modes ? modes[i] : PROARGMODE_IN;
		TemplateParam *p;

		if (mode == PROARGMODE_OUT || mode == PROARGMODE_TABLE)
			continue;
		if (mode == PROARGMODE_VARIADIC || IsPolymorphicType(types[i]) ||
			names == NULL || names[i] == NULL || names[i][0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
					 errmsg("parameter %d of function %s cannot be bound by name", i + 1, t->display),
					 errdetail("%s", mode == PROARGMODE_VARIADIC ? "It is VARIADIC." :
							   IsPolymorphicType(types[i]) ? psprintf("Its type %s is polymorphic.", format_type_be(types[i])) :
							   "It has no name."),
					 errhint("Give the template named parameters of definite types, as a node's parameters are the nodes it reads.")));
		p = &t->params[t->nparams++];
		p->name = pstrdup(names[i]);
		p->type = types[i];
		p->position = i + 1;
	}

	spi_exec_checked("SELECT pg_catalog.pg_get_function_result($1), "
					 "       pg_catalog.obj_description($1, 'pg_proc')",
					 1, (Oid[]) {OIDOID}, (Datum[]) {ObjectIdGetDatum(fn)}, NULL, SPI_OK_SELECT);
	t->result = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	t->doc = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
}

/*
 * binding_argument: what a binding ({"value": v} or {"source": "node"}) of
 * parameter p passes; for a source, the node's parameter it becomes.
 */
static void
binding_argument(Template *t, TemplateParam *p, const char *display, Jsonb *binding)
{
	char	   *text;
	char		kind;
	List	   *keys = JB_ROOT_IS_OBJECT(binding) ? jsonb_object_keys_list(binding, "a binding") : NIL;
	JsonbValue	scalar;

	if (t->names_are_sources && JB_ROOT_IS_SCALAR(binding) &&
		JsonbExtractScalar(&binding->root, &scalar) && scalar.type == jbvString)
	{
		binding = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(
														 psprintf("{\"source\": %s}", jsonb_text(binding)))));
		keys = list_make1("source");
	}
	if (list_length(keys) == 1 && jsonb_object_get(binding, "source", &text, &kind))
	{
		if (kind != JSON_KIND_STRING || text[0] == '\0' || strchr(text, '.') != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("source of parameter \"%s\" of node %s must be a node's bare name", p->name, display),
					 errdetail("It is %s.", jsonb_text(binding)),
					 errhint("Write {\"source\": \"spend\"}: the node reads spend, found among the run's modules as every parameter is.")));
		p->node_param = text;
		p->bound = pstrdup(quote_identifier(text));
		p->doc_text = text;
		return;
	}
	if (list_length(keys) == 1 && jsonb_object_get(binding, "value", &text, &kind))
	{
		if (kind == JSON_KIND_CONTAINER && p->type != JSONOID && p->type != JSONBOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("value of parameter \"%s\" of node %s is a JSON %s", p->name, display,
							text[0] == '[' ? "array" : "object"),
					 errdetail("Parameter \"%s\" of %s is of type %s.", p->name, t->display, format_type_be(p->type)),
					 errhint("Give a single value, written as the type reads it, e.g. {\"value\": \"{1,2}\"} for an array.")));
		p->bound = kind == JSON_KIND_NULL ? psprintf("NULL::%s", format_type_be_qualified(p->type)) :
			psprintf("%s::%s", quote_literal_cstr(text), format_type_be_qualified(p->type));
		p->doc_text = kind == JSON_KIND_NULL ? "NULL" : text;
		p->node_param = NULL;	/* a constant: no parameter of the node */
		return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("binding of parameter \"%s\" of node %s must be {\"value\": ...} or {\"source\": \"...\"}", p->name, display),
			 errdetail("It is %s.", jsonb_text(binding)),
			 errhint("value(2) is {\"value\": 2}, a constant; source(\"spend\") is {\"source\": \"spend\"}%s, an edge from node spend.",
					 t->names_are_sources ? " or \"spend\"" : "")));
}

/*
 * bind_params applies a node's bindings (an object: template parameter ->
 * binding) to the template's parameters; a binding of a parameter the
 * template does not have is refused.
 */
static void
bind_params(Template *t, const char *display, Jsonb *bindings)
{
	List	   *keys = jsonb_object_keys_list(bindings, psprintf("bindings of node %s", display));
	ListCell   *lc;
	int			i;

	for (i = 0; i < t->nparams; i++)
	{
		t->params[i].bound = pstrdup(quote_identifier(t->params[i].name));
		t->params[i].node_param = t->params[i].name;
		t->params[i].doc_text = t->params[i].name;
	}
	foreach(lc, keys)
	{
		const char *key = lfirst(lc);
		JsonbValue *v;
		TemplateParam *p = NULL;
		StringInfoData names;

		initStringInfo(&names);
		for (i = 0; i < t->nparams; i++)
		{
			appendStringInfo(&names, "%s%s", names.len ? ", " : "", quote_identifier(t->params[i].name));
			if (strcmp(t->params[i].name, key) == 0)
				p = &t->params[i];
		}
		if (p == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_PARAMETER),
					 errmsg("function %s has no parameter \"%s\" for node %s to bind", t->display, key, display),
					 errdetail("Its parameters are %s.", names.len ? names.data : "none"),
					 errhint("Bind the template's parameters by their names.")));
		v = getKeyJsonValueFromContainer(&bindings->root, key, strlen(key), NULL);
		binding_argument(t, p, display, JsonbValueToJsonb(v));
	}
}

/*
 * node_function_sql: the CREATE FUNCTION of node schema.name: the
 * parameters its bindings leave (two reading the same node are one),
 * calling the template by parameter name.
 */
static char *
node_function_sql(Template *t, const char *schema, const char *name)
{
	StringInfoData sql,
				call;
	int			i,
				j;

	initStringInfo(&sql);
	initStringInfo(&call);
	appendStringInfo(&sql, "CREATE FUNCTION %s(", quote_qualified_identifier(schema, name));
	for (i = 0; i < t->nparams; i++)
	{
		TemplateParam *p = &t->params[i];
		bool		seen = false;

		appendStringInfo(&call, "%s%s => %s", i ? ", " : "", quote_identifier(p->name), p->bound);
		if (p->node_param == NULL)
			continue;
		for (j = 0; j < i; j++)
			if (t->params[j].node_param && strcmp(t->params[j].node_param, p->node_param) == 0)
			{
				if (t->params[j].type != p->type)
					ereport(ERROR,
							(errcode(ERRCODE_DATATYPE_MISMATCH),
							 errmsg("node %s would read \"%s\" as %s and as %s",
									qualified_display(schema, name), p->node_param,
									format_type_be(t->params[j].type), format_type_be(p->type)),
							 errdetail("Parameters \"%s\" and \"%s\" of %s both read it.",
									   t->params[j].name, p->name, t->display),
							 errhint("Bind one of them to another source.")));
				seen = true;
			}
		if (seen)
			continue;
		appendStringInfo(&sql, "%s%s %s", sql.data[sql.len - 1] == '(' ? "" : ", ",
						 quote_identifier(p->node_param), format_type_be_qualified(p->type));
		if (strcmp(p->node_param, p->name) == 0)
		{
			char	   *def;

			spi_exec_checked("SELECT pg_catalog.pg_get_function_arg_default($1, $2)",
							 2, (Oid[]) {OIDOID, INT4OID},
							 (Datum[]) {ObjectIdGetDatum(t->oid), Int32GetDatum(p->position)},
							 NULL, SPI_OK_SELECT);
			def = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
			if (def)
				appendStringInfo(&sql, " DEFAULT %s", def);
		}
	}
	appendStringInfo(&sql, ") RETURNS %s LANGUAGE sql %s%s PARALLEL %s\nBEGIN ATOMIC\n  SELECT %s%s(%s);\nEND",
					 t->result,
					 t->volatility == PROVOLATILE_IMMUTABLE ? "IMMUTABLE" :
					 t->volatility == PROVOLATILE_STABLE ? "STABLE" : "VOLATILE",
					 t->strict ? " STRICT" : "",
					 t->parallel == PROPARALLEL_SAFE ? "SAFE" :
					 t->parallel == PROPARALLEL_RESTRICTED ? "RESTRICTED" : "UNSAFE",
					 t->retset ? "* FROM " : "",
					 quote_qualified_identifier(t->schema, t->name), call.data);
	return sql.data;
}

/* refuse_user_function: a function of the node's name is the user's. */
static void
refuse_user_function(const char *signature, void *ctx)
{
	Template   *t = ctx;

	ereport(ERROR,
			(errcode(ERRCODE_DUPLICATE_FUNCTION),
			 errmsg("function %s already exists", signature),
			 errdetail("It was not made from %s, so it is not replaced.", t->display),
			 errhint("Choose another node name, or drop the function first.")));
}

/*
 * refuse_other_definition: node schema.name may replace only a function
 * made from this template (one that depends on it); any other function of
 * that name, or a SQL node, is the user's and stays.  Drops the one it
 * replaces.
 */
static void
refuse_other_definition(Template *t, const char *schema, const char *name,
						const char *display)
{
	if (catalog_sql_node_owners(schema, name) != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_FUNCTION),
				 errmsg("node %s is already a SQL node", display),
				 errdetail("hamilton_define defined it; a node has one definition."),
				 errhint("Choose another name, or hamilton_drop('%s') first.", display)));
	define_replace_made_functions(schema, name,
								  "EXISTS (SELECT 1 FROM pg_catalog.pg_depend d "
								  "  WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid "
								  "    AND d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass "
								  "    AND d.refobjid = $3 AND d.deptype = 'n')",
								  OIDOID, ObjectIdGetDatum(t->oid), refuse_user_function, t);
}

/* making_node_context names the node a failing CREATE FUNCTION made. */
static void
making_node_context(void *arg)
{
	errcontext("%s", (char *) arg);
}

/*
 * node_doc: the node's comment: the template's, with {parameter} replaced
 * by what binds it, or one that says what it is made of.
 */
static char *
node_doc(Template *t)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	if (t->doc == NULL)
	{
		appendStringInfo(&buf, "%s with ", t->display);
		for (i = 0; i < t->nparams; i++)
			appendStringInfo(&buf, "%s%s = %s", i ? ", " : "", t->params[i].name, t->params[i].doc_text);
		if (t->nparams == 0)
			appendStringInfoString(&buf, "no parameters");
		return buf.data;
	}
	for (const char *p = t->doc; *p;)
	{
		bool		done = false;

		for (i = 0; *p == '{' && i < t->nparams && !done; i++)
		{
			size_t		len = strlen(t->params[i].name);

			if (strncmp(p + 1, t->params[i].name, len) == 0 && p[len + 1] == '}')
			{
				appendStringInfoString(&buf, t->params[i].doc_text);
				p += len + 2;
				done = true;
			}
		}
		if (!done)
			appendStringInfoChar(&buf, *p++);
	}
	return buf.data;
}

/*
 * define_function_template defines one node per entry of nodes (an object:
 * node name -> bindings of the template's parameters), each a function
 * that calls template fn (Hamilton's @parameterize on a function, and
 * @does).  A bare node name goes in the template's module.  With
 * names_are_sources (@does' argument mapping), a binding may also be a
 * node's name, a source.  Returns the nodes' names, in the order of the
 * object's keys.
 */
List *
define_function_template(Oid fn, Jsonb *nodes, bool names_are_sources)
{
	Template	t;
	List	   *names = NIL;
	List	   *keys;
	ListCell   *lc;

	template_read(fn, &t);
	t.names_are_sources = names_are_sources;
	keys = jsonb_object_keys_list(nodes, "nodes");
	if (keys == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no node to make from function %s", t.display),
				 errhint("Name each node and bind its parameters: '{\"avg_2wk_spend\": {\"weeks\": {\"value\": 2}}}'.")));
	foreach(lc, keys)
	{
		char	   *schema,
				   *name,
				   *display;
		JsonbValue *v = getKeyJsonValueFromContainer(&nodes->root, lfirst(lc), strlen(lfirst(lc)), NULL);
		Jsonb	   *bindings = JsonbValueToJsonb(v);

		parse_node_name(lfirst(lc), &schema, &name, false);
		if (schema == NULL)
			schema = t.schema;
		display = qualified_display(schema, name);
		if (!catalog_module_exists(schema))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_SCHEMA),
					 errmsg("schema \"%s\" of node %s is not a module", schema, display),
					 errhint("hamilton_register('%s') first.", quote_identifier(schema))));
		if (name[0] == '_')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_NAME),
					 errmsg("node name %s starts with an underscore", display),
					 errdetail("A function whose name starts with _ is a helper, not a node, as in Hamilton."),
					 errhint("Name the node without the leading underscore.")));
		if (!JB_ROOT_IS_OBJECT(bindings))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("bindings of node %s must be a JSON object", display),
					 errdetail("They are %s.", jsonb_text(bindings)),
					 errhint("Write '{\"%s\": {\"weeks\": {\"value\": 2}, \"spend\": {\"source\": \"tv_spend\"}}}'.", name)));
		(void) catalog_lock_schema(schema, psprintf("node %s was being made from %s", display, t.display));
		catalog_lock_node_name(schema, name);
		bind_params(&t, display, bindings);
		refuse_other_definition(&t, schema, name, display);
		{
			ErrorContextCallback cb;

			cb.callback = making_node_context;
			cb.arg = psprintf("while making node %s from function %s", display, t.display);
			cb.previous = error_context_stack;
			error_context_stack = &cb;
			spi_exec_checked(node_function_sql(&t, schema, name), 0, NULL, NULL, NULL, SPI_OK_UTILITY);
			error_context_stack = cb.previous;
		}
		spi_exec_checked(psprintf("COMMENT ON FUNCTION %s IS %s",
								  quote_qualified_identifier(schema, name), quote_literal_cstr(node_doc(&t))),
						 0, NULL, NULL, NULL, SPI_OK_UTILITY);
		names = lappend(names, display);
	}
	return names;
}
