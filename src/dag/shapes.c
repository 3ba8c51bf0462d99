/*-------------------------------------------------------------------------
 *
 * shapes.c
 *	  A node's shape: the columns (names and types) its result has, known
 *	  without running anything, so that what reads them (its checks) can be
 *	  analysed before any work.
 *
 * A function's shape comes from pg_proc; a scalar's value is a one-row
 * relation with one column, both named after the node; a column node's
 * relation is its frame's key and its own column (an expression's type
 * found by analysing it over what it reads).  A SQL node's shape is
 * found by analysing (not running, not even planning) its SELECT with each
 * node it reads replaced by a typed row source of that node's shape,
 * (SELECT NULL::int4 AS k, ...): so the upstream nodes' shapes come
 * first, found with an explicit stack, never by recursion.  An input's
 * type is known only at a run; where a shape cannot be known, it is NULL
 * and nothing is concluded from it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/tupdesc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "nodes/nodes.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/plancache.h"

#include "dag.h"

/* Where a node's shape is. */
#define SHAPE_UNSEEN	0
#define SHAPE_PENDING	1		/* on the stack: its upstream first */
#define SHAPE_KNOWN		2
#define SHAPE_UNKNOWN	3

static int	shape_needs(DagShapes *sh, int n, int *needs);
static TupleDesc compute_shape(DagShapes *sh, int n);
static TupleDesc one_column(const char *name, Oid type, int32 typmod);
static TupleDesc function_shape(HNode *node);
static TupleDesc query_shape(DagShapes *sh, HNode *node);
static char *query_sql(DagShapes *sh, HNode *node);
static TupleDesc column_shape(DagShapes *sh, HNode *node);
static bool variant_unknown(DagShapes *sh, int n);
static char *typed_null(Oid type, int32 typmod);
static bool expression_type(DagShapes *sh, HNode *node, TupleDesc fdesc, Oid *type,
							int32 *typmod);
static char *expression_sql(DagShapes *sh, HNode *node, TupleDesc fdesc);
static TupleDesc analyze_on_path(List *schemas, const char *sql, ErrorData **error,
								 char **tree);

/*
 * dag_shapes_create starts the shapes of a graph's nodes, none known yet.
 * The caller may then say what a request knows: an input's (or an
 * overridden value's) type in value_type, an overriding relation in
 * relation.
 */
DagShapes *
dag_shapes_create(Dag *dag)
{
	DagShapes  *sh = palloc0(sizeof(DagShapes));
	int			n = Max(dag->nnodes, 1);

	sh->dag = dag;
	sh->desc = palloc0(sizeof(TupleDesc) * n);
	sh->state = palloc0(sizeof(char) * n);
	sh->value_type = palloc0(sizeof(Oid) * n);
	sh->relation = palloc0(sizeof(char *) * n);
	return sh;
}

/*
 * dag_shape returns a node's shape, or NULL when it cannot be known
 * without running something.  The shapes it reads are found first, in
 * post-order with an explicit stack; a node met again while its own
 * upstream is being found (a cycle) has no shape.
 */
TupleDesc
dag_shape(DagShapes *sh, int n)
{
	int		   *stack;
	int		   *needs;
	int			top = 0,
				size = Max(sh->dag->nnodes, 16);

	if (sh->state[n] == SHAPE_KNOWN || sh->state[n] == SHAPE_UNKNOWN)
		return sh->desc[n];
	stack = palloc(sizeof(int) * size);
	needs = palloc(sizeof(int) * Max(sh->dag->nnodes, 1));
	stack[top++] = n;
	while (top > 0)
	{
		int			x = stack[top - 1];

		CHECK_FOR_INTERRUPTS();
		if (sh->state[x] == SHAPE_UNSEEN)
		{
			int			k,
						count = shape_needs(sh, x, needs);

			sh->state[x] = SHAPE_PENDING;
			for (k = 0; k < count; k++)
				if (sh->state[needs[k]] == SHAPE_UNSEEN)
				{
					/* a node may wait on the stack for several readers */
					if (top == size)
					{
						size *= 2;
						stack = repalloc(stack, sizeof(int) * size);
					}
					stack[top++] = needs[k];
				}
			continue;
		}
		top--;
		if (sh->state[x] != SHAPE_PENDING)
			continue;			/* pushed twice, found already */
		sh->desc[x] = compute_shape(sh, x);
		sh->state[x] = sh->desc[x] ? SHAPE_KNOWN : SHAPE_UNKNOWN;
	}
	pfree(stack);
	pfree(needs);
	return sh->desc[n];
}

