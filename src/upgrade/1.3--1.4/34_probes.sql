/*
 * Probes (issue 11): a source that cannot carry the change log's trigger
 * (a foreign table, a materialized view) declares, by its owner, a query
 * whose one value is its data version: a cached result read from it is
 * reused while the probe returns what it returned when the result was
 * made (src/dag/probe_value.c).  Dumped: it is the owner's declaration.
 */
CREATE TABLE hamilton.source_probe (
    source      regclass PRIMARY KEY,
    probe       text NOT NULL,
    declared_by name NOT NULL DEFAULT CURRENT_USER,
    declared_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
REVOKE ALL ON hamilton.source_probe FROM PUBLIC;
GRANT SELECT ON hamilton.source_probe TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('hamilton.source_probe', '');

CREATE FUNCTION @extschema@.hamilton_probe(source regclass, probe text)
RETURNS void
AS 'MODULE_PATHNAME', 'hamilton_probe'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_probe(regclass, text) IS
  'by the owner of a foreign table or materialized view: a read-only SELECT of one column and one row whose value is its data version, so that cache => true can reuse results read from it while that value is unchanged';

CREATE FUNCTION @extschema@.hamilton_unprobe(source regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'hamilton_unprobe'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_unprobe(regclass) IS
  'by the owner of a probed source: forget its probe; results read from it are recomputed from then on';
