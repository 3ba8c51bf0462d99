/*-------------------------------------------------------------------------
 *
 * dag_load.c
 *	  Reading the nodes of the graph from the catalogs, and fingerprinting
 *	  their code.
 *
 * Function nodes come from pg_proc: every function of a registered module
 * whose name does not start with "_", but for procedures, aggregates,
 * trigger functions, functions returning void or another pseudo-type, and
 * members of extensions.  SQL nodes come from hamilton.sql_node, and are
 * parsed again each time (cheap, and the catalog keeps only portable SQL).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "common/md5.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "dag.h"
#include "plan.h"
#include "sqlparse.h"

/*
 * The catalog queries are planned once per backend (SPI_keepplan); the plan
 * cache replans them if the catalog tables change.
 */
static SPIPlanPtr function_nodes_plan = NULL;
static SPIPlanPtr sql_nodes_plan = NULL;

static void spi_exec_saved(SPIPlanPtr *plan, const char *sql);
static bool variant_chosen(Dag *dag, SPITupleTable *tuptable, uint64 nrows,
						   uint64 i, HProblem **problem);
static bool when_matches(Jsonb *config, const char *when_text);
static void load_frame_columns(Dag *dag, int frame, HeapTuple row, TupleDesc desc);

/* A function that is one variant of a node (see hamilton_when). */
typedef struct FunctionVariant
{
	char	   *schema;
	char	   *name;			/* the node's name: the function's before "__" */
	char	   *when;
	bool		chosen;
} FunctionVariant;

static void function_variant_problems(Dag *dag, List *variants);

/*
 * spi_exec_saved runs one of the catalog queries with a plan kept across
 * calls, keeping the caller's memory context.
 */
static void
spi_exec_saved(SPIPlanPtr *plan, const char *sql)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			nestlevel;
	int			rc;

	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, 0, NULL);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed (%s) for: %s", SPI_result_code_string(SPI_result), sql);
		if (SPI_keepplan(p) != 0)
			elog(ERROR, "SPI_keepplan failed");
		*plan = p;
	}
	nestlevel = NewGUCNestLevel();
	pin_safe_search_path();
	rc = SPI_execute_plan(*plan, NULL, NULL, false, 0);
	AtEOXact_GUC(true, nestlevel);
	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed (%s) for: %s", SPI_result_code_string(rc), sql);
}

/*
 * dag_fingerprint is the md5 of a node's code: the SQL of a SQL node; the
 * language, body (source, or SQL-standard body as text), library symbol and
 * signature of a function.  Computed on demand and kept, since only the
 * nodes a run touches (or the nodes view) need one.
 */
