/*-------------------------------------------------------------------------
 *
 * registry.c
 *	  Defining the dataflow: hamilton_register, hamilton_unregister,
 *	  hamilton_define, hamilton_drop, hamilton_tag.
 *
 * Who may do what follows PostgreSQL's own rules: registering a schema
 * takes owning it; defining a node takes CREATE on its schema (its result
 * table will live there); redefining, dropping or tagging a node takes
 * owning it (the function's owner, or the role that defined the SQL node),
 * or being a member of that role.  Every check happens before anything is
 * written, so a refused call changes nothing.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"

#include "catalog.h"
#include "dag.h"
#include "plan.h"
#include "runlog.h"
#include "decorators.h"
#include "sqlparse.h"

PG_FUNCTION_INFO_V1(hamilton_register);
PG_FUNCTION_INFO_V1(hamilton_unregister);
PG_FUNCTION_INFO_V1(hamilton_define);
PG_FUNCTION_INFO_V1(hamilton_drop);
PG_FUNCTION_INFO_V1(hamilton_tag);

static char *module_schema_name(Oid nspoid, const char *action);
static Oid	sql_node_owner(const char *schema, const char *name, bool *found);

static void apply_tags(const char *schema, const char *name, const char *display,
					   Jsonb *tags);

/*
 * module_schema_name checks that the caller owns a schema that may be a
 * module, and returns its name.
 */
static char *
module_schema_name(Oid nspoid, const char *action)
{
	char	   *nspname = get_namespace_name(nspoid);

	if (nspname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema with OID %u does not exist", nspoid),
				 errdetail("It was dropped, or the OID is wrong."),
				 errhint("Pass the schema by name, e.g. hamilton_register('shop').")));
	if (strcmp(nspname, "hamilton") == 0 || strcmp(nspname, "pg_catalog") == 0 ||
		strcmp(nspname, "information_schema") == 0 || isAnyTempNamespace(nspoid))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_SCHEMA_NAME),
				 errmsg("schema \"%s\" cannot be a module", nspname),
				 errdetail("System schemas, temporary schemas and pg_hamilton's own catalog hold no dataflow."),
				 errhint("Put the dataflow's functions in a schema of their own, e.g. CREATE SCHEMA shop.")));
	if (!pg_namespace_ownercheck(nspoid, GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of schema %s to %s it", quote_identifier(nspname), action),
				 errdetail("Registering a schema makes every function in it a node of the dataflow."),
				 errhint("Ask the schema's owner or a superuser to do it.")));
	return nspname;
}

/*
 * hamilton_register(module regnamespace) makes a schema a module and
 * returns how many nodes it holds.  Overloaded function names are refused:
 * a node name must mean one thing.
 */
Datum
hamilton_register(PG_FUNCTION_ARGS)
{
	Oid			nspoid = PG_GETARG_OID(0);
	MemoryContext callcxt = CurrentMemoryContext;
	char	   *nspname = module_schema_name(nspoid, "register");
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	OwnerScope w;
	Dag		   *dag;
	int			count = 0,
				i;
	StringInfoData warnings;

	SPI_connect();
	MemoryContextSwitchTo(callcxt);
	values[0] = CStringGetTextDatum(nspname);
	catalog_owner_begin(&w);
	spi_exec_checked("INSERT INTO hamilton.module (schema_name, registered_by) "
					 "VALUES ($1, session_user) ON CONFLICT (schema_name) DO NOTHING",
					 1, argtypes, values, NULL, SPI_OK_INSERT);
	catalog_owner_end(&w);
	CommandCounterIncrement();

	dag = dag_build();
	initStringInfo(&warnings);
	for (i = 0; i < dag->nnodes; i++)
	{
		HNode	   *node = &dag->nodes[i];
		ListCell   *lc;

		if (node->schema == NULL || strcmp(node->schema, nspname) != 0)
			continue;
		count++;
		foreach(lc, node->problems)
		{
			HProblem   *p = lfirst(lc);

			if (strcmp(p->code, "duplicate_node") == 0)
				ereport(ERROR,
						(errcode(p->sqlstate),
						 errmsg("cannot register schema %s: %s", quote_identifier(nspname), p->message),
						 errdetail("%s", p->detail),
						 errhint("A node name must mean one thing: rename the overloads, or prefix helpers with \"_\".")));
			appendStringInfo(&warnings, "%s%s", warnings.len ? "\n" : "", p->message);
		}
	}
	if (warnings.len > 0)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("module %s has nodes that cannot run yet", quote_identifier(nspname)),
				 errdetail("%s", warnings.data),
				 errhint("hamilton_validate() reports these again for any output that needs them.")));
	SPI_finish();
	PG_RETURN_INT32(count);
}

