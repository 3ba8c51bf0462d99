/*
 * Every run leaves a trace: a run is recorded when it starts, in a
 * transaction of its own (hamilton.run_start), and hamilton.runs tells a
 * run that is running from one whose session died (abandoned); a run whose
 * transaction rolls back after it succeeded stays, as rolled back.
 * hamilton_openlineage says ABORT for those, and only START while a run
 * runs.
 */
ALTER TABLE hamilton.run DROP CONSTRAINT run_status_check;
ALTER TABLE hamilton.run ADD CONSTRAINT run_status_check
    CHECK (status IN ('succeeded', 'failed', 'rolled back'));
ALTER TABLE hamilton.run ADD COLUMN pid integer;

-- Every run as it starts, written by the recorder in a transaction of its
-- own while the run goes on, so that a run whose session dies or whose
-- transaction never commits still leaves a trace.  A run with a start and
-- no row in hamilton.run is running while its session holds the run's
-- advisory lock, abandoned after (hamilton.runs).  Starts of runs that
-- ended are redundant, and the recorder deletes them as it goes.
CREATE TABLE hamilton.run_start (
    run_id      bigint PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    outputs     text[] NOT NULL,
    inputs      jsonb NOT NULL DEFAULT '{}',
    overrides   jsonb NOT NULL DEFAULT '{}',
    config      jsonb NOT NULL DEFAULT '{}',
    run_by      name NOT NULL,
    pid         integer
);
SELECT pg_catalog.pg_extension_config_dump('hamilton.run_start', '');
REVOKE ALL ON hamilton.run_start FROM PUBLIC;

/*
 * A run is in hamilton.run once it ended, and in hamilton.run_start from
 * the moment the recorder wrote its start.  A start with no end is running
 * while the run's session holds the run's advisory lock (taken when the run
 * starts, released when the transaction or subtransaction it ran in ends:
 * database, run_id >> 32, run_id & 0xffffffff, 18514, as
 * HAMILTON_RUN_LOCK_FIELD4 in include/hamilton.h says), and abandoned after:
 * its session died, or its transaction ended, without recording an end.
 */
CREATE OR REPLACE VIEW hamilton.runs WITH (security_barrier) AS
SELECT r.run_id, r.status, r.started_at, r.finished_at,
       round(extract(epoch FROM r.finished_at - r.started_at)::numeric * 1000, 3) AS ms,
       r.outputs, r.inputs, r.overrides, r.config, r.run_by, r.failed_node, r.error, r.pid
FROM (SELECT e.run_id, e.status, e.started_at, e.finished_at, e.outputs, e.inputs, e.overrides,
             e.config, e.run_by, e.failed_node, e.error, e.pid
      FROM hamilton.run e
      UNION ALL
      SELECT s.run_id,
             CASE WHEN s.run_id IN (SELECT (l.classid::bigint << 32) | l.objid::bigint
                                    FROM pg_catalog.pg_locks l
                                    WHERE l.locktype = 'advisory' AND l.objsubid = 18514 AND l.granted
                                      AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d
                                                        WHERE d.datname = pg_catalog.current_database()))
                  THEN 'running' ELSE 'abandoned' END,
             s.started_at, NULL::timestamptz, s.outputs, s.inputs, s.overrides, s.config, s.run_by,
             NULL::text, NULL::text, s.pid
      FROM hamilton.run_start s
      WHERE NOT EXISTS (SELECT 1 FROM hamilton.run e WHERE e.run_id = s.run_id)) r
WHERE hamilton.may_see_run(r.run_by);
COMMENT ON VIEW hamilton.runs IS 'every run you (or a role you belong to) made: status (running, succeeded, failed, rolled back, abandoned), outputs, inputs, error';

CREATE OR REPLACE FUNCTION @extschema@.hamilton_openlineage(run_id bigint)
RETURNS SETOF jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    the_run record;
    producer text := hamilton.openlineage_producer();
    run_uuid text;
    job jsonb;
    v_inputs jsonb;
    v_outputs jsonb;
    end_facets jsonb := '{}';
