/*-------------------------------------------------------------------------
 *
 * track.c
 *	  hamilton_track and hamilton_untrack: the change log's trigger on a
 *	  source and each of its partitions, put there or removed by the
 *	  source's owner; and the cache behaviour of a node.
 *
 * Tracking needs the owner's consent: the trigger needs the TRIGGER
 * privilege, and ENABLE ALWAYS (so that writes under
 * session_replication_role = replica, logical replication's among them,
 * are logged too) needs ownership, of the table and of each partition.
 * The trigger is a statement trigger (one call per statement, one log row
 * per transaction); logical replication's apply worker fires none for an
 * INSERT, UPDATE or DELETE, so each table also gets a row trigger enabled
 * REPLICA that logs its writes (dag/replica_trigger.c).  PostgreSQL does
 * not clone a statement trigger onto partitions: each
 * gets its own, and a partition attached or created later is not tracked
 * until its owner calls hamilton_track again (the results read from it
 * are recomputed meanwhile, see dag/source_state.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_class.h"
#include "catalog/partition.h"
#include "catalog/pg_inherits.h"
#include "miscadmin.h"
#include "catalog/pg_type.h"
#include "utils/acl.h"
#include "utils/jsonb.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "define.h"

static void check_trackable(Oid relid, const char *verb);
static void put_triggers(Oid relid, const char *qname);

/*
 * check_trackable: a permanent table or partitioned table, owned by the
 * current user.
 */
static void
check_trackable(Oid relid, const char *verb)
{
	char		relkind = get_rel_relkind(relid);
	char	   *display = dag_relation_display(relid);

	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot %s %s", verb, display),
				 errdetail("%s is a %s; pg_hamilton tracks the writes of tables and partitioned tables, with a trigger, "
						   "which it cannot carry.", display,
						   relkind == RELKIND_VIEW ? "view" : relkind == RELKIND_MATVIEW ? "materialized view" :
						   relkind == RELKIND_FOREIGN_TABLE ? "foreign table" : "relation of another kind"),
				 errhint("A node that reads it is recomputed at every cached run; track the tables it reads instead.")));
	if (get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot %s temporary table %s", verb, display),
				 errdetail("A temporary table lives only as long as its session, and a cached result outlives it."),
				 errhint("Track a permanent table.")));
	if (!pg_class_ownercheck(relid, GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only the owner of %s can %s it", display, verb),
				 errdetail("Tracking puts a trigger enabled ALWAYS on the table and on each of its partitions, "
						   "which only their owner may do; %s belongs to role %s.",
						   display, GetUserNameFromId(catalog_object_owner(RelationRelationId, relid), false)),
				 errhint("Ask role %s to run SELECT hamilton_%s('%s');",
						 GetUserNameFromId(catalog_object_owner(RelationRelationId, relid), false),
						 verb, display)));
}

/*
 * define_track puts (track) or removes the change log's trigger on a table
 * and each of its partitions, and logs a change of each, so that no result
 * made before counts as made from what is logged.
 */
void
define_track(Oid relid, bool track)
{
	List	   *tree;
	ListCell   *lc;
	bool		any = false;

	check_trackable(relid, track ? "track" : "untrack");
	/* CREATE TRIGGER's lock, taken on the whole tree before looking at it */
	tree = find_all_inheritors(relid, ShareRowExclusiveLock, NULL);
	foreach(lc, tree)
		check_trackable(lfirst_oid(lc), track ? "track" : "untrack");
	foreach(lc, tree)
	{
		Oid			member = lfirst_oid(lc);
		char	   *qname = dag_relation_display(member);
		Relation	rel = table_open(member, AccessShareLock);
		bool		named = dag_has_track_trigger(rel);
		bool		replica_named = dag_has_replica_trigger(rel);

		table_close(rel, AccessShareLock);
		any = any || named;
		if (track)
			put_triggers(member, qname);
		else
		{
			if (named)
				spi_exec_checked(psprintf("DROP TRIGGER hamilton_change_log ON %s", qname),
								 0, NULL, NULL, NULL, SPI_OK_UTILITY);
			if (replica_named)
				dag_drop_replica_trigger(qname);
		}
		catalog_log_change(member);
	}
	if (!track && !any)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s is not tracked", dag_relation_display(relid)),
				 errdetail("Neither it nor any of its partitions carries the change log's trigger hamilton_change_log."),
				 errhint("hamilton_track('%s') tracks it.", dag_relation_display(relid))));
}

