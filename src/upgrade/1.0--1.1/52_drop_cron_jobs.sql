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