/*
 * hamilton_unregister(module regnamespace) forgets a module: its functions
 * stop being nodes and lose their tags.  Its SQL nodes stay.
 */
Datum
hamilton_unregister(PG_FUNCTION_ARGS)
{
	Oid			nspoid = PG_GETARG_OID(0);
	char	   *nspname = module_schema_name(nspoid, "unregister");
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	OwnerScope w;

	SPI_connect();
	if (!catalog_module_exists(nspname))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("schema %s is not a module", quote_identifier(nspname)),
				 errdetail("It was never registered, or it was unregistered already."),
				 errhint("SELECT module FROM hamilton.modules lists the registered modules.")));
	values[0] = CStringGetTextDatum(nspname);
	catalog_owner_begin(&w);
	spi_exec_checked("DELETE FROM hamilton.module WHERE schema_name = $1",
					 1, argtypes, values, NULL, SPI_OK_DELETE);
	spi_exec_checked("DELETE FROM hamilton.node_tag t WHERE t.schema_name = $1 "
					 "AND NOT EXISTS (SELECT 1 FROM hamilton.sql_node s "
					 "  WHERE s.schema_name = t.schema_name AND s.node_name = t.node_name)",
					 1, argtypes, values, NULL, SPI_OK_DELETE);
	catalog_owner_end(&w);
	SPI_finish();
	PG_RETURN_VOID();
}

/* sql_node_owner returns the owner of a SQL node, if it exists. */
static Oid
sql_node_owner(const char *schema, const char *name, bool *found)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	bool		isnull;

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	spi_exec_checked("SELECT owner::oid FROM hamilton.sql_node WHERE schema_name = $1 AND node_name = $2",
					 2, argtypes, values, NULL, SPI_OK_SELECT);
	*found = SPI_processed > 0;
	if (!*found)
		return InvalidOid;
	return DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

void
check_node_owner(Oid owner, const char *display, const char *action)
{
	char	   *owner_name = GetUserNameFromId(owner, true);

	if (!has_privs_of_role(GetUserId(), owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of node %s to %s it", display, action),
				 owner_name ?
				 errdetail("Node %s belongs to role %s.", display, quote_identifier(owner_name)) :
				 errdetail("Node %s belonged to a role that was dropped (OID %u).", display, owner),
				 errhint("Ask its owner, a member of that role, or a superuser.")));
}

/*
 * hamilton_define(node, sql, doc, tags, materialize, inputs, key,
 * extract_columns, config_when, checks) defines or replaces a SQL node.
 */
Datum
hamilton_define(PG_FUNCTION_ARGS)
{
	MemoryContext callcxt = CurrentMemoryContext;
	DefineArgs	a;
	char	   *display;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("node and sql must not be NULL"),
				 errdetail("A SQL node needs a name and a SELECT (or a column expression)."),
				 errhint("hamilton_define('module.name', 'SELECT ...')")));
	memset(&a, 0, sizeof(a));
	a.node_text = text_to_cstring(PG_GETARG_TEXT_PP(0));
	a.sql = text_to_cstring(PG_GETARG_TEXT_PP(1));
	a.doc = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	a.tags = PG_ARGISNULL(3) ? NULL : PG_GETARG_JSONB_P(3);
	a.materialize = PG_ARGISNULL(4) ? "auto" : text_to_cstring(PG_GETARG_TEXT_PP(4));
	a.declared = PG_ARGISNULL(5) ? NULL : PG_GETARG_ARRAYTYPE_P(5);
	a.key = PG_ARGISNULL(6) ? NULL : PG_GETARG_ARRAYTYPE_P(6);
	a.extract_columns = PG_ARGISNULL(7) ? false : PG_GETARG_BOOL(7);
	a.config_when = PG_ARGISNULL(8) ? NULL : PG_GETARG_JSONB_P(8);
	a.checks = PG_ARGISNULL(9) ? NULL : PG_GETARG_JSONB_P(9);

	SPI_connect();
	MemoryContextSwitchTo(callcxt);
	display = define_sql_node(&a);
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(display));
}

/*
 * define_sql_node checks and stores one SQL node (or one variant of it).
 * The definition is one read-only SELECT (a table node; a frame when it has
 * a key and extract_columns) or one expression (a column node).  Every check
 * comes before the write.  SPI must be connected.
 */