/*
 * put_triggers puts on a relation (relid, qname quoted) the change log's
 * statement trigger unless it carries it as hamilton_track puts it now (a
 * 1.3 trigger, after each statement, is put again, before), then the row
 * trigger for the writes of logical replication unless it is there.  Each
 * is looked up just before it is put: the event trigger, fired by the
 * ALTER TABLE that enables the first, may have put the second.
 */
static void
put_triggers(Oid relid, const char *qname)
{
	Relation	rel = table_open(relid, AccessShareLock);
	bool		named = dag_has_track_trigger(rel);
	bool		exact = dag_track_trigger_current(rel);

	table_close(rel, AccessShareLock);
	if (!exact)
		dag_put_track_trigger(qname, named);
	rel = table_open(relid, AccessShareLock);
	named = dag_has_replica_trigger(rel);
	exact = dag_replica_tracked(rel, NULL);
	table_close(rel, AccessShareLock);
	if (!exact)
		dag_put_replica_trigger(qname, named);
}

/*
 * define_check_cache_behaviour: auto (reused while its key and what it
 * read are unchanged), recompute (always computed, and kept), disable
 * (computed as without the cache, and not kept) or ignore (computed when
 * needed, not kept, and left out of the keys downstream), as Hamilton's
 * caching behaviours (DEFAULT, RECOMPUTE, DISABLE, IGNORE).  what: "cache
 * =>" or "the cache tag of node x".
 */
void
define_check_cache_behaviour(const char *value, const char *what)
{
	if (value == NULL || (strcmp(value, "auto") != 0 && strcmp(value, "recompute") != 0 &&
						  strcmp(value, "disable") != 0 && strcmp(value, "ignore") != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid cache behaviour \"%s\"", value ? value : "null"),
				 errdetail("In %s, valid behaviours are \"auto\" (reused while its code, inputs and what it read are unchanged), "
						   "\"recompute\" (always computed, and kept), \"disable\" (computed as without the cache) "
						   "and \"ignore\" (computed, not kept, and left out of the cache keys of the nodes downstream).",
						   what),
				 errhint("Use cache => 'recompute' for a node that must run at every cached run.")));
}

/*
 * define_cache_tags is tags (or none) with the cache tag that cache =>
 * gives; a cache tag among tags that says otherwise is an error.
 */
Jsonb *
define_cache_tags(Jsonb *tags, const char *cache)
{
	char	   *text;
	char		kind;

	define_check_cache_behaviour(cache, "cache =>");
	if (tags && jsonb_object_get(tags, "cache", &text, &kind) &&
		(kind != JSON_KIND_STRING || strcmp(text, cache) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cache => '%s' and the tag cache %s disagree", cache, text),
				 errdetail("The tag cache and cache => are the same option, given twice."),
				 errhint("Give it once: cache => '%s'.", cache)));
	return define_tags_with(tags, "cache", cache, false);
}

/*
 * define_track_new_partitions, after CREATE TABLE and ALTER TABLE: a
 * partition created in, or attached to, a tracked table is tracked too
 * when its owner is the role running the command (else a NOTICE says that
 * the results that read it are recomputed until its owner tracks it); a
 * tracked table altered (ATTACH, DETACH, a rewrite) logs a change.
 */
