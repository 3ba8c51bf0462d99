/*-------------------------------------------------------------------------
 *
 * fingerprint.c
 *	  A node's code fingerprint (the md5 that run history and lineage keep),
 *	  and a function's body as text.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "common/md5.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "dag.h"

/*
 * Where a fingerprint's text is written (a function body deparsed: its
 * parse tree, the text, the signature), emptied before and after each
 * node: only the md5 is kept, with the graph.  Under TopMemoryContext so
 * that it is made once per session; an error leaves at most one node's
 * text there until the next fingerprint.
 */
static MemoryContext fingerprint_scratch = NULL;

/* dag_fingerprint_nodes has pinned the safe search_path around its calls */
static bool safe_path_pinned = false;

/*
 * (chain) While dag_fingerprint_nodes runs: the fingerprints the catalog
 * keeps for the row versions of its functions, and those it computed
 * (fingerprint_kept.c).
 */
static KeptFingerprints *fingerprints_kept = NULL;

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
	if (fingerprint_scratch == NULL)
		fingerprint_scratch = AllocSetContextCreate(TopMemoryContext, "hamilton fingerprint",
													ALLOCSET_DEFAULT_SIZES);
	MemoryContextReset(fingerprint_scratch);
	old = MemoryContextSwitchTo(fingerprint_scratch);
	initStringInfo(&buf);
	if (node->sql)
		appendStringInfoString(&buf, node->sql);
	else
	{
		HeapTuple	tup;
		Form_pg_proc proc;
		bool		isnull;
		Datum		d;
		char	   *body;
		Oid		   *argtypes;
		char	  **argnames;
		char	   *argmodes;
		int			nargs,
					a,
					nestlevel;
		const char *kept;

		/*
		 * (chain) kept for the row version the run's statement sees, by an
		 * earlier run (chain3: before any syscache lookup)
		 */
		kept = dag_kept_fingerprint(fingerprints_kept, node->funcoid);
		if (kept)
		{
			MemoryContextSwitchTo(old);
			node->fingerprint = MemoryContextStrdup(dag->cxt, kept);
			MemoryContextReset(fingerprint_scratch);
			return node->fingerprint;
		}
		tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(node->funcoid));
		if (!HeapTupleIsValid(tup))
		{
			MemoryContextSwitchTo(old);
			MemoryContextReset(fingerprint_scratch);
			return NULL;		/* dropped meanwhile */
		}
		proc = (Form_pg_proc) GETSTRUCT(tup);

		/*
		 * Names are written fully qualified (types, and the SQL body printed
		 * with only pg_catalog on the path), so the fingerprint does not
		 * depend on the search_path it was computed under.  A caller that
		 * fingerprints many nodes pins that path once around them
		 * (dag_fingerprint_nodes).
		 */
		nestlevel = -1;
		if (!safe_path_pinned)
		{
			nestlevel = NewGUCNestLevel();
			pin_safe_search_path();
		}
		appendStringInfo(&buf, "%s\x1f", get_language_name(proc->prolang, false));
		body = dag_function_body(tup, node->funcoid);
		if (body)
			appendStringInfoString(&buf, body);
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
		if (nestlevel >= 0)
			AtEOXact_GUC(true, nestlevel);
		if (!pg_md5_hash(buf.data, buf.len, hex, &errstr))
			elog(ERROR, "could not compute an md5 fingerprint: %s", errstr ? errstr : "?");
		MemoryContextSwitchTo(old);
		dag_kept_fingerprint_note(fingerprints_kept, node->funcoid, tup, hex);	/* (chain) */
		MemoryContextSwitchTo(fingerprint_scratch);
		ReleaseSysCache(tup);
	}
	if (node->sql && !pg_md5_hash(buf.data, buf.len, hex, &errstr))
		elog(ERROR, "could not compute an md5 fingerprint: %s", errstr ? errstr : "?");
	node->fingerprint = MemoryContextStrdup(dag->cxt, hex);
	MemoryContextSwitchTo(old);
	MemoryContextReset(fingerprint_scratch);
	return node->fingerprint;
}

/*
 * dag_fingerprint_nodes fingerprints the n nodes given (dag_fingerprint),
 * with the safe search_path pinned once around them rather than once per
 * node.  A function whose pg_proc row version has a fingerprint kept in
 * the catalog takes it from there; those it computes are kept there
 * (fingerprint_kept.c).
 */
void
dag_fingerprint_nodes(Dag *dag, const int *indexes, int n)
{
	int			nestlevel = NewGUCNestLevel();
	int			i;
	KeptFingerprints *kept = dag_kept_fingerprints_begin(dag, indexes, n);

	pin_safe_search_path();
	safe_path_pinned = true;
	fingerprints_kept = kept;
	PG_TRY();
	{
		for (i = 0; i < n; i++)
		{
			CHECK_FOR_INTERRUPTS();
			(void) dag_fingerprint(dag, indexes[i]);
		}
	}
	PG_FINALLY();
	{
		safe_path_pinned = false;
		fingerprints_kept = NULL;
	}
	PG_END_TRY();
	AtEOXact_GUC(true, nestlevel);
	/* (chain) kept for the next backend that reads these row versions */
	dag_kept_fingerprints_end(kept);
}

/*
 * dag_function_body is a function's body as text: a SQL-standard body
 * (RETURN ..., BEGIN ATOMIC ...), which is not in prosrc, deparsed under the
 * current search_path; otherwise prosrc.  NULL if it has neither.
 */
char *
dag_function_body(HeapTuple proctup, Oid funcoid)
{
	bool		isnull;
	Datum		src;

	(void) SysCacheGetAttr(PROCOID, proctup, Anum_pg_proc_prosqlbody, &isnull);
	if (!isnull)
		return TextDatumGetCString(DirectFunctionCall1(pg_get_function_sqlbody,
													   ObjectIdGetDatum(funcoid)));
	src = SysCacheGetAttr(PROCOID, proctup, Anum_pg_proc_prosrc, &isnull);
	return isnull ? NULL : TextDatumGetCString(src);
}
