-- Lifecycle hooks (Hamilton's lifecycle adapters): hamilton_hook(event,
-- function) calls function(event, run_id, node, status, rows, ms) before
-- and after a run and each of its nodes, as the role that registered it.
SELECT setval('hamilton.run_id_seq', 99000) > 0 AS ok;
CREATE SCHEMA hk;
CREATE TABLE hk.source_rows (x int);
INSERT INTO hk.source_rows VALUES (1), (2), (3);
CREATE FUNCTION hk.base(k int) RETURNS int LANGUAGE sql RETURN k * 2;
CREATE FUNCTION hk.doubled(base int) RETURNS int LANGUAGE sql RETURN base * 2;
SELECT hamilton_register('hk');
SELECT hamilton_define('hk.scaled', 'SELECT x * doubled AS y FROM hk.source_rows, doubled');

-- A hook that writes down every call.  It must qualify what it names: it
-- runs with search_path pinned to pg_catalog, pg_temp.
CREATE TABLE public.hook_log (seq serial, event text, run_id bigint, node text, status text,
                              rows bigint, has_ms boolean, who name);
CREATE FUNCTION public.log_hook(event text, run_id bigint, node text, status text, rows bigint,
                                ms double precision)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.hook_log (event, run_id, node, status, rows, has_ms, who)
    VALUES (event, run_id, node, status, rows, ms IS NOT NULL AND ms >= 0, current_user);
END $$;
SELECT hamilton_hook('before_run', 'public.log_hook(text, bigint, text, text, bigint, double precision)');
SELECT hamilton_hook('before_node', 'public.log_hook(text, bigint, text, text, bigint, double precision)');
SELECT hamilton_hook('after_node', 'public.log_hook(text, bigint, text, text, bigint, double precision)');
SELECT hamilton_hook('after_run', 'public.log_hook(text, bigint, text, text, bigint, double precision)');
-- Registering it again changes nothing and says so.
SELECT hamilton_hook('after_run', 'public.log_hook(text, bigint, text, text, bigint, double precision)');
SELECT event, function, owner = current_user AS mine FROM hamilton.hooks ORDER BY event;

-- Every event of the run, in order, each node between its hooks (the scalar
-- steps too, which would otherwise be evaluated in one batch).
SELECT node, rows, status FROM hamilton_execute(ARRAY['scaled'], inputs => '{"k": 1}');
SELECT event, run_id, node, status, rows, has_ms, who = current_user AS as_owner
FROM public.hook_log ORDER BY seq;
TABLE hk.scaled;

-- A run that asks for background workers calls every node hook too, in the
-- calling backend (parallel_cache.sql: with its steps on workers).
DELETE FROM public.hook_log;
SELECT node, rows, status FROM hamilton_execute(ARRAY['scaled'], inputs => '{"k": 1}', workers => 2);
SELECT count(*) FILTER (WHERE event = 'after_node') AS after_node_calls FROM public.hook_log;

-- A hook that raises: a WARNING with its SQLSTATE, its work rolled back,
-- the run goes on, its results and history intact, the error kept in
-- hamilton.hook_errors.
CREATE FUNCTION public.bad_hook(event text, run_id bigint, node text, status text, rows bigint,
                                ms double precision)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.hook_log (event, node, status) VALUES ('bad ' || event, node, status);
    IF node = 'hk.doubled' THEN
        RAISE EXCEPTION 'hook does not like %', node USING ERRCODE = 'data_exception';
    END IF;
END $$;
SELECT hamilton_hook('after_node', 'public.bad_hook(text, bigint, text, text, bigint, double precision)');
TRUNCATE public.hook_log;
SELECT node, rows, status FROM hamilton_execute(ARRAY['scaled'], inputs => '{"k": 2}');
SELECT event, node, status FROM public.hook_log WHERE event LIKE 'bad%' ORDER BY seq;
TABLE hk.scaled;
SELECT status FROM hamilton.runs WHERE run_id = 99003;
SELECT run_id, event, function, node, sqlstate, message FROM hamilton.hook_errors WHERE run_id > 99001 ORDER BY run_id, node;
SELECT hamilton_unhook('after_node', 'public.bad_hook(text, bigint, text, text, bigint, double precision)');

