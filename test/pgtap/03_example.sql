-- The example dataflow (examples/shop.sql) end to end: the forecast equals
-- the same logic hand-written in SQL, only the closure runs, and lineage
-- tells where the result came from.
BEGIN;
SELECT plan(17);
\set QUIET on
SET client_min_messages = warning;
\i examples/shop.sql
\set QUIET off

SELECT set_eq($$SELECT node FROM hamilton.nodes WHERE module = 'shop'$$,
    ARRAY['shop.weekly_sales', 'shop.baseline', 'shop.growth_rate', 'shop.forecast',
          'shop.marketing', 'shop.spend', 'shop.signups', 'shop.spend_per_signup',
          'shop.avg_3wk_spend', 'shop.spend_momentum', 'shop.marketing_lift'],
    'the module holds the nodes of the example, the frame''s columns among them');
SELECT set_eq($$SELECT node FROM hamilton.nodes WHERE kind = 'column' AND frame = 'shop.marketing'$$,
    ARRAY['shop.spend', 'shop.signups', 'shop.spend_per_signup', 'shop.avg_3wk_spend', 'shop.spend_momentum'],
    'extracted columns, a row-wise function and expressions are column nodes of the frame');
SELECT set_eq($$SELECT upstream FROM hamilton.edges WHERE downstream = 'shop.forecast'$$,
    ARRAY['shop.baseline', 'shop.growth_rate', 'horizon', 'shop.marketing_lift'],
    'forecast reads baseline, growth_rate, the marketing lift and the horizon input');
SELECT is((SELECT count(*)::int FROM hamilton_validate(ARRAY['forecast'], inputs => '{"horizon": 4}')), 0,
    'the example validates');
SELECT is((SELECT problem FROM hamilton_validate(ARRAY['forecast'])), 'missing_input',
    'without a horizon, validation reports the missing input');

SELECT results_eq(
    $$SELECT node, status FROM hamilton_execute(ARRAY['forecast'], inputs => '{"horizon": 4}')$$,
    $$VALUES ('horizon', 'input'), ('lookback', 'default'), ('shop.growth_rate', 'computed'),
             ('shop.marketing', 'inlined'), ('shop.spend', 'inlined'), ('shop.avg_3wk_spend', 'inlined'),
             ('shop.spend_momentum', 'temporary'), ('shop.marketing_lift', 'inlined'),
             ('shop.weekly_sales', 'temporary'), ('shop.baseline', 'inlined'), ('shop.forecast', 'materialized')$$,
    'the run report lists the plan in order; spend_per_signup is not needed and not run');

SELECT results_eq(
    $$SELECT region, weeks_ahead, forecast FROM shop.forecast ORDER BY 1, 2$$,
    $$WITH weekly AS (
          SELECT region, date_trunc('week', ordered_at)::date AS week, sum(amount) AS sales
          FROM raw.orders GROUP BY 1, 2),
      recent AS (
          SELECT region, sales, row_number() OVER (PARTITION BY region ORDER BY week DESC) AS rn FROM weekly),
      baseline AS (
          SELECT region, round(avg(sales), 2) AS baseline FROM recent WHERE rn <= 4 GROUP BY region),
      momentum AS (
          SELECT region, week,
                 round(spend / avg(spend) OVER (PARTITION BY region ORDER BY week ROWS 2 PRECEDING), 4) AS m
          FROM raw.marketing),
      lift AS (
          SELECT DISTINCT ON (region) region, round(0.95 + 0.05 * m, 4) AS lift
          FROM momentum ORDER BY region, week DESC)
      SELECT b.region, w, round(b.baseline * round(1 + 0.02 / 4, 4) ^ w * l.lift, 2)
      FROM baseline b JOIN lift l USING (region), generate_series(1, 4) AS w ORDER BY 1, 2$$,
    'the forecast equals the hand-written SQL');

SELECT is((SELECT count(*)::int FROM pg_tables WHERE schemaname = 'shop'), 1,
    'only the requested output was persisted');
SELECT is((SELECT array_agg(s ORDER BY s) FROM hamilton.lineage, unnest(sources) AS s WHERE node = 'shop.forecast'),
    ARRAY['raw.marketing', 'raw.orders'],
    'lineage: the source tables read through the intermediates, the frame''s among them');
SELECT is((SELECT inputs FROM hamilton.lineage WHERE node = 'shop.forecast'),
    '{"horizon": 4, "lookback": "(default)"}'::jsonb, 'lineage: the inputs it depends on');
SELECT is((SELECT run_status FROM hamilton.lineage WHERE node = 'shop.forecast'), 'succeeded',
    'lineage: the run that made it');
SELECT is((SELECT l.fingerprint FROM hamilton.lineage l WHERE node = 'shop.forecast'),
          (SELECT n.fingerprint FROM hamilton.nodes n WHERE node = 'shop.forecast'),
    'lineage: the code fingerprint of the node');

-- The optional input and an override change only what they should.
SELECT lives_ok($$SELECT * FROM hamilton_execute(ARRAY['forecast', 'weekly_sales'],
    inputs => '{"horizon": 2, "lookback": 1}')$$, 'optional inputs can be given');
SELECT is((SELECT count(*)::int FROM shop.forecast), 6, 'three regions times two weeks');
SELECT is((SELECT upstream -> 0 ->> 'node' FROM hamilton.lineage WHERE node = 'shop.forecast'), 'shop.weekly_sales',
    'lineage: a persisted upstream result is listed with its run');
SELECT lives_ok($$SELECT * FROM hamilton_execute(ARRAY['forecast'], inputs => '{"horizon": 2}',
    overrides => '{"growth_rate": 1}')$$, 'growth_rate overridden');
SELECT is((SELECT count(DISTINCT forecast)::int FROM shop.forecast f GROUP BY region LIMIT 1), 1,
    'with no growth, every week of a region has the same forecast');

SELECT * FROM finish();
ROLLBACK;
