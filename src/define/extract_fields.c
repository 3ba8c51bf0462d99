/*-------------------------------------------------------------------------
 *
 * extract_fields.c
 *	  Hamilton's @extract_fields: each field of a one-row node becomes a
 *	  node of its own, named after the field, which downstream nodes take
 *	  as a parameter.
 *
 * The node is a table node that yields one row: a function with OUT
 * parameters, one returning a composite type, or a SQL node such as
 * SELECT avg(x) AS mean, stddev(x) AS std.  Each field is a scalar node,
 * a function of the module that reads the node's result (a regclass
 * parameter named after it: an edge) and returns the field, written by the
 * caller as if they had written it:
 *
 *	  CREATE FUNCTION m.mean(stats regclass) RETURNS double precision
 *	  LANGUAGE plpgsql STABLE AS ... SELECT mean FROM <stats' result> ...
 *
 * A result with no row or several is an error of the run (21000), never a
 * NULL.  The fields and their types are read from the node's shape, the
 * same in every variant of it; they are made again by calling
 * hamilton_extract_fields again after the node changed, which replaces
 * only the functions it made itself, and drops those of fields the node
 * no longer has.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "define.h"

#define FIELD_MARKER "-- made by hamilton_extract_fields: field of node "

static TupleDesc node_fields(Dag *dag, HNode *node);
static bool same_fields(TupleDesc a, TupleDesc b);
static TupleDesc shape_without_config(HNode *node);
static void refuse_taken_name(const char *schema, const char *field, const char *display,
							  const char *node_display);
static char *field_function_sql(HNode *node, Form_pg_attribute a);
static void drop_stale_fields(HNode *node, List *names);

/*
 * node_fields: the columns node yields, the same in each of its variants;
 * a node that is not a table node, a frame, or one whose columns only a
 * run can tell are refused.
 */
static TupleDesc
node_fields(Dag *dag, HNode *node)
{
	DagShapes  *sh = dag_shapes_create(dag);
	TupleDesc	first = NULL;
	int			i;

	if (node->kind != HNODE_QUERY && node->kind != HNODE_TABLE_FUNC)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("node %s has no fields to extract", node->display),
				 errdetail("It is a %s node; fields are the columns of a node that yields one row.",
						   node->kind == HNODE_COLUMN ? "column" : node->kind == HNODE_INPUT ? "input" : "scalar"),
				 errhint("Extract the fields of a function with OUT parameters, one returning a composite type, or a one-row SQL node.")));
	if (node->nkey > 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("node %s is a frame", node->display),
				 errdetail("A frame has one row per key; its columns are nodes already (extract_columns)."),
				 errhint("Extract the fields of a node that yields one row.")));
	for (i = 0; i < dag->nnodes; i++)
	{
		HNode	   *v = &dag->nodes[i];
		TupleDesc	desc;

		if (v->schema == NULL || strcmp(v->schema, node->schema) != 0 || strcmp(v->name, node->name) != 0)
			continue;
		desc = dag_shape(sh, i);
		if (desc == NULL && v->config_when == NULL)
			desc = shape_without_config(v);
		if (desc == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("the columns of node %s are known only at a run", node->display),
					 errdetail("It reads an input, whose type comes with a run, or a node whose variant only a run's config chooses."),
					 errhint("Cast what it reads to the types its fields should have, e.g. SELECT h::numeric AS h2 FROM h.")));
		if (first && !same_fields(first, desc))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("the variants of node %s yield different columns", node->display),
					 errdetail("Its fields must be the same whichever variant config chooses."),
					 errhint("Give every variant the same columns, of the same types.")));
		first = first ? first : desc;
	}
	if (first == NULL || first->natts == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("node %s yields no column", node->display),
				 errhint("Extract the fields of a node that yields columns.")));
	return first;
}

/*
 * shape_without_config: the columns of a node that has no variants of its
 * own but reads one, in the graph a run without config builds (the
 * variants an empty config chooses); NULL if that graph cannot tell.
 */
