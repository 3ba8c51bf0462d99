-- Frames (@extract_columns): a keyed SELECT whose columns are nodes, and
-- column nodes (row-wise functions and SQL expressions) compiled into ONE
-- query per frame: flat without windows, one level for windows, two where a
-- window feeds a window.
SELECT setval('hamilton.run_id_seq', 7000) > 0 AS ok;
CREATE SCHEMA fr;
CREATE TABLE fr.sales (region text, week int, units int, price numeric);
INSERT INTO fr.sales VALUES
    ('eu', 1, 10, 2.00), ('eu', 2, 20, 2.50), ('eu', 3, 5, 3.00),
    ('us', 1, 7, 1.00), ('us', 2, 7, 1.50);
SELECT hamilton_register('fr');

-- The frame: its non-key columns become column nodes.
SELECT hamilton_define('fr.sales_frame', 'SELECT region, week, units, price FROM fr.sales',
    doc => 'Weekly sales.', key => ARRAY['region', 'week'], extract_columns => true);
SELECT node, kind, type, inputs, frame, key, doc FROM hamilton.nodes WHERE module = 'fr' ORDER BY node;
SELECT node_name, kind, frame_key, extract_columns, frame_columns, frame_types
FROM hamilton.sql_node WHERE schema_name = 'fr' ORDER BY node_name;

-- Row-wise functions of column nodes are column nodes; a scalar (input or
-- node) is broadcast to every row; a parameter named like a key column
-- receives the row's key.
CREATE FUNCTION fr.revenue(units int, price numeric) RETURNS numeric LANGUAGE sql IMMUTABLE
RETURN units * price;
CREATE FUNCTION fr.fee(base_fee numeric) RETURNS numeric LANGUAGE sql RETURN base_fee * 2;
CREATE FUNCTION fr.taxed(revenue numeric, tax_rate numeric) RETURNS numeric LANGUAGE sql IMMUTABLE
RETURN round(revenue * (1 + tax_rate), 2);
CREATE FUNCTION fr.net(taxed numeric, fee numeric) RETURNS numeric LANGUAGE sql IMMUTABLE
RETURN taxed - fee;
CREATE FUNCTION fr.label(region text, week int, units int) RETURNS text LANGUAGE sql IMMUTABLE
RETURN region || '-w' || week || ':' || units;
-- SQL expressions are column nodes; their inputs are the columns they name.
SELECT hamilton_define('fr.units_share', 'round(units::numeric / sum(units) OVER (PARTITION BY region), 3)',
    doc => 'Share of the region''s units.');
SELECT hamilton_define('fr.cum_units', 'sum(units) OVER (PARTITION BY region ORDER BY week)');
SELECT hamilton_define('fr.cum_rank', 'rank() OVER (PARTITION BY region ORDER BY cum_units DESC)');
SELECT hamilton_define('fr.scaled', 'units * fee + factor');
SELECT hamilton_define('fr.week_code', 'upper(region) || week * 100 + units');
-- A table node that reads a column node as a relation.
SELECT hamilton_define('fr.region_revenue', 'SELECT region, sum(revenue) AS total FROM revenue GROUP BY region');

SELECT node, kind, type, inputs, frame FROM hamilton.nodes WHERE module = 'fr' ORDER BY node;
SELECT upstream, downstream, via FROM hamilton.edges WHERE downstream LIKE 'fr.%' ORDER BY 1, 2;

-- Row-wise only: one flat query over the frame's SELECT; scalars appear as
-- values ({{fr.fee}} is computed first), key parameters as key columns.
SELECT hamilton_explain(ARRAY['revenue', 'label', 'net'], inputs => '{"tax_rate": 0.1, "base_fee": 1}');
-- Without into_table, each requested column gets its own table (key + column).
SELECT node, kind, relation, rows, status
FROM hamilton_execute(ARRAY['revenue', 'label', 'net'], inputs => '{"tax_rate": 0.1, "base_fee": 1}');
SELECT * FROM fr.revenue ORDER BY region, week;
SELECT * FROM fr.label ORDER BY region, week;
SELECT * FROM fr.net ORDER BY region, week;
SELECT table_name, column_name, data_type FROM information_schema.columns
WHERE table_schema = 'fr' AND table_name IN ('revenue', 'label', 'net') ORDER BY table_name, ordinal_position;

-- A window: one level over the frame's SELECT.
SELECT hamilton_explain(ARRAY['units_share']);
-- A window that feeds a window: two levels.
SELECT hamilton_explain(ARRAY['cum_rank']);
-- An expression reading a scalar node, an input and the key.
SELECT hamilton_explain(ARRAY['scaled', 'week_code'], inputs => '{"base_fee": 1, "factor": 100}');

-- into_table: one table, key + the requested columns in request order.
SELECT hamilton_explain(ARRAY['units_share', 'cum_rank', 'units', 'scaled'],
    inputs => '{"base_fee": 1, "factor": 100}', into_table => 'wide');
SELECT node, kind, relation, rows, status
FROM hamilton_execute(ARRAY['units_share', 'cum_rank', 'units', 'scaled'],
    inputs => '{"base_fee": 1, "factor": 100}', into_table => 'wide');
SELECT * FROM fr.wide ORDER BY region, week;
SELECT column_name, data_type FROM information_schema.columns
WHERE table_schema = 'fr' AND table_name = 'wide' ORDER BY ordinal_position;
-- into_table may be qualified, and is replaced by the next run.
SELECT node, relation, status
FROM hamilton_execute(ARRAY['week_code'], into_table => 'fr.codes');
SELECT * FROM fr.codes ORDER BY region, week;

