/*-------------------------------------------------------------------------
 *
 * load_functions.c
 *	  Function nodes: every function of a registered module whose name does
 *	  not start with "_" (see catalog_read_function_nodes for the rest),
 *	  with its parameters, the upstream names.
 *
 * A function named spend__eu that hamilton_when made a variant is the node
 * spend, present when config matches (Hamilton's @config.when).
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
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "dag.h"

/* A function that is one variant of a node (see hamilton_when). */
typedef struct FunctionVariant
{
	char	   *schema;
	char	   *name;			/* the node's name: the function's before "__" */
	char	   *when;
	bool		chosen;
} FunctionVariant;

/* A row of catalog_read_function_nodes with what it is sorted on. */
typedef struct FunctionRowKey
{
	const char *schema;
	const char *name;
	Oid			oid;
	uint64		row;
} FunctionRowKey;

static FunctionRowKey *function_rows_sorted(void);
static int	function_row_compare(const void *a, const void *b);
static int	function_row_args(HeapTuple row, TupleDesc desc, Oid **argtypes,
							  char ***argnames, char **argmodes);
static void function_variant_problems(Dag *dag, List *variants);

/*
 * dag_load_function_nodes reads the functions of every registered module.
 * Helpers ("_" prefix), procedures, aggregates, trigger functions, functions
 * returning void or other pseudo-types, and functions that belong to an
 * extension are not nodes.
 */
void
dag_load_function_nodes(Dag *dag)
{
	uint64		i;
	List	   *variants = NIL;
	FunctionRowKey *sorted;
	FunctionExtras *extras;
	Oid			last_lang = InvalidOid,
				last_rettype = InvalidOid;
	char	   *last_lang_name = NULL;
	char		last_typtype = 0;

	/* (chain) comments, variants, tags and checks: few rows, apart */
	extras = catalog_read_function_extras();
	catalog_read_function_nodes();
	dag_reserve_nodes(dag, (int) SPI_processed);
	sorted = function_rows_sorted();

	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[sorted[i].row];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			funcoid = sorted[i].oid;
		Oid			rettype = DatumGetObjectId(SPI_getbinval(row, desc, Anum_function_node_rettype, &isnull));
		Oid			lang = DatumGetObjectId(SPI_getbinval(row, desc, Anum_function_node_lang, &isnull));
		char	   *when;
		const char *materialize,
				   *refresh,
				   *refresh_key,
				   *checks;
		int			index;
		HNode	   *node;
		Oid		   *argtypes;
		char	  **argnames;
		char	   *argmodes;
		int			nargs,
					a,
					nin,
					ndefaults;
		char		typtype;

		CHECK_FOR_INTERRUPTS();

		/*
		 * No function returning void or another pseudo-type (record aside)
		 * is a node.  Few types and languages recur: each is looked up once.
		 */
		if (rettype != last_rettype)
		{
			last_typtype = get_typtype(rettype);
			last_rettype = rettype;
		}
		typtype = last_typtype;
		if (typtype == TYPTYPE_PSEUDO && rettype != RECORDOID)
			continue;
		if (lang != last_lang)
		{
			last_lang_name = get_language_name(lang, false);
			last_lang = lang;
		}
		when = (char *) catalog_function_config_when(extras, sorted[i].schema, sorted[i].name);

		/*
		 * A variant (Hamilton's @config.when on spend__eu): the node is named
		 * before the last "__", and exists when config matches.
		 */
		if (when)
		{
			char	   *fname = pstrdup(sorted[i].name);
			char	   *cut = strstr(fname, "__");
			FunctionVariant *fv = palloc0(sizeof(FunctionVariant));

			while (cut && strstr(cut + 2, "__"))
				cut = strstr(cut + 2, "__");
			fv->schema = pstrdup(sorted[i].schema);
			fv->name = cut ? pnstrdup(fname, cut - fname) : fname;
			fv->when = when;
			fv->chosen = dag->all_variants || dag_when_matches(dag->config, when);
			variants = lappend(variants, fv);
			if (!fv->chosen)
				continue;
		}

		/*
		 * The pg_proc row is the query's (what the statement's snapshot
		 * sees), read with the node's other columns rather than through the
		 * syscache: a 10,000-node graph then makes no 10,000 index probes
		 * to build the entries that only a run needs.
		 */
		index = dag_add_node(dag);
		node = &dag->nodes[index];

		node->funcoid = funcoid;
		node->schema = pstrdup(sorted[i].schema);
		node->name = pstrdup(sorted[i].name);
		node->funcname = node->name;
		if (when)
		{
			node->name = ((FunctionVariant *) llast(variants))->name;
			node->config_when = when;
		}
		node->display = qualified_display(node->schema, node->name);
		node->language = last_lang_name;
		node->doc = (char *) catalog_function_comment(extras, funcoid);
		node->owner = DatumGetObjectId(SPI_getbinval(row, desc, Anum_function_node_owner, &isnull));
		/* the node's tags and checks (a variant's are its node's) */
		catalog_node_extras(extras, node->schema, node->name, &materialize, &refresh,
							&refresh_key, &checks);
		/* a function asks to be kept with the tag materialize = table */
		node->persist = materialize != NULL && strcmp(materialize, "table") == 0;
		node->checks = (char *) checks;
		dag_set_refresh(node, refresh, refresh_key);
		node->rettype = rettype;
		ndefaults = DatumGetInt16(SPI_getbinval(row, desc, Anum_function_node_nargdefaults, &isnull));
		if (DatumGetBool(SPI_getbinval(row, desc, Anum_function_node_retset, &isnull)) ||
			typtype == TYPTYPE_COMPOSITE || node->rettype == RECORDOID)
			node->kind = HNODE_TABLE_FUNC;
		else
			node->kind = HNODE_SCALAR;

		nargs = function_row_args(row, desc, &argtypes, &argnames, &argmodes);

		node->params = palloc0(sizeof(HParam) * Max(nargs, 1));
		nin = 0;
		for (a = 0; a < nargs; a++)
		{
			char		mode = argmodes ? argmodes[a] : PROARGMODE_IN;

			if (mode == PROARGMODE_OUT || mode == PROARGMODE_TABLE)
				continue;
			node->params[nin].type = argtypes[a];
			node->params[nin].variadic = (mode == PROARGMODE_VARIADIC);
			node->params[nin].name = (argnames && argnames[a][0] != '\0') ?
				argnames[a] : NULL;
			if (node->params[nin].name == NULL)
				node->problems =
					lappend(node->problems,
							problem_make("unnamed_parameter", ERRCODE_INVALID_FUNCTION_DEFINITION,
										 node->display,
										 psprintf("parameter %d of node %s has no name", nin + 1, node->display),
										 "A node's parameters name the nodes and inputs it needs.",
										 "Name every parameter, e.g. CREATE FUNCTION shop.f(weekly_sales regclass, horizon int)."));
			nin++;
		}
		node->nparams = nin;
		/* the last pronargdefaults input parameters have defaults */
		for (a = nin - ndefaults; a < nin; a++)
			if (a >= 0)
				node->params[a].has_default = true;

		dag_index_node(dag, index);
	}
	function_variant_problems(dag, variants);
	catalog_free_function_extras(extras);
}

