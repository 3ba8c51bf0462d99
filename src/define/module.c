/*-------------------------------------------------------------------------
 *
 * module.c
 *	  Registering a schema as a module (its functions become nodes), and
 *	  forgetting it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "define.h"

static char *module_schema_name(Oid nspoid, const char *action);

/*
 * module_schema_name checks that the caller owns a schema that may be a
 * module, and returns its name.
 */
static char *
module_schema_name(Oid nspoid, const char *action)
{
	char	   *nspname = get_namespace_name(nspoid);

	if (nspname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema with OID %u does not exist", nspoid),
				 errdetail("It was dropped, or the OID is wrong."),
				 errhint("Pass the schema by name, e.g. hamilton_register('shop').")));
	if (strcmp(nspname, HAMILTON_SCHEMA) == 0 || strcmp(nspname, "pg_catalog") == 0 ||
		strcmp(nspname, "information_schema") == 0 || isAnyTempNamespace(nspoid))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_SCHEMA_NAME),
				 errmsg("schema \"%s\" cannot be a module", nspname),
				 errdetail("System schemas, temporary schemas and pg_hamilton's own catalog hold no dataflow."),
				 errhint("Put the dataflow's functions in a schema of their own, e.g. CREATE SCHEMA shop.")));
	catalog_check_path_schema(nspname);
	if (!pg_namespace_ownercheck(nspoid, GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of schema %s to %s it", quote_identifier(nspname), action),
				 errdetail("Registering a schema makes every function in it a node of the dataflow."),
				 errhint("Ask the schema's owner or a superuser to do it.")));
	return nspname;
}

/*
 * define_register_module makes a schema a module and returns how many nodes
 * it holds.  Overloaded function names are refused: a node name must mean
 * one thing.  Other problems of its nodes are a warning: they are reported
 * again whenever a request needs those nodes.
 */
int
define_register_module(Oid nspoid)
{
	char	   *nspname = module_schema_name(nspoid, "register");
	Dag		   *dag;
	int			count = 0,
				i;
	StringInfoData warnings;

	(void) catalog_lock_schema(nspname, psprintf("schema %s was being registered", quote_identifier(nspname)));
	catalog_add_module(nspname);
	CommandCounterIncrement();

	dag = dag_build();
	initStringInfo(&warnings);
	for (i = 0; i < dag->nnodes; i++)
	{
		HNode	   *node = &dag->nodes[i];
		ListCell   *lc;

		if (node->schema == NULL || strcmp(node->schema, nspname) != 0)
			continue;
		count++;
		foreach(lc, node->problems)
		{
			HProblem   *p = lfirst(lc);

			if (strcmp(p->code, "duplicate_node") == 0)
				ereport(ERROR,
						(errcode(p->sqlstate),
						 errmsg("cannot register schema %s: %s", quote_identifier(nspname), p->message),
						 errdetail("%s", p->detail),
						 errhint("A node name must mean one thing: rename the overloads, or prefix helpers with \"_\".")));
			appendStringInfo(&warnings, "%s%s", warnings.len ? "\n" : "", p->message);
		}
	}
	if (warnings.len > 0)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("module %s has nodes that cannot run yet", quote_identifier(nspname)),
				 errdetail("%s", warnings.data),
				 errhint("hamilton_validate() reports these again for any output that needs them.")));
	return count;
}

/*
 * define_unregister_module forgets a module: its functions stop being nodes
 * and lose their tags.  Its SQL nodes stay.
 */
void
define_unregister_module(Oid nspoid)
{
	char	   *nspname = module_schema_name(nspoid, "unregister");

	if (!catalog_module_exists(nspname))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("schema %s is not a module", quote_identifier(nspname)),
				 errdetail("It was never registered, or it was unregistered already."),
				 errhint("SELECT module FROM " HAMILTON_SCHEMA ".modules lists the registered modules.")));
	catalog_remove_module(nspname);
}
