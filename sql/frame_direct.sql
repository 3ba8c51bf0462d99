-- (outputs) Each requested column of a frame in its own table, written
-- straight from one run of the frame's query: every table holds exactly the
-- frame's key and its column, row for row (NULLs included), with no table
-- written in between; an existing result keeps its dropped columns and its
-- OID; a result whose columns changed is made anew; a NOT NULL violation or
-- a failing check fails the run and leaves every earlier result as it was;
-- results the bulk path cannot write (here: beyond hamilton.max_results_aside)
-- are written from a part table in the same run.
SELECT setval('hamilton.run_id_seq', 107800);
CREATE SCHEMA fd_raw;
CREATE SCHEMA fd;
CREATE TABLE fd_raw.t (id int, grp text, x int);
INSERT INTO fd_raw.t
SELECT i, CASE WHEN i % 5 = 0 THEN NULL ELSE 'g' || i % 3 END,
       CASE WHEN i % 7 = 0 THEN NULL ELSE i * 10 END
FROM generate_series(1, 50) AS i;
SELECT hamilton_define('fd.frame', 'SELECT id, grp, x FROM fd_raw.t', key => ARRAY['id', 'grp'],
                       extract_columns => true);
SELECT hamilton_define('fd.a', 'x + 1');
SELECT hamilton_define('fd.b', $$CASE WHEN x > 200 THEN 'big' END$$);
SELECT hamilton_define('fd.c', '(x / 3.0)::numeric(8, 1)');
SELECT hamilton_define('fd.d', 'x * 2',
                       checks => '[{"check": "sql", "predicate": "d IS NULL OR d < 5000", "severity": "fail"}]');

-- The CREATE TABLE statements of a run: the results only, no part table.
CREATE TABLE fd_raw.created (identity text);
CREATE FUNCTION fd_raw.note_created() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fd_raw.created
    SELECT CASE WHEN schema_name LIKE 'pg_temp%' THEN 'a temporary table'
                WHEN object_identity LIKE 'fd.pg_temp_%' THEN 'fd''s staging table'
                ELSE object_identity END
    FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE TABLE';
END $$;
CREATE EVENT TRIGGER fd_note_created ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
    EXECUTE FUNCTION fd_raw.note_created();

-- fd.same(): does every table hold exactly the key and its node's column of
-- the frame's rows, and nothing else?
CREATE FUNCTION fd.same(expr text[]) RETURNS TABLE (node text, missing bigint, extra bigint, columns text)
LANGUAGE plpgsql AS $$
DECLARE
    i int;
BEGIN
    FOR i IN 1 .. array_length(expr, 1) LOOP
        node := (ARRAY['a', 'b', 'c', 'd'])[i];
        EXECUTE format('SELECT count(*) FROM (SELECT id, grp, %2$s FROM fd_raw.t EXCEPT ALL SELECT id, grp, %1$I FROM fd.%1$I) e',
                       node, expr[i]) INTO missing;
        EXECUTE format('SELECT count(*) FROM (SELECT id, grp, %1$I FROM fd.%1$I EXCEPT ALL SELECT id, grp, %2$s FROM fd_raw.t) e',
                       node, expr[i]) INTO extra;
        SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) INTO columns
        FROM pg_attribute WHERE attrelid = format('fd.%I', node)::regclass AND attnum > 0 AND NOT attisdropped;
        RETURN NEXT;
    END LOOP;
END $$;
CREATE FUNCTION fd.expressions() RETURNS text[] LANGUAGE sql
RETURN ARRAY['x + 1', $$CASE WHEN x > 200 THEN 'big' END$$, '(x / 3.0)::numeric(8, 1)', 'x * 2'];

-- 1. New tables.
SELECT node, status, rows FROM hamilton_execute(ARRAY['fd.a', 'fd.b', 'fd.c', 'fd.d']) ORDER BY node;
SELECT * FROM fd.same(fd.expressions());
SELECT count(*) FILTER (WHERE x IS NULL) AS null_x, count(*) FILTER (WHERE grp IS NULL) AS null_grp FROM fd_raw.t;
SELECT count(*) AS null_a FROM fd.a WHERE a IS NULL;
SELECT identity FROM fd_raw.created ORDER BY identity;
TRUNCATE fd_raw.created;

