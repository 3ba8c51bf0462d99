/*-------------------------------------------------------------------------
 *
 * sql_node.c
 *	  Defining, redefining and dropping a SQL node (hamilton_define,
 *	  hamilton_drop).  Every check comes before the write, so a refused call
 *	  changes nothing.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"

#include "define.h"

static void check_not_a_function(const char *display, const char *schema, Oid nsp,
								 const char *name);
static bool same_owners(List *a, List *b);

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
	List	   *owners;
	bool		exists;
	NodeOwner  *same = NULL;
	ListCell   *lc;
	Oid			rel;
	FrameShape *shape = NULL;
	Jsonb	   *when;
	SqlNodeRow	row;
	bool		concurrent;

	memset(&row, 0, sizeof(row));
	check_materialize_option(a->materialize);
	check_refresh_option(a->refresh ? a->refresh : "replace");
	concurrent = a->refresh && strcmp(a->refresh, "concurrent") == 0;

	parse_node_name(a->node_text, &schema, &name, true);
	display = qualified_display(schema, name);
	nsp = catalog_lock_schema(schema, psprintf("node %s was being defined", display));
	if (isAnyTempNamespace(nsp) || strcmp(schema, HAMILTON_SCHEMA) == 0 || strcmp(schema, "pg_catalog") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_SCHEMA_NAME),
				 errmsg("node %s cannot be defined in schema %s", display, quote_identifier(schema)),
				 errdetail("Temporary schemas, system schemas and pg_hamilton's catalog cannot hold nodes."),
				 errhint("Define nodes in a schema of the dataflow's own, e.g. 'shop.%s'.", name)));
	catalog_check_path_schema(schema);
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
		/* a key without extract_columns is what it is refreshed on */
		if (a->extract_columns || (a->key && !concurrent))
			shape = frame_shape(display, schema, pq, a->key, a->extract_columns);
		else if (a->key && text_array_to_list(a->key, "key") == NIL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("key of node %s is empty", display),
					 errhint("Name the columns that identify a row, e.g. key => ARRAY['region', 'week'].")));
		else
			row.refresh_key = a->key;
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

	/*
	 * Every variant of the node has its owner: the one this call replaces,
	 * if any, and the others.  They are read again once the node's lock is
	 * held; what a definition that was waited for changed is a conflict.
	 */
	row.config_when = jsonb_text(when);
	owners = catalog_sql_node_owners(schema, name);
	catalog_lock_node_name(schema, name);
	if (!same_owners(owners, catalog_sql_node_owners(schema, name)))
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("node %s was defined concurrently by another session", display),
				 errdetail("Its variants changed between the ownership check and the write."),
				 errhint("Look at SELECT owner, definition FROM " HAMILTON_SCHEMA ".nodes WHERE node = '%s', then try again.", display)));
	exists = owners != NIL;
	foreach(lc, owners)
	{
		NodeOwner  *o = lfirst(lc);

		if (strcmp(o->config_when ? o->config_when : "{}", row.config_when) == 0)
			same = o;
	}
	if (exists)
	{
		define_check_owners(owners, display, same ? "redefine" : "add a variant to");
		variants_check_kind(display, schema, name, kind);
	}
	else
		check_not_a_function(display, schema, nsp, name);

	rel = get_relname_relid(name, nsp);
	if (OidIsValid(rel) && catalog_result_relation(schema, name) != rel)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation %s already exists and was not created by pg_hamilton", display),
				 errdetail("Node %s would write its result there; pg_hamilton never overwrites a relation it did not create.",
						   display),
				 errhint("Choose another node name, or rename that relation.")));
	if (shape)
		frame_check_column_names(display, schema, nsp, name, shape);

	row.schema = schema;
	row.name = name;
	row.definition = definition;
	row.doc = a->doc;
	row.materialize = a->materialize;
	row.declared = a->declared;
	row.owner = exists ? ((NodeOwner *) linitial(owners))->owner : GetUserId();
	row.previous_owner = same ? same->owner : InvalidOid;
	row.kind = kind;
	if (shape)
	{
		row.frame_key = shape->key;
		row.frame_columns = shape->columns;
		row.frame_types = shape->types;
		row.extract_columns = a->extract_columns;
	}
	row.parameterized = a->parameterized;
	row.refresh = a->refresh;
	if (!catalog_write_sql_node(&row))
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("node %s was defined concurrently by another session", display),
				 errdetail("Its definition changed owner between the ownership check and the write."),
				 errhint("Look at SELECT owner, definition FROM " HAMILTON_SCHEMA ".nodes WHERE node = '%s', then try again.", display)));

	if (a->tags)
	{
		check_tags(display, a->tags);
		catalog_merge_tags(schema, name, a->tags);
	}
	/* (servers) placed, by these tags or earlier ones (an error undoes the write) */
	{
		Jsonb	   *all = catalog_node_tags(schema, name);
		char	   *server;
		char		skind;

		/* (shard) a shard key, on a sharded table node (shard_key.c) */
		define_check_shard_key(display, kind, shape != NULL, all);

		if (all && jsonb_object_get(all, "placement", &server, &skind) && skind != JSON_KIND_NULL)
		{
			define_refuse_placed(display, kind, shape != NULL, a->incremental != NULL, concurrent);
			define_check_placement(display, schema, all);
		}
	}
	if (a->checks)
		catalog_store_checks(schema, name, a->checks);
	/* its checks, new or kept, must fit what it yields now (an error undoes the write) */
	if (a->checks || (exists && catalog_node_has_checks(schema, name)))
		checks_refuse_unevaluable(dag_build_config(NULL, true), schema, name, NULL);
	/* and so must its refresh: its key, among its columns */
	if (concurrent || refresh_tagged(catalog_node_tags(schema, name)))
		refresh_refuse_unfit(schema, name);
	/* incremental =>, or none (incremental_spec.c) */
	if (a->incremental && (strcmp(kind, "table") != 0 || shape || strcmp(row.config_when, "{}") != 0 || concurrent))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("node %s cannot be incremental", display),
				 errdetail("An incremental node is one table node, its own state: not a column node, a frame, a variant chosen by config or a node refreshed concurrently."),
				 errhint("Define it as a plain SELECT: hamilton_define('%s', 'SELECT ... FROM src, range_start, range_end WHERE ...', incremental => '{...}').", display)));
	define_set_incremental(schema, name, display, a->incremental);
	return display;
}

