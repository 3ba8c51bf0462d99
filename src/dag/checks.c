/*-------------------------------------------------------------------------
 *
 * checks.c
 *	  A node's checks (Hamilton's @check_output): read from their JSON, the
 *	  one query that counts every check's failing rows on a relation, and
 *	  whether a check can be evaluated on a relation of the node's shape.
 *
 * The same query is analysed when a check is defined or a run validated
 * (on a typed row source with no rows of the node's shape, see shapes.c)
 * and run after a step has written its values (exec/data_checks.c), so a
 * check that would fail to run is refused before any work.
 *
 * A check reads one column, the node's own by default; a sql check reads
 * the columns its predicate names.  A column node's checks read its own
 * column.  not_null counts NULL and, for float4, float8 and numeric
 * columns, NaN: Hamilton's (and pandas') notion of a missing value.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "dag.h"

static char *check_failing_sql(NodeCheck *c, TupleDesc desc);
static int	shape_column(TupleDesc desc, const char *name);
static char *shape_column_list(TupleDesc desc);
static HProblem *column_node_problem(HNode *node, List *checks);
static HProblem *schema_on_value_problem(HNode *node, List *checks);
static HProblem *analysis_problem(HNode *node, List *checks, TupleDesc desc,
								  const char *whose);

/*
 * dag_checks_read reads a node's checks, in order; default_column is the
 * column a check reads when it names none (the node's own).
 */
List *
dag_checks_read(const char *checks_json, const char *default_column)
{
	List	   *checks = NIL;
	uint64		i;

	if (checks_json == NULL)
		return NIL;
	spi_exec_checked("SELECT coalesce(e->>'name', e->>'check'), coalesce(e->>'severity', 'warn'), "
					 "  e->>'check', CASE WHEN e->>'check' NOT IN ('sql', 'schema') THEN coalesce(e->>'column', $2) END, "
					 "  e->>'min', e->>'max', "
					 "  (SELECT string_agg(quote_literal(v #>> '{}'), ', ') FROM jsonb_array_elements(e->'values') v), "
					 "  e->>'predicate', e::text, e->>'type', e->'columns', coalesce((e->>'strict')::bool, false) "
					 "FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, i) ORDER BY i",
					 2, (Oid[]) {TEXTOID, TEXTOID},
					 (Datum[]) {CStringGetTextDatum(checks_json), CStringGetTextDatum(default_column)},
					 NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		NodeCheck  *c = palloc0(sizeof(NodeCheck));

		c->name = SPI_getvalue(row, desc, 1);
		c->severity = SPI_getvalue(row, desc, 2);
		c->kind = SPI_getvalue(row, desc, 3);
		c->column = SPI_getvalue(row, desc, 4);
		c->min = SPI_getvalue(row, desc, 5);
		c->max = SPI_getvalue(row, desc, 6);
		c->values = SPI_getvalue(row, desc, 7);
		c->predicate = SPI_getvalue(row, desc, 8);
		c->spec = SPI_getvalue(row, desc, 9);
		c->type = SPI_getvalue(row, desc, 10);
		c->columns = SPI_getvalue(row, desc, 11);
		c->strict = strcmp(SPI_getvalue(row, desc, 12), "t") == 0;
		checks = lappend(checks, c);
	}
	SPI_freetuptable(SPI_tuptable);
	return checks;
}

/*
 * check_failing_sql: the expression that counts one check's failing rows.
 * A predicate stands on lines of its own, so that a comment ending it
 * cannot swallow what follows.
 */
