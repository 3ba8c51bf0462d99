-- The graph in plain SQL: nodes, edges, upstream, downstream, path.
CREATE SCHEMA gr;
CREATE TABLE gr.orders (id int, amount numeric);
CREATE FUNCTION gr.rate(horizon int) RETURNS numeric LANGUAGE sql RETURN 1 + horizon / 100.0;
CREATE FUNCTION gr.total(orders_clean regclass) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE t numeric; BEGIN EXECUTE format('SELECT sum(amount) FROM %s', orders_clean) INTO t; RETURN t; END $$;
COMMENT ON FUNCTION gr.total(regclass) IS 'Sum of all clean orders.';
SELECT hamilton_register('gr');
SELECT hamilton_define('gr.orders_clean', 'SELECT * FROM gr.orders WHERE amount > 0', doc => 'Orders with a positive amount.');
SELECT hamilton_define('gr.projection', 'SELECT total * rate AS projected FROM total, rate');

SELECT node, module, name, kind, language, type, inputs, sources, doc, materialize, owner
FROM hamilton.nodes WHERE module = 'gr' OR module IS NULL ORDER BY node;
SELECT * FROM hamilton.edges WHERE downstream LIKE 'gr.%' ORDER BY downstream, upstream;
SELECT length(fingerprint) AS fingerprint_length, definition FROM hamilton.nodes WHERE node = 'gr.rate';

SELECT * FROM hamilton_upstream('projection');
SELECT * FROM hamilton_upstream('gr.orders_clean');
SELECT * FROM hamilton_downstream('gr.orders_clean');
-- Inputs can be asked about too.
SELECT * FROM hamilton_downstream('horizon');
SELECT * FROM hamilton_path('orders_clean', 'projection');
SELECT * FROM hamilton_path('horizon', 'projection');
-- No path in that direction: no rows.
SELECT * FROM hamilton_path('projection', 'orders_clean');
SELECT * FROM hamilton_path('rate', 'rate');
-- Unknown names.
SELECT * FROM hamilton_upstream('projecton');
SELECT * FROM hamilton_path('rate', 'nothing_like_it');

-- A dry run: what would happen, without running anything.
SELECT count(*) AS problems FROM hamilton_validate(ARRAY['projection'], inputs => '{"horizon": 12}');
SELECT hamilton_explain(ARRAY['projection'], inputs => '{"horizon": 12}');
SELECT count(*) AS tables_created FROM pg_tables WHERE schemaname = 'gr' AND tablename <> 'orders';
SELECT module, registered_by, registered_at <= now() AS registered, schema_exists FROM hamilton.modules WHERE module = 'gr';

-- Clean up.
SELECT drop_module('gr');
