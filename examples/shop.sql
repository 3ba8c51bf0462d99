-- pg_hamilton example: a sales forecast as a dataflow.
--
--   raw.orders ─► weekly_sales ─► baseline ───────────────────┐
--                 horizon (input) ─► growth_rate ─────────────┤
--   raw.marketing ─► marketing (frame) ─► spend, signups      │
--        avg_3wk_spend ─► spend_momentum ─► marketing_lift ───┴─► forecast
--        spend_per_signup (a feature the forecast does not need: never run)
--
-- Each node is a plain function or SELECT whose name is what it produces and
-- whose parameters (or the relations it reads) are what it needs.
-- Load with: psql -f examples/shop.sql, then:
--   SELECT * FROM hamilton_execute(ARRAY['forecast'], inputs => '{"horizon": 4}');

CREATE EXTENSION IF NOT EXISTS hamilton;

-- A source table: not part of the dataflow, read by it.
CREATE SCHEMA raw;
CREATE TABLE raw.orders (
    order_id   int PRIMARY KEY,
    ordered_at date NOT NULL,
    region     text NOT NULL,
    amount     numeric(10, 2) NOT NULL
);
INSERT INTO raw.orders
SELECT i,
       date '2026-01-05' + (i % 84),                        -- twelve weeks
       (ARRAY['north', 'south', 'west'])[1 + i % 3],
       round((20 + (i * 37 % 100) + (i % 84) * (i % 3) * 0.4)::numeric, 2)  -- trends differ
FROM generate_series(1, 3000) AS i;

-- Marketing spend and signups per region and week.
CREATE TABLE raw.marketing (
    region  text NOT NULL,
    week    date NOT NULL,
    spend   numeric(10, 2) NOT NULL,
    signups int NOT NULL,
    PRIMARY KEY (region, week)
);
INSERT INTO raw.marketing
SELECT r, date '2026-01-05' + 7 * w,
       100 + (w * 13 + length(r) * 7) % 40 + w * length(r),
       5 + (w * 7 + length(r)) % 11
FROM unnest(ARRAY['north', 'south', 'west']) AS r, generate_series(0, 11) AS w;

-- The module: a schema whose functions are nodes.
CREATE SCHEMA shop;

-- A frame: each column of its SELECT is a column node (Hamilton's
-- @extract_columns); the key lines the columns up row by row.
SELECT hamilton_define('shop.marketing',
    'SELECT region, week, spend, signups FROM raw.marketing',
    doc => 'Marketing spend and signups per region and week.',
    key => ARRAY['region', 'week'], extract_columns => true);

-- Column nodes: a row-wise function of columns, and column expressions.
CREATE FUNCTION shop.spend_per_signup(spend numeric, signups int) RETURNS numeric
LANGUAGE sql IMMUTABLE RETURN round(spend / nullif(signups, 0), 2);
COMMENT ON FUNCTION shop.spend_per_signup(numeric, int) IS 'Marketing cost of one signup.';

SELECT hamilton_define('shop.avg_3wk_spend',
    'avg(spend) OVER (PARTITION BY region ORDER BY week ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)',
    doc => 'Rolling three-week mean of marketing spend, per region.');
SELECT hamilton_define('shop.spend_momentum', 'round(spend / avg_3wk_spend, 4)',
    doc => 'This week''s spend relative to its rolling mean.',
    checks => '[{"check": "not_null", "severity": "fail"}, {"check": "range", "min": 0, "max": 3}]');

-- A table node reading a column node: it sees (region, week, spend_momentum).
SELECT hamilton_define('shop.marketing_lift', $$
    SELECT DISTINCT ON (region) region, round(0.95 + 0.05 * spend_momentum, 4) AS lift
    FROM spend_momentum
    ORDER BY region, week DESC
$$, doc => 'Forecast multiplier per region from the latest marketing momentum.');

-- A SQL node: its inputs are the relations it reads.
SELECT hamilton_define('shop.weekly_sales', $$
    SELECT region,
           date_trunc('week', ordered_at)::date AS week,
           sum(amount) AS sales
    FROM raw.orders
    GROUP BY 1, 2
$$, doc => 'Sales per region and week, from raw.orders.',
    tags => '{"owner": "analytics"}');

-- A table function: the regclass parameter receives the relation that holds
-- weekly_sales's result; lookback has a default, so it is an optional input.
CREATE FUNCTION shop.baseline(weekly_sales regclass, lookback int DEFAULT 4)
RETURNS TABLE (region text, baseline numeric)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT region, round(avg(sales), 2)
         FROM (SELECT region, sales,
                      row_number() OVER (PARTITION BY region ORDER BY week DESC) AS recent
               FROM %s) s
         WHERE recent <= $1
         GROUP BY region', weekly_sales) USING lookback;
END $$;
COMMENT ON FUNCTION shop.baseline(regclass, int) IS
    'Average weekly sales of the last lookback weeks, per region.';

-- A scalar node computed from an input (horizon).
CREATE FUNCTION shop.growth_rate(horizon int) RETURNS numeric
LANGUAGE sql IMMUTABLE
RETURN round(1 + 0.02 / greatest(horizon, 1), 4);
COMMENT ON FUNCTION shop.growth_rate(int) IS 'Assumed week-over-week growth for a forecast horizon.';

-- The final node: scalars (growth_rate, horizon) read as one-row relations.
SELECT hamilton_define('shop.forecast', $$
    SELECT b.region,
           w AS weeks_ahead,
           round(b.baseline * growth_rate ^ w * l.lift, 2) AS forecast
    FROM baseline b JOIN marketing_lift l USING (region),
         growth_rate, horizon, generate_series(1, horizon.horizon) AS w
    ORDER BY 1, 2
$$, doc => 'Sales forecast per region for the next horizon weeks.',
    tags => '{"owner": "planning"}');

SELECT hamilton_register('shop');
