-- The standard ETL benchmark as a pg_hamilton dataflow (loaded by bench/etl.sh
-- after harness.sql).  psql variables: regions, weeks (1000 x 1000 = 1M rows).
--
--   raw.marketing   the data: one row per (region, week), deterministic
--                   pseudo-random spend and signups, made from hashes
--   etl.*           the 10 steps as column nodes of the frame etl.marketing:
--                   row-wise SQL functions and column expressions
--   steps.*         the same 10 steps as 10 SQL table nodes, each kept as
--                   its own table (materialize => 'table'); a step that
--                   needs an earlier step reads that step's table
--
-- spend is a whole number (100 .. 10000) and signups 1 .. 500, stored as
-- float8: every sum over them is exact, so avg(spend) OVER () does not depend
-- on the order rows are added in.  No value is zero or negative, so no
-- division by zero and no ln of zero.

CREATE SCHEMA raw;
CREATE TABLE raw.marketing (
    region  int NOT NULL,
    week    int NOT NULL,
    spend   float8 NOT NULL,
    signups float8 NOT NULL,
    PRIMARY KEY (region, week)
);
INSERT INTO raw.marketing
SELECT r, w,
       100 + (hashint8(r::bigint * 1000003 + w) & 2147483647) % 9901,
       1 + (hashint8(r::bigint * 1000003 + w + 500000000000) & 2147483647) % 500
FROM generate_series(1, :regions) AS r, generate_series(1, :weeks) AS w
ORDER BY r, w;

-- ---------------------------------------------------------------------------
-- Column nodes (Hamilton's functions of columns)
-- ---------------------------------------------------------------------------
CREATE SCHEMA etl;

-- The frame: spend and signups become column nodes, keyed by (region, week).
SELECT hamilton_define('etl.marketing',
    'SELECT region, week, spend, signups FROM raw.marketing',
    doc => 'Weekly marketing spend and signups per region.',
    key => ARRAY['region', 'week'], extract_columns => true);

-- 1. spend per signup
CREATE FUNCTION etl.spend_per_signup(spend float8, signups float8) RETURNS float8
LANGUAGE sql IMMUTABLE RETURN spend / signups;

-- 2. 3-week rolling mean of spend
SELECT hamilton_define('etl.avg_3wk_spend',
    'avg(spend) OVER (PARTITION BY region ORDER BY week ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)');

-- 3. spend three weeks earlier
SELECT hamilton_define('etl.spend_lag_3',
    'lag(spend, 3) OVER (PARTITION BY region ORDER BY week)');

-- 4. lagged spend per signup
CREATE FUNCTION etl.lag_per_signup(spend_lag_3 float8, signups float8) RETURNS float8
LANGUAGE sql IMMUTABLE RETURN spend_lag_3 / signups;

-- 5. spend, zero mean
SELECT hamilton_define('etl.spend_zero_mean', 'spend - avg(spend) OVER ()');

-- 6. spend, zero mean and unit variance (reads step 5, itself a window)
SELECT hamilton_define('etl.spend_zero_mean_unit_variance',
    'spend_zero_mean / stddev_samp(spend) OVER ()');

-- 7. log spend
CREATE FUNCTION etl.log_spend(spend float8) RETURNS float8
LANGUAGE sql IMMUTABLE RETURN ln(spend);

-- 8. cumulative signups
SELECT hamilton_define('etl.cum_signups',
    'sum(signups) OVER (PARTITION BY region ORDER BY week)');

-- 9. spend per cumulative signup
CREATE FUNCTION etl.spend_per_cum_signup(spend float8, cum_signups float8) RETURNS float8
LANGUAGE sql IMMUTABLE RETURN spend / cum_signups;

-- 10. spend above its 3-week rolling mean
CREATE FUNCTION etl.above_trend(spend float8, avg_3wk_spend float8) RETURNS boolean
LANGUAGE sql IMMUTABLE RETURN spend > avg_3wk_spend;

SELECT hamilton_register('etl');

-- ---------------------------------------------------------------------------
-- The same 10 steps as table nodes, every one kept as its own table
-- ---------------------------------------------------------------------------
CREATE SCHEMA steps;

SELECT hamilton_define('steps.spend_per_signup', $$
    SELECT region, week, spend / signups AS spend_per_signup FROM raw.marketing
$$, materialize => 'table');
SELECT hamilton_define('steps.avg_3wk_spend', $$
    SELECT region, week,
           avg(spend) OVER (PARTITION BY region ORDER BY week ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS avg_3wk_spend
    FROM raw.marketing
$$, materialize => 'table');
SELECT hamilton_define('steps.spend_lag_3', $$
    SELECT region, week, lag(spend, 3) OVER (PARTITION BY region ORDER BY week) AS spend_lag_3
    FROM raw.marketing
$$, materialize => 'table');
SELECT hamilton_define('steps.lag_per_signup', $$
    SELECT region, week, spend_lag_3 / signups AS lag_per_signup
    FROM spend_lag_3 JOIN raw.marketing USING (region, week)
$$, materialize => 'table');
SELECT hamilton_define('steps.spend_zero_mean', $$
    SELECT region, week, spend - avg(spend) OVER () AS spend_zero_mean FROM raw.marketing
$$, materialize => 'table');
SELECT hamilton_define('steps.spend_zero_mean_unit_variance', $$
    SELECT region, week,
           spend_zero_mean / stddev_samp(spend) OVER () AS spend_zero_mean_unit_variance
    FROM spend_zero_mean JOIN raw.marketing USING (region, week)
$$, materialize => 'table');
SELECT hamilton_define('steps.log_spend', $$
    SELECT region, week, ln(spend) AS log_spend FROM raw.marketing
$$, materialize => 'table');
SELECT hamilton_define('steps.cum_signups', $$
    SELECT region, week, sum(signups) OVER (PARTITION BY region ORDER BY week) AS cum_signups
    FROM raw.marketing
$$, materialize => 'table');
SELECT hamilton_define('steps.spend_per_cum_signup', $$
    SELECT region, week, spend / cum_signups AS spend_per_cum_signup
    FROM cum_signups JOIN raw.marketing USING (region, week)
$$, materialize => 'table');
SELECT hamilton_define('steps.above_trend', $$
    SELECT region, week, spend > avg_3wk_spend AS above_trend
    FROM avg_3wk_spend JOIN raw.marketing USING (region, week)
$$, materialize => 'table');