static TupleDesc
shape_without_config(HNode *node)
{
	Dag		   *dag = dag_build_config(NULL, false);
	int			i;

	for (i = 0; i < dag->nnodes; i++)
		if (dag->nodes[i].schema && strcmp(dag->nodes[i].schema, node->schema) == 0 &&
			strcmp(dag->nodes[i].name, node->name) == 0)
			return dag_shape(dag_shapes_create(dag), i);
	return NULL;
}

/* same_fields: do two shapes have the same columns, of the same types? */
static bool
same_fields(TupleDesc a, TupleDesc b)
{
	int			i;

	if (a->natts != b->natts)
		return false;
	for (i = 0; i < a->natts; i++)
		if (TupleDescAttr(a, i)->atttypid != TupleDescAttr(b, i)->atttypid ||
			strcmp(NameStr(TupleDescAttr(a, i)->attname), NameStr(TupleDescAttr(b, i)->attname)) != 0)
			return false;
	return true;
}

/* The node a field would be made for, as refuse_user_function reports it. */
typedef struct FieldName
{
	const char *display;
	const char *node_display;
} FieldName;

/* refuse_user_function: a function of the field's name is the user's. */
static void
refuse_user_function(const char *signature, void *ctx)
{
	FieldName  *f = ctx;

	ereport(ERROR,
			(errcode(ERRCODE_DUPLICATE_FUNCTION),
			 errmsg("function %s already exists", signature),
			 errdetail("Field %s of node %s would be a node of that name.", f->display, f->node_display),
			 errhint("Rename the column in node %s, or drop the function first.", f->node_display)));
}

/*
 * refuse_taken_name: field node schema.field may replace only a function
 * hamilton_extract_fields made; a SQL node, or any other function, of that
 * name is refused.  Drops the one it replaces.
 */
static void
refuse_taken_name(const char *schema, const char *field, const char *display,
				  const char *node_display)
{
	FieldName	f = {display, node_display};

	if (catalog_sql_node_owners(schema, field) != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_FUNCTION),
				 errmsg("field %s of node %s is already a SQL node", display, node_display),
				 errdetail("A node has one definition."),
				 errhint("Rename the column in node %s, or hamilton_drop('%s') first.", node_display, display)));
	define_replace_made_functions(schema, field, "pg_catalog.starts_with(p.prosrc, $3)", TEXTOID,
								  CStringGetTextDatum(psprintf("\n" FIELD_MARKER "%s\n", node_display)),
								  refuse_user_function, &f);
}

/*
 * field_function_sql: the CREATE FUNCTION of the field node for column a
 * of node: it reads the node's one row.
 */
static char *
field_function_sql(HNode *node, Form_pg_attribute a)
{
	StringInfoData sql;
	const char *field = NameStr(a->attname);
	char	   *type = format_type_be_qualified(a->atttypid);
	char	   *display_lit = quote_literal_cstr(node->display);

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE FUNCTION %s(%s pg_catalog.regclass) RETURNS %s LANGUAGE plpgsql STABLE AS $hamilton_field$\n"
					 FIELD_MARKER "%s\n"
					 "DECLARE\n"
					 "  n pg_catalog.int8;\n"
					 "  v %s;\n"
					 "BEGIN\n"
					 "  EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %%s', %s) INTO n;\n"
					 "  IF n <> 1 THEN\n"
					 "    RAISE EXCEPTION USING ERRCODE = 'cardinality_violation',\n"
					 "      MESSAGE = pg_catalog.format('node %%s yields %%s rows, not one', %s, n),\n"
					 "      DETAIL = pg_catalog.format('Field %%s is extracted from its one row.', %s),\n"
					 "      HINT = pg_catalog.format('Make node %%s yield one row (an aggregate, or LIMIT 1), or do not extract its fields.', %s);\n"
					 "  END IF;\n"
					 "  EXECUTE pg_catalog.format('SELECT %%I FROM %%s', %s, %s) INTO v;\n"
					 "  RETURN v;\n"
					 "END\n"
					 "$hamilton_field$",
					 quote_qualified_identifier(node->schema, field), quote_identifier(node->name), type,
					 node->display, type, quote_identifier(node->name),
					 display_lit, quote_literal_cstr(field), display_lit,
					 quote_literal_cstr(field), quote_identifier(node->name));
	return sql.data;
}

