/*
 * A run's names resolve among its modules (modules =>, or the modules of
 * its outputs), no longer among every module at once; schema public leaves
 * a module's path when roles the caller does not trust can create in it.
 *
 * hamilton_execute, hamilton_validate, hamilton_explain, hamilton_dot and
 * hamilton_schedule take modules and module_overrides; a schedule keeps
 * them.  Every schedule made in 1.0 gets the modules its dataflow used
 * (its closure's, under 1.0's resolution), and its pg_cron job passes them,
 * so that a dataflow that crossed modules runs on as it did.
 */

-- Schedules keep their modules (the default set after the rows are filled,
-- as a fresh install's table has it, with no value "missing" from old rows).
ALTER TABLE hamilton.schedule
    ADD COLUMN modules text[],
    ADD COLUMN module_overrides boolean;

CREATE FUNCTION hamilton.schedule_modules_1_0(job text, run_by name, outputs text[], overrides jsonb, config jsonb)
RETURNS text[]
AS 'MODULE_PATHNAME', 'hamilton_schedule_modules_1_0'
LANGUAGE C STRICT VOLATILE;
UPDATE hamilton.schedule s
SET modules = hamilton.schedule_modules_1_0(s.job, s.created_by, s.outputs, s.overrides, s.config),
    module_overrides = false;
DROP FUNCTION hamilton.schedule_modules_1_0(text, name, text[], jsonb, jsonb);
ALTER TABLE hamilton.schedule
    ALTER COLUMN module_overrides SET DEFAULT false,
    ALTER COLUMN module_overrides SET NOT NULL;

CREATE FUNCTION hamilton.schedule_command(outputs text[], inputs jsonb, overrides jsonb, config jsonb,
                                          modules text[], module_overrides boolean)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
RETURN format('SELECT count(*) FROM %s.hamilton_execute(%L::text[], %L::jsonb, %L::jsonb, %L::jsonb%s%s)',
              '@extschema@', outputs, inputs, overrides, config,
              CASE WHEN modules IS NOT NULL THEN format(', modules => %L::text[]', modules) ELSE '' END,
              CASE WHEN module_overrides THEN ', module_overrides => true' ELSE '' END);

-- Each job's command passes its schedule's modules (pg_cron, when it is here).
DO $$
DECLARE
    s record;
BEGIN
    IF hamilton.cron_unavailable() IS NOT NULL THEN
        RETURN;
    END IF;
    FOR s IN SELECT * FROM hamilton.schedule LOOP
        EXECUTE 'SELECT cron.alter_job(j.jobid, command => $2) FROM cron.job j WHERE j.jobid = $1 AND j.username = $3'
            USING s.jobid,
                  hamilton.schedule_command(s.outputs, s.inputs, s.overrides, s.config, s.modules, s.module_overrides),
                  s.created_by;
    END LOOP;
END $$;

-- The run functions take modules and module_overrides.
DROP FUNCTION @extschema@.hamilton_execute(text[], jsonb, jsonb, jsonb, text);
CREATE FUNCTION @extschema@.hamilton_execute(
    outputs text[],
    inputs jsonb DEFAULT '{}',
    overrides jsonb DEFAULT '{}',
    config jsonb DEFAULT '{}',
    into_table text DEFAULT NULL,
    modules text[] DEFAULT NULL,
    module_overrides boolean DEFAULT false)
RETURNS TABLE (node text, kind text, relation text, rows bigint, ms double precision, status text)
AS 'MODULE_PATHNAME', 'hamilton_execute'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_execute(text[], jsonb, jsonb, jsonb, text, text[], boolean) IS
  'validate, run the upstream closure of the outputs, materialize them; returns the run report';

DROP FUNCTION @extschema@.hamilton_validate(text[], jsonb, jsonb, jsonb, text);
CREATE FUNCTION @extschema@.hamilton_validate(
    outputs text[],
    inputs jsonb DEFAULT '{}',
    overrides jsonb DEFAULT '{}',
    config jsonb DEFAULT '{}',
    into_table text DEFAULT NULL,
    modules text[] DEFAULT NULL,
    module_overrides boolean DEFAULT false)
RETURNS TABLE (problem text, node text, message text, detail text, hint text)
AS 'MODULE_PATHNAME', 'hamilton_validate'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_validate(text[], jsonb, jsonb, jsonb, text, text[], boolean) IS
  'dry run: every problem that would stop hamilton_execute, one row each (no rows: valid)';

DROP FUNCTION @extschema@.hamilton_explain(text[], jsonb, jsonb, jsonb, text);
CREATE FUNCTION @extschema@.hamilton_explain(
    outputs text[],
    inputs jsonb DEFAULT '{}',
    overrides jsonb DEFAULT '{}',
    config jsonb DEFAULT '{}',
    into_table text DEFAULT NULL,
    modules text[] DEFAULT NULL,
    module_overrides boolean DEFAULT false)
RETURNS text
AS 'MODULE_PATHNAME', 'hamilton_explain'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_explain(text[], jsonb, jsonb, jsonb, text, text[], boolean) IS
  'the plan hamilton_execute would follow, step by step, with the SQL each step runs';

DROP FUNCTION @extschema@.hamilton_dot(text[], bigint);
CREATE FUNCTION @extschema@.hamilton_dot(
    outputs text[] DEFAULT NULL,
    run_id bigint DEFAULT NULL,
    modules text[] DEFAULT NULL,
    module_overrides boolean DEFAULT false)
RETURNS text
AS 'MODULE_PATHNAME', 'hamilton_dot'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_dot(text[], bigint, text[], boolean) IS
  'Graphviz DOT of the DAG, of the execution path of outputs, or of a run with each step''s status';

DROP FUNCTION @extschema@.hamilton_schedule(text, text, text[], jsonb, jsonb, jsonb);
CREATE FUNCTION @extschema@.hamilton_schedule(
    job text,
    schedule text,
    outputs text[],
    inputs jsonb DEFAULT '{}',
    overrides jsonb DEFAULT '{}',
    config jsonb DEFAULT '{}',
    modules text[] DEFAULT NULL,
    module_overrides boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    v_inputs jsonb := coalesce(hamilton_schedule.inputs, '{}');
    v_overrides jsonb := coalesce(hamilton_schedule.overrides, '{}');
    v_config jsonb := coalesce(hamilton_schedule.config, '{}');
    v_module_overrides boolean := coalesce(hamilton_schedule.module_overrides, false);
    problems int;
    err_state text;
    err_message text;
    err_detail text;
    err_hint text;
    command text;
    existing bigint;
    new_jobid bigint;
BEGIN
    PERFORM hamilton.check_job_name(hamilton_schedule.job);
    IF hamilton_schedule.schedule IS NULL OR btrim(hamilton_schedule.schedule) = '' THEN
        RAISE EXCEPTION 'schedule must not be %', CASE WHEN hamilton_schedule.schedule IS NULL THEN 'NULL' ELSE 'empty' END
            USING ERRCODE = CASE WHEN hamilton_schedule.schedule IS NULL THEN 'null_value_not_allowed'
                                 ELSE 'invalid_parameter_value' END,
                  DETAIL = 'schedule says when pg_cron runs the job.',
                  HINT = 'Write a cron expression, e.g. ''0 3 * * *'' (every day at 03:00) or ''*/10 * * * *''.';
    END IF;

    -- Refuse a dataflow that cannot run, with the error hamilton_execute
    -- would raise (its SQLSTATE, every problem in the detail).
    SELECT count(*) INTO problems
    FROM @extschema@.hamilton_validate(hamilton_schedule.outputs, v_inputs, v_overrides, v_config,
                                       modules => hamilton_schedule.modules,
                                       module_overrides => v_module_overrides);
    IF problems > 0 THEN
        BEGIN
            PERFORM @extschema@.hamilton_explain(hamilton_schedule.outputs, v_inputs, v_overrides, v_config,
                                                 modules => hamilton_schedule.modules,
                                                 module_overrides => v_module_overrides);
            err_state := 'invalid_parameter_value';
            err_message := format('the dataflow has %s problems', problems);
            err_hint := 'SELECT * FROM hamilton_validate(...) lists them.';
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS err_state = RETURNED_SQLSTATE, err_message = MESSAGE_TEXT,
                                    err_detail = PG_EXCEPTION_DETAIL, err_hint = PG_EXCEPTION_HINT;
        END;
        RAISE EXCEPTION 'cannot schedule job "%": %', hamilton_schedule.job, err_message
            USING ERRCODE = err_state,
                  DETAIL = coalesce(err_detail, ''),
                  HINT = concat_ws(E'\n', nullif(err_hint, ''),
                                   'Nothing was scheduled: fix the dataflow or the arguments, then schedule it again.');
    END IF;

    PERFORM hamilton.raise_cron_unavailable();

    command := hamilton.schedule_command(hamilton_schedule.outputs, v_inputs, v_overrides, v_config,
                                         hamilton_schedule.modules, v_module_overrides);
    BEGIN
        -- a job of that name that hamilton_schedule did not make is not ours to replace
        EXECUTE 'SELECT j.jobid FROM cron.job j WHERE j.jobname = $1 AND j.username = current_user'
            INTO existing USING hamilton_schedule.job;
        IF existing IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM hamilton.schedule s
                WHERE s.created_by = current_user AND s.job = hamilton_schedule.job AND s.jobid = existing) THEN
            RAISE EXCEPTION 'pg_cron job "%" exists and was not made by hamilton_schedule', hamilton_schedule.job
                USING ERRCODE = 'duplicate_object',
                      DETAIL = format('It is pg_cron job %s of role %s; hamilton_schedule replaces only its own jobs.',
                                      existing, quote_ident(current_user)),
                      HINT = format('Choose another job name, or remove that job first: SELECT cron.unschedule(%s);', existing);
        END IF;
        EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO new_jobid
            USING hamilton_schedule.job, hamilton_schedule.schedule, command;
    EXCEPTION
        WHEN invalid_parameter_value THEN
            GET STACKED DIAGNOSTICS err_message = MESSAGE_TEXT;
            RAISE EXCEPTION '%', err_message
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('pg_cron refused the schedule %L of job "%s".',
                                      hamilton_schedule.schedule, hamilton_schedule.job),
                      HINT = 'Write five cron fields, minute hour day-of-month month day-of-week, as in '
                             '''*/5 * * * *'' or ''0 3 * * 1-5'', or @hourly, @daily, @weekly; '
                             'pg_cron 1.5 and later also take ''[1-59] seconds''.';
        WHEN insufficient_privilege THEN
            GET STACKED DIAGNOSTICS err_message = MESSAGE_TEXT;
            PERFORM hamilton.raise_cron_denied(err_message);
    END;

    INSERT INTO hamilton.schedule AS s (job, created_by, jobid, schedule, outputs, inputs, overrides, config,
                                        modules, module_overrides)
    VALUES (hamilton_schedule.job, current_user, new_jobid, hamilton_schedule.schedule,
            hamilton_schedule.outputs, v_inputs, v_overrides, v_config,
            hamilton_schedule.modules, v_module_overrides)
    ON CONFLICT ON CONSTRAINT schedule_pkey DO UPDATE
        SET jobid = EXCLUDED.jobid, schedule = EXCLUDED.schedule, outputs = EXCLUDED.outputs,
            inputs = EXCLUDED.inputs, overrides = EXCLUDED.overrides, config = EXCLUDED.config,
            modules = EXCLUDED.modules, module_overrides = EXCLUDED.module_overrides,
            updated_at = now();
    RETURN new_jobid;
END $$;
COMMENT ON FUNCTION @extschema@.hamilton_schedule(text, text, text[], jsonb, jsonb, jsonb, text[], boolean) IS
  'run hamilton_execute(outputs, inputs, overrides, config, modules => modules, module_overrides => module_overrides) on a pg_cron schedule, as the calling role; returns the pg_cron job id';

-- hamilton.schedules shows them.
DROP VIEW hamilton.schedules;
DROP FUNCTION hamilton.schedule_list();
CREATE FUNCTION hamilton.schedule_list()
RETURNS TABLE (job text, jobid bigint, schedule text, active boolean, job_exists boolean,
               outputs text[], inputs jsonb, overrides jsonb, config jsonb,
               modules text[], module_overrides boolean,
               created_by name, created_at timestamptz, updated_at timestamptz,
               last_cron_runid bigint, last_cron_status text, last_cron_start timestamptz,
               last_cron_end timestamptz, last_cron_message text,
               last_run_id bigint, last_run_status text, last_run_started_at timestamptz,
               last_run_ms numeric, last_run_error text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF hamilton.cron_unavailable() IS NOT NULL OR NOT has_schema_privilege('cron', 'USAGE') THEN
        RETURN QUERY
        SELECT s.job, s.jobid, s.schedule, NULL::boolean,
               CASE WHEN hamilton.cron_unavailable() IS NOT NULL THEN false END,
               s.outputs, s.inputs, s.overrides, s.config, s.modules, s.module_overrides,
               s.created_by, s.created_at, s.updated_at,
               NULL::bigint, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::text,
               NULL::bigint, NULL::text, NULL::timestamptz, NULL::numeric, NULL::text
        FROM hamilton.schedule s
        ORDER BY s.created_by, s.job;
        RETURN;
    END IF;
    RETURN QUERY EXECUTE $q$
        SELECT s.job, s.jobid, coalesce(j.schedule, s.schedule), j.active,
               -- pg_cron shows a role only its own jobs (superusers see all)
               CASE WHEN s.created_by = current_user
                         OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolsuper OR rolbypassrls))
                    THEN j.jobid IS NOT NULL END,
               s.outputs, s.inputs, s.overrides, s.config, s.modules, s.module_overrides,
               s.created_by, s.created_at, s.updated_at,
               d.runid, d.status, d.start_time, d.end_time, d.return_message,
               r.run_id, r.status, r.started_at, r.ms, r.error
        FROM hamilton.schedule s
        LEFT JOIN cron.job j ON j.jobid = s.jobid AND j.username = s.created_by
        LEFT JOIN LATERAL (
            SELECT c.runid, c.status, c.start_time, c.end_time, c.return_message
            FROM cron.job_run_details c
            WHERE c.jobid = s.jobid AND c.username = s.created_by
            ORDER BY c.runid DESC LIMIT 1) d ON true
        LEFT JOIN LATERAL (
            SELECT hr.run_id, hr.status, hr.started_at, hr.ms, hr.error
            FROM hamilton.runs hr
            WHERE hr.run_by = s.created_by AND hr.outputs = s.outputs AND hr.inputs = s.inputs
              AND hr.overrides = s.overrides AND hr.config = s.config
              AND EXISTS (SELECT 1 FROM cron.job_run_details c
                          WHERE c.jobid = s.jobid AND c.username = s.created_by
                            AND hr.started_at >= c.start_time
                            AND hr.started_at <= coalesce(c.end_time, 'infinity'))
            ORDER BY hr.run_id DESC LIMIT 1) r ON true
        ORDER BY s.created_by, s.job
    $q$;
END $$;

CREATE VIEW hamilton.schedules AS SELECT * FROM hamilton.schedule_list();
COMMENT ON VIEW hamilton.schedules IS 'each schedule made by hamilton_schedule: its pg_cron job, the job''s last run and the last pg_hamilton run it produced';
GRANT SELECT ON hamilton.schedules TO PUBLIC;