char *
define_sql_node(DefineArgs *a)
{
	MemoryContext callcxt = CurrentMemoryContext;
	char	   *schema,
			   *name,
			   *display,
			   *definition;
	const char *kind;
	Oid			nsp;
	bool		exists;
	Oid			owner,
				rel;
	FrameShape *shape = NULL;
	Oid			argtypes[14] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID, OIDOID, OIDOID,
	TEXTOID, TEXTARRAYOID, BOOLOID, TEXTARRAYOID, TEXTARRAYOID, TEXTOID};
	Datum		values[15];
	char		nulls[15];
	Jsonb	   *when;
	OwnerScope w;

	if (strcmp(a->materialize, "auto") != 0 && strcmp(a->materialize, "table") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid materialize option \"%s\"", a->materialize),
				 errdetail("Valid options are \"auto\" (a table when requested, else an intermediate) and \"table\" (always a table)."),
				 errhint("Use materialize => 'table' to keep an intermediate node's result.")));

	parse_node_name(a->node_text, &schema, &name, true);
	display = qualified_display(schema, name);
	nsp = get_namespace_oid(schema, false);
	if (isAnyTempNamespace(nsp) || strcmp(schema, "hamilton") == 0 || strcmp(schema, "pg_catalog") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_SCHEMA_NAME),
				 errmsg("node %s cannot be defined in schema %s", display, quote_identifier(schema)),
				 errdetail("Temporary schemas, system schemas and pg_hamilton's catalog cannot hold nodes."),
				 errhint("Define nodes in a schema of the dataflow's own, e.g. 'shop.%s'.", name)));
	if (pg_namespace_aclcheck(nsp, GetUserId(), ACL_CREATE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to define node %s", display),
				 errdetail("Defining a node takes CREATE on schema %s, where its result table lives.",
						   quote_identifier(schema)),
				 errhint("GRANT CREATE ON SCHEMA %s TO %s;", quote_identifier(schema),
						 quote_identifier(GetUserNameFromId(GetUserId(), false)))));

	when = config_when_checked(display, a->config_when);
	if (a->checks)
		checks_validate(display, a->checks);

	if (definition_is_query(a->sql))
	{
		ParsedQuery *pq = parse_node_query(display, a->sql);

		kind = "table";
		definition = pq->sql;
		if (a->key || a->extract_columns)
			shape = frame_shape(display, schema, definition, a->key, a->extract_columns);
	}
	else
	{
		ParsedExpr *pe = parse_node_expression(display, a->sql, "column expression");

		kind = "column";
		definition = pe->sql;
		if (a->key || a->extract_columns)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column node %s cannot have a key or extract columns", display),
					 errdetail("key and extract_columns make a table node a frame; %s is a column expression.", display),
					 errhint("Define the frame with its SELECT: hamilton_define('m.frame', 'SELECT ...', key => ARRAY['id'], extract_columns => true).")));
		if (a->declared)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column node %s cannot declare inputs", display),
					 errdetail("A column expression's inputs are the column names it reads."),
					 errhint("Name the columns in the expression itself.")));
		expression_check_calls(display, pe);
	}
	if (a->declared)
	{
		ListCell   *lc;

		foreach(lc, text_array_to_list(a->declared, "inputs"))
		{
			char	   *s,
					   *n;

			parse_node_name(lfirst(lc), &s, &n, false);
		}
	}
	MemoryContextSwitchTo(callcxt);

	owner = sql_node_owner(schema, name, &exists);
	if (exists)
		check_node_owner(owner, display, "redefine");
	else if (catalog_module_exists(schema))
	{
		Oid			fargtypes[2] = {OIDOID, TEXTOID};
		Datum		fvalues[2];

		fvalues[0] = ObjectIdGetDatum(nsp);
		fvalues[1] = CStringGetTextDatum(name);
		spi_exec_checked("SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p "
						 "WHERE p.pronamespace = $1 AND p.proname = $2 AND p.prokind = 'f'",
						 2, fargtypes, fvalues, NULL, SPI_OK_SELECT);
		if (SPI_processed > 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_FUNCTION),
					 errmsg("node %s is already defined by function %s", display,
							SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1)),
					 errdetail("Schema %s is a module, so its functions are nodes, and a node name must mean one thing.",
							   quote_identifier(schema)),
					 errhint("Choose another name, or drop the function first.")));
	}
	if (exists)
		variants_check_kind(display, schema, name, kind);

	rel = get_relname_relid(name, nsp);
	if (OidIsValid(rel) && lineage_result_relation(schema, name) != rel)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation %s already exists and was not created by pg_hamilton", display),
				 errdetail("Node %s would write its result there; pg_hamilton never overwrites a relation it did not create.",
						   display),
				 errhint("Choose another node name, or rename that relation.")));
	if (shape)
		frame_check_column_names(display, schema, nsp, name, shape);

	memset(nulls, ' ', sizeof(nulls));
	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	values[2] = CStringGetTextDatum(definition);
	values[3] = a->doc ? CStringGetTextDatum(a->doc) : (Datum) 0;
	nulls[3] = a->doc ? ' ' : 'n';
	values[4] = CStringGetTextDatum(a->materialize);
	values[5] = a->declared ? PointerGetDatum(a->declared) :
		PointerGetDatum(construct_empty_array(TEXTOID));
	values[6] = ObjectIdGetDatum(GetUserId());
	values[7] = ObjectIdGetDatum(owner);
	nulls[7] = exists ? ' ' : 'n';
	values[8] = CStringGetTextDatum(kind);
	values[9] = shape ? PointerGetDatum(shape->key) : (Datum) 0;
	nulls[9] = shape ? ' ' : 'n';
	values[10] = BoolGetDatum(shape && a->extract_columns);
	values[11] = shape ? PointerGetDatum(shape->columns) : (Datum) 0;
	nulls[11] = shape ? ' ' : 'n';
	values[12] = shape ? PointerGetDatum(shape->types) : (Datum) 0;
	nulls[12] = shape ? ' ' : 'n';
	values[13] = CStringGetTextDatum(JsonbToCString(NULL, &when->root, VARSIZE(when)));
	values[14] = a->parameterized ? CStringGetTextDatum(a->parameterized) : (Datum) 0;
	nulls[14] = a->parameterized ? ' ' : 'n';

	/*
	 * Replace only the definition whose owner was checked above: if another
	 * role defined the node meanwhile, the update matches nothing.
	 */
	catalog_owner_begin(&w);
	{
		Oid			types[15];

		memcpy(types, argtypes, sizeof(argtypes));
		types[14] = TEXTOID;
		spi_exec_checked("INSERT INTO hamilton.sql_node AS s (schema_name, node_name, definition, doc, "
						 "  materialize, declared_inputs, owner, kind, frame_key, extract_columns, "
						 "  frame_columns, frame_types, config_when, parameterized) "
						 "VALUES ($1, $2, $3, $4, $5, $6, $7::regrole, $9, $10, $11, $12, $13, $14::jsonb, $15::jsonb) "
						 "ON CONFLICT (schema_name, node_name, config_when) DO UPDATE SET "
						 "  definition = excluded.definition, doc = excluded.doc, "
						 "  materialize = excluded.materialize, declared_inputs = excluded.declared_inputs, "
						 "  kind = excluded.kind, frame_key = excluded.frame_key, "
						 "  extract_columns = excluded.extract_columns, frame_columns = excluded.frame_columns, "
						 "  frame_types = excluded.frame_types, parameterized = excluded.parameterized, "
						 "  defined_at = pg_catalog.now() "
						 "WHERE s.owner::oid OPERATOR(pg_catalog.=) $8",
						 15, types, values, nulls, SPI_OK_INSERT);
	}
	catalog_owner_end(&w);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("node %s was defined concurrently by another session", display),
				 errdetail("Its definition changed owner between the ownership check and the write."),
				 errhint("Look at SELECT owner, definition FROM hamilton.nodes WHERE node = '%s', then try again.", display)));

	if (a->tags)
		apply_tags(schema, name, display, a->tags);
	if (a->checks)
		checks_store(schema, name, a->checks);
	return display;
}

