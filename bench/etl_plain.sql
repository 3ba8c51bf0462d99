-- The standard ETL benchmark written by hand (loaded by bench/etl.sh after
-- harness.sql and etl.sql): the 10 steps as the one CREATE TABLE AS an expert
-- would write: every window in one level over raw.marketing, with named
-- WINDOW clauses (avg(spend) OVER () and stddev_samp(spend) OVER () beside
-- the others), and the ten outputs computed from that level.  Also: the
-- checks that the variants hold the same values.

CREATE SCHEMA plain;

-- The ten outputs, in the order every variant's table is compared in.
CREATE FUNCTION bench.etl_outputs() RETURNS text[]
LANGUAGE sql IMMUTABLE RETURN ARRAY[
    'spend_per_signup', 'avg_3wk_spend', 'spend_lag_3', 'lag_per_signup',
    'spend_zero_mean', 'spend_zero_mean_unit_variance', 'log_spend',
    'cum_signups', 'spend_per_cum_signup', 'above_trend'];

-- bench.plain_query is the hand-written query; bench.plain_features writes
-- it into plain.features.
CREATE FUNCTION bench.plain_query() RETURNS text
LANGUAGE sql IMMUTABLE RETURN $q$
    SELECT region, week,
           spend / signups AS spend_per_signup,
           avg_3wk_spend,
           spend_lag_3,
           spend_lag_3 / signups AS lag_per_signup,
           spend - mean_spend AS spend_zero_mean,
           (spend - mean_spend) / sd_spend AS spend_zero_mean_unit_variance,
           ln(spend) AS log_spend,
           cum_signups,
           spend / cum_signups AS spend_per_cum_signup,
           spend > avg_3wk_spend AS above_trend
    FROM (SELECT region, week, spend, signups,
                 avg(spend) OVER w3 AS avg_3wk_spend,
                 lag(spend, 3) OVER w AS spend_lag_3,
                 avg(spend) OVER whole AS mean_spend,
                 stddev_samp(spend) OVER whole AS sd_spend,
                 sum(signups) OVER w AS cum_signups
          FROM raw.marketing
          WINDOW w AS (PARTITION BY region ORDER BY week),
                 w3 AS (w ROWS BETWEEN 2 PRECEDING AND CURRENT ROW),
                 whole AS ()) AS s
$q$;

CREATE FUNCTION bench.plain_features() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DROP TABLE IF EXISTS plain.features;
    EXECUTE 'CREATE TABLE plain.features AS ' || bench.plain_query();
END $$;

