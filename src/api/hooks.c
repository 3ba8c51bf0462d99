/*-------------------------------------------------------------------------
 *
 * hooks.c
 *	  hamilton_hook and hamilton_unhook: registering lifecycle hooks
 *	  (define/hooks.c; features-b, issue 13 item 10).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "api.h"

PG_FUNCTION_INFO_V1(hamilton_hook);
PG_FUNCTION_INFO_V1(hamilton_unhook);

/*
 * hamilton_hook(event text, function regprocedure) calls function at event
 * in the runs of the roles that trust the caller, as the caller; false when
 * it already did.
 */
Datum
hamilton_hook(PG_FUNCTION_ARGS)
{
	bool		added;

	api_begin();
	added = define_add_hook(text_to_cstring(PG_GETARG_TEXT_PP(0)), PG_GETARG_OID(1));
	api_end();
	PG_RETURN_BOOL(added);
}

/*
 * hamilton_unhook(event text, function regprocedure) stops calling a hook.
 */
Datum
hamilton_unhook(PG_FUNCTION_ARGS)
{
	api_begin();
	define_remove_hook(text_to_cstring(PG_GETARG_TEXT_PP(0)), PG_GETARG_OID(1));
	api_end();
	PG_RETURN_VOID();
}
