-- hamilton_openlineage: a run as OpenLineage run events (a START, then a
-- COMPLETE or a FAIL), with the source tables as inputs and the result
-- tables, their columns and row counts as outputs.
-- Run ids are made predictable; times, UUIDs, the host and port vary, so
-- their shape is checked rather than their value.
SELECT setval('hamilton.run_id_seq', 6700) > 0 AS ok;
\set SHOW_CONTEXT never
CREATE SCHEMA ol;
CREATE TABLE ol.sales (region text, amount numeric);
CREATE TABLE ol.regions (region text, manager text);
CREATE TABLE ol.fixed (region text, amount numeric);
INSERT INTO ol.sales VALUES ('n', 10), ('s', 20), ('n', 5);
INSERT INTO ol.regions VALUES ('n', 'ann'), ('s', 'sam');
INSERT INTO ol.fixed VALUES ('w', 1);
CREATE FUNCTION ol.rate(ol_pct int) RETURNS numeric LANGUAGE sql RETURN 100.0 / ol_pct;
SELECT hamilton_register('ol');
SELECT hamilton_define('ol.by_region', 'SELECT region, sum(amount) AS amount FROM ol.sales GROUP BY region');
SELECT hamilton_define('ol.bonus', $$
    SELECT b.region, r.manager, round(b.amount * rate, 2) AS bonus
    FROM by_region b JOIN ol.regions r USING (region), rate
$$);

SELECT node, status FROM hamilton_execute(ARRAY['bonus', 'rate'], inputs => '{"ol_pct": 10}');
CREATE TEMP TABLE ev AS
SELECT n, e FROM hamilton_openlineage(6701) WITH ORDINALITY AS t(e, n);

-- Two events, START then COMPLETE, each a RunEvent with the required keys.
SELECT n, e->>'eventType' AS event_type,
       ARRAY(SELECT jsonb_object_keys(e) ORDER BY 1) AS keys,
       e->>'schemaURL' AS schema_url,
       e->>'producer' ~ '^https://[^ ]*pg_hamilton' AS producer_is_a_url
FROM ev ORDER BY n;
-- eventTime: ISO 8601 in UTC, the run's start and end.
SELECT n, e->>'eventTime' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$' AS iso_utc,
       (e->>'eventTime')::timestamptz = CASE n WHEN 1 THEN r.started_at ELSE r.finished_at END AS is_run_time