/*
 * function_rows_sorted is the rows of catalog_read_function_nodes in the
 * order the graph numbers its function nodes: by schema, name and OID (a
 * name compares as its bytes, as the type name does under its collation
 * "C"), so that a node's variants are adjacent and every graph of the same
 * catalog is numbered alike.
 */
static FunctionRowKey *
function_rows_sorted(void)
{
	FunctionRowKey *keys = palloc(sizeof(FunctionRowKey) * Max(SPI_processed, 1));
	TupleDesc	desc = SPI_tuptable->tupdesc;
	uint64		i;

	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		bool		isnull;

		keys[i].schema = NameStr(*DatumGetName(SPI_getbinval(row, desc, Anum_function_node_schema, &isnull)));
		keys[i].name = NameStr(*DatumGetName(SPI_getbinval(row, desc, Anum_function_node_name, &isnull)));
		keys[i].oid = DatumGetObjectId(SPI_getbinval(row, desc, Anum_function_node_oid, &isnull));
		keys[i].row = i;
	}
	qsort(keys, SPI_processed, sizeof(FunctionRowKey), function_row_compare);
	return keys;
}

/* function_row_compare orders two FunctionRowKeys (function_rows_sorted). */
static int
function_row_compare(const void *a, const void *b)
{
	const FunctionRowKey *x = a;
	const FunctionRowKey *y = b;
	int			c = strncmp(x->schema, y->schema, NAMEDATALEN);

	if (c == 0)
		c = strncmp(x->name, y->name, NAMEDATALEN);
	if (c == 0)
		c = (x->oid > y->oid) - (x->oid < y->oid);
	return c;
}

