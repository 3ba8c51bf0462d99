/*
 * (chain) hamilton.function_fingerprint: a function node's fingerprint,
 * kept for the pg_proc row version it was computed from (see
 * src/sql/77_fingerprint.sql).
 */
CREATE TABLE hamilton.function_fingerprint (
    funcoid     oid NOT NULL,
    proc_xmin   xid NOT NULL,
    proc_ctid   tid NOT NULL,
    fingerprint text NOT NULL
);
CREATE INDEX function_fingerprint_funcoid ON hamilton.function_fingerprint (funcoid);
COMMENT ON TABLE hamilton.function_fingerprint IS
    'A function node''s code fingerprint, for the pg_proc row version (OID, xmin, ctid) it was computed from';
GRANT SELECT ON hamilton.function_fingerprint TO PUBLIC;
