-- pg_hamilton example: a sales forecast as a dataflow.
--
--   raw.orders ─► weekly_sales ─► baseline ─┐
--                 horizon (input) ─► growth_rate ─► forecast
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

-- The module: a schema whose functions are nodes.
CREATE SCHEMA shop;

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
           round(b.baseline * growth_rate ^ w, 2) AS forecast
    FROM baseline b, growth_rate, horizon, generate_series(1, horizon.horizon) AS w
    ORDER BY 1, 2
$$, doc => 'Sales forecast per region for the next horizon weeks.',
    tags => '{"owner": "planning"}');

SELECT hamilton_register('shop');
