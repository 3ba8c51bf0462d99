/*-------------------------------------------------------------------------
 *
 * schemas.c
 *	  Schemas that come and go under a dataflow: what the event triggers do
 *	  when a schema is dropped, renamed or created, and the orphans, rows
 *	  whose schema does not exist.
 *
 * Each trigger acts only on the schema its DDL command names: a drop
 * forgets the dropped schemas' rows, a rename moves the renamed schema's
 * rows from its old name to its new one (both read from the command).  No
 * row of another name is adopted or deleted.  Rows whose schema does not
 * exist cannot arise from pg_hamilton's own calls (they lock the schema,
 * catalog/locks.c), but a dump restored without their schema (pg_dump
 * --exclude-schema) or a catalog an older pg_hamilton left can hold some:
 * nothing ever attaches them to a schema, since a new schema of their name
 * (created, or renamed to it) is refused until hamilton_orphans removes
 * them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "define.h"

static void refuse_orphans_name(const char *schema, const char *action);

/*
 * refuse_orphans_name refuses a schema that was just given its name
 * (action: "create" or "rename") while rows of an earlier schema of that
 * name are left: the new schema would inherit their nodes, tags and
 * lineage.
 */
static void
refuse_orphans_name(const char *schema, const char *action)
{
	int64		rows = catalog_schema_row_count(schema);

	if (rows == 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("pg_hamilton's catalog holds rows of an earlier schema named %s", quote_identifier(schema)),
			 errdetail_plural("%lld row (of modules, nodes, tags, checks, lineage) names schema %s, which did not "
							  "exist: a dump restored without that schema (pg_dump --exclude-schema) or an older "
							  "pg_hamilton left it. A new schema of that name must not inherit it.",
							  "%lld rows (of modules, nodes, tags, checks, lineage) name schema %s, which did not "
							  "exist: a dump restored without that schema (pg_dump --exclude-schema) or an older "
							  "pg_hamilton left them. A new schema of that name must not inherit them.",
							  (unsigned long) rows, (long long) rows, quote_identifier(schema)),
			 errhint("See them with SELECT * FROM hamilton_orphans(); the extension's owner removes them "
					 "with SELECT * FROM hamilton_orphans(remove => true). Then %s the schema again.", action)));
}

/*
 * define_schemas_dropped forgets the rows of the schemas a DROP command
 * dropped (in the sql_drop event trigger).  Their run history stays.
 */
void
define_schemas_dropped(void)
{
	bool		isnull;
	Datum		names;

	/* DROP EXTENSION hamilton: the catalog itself is gone */
	if (!OidIsValid(get_namespace_oid(HAMILTON_SCHEMA, true)))
		return;
	spi_exec_checked("SELECT pg_catalog.array_agg(object_name) FROM pg_catalog.pg_event_trigger_dropped_objects() "
					 "WHERE object_type = 'schema'",
					 0, NULL, NULL, NULL, SPI_OK_SELECT);
	names = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		catalog_forget_schema_rows(DatumGetArrayTypePCopy(names));
}

/*
 * define_schema_renamed moves the rows of a schema ALTER SCHEMA ... RENAME
 * renamed, once every transaction writing rows that name it has ended.
 */
void
define_schema_renamed(const char *old_name, const char *new_name)
{
	catalog_lock_renamed_schema(get_namespace_oid(new_name, false));
	refuse_orphans_name(new_name, "rename");
	catalog_rename_schema_rows(old_name, new_name);
}

/*
 * define_schemas_created refuses the schemas a CREATE SCHEMA command
 * created whose name rows of an earlier schema still carry.
 */
void
define_schemas_created(void)
{
	List	   *names = NIL;
	ListCell   *lc;
	uint64		i;

	spi_exec_checked("SELECT objid FROM pg_catalog.pg_event_trigger_ddl_commands() "
					 "WHERE object_type = 'schema' AND command_tag = 'CREATE SCHEMA'",
					 0, NULL, NULL, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		char	   *name = get_namespace_name(DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
																		 SPI_tuptable->tupdesc, 1, &isnull)));

		if (name)
			names = lappend(names, name);
	}
	foreach(lc, names)
		refuse_orphans_name(lfirst(lc), "create");
}

/*
 * define_orphans leaves in SPI_tuptable the rows whose schema does not
 * exist (catalog_orphan_rows); with remove, it removes them, which takes
 * the rights of the catalog's owner: they belong to no schema anybody owns.
 */
void
define_orphans(bool remove)
{
	Oid			owner = catalog_owner();

	if (remove && !has_privs_of_role(GetUserId(), owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to remove the rows of schemas that do not exist"),
				 errdetail("They belong to no schema anybody owns, so only the owner of pg_hamilton's catalog (role %s) may remove them.",
						   quote_identifier(GetUserNameFromId(owner, false))),
				 errhint("Ask role %s or a superuser to run SELECT * FROM hamilton_orphans(remove => true).",
						 quote_identifier(GetUserNameFromId(owner, false)))));
	catalog_orphan_rows(remove);
}
