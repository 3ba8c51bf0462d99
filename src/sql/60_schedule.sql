/* ------------------------------------------------------------------------
 * Scheduling through pg_cron
 * ------------------------------------------------------------------------ */

/*
 * pg_cron is optional: nothing below names schema "cron" outside dynamic
 * SQL, so the extension installs and works without it.  Everything runs with
 * the caller's privileges, so a role sees and changes only its own jobs.
 */

/*
 * The schedules hamilton_schedule made: one pg_cron job each, run as the
 * role that scheduled it.  The request is kept here, not parsed back out of
 * the job's command, so that hamilton.schedules can find the runs the job
 * produced.  Each role writes only its own rows (row-level security); the
 * members of a role see its schedules, as they see its runs.
 */
CREATE TABLE hamilton.schedule (
    job         text NOT NULL,
    created_by  name NOT NULL DEFAULT current_user,
    jobid       bigint NOT NULL,
    schedule    text NOT NULL,
    outputs     text[] NOT NULL,
    inputs      jsonb NOT NULL DEFAULT '{}',
    overrides   jsonb NOT NULL DEFAULT '{}',
    config      jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    modules     text[],                         -- NULL: the outputs' modules
    module_overrides boolean NOT NULL DEFAULT false,
    CONSTRAINT schedule_pkey PRIMARY KEY (created_by, job)
);
SELECT pg_catalog.pg_extension_config_dump('hamilton.schedule', '');

ALTER TABLE hamilton.schedule ENABLE ROW LEVEL SECURITY;
CREATE POLICY schedule_read ON hamilton.schedule FOR SELECT
    USING (hamilton.may_see_run(created_by));
CREATE POLICY schedule_add ON hamilton.schedule FOR INSERT
    WITH CHECK (created_by = current_user);
CREATE POLICY schedule_change ON hamilton.schedule FOR UPDATE
    USING (created_by = current_user) WITH CHECK (created_by = current_user);
CREATE POLICY schedule_remove ON hamilton.schedule FOR DELETE
    USING (created_by = current_user);
REVOKE ALL ON hamilton.schedule FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON hamilton.schedule TO PUBLIC;

/*
 * cron_unavailable says why pg_cron cannot be used from this database, as
 * {detail, hint}; NULL when it can.  pg_cron's jobs live in one database
 * (cron.database_name), the only one where CREATE EXTENSION pg_cron works.
 */
CREATE FUNCTION hamilton.cron_unavailable()
RETURNS text[]
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cron_db text;
    readable boolean := true;
    install text;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
        RETURN NULL;
    END IF;
    BEGIN
        cron_db := current_setting('cron.database_name', true);
    EXCEPTION WHEN insufficient_privilege THEN
        readable := false;      -- visible to superusers only
    END;
    install := format('Install pg_cron (apt-get install postgresql-15-cron), set shared_preload_libraries = ''pg_cron'' '
                      'and cron.database_name = %L in postgresql.conf, restart PostgreSQL, '
                      'then run CREATE EXTENSION pg_cron in that database.', current_database());
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_cron') THEN
        RETURN ARRAY['The pg_cron extension is not installed on this server.', install];
    ELSIF NOT readable THEN
        RETURN ARRAY['The pg_cron extension is not created in this database.',
                     install || ' Ask a superuser: those settings are visible to superusers only.'];
    ELSIF cron_db IS NULL THEN
        RETURN ARRAY['pg_cron is installed on this server but not loaded: shared_preload_libraries does not include it.',
                     install];
    ELSIF cron_db <> current_database() THEN
        RETURN ARRAY[format('pg_cron runs its jobs from database %s (cron.database_name), and this is database %s.',
                            quote_ident(cron_db), quote_ident(current_database())),
                     format('Schedule from database %s (CREATE EXTENSION hamilton there, with your dataflow), '
                            'or set cron.database_name = %L in postgresql.conf, restart PostgreSQL '
                            'and run CREATE EXTENSION pg_cron here.', quote_ident(cron_db), current_database())];
    ELSE
        RETURN ARRAY['pg_cron is loaded for this database, but the extension is not created in it.',
                     'Run CREATE EXTENSION pg_cron; in this database (as a superuser).'];
    END IF;
END $$;

CREATE FUNCTION hamilton.raise_cron_unavailable()
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    why text[] := hamilton.cron_unavailable();
BEGIN
    IF why IS NOT NULL THEN
        RAISE EXCEPTION 'scheduling needs the pg_cron extension in this database'
            USING ERRCODE = 'feature_not_supported', DETAIL = why[1], HINT = why[2];
    END IF;