BEGIN
    IF hamilton_openlineage.run_id IS NULL THEN
        RAISE EXCEPTION 'run_id must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'hamilton_openlineage describes one run of hamilton.runs.',
                  HINT = 'SELECT run_id, status, outputs FROM hamilton.runs ORDER BY run_id DESC; lists the runs you may see.';
    END IF;
    SELECT r.* INTO the_run FROM hamilton.runs r WHERE r.run_id = hamilton_openlineage.run_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run % does not exist or is not visible to you', hamilton_openlineage.run_id
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'hamilton.runs shows the runs of the roles you are a member of.',
                  HINT = 'SELECT run_id, status, outputs FROM hamilton.runs ORDER BY run_id DESC; lists the runs you may see.';
    END IF;

    run_uuid := hamilton.openlineage_run_uuid(the_run.run_id)::text;
    job := jsonb_build_object(
        'namespace', 'pg_hamilton://' || substr(hamilton.openlineage_server(), length('postgres://') + 1)
                     || '/' || current_database(),
        'name', array_to_string(ARRAY(SELECT DISTINCT o COLLATE "C" FROM unnest(the_run.outputs) AS o
                                      ORDER BY 1), ','),
        'facets', jsonb_build_object('jobType', jsonb_build_object(
            '_producer', producer,
            '_schemaURL', 'https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet',
            'processingType', 'BATCH',
            'integration', 'PG_HAMILTON',
            'jobType', 'DAG')));

    -- Inputs: the source tables the steps that ran read, and the relations
    -- given as overrides of table nodes.  Temporary tables are not datasets.
    WITH steps AS (
        SELECT nr.node, nr.kind, nr.relation, nr.status
        FROM hamilton.node_runs nr WHERE nr.run_id = the_run.run_id
    ),
    read_rel AS (
        SELECT src AS relation
        FROM steps s JOIN hamilton.nodes n ON n.node = s.node, unnest(n.sources) AS src
        WHERE s.status NOT IN ('overridden', 'not run')
        UNION
        SELECT src FROM hamilton.result res, unnest(res.sources) AS src
        WHERE res.run_id = the_run.run_id
        UNION
        SELECT s.relation FROM steps s
        WHERE s.status = 'overridden' AND s.kind <> 'scalar' AND s.relation IS NOT NULL
    ),
    datasets AS (
        SELECT DISTINCT hamilton.openlineage_dataset(r.relation) AS ds
        FROM read_rel r WHERE r.relation NOT LIKE 'pg\_temp%'
    )
    SELECT coalesce(jsonb_agg(d.ds ORDER BY d.ds->>'name' COLLATE "C"), '[]') INTO v_inputs
    FROM datasets d;

    -- Outputs: the results the run wrote (or, for a failed run, meant to
    -- write), with their columns and, when kept, their row counts.
    WITH written AS (
        SELECT DISTINCT ON (nr.relation) nr.relation, nr.rows, nr.status
        FROM hamilton.node_runs nr
        WHERE nr.run_id = the_run.run_id AND nr.relation IS NOT NULL
          AND nr.relation NOT LIKE 'pg\_temp%'
          AND nr.status <> 'overridden'
        ORDER BY nr.relation, nr.step DESC
    )
    SELECT coalesce(jsonb_agg(
               hamilton.openlineage_dataset(w.relation)
               || jsonb_build_object('facets',
                      jsonb_strip_nulls(jsonb_build_object('schema', hamilton.openlineage_schema_facet(w.relation))))
               || CASE WHEN w.status = 'materialized' AND w.rows IS NOT NULL
                       THEN jsonb_build_object('outputFacets', jsonb_build_object('outputStatistics', jsonb_build_object(
                                '_producer', producer,
                                '_schemaURL', 'https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet',
                                'rowCount', w.rows)))
                       ELSE '{}' END
               ORDER BY w.relation COLLATE "C"), '[]')
    INTO v_outputs
    FROM written w;

    IF the_run.status = 'failed' THEN
        end_facets := jsonb_build_object('errorMessage', jsonb_strip_nulls(jsonb_build_object(
            '_producer', producer,
            '_schemaURL', 'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
            'message', coalesce(the_run.error, 'the run failed'),
            'programmingLanguage', 'SQL',
            'stackTrace', CASE WHEN the_run.failed_node IS NOT NULL
                               THEN format('node %s failed in pg_hamilton run %s', the_run.failed_node, the_run.run_id) END)));
    END IF;

    -- statistics are known once the run is over
    RETURN NEXT jsonb_build_object(
        'eventType', 'START',
        'eventTime', to_char(the_run.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'producer', producer,
        'schemaURL', 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
        'run', jsonb_build_object('runId', run_uuid, 'facets', '{}'::jsonb),
        'job', job,
        'inputs', v_inputs,
        'outputs', (SELECT coalesce(jsonb_agg(o - 'outputFacets' ORDER BY i), '[]')
                    FROM jsonb_array_elements(v_outputs) WITH ORDINALITY AS e(o, i)));
    -- a run still running has only started; one rolled back with its
    -- transaction, or abandoned by its session, was aborted
    IF the_run.status = 'running' THEN
        RETURN;
    END IF;
    RETURN NEXT jsonb_build_object(
        'eventType', CASE the_run.status WHEN 'failed' THEN 'FAIL' WHEN 'succeeded' THEN 'COMPLETE'
                                         ELSE 'ABORT' END,
        'eventTime', to_char(coalesce(the_run.finished_at, the_run.started_at) AT TIME ZONE 'UTC',
                             'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'producer', producer,
        'schemaURL', 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
        'run', jsonb_build_object('runId', run_uuid, 'facets', end_facets),
        'job', job,
        'inputs', v_inputs,
        'outputs', v_outputs);
END $$;
COMMENT ON FUNCTION @extschema@.hamilton_openlineage(bigint) IS
  'the run as OpenLineage run events: START, then COMPLETE, FAIL or ABORT (rolled back or abandoned); START only while it runs';
