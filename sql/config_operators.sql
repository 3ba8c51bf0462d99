-- Config operators (Hamilton's @config.when_in, when_not, when_not_in):
-- in config_when, a list means "one of", {"not": v} "anything but v",
-- {"not": [..]} "none of".  A key config lacks is no value (Hamilton's
-- None): "not" and "not in" match it, a value and a list do not.
SELECT coalesce(max(run_id), 0) AS first_run FROM hamilton.runs \gset
CREATE SCHEMA co;
CREATE TABLE co.sales (id int PRIMARY KEY, region text, amount numeric);
INSERT INTO co.sales VALUES (1, 'eu', 10), (2, 'us', 20), (3, 'apac', 40), (4, 'latam', 80);
SELECT hamilton_register('co');

-- SQL table nodes: one variant for a list, one for the rest.
SELECT hamilton_define('co.selected', $$SELECT * FROM co.sales WHERE region IN ('eu', 'us')$$,
    config_when => '{"region": ["eu", "us"]}');
SELECT hamilton_define('co.selected', $$SELECT * FROM co.sales WHERE region NOT IN ('eu', 'us')$$,
    config_when => '{"region": {"not": ["eu", "us"]}}');
SELECT hamilton_define('co.total', 'SELECT sum(amount) AS total FROM co.selected');
SELECT node, config_when FROM hamilton.nodes WHERE node = 'co.selected' ORDER BY config_when::text;
-- "in": either value of the list chooses the first variant (an intermediate here).
SELECT node, status FROM hamilton_execute(ARRAY['total'], config => '{"region": "us"}');
TABLE co.total;
-- "not in": any other value, and no value at all, choose the second.
SELECT node, status FROM hamilton_execute(ARRAY['total'], config => '{"region": "apac"}');
TABLE co.total;
SELECT node, status FROM hamilton_execute(ARRAY['total']);
TABLE co.total;
SELECT config FROM hamilton.runs WHERE run_id > :first_run ORDER BY run_id;

-- Values compare as written, in lists too: "1" is not 1, 1.0 is not 1.
SELECT hamilton_define('co.level', 'SELECT 1 AS level', config_when => '{"tier": [1, 2]}');
SELECT hamilton_define('co.level', 'SELECT 9 AS level', config_when => '{"tier": {"not": [1, 2]}}');
SELECT node, status FROM hamilton_execute(ARRAY['level'], config => '{"tier": 2}');
TABLE co.level;
SELECT node, status FROM hamilton_execute(ARRAY['level'], config => '{"tier": "2"}');
TABLE co.level;
SELECT node, status FROM hamilton_execute(ARRAY['level'], config => '{"tier": 1.0}');
TABLE co.level;

-- Column nodes of a frame, and a scalar function's variants (hamilton_when).
SELECT hamilton_define('co.frame', 'SELECT id, amount FROM co.sales', key => ARRAY['id'], extract_columns => true);
SELECT hamilton_define('co.adjusted', 'amount * 2', config_when => '{"mode": {"not": "raw"}}');
SELECT hamilton_define('co.adjusted', 'amount', config_when => '{"mode": "raw"}');
CREATE FUNCTION co.rate__low() RETURNS numeric LANGUAGE sql RETURN 0.1;
CREATE FUNCTION co.rate__high() RETURNS numeric LANGUAGE sql RETURN 0.5;
CREATE FUNCTION co.taxed(adjusted numeric, rate numeric) RETURNS numeric LANGUAGE sql RETURN adjusted * rate;
SELECT hamilton_when('co.rate__low', '{"band": {"not": ["b", "c"]}}');
SELECT hamilton_when('co.rate__high', '{"band": ["b", "c"]}');
SELECT node, config_when FROM hamilton.nodes WHERE node IN ('co.adjusted', 'co.rate') ORDER BY 1, 2::text;
SELECT node, status FROM hamilton_execute(ARRAY['taxed'], config => '{"mode": "raw", "band": "c"}');
SELECT * FROM co.taxed ORDER BY id;
SELECT node, status FROM hamilton_execute(ARRAY['taxed'], config => '{"band": "a"}');
SELECT * FROM co.taxed ORDER BY id;
-- explain chooses the same variants.
SELECT hamilton_explain(ARRAY['rate'], config => '{"band": "b"}') LIKE '%rate__high%' AS explain_high,
       hamilton_explain(ARRAY['rate'], config => '{"band": "a"}') LIKE '%rate__low%' AS explain_low;

-- Two conditions on several keys: every key must match.
SELECT hamilton_define('co.pick', 'SELECT 1 AS pick', config_when => '{"region": ["eu", "us"], "mode": {"not": "raw"}}');
SELECT hamilton_define('co.pick', 'SELECT 2 AS pick', config_when => '{"mode": "raw"}');
SELECT node, status FROM hamilton_execute(ARRAY['pick'], config => '{"region": "eu"}');
TABLE co.pick;
-- No variant matches: no_variant, which lists the variants.
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['pick'], config => '{"region": "apac"}')$$);
SELECT problem, node, detail FROM hamilton_validate(ARRAY['pick'], config => '{"region": "apac"}');
-- Overlapping conditions: the node is defined twice.
SELECT hamilton_define('co.pick', 'SELECT 3 AS pick', config_when => '{"region": {"not": "eu"}}');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['pick'], config => '{"region": "us"}')$$);
SELECT hamilton_drop('co.pick');