const char *
dag_fingerprint(Dag *dag, int index)
{
	HNode	   *node = &dag->nodes[index];
	StringInfoData buf;
	char		hex[2 * MD5_DIGEST_LENGTH + 1];
	const char *errstr = NULL;
	MemoryContext old;

	if (node->fingerprint || node->kind == HNODE_INPUT)
		return node->fingerprint;
	old = MemoryContextSwitchTo(dag->cxt);
	initStringInfo(&buf);
	if (node->sql)
		appendStringInfoString(&buf, node->sql);
	else
	{
		HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(node->funcoid));
		Form_pg_proc proc;
		bool		isnull;
		Datum		d;
		Oid		   *argtypes;
		char	  **argnames;
		char	   *argmodes;
		int			nargs,
					a,
					nestlevel;

		if (!HeapTupleIsValid(tup))
		{
			MemoryContextSwitchTo(old);
			return NULL;		/* dropped meanwhile */
		}
		proc = (Form_pg_proc) GETSTRUCT(tup);

		/*
		 * Names are written fully qualified (types, and the SQL body printed
		 * with only pg_catalog on the path), so the fingerprint does not
		 * depend on the search_path it was computed under.
		 */
		nestlevel = NewGUCNestLevel();
		pin_safe_search_path();
		appendStringInfo(&buf, "%s\x1f", get_language_name(proc->prolang, false));
		(void) SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_prosqlbody, &isnull);
		if (!isnull)
			appendStringInfoString(&buf, TextDatumGetCString(DirectFunctionCall1(pg_get_function_sqlbody,
																				 ObjectIdGetDatum(node->funcoid))));
		else
		{
			d = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_prosrc, &isnull);
			if (!isnull)
				appendStringInfoString(&buf, TextDatumGetCString(d));
		}
		d = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_probin, &isnull);
		appendStringInfo(&buf, "\x1f%s\x1f", isnull ? "" : TextDatumGetCString(d));
		/* every argument, OUT and TABLE columns included */
		nargs = get_func_arg_info(tup, &argtypes, &argnames, &argmodes);
		for (a = 0; a < nargs; a++)
			appendStringInfo(&buf, "%c %s %s,", argmodes ? argmodes[a] : PROARGMODE_IN,
							 argnames ? argnames[a] : "",
							 format_type_extended(argtypes[a], -1, FORMAT_TYPE_FORCE_QUALIFY));
		appendStringInfo(&buf, "\x1f%s%s\x1f%c", proc->proretset ? "setof " : "",
						 format_type_extended(proc->prorettype, -1, FORMAT_TYPE_FORCE_QUALIFY),
						 proc->provolatile);
		AtEOXact_GUC(true, nestlevel);
		ReleaseSysCache(tup);
	}
	if (!pg_md5_hash(buf.data, buf.len, hex, &errstr))
		elog(ERROR, "could not compute an md5 fingerprint: %s", errstr ? errstr : "?");
	node->fingerprint = pstrdup(hex);
	MemoryContextSwitchTo(old);
	return node->fingerprint;
}

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

	spi_exec_saved(&function_nodes_plan,
				   "SELECT p.oid, n.nspname, p.proname, l.lanname, d.description, p.proowner, "
				   "       mt.tag_value, c.checks::pg_catalog.text, "
				   "       CASE WHEN v.config_when IS NOT NULL THEN v.config_when::pg_catalog.text END "
				   "FROM hamilton.module m "
				   "JOIN pg_catalog.pg_namespace n ON n.nspname OPERATOR(pg_catalog.=) m.schema_name "
				   "JOIN pg_catalog.pg_proc p ON p.pronamespace OPERATOR(pg_catalog.=) n.oid "
				   "JOIN pg_catalog.pg_language l ON l.oid OPERATOR(pg_catalog.=) p.prolang "
				   "JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) p.prorettype "
				   "LEFT JOIN pg_catalog.pg_description d ON d.objoid OPERATOR(pg_catalog.=) p.oid "
				   "     AND d.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass "
				   "     AND d.objsubid OPERATOR(pg_catalog.=) 0 "
				   "LEFT JOIN hamilton.node_tag mt ON mt.schema_name OPERATOR(pg_catalog.=) n.nspname "
				   "     AND mt.node_name OPERATOR(pg_catalog.=) p.proname "
				   "     AND mt.tag_key OPERATOR(pg_catalog.=) 'materialize' "
				   "LEFT JOIN hamilton.function_variant v ON v.schema_name OPERATOR(pg_catalog.=) n.nspname "
				   "     AND v.function_name OPERATOR(pg_catalog.=) p.proname "
				   "LEFT JOIN hamilton.node_check c ON c.schema_name OPERATOR(pg_catalog.=) n.nspname "
				   "     AND c.node_name OPERATOR(pg_catalog.=) CASE WHEN v.function_name IS NULL THEN p.proname::pg_catalog.text "
				   "         ELSE pg_catalog.regexp_replace(p.proname::pg_catalog.text, '^(.*)__.*$', '\\1') END "
				   "WHERE p.prokind OPERATOR(pg_catalog.=) 'f' "
				   "  AND pg_catalog.left(p.proname, 1) OPERATOR(pg_catalog.<>) '_' "
				   "  AND (t.typtype OPERATOR(pg_catalog.<>) 'p' "
				   "       OR p.prorettype OPERATOR(pg_catalog.=) 'pg_catalog.record'::pg_catalog.regtype) "
				   "  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep "
				   "       WHERE dep.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass "
				   "         AND dep.objid OPERATOR(pg_catalog.=) p.oid AND dep.deptype OPERATOR(pg_catalog.=) 'e') "
				   "ORDER BY n.nspname, p.proname, p.oid");

	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			funcoid = DatumGetObjectId(SPI_getbinval(row, desc, 1, &isnull));
		char	   *when = SPI_getvalue(row, desc, 9);
		int			index;
		HNode	   *node;
		HeapTuple	proctup;
		Form_pg_proc proc;
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
		 * A variant (Hamilton's @config.when on spend__eu): the node is named
		 * before the last "__", and exists when config matches.
		 */
		if (when)
		{
			char	   *fname = SPI_getvalue(row, desc, 3);
			char	   *cut = strstr(fname, "__");
			FunctionVariant *fv = palloc0(sizeof(FunctionVariant));

			while (cut && strstr(cut + 2, "__"))
				cut = strstr(cut + 2, "__");
			fv->schema = SPI_getvalue(row, desc, 2);
			fv->name = cut ? pnstrdup(fname, cut - fname) : fname;
			fv->when = when;
			fv->chosen = dag->all_variants || when_matches(dag->config, when);
			variants = lappend(variants, fv);
			if (!fv->chosen)
				continue;
		}

		/* dropped since the query read pg_proc: it is simply gone */
		proctup = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcoid));
		if (!HeapTupleIsValid(proctup))
			continue;
		index = dag_add_node(dag);
		node = &dag->nodes[index];

		node->funcoid = funcoid;
		node->schema = SPI_getvalue(row, desc, 2);
		node->name = SPI_getvalue(row, desc, 3);
		node->funcname = node->name;
		if (when)
		{
			node->name = ((FunctionVariant *) llast(variants))->name;
			node->config_when = when;
		}
		node->display = qualified_display(node->schema, node->name);
		node->language = SPI_getvalue(row, desc, 4);
		node->doc = SPI_getvalue(row, desc, 5);
		node->owner = DatumGetObjectId(SPI_getbinval(row, desc, 6, &isnull));
		/* a function asks to be kept with the tag materialize = table */
		(void) SPI_getbinval(row, desc, 7, &isnull);
		node->persist = !isnull && strcmp(SPI_getvalue(row, desc, 7), "table") == 0;
		node->checks = SPI_getvalue(row, desc, 8);
		proc = (Form_pg_proc) GETSTRUCT(proctup);
		node->rettype = proc->prorettype;
		ndefaults = proc->pronargdefaults;
		typtype = get_typtype(proc->prorettype);
		if (proc->proretset || typtype == TYPTYPE_COMPOSITE ||
			proc->prorettype == RECORDOID)
			node->kind = HNODE_TABLE_FUNC;
		else
			node->kind = HNODE_SCALAR;

		nargs = get_func_arg_info(proctup, &argtypes, &argnames, &argmodes);
		ReleaseSysCache(proctup);

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
								 problem_make("no_variant", ERRCODE_INVALID_PARAMETER_VALUE,
											  qualified_display(fv->schema, fv->name),
											  psprintf("no variant of node %s matches config %s",
													   qualified_display(fv->schema, fv->name),
													   dag->config ? JsonbToCString(NULL, &dag->config->root, VARSIZE(dag->config)) : "{}"),
											  psprintf("Its variants are chosen by config_when: %s.", all.data),
											  "Pass config => '{...}' with the values of one variant."));
	}
}