/*
 * function_row_args is get_func_arg_info (funcapi.c) on the pg_proc
 * columns of a row of catalog_read_function_nodes: every argument's type
 * (OUT and TABLE ones too, from proallargtypes when it is set), names
 * (NULL when the function names none, "" for an unnamed one) and modes
 * (NULL when all are IN); the number of arguments.
 */
static int
function_row_args(HeapTuple row, TupleDesc desc, Oid **argtypes, char ***argnames,
				  char **argmodes)
{
	bool		isnull;
	Datum		d;
	ArrayType  *arr;
	int			nargs;

	d = SPI_getbinval(row, desc, Anum_function_node_allargtypes, &isnull);
	if (!isnull)
	{
		arr = DatumGetArrayTypeP(d);
		nargs = ARR_DIMS(arr)[0];
		if (ARR_NDIM(arr) != 1 || nargs < 0 || ARR_HASNULL(arr) || ARR_ELEMTYPE(arr) != OIDOID)
			elog(ERROR, "proallargtypes is not a 1-D Oid array or it contains nulls");
		*argtypes = palloc(Max(nargs, 1) * sizeof(Oid));
		memcpy(*argtypes, ARR_DATA_PTR(arr), nargs * sizeof(Oid));
	}
	else
	{
		oidvector  *types = (oidvector *) DatumGetPointer(SPI_getbinval(row, desc,
																	  Anum_function_node_argtypes,
																	  &isnull));

		nargs = types->dim1;
		*argtypes = palloc(Max(nargs, 1) * sizeof(Oid));
		memcpy(*argtypes, types->values, nargs * sizeof(Oid));
	}

	*argnames = NULL;
	d = SPI_getbinval(row, desc, Anum_function_node_argnames, &isnull);
	if (!isnull)
	{
		Datum	   *elems;
		int			nelems,
					a;

		deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, NULL, &nelems);
		if (nelems != nargs)
			elog(ERROR, "proargnames must have the same number of elements as the function has arguments");
		*argnames = palloc(sizeof(char *) * Max(nargs, 1));
		for (a = 0; a < nelems; a++)
			(*argnames)[a] = TextDatumGetCString(elems[a]);
	}

	*argmodes = NULL;
	d = SPI_getbinval(row, desc, Anum_function_node_argmodes, &isnull);
	if (!isnull)
	{
		arr = DatumGetArrayTypeP(d);
		if (ARR_NDIM(arr) != 1 || ARR_DIMS(arr)[0] != nargs || ARR_HASNULL(arr) ||
			ARR_ELEMTYPE(arr) != CHAROID)
			elog(ERROR, "proargmodes is not a 1-D char array of length %d or it contains nulls", nargs);
		*argmodes = palloc(Max(nargs, 1) * sizeof(char));
		memcpy(*argmodes, ARR_DATA_PTR(arr), nargs * sizeof(char));
	}
	return nargs;
}

/*
 * function_variant_problems: a function node none of whose variants
 * matches config is absent, and whoever needs it learns why; two matching
 * variants are one node defined twice.
 */
static void
function_variant_problems(Dag *dag, List *variants)
{
	ListCell   *lc;

	foreach(lc, variants)
	{
		FunctionVariant *fv = lfirst(lc);
		ListCell   *lc2;
		StringInfoData all;
		int			nchosen = 0;
		bool		first = true;

		foreach(lc2, variants)
		{
			FunctionVariant *o = lfirst(lc2);

			if (strcmp(o->schema, fv->schema) != 0 || strcmp(o->name, fv->name) != 0)
				continue;
			if (o != fv && foreach_current_index(lc2) < foreach_current_index(lc))
				first = false;
			nchosen += o->chosen;
		}
		if (!first || nchosen > 0)
			continue;
		initStringInfo(&all);
		foreach(lc2, variants)
		{
			FunctionVariant *o = lfirst(lc2);

			if (strcmp(o->schema, fv->schema) == 0 && strcmp(o->name, fv->name) == 0)
				appendStringInfo(&all, "%s%s", all.len ? ", " : "", o->when);
		}
		dag->unmatched = lappend(dag->unmatched,
								 dag_no_variant_problem(dag, fv->schema, fv->name, all.data));
	}
}
