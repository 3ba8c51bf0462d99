/*
 * features-a: hamilton_extract_fields (Hamilton's @extract_fields), each
 * field of a one-row node a node of its own.
 */
CREATE FUNCTION @extschema@.hamilton_extract_fields(node text)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'hamilton_extract_fields'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_extract_fields(text) IS
  'each field of a one-row node (OUT parameters, a composite, a one-row SELECT) becomes a scalar node named after it; returns the nodes made';