/*
 * dag_load_sql_nodes reads hamilton.sql_node and parses each definition again
 * (cheap, and the catalog keeps only the portable SQL text).
 */
void
dag_load_sql_nodes(Dag *dag)
{
	uint64		i;
	uint64		nrows;
	SPITupleTable *tuptable;

	spi_exec_saved(&sql_nodes_plan,
				   "SELECT s.schema_name, s.node_name, s.definition, s.doc, "
				   "       CASE WHEN mt.tag_value IS NOT NULL THEN mt.tag_value ELSE s.materialize END, "
				   "       s.declared_inputs, s.owner::pg_catalog.oid, s.kind, s.frame_key, "
				   "       s.extract_columns, s.frame_columns, s.frame_types, "
				   "       CASE WHEN s.config_when OPERATOR(pg_catalog.=) '{}'::pg_catalog.jsonb THEN NULL "
				   "            ELSE s.config_when::pg_catalog.text END, "
				   "       s.parameterized::pg_catalog.text, c.checks::pg_catalog.text "
				   "FROM hamilton.sql_node s "
				   "JOIN pg_catalog.pg_namespace n ON n.nspname OPERATOR(pg_catalog.=) s.schema_name "
				   "LEFT JOIN hamilton.node_tag mt ON mt.schema_name OPERATOR(pg_catalog.=) s.schema_name "
				   "     AND mt.node_name OPERATOR(pg_catalog.=) s.node_name "
				   "     AND mt.tag_key OPERATOR(pg_catalog.=) 'materialize' "
				   "LEFT JOIN hamilton.node_check c ON c.schema_name OPERATOR(pg_catalog.=) s.schema_name "
				   "     AND c.node_name OPERATOR(pg_catalog.=) s.node_name "
				   "ORDER BY 1, 2, s.config_when::pg_catalog.text");
	/* parsing may run SPI-free code only, but keep the result table safe */
	tuptable = SPI_tuptable;
	nrows = SPI_processed;

	for (i = 0; i < nrows; i++)
	{
		HeapTuple	row = tuptable->vals[i];
		TupleDesc	desc = tuptable->tupdesc;
		int			index;
		HNode	   *node;
		bool		isnull;
		Datum		declared;
		char	   *when;
		HProblem   *vproblem;

		CHECK_FOR_INTERRUPTS();

		when = SPI_getvalue(row, desc, Anum_sql_node_config_when);
		vproblem = NULL;
		if (!dag->all_variants && !variant_chosen(dag, tuptable, nrows, i, &vproblem))
			continue;

		index = dag_add_node(dag);
		node = &dag->nodes[index];
		node->schema = SPI_getvalue(row, desc, Anum_sql_node_schema);
		node->name = SPI_getvalue(row, desc, Anum_sql_node_name);
		node->display = qualified_display(node->schema, node->name);
		node->language = "sql";
		node->doc = SPI_getvalue(row, desc, Anum_sql_node_doc);
		node->persist = strcmp(SPI_getvalue(row, desc, Anum_sql_node_materialize), "table") == 0;
		node->owner = DatumGetObjectId(SPI_getbinval(row, desc, Anum_sql_node_owner, &isnull));
		node->config_when = when;
		node->parameterized = SPI_getvalue(row, desc, Anum_sql_node_parameterized);
		node->checks = SPI_getvalue(row, desc, Anum_sql_node_checks);
		if (vproblem)
			node->problems = lappend(node->problems, vproblem);

		declared = SPI_getbinval(row, desc, Anum_sql_node_declared_inputs, &isnull);
		if (!isnull)
		{
			Datum	   *elems;
			bool	   *nulls;
			int			nelems,
						e;

			deconstruct_array(DatumGetArrayTypeP(declared), TEXTOID, -1, false,
							  TYPALIGN_INT, &elems, &nulls, &nelems);
			for (e = 0; e < nelems; e++)
				if (!nulls[e])
					node->declared = lappend(node->declared, TextDatumGetCString(elems[e]));
		}

		if (strcmp(SPI_getvalue(row, desc, Anum_sql_node_kind), "column") == 0)
		{
			ParsedExpr *pe = parse_node_expression(node->display,
												   SPI_getvalue(row, desc, Anum_sql_node_definition),
												   "column expression");

			node->kind = HNODE_COLUMN;
			node->expression = true;
			node->window = pe->window;
			node->sql = pe->sql;
			node->nrefs = pe->nrefs;
			node->refs = pe->refs;
		}
		else
		{
			ParsedQuery *pq = parse_node_query(node->display,
											   SPI_getvalue(row, desc, Anum_sql_node_definition));

			node->kind = HNODE_QUERY;
			node->sql = pq->sql;
			node->nrefs = pq->nrefs;
			node->refs = pq->refs;
		}
		dag_index_node(dag, index);

		(void) SPI_getbinval(row, desc, Anum_sql_node_frame_key, &isnull);
		if (!isnull)
			load_frame_columns(dag, index, row, desc);
	}
}

