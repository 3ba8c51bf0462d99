-- Hamilton's hello_world (examples/hello_world.sql), column by column: the
-- values equal those Hamilton computes with pandas, whether the columns are
-- collected into one table (into_table) or each kept in its own table.
BEGIN;
SELECT plan(26);
\set QUIET on
SET client_min_messages = warning;
\o /dev/null
\i examples/hello_world.sql
\o
\set QUIET off

-- The dataflow.
SELECT set_eq($$SELECT node FROM hamilton.nodes WHERE module = 'hello'$$,
    ARRAY['hello.marketing', 'hello.spend', 'hello.signups', 'hello.avg_3wk_spend',
          'hello.spend_per_signup', 'hello.spend_mean', 'hello.spend_std_dev',
          'hello.spend_zero_mean', 'hello.spend_zero_mean_unit_variance'],
    'the module holds the frame, its two columns and the six functions of hello_world');
SELECT set_eq($$SELECT node FROM hamilton.nodes WHERE module = 'hello' AND kind = 'column' AND frame = 'hello.marketing'$$,
    ARRAY['hello.spend', 'hello.signups', 'hello.avg_3wk_spend', 'hello.spend_per_signup', 'hello.spend_mean',
          'hello.spend_std_dev', 'hello.spend_zero_mean', 'hello.spend_zero_mean_unit_variance'],
    'every node but the frame is a column of frame hello.marketing');
SELECT is((SELECT key FROM hamilton.nodes WHERE node = 'hello.marketing'), ARRAY['week'],
    'the frame is keyed by week');
SELECT set_eq($$SELECT upstream FROM hamilton.edges WHERE downstream = 'hello.spend_zero_mean_unit_variance'$$,
    ARRAY['hello.spend_zero_mean', 'hello.spend_std_dev'],
    'spend_zero_mean_unit_variance reads spend_zero_mean and spend_std_dev');
SELECT is((SELECT count(*)::int FROM hamilton_validate(ARRAY['spend_zero_mean_unit_variance'])), 0,
    'the example validates');

-- One query computes every requested column.
SELECT is((SELECT count(*)::int FROM regexp_matches(
              hamilton_explain(ARRAY['spend', 'signups', 'avg_3wk_spend', 'spend_per_signup', 'spend_mean',
                                     'spend_zero_mean', 'spend_std_dev', 'spend_zero_mean_unit_variance'],
                               into_table => 'hello.df'), '-- one query', 'g')), 1,
    'explain: the requested columns compile into one query');

-- into_table: one table, the key then the columns in request order.
SELECT results_eq(
    $$SELECT node, relation, status FROM hamilton_execute(
        ARRAY['spend', 'signups', 'avg_3wk_spend', 'spend_per_signup', 'spend_mean',
              'spend_zero_mean', 'spend_std_dev', 'spend_zero_mean_unit_variance'],
        into_table => 'hello.df') WHERE kind = 'column' AND status = 'materialized' ORDER BY node$$,
    $$VALUES ('hello.avg_3wk_spend', 'hello.df', 'materialized'), ('hello.signups', 'hello.df', 'materialized'),
             ('hello.spend', 'hello.df', 'materialized'), ('hello.spend_mean', 'hello.df', 'materialized'),
             ('hello.spend_per_signup', 'hello.df', 'materialized'), ('hello.spend_std_dev', 'hello.df', 'materialized'),
             ('hello.spend_zero_mean', 'hello.df', 'materialized'),
             ('hello.spend_zero_mean_unit_variance', 'hello.df', 'materialized')$$,
    'into_table: every requested column is materialized into hello.df');
SELECT columns_are('hello', 'df',
    ARRAY['week', 'spend', 'signups', 'avg_3wk_spend', 'spend_per_signup', 'spend_mean',
          'spend_zero_mean', 'spend_std_dev', 'spend_zero_mean_unit_variance'],
    'hello.df: the key, then the columns');
SELECT is(ARRAY(SELECT attname::text COLLATE "default" FROM pg_attribute
                WHERE attrelid = 'hello.df'::regclass AND attnum > 0 ORDER BY attnum),
    ARRAY['week', 'spend', 'signups', 'avg_3wk_spend', 'spend_per_signup', 'spend_mean',
          'spend_zero_mean', 'spend_std_dev', 'spend_zero_mean_unit_variance'],
    'hello.df: columns in request order');
SELECT results_eq($$SELECT week, spend, signups FROM hello.df ORDER BY week$$,
    $$VALUES (1, 10::float8, 1::float8), (2, 10, 10), (3, 20, 50), (4, 40, 100), (5, 40, 200), (6, 50, 400)$$,
    'into_table: spend and signups');
