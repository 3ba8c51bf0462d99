/*
 * materialize.h
 *	  Writing node results as tables: result tables in a module's schema,
 *	  replaced atomically, and temporary tables for intermediates.
 */
#ifndef HAMILTON_MATERIALIZE_H
#define HAMILTON_MATERIALIZE_H

#include "postgres.h"

extern uint64 materialize_result(const char *schema, const char *name,
								 const char *select_sql, const char *doc,
								 const char *node_display, Oid *relid);
extern uint64 materialize_temp(const char *temp_name, const char *select_sql);
extern void materialize_drop_temp(const char *temp_name);
extern void lock_result_names(List *schema_name_pairs);

#endif							/* HAMILTON_MATERIALIZE_H */
