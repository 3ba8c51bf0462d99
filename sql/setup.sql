-- Every suite runs in the same database, in the order the Makefile lists.
CREATE EXTENSION hamilton;
CREATE EXTENSION plpython3u;
SELECT extname, extversion FROM pg_extension WHERE extname = 'hamilton';
-- The catalog and the API are where the documentation says.
SELECT count(*) AS catalog_views FROM pg_views WHERE schemaname = 'hamilton';
SELECT proname FROM pg_proc WHERE proname LIKE 'hamilton\_%' ORDER BY 1;

-- Test helper: forget a module and its SQL nodes, and drop its schema.
CREATE FUNCTION drop_module(module text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL client_min_messages = warning;
    IF EXISTS (SELECT 1 FROM hamilton.modules m WHERE m.module = drop_module.module) THEN
        PERFORM hamilton_unregister(quote_ident(module)::regnamespace);
    END IF;
    PERFORM hamilton_drop(quote_ident(s.schema_name) || '.' || quote_ident(s.node_name))
    FROM (SELECT DISTINCT schema_name, node_name FROM hamilton.sql_node) s
    WHERE s.schema_name = drop_module.module;
    EXECUTE format('DROP SCHEMA %I CASCADE', module);
END $$;

-- Test helper: run a statement; show its error (message, detail, hint) as a
-- NOTICE and return its SQLSTATE, or 'no error'.
CREATE FUNCTION try_sql(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text; hnt text;
BEGIN
    EXECUTE stmt;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    IF det <> '' AND hnt <> '' THEN RAISE NOTICE '%', msg USING DETAIL = det, HINT = hnt;
    ELSIF det <> '' THEN RAISE NOTICE '%', msg USING DETAIL = det;
    ELSIF hnt <> '' THEN RAISE NOTICE '%', msg USING HINT = hnt;
    ELSE RAISE NOTICE '%', msg;
    END IF;
    RETURN st;
END $$;

-- Test helpers: a statement's SQLSTATE ('no error' if none), and its error
-- message (NULL if none).
CREATE FUNCTION sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
CREATE FUNCTION error_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE msg text;
BEGIN
    EXECUTE stmt;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
    RETURN msg;
END $$;