/*
 * variant_chosen: is row i the variant of its node that config chooses?
 * Rows come sorted by node, so a node's variants are adjacent.  With no
 * match, the node is absent and its name is noted, so that whoever needs it
 * learns why; with several, the first is kept and the others are a problem
 * of it.
 */
static bool
variant_chosen(Dag *dag, SPITupleTable *tuptable, uint64 nrows, uint64 i,
			   HProblem **problem)
{
	TupleDesc	desc = tuptable->tupdesc;
	char	   *schema = SPI_getvalue(tuptable->vals[i], desc, Anum_sql_node_schema);
	char	   *name = SPI_getvalue(tuptable->vals[i], desc, Anum_sql_node_name);
	uint64		first = i,
				last = i,
				k;
	int			nmatch = 0;
	StringInfoData all,
				matching;

	while (first > 0 &&
		   strcmp(SPI_getvalue(tuptable->vals[first - 1], desc, Anum_sql_node_schema), schema) == 0 &&
		   strcmp(SPI_getvalue(tuptable->vals[first - 1], desc, Anum_sql_node_name), name) == 0)
		first--;
	while (last + 1 < nrows &&
		   strcmp(SPI_getvalue(tuptable->vals[last + 1], desc, Anum_sql_node_schema), schema) == 0 &&
		   strcmp(SPI_getvalue(tuptable->vals[last + 1], desc, Anum_sql_node_name), name) == 0)
		last++;
	if (first == last && SPI_getvalue(tuptable->vals[i], desc, Anum_sql_node_config_when) == NULL)
		return true;			/* the common case: one unconditional definition */

	initStringInfo(&all);
	initStringInfo(&matching);
	for (k = first; k <= last; k++)
	{
		char	   *when = SPI_getvalue(tuptable->vals[k], desc, Anum_sql_node_config_when);
		bool		match = when_matches(dag->config, when);

		appendStringInfo(&all, "%s%s", all.len ? ", " : "", when ? when : "{} (always)");
		if (match)
		{
			appendStringInfo(&matching, "%s%s", matching.len ? ", " : "", when ? when : "{}");
			if (nmatch++ == 0 && k != i)
				return false;	/* an earlier row is the chosen one */
		}
	}
	if (nmatch == 0)
	{
		if (i == first)
		{
			char	   *display = qualified_display(schema, name);

			dag->unmatched = lappend(dag->unmatched,
									 problem_make("no_variant", ERRCODE_INVALID_PARAMETER_VALUE, display,
												  psprintf("no variant of node %s matches config %s", display,
														   dag->config ? JsonbToCString(NULL, &dag->config->root, VARSIZE(dag->config)) : "{}"),
												  psprintf("Its variants are chosen by config_when: %s.", all.data),
												  "Pass config => '{...}' with the values of one variant."));
		}
		return false;
	}
	if (nmatch > 1 && when_matches(dag->config, SPI_getvalue(tuptable->vals[i], desc, Anum_sql_node_config_when)))
		*problem = problem_make("ambiguous_variant", ERRCODE_AMBIGUOUS_FUNCTION,
											   qualified_display(schema, name),
											   psprintf("%d variants of node %s match the config", nmatch,
														qualified_display(schema, name)),
											   psprintf("Matching: %s.", matching.data),
											   "Make their config_when conditions exclusive, or pass config keys that pick one.");
	return when_matches(dag->config, SPI_getvalue(tuptable->vals[i], desc, Anum_sql_node_config_when));
}

