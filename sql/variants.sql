-- Config variants (@config.when): several definitions of one node, each
-- chosen by the config given to the run.
SELECT setval('hamilton.run_id_seq', 7300) > 0 AS ok;
CREATE SCHEMA va;
CREATE TABLE va.orders (region text, amount int);
INSERT INTO va.orders VALUES ('eu', 10), ('us', 20), ('eu', 5);
CREATE FUNCTION va.doubled(selected regclass) RETURNS int LANGUAGE plpgsql AS $$
DECLARE r int;
BEGIN
    EXECUTE format('SELECT sum(amount) * 2 FROM %s', selected) INTO r;
    RETURN r;
END $$;
SELECT hamilton_register('va');

-- Two variants of one table node.
SELECT hamilton_define('va.selected', $$SELECT * FROM va.orders WHERE region = 'eu'$$,
    doc => 'EU orders.', config_when => '{"region": "eu"}');
SELECT hamilton_define('va.selected', $$SELECT * FROM va.orders WHERE region = 'us'$$,
    doc => 'US orders.', config_when => '{"region": "us"}');
-- hamilton.nodes lists each variant with its condition.
SELECT node, kind, config_when, definition, doc FROM hamilton.nodes WHERE module = 'va' ORDER BY node, config_when::text;
SELECT schema_name, node_name, config_when FROM hamilton.sql_node WHERE schema_name = 'va' ORDER BY config_when::text;
-- Whichever variant runs, its consumers read it under the node's name.
SELECT node, inputs FROM hamilton.nodes WHERE node = 'va.doubled';
SELECT upstream, downstream, via FROM hamilton.edges WHERE downstream = 'va.doubled';

-- The config picks the variant.
SELECT hamilton_explain(ARRAY['selected'], config => '{"region": "eu"}');
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['doubled'], config => '{"region": "eu"}');
TABLE va.doubled;
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['doubled', 'selected'], config => '{"region": "us"}');
TABLE va.doubled;
TABLE va.selected;
-- Other config keys do not matter; the config is kept with the run.
SELECT node, status FROM hamilton_execute(ARRAY['selected'], config => '{"region": "eu", "debug": true}');
SELECT * FROM va.selected ORDER BY amount;
SELECT run_id, outputs, config FROM hamilton.runs WHERE run_id > 7300 ORDER BY run_id;
-- The lineage keeps which definition made the table.
SELECT relation, run_id FROM hamilton.lineage WHERE node = 'va.selected';

-- Redefining a variant replaces that variant only.
SELECT hamilton_define('va.selected', $$SELECT * FROM va.orders WHERE region = 'us' AND amount > 100$$,
    config_when => '{"region": "us"}');
SELECT config_when, definition FROM hamilton.nodes WHERE node = 'va.selected' ORDER BY config_when::text;

-- Column nodes have variants too.
SELECT hamilton_define('va.orders_frame', 'SELECT row_number() OVER (ORDER BY region, amount) AS n, amount FROM va.orders',
    key => ARRAY['n'], extract_columns => true);
SELECT hamilton_define('va.adjusted', 'amount * 2', config_when => '{"mode": "double"}');
SELECT hamilton_define('va.adjusted', 'amount + 1', config_when => '{"mode": "plus"}');
SELECT node, kind, frame, config_when, definition FROM hamilton.nodes WHERE node = 'va.adjusted' ORDER BY config_when::text;
SELECT node, relation, status FROM hamilton_execute(ARRAY['adjusted'], config => '{"mode": "plus"}');
SELECT * FROM va.adjusted ORDER BY n;
SELECT node, relation, status FROM hamilton_execute(ARRAY['adjusted', 'amount'], config => '{"mode": "double"}', into_table => 'adj');
SELECT * FROM va.adj ORDER BY n;
CREATE TEMP TABLE before AS
SELECT (SELECT count(*) FROM hamilton.sql_node WHERE schema_name = 'va') AS sql_nodes,
       (SELECT string_agg(n || ':' || adjusted, ',' ORDER BY n) FROM va.adjusted) AS adjusted;

-- hamilton_dot draws the graph a config chooses; without config, a node
-- defined only by variants has no execution path, and the error says why.
SELECT line FROM regexp_split_to_table(hamilton_dot(ARRAY['doubled'], config => '{"region": "eu"}'), E'\n') AS line
WHERE line ~ '^  graph|^  "va\.|-> ' ORDER BY line;
SELECT try_sql($$SELECT hamilton_dot(ARRAY['selected'])$$);
SELECT try_sql($$SELECT hamilton_dot(ARRAY['doubled'], config => '{"region": "asia"}')$$);
SELECT try_sql($$SELECT hamilton_dot(config => '[1]')$$);
-- The whole picture with a config draws the variants it chooses, one per node.
SELECT count(*) FILTER (WHERE line ~ '^  "va\.selected" \[') AS selected_drawn
FROM regexp_split_to_table(hamilton_dot(config => '{"region": "us"}'), E'\n') AS line;

-- Errors: no variant matches (no config, another value), several match.
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['doubled'])$$);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['doubled'], config => '{"region": "asia"}')$$);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['adjusted'], config => '{"mode": 1}')$$);
SELECT hamilton_define('va.selected', 'SELECT * FROM va.orders', config_when => '{"all": true}');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['doubled'], config => '{"region": "eu", "all": true}')$$);
SELECT problem, node, message, detail FROM hamilton_validate(ARRAY['doubled'], config => '{"region": "eu", "all": true}');
SELECT problem, node, message FROM hamilton_validate(ARRAY['doubled', 'adjusted'], config => '{}') ORDER BY node;
-- All variants are of one kind.
SELECT try_sql($$SELECT hamilton_define('va.selected', 'amount + 1', config_when => '{"x": 1}')$$);
SELECT try_sql($$SELECT hamilton_define('va.adjusted', 'SELECT 1 AS a', config_when => '{"mode": "table"}')$$);
-- config_when maps keys to a value, a list of values or {"not": ...}, and is an object.
SELECT try_sql($$SELECT hamilton_define('va.selected', 'SELECT 1', config_when => '{"x": null}')$$);
SELECT try_sql($$SELECT hamilton_define('va.selected', 'SELECT 1', config_when => '{"x": [[1]]}')$$);
SELECT try_sql($$SELECT hamilton_define('va.selected', 'SELECT 1', config_when => '{"x": {"y": 1}}')$$);
SELECT try_sql($$SELECT hamilton_define('va.selected', 'SELECT 1', config_when => '[1]')$$);
-- The config itself must be an object.
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['doubled'], config => '[1]')$$);
-- Nothing was lost.
SELECT (SELECT count(*) FROM hamilton.sql_node WHERE schema_name = 'va') = sql_nodes + 1 AS only_the_all_variant_added,
       (SELECT string_agg(n || ':' || adjusted, ',' ORDER BY n) FROM va.adjusted) = adjusted AS results_intact
FROM before;
SELECT config_when, definition FROM hamilton.nodes WHERE node = 'va.selected' ORDER BY config_when::text;

-- hamilton_drop removes every variant.
SELECT hamilton_drop('va.selected');
SELECT node, config_when FROM hamilton.nodes WHERE module = 'va' AND node = 'va.selected';

-- Clean up.
SELECT hamilton_drop('va.adjusted');
SELECT drop_module('va');
DROP SCHEMA IF EXISTS va CASCADE;
