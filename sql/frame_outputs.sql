-- Each requested column of a frame in its own table (key + column): the
-- frame's query runs once, its rows are split into part tables of at most
-- 32 columns and the key, and every table is written from its part.  The
-- tables hold what into_table holds, with the same types, and each has its
-- lineage.
CREATE SCHEMA fo_raw;
CREATE SCHEMA fo;
CREATE TABLE fo_raw.t (id int PRIMARY KEY, x int);
INSERT INTO fo_raw.t SELECT i, CASE WHEN i % 7 = 0 THEN NULL ELSE i * 10 END FROM generate_series(1, 40) AS i;
SELECT hamilton_define('fo.frame', 'SELECT id, x FROM fo_raw.t', key => ARRAY['id'], extract_columns => true);
-- 70 expressions (three parts), and columns with a type modifier and a collation
SELECT count(*) FROM hamilton_parameterize('fo.e_{n}', 'x * {n} + 1',
    jsonb_build_object('n', (SELECT jsonb_agg(n) FROM generate_series(1, 70) AS n)));
SELECT hamilton_define('fo.money', '(x / 3.0)::numeric(10, 2)');
SELECT hamilton_define('fo.label', $$('x' || x)::varchar(5) COLLATE "C"$$);
SELECT hamilton_define('fo.running', 'sum(x) OVER (ORDER BY id)');
CREATE FUNCTION fo.outputs() RETURNS text[] LANGUAGE sql IMMUTABLE
RETURN (SELECT array_agg(format('fo.e_%s', n) ORDER BY n) FROM generate_series(1, 70) AS n)
       || ARRAY['fo.money', 'fo.label', 'fo.running'];

SELECT status, count(*) FROM hamilton_execute(fo.outputs()) GROUP BY status;
SELECT count(*) FROM hamilton_execute(fo.outputs(), into_table => 'fo.together');

-- Every table holds, row for row, the key and its column of into_table.
CREATE FUNCTION fo.differences() RETURNS TABLE (node text, missing bigint, extra bigint)
LANGUAGE plpgsql AS $$
DECLARE
    c text;
BEGIN
    FOREACH c IN ARRAY fo.outputs() LOOP
        c := split_part(c, '.', 2);
        node := c;
        EXECUTE format('SELECT count(*) FROM (SELECT id, %1$I FROM fo.together EXCEPT ALL SELECT id, %1$I FROM fo.%1$I) d', c)
            INTO missing;
        EXECUTE format('SELECT count(*) FROM (SELECT id, %1$I FROM fo.%1$I EXCEPT ALL SELECT id, %1$I FROM fo.together) d', c)
            INTO extra;
        IF missing + extra > 0 OR (SELECT count(*) FROM fo.together) <> 40 THEN
            RETURN NEXT;
        END IF;
    END LOOP;
END $$;
SELECT * FROM fo.differences();
SELECT count(*) AS tables FROM pg_tables WHERE schemaname = 'fo' AND tablename <> 'together';
-- their columns: the key and the node, with the node's type, modifier and collation
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type, co.collname
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
WHERE c.relnamespace = 'fo'::regnamespace AND c.relname IN ('e_1', 'e_70', 'money', 'label', 'running')
  AND a.attnum > 0 ORDER BY c.relname, a.attnum;
-- No part table is left behind.
SELECT count(*) AS temporary_tables FROM pg_class WHERE relpersistence = 't' AND relname LIKE 'hamilton%';

-- The lineage of every table: this run, the frame's source, the node's own
-- fingerprint (a table each, not into_table's query).
SELECT count(*) AS results,
       count(DISTINCT l.run_id) AS runs,
       max(l.run_id) < (SELECT run_id FROM hamilton.lineage WHERE relation = 'fo.together'::regclass) AS before_into_table,
       count(*) FILTER (WHERE l.sources = ARRAY['fo_raw.t']) AS reading_fo_raw_t,
       count(*) FILTER (WHERE l.fingerprint = n.fingerprint) AS with_own_fingerprint
FROM hamilton.lineage l JOIN hamilton.nodes n USING (node)
WHERE l.module = 'fo' AND l.relation::text <> 'fo.together';

-- Wider than a page: 130 columns of type name (64 bytes each, never
-- toasted) make a row of 8,320 bytes, more than a heap row may hold; in
-- part tables of 32 they fit.
SELECT count(*) FROM hamilton_parameterize('fo.n_{n}', $$('n' || x * {n})::name$$,
    jsonb_build_object('n', (SELECT jsonb_agg(n) FROM generate_series(1, 130) AS n)));
SELECT status, count(*)
FROM hamilton_execute((SELECT array_agg(format('fo.n_%s', n)) FROM generate_series(1, 130) AS n))
GROUP BY status;
SELECT count(*) AS with_lineage FROM hamilton.lineage WHERE module = 'fo' AND node LIKE 'fo.n\_%';
DO $$
DECLARE
    bad bigint := 0;
    b bigint;
BEGIN
    FOR n IN 1 .. 130 LOOP
        EXECUTE format($q$SELECT count(*) FROM fo_raw.t t FULL JOIN fo.n_%1$s r USING (id)
                          WHERE r.n_%1$s IS DISTINCT FROM ('n' || t.x * %1$s)::name$q$, n) INTO b;
        bad := bad + b;
    END LOOP;
    RAISE NOTICE 'rows that differ from plain SQL: %', bad;
END $$;

-- Values stored out of line in the source (TOAST) are copied whole; a
-- failing output fails the run with its node named, and leaves no part
-- table and no change behind.
CREATE TABLE fo_raw.docs (id int PRIMARY KEY, k int, doc text);
INSERT INTO fo_raw.docs SELECT i, i - 3, repeat(md5(i::text), 5000) FROM generate_series(1, 5) AS i;
SELECT hamilton_define('fo.docs', 'SELECT id, k, doc FROM fo_raw.docs', key => ARRAY['id'], extract_columns => true);
SELECT hamilton_define('fo.doc_len', 'length(doc)');
SELECT hamilton_define('fo.inverse', '1 / k');
SELECT node, status, rows FROM hamilton_execute(ARRAY['fo.doc', 'fo.doc_len']);
SELECT count(*) AS same_docs FROM fo.doc JOIN fo_raw.docs d USING (id) WHERE fo.doc.doc = d.doc;
\set VERBOSITY terse
SELECT node, status FROM hamilton_execute(ARRAY['fo.doc_len', 'fo.inverse']);
\set VERBOSITY default
SELECT count(*) AS temporary_tables FROM pg_class WHERE relpersistence = 't' AND relname LIKE 'hamilton%';
SELECT count(*) AS doc_len_rows, to_regclass('fo.inverse') AS inverse FROM fo.doc_len;

SELECT drop_module('fo');
DROP SCHEMA fo_raw CASCADE;
