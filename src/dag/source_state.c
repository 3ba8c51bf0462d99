/*-------------------------------------------------------------------------
 *
 * source_state.c
 *	  What a cached result depends on besides its key: the relations its
 *	  query read and the functions it called, as they are now.
 *
 * A result may be reused only while each relation it read is exactly
 * tracked: it, each of its partition ancestors (a write through a parent
 * fires only the parent's statement triggers) and each of its descendants
 * carry hamilton.change_logged, enabled ALWAYS, on every statement kind,
 * and each table also the row trigger that sees the writes of logical
 * replication (dag/replica_trigger.c; hamilton_track puts both).  The state of the relations and
 * functions is digested: each relation's kind, file (relfilenode: a
 * rewriting ALTER TABLE, a TRUNCATE), columns and, for a view, its query;
 * the members of its partition tree (ATTACH, DETACH, a new partition); and
 * each non-catalog function's fingerprint; for a table with row-level
 * security, the role reading it and the policies.  Any difference is a
 * change.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_trigger.h"
#include "commands/trigger.h"
#include "common/md5.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "dag.h"

/* The trigger hamilton_track puts on a source and its partitions. */
#define TRACK_TRIGGER_NAME "hamilton_change_log"

static void relation_state(StringInfo buf, StringInfo probes, Oid relid, List **watched, char **why,
						   DagDepsMemo *m);
static void rls_state(StringInfo buf, Oid relid, Oid owner);
static void member_state(StringInfo buf, StringInfo probes, Relation rel, bool first, List **watched,
						 char **why, DagDepsMemo *m);
static bool tracked_memo(Relation rel, DagDepsMemo *m);
static bool track_trigger_shape(const Trigger *t);
static bool probe_state(StringInfo buf, StringInfo probes, Oid member, char **why);

/*
 * dag_is_track_trigger: is this the change log's trigger, enabled ALWAYS,
 * before (as hamilton_track puts it since 1.4) or after (as 1.3 did) every
 * INSERT, UPDATE, DELETE and TRUNCATE statement, with no condition and no
 * column list?  Either logs every writing transaction: the row is written
 * in the statement's (sub)transaction, so a statement that fails after a
 * BEFORE trigger ran takes its row with it.
 */
bool
dag_is_track_trigger(const Trigger *t)
{
	char	   *fname;
	char	   *fnsp;

	if (strcmp(t->tgname, TRACK_TRIGGER_NAME) != 0)
		return false;
	fname = get_func_name(t->tgfoid);
	fnsp = get_namespace_name(get_func_namespace(t->tgfoid));
	return fname && fnsp && strcmp(fname, "change_logged") == 0 &&
		strcmp(fnsp, HAMILTON_SCHEMA) == 0 && track_trigger_shape(t);
}

/*
 * track_trigger_shape: is the trigger enabled ALWAYS, for every INSERT,
 * UPDATE, DELETE and TRUNCATE statement, with no condition and no column
 * list (dag_is_track_trigger checks its name and function)?
 */
static bool
track_trigger_shape(const Trigger *t)
{
	return t->tgenabled == TRIGGER_FIRES_ALWAYS &&
		!TRIGGER_FOR_ROW(t->tgtype) && !TRIGGER_FOR_INSTEAD(t->tgtype) &&
		TRIGGER_FOR_INSERT(t->tgtype) && TRIGGER_FOR_UPDATE(t->tgtype) &&
		TRIGGER_FOR_DELETE(t->tgtype) && TRIGGER_FOR_TRUNCATE(t->tgtype) &&
		t->tgnattr == 0 && t->tgqual == NULL;
}

/* dag_relation_tracked: does the relation carry the change log's trigger? */
bool
dag_relation_tracked(Relation rel)
{
	int			i;

	for (i = 0; rel->trigdesc && i < rel->trigdesc->numtriggers; i++)
		if (dag_is_track_trigger(&rel->trigdesc->triggers[i]))
			return true;
	return false;
}

/*
 * tracked_memo is dag_relation_tracked with a run's memo (m, or NULL): the
 * trigger's function compared by Oid, looked up once.
 */