void
define_track_new_partitions(void)
{
	List	   *relids = NIL;
	ListCell   *lc;
	uint64		i;

	spi_exec_checked("SELECT DISTINCT objid FROM pg_catalog.pg_event_trigger_ddl_commands() "
					 "WHERE classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND objsubid = 0",
					 0, NULL, NULL, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		relids = lappend_oid(relids, DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
																	 SPI_tuptable->tupdesc, 1, &isnull)));
	}
	foreach(lc, relids)
	{
		Oid			relid = lfirst_oid(lc);
		char		relkind = get_rel_relkind(relid);
		Relation	rel;
		bool		tracked;
		List	   *tree;
		ListCell   *mc;

		if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
			continue;
		rel = table_open(relid, AccessShareLock);
		tracked = dag_relation_tracked(rel);
		table_close(rel, AccessShareLock);
		/* a new partition of a tracked table: its tree is where to look */
		if (!tracked && get_rel_relispartition(relid))
		{
			Relation	parent = table_open(get_partition_parent(relid, false), AccessShareLock);

			tracked = dag_relation_tracked(parent);
			table_close(parent, AccessShareLock);
		}
		if (!tracked)
			continue;
		catalog_log_change(relid);
		tree = find_all_inheritors(relid, ShareRowExclusiveLock, NULL);
		foreach(mc, tree)
		{
			Oid			member = lfirst_oid(mc);
			Relation	mrel = table_open(member, AccessShareLock);
			/* a table tracked already is left as it is (hamilton_track upgrades it) */
			bool		exact = dag_relation_tracked(mrel);

			table_close(mrel, AccessShareLock);
			if (exact)
				continue;
			if (pg_class_ownercheck(member, GetUserId()))
			{
				put_triggers(member, dag_relation_display(member));
				catalog_log_change(member);
			}
			else
				ereport(NOTICE,
						(errmsg("partition %s of a tracked table is not tracked", dag_relation_display(member)),
						 errdetail("Only its owner, role %s, can put the change log's trigger on it; until then, cached "
								   "results that read it are recomputed at every run.",
								   GetUserNameFromId(catalog_object_owner(RelationRelationId, member), false)),
						 errhint("Ask role %s to run SELECT hamilton_track('%s');",
								 GetUserNameFromId(catalog_object_owner(RelationRelationId, member), false),
								 dag_relation_display(member))));
		}
	}
}

/*
 * define_check_declared_sources checks the sources tag of a node (json,
 * its value's text; container: an array or an object): a JSON array of schema-qualified names of tracked
 * tables (dag/declared_sources.c).  It cannot check that they are all the
 * node reads: that is the user's word.
 */
void
define_check_declared_sources(const char *display, const char *json, bool container)
{
	char	   *problem = "it is not a JSON array";
	List	   *names = container ? dag_declared_names(json, &problem) : NIL;
	ListCell   *lc;

	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid sources tag of node %s", display),
				 errdetail("The tag sources is a JSON array of the schema-qualified tables the node reads; %s.",
						   problem),
				 errhint("Write it as '{\"sources\": [\"raw.events\", \"raw.users\"]}'.")));
	foreach(lc, names)
	{
		char	   *name = lfirst(lc);
		Oid			relid = dag_declared_relation(name, &problem);
		char		relkind;
		Relation	rel;
		bool		tracked;

		if (!OidIsValid(relid))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("sources tag of node %s names an unknown relation", display),
					 errdetail("In the tag sources, %s.", problem),
					 errhint("Name each table the node reads with its schema, as in \"raw.events\".")));
		relkind = get_rel_relkind(relid);
		/* (probes) a foreign table or materialized view with a probe */
		if ((relkind == RELKIND_FOREIGN_TABLE || relkind == RELKIND_MATVIEW) && catalog_read_probe(relid))
			continue;
		if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("sources tag of node %s names %s, which is not a table", display,
							dag_relation_display(relid)),
					 errdetail("A declared source must be a table or a partitioned table, whose writes the change log's trigger sees, "
							   "or a foreign table or materialized view with a probe."),
					 errhint("Declare the tables %s reads instead.", dag_relation_display(relid))));
		rel = table_open(relid, AccessShareLock);
		tracked = dag_relation_tracked(rel);
		table_close(rel, AccessShareLock);
		if (!tracked)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("sources tag of node %s names %s, which is not tracked", display,
							dag_relation_display(relid)),
					 errdetail("A cached run could not tell whether %s changed since the node's result was made.",
							   dag_relation_display(relid)),
					 errhint("Its owner can call SELECT hamilton_track('%s');", dag_relation_display(relid))));
	}
}
