-- Hamilton's data_quality example (examples/data_quality/simple), inside
-- PostgreSQL: feature logic over an absenteeism-at-work table, with the
-- checks Hamilton's @check_output declares (range, data_type, allow_nans,
-- values_in), the @config.when_not_in / when_in variants of the data
-- loader, @extract_fields for the age statistics and @parameterize for the
-- one-hot columns.
-- https://github.com/dagworks-inc/hamilton/tree/main/examples/data_quality/simple
--
-- Hamilton loads Absenteeism_at_work.csv (740 rows, UCI).  This script
-- makes 740 rows of the same columns deterministically, so that it runs
-- anywhere; to use the real file instead, after this script:
--   TRUNCATE dq.absenteeism;
--   \copy dq.absenteeism (id, reason_for_absence, month_of_absence, day_of_the_week, seasons, transportation_expense, distance_from_residence_to_work, service_time, age, work_load_average_per_day, hit_target, disciplinary_failure, education, son, social_drinker, social_smoker, pet, weight, height, body_mass_index, absenteeism_time_in_hours) FROM 'Absenteeism_at_work.csv' WITH (FORMAT csv, DELIMITER ';', HEADER)
--
-- Run it as Hamilton's run.py does:
--   SELECT * FROM hamilton_execute(ARRAY['age', 'age_zero_mean_unit_variance', 'has_children',
--     'is_summer', 'has_pet', 'day_of_the_week_2', 'day_of_the_week_3', 'day_of_the_week_4',
--     'day_of_the_week_5', 'day_of_the_week_6', 'seasons_1', 'seasons_2', 'seasons_3', 'seasons_4',
--     'absenteeism_time_in_hours'], config => '{"execution": "normal"}', into_table => 'dq.features');
-- or from the shell:
--   hamilton run age age_zero_mean_unit_variance has_children ... -c execution=normal --into-table dq.features
CREATE SCHEMA dq;

-- The data, as Hamilton's _sanitize_columns names its columns; row_id keys
-- the rows (id is the employee, not the absence).
CREATE TABLE dq.absenteeism (
    row_id                          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                              int NOT NULL,
    reason_for_absence              int,
    month_of_absence                int,
    day_of_the_week                 int,
    seasons                         int,
    transportation_expense          int,
    distance_from_residence_to_work int,
    service_time                    int,
    age                             int,
    work_load_average_per_day       float8,
    hit_target                      int,
    disciplinary_failure            int,
    education                       int,
    son                             int,
    social_drinker                  int,
    social_smoker                   int,
    pet                             int,
    weight                          int,
    height                          int,
    body_mass_index                 int,
    absenteeism_time_in_hours       int
);
INSERT INTO dq.absenteeism (id, reason_for_absence, month_of_absence, day_of_the_week, seasons,
    transportation_expense, distance_from_residence_to_work, service_time, age, work_load_average_per_day,
    hit_target, disciplinary_failure, education, son, social_drinker, social_smoker, pet, weight, height,
    body_mass_index, absenteeism_time_in_hours)
SELECT 1 + (g * 7) % 36, (g * 13) % 29, 1 + (g * 5) % 12, 2 + (g * 3) % 5, 1 + (g * 11) % 4,
       118 + (g * 37) % 271, 5 + (g * 17) % 48, 1 + (g * 19) % 29, 27 + (g * 23) % 32, 205.9 + (g * 31) % 173,
       81 + (g * 7) % 20, (g % 19 = 0)::int, 1 + (g * 29) % 4, (g * 3) % 5, (g * 41) % 2, (g % 13 = 0)::int,
       (g * 7) % 9 / 3, 56 + (g * 43) % 53, 163 + (g * 47) % 34, 19 + (g * 53) % 20, (g * 59) % 17
FROM generate_series(1, 740) AS g;

SELECT hamilton_register('dq');

-- data_loaders.raw_data__base: @config.when_not_in(execution=["dask", "spark"])
-- and @extract_columns: a frame keyed by row_id, whose columns are nodes.
SELECT hamilton_define('dq.raw_data', $$
    SELECT row_id, age, seasons, day_of_the_week, son, pet, month_of_absence, absenteeism_time_in_hours
    FROM dq.absenteeism$$,
    doc => 'Extracts the raw data, with column names that are valid node names, keyed by row.',
    key => ARRAY['row_id'], extract_columns => true,
    config_when => '{"execution": {"not": ["dask", "spark"]}}');

-- age_mean and age_std_dev: whole-column statistics, computed once, each a
-- node of its own (@extract_fields), checked as Hamilton checks them.
SELECT hamilton_define('dq.age_stats',
    'SELECT avg(age)::float8 AS age_mean, stddev_samp(age)::float8 AS age_std_dev FROM raw_data',
    doc => 'The mean and the (sample) standard deviation of age.');
