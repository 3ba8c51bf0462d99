/*-------------------------------------------------------------------------
 *
 * dag.c
 *	  Building the dataflow graph from the catalogs, and resolving names.
 *
 * Function nodes come from pg_proc (every function of a registered module
 * whose name does not start with "_"), SQL nodes from hamilton.sql_node.
 * A function's parameter names and the relations a SQL node reads are the
 * names of its upstream nodes.  A name resolves, in this order, to:
 *	 1. the node of that name in the same module;
 *	 2. the only node of that name in any module (several: ambiguous);
 *	 3. for SQL nodes, an existing relation (a source, kept for lineage);
 *	 4. otherwise an input, which must be given at execution.
 *
 * Problems found here (overloads, ambiguity, unnamed parameters, unknown
 * relations) are attached to their node and reported only when a request
 * actually needs that node, together with every other problem.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "common/md5.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

#include "catalog.h"
#include "dag.h"
#include "sqlparse.h"

typedef struct QualKey
{
	NameData	schema;
	NameData	name;
} QualKey;

typedef struct QualEntry
{
	QualKey		key;
	int			index;
} QualEntry;

typedef struct NameEntry
{
	NameData	name;
	int			index;
} NameEntry;

/*
 * The catalog queries are planned once per backend (SPI_keepplan); the plan
 * cache replans them if the catalog tables change.
 */
static SPIPlanPtr function_nodes_plan = NULL;
static SPIPlanPtr sql_nodes_plan = NULL;

#define RESOLVE_NONE		(-1)
#define RESOLVE_AMBIGUOUS	(-2)

static int	dag_add_node(Dag *dag);
static void dag_index_node(Dag *dag, int index);
static void load_function_nodes(Dag *dag);
static void load_sql_nodes(Dag *dag);
static void resolve_dependencies(Dag *dag);
static int	resolve_unqualified(Dag *dag, const char *module, const char *name,
								Oid consumer_owner, StringInfo candidates);
static bool owner_trusts(Oid consumer_owner, Oid producer_owner);
static int	input_node(Dag *dag, const char *name);
static int	list_cstring_cmp(const ListCell *a, const ListCell *b);
static void add_dep(HNode *node, int *maxdeps, int target, HDepVia via, int index);
static Oid	find_source_relation(const char *module, const char *name);
static char *describe_definition(HNode *node);
static char *suggest_names(Dag *dag, const char *name);

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
 * problem_make builds one problem report.
 */
HProblem *
problem_make(const char *code, int sqlstate, const char *node,
			 const char *message, const char *detail, const char *hint)
{
	HProblem   *p = palloc0(sizeof(HProblem));

	p->code = code;
	p->sqlstate = sqlstate;
	p->node = node ? pstrdup(node) : NULL;
	p->message = pstrdup(message);
	p->detail = detail ? pstrdup(detail) : NULL;
	p->hint = hint ? pstrdup(hint) : NULL;
	return p;
}

/*
 * dag_build reads every node from the catalogs and resolves their
 * dependencies.  The caller must be connected to SPI; the graph is
 * allocated in a child of the memory context current at the call, so the
 * caller should call it from a context that outlives SPI_finish if needed.
 */