-- bench.compiled_query extracts the SQL of the one query an explain shows
-- ("-- one query into x.y:", then the query, indented by 3 spaces).
CREATE FUNCTION bench.compiled_query(explain text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
RETURN rtrim(regexp_replace(substring(explain FROM '-- one query into [^\n]*:\n(.*)$'), '^   ', '', 'gn'), E' \n');

-- bench.run_compiled runs SQL (the query hamilton_explain shows for the
-- column-node run) as CREATE TABLE AS: the compiled query without pg_hamilton.
CREATE FUNCTION bench.run_compiled(target text, query text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP TABLE IF EXISTS %s', target);
    EXECUTE format('CREATE TABLE %s AS %s', target, query);
END $$;


-- bench.joined(schema) is a subquery that joins the ten one-column tables
-- that a variant wrote into schema (key + output each) on the key: the step
-- tables of module steps, or the column nodes' own tables in schema etl.
CREATE FUNCTION bench.joined(schema text) RETURNS text
LANGUAGE sql STABLE
RETURN (SELECT format('(SELECT region, week, %s FROM %s) AS j',
                      string_agg(quote_ident(c), ', ' ORDER BY i),
                      string_agg(format('%I.%I', schema, c), ' JOIN ' ORDER BY i)
                          FILTER (WHERE i = 1) ||
                      coalesce(string_agg(format(' JOIN %I.%I USING (region, week)', schema, c), '' ORDER BY i)
                          FILTER (WHERE i > 1), ''))
        FROM unnest(bench.etl_outputs()) WITH ORDINALITY AS t(c, i));

-- float8 to 9 significant digits (NULL stays NULL): what "equal when
-- rounded" means below.
CREATE FUNCTION bench.sig9(x float8) RETURNS text
LANGUAGE sql IMMUTABLE STRICT RETURN to_char(x, '9.99999999EEEE');

-- bench.check_same compares relation a with relation b, the reference, on
-- the ten outputs, row by row on the key (region, week), which b holds once
-- each: a full join, so a missing or extra row counts as a difference.
--   exact_rows      rows where any output differs, floats compared exactly
--   rounded_rows    rows where any output differs, floats rounded to 9
--                   significant digits (bench.sig9)
--   exact_columns   the outputs that differ exactly in some row
-- It fails unless both hold the same number of rows and rounded_rows is 0.
CREATE FUNCTION bench.check_same(a text, b text, OUT exact_rows bigint, OUT rounded_rows bigint,
                                 OUT exact_columns text)
LANGUAGE plpgsql AS $$
DECLARE
    na bigint;
    nb bigint;
    exact_any text;
    rounded_any text;
    per_column text;
    counts bigint[];
BEGIN
    SET LOCAL work_mem = '256MB';
    SELECT string_agg(format('x.%1$I IS DISTINCT FROM y.%1$I', c), ' OR '),
           string_agg(CASE WHEN c = 'above_trend' THEN format('x.%1$I IS DISTINCT FROM y.%1$I', c)
                           ELSE format('(x.%1$I IS DISTINCT FROM y.%1$I AND bench.sig9(x.%1$I) IS DISTINCT FROM bench.sig9(y.%1$I))', c)
                      END, ' OR '),
           string_agg(format('count(*) FILTER (WHERE x.%1$I IS DISTINCT FROM y.%1$I)', c), ', ' ORDER BY i)
    INTO exact_any, rounded_any, per_column
    FROM unnest(bench.etl_outputs()) WITH ORDINALITY AS t(c, i);
    EXECUTE format('SELECT (SELECT count(*) FROM %s), (SELECT count(*) FROM %s)', a, b) INTO na, nb;
    EXECUTE format($f$
        SELECT count(*) FILTER (WHERE x.region IS NULL OR y.region IS NULL OR %3$s),
               count(*) FILTER (WHERE x.region IS NULL OR y.region IS NULL OR %4$s),
               ARRAY[%5$s]
        FROM (SELECT * FROM %1$s) AS x
        FULL JOIN (SELECT * FROM %2$s) AS y ON x.region = y.region AND x.week = y.week$f$,
        a, b, exact_any, rounded_any, per_column)
    INTO exact_rows, rounded_rows, counts;
    SELECT coalesce(string_agg(format('%s (%s rows)', c, n), ', ' ORDER BY i), 'none')
    INTO exact_columns
    FROM unnest(bench.etl_outputs(), counts) WITH ORDINALITY AS t(c, n, i)
    WHERE n > 0;
    IF na <> nb OR na = 0 OR rounded_rows <> 0 THEN
        RAISE EXCEPTION '% (% rows) and % (% rows) differ in % rows (% compared exactly; outputs: %)',
            a, na, b, nb, rounded_rows, exact_rows, exact_columns;
    END IF;
END $$;

-- bench.plain_own_tables: "each output its own table" written by hand: the
-- hand-written query once into a temporary table, then one CREATE TABLE AS
-- per output (key + column), in schema plain_own.
CREATE SCHEMA plain_own;
CREATE FUNCTION bench.plain_own_tables() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    c text;
BEGIN
    EXECUTE 'CREATE TEMP TABLE features_once AS ' || bench.plain_query();
    FOREACH c IN ARRAY bench.etl_outputs() LOOP
        EXECUTE format('DROP TABLE IF EXISTS plain_own.%1$I; CREATE TABLE plain_own.%1$I AS SELECT region, week, %1$I FROM features_once', c);
    END LOOP;
    DROP TABLE features_once;
END $$;
