/*
 * hamilton_schedule and hamilton_unschedule ran with the caller's
 * search_path: a role that could create in a schema on it (public, when
 * granted CREATE) could plant a better-matching function, such as
 * public.quote_ident(name) or public.format(text, integer), that their
 * bodies then called with the caller's rights.  They are pinned to
 * pg_catalog, pg_temp, as every other function of the extension is.
 */
ALTER FUNCTION @extschema@.hamilton_schedule(text, text, text[], jsonb, jsonb, jsonb, text[], boolean)
    SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION @extschema@.hamilton_unschedule(text)
    SET search_path = pg_catalog, pg_temp;