Dag *
dag_build(void)
{
	MemoryContext cxt;
	MemoryContext old;
	Dag		   *dag;
	HASHCTL		ctl;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "hamilton dag",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	dag = palloc0(sizeof(Dag));
	dag->cxt = cxt;
	dag->maxnodes = 64;
	dag->nodes = palloc0(sizeof(HNode) * dag->maxnodes);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(QualKey);
	ctl.entrysize = sizeof(QualEntry);
	ctl.hcxt = cxt;
	dag->byqual = hash_create("hamilton nodes by qualified name", 1024, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(NameData);
	ctl.entrysize = sizeof(NameEntry);
	dag->byname = hash_create("hamilton nodes by name", 1024, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	dag->inputs = hash_create("hamilton inputs", 64, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	load_function_nodes(dag);
	load_sql_nodes(dag);
	resolve_dependencies(dag);

	MemoryContextSwitchTo(old);
	return dag;
}

static int
dag_add_node(Dag *dag)
{
	int			index;

	if (dag->nnodes >= dag->maxnodes)
	{
		dag->maxnodes *= 2;
		dag->nodes = repalloc(dag->nodes, sizeof(HNode) * dag->maxnodes);
	}
	index = dag->nnodes++;
	memset(&dag->nodes[index], 0, sizeof(HNode));
	dag->nodes[index].next_same_name = -1;
	return index;
}

/*
 * dag_index_node makes a defined node findable by its qualified name and by
 * its bare name.  A second definition of the same qualified name (an
 * overload, or a function and a SQL node) is a problem of the first one,
 * which is the one references resolve to.
 */
static void
dag_index_node(Dag *dag, int index)
{
	HNode	   *node = &dag->nodes[index];
	QualKey		qk;
	QualEntry  *qe;
	NameEntry  *ne;
	NameData	nk;
	bool		found;

	memset(&qk, 0, sizeof(qk));
	namestrcpy(&qk.schema, node->schema);
	namestrcpy(&qk.name, node->name);
	qe = hash_search(dag->byqual, &qk, HASH_ENTER, &found);
	if (found)
	{
		HNode	   *first = &dag->nodes[qe->index];
		char	   *msg = psprintf("node %s is defined more than once", first->display);
		char	   *detail = psprintf("Both %s and %s define it.",
									  describe_definition(first),
									  describe_definition(node));

		first->problems = lappend(first->problems,
								  problem_make("duplicate_node", ERRCODE_AMBIGUOUS_FUNCTION,
											   first->display, msg, detail,
											   "Rename or drop one of them; a function whose name starts with \"_\" is a helper, not a node."));
		return;
	}
	qe->index = index;

	memset(&nk, 0, sizeof(nk));
	namestrcpy(&nk, node->name);
	ne = hash_search(dag->byname, &nk, HASH_ENTER, &found);
	node->next_same_name = found ? ne->index : -1;
	ne->index = index;
}

static char *
describe_definition(HNode *node)
{
	if (OidIsValid(node->funcoid))
		return psprintf("function %s", format_procedure(node->funcoid));
	return psprintf("SQL node %s", node->display);
}

/*
 * load_function_nodes reads the functions of every registered module.
 * Helpers ("_" prefix), procedures, aggregates, trigger functions, functions
 * returning void or other pseudo-types, and functions that belong to an
 * extension are not nodes.
 */
static void
load_function_nodes(Dag *dag)
{
	uint64		i;

	spi_exec_saved(&function_nodes_plan,
				   "SELECT p.oid, n.nspname, p.proname, l.lanname, d.description, p.proowner "
				   "FROM hamilton.module m "
				   "JOIN pg_catalog.pg_namespace n ON n.nspname OPERATOR(pg_catalog.=) m.schema_name "
				   "JOIN pg_catalog.pg_proc p ON p.pronamespace OPERATOR(pg_catalog.=) n.oid "
				   "JOIN pg_catalog.pg_language l ON l.oid OPERATOR(pg_catalog.=) p.prolang "
				   "JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) p.prorettype "
				   "LEFT JOIN pg_catalog.pg_description d ON d.objoid OPERATOR(pg_catalog.=) p.oid "
				   "     AND d.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass "
				   "     AND d.objsubid OPERATOR(pg_catalog.=) 0 "
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

		/* dropped since the query read pg_proc: it is simply gone */
		proctup = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcoid));
		if (!HeapTupleIsValid(proctup))
			continue;
		index = dag_add_node(dag);
		node = &dag->nodes[index];

		node->funcoid = funcoid;
		node->schema = SPI_getvalue(row, desc, 2);
		node->name = SPI_getvalue(row, desc, 3);
		node->display = qualified_display(node->schema, node->name);
		node->language = SPI_getvalue(row, desc, 4);
		node->doc = SPI_getvalue(row, desc, 5);
		node->owner = DatumGetObjectId(SPI_getbinval(row, desc, 6, &isnull));
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
}

/*
 * load_sql_nodes reads hamilton.sql_node and parses each definition again
 * (cheap, and the catalog keeps only the portable SQL text).
 */
static void
load_sql_nodes(Dag *dag)
{
	uint64		i;
	uint64		nrows;
	SPITupleTable *tuptable;

	spi_exec_saved(&sql_nodes_plan,
				   "SELECT s.schema_name, s.node_name, s.definition, s.doc, s.materialize, "
				   "       s.declared_inputs, s.owner::pg_catalog.oid "
				   "FROM hamilton.sql_node s "
				   "JOIN pg_catalog.pg_namespace n ON n.nspname OPERATOR(pg_catalog.=) s.schema_name "
				   "ORDER BY 1, 2");
	/* parsing may run SPI-free code only, but keep the result table safe */
	tuptable = SPI_tuptable;
	nrows = SPI_processed;

	for (i = 0; i < nrows; i++)
	{
		HeapTuple	row = tuptable->vals[i];
		TupleDesc	desc = tuptable->tupdesc;
		int			index = dag_add_node(dag);
		HNode	   *node = &dag->nodes[index];
		bool		isnull;
		Datum		declared;
		ParsedQuery *pq;

		CHECK_FOR_INTERRUPTS();

		node->schema = SPI_getvalue(row, desc, Anum_sql_node_schema);
		node->name = SPI_getvalue(row, desc, Anum_sql_node_name);
		node->display = qualified_display(node->schema, node->name);
		node->kind = HNODE_QUERY;
		node->language = "sql";
		node->doc = SPI_getvalue(row, desc, Anum_sql_node_doc);
		node->persist = strcmp(SPI_getvalue(row, desc, Anum_sql_node_materialize), "table") == 0;
		node->owner = DatumGetObjectId(SPI_getbinval(row, desc, Anum_sql_node_owner, &isnull));

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

		pq = parse_node_query(node->display,
							  SPI_getvalue(row, desc, Anum_sql_node_definition));
		node->sql = pq->sql;
		node->nrefs = pq->nrefs;
		node->refs = pq->refs;

		dag_index_node(dag, index);
	}
}

/*
 * owner_trusts: may a node owned by consumer_owner pick up, by an
 * unqualified name, a node owned by producer_owner?  Only nodes of its own
 * role, of a role it is a member of, or of a superuser: otherwise anybody
 * could capture the name of someone else's input or source table with a
 * node of their own, and have their code run with the victim's rights.
 */
static bool
owner_trusts(Oid consumer_owner, Oid producer_owner)
{
	if (!OidIsValid(consumer_owner) || consumer_owner == producer_owner)
		return true;
	if (superuser_arg(producer_owner))
		return true;
	return is_member_of_role_nosuper(consumer_owner, producer_owner);
}

/*
 * resolve_unqualified finds the node a bare name means from inside a module:
 * its own module first, then the only node of that name anywhere among the
 * nodes the consumer's owner trusts (consumer_owner InvalidOid: any node).
 * Returns RESOLVE_AMBIGUOUS (listing the candidates) or RESOLVE_NONE.
 */
static int
resolve_unqualified(Dag *dag, const char *module, const char *name,
					Oid consumer_owner, StringInfo candidates)
{
	NameData	nk;
	NameEntry  *ne;
	int			idx,
				count = 0,
				found = RESOLVE_NONE;
	List	   *names = NIL;
	ListCell   *lc;

	if (module)
	{
		idx = dag_find_qualified(dag, module, name);
		if (idx >= 0)
			return idx;
	}
	if (strlen(name) >= NAMEDATALEN)
		return RESOLVE_NONE;
	memset(&nk, 0, sizeof(nk));
	namestrcpy(&nk, name);
	ne = hash_search(dag->byname, &nk, HASH_FIND, NULL);
	if (ne == NULL)
		return RESOLVE_NONE;
	for (idx = ne->index; idx >= 0; idx = dag->nodes[idx].next_same_name)
	{
		if (!owner_trusts(consumer_owner, dag->nodes[idx].owner))
			continue;
		names = lappend(names, dag->nodes[idx].display);
		found = idx;
		count++;
	}
	if (count == 0)
		return RESOLVE_NONE;
	if (count == 1)
		return found;
	if (candidates)
	{
		list_sort(names, list_cstring_cmp);
		foreach(lc, names)
			appendStringInfo(candidates, "%s%s", candidates->len ? ", " : "", (char *) lfirst(lc));
	}
	return RESOLVE_AMBIGUOUS;
}

static int
list_cstring_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp((const char *) lfirst(a), (const char *) lfirst(b));
}

int
dag_find_qualified(Dag *dag, const char *schema, const char *name)
{
	QualKey		qk;
	QualEntry  *qe;

	if (strlen(schema) >= NAMEDATALEN || strlen(name) >= NAMEDATALEN)
		return -1;
	memset(&qk, 0, sizeof(qk));
	namestrcpy(&qk.schema, schema);
	namestrcpy(&qk.name, name);
	qe = hash_search(dag->byqual, &qk, HASH_FIND, NULL);
	return qe ? qe->index : -1;
}

int
dag_find_input(Dag *dag, const char *name)
{
	NameData	nk;
	NameEntry  *ne;

	if (strlen(name) >= NAMEDATALEN)
		return -1;
	memset(&nk, 0, sizeof(nk));
	namestrcpy(&nk, name);
	ne = hash_search(dag->inputs, &nk, HASH_FIND, NULL);
	return ne ? ne->index : -1;
}

/* input_node returns the input node of that name, creating it once. */
static int
input_node(Dag *dag, const char *name)
{
	NameData	nk;
	NameEntry  *ne;
	bool		found;
	int			index;
	HNode	   *node;

	memset(&nk, 0, sizeof(nk));
	namestrcpy(&nk, name);
	ne = hash_search(dag->inputs, &nk, HASH_ENTER, &found);
	if (found)
		return ne->index;
	index = dag_add_node(dag);
	ne->index = index;
	node = &dag->nodes[index];
	node->name = pstrdup(name);
	node->display = pstrdup(quote_identifier(name));
	node->kind = HNODE_INPUT;
	node->language = "input";
	return index;
}

static void
add_dep(HNode *node, int *maxdeps, int target, HDepVia via, int index)
{
	if (node->ndeps >= *maxdeps)
	{
		*maxdeps = Max(4, *maxdeps * 2);
		node->deps = node->deps ? repalloc(node->deps, sizeof(HDep) * *maxdeps)
			: palloc(sizeof(HDep) * *maxdeps);
	}
	node->deps[node->ndeps].target = target;
	node->deps[node->ndeps].via = via;
	node->deps[node->ndeps].index = index;
	node->ndeps++;
}

/*
 * find_source_relation looks a bare relation name up the way node SQL runs:
 * pg_catalog, the module's schema, public, then temporary tables.
 */
static Oid
find_source_relation(const char *module, const char *name)
{
	const char *path[3] = {"pg_catalog", module, "public"};
	int			i;

	for (i = 0; i < 3; i++)
	{
		Oid			nsp = get_namespace_oid(path[i], true);
		Oid			rel;

		if (!OidIsValid(nsp))
			continue;
		rel = get_relname_relid(name, nsp);
		if (OidIsValid(rel))
			return rel;
	}
	if (OidIsValid(LookupExplicitNamespace("pg_temp", true)))
		return get_relname_relid(name, LookupExplicitNamespace("pg_temp", true));
	return InvalidOid;
}

/*
 * resolve_dependencies turns every parameter, relation reference and
 * declared input into an edge, a source or an input.
 */
static void
resolve_dependencies(Dag *dag)
{
	int			ndefined = dag->nnodes;
	int			i;
	StringInfoData cand;

	initStringInfo(&cand);
	for (i = 0; i < ndefined; i++)
	{
		HNode	   *node;
		int			maxdeps = 0;
		int			p;
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		node = &dag->nodes[i];

		for (p = 0; p < node->nparams; p++)
		{
			const char *pname = node->params[p].name;
			int			target;

			if (pname == NULL)
				continue;
			resetStringInfo(&cand);
			target = resolve_unqualified(dag, node->schema, pname, node->owner, &cand);
			if (target == RESOLVE_AMBIGUOUS)
			{
				dag->nodes[i].problems =
					lappend(dag->nodes[i].problems,
							problem_make("ambiguous_name", ERRCODE_AMBIGUOUS_PARAMETER,
										 node->display,
										 psprintf("parameter \"%s\" of node %s matches nodes in several modules", pname, node->display),
										 psprintf("Candidates: %s.", cand.data),
										 "Rename one of the nodes, or move the consumer into the module of the one it needs: a node of its own module wins."));
				continue;
			}
			if (target == RESOLVE_NONE)
				target = input_node(dag, pname);
			node = &dag->nodes[i];	/* input_node may move the array */
			add_dep(node, &maxdeps, target, VIA_PARAM, p);
		}

		for (p = 0; p < node->nrefs; p++)
		{
			SqlRef	   *ref = &node->refs[p];
			int			target;

			resetStringInfo(&cand);
			if (ref->schema)
			{
				Oid			nsp,
							rel = InvalidOid;

				target = dag_find_qualified(dag, ref->schema, ref->name);
				if (target >= 0)
				{
					ref->target = target;
					add_dep(node, &maxdeps, target, VIA_RELATION, p);
					continue;
				}
				/* LookupExplicitNamespace only for pg_temp: it checks USAGE */
				nsp = strcmp(ref->schema, "pg_temp") == 0 ?
					LookupExplicitNamespace(ref->schema, true) :
					get_namespace_oid(ref->schema, true);
				if (OidIsValid(nsp))
					rel = get_relname_relid(ref->name, nsp);
				if (!OidIsValid(rel))
				{
					char	   *qn = quote_qualified_identifier(ref->schema, ref->name);

					node->problems =
						lappend(node->problems,
								problem_make("unknown_relation", ERRCODE_UNDEFINED_TABLE,
											 node->display,
											 psprintf("node %s reads %s, which is neither a node nor a relation", node->display, qn),
											 "No module defines a node of that name, and no table or view of that name exists.",
											 "Create the source table, define the node, or correct the name."));
					continue;
				}
				ref->source = quote_qualified_identifier(ref->schema, ref->name);
				continue;
			}

			/* 1. a node of the consumer's own module */
			target = dag_find_qualified(dag, node->schema, ref->name);
			if (target < 0)
			{
				/*
				 * 2. a relation on the module's own path: a source, unless it
				 * is some node's result table, which means that node
				 */
				Oid			rel = find_source_relation(node->schema, ref->name);

				if (OidIsValid(rel))
				{
					Oid			relnsp = get_rel_namespace(rel);
					char	   *relschema = get_namespace_name(relnsp);

					target = dag_find_qualified(dag, relschema, ref->name);
					if (target >= 0 && !owner_trusts(node->owner, dag->nodes[target].owner))
						target = -1;	/* another role's result: just a table */
					if (target < 0)
					{
						/* this session's temporary schema is pg_temp to the user */
						ref->source = quote_qualified_identifier(isTempNamespace(relnsp) ? "pg_temp" : relschema,
																 ref->name);
						continue;
					}
				}
			}
			if (target < 0)
			{
				/* 3. the only trusted node of that name elsewhere */
				target = resolve_unqualified(dag, NULL, ref->name, node->owner, &cand);
				if (target == RESOLVE_AMBIGUOUS)
				{
					node->problems =
						lappend(node->problems,
								problem_make("ambiguous_name", ERRCODE_AMBIGUOUS_ALIAS,
											 node->display,
											 psprintf("node %s reads \"%s\", which matches nodes in several modules", node->display, ref->name),
											 psprintf("Candidates: %s.", cand.data),
											 "Qualify the name in the SQL, e.g. FROM module.name."));
					continue;
				}
			}
			if (target < 0)
			{
				/* 4. an input */
				target = input_node(dag, ref->name);
				node = &dag->nodes[i];
				ref = &node->refs[p];
			}
			if (ref->no_alias_allowed && !dag_yields_relation(&dag->nodes[target]))
				node->problems =
					lappend(node->problems,
							problem_make("scalar_as_table", ERRCODE_WRONG_OBJECT_TYPE, node->display,
										 psprintf("node %s reads the value %s with TABLE or ONLY (...)",
												  node->display, dag->nodes[target].display),
										 "A scalar node or an input is a one-row relation only where a subquery may stand.",
										 psprintf("Write SELECT * FROM %s instead.", quote_identifier(ref->name))));
			ref->target = target;
			add_dep(node, &maxdeps, target, VIA_RELATION, p);
		}

		p = 0;
		foreach(lc, node->declared)
		{
			char	   *schema,
					   *name;
			int			target;

			parse_node_name((char *) lfirst(lc), &schema, &name, false);
			resetStringInfo(&cand);
			if (schema)
				target = dag_find_qualified(dag, schema, name);
			else
			{
				target = resolve_unqualified(dag, node->schema, name, node->owner, &cand);
				if (target == RESOLVE_NONE)
				{
					target = input_node(dag, name);
					node = &dag->nodes[i];
				}
			}
			if (target < 0)
			{
				node->problems =
					lappend(node->problems,
							problem_make("unknown_node", ERRCODE_UNDEFINED_OBJECT, node->display,
										 psprintf("declared input \"%s\" of node %s is %s", (char *) lfirst(lc), node->display,
												  target == RESOLVE_AMBIGUOUS ? "ambiguous" : "not a node"),
										 cand.len ? psprintf("Candidates: %s.", cand.data) : NULL,
										 "Declare inputs as module.name or as a name no node uses."));
				continue;
			}
			add_dep(node, &maxdeps, target, VIA_DECLARED, p++);
		}
	}
}

/*
 * suggest_names lists up to three node names close to a misspelt one.
 */
static char *
suggest_names(Dag *dag, const char *name)
{
	int			best[3] = {-1, -1, -1};
	int			bestd[3] = {INT_MAX, INT_MAX, INT_MAX};
	int			len = strlen(name);
	int			maxd = Max(2, len / 3);
	int			i,
				k;
	StringInfoData buf;

	for (i = 0; i < dag->nnodes; i++)
	{
		HNode	   *node = &dag->nodes[i];
		int			d;

		if (node->kind == HNODE_INPUT)
			continue;
		d = varstr_levenshtein_less_equal(name, len, node->name, strlen(node->name),
										  1, 1, 1, maxd, true);
		if (d > maxd)
			continue;
		for (k = 0; k < 3; k++)
		{
			if (d < bestd[k] || (d == bestd[k] && best[k] >= 0 &&
								 strcmp(node->display, dag->nodes[best[k]].display) < 0))
			{
				memmove(&best[k + 1], &best[k], sizeof(int) * (2 - k));
				memmove(&bestd[k + 1], &bestd[k], sizeof(int) * (2 - k));
				best[k] = i;
				bestd[k] = d;
				break;
			}
		}
	}
	if (best[0] < 0)
		return NULL;
	initStringInfo(&buf);
	appendStringInfoString(&buf, "Did you mean ");
	for (k = 0; k < 3 && best[k] >= 0; k++)
		appendStringInfo(&buf, "%s%s", k == 0 ? "" : (k + 1 < 3 && best[k + 1] >= 0 ? ", " : " or "),
						 dag->nodes[best[k]].display);
	appendStringInfoString(&buf, "?");
	return buf.data;
}

/*
 * dag_resolve_name finds the node a user names (an output, an override, the
 * argument of a graph query): "module.name", or a bare name that must be
 * unique.  On failure returns -1 and sets *problem.
 */
int
dag_resolve_name(Dag *dag, const char *text, HProblem **problem, const char *role)
{
	char	   *schema,
			   *name;
	int			idx;
	StringInfoData cand;

	*problem = NULL;
	parse_node_name(text, &schema, &name, false);
	if (schema)
		idx = dag_find_qualified(dag, schema, name);
	else
	{
		/*
		 * A bare name means a node of the caller's, or of a role the caller
		 * trusts, so that nobody else's node of that name is run by mistake.
		 */
		initStringInfo(&cand);
		idx = resolve_unqualified(dag, NULL, name, GetUserId(), &cand);
		if (idx == RESOLVE_NONE)
		{
			int			other;

			resetStringInfo(&cand);
			other = resolve_unqualified(dag, NULL, name, InvalidOid, &cand);
			if (other >= 0)
				appendStringInfoString(&cand, dag->nodes[other].display);
			if (other != RESOLVE_NONE)
			{
				*problem = problem_make("untrusted_node", ERRCODE_UNDEFINED_OBJECT, NULL,
										psprintf("%s \"%s\" is not a node of yours", role, text),
										psprintf("Nodes of that name belong to roles you are not a member of: %s.", cand.data),
										"Name the node with its module, e.g. 'module.name', to use it.");
				return -1;
			}
		}
		if (idx == RESOLVE_AMBIGUOUS)
		{
			*problem = problem_make("ambiguous_name", ERRCODE_AMBIGUOUS_FUNCTION, NULL,
									psprintf("%s \"%s\" is ambiguous", role, text),
									psprintf("Nodes of that name: %s.", cand.data),
									"Qualify the name with its module, e.g. 'module.name'.");
			return -1;
		}
	}
	if (idx >= 0)
		return idx;

	{
		int			input = dag_find_input(dag, name);
		char	   *detail = NULL;
		char	   *hint = suggest_names(dag, name);

		if (input >= 0 && schema == NULL)
			detail = psprintf("\"%s\" is an input of the dataflow, not a node: no node computes it.", name);
		else
			detail = psprintf("No registered module or SQL node defines %s.", text);
		*problem = problem_make("unknown_node", ERRCODE_UNDEFINED_OBJECT, NULL,
								psprintf("unknown %s \"%s\"", role, text),
								detail,
								hint ? hint : "SELECT node FROM hamilton.nodes lists every node; register a module with hamilton_register(schema) or define a node with hamilton_define(name, sql).");
	}
	return -1;
}

/*
 * dag_resolve_name_or_error is dag_resolve_name for functions that take one
 * node name and have nothing else to report.
 */
int
dag_resolve_name_or_error(Dag *dag, const char *text)
{
	HProblem   *p;
	int			idx = dag_resolve_name(dag, text, &p, "node");

	if (idx < 0)
		ereport(ERROR,
				(errcode(p->sqlstate),
				 errmsg("%s", p->message),
				 p->detail ? errdetail("%s", p->detail) : 0,
				 p->hint ? errhint("%s", p->hint) : 0));
	return idx;
}

/*
 * dag_build_downstream builds the reverse edges (consumers of each node) in
 * compressed sparse row form: consumers of i are down_list[down_start[i] ..
 * down_start[i+1]-1], in node order.
 */
void
dag_build_downstream(Dag *dag)
{
	MemoryContext old = MemoryContextSwitchTo(dag->cxt);
	int		   *fill;
	int			i,
				d,
				total = 0;

	if (dag->down_start)
	{
		MemoryContextSwitchTo(old);
		return;
	}
	dag->down_start = palloc0(sizeof(int) * (dag->nnodes + 1));
	for (i = 0; i < dag->nnodes; i++)
		for (d = 0; d < dag->nodes[i].ndeps; d++)
		{
			dag->down_start[dag->nodes[i].deps[d].target + 1]++;
			total++;
		}
	for (i = 0; i < dag->nnodes; i++)
		dag->down_start[i + 1] += dag->down_start[i];
	dag->down_list = palloc(sizeof(int) * Max(total, 1));
	fill = palloc0(sizeof(int) * Max(dag->nnodes, 1));
	for (i = 0; i < dag->nnodes; i++)
		for (d = 0; d < dag->nodes[i].ndeps; d++)
		{
			int			t = dag->nodes[i].deps[d].target;

			dag->down_list[dag->down_start[t] + fill[t]++] = i;
		}
	pfree(fill);
	MemoryContextSwitchTo(old);
}

const char *
dag_kind_name(HNodeKind kind)
{
	switch (kind)
	{
		case HNODE_INPUT:
			return "input";
		case HNODE_SCALAR:
			return "scalar";
		case HNODE_TABLE_FUNC:
		case HNODE_QUERY:
			return "table";
	}
	return "?";
}

/* dag_yields_relation: does the node produce rows (rather than one value)? */
bool
dag_yields_relation(HNode *node)
{
	return node->kind == HNODE_TABLE_FUNC || node->kind == HNODE_QUERY;
}

/* dag_type_name describes what a node produces, for users. */
char *
dag_type_name(HNode *node)
{
	switch (node->kind)
	{
		case HNODE_INPUT:
			return NULL;
		case HNODE_SCALAR:
			return format_type_be(node->rettype);
		case HNODE_TABLE_FUNC:
			if (node->rettype == RECORDOID)
				return pstrdup("table");
			return psprintf("setof %s", format_type_be(node->rettype));
		case HNODE_QUERY:
			return pstrdup("table");
	}
	return NULL;
}