FROM ev, hamilton.runs r WHERE r.run_id = 6701 ORDER BY n;
-- run.runId: one RFC 4122 UUID (name-based, version 3) for both events, the
-- same every time, and another for another run.
SELECT count(DISTINCT e#>>'{run,runId}') AS run_ids,
       bool_and(e#>>'{run,runId}' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$') AS uuid_v3,
       bool_and((e#>>'{run,runId}')::uuid IS NOT NULL) AS casts_to_uuid,
       min(e#>>'{run,runId}') = (SELECT x#>>'{run,runId}' FROM hamilton_openlineage(6701) x LIMIT 1) AS stable
FROM ev;
-- job: a namespace naming this database, the outputs as its name, its type.
SELECT DISTINCT regexp_replace(e#>>'{job,namespace}', '^pg_hamilton://[^/]+:[0-9]+/', 'pg_hamilton://HOST:PORT/') =
                'pg_hamilton://HOST:PORT/' || current_database() AS job_namespace,
       e#>>'{job,name}' AS job_name,
       (e#>'{job,facets,jobType}') - '_producer' AS job_type
FROM ev;
-- inputs: the source tables read, named database.schema.table under
-- postgres://host:port (OpenLineage's naming for PostgreSQL).
SELECT n, replace(i->>'name', current_database() || '.', 'DB.') AS input,
       i->>'namespace' = 'postgres://' || split_part(substr(i->>'namespace', 12), ':', 1) || ':' || current_setting('port') AS namespace_is_server
FROM ev, jsonb_array_elements(e->'inputs') AS i ORDER BY n, 2;
-- outputs: the result tables, with their columns (the schema facet) and,
-- once the run is over, their row counts.
SELECT n, replace(o->>'name', current_database() || '.', 'DB.') AS output,
       o#>'{facets,schema,fields}' AS fields,
       o#>'{outputFacets,outputStatistics,rowCount}' AS row_count
FROM ev, jsonb_array_elements(e->'outputs') AS o ORDER BY n, 2;
-- Every facet carries _producer and _schemaURL.
SELECT count(*) AS facets, bool_and(f ? '_producer' AND f ? '_schemaURL') AS all_have_producer_and_schema
FROM ev, jsonb_path_query(e, 'strict $.**.facets.*') AS f;
SELECT count(*) AS output_facets, bool_and(f ? '_producer' AND f ? '_schemaURL') AS all_have_producer_and_schema
FROM ev, jsonb_path_query(e, 'strict $.**.outputFacets.*') AS f;
-- JSON types of the required fields.
SELECT DISTINCT jsonb_typeof(e->'eventType') AS event_type, jsonb_typeof(e->'eventTime') AS event_time,
       jsonb_typeof(e->'run') AS run, jsonb_typeof(e#>'{run,runId}') AS run_id,
       jsonb_typeof(e->'job') AS job, jsonb_typeof(e#>'{job,name}') AS job_name,
       jsonb_typeof(e->'inputs') AS inputs, jsonb_typeof(e->'outputs') AS outputs
FROM ev;

-- A relation given as an override is an input too; no source is read.
SELECT node, status FROM hamilton_execute(ARRAY['bonus'], inputs => '{"ol_pct": 10}',
                                          overrides => '{"by_region": "ol.fixed"}');
SELECT DISTINCT replace(i->>'name', current_database() || '.', 'DB.') AS input
FROM hamilton_openlineage(6702) AS e, jsonb_array_elements(e->'inputs') AS i ORDER BY 1;
SELECT (SELECT e#>>'{run,runId}' FROM hamilton_openlineage(6702) e LIMIT 1)
    <> (SELECT e#>>'{run,runId}' FROM hamilton_openlineage(6701) e LIMIT 1) AS other_run_other_uuid;

-- A failed run: START, then FAIL with the error in an errorMessage facet;
-- its outputs are the results it meant to write.
SELECT * FROM hamilton_execute(ARRAY['bonus'], inputs => '{"ol_pct": 0}');
SELECT step, node, relation, status FROM hamilton.node_runs WHERE run_id = 6703 ORDER BY step;
SELECT e->>'eventType' AS event_type, jsonb_pretty(e#>'{run,facets}') AS run_facets,
       ARRAY(SELECT replace(o->>'name', current_database() || '.', 'DB.')
             FROM jsonb_array_elements(e->'outputs') AS o) AS outputs
FROM hamilton_openlineage(6703) AS e;

-- A run that succeeded in a transaction that rolled back: START, then
-- ABORT, not COMPLETE: its results are not there.
BEGIN;
SELECT count(*) FROM hamilton_execute(ARRAY['bonus'], inputs => '{"ol_pct": 10}');
ROLLBACK;
SELECT status FROM hamilton.runs WHERE run_id = 6704;
SELECT e->>'eventType' AS event_type, e#>'{run,facets}' AS run_facets FROM hamilton_openlineage(6704) AS e;

-- Errors, each with its SQLSTATE.
SELECT * FROM hamilton_openlineage(NULL);
\echo :SQLSTATE
SELECT * FROM hamilton_openlineage(999999);
\echo :SQLSTATE
-- Another role's runs are not visible to it.
CREATE ROLE regress_hamilton_ol_viewer;
SET ROLE regress_hamilton_ol_viewer;
SELECT * FROM hamilton_openlineage(6701);
\echo :SQLSTATE
RESET ROLE;
DROP ROLE regress_hamilton_ol_viewer;

-- Clean up.
SELECT drop_module('ol');
