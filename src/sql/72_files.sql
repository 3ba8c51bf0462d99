/* ------------------------------------------------------------------------
 * Loaders and savers (Hamilton's @load_from / @dataloader, @save_to /
 * @datasaver): files read by COPY FROM and written by COPY TO, as the
 * caller, and the files of each run (exec/files.c)
 * ------------------------------------------------------------------------ */

/*
 * A saver writes a node's result to a file whenever a run computes the
 * node; it belongs to the role that made it (who must own the node).
 */
CREATE TABLE hamilton.saver (
    schema_name name NOT NULL,
    node_name   name NOT NULL,
    path        text NOT NULL CHECK (path LIKE '/%'),
    options     jsonb CHECK (options IS NULL OR jsonb_typeof(options) = 'object'),
    owner_name  name NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (schema_name, node_name, path)
);

/* Every file a run read or wrote, by the step that did. */
CREATE TABLE hamilton.run_file (
    run_id      bigint NOT NULL,
    node        text NOT NULL,
    direction   text NOT NULL CHECK (direction IN ('read', 'written')),
    path        text NOT NULL,
    rows        bigint,
    at          timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
CREATE INDEX ON hamilton.run_file (run_id);

SELECT pg_catalog.pg_extension_config_dump('hamilton.saver', '');
SELECT pg_catalog.pg_extension_config_dump('hamilton.run_file', '');

CREATE FUNCTION @extschema@.hamilton_read_file(path text, options jsonb DEFAULT NULL)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'hamilton_read_file'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_read_file(text, jsonb) IS
  'the rows of a file on the server, read by COPY FROM as the caller (pg_read_server_files): SELECT * FROM hamilton_read_file(''/path.csv'') AS f(a int, b text); a run records the file it read';

CREATE FUNCTION @extschema@.hamilton_load(node text, path text, columns text, options jsonb DEFAULT NULL,
                                          doc text DEFAULT NULL, key text[] DEFAULT NULL,
                                          extract_columns boolean DEFAULT false)
RETURNS text
AS 'MODULE_PATHNAME', 'hamilton_load'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_load(text, text, text, jsonb, text, text[], boolean) IS
  'define a SQL node schema.name whose rows are read from a file (columns: ''a int, b text''; options: COPY''s, CSV with a header by default)';

CREATE FUNCTION @extschema@.hamilton_save(node text, path text, options jsonb DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'hamilton_save'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_save(text, text, jsonb) IS
  'write the node''s result to a file on the server by COPY TO, as the caller (pg_write_server_files), whenever a run computes it; the run records the file';

CREATE FUNCTION @extschema@.hamilton_unsave(node text, path text)
RETURNS void
AS 'MODULE_PATHNAME', 'hamilton_unsave'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_unsave(text, text) IS
  'stop writing the node''s result to that file';

CREATE VIEW hamilton.savers AS
SELECT pg_catalog.quote_ident(s.schema_name) || '.' || pg_catalog.quote_ident(s.node_name) AS node,
       s.schema_name AS module, s.path, s.options, s.owner_name AS owner, s.created_at
FROM hamilton.saver s;
COMMENT ON VIEW hamilton.savers IS 'the files each node''s result is written to when a run computes it';

CREATE VIEW hamilton.files WITH (security_barrier) AS
SELECT f.run_id, f.node, f.direction, f.path, f.rows, f.at
FROM hamilton.run_file f
JOIN hamilton.run r USING (run_id)
WHERE hamilton.may_see_run(r.run_by);
COMMENT ON VIEW hamilton.files IS 'every file the runs you see read (hamilton_read_file) or wrote (a saver), by the node whose step did';

GRANT SELECT ON hamilton.savers, hamilton.files TO PUBLIC;
