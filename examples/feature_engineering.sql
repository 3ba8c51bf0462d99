-- Hamilton's feature_engineering example (examples/feature_engineering,
-- scenario_1: the offline ETL), inside PostgreSQL: offline_loader.raw_data
-- loads the absenteeism data, renames its columns (_sanitize_columns) and
-- indexes it by "ID-Month-Day"; features.py turns it into the features of
-- named_model_feature_sets.model_x_features; etl.py executes them, with
-- age_mean and age_std_dev, into one DataFrame.
-- https://github.com/dagworks-inc/hamilton/tree/main/examples/feature_engineering/scenario_1
--
-- Hamilton reads Absenteeism_at_work.csv (UCI, ';'-separated, its header as
-- written below).  This script makes 740 rows of the same columns
-- deterministically, so that it runs anywhere; to use the real file, after
-- this script:
--   TRUNCATE fe.absenteeism_csv;
--   \copy fe.absenteeism_csv FROM 'Absenteeism_at_work.csv' WITH (FORMAT csv, DELIMITER ';', HEADER)
-- In the real file the same employee may be absent twice in one month on
-- the same weekday, so "ID-Month-Day" is not always one row: pandas keeps
-- both rows under one index label (and would pair them in a cross product
-- when it aligns them with another series); pg_hamilton refuses the run
-- with SQLSTATE 23505 and names the key.  Add a row number to the key then.
--
-- Run it as etl.py does:
--   SELECT * FROM hamilton_execute(ARRAY['is_summer', 'has_pet', 'has_children',
--     'day_of_the_week_2', 'day_of_the_week_3', 'day_of_the_week_4', 'day_of_the_week_5',
--     'day_of_the_week_6', 'age_zero_mean_unit_variance', 'age_mean', 'age_std_dev'],
--     into_table => 'fe.features');
-- or from the shell:
--   hamilton run is_summer has_pet ... age_mean age_std_dev --modules fe --into-table fe.features
CREATE SCHEMA fe;

-- The file as Hamilton's pd.read_csv sees it: the header's names.
CREATE TABLE fe.absenteeism_csv (
    "ID" int, "Reason for absence" int, "Month of absence" int, "Day of the week" int, "Seasons" int,
    "Transportation expense" int, "Distance from Residence to Work" int, "Service time" int, "Age" int,
    "Work load Average/day " float8, "Hit target" int, "Disciplinary failure" int, "Education" int,
    "Son" int, "Social drinker" int, "Social smoker" int, "Pet" int, "Weight" int, "Height" int,
    "Body mass index" int, "Absenteeism time in hours" int);
-- 740 absences, each (employee, month, weekday) once: employee e of
-- 36, month m, weekday w; the other columns vary with the row number r.
INSERT INTO fe.absenteeism_csv
SELECT e, r % 28, m, w, 1 + (m % 12) / 3, 150 + r * 11 % 240, 10 + r * 5 % 40, 2 + r * 3 % 25,
       28 + (e * 7 + r) % 30, 230.5 + r * 13 % 150, 85 + r % 15, (r % 23 = 0)::int, 1 + r % 4,
       r * 7 % 4, r % 2, (r % 17 = 0)::int, r * 5 % 8 / 4, 60 + r * 17 % 45, 165 + r * 19 % 30,
       20 + r * 23 % 18, r * 29 % 24
FROM (SELECT g AS r, 1 + (g - 1) % 36 AS e, 1 + ((g - 1) / 36) % 12 AS m, 2 + ((g - 1) / 432) % 5 AS w
      FROM generate_series(1, 740) AS g) AS rows;

SELECT hamilton_register('fe');

-- offline_loader.raw_data: the file with valid node names
-- (_sanitize_columns: "/" becomes "_per_", " " becomes "_", lower case).
SELECT hamilton_define('fe.loaded', $$
    SELECT "ID" AS id, "Reason for absence" AS reason_for_absence, "Month of absence" AS month_of_absence,
           "Day of the week" AS day_of_the_week, "Seasons" AS seasons,
           "Transportation expense" AS transportation_expense,
           "Distance from Residence to Work" AS distance_from_residence_to_work,
           "Service time" AS service_time, "Age" AS age, "Work load Average/day " AS work_load_average_per_day,
           "Hit target" AS hit_target, "Disciplinary failure" AS disciplinary_failure, "Education" AS education,
           "Son" AS son, "Social drinker" AS social_drinker, "Social smoker" AS social_smoker, "Pet" AS pet,
           "Weight" AS weight, "Height" AS height, "Body mass index" AS body_mass_index,
           "Absenteeism time in hours" AS absenteeism_time_in_hours
    FROM fe.absenteeism_csv$$,
    doc => 'Extracts the raw data, renames the columns to be valid node names.');

