-- Hamilton's feature_engineering example (examples/feature_engineering.sql):
-- the frame over a loader node that never ran, the model's features equal
-- the same logic written by hand in SQL, every check Hamilton declares runs
-- and passes, and what pandas would align silently (a duplicate index, a
-- loader whose columns changed) stops the run.
BEGIN;
SELECT plan(14);
\set QUIET on
SET client_min_messages = warning;
\o /dev/null
\i examples/feature_engineering.sql
\o
\set QUIET off

SELECT hasnt_table('fe', 'loaded', 'the loader node has never run');
SELECT is((SELECT frame_columns[1:3] FROM hamilton.sql_node WHERE schema_name = 'fe' AND node_name = 'raw_data'),
    ARRAY['index', 'id', 'reason_for_absence'], 'yet the frame over it has its columns, from its definition');

CREATE TEMP TABLE run_steps AS
SELECT * FROM hamilton_execute(fe._model_x_features() || ARRAY['age_mean', 'age_std_dev'],
    into_table => 'fe.features');

-- The same logic, written by hand.
CREATE TEMP VIEW by_hand AS
WITH s AS (SELECT avg("Age")::float8 AS m, stddev_samp("Age")::float8 AS sd FROM fe.absenteeism_csv)
SELECT "ID" || '-' || "Month of absence" || '-' || "Day of the week" AS index,
       ("Month of absence" IN (1, 2, 12))::int AS is_summer, ("Pet" > 0)::int AS has_pet,
       ("Son" > 0)::int AS has_children,
       ("Day of the week" = 2)::int AS day_of_the_week_2, ("Day of the week" = 3)::int AS day_of_the_week_3,
       ("Day of the week" = 4)::int AS day_of_the_week_4, ("Day of the week" = 5)::int AS day_of_the_week_5,
       ("Day of the week" = 6)::int AS day_of_the_week_6,
       ("Age" - s.m) / s.sd AS age_zero_mean_unit_variance, s.m AS age_mean, s.sd AS age_std_dev
FROM fe.absenteeism_csv, s;

SELECT is((SELECT count(*)::int FROM fe.features), 740, 'fe.features has a row per absence');
SELECT columns_are('fe', 'features',
    ARRAY['index', 'is_summer', 'has_pet', 'has_children', 'day_of_the_week_2', 'day_of_the_week_3',
          'day_of_the_week_4', 'day_of_the_week_5', 'day_of_the_week_6', 'age_zero_mean_unit_variance',
          'age_mean', 'age_std_dev'],
    'fe.features: the index, then model_x_features, age_mean and age_std_dev, as etl.py asks');
SELECT is_empty($$
    SELECT index, is_summer, has_pet, has_children, day_of_the_week_2, day_of_the_week_3,
           day_of_the_week_4, day_of_the_week_5, day_of_the_week_6 FROM fe.features
    EXCEPT ALL
    SELECT index, is_summer, has_pet, has_children, day_of_the_week_2, day_of_the_week_3,
           day_of_the_week_4, day_of_the_week_5, day_of_the_week_6 FROM by_hand$$,
    'the encoded columns equal the hand-written SQL');
SELECT is((SELECT count(*)::int FROM fe.features f JOIN by_hand h USING (index)
           WHERE abs(f.age_zero_mean_unit_variance - h.age_zero_mean_unit_variance) < 1e-12
             AND abs(f.age_mean - h.age_mean) < 1e-12 AND abs(f.age_std_dev - h.age_std_dev) < 1e-12), 740,
    'age_mean, age_std_dev (sample) and age_zero_mean_unit_variance equal the hand-written SQL');
SELECT results_eq($$SELECT count(*)::int, bool_and(passed) FROM hamilton.check_results
                    WHERE run_id = (SELECT max(run_id) FROM hamilton.runs)$$,
    $$VALUES (19, true)$$,
    'every check Hamilton declares ran (range, data_type, allow_nans, values_in) and passed');
SELECT set_eq($$SELECT node FROM hamilton.tags WHERE key = 'inject_at_inference_time' AND value = 'True'$$,
    ARRAY['fe.age_mean', 'fe.age_std_dev'], 'the statistics carry the tag inject_at_inference_time');
SELECT hasnt_table('fe', 'age_zero_mean', 'age_zero_mean is an intermediate: no table of its own');
SELECT is((SELECT count(*)::int FROM run_steps WHERE status = 'materialized'), 11,
    'the eleven requested columns, one table');

-- An index on two rows: pandas keeps both under one label; the run stops.
INSERT INTO fe.absenteeism_csv ("ID", "Month of absence", "Day of the week", "Age", "Son", "Pet", "Seasons")
VALUES (1, 1, 2, 30, 0, 0, 1);
SELECT throws_ok($$SELECT * FROM hamilton_execute(fe._model_x_features(), into_table => 'fe.features')$$,
    '23505', NULL, 'a duplicate index 1-1-2 stops the run');
SELECT is((SELECT count(*)::int FROM fe.features), 740, 'and the earlier fe.features stays');
DELETE FROM fe.absenteeism_csv WHERE "Reason for absence" IS NULL;

-- The loader changes (Age becomes numeric): the frame's column age is no
-- longer what it was defined with, so the run is refused until the frame
-- is defined again.
SELECT lives_ok($$SELECT hamilton_define('fe.loaded', replace(definition, '"Age" AS age', '"Age"::numeric AS age'))
                  FROM hamilton.sql_node WHERE schema_name = 'fe' AND node_name = 'loaded'$$,
    'the loader is redefined: age becomes numeric');
SELECT throws_ok($$SELECT * FROM hamilton_execute(fe._model_x_features(), into_table => 'fe.features')$$,
    '42P16', NULL, 'the frame over it refuses to run with a stale column');

SELECT * FROM finish();
ROLLBACK;