static char *
check_failing_sql(NodeCheck *c, TupleDesc desc)
{
	const char *col = c->column ? quote_identifier(c->column) : NULL;

	if (CHECK_ON_TYPES(c))
		return pstrdup("0::pg_catalog.int8");	/* exec/type_checks.c */
	if (strcmp(c->kind, "not_null") == 0)
	{
		int			att = shape_column(desc, c->column);
		Oid			type = att >= 0 ? getBaseType(TupleDescAttr(desc, att)->atttypid) : InvalidOid;

		if (type == FLOAT4OID || type == FLOAT8OID)
			return psprintf("pg_catalog.count(*) FILTER (WHERE %s IS NULL OR %s = 'NaN'::pg_catalog.float8)",
							col, col);
		if (type == NUMERICOID)
			return psprintf("pg_catalog.count(*) FILTER (WHERE %s IS NULL OR %s = 'NaN'::pg_catalog.numeric)",
							col, col);
		return psprintf("pg_catalog.count(*) FILTER (WHERE %s IS NULL)", col);
	}
	if (strcmp(c->kind, "range") == 0)
		return psprintf("pg_catalog.count(*) FILTER (WHERE %s < %s OR %s > %s)",
						col, c->min ? c->min : "NULL", col, c->max ? c->max : "NULL");
	if (strcmp(c->kind, "unique") == 0)
		return psprintf("pg_catalog.count(%s) - pg_catalog.count(DISTINCT %s)", col, col);
	if (strcmp(c->kind, "in") == 0)
		return psprintf("pg_catalog.count(*) FILTER (WHERE %s NOT IN (%s))", col, c->values);
	return psprintf("pg_catalog.count(*) FILTER (WHERE NOT coalesce((\n%s\n), false))", c->predicate);
}

/*
 * dag_checks_count_sql: one query that counts the rows of from (a relation
 * with its alias) and each check's failing rows, in one scan.  desc is the
 * relation's shape: a not_null check on a float or numeric column counts
 * NaN too.
 */
char *
dag_checks_count_sql(List *checks, TupleDesc desc, const char *from)
{
	StringInfoData query;
	ListCell   *lc;

	initStringInfo(&query);
	appendStringInfoString(&query, "SELECT pg_catalog.count(*)");
	foreach(lc, checks)
		appendStringInfo(&query, ",\n       %s", check_failing_sql(lfirst(lc), desc));
	appendStringInfo(&query, "\nFROM %s", from);
	return query.data;
}

/* shape_column: the attribute number (0-based) of a column, or -1. */
static int
shape_column(TupleDesc desc, const char *name)
{
	int			i;

	if (name == NULL)
		return -1;
	for (i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped &&
			strcmp(NameStr(TupleDescAttr(desc, i)->attname), name) == 0)
			return i;
	return -1;
}

/* shape_column_list: a shape's columns, for messages. */
static char *
shape_column_list(TupleDesc desc)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped)
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "",
							 quote_identifier(NameStr(TupleDescAttr(desc, i)->attname)));
	return buf.len ? buf.data : "none";
}

/*
 * dag_checks_missing_column: a problem for the first check that reads a
 * column the relation (of shape desc) lacks, or NULL.  whose says whose
 * result the relation is ("node m.x", "variant m.x__eu of node m.x").
 */
HProblem *
dag_checks_missing_column(HNode *node, List *checks, TupleDesc desc, const char *whose)
{
	ListCell   *lc;

	foreach(lc, checks)
	{
		NodeCheck  *c = lfirst(lc);

		if (c->column == NULL || shape_column(desc, c->column) >= 0)
			continue;
		return problem_make("check_column", ERRCODE_UNDEFINED_COLUMN, node->display,
							psprintf("check %s of node %s reads column \"%s\", which %s does not have",
									 c->name, node->display, c->column, whose),
							psprintf("The columns of %s are %s. The check is %s.",
									 whose, shape_column_list(desc), c->spec),
							"Name one of its columns in \"column\"; a check without \"column\" reads the column named after the node.");
	}
	return NULL;
}

/*
 * dag_checks_node_problem: can node n's checks (checks_json, or the node's
 * own when NULL) be evaluated on what it yields?  A column node's checks
 * read its own column; every column a check reads must be there; their
 * query must analyse.  Returns the first problem, or NULL, also when the
 * node's shape is not known yet (an input's type comes with a run).
 */
