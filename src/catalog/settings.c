/*-------------------------------------------------------------------------
 *
 * settings.c
 *	  The settings pg_hamilton pins around the statements it runs.
 *
 * Each pin_* function sets its settings in the current GUC nest level; the
 * caller opens it with NewGUCNestLevel() and closes it with AtEOXact_GUC(),
 * so an error unwinds them too.  Whether public may be on a module's path
 * is decided once per request, for the role that makes it (trust.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "catalog.h"

/*
 * pin_safe_search_path sets search_path to pg_catalog, pg_temp in the
 * current GUC nest level (the caller opens and closes it).
 */
void
pin_safe_search_path(void)
{
	(void) set_config_option("search_path", HAMILTON_SAFE_SEARCH_PATH,
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

/*
 * pin_module_search_path sets search_path to a module's schema, then public
 * (only with_public: see catalog_public_trusted), then temporary tables:
 * where unqualified names in a module's SQL are looked up, when it is
 * defined and when it runs.  pg_catalog comes first, as always when the
 * path does not name it.
 */
void
pin_module_search_path(const char *schema, bool with_public)
{
	pin_modules_search_path(list_make1((char *) schema), with_public);
}

/*
 * pin_modules_search_path is pin_module_search_path for several modules'
 * schemas, in the order given (a frame's query, which holds SQL of the
 * frame's module and of its columns' modules: dag_frame_modules).
 */
void
pin_modules_search_path(List *schemas, bool with_public)
{
	StringInfoData path;
	ListCell   *lc;

	initStringInfo(&path);
	foreach(lc, schemas)
	{
		catalog_check_path_schema((const char *) lfirst(lc));
		appendStringInfo(&path, "%s, ", quote_identifier((const char *) lfirst(lc)));
	}
	appendStringInfoString(&path, with_public ? "public, pg_temp" : "pg_temp");
	(void) set_config_option("search_path", path.data,
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

/*
 * catalog_check_path_schema refuses a schema that a search_path cannot
 * name: "$user", which search_path reads as the schema named after the
 * current role, quoted or not.  A module there would have its names looked
 * up in that other schema, whoever owns it.
 */
void
catalog_check_path_schema(const char *schema)
{
	if (strcmp(schema, "$user") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_SCHEMA_NAME),
				 errmsg("schema \"$user\" cannot hold a dataflow"),
				 errdetail("In search_path, \"$user\" stands for the schema named after the current role, quoted or not, "
						   "so the names of its nodes would be looked up in that schema instead."),
				 errhint("Rename the schema: ALTER SCHEMA \"$user\" RENAME TO dataflow;")));
}

/*
 * pin_sql_reading_settings sets, in the current GUC nest level, the
 * settings that change how SQL text reads, so that a stored definition is
 * read (parse/) and run (exec/) the same way, whatever the session
 * says.
 */
void
pin_sql_reading_settings(void)
{
	(void) set_config_option("standard_conforming_strings", "on", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("backslash_quote", "on", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

/*
 * The settings a module's statements run under: pin_module_search_path's
 * and pin_sql_reading_settings'.  Keep this list with them.
 */
static const char *const module_settings[PINNED_MODULE_SETTINGS] = {
	"search_path", "standard_conforming_strings", "backslash_quote"
};

/*
 * pinned_settings_save notes the values of the settings a module's
 * statements run under, just pinned, in the current memory context.
 */
void
pinned_settings_save(PinnedSettings *saved)
{
	int			i;

	for (i = 0; i < PINNED_MODULE_SETTINGS; i++)
		saved->values[i] = pstrdup(GetConfigOption(module_settings[i], false, false));
}

/*
 * pinned_settings_unchanged: are the values pinned_settings_save noted
 * still in force?  A function that ran since may have changed one (SET,
 * SET LOCAL, set_config): then they must be pinned again.
 */
bool
pinned_settings_unchanged(const PinnedSettings *saved)
{
	int			i;

	for (i = 0; i < PINNED_MODULE_SETTINGS; i++)
		if (strcmp(saved->values[i], GetConfigOption(module_settings[i], false, false)) != 0)
			return false;
	return true;
}