SELECT * FROM hamilton_extract_fields('dq.age_stats');
SELECT hamilton_check('dq.age_mean', '[{"check": "range", "min": 20.0, "max": 60.0},
                                       {"check": "data_type", "type": "float8"}]');
SELECT hamilton_check('dq.age_std_dev', '[{"check": "range", "min": 0.0, "max": 40.0},
                                          {"check": "data_type", "type": "float8"}]');

CREATE FUNCTION dq.age_zero_mean(age int, age_mean float8) RETURNS float8
LANGUAGE sql IMMUTABLE RETURN age - age_mean;
COMMENT ON FUNCTION dq.age_zero_mean IS 'Zero mean of age';
SELECT hamilton_check('dq.age_zero_mean', '[{"check": "range", "min": -120.0, "max": 120.0},
    {"check": "data_type", "type": "float8"}, {"check": "not_null", "name": "allow_nans"}]');

CREATE FUNCTION dq.age_zero_mean_unit_variance(age_zero_mean float8, age_std_dev float8) RETURNS float8
LANGUAGE sql IMMUTABLE RETURN age_zero_mean / age_std_dev;
COMMENT ON FUNCTION dq.age_zero_mean_unit_variance IS 'Zero mean unit variance value of age';
SELECT hamilton_check('dq.age_zero_mean_unit_variance', '[{"check": "range", "min": -4.0, "max": 4.0},
    {"check": "data_type", "type": "float8"}, {"check": "not_null", "name": "allow_nans"}]');

-- seasons_encoded / day_of_week_encoded (pd.get_dummies) and the columns
-- pulled out of them: one function, one node per level (@parameterize with
-- source() and value()).
CREATE FUNCTION dq._one_hot(category int, level int) RETURNS boolean
LANGUAGE sql IMMUTABLE RETURN category = level;
COMMENT ON FUNCTION dq._one_hot IS 'Whether the category is {level} (one column of its one-hot encoding).';
SELECT * FROM hamilton_parameterize('dq._one_hot', '{
    "seasons_1": {"category": {"source": "seasons"}, "level": {"value": 1}},
    "seasons_2": {"category": {"source": "seasons"}, "level": {"value": 2}},
    "seasons_3": {"category": {"source": "seasons"}, "level": {"value": 3}},
    "seasons_4": {"category": {"source": "seasons"}, "level": {"value": 4}},
    "day_of_the_week_2": {"category": {"source": "day_of_the_week"}, "level": {"value": 2}},
    "day_of_the_week_3": {"category": {"source": "day_of_the_week"}, "level": {"value": 3}},
    "day_of_the_week_4": {"category": {"source": "day_of_the_week"}, "level": {"value": 4}},
    "day_of_the_week_5": {"category": {"source": "day_of_the_week"}, "level": {"value": 5}},
    "day_of_the_week_6": {"category": {"source": "day_of_the_week"}, "level": {"value": 6}}}');
SELECT hamilton_check(n, '[{"check": "data_type", "type": "boolean"},
                           {"check": "in", "values": [false, true]}, {"check": "not_null", "name": "allow_nans"}]')
FROM unnest(ARRAY['dq.seasons_1', 'dq.seasons_2', 'dq.seasons_3', 'dq.seasons_4', 'dq.day_of_the_week_2',
                  'dq.day_of_the_week_3', 'dq.day_of_the_week_4', 'dq.day_of_the_week_5',
                  'dq.day_of_the_week_6']) AS n;

CREATE FUNCTION dq.has_children(son int) RETURNS bigint LANGUAGE sql IMMUTABLE RETURN (son > 0)::int;
COMMENT ON FUNCTION dq.has_children IS 'Single variable that says whether someone has any children or not.';
CREATE FUNCTION dq.has_pet(pet int) RETURNS bigint LANGUAGE sql IMMUTABLE RETURN (pet > 0)::int;
COMMENT ON FUNCTION dq.has_pet IS 'Single variable that says whether someone has any pets or not.';
CREATE FUNCTION dq.is_summer(month_of_absence int) RETURNS bigint LANGUAGE sql IMMUTABLE
RETURN (month_of_absence IN (1, 2, 12))::int;
COMMENT ON FUNCTION dq.is_summer IS 'Is it summer in Brazil? i.e. months of December, January, February.';
SELECT hamilton_check(n, '[{"check": "data_type", "type": "int8"}, {"check": "in", "values": [0, 1]},
                           {"check": "not_null", "name": "allow_nans"}]')
FROM unnest(ARRAY['dq.has_children', 'dq.has_pet', 'dq.is_summer']) AS n;