Datum
hamilton_drop(PG_FUNCTION_ARGS)
{
	MemoryContext callcxt = CurrentMemoryContext;
	char	   *node_text = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *schema,
			   *name,
			   *display;
	bool		exists;
	Oid			owner;
	Oid			argtypes[3] = {TEXTOID, TEXTOID, OIDOID};
	Datum		values[3];
	OwnerScope w;

	SPI_connect();
	MemoryContextSwitchTo(callcxt);
	parse_node_name(node_text, &schema, &name, false);
	if (schema == NULL)
	{
		Dag		   *dag = dag_build();
		int			idx = dag_resolve_name_or_error(dag, node_text);

		schema = dag->nodes[idx].schema;
	}
	display = qualified_display(schema, name);
	owner = sql_node_owner(schema, name, &exists);
	if (!exists)
	{
		Dag		   *dag = dag_build();
		int			idx = dag_find_qualified(dag, schema, name);

		if (idx >= 0 && dag->nodes[idx].extracted)
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("node %s is a column of frame %s", display,
							dag->nodes[dag->nodes[idx].frame].display),
					 errdetail("A frame's columns are nodes because it extracts them."),
					 errhint("Redefine the frame without that column, or drop the frame.")));
		if (idx >= 0 && OidIsValid(dag->nodes[idx].funcoid))
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("node %s is a function, not a SQL node", display),
					 errdetail("hamilton_drop removes nodes defined with hamilton_define."),
					 errhint("DROP FUNCTION %s; removes it from the dataflow.",
							 format_procedure(dag->nodes[idx].funcoid))));
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("SQL node %s does not exist", display),
				 errdetail("No SQL node of that name is defined."),
				 errhint("SELECT node FROM hamilton.nodes WHERE language = 'sql' lists the SQL nodes.")));
	}
	check_node_owner(owner, display, "drop");

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	values[2] = ObjectIdGetDatum(owner);
	catalog_owner_begin(&w);
	spi_exec_checked("DELETE FROM hamilton.sql_node WHERE schema_name = $1 AND node_name = $2 "
					 "AND owner::pg_catalog.oid OPERATOR(pg_catalog.=) $3",
					 3, argtypes, values, NULL, SPI_OK_DELETE);
	catalog_owner_end(&w);
	/* every variant goes */
	if (SPI_processed < 1)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("node %s was changed concurrently by another session", display),
				 errdetail("Its definition changed between the ownership check and the drop."),
				 errhint("Look at SELECT owner FROM hamilton.nodes WHERE node = '%s', then try again.", display)));
	catalog_delete_tags(schema, name);
	checks_store(schema, name, NULL);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * apply_tags merges a JSON object into a node's tags: a string is stored as
 * is, any other value as its JSON text, and null removes the key.
 */
