-- Hamilton's @subdag / @parameterized_subdag inside PostgreSQL: one module
-- of features, made again for each region from its own source, with names
-- like us.spend_per_signup.  Run it with:
--   SELECT * FROM hamilton_execute(ARRAY['us.spend_per_signup', 'eu.spend_per_signup',
--                                        'us.budget_share', 'eu.budget_share']);
CREATE SCHEMA regions_raw;

-- Each region's data, in a table of its own.
CREATE TABLE regions_raw.us_marketing (week int, spend float8, signups float8);
INSERT INTO regions_raw.us_marketing VALUES (1, 10, 1), (2, 10, 10), (3, 20, 50), (4, 40, 100);
CREATE TABLE regions_raw.eu_marketing (week int, spend float8, signups float8);
INSERT INTO regions_raw.eu_marketing VALUES (1, 8, 2), (2, 12, 4), (3, 12, 6), (4, 30, 10);

-- The features, written once: "marketing" and "budget" are inputs, and the
-- exchange rate is chosen by config (@config.when).
CREATE SCHEMA features;
SELECT hamilton_register('features');
SELECT hamilton_define('features.weekly',
    'SELECT week, sum(spend) AS spend, sum(signups) AS signups FROM marketing GROUP BY week',
    doc => 'Spend and signups per week.',
    checks => '[{"check": "not_null", "column": "spend", "severity": "fail"}]');
SELECT hamilton_define('features.to_usd', 'SELECT 1.0::float8 AS to_usd', config_when => '{"region": "us"}');
SELECT hamilton_define('features.to_usd', 'SELECT 1.08::float8 AS to_usd', config_when => '{"region": "eu"}');
SELECT hamilton_define('features.spend_per_signup',
    'SELECT week, spend * to_usd / signups AS spend_per_signup FROM weekly, to_usd',
    doc => 'The cost per signup, in dollars.');
CREATE FUNCTION features.total_spend(weekly regclass) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE total float8;
BEGIN
    EXECUTE format('SELECT sum(spend) FROM %s', weekly) INTO total;
    RETURN total;
END $$;
CREATE FUNCTION features.budget_share(total_spend float8, budget float8) RETURNS float8
LANGUAGE sql IMMUTABLE RETURN total_spend / budget;
COMMENT ON FUNCTION features.budget_share IS 'The share of the budget spent.';

-- The same features for us and for eu, each from its own source, with its
-- own budget and config: schemas "us" and "eu" are made and registered.
SELECT hamilton_parameterized_subdag('features', '{
    "us": {"inputs": {"marketing": {"source": "regions_raw.us_marketing"}, "budget": {"value": 100}},
           "config": {"region": "us"}},
    "eu": {"inputs": {"marketing": {"source": "regions_raw.eu_marketing"}, "budget": {"value": 80}},
           "config": {"region": "eu"}}}');