static bool
tracked_memo(Relation rel, DagDepsMemo *m)
{
	int			i;

	if (m == NULL)
		return dag_relation_tracked(rel);
	for (i = 0; OidIsValid(m->logged_fn) && rel->trigdesc && i < rel->trigdesc->numtriggers; i++)
	{
		const Trigger *t = &rel->trigdesc->triggers[i];

		if (t->tgfoid == m->logged_fn && strcmp(t->tgname, TRACK_TRIGGER_NAME) == 0 &&
			track_trigger_shape(t))
			return true;
	}
	return false;
}

/*
 * dag_track_trigger_current: does the relation carry the change log's
 * trigger as hamilton_track puts it now, before each statement?
 */
bool
dag_track_trigger_current(Relation rel)
{
	int			i;

	for (i = 0; rel->trigdesc && i < rel->trigdesc->numtriggers; i++)
		if (dag_is_track_trigger(&rel->trigdesc->triggers[i]) &&
			TRIGGER_FOR_BEFORE(rel->trigdesc->triggers[i].tgtype))
			return true;
	return false;
}

/*
 * dag_deps_state digests the state of the relations (Oid) a query read
 * and of the functions (Oid) it called.  *watched gets every relation
 * whose change log decides whether it changed; *why, the first reason why
 * a result read from them cannot be reused (an untracked source), or stays
 * NULL.  The digest is followed by the value of each probed source's
 * probe, in clear (probe_value.c).
 */
char *
dag_deps_state(List *sources, List *functions, List **watched, char **why)
{
	return dag_deps_state_memo(NULL, sources, functions, watched, why);
}

/*
 * dag_deps_state_memo is dag_deps_state with a cached run's memo (m, or
 * NULL: each looked up as it comes; deps_memo.c).
 */
char *
dag_deps_state_memo(DagDepsMemo *m, List *sources, List *functions, List **watched, char **why)
{
	StringInfoData buf;
	StringInfoData probes;
	ListCell   *lc;
	char		hex[2 * MD5_DIGEST_LENGTH + 1];
	const char *errstr = NULL;

	initStringInfo(&buf);
	initStringInfo(&probes);
	foreach(lc, sources)
		relation_state(&buf, &probes, lfirst_oid(lc), watched, why, m);
	foreach(lc, functions)
	{
		Oid			fn = lfirst_oid(lc);
		HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
		char	   *body;
		bool		isnull;
		Datum		d;

		if (!HeapTupleIsValid(tup))
		{
			appendStringInfo(&buf, "f%u gone;", fn);
			if (*why == NULL)
				*why = psprintf("function %u it called is gone", fn);
			continue;
		}
		body = dag_function_body(tup, fn);
		d = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_probin, &isnull);
		appendStringInfo(&buf, "f%u %c %s\x1f%s\x1f", fn, ((Form_pg_proc) GETSTRUCT(tup))->provolatile,
						 body ? body : "", isnull ? "" : TextDatumGetCString(d));
		d = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_proconfig, &isnull);
		if (!isnull)
			appendStringInfoString(&buf, TextDatumGetCString(DirectFunctionCall1(array_out, d)));
		appendStringInfoChar(&buf, ';');
		ReleaseSysCache(tup);
	}
	if (m)
		dag_memo_md5(m, buf.data, buf.len, hex);
	else if (!pg_md5_hash(buf.data, buf.len, hex, &errstr))
		elog(ERROR, "could not compute MD5: %s", errstr ? errstr : "?");
	return psprintf("%s%s", hex, probes.data);
}

/*
 * relation_state appends the state of a relation read and of its partition
 * tree (ancestors, descendants), noting in *watched those whose change log
 * counts and in *why why they are not exactly tracked.
 */