static void
apply_tags(const char *schema, const char *name, const char *display, Jsonb *tags)
{
	List	   *keys = jsonb_object_keys_list(tags, "tags");
	ListCell   *lc;
	OwnerScope w;

	foreach(lc, keys)
	{
		char	   *key = lfirst(lc);
		char	   *text;
		char		kind;
		Oid			argtypes[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
		Datum		values[4];

		if (key[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("tag keys of node %s must not be empty", display),
					 errdetail("Tags are key-value pairs; \"\" is not a key."),
					 errhint("Write tags as '{\"owner\": \"planning\"}'.")));
		(void) jsonb_object_get(tags, key, &text, &kind);
		if (strcmp(key, "materialize") == 0 && kind != JSON_KIND_NULL &&
			(kind != JSON_KIND_STRING || (strcmp(text, "auto") != 0 && strcmp(text, "table") != 0)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid materialize tag of node %s", display),
					 errdetail("The tag materialize is \"auto\" (a table when requested) or \"table\" (always a table)."),
					 errhint("hamilton_tag('%s', '{\"materialize\": \"table\"}') keeps the node's result even when it is an intermediate.",
							 display)));
		values[0] = CStringGetTextDatum(schema);
		values[1] = CStringGetTextDatum(name);
		values[2] = CStringGetTextDatum(key);
		catalog_owner_begin(&w);
		if (kind == JSON_KIND_NULL)
			spi_exec_checked("DELETE FROM hamilton.node_tag WHERE schema_name = $1 AND node_name = $2 AND tag_key = $3",
							 3, argtypes, values, NULL, SPI_OK_DELETE);
		else
		{
			values[3] = CStringGetTextDatum(text);
			spi_exec_checked("INSERT INTO hamilton.node_tag VALUES ($1, $2, $3, $4) "
							 "ON CONFLICT (schema_name, node_name, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
							 4, argtypes, values, NULL, SPI_OK_INSERT);
		}
		catalog_owner_end(&w);
	}
}

/*
 * hamilton_tag(node, tags) merges tags into any node (Hamilton's @tag) and
 * returns the node's tags.
 */
Datum
hamilton_tag(PG_FUNCTION_ARGS)
{
	MemoryContext callcxt = CurrentMemoryContext;
	char	   *node_text = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *tags = PG_GETARG_JSONB_P(1);
	Dag		   *dag;
	HNode	   *node;
	Jsonb	   *result;

	SPI_connect();
	MemoryContextSwitchTo(callcxt);
	dag = dag_build_config(NULL, true);	/* a node with variants has tags too */
	node = &dag->nodes[dag_resolve_name_or_error(dag, node_text)];
	check_node_owner(node->owner, node->display, "tag");
	apply_tags(node->schema, node->name, node->display, tags);
	result = catalog_node_tags(node->schema, node->name);
	SPI_finish();
	PG_RETURN_JSONB_P(result);
}
