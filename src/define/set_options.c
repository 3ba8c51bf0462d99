/*-------------------------------------------------------------------------
 *
 * set_options.c
 *	  Setting options on a node that exists, function or SQL: tags
 *	  (hamilton_tag, Hamilton's @tag, among them refresh and refresh_key), checks (hamilton_check, @check_output)
 *	  and making a function one variant of a node (hamilton_when,
 *	  @config.when).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "define.h"

/*
 * define_tag_node merges tags into any node and returns the node's tags.
 */
Jsonb *
define_tag_node(const char *node_text, Jsonb *tags)
{
	Dag		   *dag = dag_build_config(NULL, true);	/* a node with variants has tags too */
	HNode	   *node = &dag->nodes[dag_resolve_name_or_error(dag, node_text)];

	define_check_owners(define_dag_owners(dag, node->schema, node->name), node->display, "tag");
	check_tags(node->display, tags);
	(void) catalog_lock_schema(node->schema, psprintf("node %s was being tagged", node->display));
	catalog_merge_tags(node->schema, node->name, tags);
	/* a refresh the node cannot do is refused (the error undoes the merge) */
	if (refresh_tagged(tags))
		refresh_refuse_unfit(node->schema, node->name);
	/* (servers) a placement: a table-valued node, its server checked (placement.c) */
	{
		char	   *server;
		char		kind;
		const char *what = node->kind == HNODE_COLUMN ? "column" :
			node->kind == HNODE_SCALAR ? "scalar" : "table";

		/* (shard) a shard key, on a sharded table node (shard_key.c) */
		define_check_shard_key(node->display, what, node->nkey > 0,
							   catalog_node_tags(node->schema, node->name));
		if (jsonb_object_get(tags, "placement", &server, &kind) && kind != JSON_KIND_NULL)
		{
			define_refuse_placed(node->display, what,
								 node->nkey > 0, node->incremental != NULL, node->concurrent);
			define_check_placement(node->display, node->schema, tags);
		}
	}
	return catalog_node_tags(node->schema, node->name);
}

/*
 * define_set_checks sets the checks on any node, a function's as well as a
 * SQL node's; a frame's columns are checked through the frame.
 */
void
define_set_checks(const char *node_text, Jsonb *checks)
{
	Dag		   *dag = dag_build_config(NULL, true);	/* a node with variants has checks too */
	HNode	   *node = &dag->nodes[dag_resolve_name_or_error(dag, node_text)];

	if (node->extracted)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("node %s is a column of frame %s, whose checks are the frame's", node->display,
						dag->nodes[node->frame].display),
				 errdetail("A frame's columns are read as they are; the frame's result holds them."),
				 errhint("Check the frame, naming the column: hamilton_check('%s', '[{\"check\": \"not_null\", \"column\": \"%s\"}]').",
						 dag->nodes[node->frame].display, node->name)));
	define_check_owners(define_dag_owners(dag, node->schema, node->name), node->display,
						"set checks on");
	checks_validate(node->display, checks);
	(void) catalog_lock_schema(node->schema, psprintf("checks were being set on node %s", node->display));
	checks_refuse_unevaluable(dag, node->schema, node->name, jsonb_text(checks));
	catalog_store_checks(node->schema, node->name, checks);
}

/*
 * define_function_variant makes a function of a module one variant of a
 * node, Hamilton's way: spend__eu and spend__us are the two variants of node
 * spend, chosen by config when (NULL or {}: a plain node again).  Returns
 * the node's name (the function's, when it is no variant any more).
 */
char *
define_function_variant(const char *function_text, Jsonb *when)
{
	char	   *schema,
			   *fname,
			   *cut,
			   *display;
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	bool		isnull;
	uint64		k;

	parse_node_name(function_text, &schema, &fname, true);
	display = qualified_display(schema, fname);
	cut = strstr(fname, "__");
	while (cut && strstr(cut + 2, "__"))
		cut = strstr(cut + 2, "__");
	if (cut == NULL || cut == fname || cut[2] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("function %s is not named like a variant", display),
				 errdetail("A variant of node spend is a function named spend__<variant>, as in Hamilton."),
				 errhint("Name it e.g. %s.%s__variant.", quote_identifier(schema), fname)));

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(fname);
	spi_exec_checked("SELECT p.proowner FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
					 "WHERE n.nspname = $1 AND p.proname = $2 AND p.prokind = 'f' ORDER BY p.oid",
					 2, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("function %s does not exist", display),
				 errhint("Create the function in the module first, then make it a variant.")));
	/* the condition covers every overload: each must be the caller's */
	for (k = 0; k < SPI_processed; k++)
		catalog_check_node_owner(DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 1, &isnull)),
								 display, "make a variant of");
	if (when)
		when = config_when_checked(display, when);

	/*
	 * A variant joins the node's other variants, whose owners it must not
	 * override: adding one takes the rights of each, as changing the node
	 * does.
	 */
	if (when && JB_ROOT_COUNT(when) > 0)
	{
		char	   *node_name = pnstrdup(fname, cut - fname);

		(void) catalog_lock_schema(schema, psprintf("function %s was being made a variant", display));
		catalog_lock_node_name(schema, node_name);
		define_check_owners(catalog_variant_owners(schema, node_name, fname),
							qualified_display(schema, node_name), "add a variant to");
	}
	catalog_store_variant(schema, fname, when);

	if (when == NULL || JB_ROOT_COUNT(when) == 0)
		return display;
	/* the node's checks and refresh hold for its new variant too (an error undoes the write) */
	if (catalog_node_has_checks(schema, pnstrdup(fname, cut - fname)))
		checks_refuse_unevaluable(dag_build_config(NULL, true), schema,
								  pnstrdup(fname, cut - fname), NULL);
	if (refresh_tagged(catalog_node_tags(schema, pnstrdup(fname, cut - fname))))
		refresh_refuse_unfit(schema, pnstrdup(fname, cut - fname));
	return qualified_display(schema, pnstrdup(fname, cut - fname));
}
