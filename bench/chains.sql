-- Per-node execution overhead: chains of k trivial nodes, and the same work
-- done by hand.  Loaded by bench/run.sh after harness.sql; the scalar chain
-- and the SQL chain each get a database of their own, so that each graph
-- hamilton builds holds only the chain being measured.

CREATE SCHEMA direct;   -- where the hand-written variants write their result

/* ------------------------------------------------------------------------
 * (a) k scalar function nodes: chain.n1() = 1, chain.n<i>(n<i-1> int) =
 *     n<i-1> + 1, so chain.n<k> = k
 * ------------------------------------------------------------------------ */

CREATE FUNCTION bench.make_scalar_chain(k int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    CREATE SCHEMA chain;
    EXECUTE 'CREATE FUNCTION chain.n1() RETURNS int LANGUAGE sql IMMUTABLE RETURN 1';
    FOR i IN 2..k LOOP
        EXECUTE format('CREATE FUNCTION chain.n%s(n%s int) RETURNS int LANGUAGE sql IMMUTABLE RETURN n%s + 1',
                       i, i - 1, i - 1);
    END LOOP;
    PERFORM hamilton_register('chain');
END $$;

-- The same k calls, one statement each, with the very SQL text
-- hamilton_explain shows for each step (EXECUTE: no plan is reused), and
-- the last value written to a table, as hamilton_execute does.
CREATE FUNCTION bench.direct_scalar_chain(k int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    v int;
BEGIN
    EXECUTE 'SELECT chain.n1() AS n1' INTO v;
    FOR i IN 2..k LOOP
        EXECUTE format('SELECT chain.n%s(n%s => %L::integer) AS n%s', i, i - 1, v, i) INTO v;
    END LOOP;
    DROP TABLE IF EXISTS direct.scalar_result;
    EXECUTE format('CREATE TABLE direct.scalar_result AS SELECT %L::integer AS n%s', v, k);
    RETURN v;
END $$;

/* ------------------------------------------------------------------------
 * (b) k SQL nodes: sqlchain.s1 = SELECT 1 AS v,
 *     sqlchain.s<i> = SELECT v + 1 AS v FROM s<i-1>, so sqlchain.s<k> = k
 * ------------------------------------------------------------------------ */

CREATE FUNCTION bench.make_sql_chain(k int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    CREATE SCHEMA sqlchain;
    PERFORM hamilton_define('sqlchain.s1', 'SELECT 1 AS v');
    FOR i IN 2..k LOOP
        PERFORM hamilton_define(format('sqlchain.s%s', i), format('SELECT v + 1 AS v FROM s%s', i - 1));
    END LOOP;
END $$;

-- hamilton_execute with every intermediate in a temporary table: the same
-- statements as bench.direct_temp_chain, so the difference is pg_hamilton's
-- own work per node.
CREATE FUNCTION bench.execute_without_inlining(outputs text[]) RETURNS bigint
LANGUAGE sql SET hamilton.inline_intermediates = off
RETURN (SELECT count(*) FROM hamilton_execute(outputs));

-- The same statements directly: one CREATE TEMP TABLE ... AS per node, the
-- last node written to a table, the temporary tables dropped at the end.
CREATE FUNCTION bench.direct_temp_chain(k int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE t1 AS SELECT 1 AS v;
    FOR i IN 2..k - 1 LOOP
        EXECUTE format('CREATE TEMP TABLE t%s AS SELECT v + 1 AS v FROM t%s', i, i - 1);
    END LOOP;
    DROP TABLE IF EXISTS direct.sql_result;
    EXECUTE format('CREATE TABLE direct.sql_result AS SELECT v + 1 AS v FROM t%s', k - 1);
    FOR i IN 1..k - 1 LOOP
        EXECUTE format('DROP TABLE t%s', i);
    END LOOP;
END $$;

-- "The ideal": one CREATE TABLE AS of the whole chain as nested subqueries.
CREATE FUNCTION bench.fused_chain(k int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    query text := 'SELECT 1 AS v';
BEGIN
    FOR i IN 2..k LOOP
        query := format('SELECT v + 1 AS v FROM (%s) AS s%s', query, i - 1);
    END LOOP;
    DROP TABLE IF EXISTS direct.fused_result;
    EXECUTE 'CREATE TABLE direct.fused_result AS ' || query;
END $$;

-- bench.check_chain fails loudly unless every variant that ran computed k.
CREATE FUNCTION bench.check_chain(result_tables text[], k int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    tbl text;
    got int;
BEGIN
    FOREACH tbl IN ARRAY result_tables LOOP
        EXECUTE format('SELECT * FROM %s', tbl) INTO STRICT got;
        IF got IS DISTINCT FROM k THEN
            RAISE EXCEPTION '% holds %, expected %', tbl, got, k;
        END IF;
    END LOOP;
END $$;

/* ------------------------------------------------------------------------
 * (c) the long scalar chain (bench/long_chain.sh): hamilton_execute as
 *     version 1.1 ran it, every scalar step a statement in a subtransaction
 *     and the graph read from the catalog at every call
 * ------------------------------------------------------------------------ */

CREATE FUNCTION bench.execute_as_1_1(outputs text[]) RETURNS bigint
LANGUAGE sql SET hamilton.batch_scalars = off SET hamilton.cache_graph = off
RETURN (SELECT count(*) FROM hamilton_execute(outputs));

-- hamilton_validate with the graph read from the catalog at every call.
CREATE FUNCTION bench.validate_uncached(outputs text[]) RETURNS bigint
LANGUAGE sql SET hamilton.cache_graph = off
RETURN (SELECT count(*) FROM hamilton_validate(outputs));

-- bench.first_call_ms runs a statement and returns how long it took in the
-- server, in ms: called first in a new connection, a cold call.
CREATE FUNCTION bench.first_call_ms(statement text) RETURNS double precision
LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
BEGIN
    EXECUTE statement;
    RETURN 1000 * extract(epoch FROM clock_timestamp() - started);
END $$;
