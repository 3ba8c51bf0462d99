-- The example dataflow (examples/shop.sql) written by hand: the same logic as
-- the nodes weekly_sales, baseline (lookback 4), growth_rate, the marketing
-- features (avg_3wk_spend, spend_momentum, marketing_lift) and forecast
-- (horizon 4), as one CREATE TABLE AS.  Loaded by bench/run.sh after
-- harness.sql, into a database holding examples/shop.sql.

CREATE SCHEMA plain;

CREATE FUNCTION bench.plain_forecast() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DROP TABLE IF EXISTS plain.forecast;
    CREATE TABLE plain.forecast AS
    WITH weekly_sales AS (
        SELECT region,
               date_trunc('week', ordered_at)::date AS week,
               sum(amount) AS sales
        FROM raw.orders
        GROUP BY 1, 2
    ), baseline AS (
        SELECT region, round(avg(sales), 2) AS baseline
        FROM (SELECT region, sales,
                     row_number() OVER (PARTITION BY region ORDER BY week DESC) AS recent
              FROM weekly_sales) s
        WHERE recent <= 4
        GROUP BY region
    ), growth_rate AS (
        SELECT round(1 + 0.02 / greatest(4, 1), 4) AS growth_rate
    ), marketing_lift AS (
        SELECT DISTINCT ON (region) region, round(0.95 + 0.05 * momentum, 4) AS lift
        FROM (SELECT region, week,
                     round(spend / avg(spend) OVER (PARTITION BY region ORDER BY week
                                                    ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), 4) AS momentum
              FROM raw.marketing) m
        ORDER BY region, week DESC
    )
    SELECT b.region,
           w AS weeks_ahead,
           round(b.baseline * growth_rate ^ w * l.lift, 2) AS forecast
    FROM baseline b JOIN marketing_lift l USING (region), growth_rate, generate_series(1, 4) AS w
    ORDER BY 1, 2;
END $$;

-- bench.check_forecast fails loudly unless both forecasts hold the same rows.
CREATE FUNCTION bench.check_forecast() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    differing bigint;
    total bigint;
BEGIN
    SELECT count(*) INTO differing FROM (
        (TABLE shop.forecast EXCEPT ALL TABLE plain.forecast)
        UNION ALL
        (TABLE plain.forecast EXCEPT ALL TABLE shop.forecast)) d;
    SELECT count(*) INTO total FROM shop.forecast;
    IF differing <> 0 OR total = 0 THEN
        RAISE EXCEPTION 'shop.forecast (% rows) and plain.forecast differ in % rows', total, differing;
    END IF;
END $$;
