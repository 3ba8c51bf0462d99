-- A frame's compiled query grows with the number of column nodes, not with
-- the number of paths through them: a row-wise node whose text would be
-- written more than once is computed once, one level down, behind OFFSET 0
-- (a fence: PostgreSQL would otherwise pull the level up and copy the
-- expression back into every reference).  A node read once stays inline.
SELECT setval('hamilton.run_id_seq', 41000) > 0 AS ok;
CREATE SCHEMA cs;
CREATE TABLE cs.raw (id int PRIMARY KEY, v numeric);
INSERT INTO cs.raw VALUES (1, 1), (2, 3);
SELECT hamilton_register('cs');
SELECT hamilton_define('cs.f', 'SELECT id, v FROM cs.raw', key => ARRAY['id'], extract_columns => true);

-- c_1 = v + v, c_k = c_(k-1) + c_(k-1): written inline, c_40 would be 2^40
-- copies of v.
SELECT hamilton_define('cs.c_1', 'v + v');
DO $$
BEGIN
    FOR k IN 2 .. 40 LOOP
        PERFORM hamilton_define(format('cs.c_%s', k), format('c_%s + c_%s', k - 1, k - 1));
    END LOOP;
END $$;
SET statement_timeout = '60s';
-- the query (after "-- one query") is about 3 kB, twice that of c_20
CREATE TEMP TABLE compiled AS
SELECT k, length(substring(hamilton_explain(ARRAY['c_' || k]) FROM '-- one query.*')) AS len
FROM (VALUES (20), (40)) AS t(k);
SELECT (SELECT len FROM compiled WHERE k = 40) < 4000 AS small,
       (SELECT len FROM compiled WHERE k = 40) < 2.1 * (SELECT len FROM compiled WHERE k = 20) AS linear;
SELECT node, status FROM hamilton_execute(ARRAY['c_40']) WHERE node = 'cs.c_40';
RESET statement_timeout;
SELECT id, c_40, c_40 = v * 2 ^ 40 AS right FROM cs.c_40 JOIN cs.raw USING (id) ORDER BY id;
-- Three levels show the shape: each level computes one node, reads the one
-- below by name, and ends with the fence.
SELECT hamilton_explain(ARRAY['c_3']);

-- Requested and read by another requested node: computed once too.
SELECT hamilton_explain(ARRAY['c_1', 'c_2'], into_table => 'cs.pair');
SELECT node, status FROM hamilton_execute(ARRAY['c_1', 'c_2'], into_table => 'cs.pair');
TABLE cs.pair ORDER BY id;

-- Read once each: no level, no fence.
SELECT hamilton_define('cs.d_1', 'v + 1');
SELECT hamilton_define('cs.d_2', 'd_1 * 2');
SELECT hamilton_define('cs.d_3', 'd_2 - v');
SELECT hamilton_explain(ARRAY['d_3']);

-- A window read as an operand is written inline, beside the other windows
-- of the same SELECT, as an expert writes it: no level more, no pass more
-- over the frame (twice here: a window call is short).
SELECT hamilton_define('cs.mean_v', 'avg(v) OVER ()');
SELECT hamilton_define('cs.spread', '(v - mean_v) * (v - mean_v)');
SELECT hamilton_explain(ARRAY['spread']);
SELECT node, status FROM hamilton_execute(ARRAY['spread']);
TABLE cs.spread ORDER BY id;
-- A window written inline holds no other window written inline, so that
-- w_k = w_(k-1) + w_(k-1) + sum(v) OVER () stays linear: every other w_k is
-- computed at a level of its own and read by name.
SELECT hamilton_define('cs.w_1', 'sum(v) OVER ()');
DO $$
BEGIN
    FOR k IN 2 .. 30 LOOP
        PERFORM hamilton_define(format('cs.w_%s', k), format('w_%s + w_%s + sum(v) OVER ()', k - 1, k - 1));
    END LOOP;
END $$;
SELECT length(substring(hamilton_explain(ARRAY['w_30']) FROM '-- one query.*')) < 6000 AS small;
SELECT node, status FROM hamilton_execute(ARRAY['w_30']) WHERE node = 'cs.w_30';
SELECT id, w_30, w_30 = 4 * (2 ^ 30 - 1) AS right FROM cs.w_30 ORDER BY id;

-- Clean up.
SELECT drop_module('cs');
