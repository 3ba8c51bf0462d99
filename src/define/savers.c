/*-------------------------------------------------------------------------
 *
 * savers.c
 *	  Loaders and savers, Hamilton's @load_from / @dataloader and @save_to /
 *	  @datasaver (hamilton_load, hamilton_save, hamilton_unsave;
 *	  features-b, issue 13 item 9).
 *
 * A loader is a SQL node like any other, whose SELECT reads a file through
 * hamilton_read_file: everything a SQL node takes (a key and
 * extract_columns for a frame, checks, tags, config_when) applies to it.
 * A saver writes a node's result to a file whenever a run computes the
 * node (exec/files.c), whatever the step does with it (a result table, a
 * temporary table, an inlined query or a value).  Both run COPY as the
 * caller of the run, so PostgreSQL's own file privileges apply
 * (pg_read_server_files, pg_write_server_files).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "define.h"

/*
 * define_loader defines the SQL node node_text whose rows are read from
 * the file at path, with the given columns ("a int, b text") and COPY
 * options; returns its name.
 */
char *
define_loader(DefineArgs *a, const char *path, const char *columns, Jsonb *options)
{
	char	   *extschema = catalog_extension_schema();

	parse_file_path(path, "loader");
	(void) parse_copy_options(options);
	if (columns == NULL || strspn(columns, " \t\r\n") == strlen(columns))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("loader %s names no columns", a->node_text),
				 errdetail("A file's rows have the columns and types the loader declares."),
				 errhint("Name them as a table's: columns => 'region text, amount numeric'.")));
	a->sql = psprintf("SELECT * FROM %s.hamilton_read_file(%s%s%s) AS file(%s)",
					  quote_identifier(extschema ? extschema : "public"),
					  quote_literal_cstr(path),
					  options ? ", " : "",
					  options ? psprintf("%s::pg_catalog.jsonb", quote_literal_cstr(jsonb_text(options))) : "",
					  columns);
	return define_sql_node(a);
}

/*
 * define_add_saver makes a run that computes node_text write its result to
 * path with options (COPY's; NULL: CSV with a header).  Only the node's
 * owner may; a frame's columns are saved through the frame.
 */
void
define_add_saver(const char *node_text, const char *path, Jsonb *options)
{
	Dag		   *dag = dag_build_config(NULL, true);
	HNode	   *node = &dag->nodes[dag_resolve_name_or_error(dag, node_text)];

	define_check_owners(define_dag_owners(dag, node->schema, node->name), node->display, "save");
	if (node->kind == HNODE_COLUMN)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("node %s is a column and cannot be saved to a file", node->display),
				 errdetail("A column is computed inside its frame's query; it has no rows of its own."),
				 errhint("Save the frame, or a table node that selects the columns.")));
	parse_file_path(path, "saver");
	(void) parse_copy_options(options);
	(void) catalog_lock_schema(node->schema, psprintf("a saver of node %s was being added", node->display));
	catalog_store_saver(node->schema, node->name, path, options ? jsonb_text(options) : NULL,
						GetUserNameFromId(GetUserId(), false));
}

/*
 * define_remove_saver stops writing node_text's result to path.
 */
void
define_remove_saver(const char *node_text, const char *path)
{
	Dag		   *dag = dag_build_config(NULL, true);
	HNode	   *node = &dag->nodes[dag_resolve_name_or_error(dag, node_text)];

	define_check_owners(define_dag_owners(dag, node->schema, node->name), node->display, "unsave");
	if (!catalog_delete_saver(node->schema, node->name, path))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("node %s is not saved to \"%s\"", node->display, path),
				 errhint("SELECT * FROM " HAMILTON_SCHEMA ".savers; lists the savers.")));
}