/* when_matches: every key of the condition has that value in config. */
static bool
when_matches(Jsonb *config, const char *when_text)
{
	Jsonb	   *when;
	List	   *keys;
	ListCell   *lc;

	if (when_text == NULL)
		return true;
	when = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(when_text)));
	keys = jsonb_object_keys_list(when, "config_when");
	foreach(lc, keys)
	{
		char	   *want,
				   *have;
		char		wkind,
					hkind;

		(void) jsonb_object_get(when, lfirst(lc), &want, &wkind);
		if (config == NULL || !jsonb_object_get(config, lfirst(lc), &have, &hkind))
			return false;
		if (wkind != hkind || strcmp(want, have) != 0)
			return false;
	}
	return true;
}

/*
 * load_frame_columns makes each non-key column of a frame a column node of
 * its module, whose one dependency is the frame.
 */
static void
load_frame_columns(Dag *dag, int frame, HeapTuple row, TupleDesc desc)
{
	bool		isnull;
	Datum	   *keys,
			   *cols,
			   *types;
	int			nkeys,
				ncols,
				ntypes,
				k,
				c;
	bool		extract;

	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(row, desc, Anum_sql_node_frame_key, &isnull)),
					  TEXTOID, -1, false, TYPALIGN_INT, &keys, NULL, &nkeys);
	dag->nodes[frame].nkey = nkeys;
	dag->nodes[frame].key = palloc(sizeof(char *) * Max(nkeys, 1));
	for (k = 0; k < nkeys; k++)
	{
		dag->nodes[frame].key[k] = TextDatumGetCString(keys[k]);
		dag->key_names = lappend(dag->key_names, dag->nodes[frame].key[k]);
	}
	extract = DatumGetBool(SPI_getbinval(row, desc, Anum_sql_node_extract_columns, &isnull));
	if (!extract)
		return;
	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(row, desc, Anum_sql_node_frame_columns, &isnull)),
					  TEXTOID, -1, false, TYPALIGN_INT, &cols, NULL, &ncols);
	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(row, desc, Anum_sql_node_frame_types, &isnull)),
					  TEXTOID, -1, false, TYPALIGN_INT, &types, NULL, &ntypes);
	for (c = 0; c < ncols && c < ntypes; c++)
	{
		char	   *name = TextDatumGetCString(cols[c]);
		int			index;
		HNode	   *node;
		int32		typmod;
		bool		is_key = false;

		for (k = 0; k < nkeys; k++)
			is_key |= strcmp(dag->nodes[frame].key[k], name) == 0;
		if (is_key)
			continue;
		index = dag_add_node(dag);
		node = &dag->nodes[index];
		node->schema = dag->nodes[frame].schema;
		node->name = name;
		node->display = qualified_display(node->schema, node->name);
		node->kind = HNODE_COLUMN;
		node->language = "sql";
		node->extracted = true;
		node->frame = frame;
		node->owner = dag->nodes[frame].owner;
		node->doc = psprintf("column %s of frame %s", quote_identifier(name), dag->nodes[frame].display);
		(void) parseTypeString(TextDatumGetCString(types[c]), &node->rettype, &typmod, true);
		node->deps = palloc(sizeof(HDep));
		node->deps[0].target = frame;
		node->deps[0].via = VIA_FRAME;
		node->deps[0].index = 0;
		node->ndeps = 1;
		dag_index_node(dag, index);
	}
}