-- A failing run calls after_node and after_run with status 'failed'; the
-- node's error is unchanged.  (What the hooks wrote rolls back with the
-- run's transaction: a NOTICE shows they were called.)
CREATE FUNCTION public.notice_hook(event text, run_id bigint, node text, status text, rows bigint,
                                   ms double precision)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'hook: % % %', event, node, status;
END $$;
SELECT hamilton_hook('after_node', 'public.notice_hook(text, bigint, text, text, bigint, double precision)');
SELECT hamilton_hook('after_run', 'public.notice_hook(text, bigint, text, text, bigint, double precision)');
SELECT hamilton_unhook('before_node', 'public.log_hook(text, bigint, text, text, bigint, double precision)');
SELECT hamilton_unhook('after_node', 'public.log_hook(text, bigint, text, text, bigint, double precision)');
SELECT hamilton_unhook('before_run', 'public.log_hook(text, bigint, text, text, bigint, double precision)');
SELECT hamilton_unhook('after_run', 'public.log_hook(text, bigint, text, text, bigint, double precision)');
CREATE FUNCTION hk.broken(doubled int) RETURNS int LANGUAGE sql RETURN doubled / 0;
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['broken'], inputs => '{"k": 1}')$$);
SELECT status, failed_node FROM hamilton.runs ORDER BY run_id DESC LIMIT 1;
SELECT hamilton_unhook('after_node', 'public.notice_hook(text, bigint, text, text, bigint, double precision)');
SELECT hamilton_unhook('after_run', 'public.notice_hook(text, bigint, text, text, bigint, double precision)');

-- A hook runs as its owner, in the runs of the roles that trust it: a
-- role's own hook, not in another role's runs; a superuser's, in everyone's.
CREATE ROLE regress_hook_alice;
CREATE ROLE regress_hook_bob;
GRANT USAGE ON SCHEMA hk TO regress_hook_alice, regress_hook_bob;
GRANT SELECT ON hk.source_rows TO regress_hook_alice, regress_hook_bob;
GRANT CREATE ON SCHEMA hk TO regress_hook_alice, regress_hook_bob;
CREATE FUNCTION public.who_hook(event text, run_id bigint, node text, status text, rows bigint,
                                ms double precision)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'hook of %: % runs as %, session user %', event, node, current_user, session_user;
END $$;
GRANT EXECUTE ON FUNCTION public.who_hook(text, bigint, text, text, bigint, double precision) TO PUBLIC;
SET ROLE regress_hook_alice;
SELECT hamilton_hook('after_run', 'public.who_hook(text, bigint, text, text, bigint, double precision)');
CREATE FUNCTION hk.alice_value(k int) RETURNS int LANGUAGE sql RETURN k;
SELECT node, status FROM hamilton_execute(ARRAY['alice_value'], inputs => '{"k": 1}');
RESET ROLE;
SET ROLE regress_hook_bob;
-- alice's hook is not called in bob's run, and bob may not remove it
CREATE FUNCTION hk.bob_value(k int) RETURNS int LANGUAGE sql RETURN k;
SELECT node, status FROM hamilton_execute(ARRAY['bob_value'], inputs => '{"k": 1}');
SELECT try_sql($$SELECT hamilton_unhook('after_run', 'public.who_hook(text, bigint, text, text, bigint, double precision)')$$);
RESET ROLE;
-- a superuser's hook is called in alice's run, as the superuser
SELECT hamilton_hook('before_run', 'public.who_hook(text, bigint, text, text, bigint, double precision)');
SET ROLE regress_hook_alice;
SELECT node, status FROM hamilton_execute(ARRAY['alice_value'], inputs => '{"k": 1}');
SELECT hamilton_unhook('after_run', 'public.who_hook(text, bigint, text, text, bigint, double precision)');
RESET ROLE;
SELECT hamilton_unhook('before_run', 'public.who_hook(text, bigint, text, text, bigint, double precision)');

-- A hook cannot leave anything behind in the caller's session: it runs as
-- a restricted operation (no temporary table), and the run goes on.
CREATE FUNCTION public.temp_hook(event text, run_id bigint, node text, status text, rows bigint,
                                 ms double precision)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE planted (x int);
