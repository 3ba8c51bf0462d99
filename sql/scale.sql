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