HProblem *
dag_checks_node_problem(DagShapes *sh, int n, const char *checks_json)
{
	HNode	   *node = &sh->dag->nodes[n];
	List	   *checks = dag_checks_read(checks_json ? checks_json : node->checks, node->name);
	HProblem   *p;
	TupleDesc	desc;
	char	   *whose;

	if (checks == NIL)
		return NULL;
	if (node->kind == HNODE_COLUMN && (p = column_node_problem(node, checks)) != NULL)
		return p;
	if ((p = schema_on_value_problem(node, checks)) != NULL)
		return p;
	desc = dag_shape(sh, n);
	if (desc == NULL)
		return NULL;
	if (OidIsValid(node->funcoid) && strcmp(node->funcname, node->name) != 0)
		whose = psprintf("variant %s of node %s",
						 qualified_display(node->schema, node->funcname), node->display);
	else if (node->config_when)
		whose = psprintf("the variant of node %s for config %s", node->display, node->config_when);
	else
		whose = psprintf("node %s", node->display);
	p = dag_checks_missing_column(node, checks, desc, whose);
	return p ? p : analysis_problem(node, checks, desc, whose);
}

/*
 * column_node_problem: a column node has one value per row, so its checks
 * read its own column; a check naming another column is a problem
 * (returned; NULL if none).
 */
static HProblem *
column_node_problem(HNode *node, List *checks)
{
	ListCell   *lc;

	foreach(lc, checks)
	{
		NodeCheck  *c = lfirst(lc);

		if (c->column == NULL || strcmp(c->column, node->name) == 0)
			continue;
		return problem_make("check_column", ERRCODE_UNDEFINED_COLUMN, node->display,
							psprintf("check %s of column node %s reads column \"%s\"",
									 c->name, node->display, c->column),
							psprintf("A column node's checks read its own column, \"%s\". The check is %s.",
									 node->name, c->spec),
							psprintf("Leave \"column\" out; to check column \"%s\", set the check on the node that computes it.",
									 c->column));
	}
	return NULL;
}

/*
 * schema_on_value_problem: a schema check reads a table's columns; a
 * column node or a scalar has one value (a row's, or the node's), whose
 * type a data_type check reads.  Returns the problem, or NULL.
 */
static HProblem *
schema_on_value_problem(HNode *node, List *checks)
{
	ListCell   *lc;

	if (node->kind != HNODE_COLUMN && node->kind != HNODE_SCALAR)
		return NULL;
	foreach(lc, checks)
	{
		NodeCheck  *c = lfirst(lc);

		if (strcmp(c->kind, "schema") != 0)
			continue;
		return problem_make("check_invalid", ERRCODE_WRONG_OBJECT_TYPE, node->display,
							psprintf("check %s of %s node %s reads a table's columns",
									 c->name, node->kind == HNODE_COLUMN ? "column" : "scalar",
									 node->display),
							psprintf("A schema check is for a table node; node %s has one value%s. The check is %s.",
									 node->display, node->kind == HNODE_COLUMN ? " per row" : "", c->spec),
							"Check its type with {\"check\": \"data_type\", \"type\": \"...\"} instead.");
	}
	return NULL;
}

/*
 * analysis_problem: does the checks' query analyse on a relation of shape
 * desc?  A range on a text column, an in check whose values are not of the
 * column's type, a predicate naming a column that is not there, do not.
 * The query is analysed, never run, with the module's search_path, as it
 * will run.  Returns the first check that does not, or NULL.
 */
static HProblem *
analysis_problem(HNode *node, List *checks, TupleDesc desc, const char *whose)
{
	char	   *from = psprintf("%s AS %s", dag_shape_row_source(desc), quote_identifier(node->name));
	ErrorData  *edata = NULL;
	ListCell   *lc;

	if (dag_analyze(node->schema, dag_checks_count_sql(checks, desc, from), NULL))
		return NULL;

	/* which check: analyse them one by one */
	foreach(lc, checks)
	{
		NodeCheck  *c = lfirst(lc);

		if (dag_analyze(node->schema, dag_checks_count_sql(list_make1(c), desc, from), &edata))
			continue;
		return problem_make("check_invalid", edata->sqlerrcode, node->display,
							psprintf("check %s of node %s cannot be evaluated: %s",
									 c->name, node->display, edata->message),
							psprintf("The check is %s, on the columns of %s: %s.",
									 c->spec, whose, shape_column_list(desc)),
							psprintf("Correct the check with hamilton_check('%s', '[...]'), or the node.",
									 node->display));
	}
	return NULL;
}