/*
 * define_extract_fields makes each column of one-row node node_text a
 * scalar node of its module named after it (Hamilton's @extract_fields),
 * and returns their names, in column order.
 */
List *
define_extract_fields(const char *node_text)
{
	Dag		   *dag = dag_build_config(NULL, true);
	HNode	   *node = &dag->nodes[dag_resolve_name_or_error(dag, node_text)];
	TupleDesc	desc = node_fields(dag, node);
	List	   *names = NIL;
	ListCell   *lc;
	int			i;

	define_check_owners(define_dag_owners(dag, node->schema, node->name), node->display,
						"extract the fields of");
	(void) catalog_lock_schema(node->schema, psprintf("the fields of node %s were being extracted", node->display));
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);
		char	   *display;

		if (a->attisdropped)
			continue;
		display = qualified_display(node->schema, NameStr(a->attname));
		if (strcmp(NameStr(a->attname), node->name) == 0 || NameStr(a->attname)[0] == '_')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_NAME),
					 errmsg("field \"%s\" of node %s cannot be a node", NameStr(a->attname), node->display),
					 errdetail("%s", NameStr(a->attname)[0] == '_' ?
							   "A name that starts with _ is a helper's, not a node's, as in Hamilton." :
							   "It is named like the node itself."),
					 errhint("Rename the column in node %s.", node->display)));
		catalog_lock_node_name(node->schema, NameStr(a->attname));
		refuse_taken_name(node->schema, NameStr(a->attname), display, node->display);
		spi_exec_checked(field_function_sql(node, a), 0, NULL, NULL, NULL, SPI_OK_UTILITY);
		spi_exec_checked(psprintf("COMMENT ON FUNCTION %s IS %s",
								  quote_qualified_identifier(node->schema, NameStr(a->attname)),
								  quote_literal_cstr(psprintf("field %s of node %s", NameStr(a->attname), node->display))),
						 0, NULL, NULL, NULL, SPI_OK_UTILITY);
		names = lappend(names, pstrdup(NameStr(a->attname)));
	}
	drop_stale_fields(node, names);
	foreach(lc, names)
		lfirst(lc) = qualified_display(node->schema, lfirst(lc));
	return names;
}

/*
 * drop_stale_fields drops the field nodes made from node earlier whose
 * column it no longer yields (names: the fields it has now).
 */
static void
drop_stale_fields(HNode *node, List *names)
{
	uint64		k;
	List	   *stale = NIL;
	ListCell   *lc;

	spi_exec_checked("SELECT p.oid::pg_catalog.regprocedure::pg_catalog.text "
					 "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
					 "WHERE n.nspname = $1 AND pg_catalog.starts_with(p.prosrc, $2) "
					 "  AND p.proname::pg_catalog.text <> ALL ($3) ORDER BY p.oid",
					 3, (Oid[]) {TEXTOID, TEXTOID, TEXTARRAYOID},
					 (Datum[]) {CStringGetTextDatum(node->schema),
						 CStringGetTextDatum(psprintf("\n" FIELD_MARKER "%s\n", node->display)),
						 PointerGetDatum(cstring_list_to_array(names))},
					 NULL, SPI_OK_SELECT);
	for (k = 0; k < SPI_processed; k++)
		stale = lappend(stale, SPI_getvalue(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 1));
	foreach(lc, stale)
		spi_exec_checked(psprintf("DROP FUNCTION %s", (char *) lfirst(lc)), 0, NULL, NULL, NULL,
						 SPI_OK_UTILITY);
}