END $$;

-- The error for a role without USAGE on schema cron.
CREATE FUNCTION hamilton.raise_cron_denied(message text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION '%', message
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = format('Role %s may not use pg_cron''s schema cron.', quote_ident(current_user)),
              HINT = format('A superuser can allow it: GRANT USAGE ON SCHEMA cron TO %s;', quote_ident(current_user));
END $$;

-- A job name pg_cron keeps as given: not empty, at most 63 bytes (type name).
CREATE FUNCTION hamilton.check_job_name(job text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF job IS NULL THEN
        RAISE EXCEPTION 'job must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'job names the pg_cron job; one role has one job of a name.',
                  HINT = 'Name it, e.g. ''nightly_forecast''.';
    ELSIF btrim(job) = '' THEN
        RAISE EXCEPTION 'job must not be empty'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'job names the pg_cron job; one role has one job of a name.',
                  HINT = 'Name it, e.g. ''nightly_forecast''.';
    ELSIF octet_length(job) > 63 THEN
        RAISE EXCEPTION 'job name "%" is too long', job
            USING ERRCODE = 'name_too_long',
                  DETAIL = format('It is %s bytes long; pg_cron keeps job names of at most 63 bytes.', octet_length(job)),
                  HINT = 'Use a shorter name.';
    END IF;
END $$;

/*
 * schedule_command is the command of a schedule's pg_cron job: a call of
 * hamilton_execute with the schedule's arguments, every one quoted (modules
 * and module_overrides only when given).
 */
CREATE FUNCTION hamilton.schedule_command(outputs text[], inputs jsonb, overrides jsonb, config jsonb,
                                          modules text[], module_overrides boolean)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
RETURN format('SELECT count(*) FROM %s.hamilton_execute(%L::text[], %L::jsonb, %L::jsonb, %L::jsonb%s%s)',
              '@extschema@', outputs, inputs, overrides, config,
              CASE WHEN modules IS NOT NULL THEN format(', modules => %L::text[]', modules) ELSE '' END,
              CASE WHEN module_overrides THEN ', module_overrides => true' ELSE '' END);

/*
 * hamilton_schedule(job, schedule, outputs, inputs, overrides, config,
 * modules, module_overrides) makes (or, for a job name the caller already
 * used, changes) a pg_cron job that runs hamilton_execute with those
 * arguments, as the calling role.  The dataflow is validated first; nothing
 * is scheduled if it cannot run.  Like every function of the extension it
 * runs with search_path pinned: with the caller's, a role that can create
 * in a schema on it could plant a better-matching function (quote_ident(name),
 * format(text, integer)) that this body would call with the caller's rights.
 */
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
SET search_path = pg_catalog, pg_temp
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

/*
 * hamilton_unschedule(job) removes the caller's job of that name and its
 * record.  It returns true when it removed a pg_cron job, false when the job
 * was already gone (removed outside, or a record restored without it).
 */
CREATE FUNCTION @extschema@.hamilton_unschedule(job text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    recorded bigint;
    named bigint;
    live bigint;
    cron_usable boolean := hamilton.cron_unavailable() IS NULL;
    err_message text;
BEGIN
    PERFORM hamilton.check_job_name(hamilton_unschedule.job);
    SELECT s.jobid INTO recorded FROM hamilton.schedule s
    WHERE s.created_by = current_user AND s.job = hamilton_unschedule.job;

    IF cron_usable THEN
        BEGIN
            EXECUTE 'SELECT j.jobid FROM cron.job j WHERE j.jobname = $1 AND j.username = current_user'
                INTO named USING hamilton_unschedule.job;
            IF recorded IS NOT NULL THEN
                EXECUTE 'SELECT j.jobid FROM cron.job j WHERE j.jobid = $1 AND j.username = current_user'
                    INTO live USING recorded;
            END IF;
        EXCEPTION WHEN insufficient_privilege THEN
            GET STACKED DIAGNOSTICS err_message = MESSAGE_TEXT;
            PERFORM hamilton.raise_cron_denied(err_message);
        END;
    END IF;

    IF recorded IS NULL THEN
        IF named IS NOT NULL THEN
            RAISE EXCEPTION 'pg_cron job "%" was not made by hamilton_schedule', hamilton_unschedule.job
                USING ERRCODE = 'wrong_object_type',
                      DETAIL = format('It is pg_cron job %s; hamilton_unschedule removes only the jobs hamilton_schedule made.', named),
                      HINT = format('Remove it with pg_cron: SELECT cron.unschedule(%s);', named);
        END IF;
        RAISE EXCEPTION 'no schedule named "%"', hamilton_unschedule.job
            USING ERRCODE = 'undefined_object',
                  DETAIL = format('Role %s has no job of that name made by hamilton_schedule.', quote_ident(current_user)),
                  HINT = 'SELECT job, created_by FROM hamilton.schedules; lists the schedules you may see; '
                         'a job is removed by the role that scheduled it.';
    END IF;

    IF live IS NOT NULL THEN
        EXECUTE 'SELECT cron.unschedule($1::bigint)' USING live;
    END IF;
    DELETE FROM hamilton.schedule s WHERE s.created_by = current_user AND s.job = hamilton_unschedule.job;
    RETURN live IS NOT NULL;
END $$;
COMMENT ON FUNCTION @extschema@.hamilton_unschedule(text) IS
  'remove a job made by hamilton_schedule; true when a pg_cron job was removed, false when it was already gone';

/*
 * schedule_list is hamilton.schedules: each schedule you may see, its
 * pg_cron job, the job's last run, and the last pg_hamilton run the job
 * produced.  A job's runs are the runs of hamilton.runs by the job's role,
 * with exactly the job's outputs, inputs, overrides and config, that started
 * within one of the job's runs in cron.job_run_details.
 */
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

/*
 * DROP EXTENSION hamilton takes hamilton.schedule with it, but pg_cron's
 * jobs live in cron.job: left behind, they would fail at every tick.  The
 * extension's own event triggers do not fire for its own drop (they go with
 * it), so hamilton.before_drop runs at ddl_command_start, reads the command
 * (DROP EXTENSION hamilton, DROP SCHEMA ... CASCADE of a schema the
 * extension lives in, DROP OWNED BY its owner) and, when it takes the
 * extension, calls remove_cron_jobs first, in the same transaction: if the
 * drop fails, the jobs are back.  A job that cannot be removed stops the
 * drop, with the way to remove it.
 */
CREATE FUNCTION hamilton.remove_cron_jobs()
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s record;
    live boolean;
    sees_all boolean;
    err_message text;
BEGIN
    IF hamilton.cron_unavailable() IS NOT NULL THEN
        RETURN;                 -- without pg_cron there is no job to remove
    END IF;
    -- pg_cron shows a role only its own jobs, unless it is a superuser
    SELECT r.rolsuper OR r.rolbypassrls INTO sees_all FROM pg_roles r WHERE r.rolname = current_user;
    FOR s IN SELECT sc.job, sc.created_by, sc.jobid FROM hamilton.schedule sc ORDER BY sc.created_by, sc.job LOOP
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM cron.job j WHERE j.jobid = $1 AND j.username = $2)'
            INTO live USING s.jobid, s.created_by;
        -- a job not there is gone only if it would be seen: else pg_cron decides
        CONTINUE WHEN NOT live AND (sees_all OR s.created_by = current_user);
        BEGIN
            EXECUTE 'SELECT cron.unschedule($1::bigint)' USING s.jobid;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS err_message = MESSAGE_TEXT;
            RAISE EXCEPTION 'cannot drop extension hamilton: its pg_cron job % (job "%" of role %) cannot be removed',
                s.jobid, s.job, quote_ident(s.created_by)
                USING ERRCODE = 'dependent_objects_still_exist',
                      DETAIL = format('pg_cron refused: %s', err_message),
                      HINT = format('Remove it first, as role %s or a superuser: SELECT cron.unschedule(%s); '
                                    'or drop the extension as a superuser.', quote_ident(s.created_by), s.jobid);
        END;
        RAISE NOTICE 'removed pg_cron job % (job "%" of role %) made by hamilton_schedule',
            s.jobid, s.job, quote_ident(s.created_by);
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION hamilton.remove_cron_jobs() FROM PUBLIC;

CREATE FUNCTION hamilton.before_drop()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'hamilton_before_drop'
LANGUAGE C;
REVOKE ALL ON FUNCTION hamilton.before_drop() FROM PUBLIC;
CREATE EVENT TRIGGER hamilton_before_drop ON ddl_command_start
    WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA', 'DROP OWNED')
    EXECUTE FUNCTION hamilton.before_drop();