-- A column read by a table node is computed into a temporary table.
SELECT hamilton_explain(ARRAY['region_revenue']);
SELECT node, kind, relation, rows, status FROM hamilton_execute(ARRAY['region_revenue']);
SELECT * FROM fr.region_revenue ORDER BY region;
SELECT count(*) AS temp_tables_left FROM pg_class WHERE relname LIKE 'hamilton\_%' AND relpersistence = 't';
-- Requested too: the table node reads the column's own table.
SELECT hamilton_explain(ARRAY['region_revenue', 'revenue']);
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['region_revenue', 'revenue']);

-- Lineage of per-column tables, of an into_table, and of a table node that
-- read a column materialized in the same run.
SELECT relation, node, module, run_status, inputs, sources FROM hamilton.lineage
WHERE module = 'fr' ORDER BY relation::text;
SELECT relation, upstream = '[]' AS no_upstream FROM hamilton.lineage
WHERE module = 'fr' AND relation::text <> 'fr.region_revenue' ORDER BY relation::text;
SELECT upstream = jsonb_build_array(jsonb_build_object('node', 'fr.revenue', 'relation', 'fr.revenue', 'run_id', run_id))
       AS upstream_is_revenue_of_same_run
FROM hamilton.lineage WHERE relation = 'fr.region_revenue'::regclass;
-- Every requested column of an into_table shares one lineage row.
SELECT relation, run_id = (SELECT run_id FROM hamilton.runs WHERE outputs = ARRAY['units_share', 'cum_rank', 'units', 'scaled'])
       AS same_run
FROM hamilton.lineage WHERE relation = 'fr.wide'::regclass;
-- The run history lists every step with its relation.
SELECT step, node, kind, relation, status FROM hamilton.node_runs
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs WHERE outputs = ARRAY['units_share', 'cum_rank', 'units', 'scaled'])
ORDER BY step;

-- Redefining the frame updates its columns: a new column is a node, a
-- column that is gone is no longer one.
SELECT hamilton_define('fr.sales_frame',
    'SELECT region, week, units, price, units * price * 0.1 AS discount FROM fr.sales',
    key => ARRAY['region', 'week'], extract_columns => true);
SELECT node, kind, type, frame FROM hamilton.nodes WHERE frame = 'fr.sales_frame' AND kind = 'column'
  AND node IN ('fr.units', 'fr.price', 'fr.discount') ORDER BY node;
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['discount']);
SELECT * FROM fr.discount ORDER BY region, week;
SELECT hamilton_define('fr.sales_frame', 'SELECT region, week, units, price FROM fr.sales',
    key => ARRAY['region', 'week'], extract_columns => true);
SELECT node FROM hamilton.nodes WHERE node = 'fr.discount';
SELECT frame_columns FROM hamilton.sql_node WHERE schema_name = 'fr' AND node_name = 'sales_frame';

-- A frame read as a table node is its SELECT, materialized as usual.
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['sales_frame']);
SELECT * FROM fr.sales_frame ORDER BY region, week;

-- A column node tagged materialize = table is kept in its own table even as
-- an intermediate, and a table node reading it lists it as its upstream.
SELECT hamilton_tag('fr.revenue', '{"materialize": "table"}');
DROP TABLE fr.revenue;
DELETE FROM hamilton.result WHERE schema_name = 'fr' AND node_name = 'revenue';
SELECT node, relation, status FROM hamilton_execute(ARRAY['region_revenue']);
SELECT count(*) AS revenue_rows FROM fr.revenue;
SELECT upstream -> 0 ->> 'node' AS upstream_node FROM hamilton.lineage WHERE relation = 'fr.region_revenue'::regclass;
SELECT hamilton_tag('fr.revenue', '{"materialize": null}');

-- A scalar that reads a column as a table (regclass) runs before the column
-- node that uses the scalar: the column's own query runs at its own step.
CREATE FUNCTION fr.mean_revenue(revenue regclass) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE r numeric;
BEGIN
    EXECUTE format('SELECT round(avg(revenue), 2) FROM %s', revenue) INTO r;
    RETURN r;
END $$;
CREATE FUNCTION fr.revenue_vs_mean(revenue numeric, mean_revenue numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE RETURN round(revenue / mean_revenue, 3);
SELECT node, kind FROM hamilton.nodes WHERE node IN ('fr.mean_revenue', 'fr.revenue_vs_mean') ORDER BY 1;
SELECT node, relation, status FROM hamilton_execute(ARRAY['revenue_vs_mean', 'units']);
SELECT * FROM fr.revenue_vs_mean ORDER BY region, week;
-- The same into one table: the column read as a table goes there too.
SELECT node, relation, status FROM hamilton_execute(ARRAY['revenue_vs_mean', 'revenue'], into_table => 'fr.vs');
SELECT * FROM fr.vs ORDER BY region, week;

-- Clean up: dropping the schema forgets the module, its frame and columns.
SELECT drop_module('fr');
SELECT count(*) AS fr_nodes_left FROM hamilton.nodes WHERE module = 'fr';
SELECT count(*) AS fr_sql_nodes_left FROM hamilton.sql_node WHERE schema_name = 'fr';
DROP SCHEMA IF EXISTS fr CASCADE;