-- 2. Existing results, one with a dropped column: built aside and swapped
-- in, the same OIDs, the dropped column kept, the new rows.
ALTER TABLE fd.a ADD COLUMN junk int;
ALTER TABLE fd.a DROP COLUMN junk;
CREATE TABLE fd_raw.oids AS SELECT relname, oid FROM pg_class WHERE relnamespace = 'fd'::regnamespace AND relkind = 'r';
UPDATE fd_raw.t SET x = x + 1 WHERE id % 2 = 0;
SELECT node, status, rows FROM hamilton_execute(ARRAY['fd.a', 'fd.b', 'fd.c', 'fd.d']) ORDER BY node;
SELECT * FROM fd.same(fd.expressions());
SELECT count(*) AS same_oids FROM fd_raw.oids o JOIN pg_class c ON c.oid = o.oid AND c.relname = o.relname;
SELECT count(*) AS dropped_columns FROM pg_attribute WHERE attrelid = 'fd.a'::regclass AND attisdropped;
SELECT identity FROM fd_raw.created ORDER BY identity;
-- statistics, as before: each swapped-in result analyzed
SELECT relname, reltuples FROM pg_class WHERE relnamespace = 'fd'::regnamespace AND relkind = 'r' ORDER BY relname;

-- 3. A result whose columns changed is made anew, the others swapped.
SELECT hamilton_define('fd.c', '(x / 3.0)::numeric(8, 2)');
SELECT node, status, rows FROM hamilton_execute(ARRAY['fd.a', 'fd.b', 'fd.c', 'fd.d']) ORDER BY node;
SELECT * FROM fd.same((fd.expressions())[1:2] || '(x / 3.0)::numeric(8, 2)'::text || (fd.expressions())[4]);
SELECT relname, oid = (SELECT oid FROM fd_raw.oids WHERE relname = 'c') AS same_oid FROM pg_class WHERE oid = 'fd.c'::regclass;
SELECT identity FROM fd_raw.created ORDER BY identity;
TRUNCATE fd_raw.created;

-- 4. A NOT NULL violation fails the run: every result keeps its rows.
UPDATE fd_raw.t SET x = coalesce(x, 0);
SELECT count(*) FROM hamilton_execute(ARRAY['fd.a', 'fd.b', 'fd.c', 'fd.d']);
ALTER TABLE fd.a ALTER COLUMN a SET NOT NULL;
CREATE TABLE fd_raw.before AS
SELECT 'a' AS node, count(*) AS n, sum(a) AS s FROM fd.a UNION ALL
SELECT 'd', count(*), sum(d) FROM fd.d;
UPDATE fd_raw.t SET x = CASE WHEN id = 3 THEN NULL ELSE x + 3 END;
SELECT node, status FROM hamilton_execute(ARRAY['fd.a', 'fd.b', 'fd.c', 'fd.d']);
SELECT 'a' AS node, count(*) AS n, sum(a) AS s FROM fd.a UNION ALL
SELECT 'd', count(*), sum(d) FROM fd.d
EXCEPT ALL TABLE fd_raw.before;
ALTER TABLE fd.a ALTER COLUMN a DROP NOT NULL;

-- 5. A failing check fails the run: every result keeps its rows.
UPDATE fd_raw.t SET x = 6000 WHERE id = 1;
SELECT node, status FROM hamilton_execute(ARRAY['fd.a', 'fd.b', 'fd.c', 'fd.d']);
SELECT 'a' AS node, count(*) AS n, sum(a) AS s FROM fd.a UNION ALL
SELECT 'd', count(*), sum(d) FROM fd.d
EXCEPT ALL TABLE fd_raw.before;
SELECT status, failed_node, error IS NOT NULL AS has_error FROM hamilton.runs ORDER BY run_id DESC LIMIT 1;

-- 6. Results beyond hamilton.max_results_aside are written in place, from
-- a part table, in the same run as those written straight.
UPDATE fd_raw.t SET x = 5 WHERE id = 1;
TRUNCATE fd_raw.created;
SET hamilton.max_results_aside = 1;
SELECT node, status, rows FROM hamilton_execute(ARRAY['fd.a', 'fd.b', 'fd.c', 'fd.d']) ORDER BY node;
RESET hamilton.max_results_aside;
SELECT * FROM fd.same((fd.expressions())[1:2] || '(x / 3.0)::numeric(8, 2)'::text || (fd.expressions())[4]);
SELECT identity FROM fd_raw.created ORDER BY identity;
SELECT count(*) AS temporary_tables FROM pg_class WHERE relpersistence = 't' AND relname LIKE 'hamilton%';

DROP EVENT TRIGGER fd_note_created;
