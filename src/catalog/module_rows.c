/*-------------------------------------------------------------------------
 *
 * module_rows.c
 *	  hamilton.module: the schemas registered as modules.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"

#include "catalog.h"

/*
 * catalog_module_exists tells whether a schema is registered as a module.
 */
bool
catalog_module_exists(const char *schema)
{
	spi_exec_on_node("SELECT 1 FROM " CATALOG_TABLE("module") " WHERE schema_name = $1",
					 schema, NULL, NULL, false, SPI_OK_SELECT);
	return SPI_processed > 0;
}

/*
 * catalog_add_module registers a schema (again: nothing changes), recording
 * who did it.
 */
void
catalog_add_module(const char *schema)
{
	spi_exec_on_node("INSERT INTO " CATALOG_TABLE("module") " (schema_name, registered_by) "
					 "VALUES ($1, session_user) ON CONFLICT (schema_name) DO NOTHING",
					 schema, NULL, NULL, true, SPI_OK_INSERT);
}

/*
 * catalog_remove_module forgets a module and the tags of its functions; its
 * SQL nodes (and their tags) stay.
 */
void
catalog_remove_module(const char *schema)
{
	spi_exec_on_node("DELETE FROM " CATALOG_TABLE("module") " WHERE schema_name = $1",
					 schema, NULL, NULL, true, SPI_OK_DELETE);
	spi_exec_on_node("DELETE FROM " CATALOG_TABLE("node_tag") " t WHERE t.schema_name = $1 "
					 "AND NOT EXISTS (SELECT 1 FROM " CATALOG_TABLE("sql_node") " s "
					 "  WHERE s.schema_name = t.schema_name AND s.node_name = t.node_name)",
					 schema, NULL, NULL, true, SPI_OK_DELETE);
}
