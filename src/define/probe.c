/*-------------------------------------------------------------------------
 *
 * probe.c
 *	  hamilton_probe and hamilton_unprobe: the probe query of a source that
 *	  cannot carry the change log's trigger (a foreign table, a
 *	  materialized view), declared or forgotten by the source's owner.
 *
 * The probe is checked when declared: one statement, a SELECT that writes
 * nothing (no data-modifying WITH, no FOR UPDATE), of exactly one column.
 * That it returns one row is checked when it runs (dag/probe_value.c).  A
 * view needs no probe: its query is part of what a result read, and the
 * relations it reads are what decides; probe the foreign tables under it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "define.h"

static void check_probeable(Oid relid, const char *verb);
static void check_probe_query(const char *display, const char *probe);

/* check_probeable: a foreign table or materialized view the current user owns. */
static void
check_probeable(Oid relid, const char *verb)
{
	char		relkind = get_rel_relkind(relid);
	char	   *display = dag_relation_display(relid);
	char	   *owner = GetUserNameFromId(catalog_object_owner(RelationRelationId, relid), false);

	if (relkind != RELKIND_FOREIGN_TABLE && relkind != RELKIND_MATVIEW)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot %s %s", verb, display),
				 errdetail("%s is a %s; a probe is for a foreign table or a materialized view, which cannot carry "
						   "the change log's trigger.", display,
						   relkind == RELKIND_VIEW ? "view" :
						   relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE ? "table" :
						   "relation of another kind"),
				 errhint(relkind == RELKIND_VIEW ? "Probe the foreign tables the view reads, and track its tables." :
						 "Track a table with SELECT hamilton_track('%s');", display)));
	if (!pg_class_ownercheck(relid, GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only the owner of %s can %s it", display, verb),
				 errdetail("A probe decides whether results read from %s are reused; %s belongs to role %s.",
						   display, display, owner),
				 errhint("Ask role %s to run SELECT hamilton_%s('%s', ...);", owner, verb, display)));
}

/*
 * check_probe_query: one read-only SELECT of one column (parsed and
 * analyzed, as the current user).
 */
static void
check_probe_query(const char *display, const char *probe)
{
	List	   *raws = pg_parse_query(probe);
	Query	   *q;
	ListCell   *lc;
	int			columns = 0;

	if (list_length(raws) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("probe of %s must be one statement", display),
				 errdetail("It has %d statements.", list_length(raws)),
				 errhint("Write one SELECT returning one value, as in SELECT max(updated_at) FROM the source.")));
	q = linitial_node(Query, pg_analyze_and_rewrite_fixedparams(linitial_node(RawStmt, raws), probe,
																  NULL, 0, NULL));
	if (q->commandType != CMD_SELECT || q->utilityStmt != NULL || q->hasModifyingCTE ||
		q->rowMarks != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("probe of %s must be a read-only SELECT", display),
				 errdetail("A probe runs at every cached run and must not write, lock rows or run a command."),
				 errhint("Write one SELECT returning one value, as in SELECT max(updated_at) FROM the source.")));
	foreach(lc, q->targetList)
		if (!lfirst_node(TargetEntry, lc)->resjunk)
			columns++;
	if (columns != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("probe of %s must return one column", display),
				 errdetail("It returns %d columns; its one value is the source's data version.", columns),
				 errhint("Combine them into one, as in SELECT row(count(*), max(id))::text FROM the source.")));
}

/*
 * define_probe declares (probe) or forgets (NULL) the probe of a source.
 * The probe's text is part of the state of what a result read
 * (dag/source_state.c): a result made under another probe is recomputed.
 */
void
define_probe(Oid relid, const char *probe)
{
	char	   *display = dag_relation_display(relid);

	check_probeable(relid, probe ? "probe" : "unprobe");
	if (probe)
	{
		check_probe_query(display, probe);
		catalog_put_probe(relid, probe);
	}
	else if (!catalog_delete_probe(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s has no probe", display),
				 errdetail("hamilton_unprobe forgets a probe that hamilton_probe declared."),
				 errhint("SELECT hamilton_probe('%s', 'SELECT ...') declares one.", display)));
}
