/*-------------------------------------------------------------------------
 *
 * swap_checks.c
 *	  Whether a result may be replaced by a swap of its storage, and whether
 *	  the caller may replace it.
 *
 * A swap (swap.c) bypasses the executor: no trigger fires, no CHECK or
 * foreign key constraint is checked (in either direction), a publication
 * sees no change, no row-level security policy applies, no generated or
 * identity column is computed.  A result with any of these is written by
 * the executor instead, with TRUNCATE and INSERT (materialize.c), which
 * does all of that.  NOT NULL is checked by the bulk path itself
 * (bulk_fill.c), and unique and exclusion constraints by the rebuild of
 * the indexes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_inherits.h"
#include "catalog/pg_publication.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/relcache.h"

#include "exec.h"

/*
 * swap_bypass_reason returns why a result table must be written by the
 * executor (the first reason found, as a phrase), or NULL when a swap
 * writes it exactly as TRUNCATE and INSERT would.  The caller holds a lock
 * on it, so its relcache entry is current.
 */
const char *
swap_bypass_reason(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	PublicationDesc pubdesc;
	int			i;

	/* (cache) but for the change log's, which the run's own write need not fire */
	if (rel->trigdesc && rel->trigdesc->numtriggers > (dag_relation_tracked(rel) ? 1 : 0) +
		(rel->trigdesc->numtriggers > 1 && dag_has_replica_trigger(rel) && dag_replica_tracked(rel, NULL) ? 1 : 0))
		return "it has triggers (those of a foreign key, in either direction, or of a deferrable constraint)";
	if (rel->rd_rel->relchecks > 0)
		return "it has CHECK constraints";
	if (rel->rd_rel->relrowsecurity)
		return "it has row-level security enabled";
	if (rel->rd_rel->relhassubclass || has_superclass(RelationGetRelid(rel)))
		return "it is part of an inheritance tree";
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		if (a->attisdropped)
			continue;
		if (a->attgenerated)
			return "it has a generated column";
		if (a->attidentity)
			return "it has an identity column";
	}
	RelationBuildPublicationDesc(rel, &pubdesc);
	if (pubdesc.pubactions.pubinsert || pubdesc.pubactions.pubupdate ||
		pubdesc.pubactions.pubdelete || pubdesc.pubactions.pubtruncate)
		return "it is in a publication";
	return NULL;
}

/*
 * swap_check_privileges refuses a swap the caller could not have done with
 * TRUNCATE and INSERT: it must own the result or hold both privileges on
 * it.  A swap checks no privilege of its own, so this is the check.
 */
void
swap_check_privileges(Relation rel, const char *qname, const char *node_display)
{
	Oid			relid = RelationGetRelid(rel);
	Oid			user = GetUserId();

	if (pg_class_ownercheck(relid, user))
		return;
	if (pg_class_aclcheck(relid, user, ACL_TRUNCATE) == ACLCHECK_OK &&
		pg_class_aclcheck(relid, user, ACL_INSERT) == ACLCHECK_OK)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to replace the rows of result table %s", qname),
			 errdetail("Node %s would replace its rows, which needs ownership of the table, or both the TRUNCATE and the INSERT privilege on it.",
					   node_display),
			 errhint("Ask the table's owner for them: GRANT TRUNCATE, INSERT ON %s TO %s;",
					 qname, quote_identifier(GetUserNameFromId(user, false)))));
}