END $$;
SELECT hamilton_hook('before_run', 'public.temp_hook(text, bigint, text, text, bigint, double precision)');
SELECT node, status FROM hamilton_execute(ARRAY['doubled'], inputs => '{"k": 1}');
SELECT count(*) AS planted FROM pg_class WHERE relname = 'planted';
SELECT hamilton_unhook('before_run', 'public.temp_hook(text, bigint, text, text, bigint, double precision)');

-- A hook made STRICT after it was registered is reported, not skipped.
CREATE FUNCTION public.later_strict(event text, run_id bigint, node text, status text, rows bigint,
                                    ms double precision)
RETURNS void LANGUAGE sql AS $$ SELECT $$;
SELECT hamilton_hook('before_run', 'public.later_strict(text, bigint, text, text, bigint, double precision)');
ALTER FUNCTION public.later_strict(text, bigint, text, text, bigint, double precision) STRICT;
SELECT node, status FROM hamilton_execute(ARRAY['doubled'], inputs => '{"k": 1}');
-- A dropped hook function is reported too (its OID shown as 0 here), and
-- unhooked by its OID.
DROP FUNCTION public.later_strict(text, bigint, text, text, bigint, double precision);
SET client_min_messages = error;
SELECT node, status FROM hamilton_execute(ARRAY['doubled'], inputs => '{"k": 1}');
RESET client_min_messages;
SELECT event, sqlstate, regexp_replace(message, '[0-9]+', '0') AS message
FROM hamilton.hook_errors WHERE run_id > 99008 ORDER BY run_id;
SELECT hamilton_unhook('before_run', function) FROM hamilton.hooks;

-- Errors: every one refused when the hook is registered, with its SQLSTATE.
SELECT try_sql($$SELECT hamilton_hook('after_step', 'public.log_hook(text, bigint, text, text, bigint, double precision)')$$);
CREATE FUNCTION public.wrong_args(run_id bigint, node text) RETURNS void LANGUAGE sql AS $$ SELECT $$;
SELECT try_sql($$SELECT hamilton_hook('after_node', 'public.wrong_args(bigint, text)')$$);
CREATE FUNCTION public.strict_hook(event text, run_id bigint, node text, status text, rows bigint,
                                   ms double precision)
RETURNS void LANGUAGE sql STRICT AS $$ SELECT $$;
SELECT try_sql($$SELECT hamilton_hook('after_node', 'public.strict_hook(text, bigint, text, text, bigint, double precision)')$$);
CREATE FUNCTION public.set_hook(event text, run_id bigint, node text, status text, rows bigint,
                                ms double precision)
RETURNS SETOF int LANGUAGE sql AS $$ SELECT 1 $$;
SELECT try_sql($$SELECT hamilton_hook('after_node', 'public.set_hook(text, bigint, text, text, bigint, double precision)')$$);
CREATE PROCEDURE public.proc_hook(event text, run_id bigint, node text, status text, rows bigint,
                                  ms double precision)
LANGUAGE sql AS $$ SELECT $$;
SELECT try_sql($$SELECT hamilton_hook('after_node', 'public.proc_hook(text, bigint, text, text, bigint, double precision)')$$);
REVOKE EXECUTE ON FUNCTION public.log_hook(text, bigint, text, text, bigint, double precision) FROM PUBLIC;
SET ROLE regress_hook_bob;
SELECT try_sql($$SELECT hamilton_hook('after_node', 'public.log_hook(text, bigint, text, text, bigint, double precision)')$$);
RESET ROLE;
SELECT try_sql($$SELECT hamilton_unhook('after_node', 'public.log_hook(text, bigint, text, text, bigint, double precision)')$$);
SELECT try_sql($$SELECT hamilton_unhook('after_stop', 'public.log_hook(text, bigint, text, text, bigint, double precision)')$$);
SELECT count(*) AS hooks_left FROM hamilton.hooks;

DROP OWNED BY regress_hook_alice, regress_hook_bob;
DROP ROLE regress_hook_alice;
DROP ROLE regress_hook_bob;
SELECT drop_module('hk');
DROP TABLE public.hook_log;