SELECT results_eq($$SELECT week, round(avg_3wk_spend::numeric, 6) FROM hello.df ORDER BY week$$,
    $$VALUES (1, NULL::numeric), (2, NULL), (3, 13.333333), (4, 23.333333), (5, 33.333333), (6, 43.333333)$$,
    'into_table: avg_3wk_spend (undefined for the first two weeks)');
SELECT results_eq($$SELECT week, round(spend_per_signup::numeric, 6) FROM hello.df ORDER BY week$$,
    $$VALUES (1, 10.000000), (2, 1.000000), (3, 0.400000), (4, 0.400000), (5, 0.200000), (6, 0.125000)$$,
    'into_table: spend_per_signup');
SELECT results_eq($$SELECT DISTINCT round(spend_mean::numeric, 6) FROM hello.df$$,
    $$VALUES (28.333333)$$,
    'into_table: spend_mean, one value broadcast to every row');
SELECT results_eq($$SELECT week, round(spend_zero_mean::numeric, 6) FROM hello.df ORDER BY week$$,
    $$VALUES (1, -18.333333), (2, -18.333333), (3, -8.333333), (4, 11.666667), (5, 11.666667), (6, 21.666667)$$,
    'into_table: spend_zero_mean');
SELECT results_eq($$SELECT DISTINCT round(spend_std_dev::numeric, 6) FROM hello.df$$,
    $$VALUES (17.224014)$$,
    'into_table: spend_std_dev (sample standard deviation, as pandas)');
SELECT results_eq($$SELECT week, round(spend_zero_mean_unit_variance::numeric, 6) FROM hello.df ORDER BY week$$,
    $$VALUES (1, -1.064405), (2, -1.064405), (3, -0.483821), (4, 0.677349), (5, 0.677349), (6, 1.257934)$$,
    'into_table: spend_zero_mean_unit_variance');

-- Without into_table: each requested column in its own table (key + column).
SELECT lives_ok($$SELECT * FROM hamilton_execute(
        ARRAY['avg_3wk_spend', 'spend_per_signup', 'spend_mean', 'spend_zero_mean', 'spend_std_dev',
              'spend_zero_mean_unit_variance'])$$,
    'per-column tables: the run succeeds');
SELECT columns_are('hello', 'spend_zero_mean_unit_variance', ARRAY['week', 'spend_zero_mean_unit_variance'],
    'a per-column table holds the key and the column');
SELECT results_eq($$SELECT week, round(avg_3wk_spend::numeric, 6) FROM hello.avg_3wk_spend ORDER BY week$$,
    $$VALUES (1, NULL::numeric), (2, NULL), (3, 13.333333), (4, 23.333333), (5, 33.333333), (6, 43.333333)$$,
    'hello.avg_3wk_spend');
SELECT results_eq($$SELECT week, round(spend_per_signup::numeric, 6) FROM hello.spend_per_signup ORDER BY week$$,
    $$VALUES (1, 10.000000), (2, 1.000000), (3, 0.400000), (4, 0.400000), (5, 0.200000), (6, 0.125000)$$,
    'hello.spend_per_signup');
SELECT results_eq($$SELECT week, round(spend_mean::numeric, 6) FROM hello.spend_mean ORDER BY week$$,
    $$SELECT w, 28.333333 FROM generate_series(1, 6) AS w$$,
    'hello.spend_mean');
SELECT results_eq($$SELECT week, round(spend_zero_mean::numeric, 6) FROM hello.spend_zero_mean ORDER BY week$$,
    $$VALUES (1, -18.333333), (2, -18.333333), (3, -8.333333), (4, 11.666667), (5, 11.666667), (6, 21.666667)$$,
    'hello.spend_zero_mean');
SELECT results_eq($$SELECT week, round(spend_std_dev::numeric, 6) FROM hello.spend_std_dev ORDER BY week$$,
    $$SELECT w, 17.224014 FROM generate_series(1, 6) AS w$$,
    'hello.spend_std_dev');
SELECT results_eq($$SELECT week, round(spend_zero_mean_unit_variance::numeric, 6) FROM hello.spend_zero_mean_unit_variance ORDER BY week$$,
    $$VALUES (1, -1.064405), (2, -1.064405), (3, -0.483821), (4, 0.677349), (5, 0.677349), (6, 1.257934)$$,
    'hello.spend_zero_mean_unit_variance');
-- The two ways agree to the last bit.
SELECT is_empty($$SELECT week, spend_zero_mean_unit_variance FROM hello.df
                  EXCEPT SELECT week, spend_zero_mean_unit_variance FROM hello.spend_zero_mean_unit_variance$$,
    'into_table and per-column tables hold the same values');
SELECT is((SELECT sources FROM hamilton.lineage WHERE relation = 'hello.df'::regclass), ARRAY['hello.marketing_data'],
    'lineage: hello.df comes from the marketing data');

SELECT * FROM finish();
ROLLBACK;
