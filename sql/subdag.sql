-- hamilton_subdag and hamilton_parameterized_subdag (Hamilton's @subdag and
-- @parameterized_subdag): a module's dataflow made again under a namespace
-- (a schema of its own), its inputs bound to a source (a table node or a
-- table) or a value, its variants chosen by its own config.
SELECT setval('hamilton.run_id_seq', 102000) > 0 AS ok;
CREATE SCHEMA sd_raw;
CREATE TABLE sd_raw.us_marketing (week int, spend float8, signups float8);
INSERT INTO sd_raw.us_marketing VALUES (1, 10, 2), (1, 20, 3), (2, 20, 5);
CREATE TABLE sd_raw.eu_marketing (week int, spend float8, signups float8);
INSERT INTO sd_raw.eu_marketing VALUES (1, 7, 1), (2, 9, 3);

-- The template: SQL nodes (one with a check, a tag and materialize => table),
-- SQL variants, function variants and scalar functions; marketing and
-- budget are its inputs.
CREATE SCHEMA sd_feat;
SELECT hamilton_register('sd_feat');
SELECT hamilton_define('sd_feat.weekly',
       'SELECT week, sum(spend) AS spend, sum(signups) AS signups FROM marketing GROUP BY week',
       doc => 'spend and signups per week', materialize => 'table',
       checks => '[{"check": "not_null", "column": "spend", "severity": "fail"}]', tags => '{"owner": "growth"}');
SELECT hamilton_define('sd_feat.spend_per_signup',
       'SELECT week, spend / signups * fx AS spend_per_signup FROM weekly, fx');
SELECT hamilton_define('sd_feat.fx', 'SELECT 1.0::float8 AS fx', config_when => '{"region": "us"}');
SELECT hamilton_define('sd_feat.fx', 'SELECT 1.1::float8 AS fx', config_when => '{"region": "eu"}');
CREATE FUNCTION sd_feat.total_spend(weekly regclass) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE r float8;
BEGIN
    EXECUTE format('SELECT sum(spend) FROM %s', weekly) INTO r;
    RETURN r;
END $$;
CREATE FUNCTION sd_feat.budget_share(total_spend float8, budget float8) RETURNS float8
    LANGUAGE sql RETURN total_spend / budget;
-- a function variant per region, and one decided by the run's config (tier)
CREATE FUNCTION sd_feat.label__us() RETURNS text LANGUAGE sql RETURN 'United States';
CREATE FUNCTION sd_feat.label__eu() RETURNS text LANGUAGE sql RETURN 'Europe';
SELECT hamilton_when('sd_feat.label__us', '{"region": "us"}');
SELECT hamilton_when('sd_feat.label__eu', '{"region": "eu", "tier": "gold"}');

-- One subdag, and another by parameterized_subdag.
SELECT hamilton_subdag('us', 'sd_feat',
       inputs => '{"marketing": {"source": "sd_raw.us_marketing"}, "budget": {"value": 100}}',
       config => '{"region": "us"}');
SELECT hamilton_parameterized_subdag('sd_feat',
       '{"eu": {"inputs": {"marketing": {"source": "sd_raw.eu_marketing"}, "budget": {"value": 50}},
                "config": {"region": "eu"}}}');
SELECT namespace, module, inputs, config, outputs, nodes, stale FROM hamilton.subdags ORDER BY 1;
-- Real nodes, with where they came from (tags subdag, subdag_template,
-- subdag_input), their checks, materialize, doc; the variants config
-- decided are plain nodes, the one left to the run keeps its condition.
SELECT node, kind, type, doc, tags, materialize, config_when, checks
FROM hamilton.nodes WHERE module IN ('us', 'eu') ORDER BY 1;
SELECT upstream, downstream, via FROM hamilton.edges WHERE downstream LIKE 'us.%' ORDER BY 2, 1;
SELECT hamilton_dot(ARRAY['us.spend_per_signup']) LIKE '%"us.spend_per_signup"%' AS in_dot;

-- Runnable by their names; each reads its own source and config.
SELECT node, status FROM hamilton_execute(ARRAY['us.spend_per_signup', 'us.budget_share', 'us.label',
                                                'eu.spend_per_signup', 'eu.budget_share']);
