
/* hamilton_orphans: the catalog's rows whose schema does not exist. */
CREATE FUNCTION @extschema@.hamilton_orphans(remove boolean DEFAULT false)
RETURNS TABLE (module name, catalog text, name text, rows bigint)
AS 'MODULE_PATHNAME', 'hamilton_orphans'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_orphans(boolean) IS
  'the catalog''s rows whose schema does not exist (left by a dump restored without it), per module, table and name; remove => true removes them';