static void
relation_state(StringInfo buf, StringInfo probes, Oid relid, List **watched, char **why, DagDepsMemo *m)
{
	List	   *tree;
	ListCell   *lc;
	bool		first = true;
	Relation	top;
	Relation	pass = dag_memo_relation(m, relid); /* (rerun2) state_pass.c */

	/* locked first, then looked up: a relation dropped meanwhile is gone */
	top = pass ? pass : try_relation_open(relid, AccessShareLock);
	if (top == NULL)
	{
		appendStringInfo(buf, "r%u gone;", relid);
		if (*why == NULL)
			*why = psprintf("relation %u it read is gone", relid);
		return;
	}
	/* the relcache says whether there is a tree to look up */
	tree = top->rd_rel->relhassubclass ? find_all_inheritors(relid, AccessShareLock, NULL) :
		list_make1_oid(relid);
	if (top->rd_rel->relispartition)
		tree = list_concat(tree, get_partition_ancestors(relid));
	else if (*why == NULL && (m ? dag_memo_has_superclass(m, relid) : has_superclass(relid)))
		*why = psprintf("%s inherits from another table, whose writes only its own triggers see",
						dag_relation_display(relid));
	foreach(lc, tree)
	{
		Oid			member = lfirst_oid(lc);
		Relation	rel = member == relid ? top : table_open(member, AccessShareLock);

		member_state(buf, probes, rel, first, watched, why, m);
		if (rel != top)
			table_close(rel, AccessShareLock);
		first = false;
	}
	if (top != pass)
		table_close(top, AccessShareLock);
	appendStringInfoChar(buf, ';');
}

/*
 * member_state appends the state of one relation of a tree (rel, open):
 * its kind, file, columns, a view's query, its policies; noting in
 * *watched a table whose change log counts, and in *why why it is not
 * exactly tracked.
 */
static void
member_state(StringInfo buf, StringInfo probes, Relation rel, bool first, List **watched, char **why,
			 DagDepsMemo *m)
{
	Oid			member = RelationGetRelid(rel);
	Form_pg_class c = RelationGetForm(rel);
	TupleDesc	desc = RelationGetDescr(rel);
	int			a;

	appendStringInfo(buf, "%sr%u %c %u %d%d:", first ? "" : ",", member, c->relkind,
					 c->relfilenode, c->relrowsecurity, c->relforcerowsecurity);
	for (a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);

		appendStringInfo(buf, "%s %u %d %d|", NameStr(att->attname), att->atttypid,
						 att->atttypmod, att->attisdropped);
	}
	if (c->relkind == RELKIND_VIEW)
		appendStringInfoString(buf, TextDatumGetCString(DirectFunctionCall1(pg_get_viewdef,
																			ObjectIdGetDatum(member))));
	else if (c->relkind == RELKIND_RELATION || c->relkind == RELKIND_PARTITIONED_TABLE)
	{
		*watched = list_append_unique_oid(*watched, member);
		if (*why == NULL && !tracked_memo(rel, m))
			*why = psprintf("source %s is not tracked (its owner can call hamilton_track)",
							dag_relation_display(member));
		else
			dag_replica_tracked_memo(rel, why, m);
	}
	else if ((c->relkind == RELKIND_FOREIGN_TABLE || c->relkind == RELKIND_MATVIEW) &&
			 probe_state(buf, probes, member, why))
		 /* its probe's value is its data version */ ;
	else if (*why == NULL)
		*why = psprintf("%s is a %s, whose changes no trigger sees (its owner can declare a probe with hamilton_probe)",
						dag_relation_display(member),
						c->relkind == RELKIND_MATVIEW ? "materialized view" :
						c->relkind == RELKIND_FOREIGN_TABLE ? "foreign table" : "relation of another kind");
	if (c->relrowsecurity)
		rls_state(buf, member, c->relowner);
}

/*
 * probe_state appends a source's probe (member, a foreign table or
 * materialized view) to buf, a new probe being a change, and its value to
 * probes, and is true; false when it has no probe.  A NULL value is
 * unknown: *why says so.
 */
