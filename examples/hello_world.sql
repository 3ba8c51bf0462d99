-- Hamilton's hello_world dataflow, column by column, inside PostgreSQL.
-- https://github.com/dagworks-inc/hamilton/tree/main/examples/hello_world
--
-- In Hamilton each function is one column of a pandas DataFrame; here each
-- is a column node of the frame hello.marketing.  Run it with:
--   SELECT * FROM hamilton_execute(ARRAY['spend', 'signups', 'avg_3wk_spend',
--     'spend_per_signup', 'spend_zero_mean_unit_variance'], into_table => 'hello.df');
CREATE SCHEMA hello;

-- The data Hamilton's example loads.
CREATE TABLE hello.marketing_data (
    week    int PRIMARY KEY,
    spend   float8 NOT NULL,
    signups float8 NOT NULL
);
INSERT INTO hello.marketing_data VALUES
    (1, 10, 1), (2, 10, 10), (3, 20, 50), (4, 40, 100), (5, 40, 200), (6, 50, 400);

SELECT hamilton_register('hello');

-- The frame: its columns spend and signups become nodes (@extract_columns).
SELECT hamilton_define('hello.marketing',
    'SELECT week, spend, signups FROM hello.marketing_data',
    doc => 'Weekly marketing spend and signups.',
    key => ARRAY['week'], extract_columns => true);

-- spend.rolling(3).mean(): undefined until three weeks are there.
SELECT hamilton_define('hello.avg_3wk_spend',
    'CASE WHEN count(spend) OVER (ORDER BY week ROWS 2 PRECEDING) = 3
          THEN avg(spend) OVER (ORDER BY week ROWS 2 PRECEDING) END',
    doc => 'Rolling 3 week average spend.');

CREATE FUNCTION hello.spend_per_signup(spend float8, signups float8) RETURNS float8
LANGUAGE sql IMMUTABLE RETURN spend / signups;
COMMENT ON FUNCTION hello.spend_per_signup IS 'The cost per signup in relation to spend.';

-- spend.mean() and spend.std(): whole-frame statistics, broadcast to every row.
SELECT hamilton_define('hello.spend_mean', 'avg(spend) OVER ()',
    doc => 'Shows function creating a scalar. In this case it computes the mean of the entire column.');
SELECT hamilton_define('hello.spend_std_dev', 'stddev_samp(spend) OVER ()',
    doc => 'Computes the standard deviation of the spend column.');

CREATE FUNCTION hello.spend_zero_mean(spend float8, spend_mean float8) RETURNS float8
LANGUAGE sql IMMUTABLE RETURN spend - spend_mean;
COMMENT ON FUNCTION hello.spend_zero_mean IS 'Shows function that takes a scalar. In this case to zero mean spend.';

CREATE FUNCTION hello.spend_zero_mean_unit_variance(spend_zero_mean float8, spend_std_dev float8)
RETURNS float8 LANGUAGE sql IMMUTABLE RETURN spend_zero_mean / spend_std_dev;
COMMENT ON FUNCTION hello.spend_zero_mean_unit_variance IS 'Function showing one way to make spend have zero mean and unit variance.';
