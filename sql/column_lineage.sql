-- Column-level lineage: for each column of a SQL node's result, the
-- columns it is computed from, found in the query tree of PostgreSQL's
-- analyzer (hamilton.column_lineage), and in OpenLineage's columnLineage.
SELECT setval('hamilton.run_id_seq', 99200) > 0 AS ok;
CREATE SCHEMA cl;
CREATE TABLE cl.orders (id int, customer int, amount numeric, region text);
CREATE TABLE cl.customers (id int, name text, country text);
INSERT INTO cl.orders VALUES (1, 1, 10, 'n'), (2, 1, 20, 's'), (3, 2, 5, 'n');
INSERT INTO cl.customers VALUES (1, 'ann', 'fr'), (2, 'bob', 'de');
CREATE FUNCTION cl.factor() RETURNS numeric LANGUAGE sql RETURN 3;
SELECT hamilton_register('cl');

-- A join; an expression of two tables' columns; a renamed column; a
-- constant; a column from a scalar node (spliced in as a value: none).
SELECT hamilton_define('cl.enriched', $$
    SELECT o.id, o.amount * 2 AS doubled, c.name AS customer_name,
           upper(c.country) || o.region AS place, 42 AS answer, o.amount * factor AS scaled
    FROM cl.orders o JOIN cl.customers c ON c.id = o.customer, factor$$);
-- An upstream node's columns, through a CTE, an aggregate, a scalar
-- sublink and a whole-row reference; WHERE and GROUP BY are not sources.
SELECT hamilton_define('cl.summary', $$
    WITH big AS (SELECT customer_name, doubled FROM enriched WHERE doubled > 10)
    SELECT customer_name, sum(doubled) AS total, (SELECT max(amount) FROM cl.orders) AS top,
           count(*) AS n, min(big::text) AS any_row
    FROM big GROUP BY customer_name$$);
-- A set operation: each leaf's column.
SELECT hamilton_define('cl.ids', 'SELECT id AS key FROM cl.orders UNION ALL SELECT id FROM cl.customers');
-- Intermediates that keep no result: an inlined one (one consumer) and a
-- temporary table (two consumers) are seen through, to their sources.
SELECT hamilton_define('cl.inlined_mid', 'SELECT id, amount AS amt FROM cl.orders');
SELECT hamilton_define('cl.via_inlined', 'SELECT id, amt + 1 AS bumped FROM inlined_mid');
SELECT hamilton_define('cl.temp_mid', 'SELECT customer AS who, amount * 10 AS big FROM cl.orders');
SELECT hamilton_define('cl.via_temp_a', 'SELECT who, big FROM temp_mid');
SELECT hamilton_define('cl.via_temp_b', 'SELECT big - 1 AS smaller FROM temp_mid');
-- A recursive CTE, a LATERAL function call and VALUES.
SELECT hamilton_define('cl.series', $$
    WITH RECURSIVE r(n, total) AS (
        SELECT 1, amount FROM cl.orders WHERE id = 1
        UNION ALL SELECT n + 1, total * 2 FROM r WHERE n < 3)
    SELECT r.n, r.total, g AS step, v.label
    FROM r, LATERAL generate_series(1, r.n) AS g, (VALUES ('x'), ('y')) AS v(label)$$);

SELECT node, status FROM hamilton_execute(ARRAY['enriched', 'summary', 'ids', 'via_inlined',
                                                'via_temp_a', 'via_temp_b', 'series']);
SELECT node, ordinal, "column", source_node, source_relation, source_column
FROM hamilton.column_lineage WHERE module = 'cl'
ORDER BY node, ordinal, source_node NULLS FIRST, source_relation NULLS FIRST, source_column;
-- Only the results kept: intermediates have no rows of their own.
SELECT count(*) FROM hamilton.column_lineage WHERE node IN ('cl.inlined_mid', 'cl.temp_mid');

-- A later run replaces a result's column lineage with its own.
SELECT hamilton_define('cl.ids', 'SELECT customer AS key FROM cl.orders');
SELECT node, status FROM hamilton_execute(ARRAY['ids']);
SELECT run_id - 99200 AS run, "column", source_relation, source_column
FROM hamilton.column_lineage WHERE node = 'cl.ids';

-- OpenLineage: START, a RUNNING per node that ran, COMPLETE; the config in
-- every event's facets, each output's columnLineage.
SELECT e->>'eventType' AS type, e->'run'->'facets'->'pg_hamilton_node'->>'node' AS node,
       e->'run'->'facets'->'pg_hamilton_config'->'config' AS config
FROM hamilton_openlineage(99201) AS e;
-- Each RUNNING event is timed between the run's start and end.
SELECT bool_and((e->>'eventTime')::timestamptz BETWEEN r.started_at AND r.finished_at) AS within_run
FROM hamilton_openlineage(99201) AS e, hamilton.runs r
WHERE r.run_id = 99201 AND e->>'eventType' = 'RUNNING';
SELECT f.key AS "column", jsonb_path_query_array(f.value, '$.inputFields[*].field') AS fields,
       jsonb_path_query_array(f.value, '$.inputFields[*].name') AS datasets
FROM hamilton_openlineage(99201) AS e,
     jsonb_array_elements(e->'outputs') AS o,
     jsonb_each(o->'facets'->'columnLineage'->'fields') AS f
WHERE e->>'eventType' = 'COMPLETE' AND o->>'name' LIKE '%.cl.summary'
ORDER BY 1;
SELECT o->'facets'->'columnLineage'->>'_schemaURL' AS url
FROM hamilton_openlineage(99201) AS e, jsonb_array_elements(e->'outputs') AS o
WHERE e->>'eventType' = 'COMPLETE' AND o->>'name' LIKE '%.cl.enriched';

-- Config reaches the facets.
SELECT node, status FROM hamilton_execute(ARRAY['ids'], config => '{"region": "eu"}');
SELECT DISTINCT e->'run'->'facets'->'pg_hamilton_config'->'config' AS config
FROM hamilton_openlineage(99203) AS e;

-- A later run builds the results aside (existing tables) and its
-- consumers read them there: still the upstream node's columns.
SELECT node, status FROM hamilton_execute(ARRAY['enriched', 'summary']);
SELECT run_id - 99200 AS run, "column", source_node, source_relation, source_column
FROM hamilton.column_lineage WHERE node = 'cl.summary' AND ordinal <= 2 ORDER BY ordinal;

-- A function node's result has no column lineage (it is not SQL the
-- analyzer sees), and a frame's compiled query neither.
CREATE FUNCTION cl.rows_of(factor numeric) RETURNS TABLE (v numeric) LANGUAGE sql
    AS $$ SELECT factor * 2 $$;
SELECT node, status FROM hamilton_execute(ARRAY['rows_of']);
SELECT count(*) FROM hamilton.column_lineage WHERE node = 'cl.rows_of';

-- A step a background worker builds has its column lineage too: the
-- caller analyzes the SQL the worker ran.
SET hamilton.worker_min_ms = 0;
SELECT node, status FROM hamilton_execute(ARRAY['enriched', 'summary'], workers => 2);
SELECT r.worker_pid IS NOT NULL AS on_worker, c."column", c.source_node, c.source_relation, c.source_column
FROM hamilton.column_lineage c JOIN hamilton.node_runs r ON r.run_id = c.run_id AND r.node = c.node
WHERE c.node IN ('cl.summary', 'cl.enriched') AND c.ordinal <= 2
  AND c.run_id = (SELECT max(run_id) FROM hamilton.runs)
ORDER BY c.node, c.ordinal;
RESET hamilton.worker_min_ms;

SELECT drop_module('cl');