TABLE us.spend_per_signup;
TABLE eu.spend_per_signup;
SELECT (TABLE us.budget_share) AS us_share, (TABLE eu.budget_share) AS eu_share, (TABLE us.label) AS us_label;
-- materialize => table carried over: weekly is kept as a table
SELECT count(*) AS weekly_rows FROM us.weekly;
-- lineage names the subdag's nodes and its source
SELECT node, upstream, sources FROM hamilton.lineage WHERE node IN ('us.weekly', 'us.spend_per_signup') ORDER BY 1;
-- eu.label needs the run's tier
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['eu.label'])$$);
SELECT node, status FROM hamilton_execute(ARRAY['eu.label'], config => '{"tier": "gold"}');
TABLE eu.label;
-- The check acts: a NULL spend in eu's source fails eu.weekly, not us's.
INSERT INTO sd_raw.eu_marketing VALUES (3, NULL, 1);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['eu.spend_per_signup'])$$);
SELECT node, status FROM hamilton_execute(ARRAY['us.spend_per_signup']);
DELETE FROM sd_raw.eu_marketing WHERE week = 3;

-- Redefining the template makes its subdags stale: runs that need their
-- nodes are refused (55000) until the subdag is made again.
SELECT hamilton_define('sd_feat.spend_per_signup',
       'SELECT week, round((spend / signups * fx)::numeric, 2) AS spend_per_signup FROM weekly, fx');
SELECT namespace, stale FROM hamilton.subdags ORDER BY 1;
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['us.spend_per_signup'])$$);
SELECT problem, node FROM hamilton_validate(ARRAY['eu.budget_share']) ORDER BY node;
SELECT hamilton_refresh_subdag('us');
SELECT node, status FROM hamilton_execute(ARRAY['us.spend_per_signup']);
TABLE us.spend_per_signup;
-- a function added to the module, or a node dropped from it, too; the
-- module's functions cannot be dropped while a subdag's nodes call them
CREATE FUNCTION sd_feat.signups_total(weekly regclass) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE r float8;
BEGIN
    EXECUTE format('SELECT sum(signups) FROM %s', weekly) INTO r;
    RETURN r;
END $$;
SELECT hamilton_define('sd_feat.weeks', 'SELECT week FROM weekly');
SELECT namespace, stale FROM hamilton.subdags ORDER BY 1;
SELECT hamilton_refresh_subdag('us');
SELECT node FROM hamilton.nodes WHERE node IN ('us.signups_total', 'us.weeks') ORDER BY 1;
SELECT node, status FROM hamilton_execute(ARRAY['us.weeks']);
SELECT try_sql('DROP FUNCTION sd_feat.signups_total(regclass)');
SELECT hamilton_drop('sd_feat.weeks');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['us.budget_share'])$$);
SELECT hamilton_refresh_subdag('us');
SELECT node FROM hamilton.nodes WHERE node IN ('us.signups_total', 'us.weeks') ORDER BY 1;
-- a refresh keeps the results of the nodes it makes again, drops the others'
SELECT to_regclass('us.weeks') AS weeks_result, to_regclass('us.spend_per_signup') AS kept_result;

-- outputs => makes only their closure in the module.
SELECT hamilton_subdag('sd_small', 'sd_feat', inputs => '{"marketing": "sd_raw.us_marketing"}',
                       outputs => ARRAY['total_spend']);
SELECT node, status FROM hamilton_execute(ARRAY['sd_small.total_spend']);
SELECT (TABLE sd_small.total_spend) AS small_total;

-- A frame's columns are made with the frame; a config value the module
-- reads as an input is a node of the namespace.
CREATE TABLE sd_raw.frame_data (week int PRIMARY KEY, spend float8, signups float8);
INSERT INTO sd_raw.frame_data VALUES (1, 10, 2), (2, 30, 5);
CREATE SCHEMA sd_fr;
SELECT hamilton_register('sd_fr');
SELECT hamilton_define('sd_fr.marketing', 'SELECT week, spend, signups FROM sd_raw.frame_data',
                       key => ARRAY['week'], extract_columns => true);
CREATE FUNCTION sd_fr.spend_per_signup(spend float8, signups float8) RETURNS float8
    LANGUAGE sql IMMUTABLE RETURN spend / signups;
SELECT hamilton_define('sd_fr.avg_spend', 'avg(spend) OVER ()');
CREATE FUNCTION sd_fr.region_label(region text) RETURNS text LANGUAGE sql RETURN upper(region);
SELECT hamilton_subdag('sd_frx', 'sd_fr', config => '{"region": "us"}');
SELECT node, kind, frame FROM hamilton.nodes WHERE module = 'sd_frx' ORDER BY 1;
SELECT node, status FROM hamilton_execute(ARRAY['sd_frx.spend_per_signup', 'sd_frx.avg_spend', 'sd_frx.region_label'],
                                          into_table => 'sd_raw.frx_features');
