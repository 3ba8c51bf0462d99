/*-------------------------------------------------------------------------
 *
 * column_lineage.c
 *	  The column-level lineage of a SQL node's result (features-b, issue 13
 *	  item 11): for each of its columns, the columns of upstream results
 *	  and of source tables it is computed from, kept in
 *	  hamilton.result_column with the result's lineage.
 *
 * The SQL that ran for the step is analyzed by PostgreSQL's analyzer, as
 * the step's statement was, and its query tree traced (column_trace.c).
 * A base column is then named as the run knows it: a column of the result
 * of an upstream step of the run ({"node", "column"}), or of a source
 * table ({"relation", "column"}), or of a file a loader reads ({"file",
 * "column"}).  As in hamilton.lineage, the way goes
 * through the steps that keep no result: an inlined upstream query is
 * part of the SQL analyzed, and a temporary table stands for the columns
 * its own step's columns came from.  A column computed from constants, or
 * only from scalar nodes and inputs (whose values are spliced in as
 * literals; hamilton.lineage lists them), has no source.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"

#include "runlog.h"

/* What a run knows of the relations its steps wrote. */
typedef struct RunColumns
{
	HTAB	   *by_relid;		/* relid -> StepRelation */
	List	 ***step_sources;	/* per step: for each column, a List of
								 * String, JSON texts (temporary tables only) */
	int		   *step_ncols;
} RunColumns;

typedef struct StepRelation
{
	Oid			relid;			/* the key */
	int			stepno;
} StepRelation;

static RunColumns *run_columns(HPlan *plan);
static void remember_relation(RunColumns *rc, const char *relation, Oid relid, int stepno);
static List *column_sources(HPlan *plan, RunColumns *rc, List *traced);

/*
 * column_lineage_step finds the column lineage of step stepno, once its
 * SQL has run with the module's search_path pinned: kept in memory for a
 * temporary table (its consumers' columns read through it), written with
 * the result for a result table (relid).  Only SQL table nodes have it.
 */
void
column_lineage_step(HPlan *plan, int stepno, Oid relid)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	RunColumns *rc;
	RawStmt    *raw;
	Query	   *query;
	List	  **traced;
	char	  **names;
	char	  **texts;
	int			ncols;
	int			i;
	ListCell   *lc;

	if (node->kind != HNODE_QUERY || step->sql == NULL || !catalog_keeps_column_lineage())
		return;
	rc = run_columns(plan);
	raw = linitial_node(RawStmt, raw_parser(step->sql, RAW_PARSE_DEFAULT));
	query = parse_analyze_fixedparams(raw, step->sql, NULL, 0, NULL);
	traced = column_trace(query, &ncols);

	names = palloc(sizeof(char *) * Max(ncols, 1));
	texts = palloc(sizeof(char *) * Max(ncols, 1));
	i = 0;
	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst(lc);

		if (!tle->resjunk)
			names[i++] = tle->resname ? tle->resname : "?column?";
	}
	{
		List	  **per_column = palloc0(sizeof(List *) * Max(ncols, 1));

		for (i = 0; i < ncols; i++)
		{
			StringInfoData buf;
			ListCell   *sc;

			per_column[i] = column_sources(plan, rc, traced[i]);
			initStringInfo(&buf);
			appendStringInfoChar(&buf, '[');
			foreach(sc, per_column[i])
				appendStringInfo(&buf, "%s%s", buf.len > 1 ? "," : "", strVal(lfirst(sc)));
			appendStringInfoChar(&buf, ']');
			texts[i] = buf.data;
		}
		if (step->action == STEP_TEMP)
		{
			rc->step_sources[stepno] = per_column;
			rc->step_ncols[stepno] = ncols;
		}
	}

	if (step->action == STEP_TEMP)
		remember_relation(rc, step->relation, InvalidOid, stepno);
	else if (OidIsValid(relid))
	{
		catalog_write_result_columns(node->schema, node->name, plan->run_id, ncols, names, texts);
		remember_relation(rc, step->relation, relid, stepno);
	}
}

/*
 * run_columns is the run's RunColumns, made at its first SQL step.
 */
static RunColumns *
run_columns(HPlan *plan)
{
	RunColumns *rc = plan->column_lineage;
	HASHCTL		ctl;

	if (rc)
		return rc;
	rc = palloc0(sizeof(RunColumns));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(StepRelation);
	ctl.hcxt = CurrentMemoryContext;
	rc->by_relid = hash_create("hamilton column lineage", 64, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	rc->step_sources = palloc0(sizeof(List **) * Max(plan->nsteps, 1));
	rc->step_ncols = palloc0(sizeof(int) * Max(plan->nsteps, 1));
	plan->column_lineage = rc;
	return rc;
}

/*
 * remember_relation notes that later steps reading relation (a qualified
 * name, as they read it) or relid read step stepno's result.
 */
static void
remember_relation(RunColumns *rc, const char *relation, Oid relid, int stepno)
{
	Oid			ids[2] = {relid, InvalidOid};
	int			i;
	bool		found;

	if (relation)
		ids[1] = RangeVarGetRelid(makeRangeVarFromNameList(stringToQualifiedNameList(relation)),
								  NoLock, true);
	for (i = 0; i < 2; i++)
		if (OidIsValid(ids[i]))
		{
			StepRelation *sr = hash_search(rc->by_relid, &ids[i], HASH_ENTER, &found);

			sr->stepno = stepno;
		}
}

/*
 * column_sources names the base columns of one column (TracedColumn) as
 * JSON texts (String), each once: an upstream result's column, a source table's, or
 * through a temporary table, what its column came from.
 */
static List *
column_sources(HPlan *plan, RunColumns *rc, List *traced)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, traced)
	{
		TracedColumn *tc = lfirst(lc);
		StepRelation *sr;
		char	   *attname;
		StringInfoData buf;

		initStringInfo(&buf);
		if (tc->file)
		{
			appendStringInfoString(&buf, "{\"file\":");
			escape_json(&buf, tc->file);
			appendStringInfoString(&buf, ",\"column\":");
			escape_json(&buf, tc->column);
			appendStringInfoChar(&buf, '}');
			out = list_append_unique(out, makeString(buf.data));
			continue;
		}
		sr = hash_search(rc->by_relid, &tc->relid, HASH_FIND, NULL);
		attname = get_attname(tc->relid, tc->attno, true);
		if (attname == NULL)
			continue;			/* a dropped column */
		if (sr && rc->step_ncols[sr->stepno] > 0)
		{
			List	  **through = rc->step_sources[sr->stepno];

			if (tc->attno <= rc->step_ncols[sr->stepno])
				out = list_concat_unique(out, through[tc->attno - 1]);
			continue;
		}
		if (sr)
		{
			appendStringInfoString(&buf, "{\"node\":");
			escape_json(&buf, plan->dag->nodes[plan->steps[sr->stepno].node].display);
		}
		else
		{
			appendStringInfoString(&buf, "{\"relation\":");
			escape_json(&buf, quote_qualified_identifier(get_namespace_name(get_rel_namespace(tc->relid)),
														 get_rel_name(tc->relid)));
		}
		appendStringInfoString(&buf, ",\"column\":");
		escape_json(&buf, attname);
		appendStringInfoChar(&buf, '}');
		out = list_append_unique(out, makeString(buf.data));
	}
	return out;
}