-- ... with its index "ID-Month-Day" and @extract_columns(*data_columns): a
-- frame keyed by that index, whose columns are nodes.  It reads the node
-- fe.loaded, which has never run: the frame's columns come from
-- fe.loaded's definition.
SELECT hamilton_define('fe.raw_data', $$
    SELECT id || '-' || month_of_absence || '-' || day_of_the_week AS index, id, reason_for_absence,
           month_of_absence, day_of_the_week, seasons, transportation_expense, distance_from_residence_to_work,
           service_time, age, work_load_average_per_day, hit_target, disciplinary_failure, education, son,
           social_drinker, social_smoker, pet, weight, height, body_mass_index, absenteeism_time_in_hours
    FROM loaded$$,
    doc => 'The raw data, indexed by ID-Month-Day.',
    key => ARRAY['index'], extract_columns => true);

-- features.age_mean and age_std_dev: whole-frame statistics (age.mean(),
-- age.std(), a sample standard deviation), tagged as Hamilton tags them
-- (@tag(inject_at_inference_time="True")) and checked
-- (@check_output(range=..., data_type=float)).
SELECT hamilton_define('fe.age_mean', 'avg(age::float8) OVER ()', doc => 'Average of age',
    tags => '{"inject_at_inference_time": "True"}',
    checks => '[{"check": "range", "min": 20.0, "max": 60.0}, {"check": "data_type", "type": "float8"}]');
SELECT hamilton_define('fe.age_std_dev', 'stddev_samp(age::float8) OVER ()', doc => 'Standard deviation of age.',
    tags => '{"inject_at_inference_time": "True"}',
    checks => '[{"check": "range", "min": 0.0, "max": 40.0}, {"check": "data_type", "type": "float8"}]');

-- age_zero_mean and age_zero_mean_unit_variance, with their pandera
-- schemas (a float, in range, not nullable): column expressions of the
-- statistics above.
SELECT hamilton_define('fe.age_zero_mean', 'age - age_mean', doc => 'Zero mean of age',
    checks => '[{"check": "range", "min": -120.0, "max": 120.0}, {"check": "data_type", "type": "float8"},
                {"check": "not_null", "name": "allow_nans"}]');
SELECT hamilton_define('fe.age_zero_mean_unit_variance', 'age_zero_mean / age_std_dev',
    doc => 'Zero mean unit variance value of age',
    checks => '[{"check": "range", "min": -4.0, "max": 4.0}, {"check": "data_type", "type": "float8"},
                {"check": "not_null", "name": "allow_nans"}]');

-- seasons_encoded and day_of_week_encoded: pd.get_dummies of one column,
-- a DataFrame on raw_data's index whose columns are pulled out
-- (@extract_columns(..., fill_with=0)): a frame over the frame raw_data
-- (which has not run either), keyed by the same index, one 0/1 column per
-- level.  A node (or an into_table) reading columns of raw_data and of
-- these frames gets them joined on the index, as pandas aligns them.
SELECT hamilton_define('fe.seasons_encoded',
    'SELECT index, ' || string_agg(format('(seasons = %s)::int AS seasons_%s', s, s), ', ' ORDER BY s)
    || ' FROM raw_data',
    doc => 'One hot encodes seasons into 4 dimensions: 1 - first season ... 4 - fourth season.',
    key => ARRAY['index'], extract_columns => true)
FROM generate_series(1, 4) AS s;
SELECT hamilton_define('fe.day_of_week_encoded',
    'SELECT index, ' || string_agg(format('(day_of_the_week = %s)::int AS day_of_the_week_%s', d, d), ', ' ORDER BY d)
    || ' FROM raw_data',
    doc => 'One hot encodes day of week into five dimensions -- Saturday & Sunday weren''t present. 1 - Sunday, 2 - Monday, ... 7 - Saturday.',
    key => ARRAY['index'], extract_columns => true)
FROM generate_series(2, 6) AS d;

-- has_children, has_pet, is_summer, with their schemas (0 or 1, not
-- null): the same checks on each, given with its definition.
SELECT hamilton_define('fe.' || f.name, f.expr, doc => f.doc,
    checks => '[{"check": "data_type", "type": "int4"}, {"check": "in", "values": [0, 1]},
                {"check": "not_null", "name": "allow_nans"}]')
FROM (VALUES
    ('has_children', '(son > 0)::int', 'Single variable that says whether someone has any children or not.'),
    ('has_pet', '(pet > 0)::int', 'Single variable that says whether someone has any pets or not.'),
    ('is_summer', '(month_of_absence IN (1, 2, 12))::int',
     'Is it summer in Brazil? i.e. months of December, January, February.')) AS f (name, expr, doc);

-- named_model_feature_sets.model_x_features, kept in SQL as in code.
CREATE FUNCTION fe._model_x_features() RETURNS text[] LANGUAGE sql IMMUTABLE
RETURN ARRAY['is_summer', 'has_pet', 'has_children', 'day_of_the_week_2', 'day_of_the_week_3',
             'day_of_the_week_4', 'day_of_the_week_5', 'day_of_the_week_6', 'age_zero_mean_unit_variance'];
COMMENT ON FUNCTION fe._model_x_features IS 'The features model x is trained on (a name starting with _ is no node).';