/*
 * same_owners: do two readings of a node's variants (catalog_sql_node_owners)
 * list the same variants with the same owners?
 */
static bool
same_owners(List *a, List *b)
{
	ListCell   *la,
			   *lb;

	if (list_length(a) != list_length(b))
		return false;
	forboth(la, a, lb, b)
	{
		NodeOwner  *oa = lfirst(la);
		NodeOwner  *ob = lfirst(lb);

		if (oa->owner != ob->owner ||
			strcmp(oa->config_when ? oa->config_when : "", ob->config_when ? ob->config_when : "") != 0)
			return false;
	}
	return true;
}

/*
 * check_not_a_function: in a module, a function of that name is a node
 * already, and a node name must mean one thing.
 */
static void
check_not_a_function(const char *display, const char *schema, Oid nsp, const char *name)
{
	Oid			argtypes[2] = {OIDOID, TEXTOID};
	Datum		values[2];

	if (!catalog_module_exists(schema))
		return;
	values[0] = ObjectIdGetDatum(nsp);
	values[1] = CStringGetTextDatum(name);
	spi_exec_checked("SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p "
					 "WHERE p.pronamespace = $1 AND p.proname = $2 AND p.prokind = 'f'",
					 2, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_FUNCTION),
				 errmsg("node %s is already defined by function %s", display,
						SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1)),
				 errdetail("Schema %s is a module, so its functions are nodes, and a node name must mean one thing.",
						   quote_identifier(schema)),
				 errhint("Choose another name, or drop the function first.")));
}

/*
 * define_drop_node removes a SQL node, every variant of it, with its tags
 * and checks.  A function node is dropped with DROP FUNCTION, and a frame's
 * column with its frame: both are refused with a hint saying so.
 */
void
define_drop_node(const char *node_text)
{
	char	   *schema,
			   *name,
			   *display;
	List	   *owners;

	parse_node_name(node_text, &schema, &name, false);
	if (schema == NULL)
	{
		Dag		   *dag = dag_build();
		int			idx = dag_resolve_name_or_error(dag, node_text);

		schema = dag->nodes[idx].schema;
	}
	display = qualified_display(schema, name);
	catalog_lock_node_name(schema, name);
	owners = catalog_sql_node_owners(schema, name);
	if (owners == NIL)
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
				 errhint("SELECT node FROM " HAMILTON_SCHEMA ".nodes WHERE language = 'sql' lists the SQL nodes.")));
	}
	define_check_owners(owners, display, "drop");

	/* every variant goes */
	if (!catalog_delete_sql_node(schema, name, owners))
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("node %s was changed concurrently by another session", display),
				 errdetail("Its definition changed between the ownership check and the drop."),
				 errhint("Look at SELECT owner FROM " HAMILTON_SCHEMA ".nodes WHERE node = '%s', then try again.", display)));
	/* and its incremental spec and processed ranges (incremental_spec.c) */
	define_set_incremental(schema, name, display, NULL);
	catalog_delete_tags(schema, name);
	catalog_store_checks(schema, name, NULL);
}