/*
 * shape_needs: the nodes whose shapes node n's shape is made of (the
 * nodes a SQL node reads; a column node's frame, and what an expression
 * reads), each once, in needs; returns how many.
 */
static int
shape_needs(DagShapes *sh, int n, int *needs)
{
	HNode	   *node = &sh->dag->nodes[n];
	int			count = 0,
				r,
				k;

	if (OidIsValid(sh->value_type[n]) || sh->relation[n])
		return 0;
	if (node->kind == HNODE_COLUMN && node->frame >= 0)
		needs[count++] = node->frame;
	if (node->kind == HNODE_QUERY || (node->kind == HNODE_COLUMN && node->expression))
		for (r = 0; r < node->nrefs; r++)
		{
			int			t = node->refs[r].target;
			bool		seen = false;

			if (t < 0 || node->refs[r].key)
				continue;
			for (k = 0; k < count; k++)
				seen |= needs[k] == t;
			if (!seen)
				needs[count++] = t;
		}
	return count;
}

/* compute_shape: a node's shape, once the shapes it reads are known. */
static TupleDesc
compute_shape(DagShapes *sh, int n)
{
	HNode	   *node = &sh->dag->nodes[n];

	if (sh->relation[n])
		return dag_analyze(node->schema ? node->schema : "public",
						   psprintf("SELECT * FROM %s", sh->relation[n]), NULL);
	if (OidIsValid(sh->value_type[n]))
		return one_column(node->name, sh->value_type[n], -1);
	switch (node->kind)
	{
		case HNODE_INPUT:
			return NULL;		/* its type comes with its value */
		case HNODE_SCALAR:
			return one_column(node->name, node->rettype, -1);
		case HNODE_TABLE_FUNC:
			return function_shape(node);
		case HNODE_QUERY:
			return query_shape(sh, node);
		case HNODE_COLUMN:
			return column_shape(sh, node);
	}
	return NULL;
}

/* one_column: the shape of a value, one column of the value's name. */
static TupleDesc
one_column(const char *name, Oid type, int32 typmod)
{
	TupleDesc	desc;

	if (!OidIsValid(type) || IsPolymorphicType(type) || type == RECORDOID)
		return NULL;
	desc = CreateTemplateTupleDesc(1);
	TupleDescInitEntry(desc, (AttrNumber) 1, name, type, typmod, 0);
	return desc;
}

/*
 * function_shape: what SELECT * FROM f(...) yields, from pg_proc: the
 * columns of its TABLE, OUT parameters or composite type, or one column
 * named after the function (the function's own name: a variant's differs
 * from its node's).
 */
static TupleDesc
function_shape(HNode *node)
{
	Oid			rettype;
	TupleDesc	desc;

	switch (get_func_result_type(node->funcoid, &rettype, &desc))
	{
		case TYPEFUNC_COMPOSITE:
		case TYPEFUNC_COMPOSITE_DOMAIN:
			return CreateTupleDescCopy(desc);
		case TYPEFUNC_SCALAR:
			return one_column(node->funcname, rettype, -1);
		default:
			return NULL;		/* record without a column list, polymorphic */
	}
}

/*
 * query_shape: a SQL node's shape, by analysing its SELECT with every node
 * it reads replaced by a typed row source of that node's shape.
 */
static TupleDesc
query_shape(DagShapes *sh, HNode *node)
{
	char	   *sql = query_sql(sh, node);

	return sql ? dag_analyze(node->schema, sql, NULL) : NULL;
}

/*
 * query_sql: a SQL node's SELECT with each node it reads replaced by a
 * typed row source of its shape, for analysing; NULL when one of those
 * shapes is not known.
 */
static char *
query_sql(DagShapes *sh, HNode *node)
{
	char	  **repl = palloc0(sizeof(char *) * Max(node->nrefs, 1));
	int			r;

	for (r = 0; r < node->nrefs; r++)
	{
		SqlRef	   *ref = &node->refs[r];
		TupleDesc	up;

		if (ref->target < 0)
		{
			repl[r] = ref->source;
			continue;
		}
		up = sh->state[ref->target] == SHAPE_KNOWN ? sh->desc[ref->target] : NULL;
		if (up == NULL || !ref->inlinable || variant_unknown(sh, ref->target))
			return NULL;
		repl[r] = psprintf("%s%s", dag_shape_row_source(up),
						   ref->has_alias ? "" : psprintf(" AS %s", quote_identifier(ref->name)));
	}
	return splice_refs(node->sql, node->nrefs, node->refs, repl);
}

