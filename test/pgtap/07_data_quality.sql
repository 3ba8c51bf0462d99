-- Hamilton's data_quality example (examples/data_quality.sql): the features
-- equal the same logic written by hand in SQL, every check Hamilton declares
-- runs and passes, and the loader's variant follows the config as
-- @config.when_not_in does.
BEGIN;
SELECT plan(13);
\set QUIET on
SET client_min_messages = warning;
\o /dev/null
\i examples/data_quality.sql
\o
\set QUIET off

CREATE TEMP TABLE run_steps AS
SELECT * FROM hamilton_execute(ARRAY['age', 'age_zero_mean_unit_variance', 'has_children', 'is_summer',
    'has_pet', 'day_of_the_week_2', 'day_of_the_week_3', 'day_of_the_week_4', 'day_of_the_week_5',
    'day_of_the_week_6', 'seasons_1', 'seasons_2', 'seasons_3', 'seasons_4', 'absenteeism_time_in_hours'],
    config => '{"execution": "normal"}', into_table => 'dq.features');

-- The same logic, written by hand.
CREATE TEMP VIEW by_hand AS
WITH s AS (SELECT avg(age)::float8 AS m, stddev_samp(age)::float8 AS sd FROM dq.absenteeism)
SELECT row_id, age, (age - s.m) / s.sd AS age_zero_mean_unit_variance,
       (son > 0)::int::bigint AS has_children, (month_of_absence IN (1, 2, 12))::int::bigint AS is_summer,
       (pet > 0)::int::bigint AS has_pet,
       day_of_the_week = 2 AS day_of_the_week_2, day_of_the_week = 3 AS day_of_the_week_3,
       day_of_the_week = 4 AS day_of_the_week_4, day_of_the_week = 5 AS day_of_the_week_5,
       day_of_the_week = 6 AS day_of_the_week_6,
       seasons = 1 AS seasons_1, seasons = 2 AS seasons_2, seasons = 3 AS seasons_3, seasons = 4 AS seasons_4,
       absenteeism_time_in_hours
FROM dq.absenteeism, s;

SELECT is((SELECT count(*)::int FROM dq.features), 740, 'dq.features has a row per absence');
SELECT columns_are('dq', 'features',
    ARRAY['row_id', 'age', 'age_zero_mean_unit_variance', 'has_children', 'is_summer', 'has_pet',
          'day_of_the_week_2', 'day_of_the_week_3', 'day_of_the_week_4', 'day_of_the_week_5',
          'day_of_the_week_6', 'seasons_1', 'seasons_2', 'seasons_3', 'seasons_4', 'absenteeism_time_in_hours'],
    'dq.features: the key, then the requested columns');
SELECT is_empty($$
    SELECT row_id, age, has_children, is_summer, has_pet, day_of_the_week_2, day_of_the_week_3,
           day_of_the_week_4, day_of_the_week_5, day_of_the_week_6, seasons_1, seasons_2, seasons_3,
           seasons_4, absenteeism_time_in_hours FROM dq.features
    EXCEPT ALL
    SELECT row_id, age, has_children, is_summer, has_pet, day_of_the_week_2, day_of_the_week_3,
           day_of_the_week_4, day_of_the_week_5, day_of_the_week_6, seasons_1, seasons_2, seasons_3,
           seasons_4, absenteeism_time_in_hours FROM by_hand$$,
    'the encoded and derived columns equal the hand-written SQL');
SELECT is((SELECT count(*)::int FROM dq.features f JOIN by_hand h USING (row_id)
           WHERE abs(f.age_zero_mean_unit_variance - h.age_zero_mean_unit_variance) < 1e-12), 740,
    'age_zero_mean_unit_variance equals (age - mean) / sample standard deviation');
SELECT hasnt_table('dq', 'age_mean', 'the age statistics are intermediates: no table');
SELECT results_eq($$SELECT count(*)::int, bool_and(passed) FROM hamilton.check_results
                    WHERE run_id = (SELECT max(run_id) FROM hamilton.runs)$$,
    $$VALUES (46, true)$$,
    'every check Hamilton declares ran (range, data_type, allow_nans, values_in) and passed');
SELECT set_eq($$SELECT DISTINCT "check" FROM hamilton.check_results WHERE run_id = (SELECT max(run_id) FROM hamilton.runs)$$,
    ARRAY['range', 'data_type', 'allow_nans', 'in'], 'the kinds of check that ran');
SELECT is((SELECT into_table FROM hamilton.runs ORDER BY run_id DESC LIMIT 1), 'dq.features',
    'the run records its into_table');

-- @config.when_not_in(execution=["dask", "spark"]): without execution, or with
-- another value, the loader is there; with spark, no variant is.
SELECT lives_ok($$SELECT * FROM hamilton_execute(ARRAY['age_mean'])$$,
    'no execution in config: the loader variant is chosen');
SELECT throws_ok($$SELECT * FROM hamilton_execute(ARRAY['age'], config => '{"execution": "spark"}')$$,
    '22023', 'no variant of node dq.raw_data matches config {"execution": "spark"}',
    'execution = spark: no variant of the loader, and the error says so');

-- A check that fails stops the run (severity fail) and keeps the earlier table.
SELECT lives_ok($$SELECT hamilton_check('dq.age_mean', '[{"check": "range", "min": 50.0, "max": 60.0, "severity": "fail"}]')$$,
    'age_mean gets a range it does not meet, severity fail');
SELECT throws_ok($$SELECT * FROM hamilton_execute(ARRAY['age_zero_mean_unit_variance'],
                                                  into_table => 'dq.features')$$,
    '23514', NULL, 'a failing range check on age_mean stops the run');
SELECT is((SELECT count(*)::int FROM dq.features), 740, 'and the earlier dq.features stays');

SELECT * FROM finish();
ROLLBACK;
