/*-------------------------------------------------------------------------
 *
 * hook_rows.c
 *	  hamilton.hook and hamilton.hook_error: the lifecycle hooks, and what
 *	  they raised (features-b, issue 13 item 10).
 *
 * The tables came with version 1.3; on an older catalog there are no hooks
 * (catalog_keeps_hooks), and a run calls none.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "catalog.h"

/*
 * catalog_keeps_hooks: does the catalog have lifecycle hooks (hamilton.hook,
 * version 1.3 on)?
 */
bool
catalog_keeps_hooks(void)
{
	Oid			nsp = get_namespace_oid(HAMILTON_SCHEMA, true);

	return OidIsValid(nsp) && OidIsValid(get_relname_relid("hook", nsp));
}

/*
 * catalog_add_hook registers function for event, owned by owner_name; false
 * when it already was (its owner is then unchanged).  The caller switches
 * to the catalog owner first.
 */
bool
catalog_add_hook(const char *event, Oid function, const char *owner_name)
{
	Oid			argtypes[3] = {TEXTOID, OIDOID, NAMEOID};
	Datum		values[3];

	values[0] = CStringGetTextDatum(event);
	values[1] = ObjectIdGetDatum(function);
	values[2] = DirectFunctionCall1(namein, CStringGetDatum(owner_name));
	spi_exec_checked("INSERT INTO " CATALOG_TABLE("hook") " (event, function, owner_name) "
					 "VALUES ($1, $2::pg_catalog.regprocedure, $3) ON CONFLICT DO NOTHING",
					 3, argtypes, values, NULL, SPI_OK_INSERT);
	return SPI_processed == 1;
}

/*
 * catalog_hook_owner returns the owner of the hook function has for event,
 * or NULL when there is none.  The caller switches to the catalog owner.
 */
char *
catalog_hook_owner(const char *event, Oid function)
{
	Oid			argtypes[2] = {TEXTOID, OIDOID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(event);
	values[1] = ObjectIdGetDatum(function);
	spi_exec_checked("SELECT owner_name::pg_catalog.text FROM " CATALOG_TABLE("hook") " "
					 "WHERE event = $1 AND function = $2::pg_catalog.regprocedure FOR UPDATE",
					 2, argtypes, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return NULL;
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/*
 * catalog_remove_hook deletes the hook function has for event.  The caller
 * switches to the catalog owner.
 */
void
catalog_remove_hook(const char *event, Oid function)
{
	Oid			argtypes[2] = {TEXTOID, OIDOID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(event);
	values[1] = ObjectIdGetDatum(function);
	spi_exec_checked("DELETE FROM " CATALOG_TABLE("hook") " "
					 "WHERE event = $1 AND function = $2::pg_catalog.regprocedure",
					 2, argtypes, values, NULL, SPI_OK_DELETE);
}

/*
 * catalog_read_hooks returns every hook, in the order they are called (by
 * event, then by when they were registered, then by function), as
 * CatalogHook rows copied into the current memory context.
 */
List *
catalog_read_hooks(void)
{
	static SPIPlanPtr plan = NULL;
	OwnerScope	w;
	List	   *hooks = NIL;
	uint64		i;

	if (!catalog_keeps_hooks())
		return NIL;
	catalog_owner_begin(&w);
	spi_exec_kept(&plan, "SELECT event, function::pg_catalog.oid, owner_name::pg_catalog.text, "
				  "  function::pg_catalog.text FROM " CATALOG_TABLE("hook") " "
				  "ORDER BY event, created_at, function::pg_catalog.oid");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		CatalogHook *h = palloc0(sizeof(CatalogHook));
		bool		isnull;

		h->event = SPI_getvalue(tup, desc, 1);
		h->function = DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull));
		h->owner_name = SPI_getvalue(tup, desc, 3);
		h->display = SPI_getvalue(tup, desc, 4);
		hooks = lappend(hooks, h);
	}
	catalog_owner_end(&w);
	return hooks;
}

/*
 * catalog_insert_hook_error records what a hook raised in run run_id (node
 * may be NULL), as the catalog owner, in the caller's transaction.
 */
void
catalog_insert_hook_error(int64 run_id, const CatalogHook *h, const char *node,
						  const char *sqlstate, const char *message)
{
	OwnerScope	w;
	Oid			argtypes[7] = {INT8OID, TEXTOID, TEXTOID, NAMEOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};

	values[0] = Int64GetDatum(run_id);
	values[1] = CStringGetTextDatum(h->event);
	values[2] = CStringGetTextDatum(h->display);
	values[3] = DirectFunctionCall1(namein, CStringGetDatum(h->owner_name));
	if (node)
		values[4] = CStringGetTextDatum(node);
	else
		nulls[4] = 'n';
	values[5] = CStringGetTextDatum(sqlstate);
	values[6] = CStringGetTextDatum(message);
	catalog_owner_begin(&w);
	spi_exec_checked("INSERT INTO " CATALOG_TABLE("hook_error") " "
					 "(run_id, event, function, owner_name, node, sqlstate, message) "
					 "VALUES ($1, $2, $3, $4, $5, $6, $7)",
					 7, argtypes, values, nulls, SPI_OK_INSERT);
	catalog_owner_end(&w);
}
