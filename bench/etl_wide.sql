-- Planning cost of a wide frame (loaded by bench/etl.sh after harness.sql and
-- etl_plain.sql): one frame and N column nodes, half of them column
-- expressions, half row-wise SQL functions:
--
--   wide.frame       SELECT id, x, y FROM wide_raw.t   (key id, `rows` rows)
--   wide.e_<n>       'x * <n> + y'                        n = 1 .. N/2  (expressions)
--   wide.f_<n>(e_<2n-1>, e_<2n>) = e_<2n-1> - e_<2n>      n = 1 .. N/4  (functions)
--   wide.g_<n>(f_<n>, y) = f_<n> * y                      n = 1 .. N/4  (functions)
--
-- The N/4 sinks g_<n> need every other node.  The expressions are defined by
-- one hamilton_parameterize call.

CREATE SCHEMA wide_raw;
CREATE SCHEMA wide;

-- bench.make_wide(nodes, rows) builds the above; returns how the expressions
-- were defined (hamilton_parameterize, or hamilton_define one by one if
-- hamilton_parameterize fails, with its error).
CREATE FUNCTION bench.make_wide(nodes int, nrows int) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    how text := 'hamilton_parameterize';
    defined int;
BEGIN
    IF nodes % 4 <> 0 THEN
        RAISE EXCEPTION 'the number of nodes must be a multiple of 4, not %', nodes;
    END IF;
    CREATE TABLE wide_raw.t AS
    SELECT i AS id, (i % 1000)::float8 AS x, (1 + i % 7)::float8 AS y
    FROM generate_series(1, nrows) AS i;
    PERFORM hamilton_define('wide.frame', 'SELECT id, x, y FROM wide_raw.t',
                            key => ARRAY['id'], extract_columns => true);
    BEGIN
        SELECT count(*) INTO defined
        FROM hamilton_parameterize('wide.e_{n}', 'x * {n} + y',
                                   jsonb_build_object('n', (SELECT jsonb_agg(n) FROM generate_series(1, nodes / 2) AS n)));
        IF defined <> nodes / 2 THEN
            RAISE EXCEPTION 'hamilton_parameterize defined % nodes, not %', defined, nodes / 2;
        END IF;
    EXCEPTION WHEN OTHERS THEN
        how := format('hamilton_define, one by one (hamilton_parameterize failed: %s)', SQLERRM);
        FOR n IN 1 .. nodes / 2 LOOP
            PERFORM hamilton_define(format('wide.e_%s', n), format('x * %s + y', n));
        END LOOP;
    END;
    FOR n IN 1 .. nodes / 4 LOOP
        EXECUTE format('CREATE FUNCTION wide.f_%1$s(e_%2$s float8, e_%3$s float8) RETURNS float8
                        LANGUAGE sql IMMUTABLE RETURN e_%2$s - e_%3$s', n, 2 * n - 1, 2 * n);
        EXECUTE format('CREATE FUNCTION wide.g_%1$s(f_%1$s float8, y float8) RETURNS float8
                        LANGUAGE sql IMMUTABLE RETURN f_%1$s * y', n);
    END LOOP;
    PERFORM hamilton_register('wide');
    IF (SELECT count(*) FROM hamilton.nodes WHERE module = 'wide' AND kind = 'column') <> nodes + 2 THEN
        RAISE EXCEPTION 'wide has % column nodes, expected % (and x, y)',
            (SELECT count(*) FROM hamilton.nodes WHERE module = 'wide' AND kind = 'column'), nodes;
    END IF;
    RETURN how;
END $$;

-- Every node, and the sinks alone.
CREATE FUNCTION bench.wide_all(nodes int) RETURNS text[]
LANGUAGE sql STABLE
RETURN (SELECT array_agg(format('wide.e_%s', n) ORDER BY n) FROM generate_series(1, nodes / 2) AS n)
    || (SELECT array_agg(format('wide.f_%s', n) ORDER BY n) FROM generate_series(1, nodes / 4) AS n)
    || (SELECT array_agg(format('wide.g_%s', n) ORDER BY n) FROM generate_series(1, nodes / 4) AS n);

CREATE FUNCTION bench.wide_sinks(nodes int) RETURNS text[]
LANGUAGE sql STABLE
RETURN (SELECT array_agg(format('wide.g_%s', n) ORDER BY n) FROM generate_series(1, nodes / 4) AS n);

-- bench.try_execute runs hamilton_execute and returns its error, or NULL.
CREATE FUNCTION bench.try_execute(outputs text[], into_table text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM count(*) FROM hamilton_execute(outputs, into_table => into_table);
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLERRM;
END $$;

-- bench.check_wide: the sinks' table against the same values in plain SQL.
CREATE FUNCTION bench.check_wide(nodes int, nrows int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM wide.sinks s JOIN wide_raw.t t USING (id)
                    WHERE %s', (SELECT string_agg(format(
                        'g_%1$s IS DISTINCT FROM ((x * %2$s + y) - (x * %3$s + y)) * y', n, 2 * n - 1, 2 * n), ' OR ')
                     FROM generate_series(1, nodes / 4) AS n))
    INTO bad;
    IF bad <> 0 OR (SELECT count(*) FROM wide.sinks) <> nrows THEN
        RAISE EXCEPTION 'wide.sinks: % rows of % differ from the plain SQL', bad, nrows;
    END IF;
END $$;