static bool
probe_state(StringInfo buf, StringInfo probes, Oid member, char **why)
{
	char	   *probe = catalog_read_probe(member);
	char	   *value;

	if (probe == NULL)
		return false;
	appendStringInfo(buf, "probe %s\x1f", probe);
	if (!dag_probe_trusted(member))
	{
		if (*why == NULL)
			*why = psprintf("the probe of %s belongs to its owner, a role you do not trust, and is not run",
							dag_relation_display(member));
		return true;
	}
	value = dag_probe_value(member, probe);
	appendStringInfo(probes, "\x1e%s=%s", dag_relation_display(member), value ? value : "");
	if (value == NULL && *why == NULL)
		*why = psprintf("probe of %s returned NULL, an unknown data version", dag_relation_display(member));
	return true;
}

/*
 * dag_probe_changed is the first probed source whose probe's value in
 * state differs from that in was (both made by dag_deps_state), or NULL.
 */
char *
dag_probe_changed(const char *was, const char *state)
{
	const char *a = strchr(was, '\x1e');
	const char *b = strchr(state, '\x1e');

	while (a && b)
	{
		const char *na = strchr(a + 1, '\x1e');
		const char *nb = strchr(b + 1, '\x1e');
		size_t		la = na ? (size_t) (na - a) : strlen(a);
		size_t		lb = nb ? (size_t) (nb - b) : strlen(b);

		if (la != lb || strncmp(a, b, la) != 0)
		{
			const char *eq = memchr(b + 1, '=', lb - 1);

			return pnstrdup(b + 1, eq ? (size_t) (eq - b - 1) : lb - 1);
		}
		a = na;
		b = nb;
	}
	return NULL;
}

/*
 * dag_put_track_trigger creates the change log's trigger on a relation
 * (qname, quoted), enabled ALWAYS, replacing one of that name that is not
 * exactly it; as the current user, who must own the relation.  It fires
 * before each statement: an AFTER statement trigger costs the writer an
 * event in the after-trigger queue, fired at the statement's end.
 */
void
dag_put_track_trigger(const char *qname, bool replace)
{
	if (replace)
		spi_exec_checked(psprintf("DROP TRIGGER " TRACK_TRIGGER_NAME " ON %s", qname),
						 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	spi_exec_checked(psprintf("CREATE TRIGGER " TRACK_TRIGGER_NAME " "
							  "BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s "
							  "FOR EACH STATEMENT EXECUTE FUNCTION " HAMILTON_SCHEMA ".change_logged()",
							  qname), 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	spi_exec_checked(psprintf("ALTER TABLE ONLY %s ENABLE ALWAYS TRIGGER " TRACK_TRIGGER_NAME, qname),
					 0, NULL, NULL, NULL, SPI_OK_UTILITY);
}

/* dag_has_track_trigger: has the relation a trigger of the change log's name? */
bool
dag_has_track_trigger(Relation rel)
{
	int			i;

	for (i = 0; rel->trigdesc && i < rel->trigdesc->numtriggers; i++)
		if (strcmp(rel->trigdesc->triggers[i].tgname, TRACK_TRIGGER_NAME) == 0)
			return true;
	return false;
}

/*
 * rls_state appends what decides the rows a relation with row-level
 * security shows: the role reading (whether it owns the table, is a
 * superuser, bypasses RLS), row_security, and the table's policies.
 */
static void
rls_state(StringInfo buf, Oid relid, Oid owner)
{
	Oid			role = GetUserId();
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1];
	uint64		r;

	appendStringInfo(buf, "rls %u %d %d %d %s:", role, role == owner, superuser_arg(role),
					 has_bypassrls_privilege(role), GetConfigOption("row_security", false, false));
	values[0] = ObjectIdGetDatum(relid);
	spi_exec_checked("SELECT p.polname, p.polcmd, p.polpermissive, p.polroles::pg_catalog.text, "
					 "       pg_catalog.pg_get_expr(p.polqual, p.polrelid), "
					 "       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) "
					 "FROM pg_catalog.pg_policy p WHERE p.polrelid = $1 ORDER BY p.polname",
					 1, argtypes, values, NULL, SPI_OK_SELECT);
	for (r = 0; r < SPI_processed; r++)
	{
		int			col;

		for (col = 1; col <= 6; col++)
		{
			char	   *v = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, col);

			appendStringInfo(buf, "%s\x1f", v ? v : "");
		}
	}
}
