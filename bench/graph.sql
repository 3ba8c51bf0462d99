-- Graph scale: a module "g" of n scalar function nodes shaped as a converging
-- DAG, like a feature pipeline that ends in one score.
--
--   n<i> reads n<2i> and n<2i+1> (when they exist): a binary heap, so n1 is
--        the only sink and every node is upstream of it (its closure is the
--        whole graph, about log2(n) levels deep);
--   every third node also reads one node further upstream, picked
--        deterministically, so the graph is a DAG rather than a tree;
--   nodes without upstream nodes (i > n/2) read two of the five inputs
--        x0 .. x4.
-- Every node thus takes 1 to 3 parameters.  Loaded by bench/run.sh after
-- harness.sql.

CREATE SCHEMA g;

-- The inputs every request passes.
CREATE FUNCTION bench.graph_inputs() RETURNS jsonb LANGUAGE sql IMMUTABLE
RETURN '{"x0": 1, "x1": 2, "x2": 3, "x3": 4, "x4": 5}'::jsonb;

-- bench.make_graph creates the n functions and returns how long it took (ms).
CREATE FUNCTION bench.make_graph(n int) RETURNS double precision
LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
    params text[];
    other bigint;
BEGIN
    FOR i IN 1..n LOOP
        params := '{}';
        IF 2 * i <= n THEN
            params := params || format('n%s', 2 * i);
        END IF;
        IF 2 * i + 1 <= n THEN
            params := params || format('n%s', 2 * i + 1);
        END IF;
        IF 2 * i + 2 <= n AND i % 3 = 0 THEN
            other := 2 * i + 2 + (i::bigint * 7919) % (n - 2 * i - 1);
            params := params || format('n%s', other);
        END IF;
        IF params = '{}' THEN
            params := ARRAY[format('x%s', i % 5), format('x%s', (i + 1) % 5)];
        END IF;
        EXECUTE format('CREATE FUNCTION g.n%s(%s) RETURNS int LANGUAGE sql IMMUTABLE RETURN %s',
                       i,
                       (SELECT string_agg(p || ' int', ', ') FROM unnest(params) p),
                       array_to_string(params, ' + '));
    END LOOP;
    RETURN 1000 * extract(epoch FROM clock_timestamp() - started);
END $$;

-- bench.check_graph fails loudly unless the module is valid and n1's
-- closure is the whole graph (n nodes and the five inputs).
CREATE FUNCTION bench.check_graph(n int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    problems bigint;
    closure bigint;
BEGIN
    SELECT count(*) INTO problems FROM hamilton_validate(ARRAY['n1'], bench.graph_inputs());
    SELECT count(*) + 1 INTO closure FROM hamilton_upstream('n1');
    IF problems <> 0 OR closure <> n + 5 THEN
        RAISE EXCEPTION 'graph of % nodes: % problems, closure of n1 has % nodes (expected %)',
            n, problems, closure, n + 5;
    END IF;
END $$;

-- The catalog query hamilton's graph builder runs (catalog_read_function_nodes
-- in src/catalog/node_queries.c), evaluated in full: what reading the graph
-- costs in SQL alone, before any C work on it.
CREATE VIEW bench.dag_catalog_read AS
SELECT p.oid, n.nspname, p.proname, l.lanname, d.description, p.proowner
FROM hamilton.module m
JOIN pg_catalog.pg_namespace n ON n.nspname = m.schema_name
JOIN pg_catalog.pg_proc p ON p.pronamespace = n.oid
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
JOIN pg_catalog.pg_type t ON t.oid = p.prorettype
LEFT JOIN pg_catalog.pg_description d ON d.objoid = p.oid
     AND d.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objsubid = 0
WHERE p.prokind = 'f' AND left(p.proname, 1) <> '_'
  AND (t.typtype <> 'p' OR p.prorettype = 'pg_catalog.record'::pg_catalog.regtype)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
       WHERE dep.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
         AND dep.objid = p.oid AND dep.deptype = 'e')
ORDER BY n.nspname, p.proname, p.oid;

-- hamilton_validate with the graph read from the catalog at every call
-- (hamilton.cache_graph = off): what a request pays when its graph is not
-- kept, as every request did before 1.2.
CREATE FUNCTION bench.validate_uncached() RETURNS bigint
LANGUAGE sql SET hamilton.cache_graph = off
RETURN (SELECT count(*) FROM hamilton_validate(ARRAY['n1'], bench.graph_inputs()));