/*
 * column_shape: the relation a column node's values land in, its frame's
 * key and its own column: of the type the frame yields (a frame's column),
 * the function returns, or the expression has over what it reads.
 */
static TupleDesc
column_shape(DagShapes *sh, HNode *node)
{
	HNode	   *frame;
	TupleDesc	fdesc,
				desc;
	int			k,
				i;

	if (node->frame < 0 || sh->state[node->frame] != SHAPE_KNOWN ||
		variant_unknown(sh, node->frame))
		return NULL;
	frame = &sh->dag->nodes[node->frame];
	fdesc = sh->desc[node->frame];
	desc = CreateTemplateTupleDesc(frame->nkey + 1);
	for (k = 0; k <= frame->nkey; k++)
	{
		const char *name = k < frame->nkey ? frame->key[k] : node->name;
		Oid			type = InvalidOid;
		int32		typmod = -1;

		if (k == frame->nkey && node->expression)
		{
			if (!expression_type(sh, node, fdesc, &type, &typmod))
				return NULL;
		}
		else if (k == frame->nkey && !node->extracted)
			type = node->rettype;
		else
			for (i = 0; i < fdesc->natts; i++)
				if (strcmp(NameStr(TupleDescAttr(fdesc, i)->attname), name) == 0)
				{
					type = TupleDescAttr(fdesc, i)->atttypid;
					typmod = TupleDescAttr(fdesc, i)->atttypmod;
				}
		if (!OidIsValid(type) || IsPolymorphicType(type))
			return NULL;
		TupleDescInitEntry(desc, (AttrNumber) (k + 1), name, type, typmod, 0);
	}
	return desc;
}

/*
 * expression_type finds a column expression's type by analysing it
 * (expression_sql) on its own module's path, where its names mean what its
 * author meant; the frame's query, which runs it on the path of every
 * module it holds, must mean the same (validate/frame_paths.c).
 */
static bool
expression_type(DagShapes *sh, HNode *node, TupleDesc fdesc, Oid *type, int32 *typmod)
{
	char	   *sql = expression_sql(sh, node, fdesc);
	TupleDesc	desc;

	if (sql == NULL)
		return false;
	desc = dag_analyze(node->schema, sql, NULL);
	if (desc == NULL || desc->natts != 1)
		return false;
	*type = TupleDescAttr(desc, 0)->atttypid;
	*typmod = TupleDescAttr(desc, 0)->atttypmod;
	return true;
}

/*
 * expression_sql: a column expression over a row of its frame's key and the
 * columns it reads, each of its own type (a scalar or an input it reads is
 * a typed NULL), for analysing; NULL until what it reads is known.
 */
static char *
expression_sql(DagShapes *sh, HNode *node, TupleDesc fdesc)
{
	char	  **repl = palloc0(sizeof(char *) * Max(node->nrefs, 1));
	StringInfoData row;
	List	   *names = NIL;
	int			r,
				i;

	initStringInfo(&row);
	for (r = 0; r < node->nrefs; r++)
	{
		const char *name = NULL;
		Oid			t = InvalidOid;
		int32		tm = -1;
		ListCell   *lc;
		bool		seen = false;

		if (node->refs[r].target < 0 && !node->refs[r].key)
			continue;
		if (node->refs[r].key)
		{
			/* the frame's key column, as the frame yields it */
			name = node->refs[r].name;
			for (i = 0; i < fdesc->natts; i++)
				if (strcmp(NameStr(TupleDescAttr(fdesc, i)->attname), name) == 0)
				{
					t = TupleDescAttr(fdesc, i)->atttypid;
					tm = TupleDescAttr(fdesc, i)->atttypmod;
				}
		}
		else
		{
			int			target = node->refs[r].target;
			TupleDesc	up = sh->state[target] == SHAPE_KNOWN ? sh->desc[target] : NULL;
			Form_pg_attribute att;

			if (up == NULL || up->natts == 0)
				return NULL;
			att = TupleDescAttr(up, up->natts - 1);
			if (sh->dag->nodes[target].kind != HNODE_COLUMN)
			{
				/* a value: a typed NULL where it stands */
				repl[r] = psprintf("(%s)", typed_null(att->atttypid, att->atttypmod));
				continue;
			}
			name = sh->dag->nodes[target].name;
			t = att->atttypid;
			tm = att->atttypmod;
		}
		if (!OidIsValid(t))
			return NULL;
		foreach(lc, names)
			seen |= strcmp(lfirst(lc), name) == 0;
		if (seen)
			continue;
		names = lappend(names, (char *) name);
		appendStringInfo(&row, "%s%s AS %s", row.len ? ", " : "", typed_null(t, tm),
						 quote_identifier(name));
	}
	return psprintf("SELECT (\n%s\n) FROM (SELECT %s LIMIT 0) AS f0",
					splice_refs(node->sql, node->nrefs, node->refs, repl), row.data);
}

