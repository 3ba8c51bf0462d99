-- No recursion whose depth the user controls: a 10,000-node chain of
-- functions validates, plans and executes.
CREATE SCHEMA chain;
DO $$
BEGIN
    EXECUTE 'CREATE FUNCTION chain.n0() RETURNS int LANGUAGE sql IMMUTABLE RETURN 0';
    FOR i IN 1..9999 LOOP
        EXECUTE format('CREATE FUNCTION chain.n%s(n%s int) RETURNS int LANGUAGE sql IMMUTABLE RETURN n%s + 1',
                       i, i - 1, i - 1);
    END LOOP;
END $$;
SELECT hamilton_register('chain');
SELECT count(*) FROM hamilton_validate(ARRAY['n9999']);
SELECT * FROM hamilton_upstream('n9999') ORDER BY depth DESC LIMIT 1;
SELECT count(*), count(*) FILTER (WHERE status = 'computed') AS computed
FROM hamilton_execute(ARRAY['n9999']);
TABLE chain.n9999;

-- A 2,000-node chain of SQL nodes: inlined in groups, cut by temporary tables.
CREATE SCHEMA sqlchain;
SELECT hamilton_define('sqlchain.s0', 'SELECT 0 AS v');
SELECT count(hamilton_define(format('sqlchain.s%s', i), format('SELECT v + 1 AS v FROM s%s', i - 1)))
FROM generate_series(1, 1999) i;
SELECT status, count(*) FROM hamilton_execute(ARRAY['sqlchain.s1999']) GROUP BY status ORDER BY status;
TABLE sqlchain.s1999;
-- A cycle through the whole chain is found and printed without recursion.
SELECT hamilton_define('sqlchain.s0', 'SELECT v FROM s1999');
SELECT problem, message FROM hamilton_validate(ARRAY['sqlchain.s1999']);

-- Clean up.
SELECT drop_module('chain');
SELECT drop_module('sqlchain');

-- A frame with more columns than a table holds: into_table is refused before
-- anything runs; without it, the columns go to their own tables in chunks.
CREATE SCHEMA wide;
CREATE TABLE wide.src AS SELECT g AS k, g::float8 AS x FROM generate_series(1, 3) AS g;
SELECT hamilton_define('wide.f', 'SELECT k, x FROM wide.src', key => ARRAY['k'], extract_columns => true);
SELECT count(*) FROM hamilton_parameterize('wide.e{n}', 'x * {n}',
    (SELECT jsonb_build_object('n', jsonb_agg(g)) FROM generate_series(1, 1600) AS g));
SELECT problem, message, detail FROM hamilton_validate(
    (SELECT array_agg('e' || g) FROM generate_series(1, 1600) AS g), into_table => 'wide.all');
SELECT status, count(*) FROM hamilton_execute(
    (SELECT array_agg('e' || g) FROM generate_series(1, 1200) AS g)) GROUP BY status ORDER BY 1;
SELECT * FROM wide.e1200 ORDER BY k;
SELECT drop_module('wide');
