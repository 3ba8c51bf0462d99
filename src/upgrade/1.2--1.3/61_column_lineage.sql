/*
 * Column-level lineage (issue 13, item 11): the table result_column and
 * the view column_lineage.
 */
CREATE TABLE hamilton.result_column (
    schema_name name NOT NULL,
    node_name   name NOT NULL,
    ordinal     int NOT NULL,
    column_name name NOT NULL,
    run_id      bigint NOT NULL,
    sources     jsonb NOT NULL CHECK (jsonb_typeof(sources) = 'array'),
    PRIMARY KEY (schema_name, node_name, ordinal)
);
SELECT pg_catalog.pg_extension_config_dump('hamilton.result_column', '');

CREATE VIEW hamilton.column_lineage WITH (security_barrier) AS
SELECT l.relation, l.node, l.module, rc.run_id, rc.ordinal, rc.column_name AS "column",
       s.e->>'node' AS source_node, s.e->>'relation' AS source_relation,
       s.e->>'file' AS source_file, s.e->>'column' AS source_column
FROM hamilton.result_column rc
JOIN hamilton.lineage l
  ON l.module = rc.schema_name
 AND l.node = pg_catalog.quote_ident(rc.schema_name) || '.' || pg_catalog.quote_ident(rc.node_name)
 AND l.run_id = rc.run_id
LEFT JOIN LATERAL pg_catalog.jsonb_array_elements(rc.sources) AS s(e) ON true;
COMMENT ON VIEW hamilton.column_lineage IS 'for each column of a SQL node''s result: the upstream node columns, source table columns and loaded file columns it is computed from (one row per source; none for a constant)';

/*
 * The columnLineage facet of the result node wrote in run run_id, from
 * hamilton.column_lineage: each column's input fields (NULL: none kept).
 */
CREATE FUNCTION hamilton.openlineage_column_facet(run_id bigint, node text)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_build_object(
               '_producer', hamilton.openlineage_producer(),
               '_schemaURL', 'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet',
               'fields', jsonb_object_agg(c.col, c.inputs))
    FROM (SELECT cl."column" AS col,
                 jsonb_build_object('inputFields', coalesce(jsonb_agg(
                     CASE WHEN cl.source_file IS NOT NULL
                          THEN jsonb_build_object('namespace', regexp_replace(hamilton.openlineage_server(),
                                                                              '^postgres://(.*):[0-9]+$', 'file://\1'),
                                                  'name', cl.source_file)
                          ELSE hamilton.openlineage_dataset(coalesce(cl.source_node, cl.source_relation)) END
                     || jsonb_build_object('field', cl.source_column)
                     ORDER BY cl.source_node, cl.source_relation, cl.source_file, cl.source_column)
                     FILTER (WHERE cl.source_column IS NOT NULL), '[]')) AS inputs
          FROM hamilton.column_lineage cl
          WHERE cl.run_id = openlineage_column_facet.run_id AND cl.node = openlineage_column_facet.node
          GROUP BY cl.ordinal, cl."column") AS c
    HAVING count(*) > 0
$$;

GRANT SELECT ON hamilton.column_lineage TO PUBLIC;
