-- The example dataflow (examples/shop.sql) end to end: the forecast equals
-- the same logic hand-written in SQL, only the closure runs, and lineage
-- tells where the result came from.
BEGIN;
SELECT plan(16);
\set QUIET on
SET client_min_messages = warning;
\i examples/shop.sql
\set QUIET off

SELECT set_eq($$SELECT node FROM hamilton.nodes WHERE module = 'shop'$$,
    ARRAY['shop.weekly_sales', 'shop.baseline', 'shop.growth_rate', 'shop.forecast'],
    'the module holds the four nodes of the example');
SELECT set_eq($$SELECT upstream FROM hamilton.edges WHERE downstream = 'shop.forecast'$$,
    ARRAY['shop.baseline', 'shop.growth_rate', 'horizon'],
    'forecast reads baseline, growth_rate and the horizon input');
SELECT is((SELECT count(*)::int FROM hamilton_validate(ARRAY['forecast'], inputs => '{"horizon": 4}')), 0,
    'the example validates');
SELECT is((SELECT problem FROM hamilton_validate(ARRAY['forecast'])), 'missing_input',
    'without a horizon, validation reports the missing input');

SELECT results_eq(
    $$SELECT node, status FROM hamilton_execute(ARRAY['forecast'], inputs => '{"horizon": 4}')$$,
    $$VALUES ('horizon', 'input'), ('lookback', 'default'), ('shop.growth_rate', 'computed'),
             ('shop.weekly_sales', 'temporary'), ('shop.baseline', 'inlined'), ('shop.forecast', 'materialized')$$,
    'the run report lists the plan in order');

SELECT results_eq(
    $$SELECT region, weeks_ahead, forecast FROM shop.forecast ORDER BY 1, 2$$,
    $$WITH weekly AS (
          SELECT region, date_trunc('week', ordered_at)::date AS week, sum(amount) AS sales
          FROM raw.orders GROUP BY 1, 2),
      recent AS (
          SELECT region, sales, row_number() OVER (PARTITION BY region ORDER BY week DESC) AS rn FROM weekly),
      baseline AS (
          SELECT region, round(avg(sales), 2) AS baseline FROM recent WHERE rn <= 4 GROUP BY region)
      SELECT b.region, w, round(b.baseline * round(1 + 0.02 / 4, 4) ^ w, 2)
      FROM baseline b, generate_series(1, 4) AS w ORDER BY 1, 2$$,
    'the forecast equals the hand-written SQL');

SELECT is((SELECT count(*)::int FROM pg_tables WHERE schemaname = 'shop'), 1,
    'only the requested output was persisted');
SELECT is((SELECT sources FROM hamilton.lineage WHERE node = 'shop.forecast'), ARRAY['raw.orders'],
    'lineage: the source table read through the intermediates');
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