TABLE sd_raw.frx_features ORDER BY week;
SELECT (TABLE sd_frx.region_label) AS label;
SELECT hamilton_drop_subdag('sd_frx');
SELECT drop_module('sd_fr');

-- Refusals: each says what and why, and leaves the catalog as it was.
CREATE SCHEMA sd_busy;
CREATE TABLE sd_busy.t (x int);
CREATE SCHEMA sd_empty;
CREATE SCHEMA sd_outer;
SELECT hamilton_register('sd_outer');
CREATE FUNCTION sd_feat.one() RETURNS float8 LANGUAGE sql RETURN 1;
SELECT hamilton_refresh_subdag('us');
SELECT hamilton_refresh_subdag('eu');
SELECT hamilton_refresh_subdag('sd_small');
CREATE TEMP TABLE sd_before AS
SELECT (SELECT string_agg(node || coalesce(definition, '') || tags::text, ',' ORDER BY node) FROM hamilton.nodes) AS nodes,
       (SELECT string_agg(namespace || fingerprint, ',' ORDER BY namespace) FROM hamilton.subdag) AS subdags,
       (SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace) AS schemas;
-- unknown module, a namespace too long for a schema's name
SELECT try_sql(format('SELECT hamilton_subdag(%L, %L)', repeat('n', 64), 'sd_feat'));
SELECT try_sql($$SELECT hamilton_subdag('sd_x', 'sd_nope')$$);
-- a namespace that is the module, a module, or a schema holding other things
SELECT try_sql($$SELECT hamilton_subdag('sd_feat', 'sd_feat')$$);
SELECT try_sql($$SELECT hamilton_subdag('sd_outer', 'sd_feat')$$);
SELECT try_sql($$SELECT hamilton_subdag('sd_busy', 'sd_feat')$$);
-- an input bound to nothing, to a scalar node, to the namespace's own node;
-- a binding of a name the module does not read
SELECT try_sql($$SELECT hamilton_subdag('sd_x', 'sd_feat', '{"marketing": {"source": "sd_raw.no_such_table"}}')$$);
SELECT try_sql($$SELECT hamilton_subdag('sd_x', 'sd_feat', '{"marketing": {"source": "us.budget_share"}}')$$);
SELECT try_sql($$SELECT hamilton_subdag('us', 'sd_feat', '{"marketing": {"source": "us.weekly"}}', '{"region": "us"}')$$);
SELECT try_sql($$SELECT hamilton_subdag('sd_x', 'sd_feat', '{"spend": {"value": 1}}')$$);
SELECT try_sql($$SELECT hamilton_subdag('sd_x', 'sd_feat', '{"weekly": {"value": 1}}')$$);
-- a cycle through the subdag: its input reads a node that reads the namespace
SELECT hamilton_define('sd_outer.us_copy', 'SELECT week, spend_per_signup AS spend, 1.0::float8 AS signups FROM us.spend_per_signup');
SELECT try_sql($$SELECT hamilton_subdag('us', 'sd_feat', '{"marketing": {"source": "sd_outer.us_copy"}}', '{"region": "us"}')$$);
SELECT hamilton_drop('sd_outer.us_copy');
-- a config no variant matches, or matches twice
SELECT try_sql($$SELECT hamilton_subdag('sd_x', 'sd_feat', config => '{"region": "apac"}')$$);
SELECT hamilton_define('sd_feat.fx', 'SELECT 1.2::float8 AS fx', config_when => '{"region": ["us", "uk"]}');
SELECT try_sql($$SELECT hamilton_subdag('sd_x', 'sd_feat', config => '{"region": "us"}')$$);
SELECT hamilton_drop('sd_feat.fx');
SELECT hamilton_define('sd_feat.fx', 'SELECT 1.0::float8 AS fx', config_when => '{"region": "us"}');
SELECT hamilton_define('sd_feat.fx', 'SELECT 1.1::float8 AS fx', config_when => '{"region": "eu"}');
-- an output the module does not have
SELECT try_sql($$SELECT hamilton_subdag('sd_x', 'sd_feat', outputs => ARRAY['no_such_node'])$$);
-- a node that keeps state under its name (a saver)
SELECT hamilton_save('sd_feat.weekly', '/tmp/sd_weekly.csv') IS NOT NULL AS saving;
SELECT try_sql($$SELECT hamilton_subdag('sd_x', 'sd_feat', config => '{"region": "us"}')$$);
SELECT hamilton_unsave('sd_feat.weekly', '/tmp/sd_weekly.csv');
-- a role that may not create a schema, or that does not own the namespace
CREATE ROLE sd_stranger;
SET ROLE sd_stranger;
SELECT try_sql($$SELECT hamilton_subdag('sd_x', 'sd_feat', config => '{"region": "us"}')$$);
SELECT try_sql($$SELECT hamilton_subdag('us', 'sd_feat', config => '{"region": "us"}')$$);
SELECT try_sql($$SELECT hamilton_refresh_subdag('us')$$);
SELECT try_sql($$SELECT hamilton_drop_subdag('us')$$);
RESET ROLE;
DROP ROLE sd_stranger;
-- bad JSON shapes, NULLs
SELECT try_sql($$SELECT hamilton_subdag('sd_x', 'sd_feat', '[1]')$$);
SELECT try_sql($$SELECT hamilton_subdag('sd_x', 'sd_feat', '{"marketing": {"table": "x"}}')$$);
SELECT try_sql($$SELECT hamilton_subdag('sd_x', 'sd_feat', '{"budget": {"value": [1, 2]}}')$$);
SELECT try_sql($$SELECT hamilton_subdag('sd_x', 'sd_feat', config => '{"region": ["us"]}')$$);
SELECT try_sql($$SELECT hamilton_subdag(NULL, 'sd_feat')$$);
SELECT try_sql($$SELECT hamilton_parameterized_subdag('sd_feat', '[]')$$);
SELECT try_sql($$SELECT hamilton_parameterized_subdag('sd_feat', '{"sd_x": {"inputs": {}, "outputs": []}}')$$);
SELECT try_sql($$SELECT hamilton_refresh_subdag('sd_nope')$$);
SELECT try_sql($$SELECT hamilton_drop_subdag('sd_nope')$$);
-- a template naming its own node by the module's name
SELECT hamilton_define('sd_feat.qualified', 'SELECT * FROM sd_feat.weekly');
SELECT try_sql($$SELECT hamilton_subdag('sd_x', 'sd_feat', config => '{"region": "us"}')$$);
SELECT hamilton_drop('sd_feat.qualified');
SELECT hamilton_refresh_subdag('us') IS NOT NULL AS remade;
SELECT hamilton_refresh_subdag('eu') IS NOT NULL AS remade;
SELECT b.nodes = (SELECT string_agg(node || coalesce(definition, '') || tags::text, ',' ORDER BY node) FROM hamilton.nodes) AS nodes_intact,
       b.subdags = (SELECT string_agg(namespace || fingerprint, ',' ORDER BY namespace) FROM hamilton.subdag) AS subdags_intact,
       b.schemas = (SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace) AS schemas_intact
