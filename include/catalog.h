/*
 * catalog.h
 *	  Reading and writing pg_hamilton's catalog tables (schema "hamilton").
 *
 * Catalog writes run as the extension's owner, after the caller's rights
 * have been checked here; node SQL always runs as the caller.
 */
#ifndef HAMILTON_CATALOG_H
#define HAMILTON_CATALOG_H

#include "postgres.h"
#include "nodes/pg_list.h"
#include "utils/jsonb.h"

/* Column numbers of hamilton.sql_node, as read by load_sql_nodes (dag.c). */
#define Anum_sql_node_schema			1
#define Anum_sql_node_name				2
#define Anum_sql_node_definition		3
#define Anum_sql_node_doc				4
#define Anum_sql_node_materialize		5
#define Anum_sql_node_declared_inputs	6
#define Anum_sql_node_owner				7
#define Anum_sql_node_kind				8
#define Anum_sql_node_frame_key			9
#define Anum_sql_node_extract_columns	10
#define Anum_sql_node_frame_columns		11
#define Anum_sql_node_frame_types		12
#define Anum_sql_node_config_when		13
#define Anum_sql_node_parameterized		14
#define Anum_sql_node_checks			15

/* Switching to the catalog owner for catalog access, and back. */
typedef struct OwnerScope
{
	Oid			saved_userid;
	int			saved_sec_context;
	int			guc_nestlevel;
} OwnerScope;

/* The search_path every statement run with the owner's rights uses. */
#define HAMILTON_SAFE_SEARCH_PATH "pg_catalog, pg_temp"

extern Oid	catalog_owner(void);
extern void catalog_owner_begin(OwnerScope *w);
extern void catalog_owner_end(OwnerScope *w);

extern void pin_safe_search_path(void);
extern void spi_exec_checked(const char *sql, int nargs, Oid *argtypes,
							 Datum *values, const char *nulls, int expected);
extern bool catalog_module_exists(const char *schema);
extern void parse_node_name(const char *text, char **schema, char **name,
							bool default_schema);
extern char *qualified_display(const char *schema, const char *name);
extern Jsonb *catalog_node_tags(const char *schema, const char *name);
extern void catalog_delete_tags(const char *schema, const char *name);

#endif							/* HAMILTON_CATALOG_H */
