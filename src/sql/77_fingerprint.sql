/*
 * hamilton.function_fingerprint keeps a function node's code fingerprint
 * (dag/fingerprint.c) for the pg_proc row version it was computed from:
 * the row's OID, xmin and ctid.  Any change of the function (CREATE OR
 * REPLACE, ALTER FUNCTION) writes a new row version, with another xmin or
 * ctid (a second change in one transaction keeps xmin but not ctid), so a
 * kept fingerprint is used only for the very row it was made from; every
 * other row version is fingerprinted again.  Written by runs, as the
 * catalog's owner (catalog/fingerprint_rows.c); no key is unique, so that
 * two runs writing the same function never wait for each other; readers
 * take one row of a key.  Not dumped: a restored function is another row.
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