-- A frame whose variants do not match: its columns' consumers learn why
-- (no_variant), not that a column is a missing input.
SELECT hamilton_define('co.region_frame', $$SELECT id, amount AS region_amount FROM co.sales WHERE region = 'eu'$$,
    key => ARRAY['id'], extract_columns => true, config_when => '{"region": "eu"}');
SELECT hamilton_define('co.region_frame', $$SELECT id, amount AS region_amount FROM co.sales WHERE region <> 'eu'$$,
    key => ARRAY['id'], extract_columns => true, config_when => '{"region": ["us", "apac"]}');
SELECT hamilton_define('co.doubled_region', 'region_amount * 2');
SELECT node, status FROM hamilton_execute(ARRAY['doubled_region'], config => '{"region": "apac"}');
SELECT * FROM co.doubled_region ORDER BY id;
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['doubled_region'], config => '{"region": "latam"}')$$);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['region_amount'], config => '{"region": "latam"}')$$);
SELECT problem, node FROM hamilton_validate(ARRAY['doubled_region'], config => '{"region": "latam"}');
SELECT try_sql($$SELECT hamilton_dot(ARRAY['doubled_region'], config => '{"region": "latam"}')$$);
-- The earlier result is intact.
SELECT * FROM co.doubled_region ORDER BY id;

-- Refusals, for SQL nodes and functions alike; nothing is stored.
SELECT count(*) AS variants_before FROM hamilton.nodes WHERE module = 'co' \gset
SELECT try_sql($$SELECT hamilton_define('co.bad', 'SELECT 1 AS bad', config_when => '{"region": []}')$$);
SELECT try_sql($$SELECT hamilton_define('co.bad', 'SELECT 1 AS bad', config_when => '{"region": ["eu", null]}')$$);
SELECT try_sql($$SELECT hamilton_define('co.bad', 'SELECT 1 AS bad', config_when => '{"region": ["eu", ["us"]]}')$$);
SELECT try_sql($$SELECT hamilton_define('co.bad', 'SELECT 1 AS bad', config_when => '{"region": {"not": null}}')$$);
SELECT try_sql($$SELECT hamilton_define('co.bad', 'SELECT 1 AS bad', config_when => '{"region": {"not": []}}')$$);
SELECT try_sql($$SELECT hamilton_define('co.bad', 'SELECT 1 AS bad', config_when => '{"region": {"not": {"not": "eu"}}}')$$);
SELECT try_sql($$SELECT hamilton_define('co.bad', 'SELECT 1 AS bad', config_when => '{"region": {"in": ["eu"]}}')$$);
SELECT try_sql($$SELECT hamilton_define('co.bad', 'SELECT 1 AS bad', config_when => '{"region": {"not": "eu", "x": 1}}')$$);
SELECT try_sql($$SELECT hamilton_when('co.rate__low', '{"band": {"not": [["a"]]}}')$$);
SELECT count(*) = :variants_before AS nothing_stored FROM hamilton.nodes WHERE module = 'co';
SELECT config_when FROM hamilton.nodes WHERE node = 'co.rate' ORDER BY 1::text;

SELECT drop_module('co');