FROM sd_before b;
SELECT node, status FROM hamilton_execute(ARRAY['us.budget_share']);

-- An empty schema can be a namespace; it stays when the subdag is dropped.
SELECT hamilton_subdag('sd_empty', 'sd_feat', outputs => ARRAY['label'], config => '{"region": "us"}');
SELECT hamilton_drop_subdag('sd_empty');
SELECT nspname FROM pg_namespace WHERE nspname = 'sd_empty';
SELECT count(*) AS still_a_module FROM hamilton.modules WHERE module = 'sd_empty';

-- Dropping: the nodes, their results, the module and the schema it made go;
-- no node is left behind.
SELECT hamilton_drop_subdag('eu');
SELECT hamilton_drop_subdag('sd_small');
SELECT count(*) AS eu_nodes FROM hamilton.nodes WHERE module IN ('eu', 'sd_small');
SELECT count(*) AS eu_schemas FROM pg_namespace WHERE nspname IN ('eu', 'sd_small');
SELECT count(*) AS eu_modules FROM hamilton.modules WHERE module IN ('eu', 'sd_small');
SELECT count(*) AS eu_results FROM hamilton.lineage WHERE module IN ('eu', 'sd_small') AND relation IS NOT NULL;
-- Unregistering the template module leaves the subdag stale, never run.
SELECT hamilton_unregister('sd_feat'::regnamespace);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['us.spend_per_signup'])$$);
SELECT hamilton_drop_subdag('us');
SELECT count(*) AS subdags FROM hamilton.subdags;

SELECT drop_module('sd_outer');
DROP SCHEMA sd_feat CASCADE;
DROP SCHEMA sd_raw, sd_busy, sd_empty CASCADE;