/*
 * variant_unknown: in a graph of every variant (dag->all_variants, as when
 * a node is defined), which variant of an upstream node a run will read is
 * up to its config, so what reads one has no shape yet.
 */
static bool
variant_unknown(DagShapes *sh, int n)
{
	return sh->dag->all_variants && sh->dag->nodes[n].config_when != NULL;
}

/* typed_null: NULL::type, the type qualified (whatever the search_path). */
static char *
typed_null(Oid type, int32 typmod)
{
	return psprintf("NULL::%s",
					format_type_extended(type, typmod,
										 FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY));
}

/*
 * dag_shape_row_source: a row source of a shape that yields no rows,
 * (SELECT NULL::pg_catalog.int4 AS k, ...), for analysing what reads it.
 */
char *
dag_shape_row_source(TupleDesc desc)
{
	StringInfoData buf;
	int			i;
	bool		first = true;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "(SELECT ");
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		appendStringInfo(&buf, "%s%s AS %s", first ? "" : ", ",
						 typed_null(att->atttypid, att->atttypmod),
						 quote_identifier(NameStr(att->attname)));
		first = false;
	}
	appendStringInfoString(&buf, " LIMIT 0)");
	return buf.data;
}

/*
 * dag_analyze analyses (parses and checks, never runs nor plans) one
 * SELECT as a module's SQL runs, with its search_path and SQL-reading
 * settings, and returns the shape of its result; on an error, NULL, with
 * the error in *error if error is not NULL.
 */
TupleDesc
dag_analyze(const char *schema, const char *sql, ErrorData **error)
{
	return analyze_on_path(list_make1((char *) schema), sql, error, NULL);
}

/*
 * dag_fragment_tree: what the SQL of node n (a SQL node's SELECT, a column
 * expression) means on the path of schemas: its analysed query tree, as
 * text, to compare with what it means on another path.  NULL when it does
 * not analyse there; *known is false (and NULL returned) when what it reads
 * has no shape yet.
 */
char *
dag_fragment_tree(DagShapes *sh, int n, List *schemas, bool *known)
{
	HNode	   *node = &sh->dag->nodes[n];
	char	   *sql = NULL;
	char	   *tree = NULL;

	*known = false;
	if (dag_shape(sh, n) == NULL && !(node->kind == HNODE_COLUMN && node->frame >= 0))
		return NULL;
	if (node->kind == HNODE_QUERY)
		sql = query_sql(sh, node);
	else if (node->kind == HNODE_COLUMN && node->expression && node->frame >= 0 &&
			 dag_shape(sh, node->frame) != NULL)
		sql = expression_sql(sh, node, sh->desc[node->frame]);
	if (sql == NULL)
		return NULL;
	*known = true;
	(void) analyze_on_path(schemas, sql, NULL, &tree);
	return tree;
}

/*
 * analyze_on_path is dag_analyze on the path of several schemas
 * (pin_modules_search_path), also giving the analysed query tree as text in
 * *tree when tree is not NULL.  It runs in a subtransaction, so an error
 * leaves nothing behind.
 */
static TupleDesc
analyze_on_path(List *schemas, const char *sql, ErrorData **error, char **tree)
{
	MemoryContext cxt = CurrentMemoryContext;
	SubxactScope sx;
	volatile TupleDesc desc = NULL;
	int			nestlevel = NewGUCNestLevel();

	pin_modules_search_path(schemas, catalog_public_on_path());
	pin_sql_reading_settings();
	subxact_begin(&sx);
	PG_TRY();
	{
		SPIPlanPtr	plan = SPI_prepare(sql, 0, NULL);
		CachedPlanSource *source;

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		source = linitial(SPI_plan_get_plan_sources(plan));
		MemoryContextSwitchTo(cxt);
		if (source->resultDesc)
			desc = CreateTupleDescCopy(source->resultDesc);
		if (tree)
			*tree = nodeToString(source->query_list);
		SPI_freeplan(plan);
		subxact_commit(&sx);
	}
	PG_CATCH();
	{
		ErrorData  *edata = subxact_rollback(&sx);

		if (error)
			*error = edata;
		desc = NULL;
	}
	PG_END_TRY();
	AtEOXact_GUC(true, nestlevel);
	MemoryContextSwitchTo(cxt);
	return desc;
}
