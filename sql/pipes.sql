-- Hamilton's @pipe_output, @mutate and @pipe_input: a chain of transforms
-- applied to one node's value, each step a node of its own, in
-- hamilton.nodes, the DOT picture, the run report and the lineage.
SELECT setval('hamilton.run_id_seq', 99600) > 0 AS ok;
CREATE SCHEMA pp;
CREATE TABLE pp.raw_sales (region text, amount numeric);
INSERT INTO pp.raw_sales VALUES ('n', 10), ('s', 200), ('n', -5), ('s', 30);
SELECT hamilton_register('pp');
SELECT hamilton_define('pp.sales', 'SELECT region, amount FROM pp.raw_sales', doc => 'sales rows',
                       checks => '[{"check": "range", "column": "amount", "min": 0, "severity": "fail"}]');
SELECT hamilton_define('pp.total', 'SELECT sum(amount) AS total FROM sales');

-- pipe_output: the node's SELECT becomes sales_raw, each step a node that
-- reads the value by the node's name, and sales reads the last step.
SELECT hamilton_pipe_output('pp.sales', $$[
    {"step": "positive", "sql": "SELECT region, amount FROM sales WHERE amount > 0"},
    {"step": "capped", "sql": "SELECT region, least(amount, 100) AS amount FROM sales"}]$$);
SELECT node, inputs, doc, checks IS NOT NULL AS has_checks, definition
FROM hamilton.nodes WHERE module = 'pp' ORDER BY node;
SELECT node, key, value FROM hamilton.tags WHERE module = 'pp' ORDER BY 1, 2;
SELECT node, status FROM hamilton_execute(ARRAY['total']);
TABLE pp.total;
-- The same logic, hand-written.
SELECT sum(least(amount, 100)) AS total FROM pp.raw_sales WHERE amount > 0;
-- The node's checks see the transformed value (no negative amount left).
SELECT node, "check", passed FROM hamilton.check_results
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) ORDER BY 1;
-- Each step is in the DOT picture, and in the column lineage.
SELECT line FROM regexp_split_to_table(hamilton_dot(ARRAY['total']), E'\n') AS line
WHERE line LIKE '%->%' ORDER BY 1;
SELECT "column", source_node, source_relation, source_column FROM hamilton.column_lineage WHERE node = 'pp.total';

-- mutate: one more step at the end of the chain.
SELECT hamilton_mutate('pp.sales', 'doubled', 'SELECT region, amount * 2 AS amount FROM sales');
SELECT node, status FROM hamilton_execute(ARRAY['total', 'sales']);
TABLE pp.total;
SELECT sum(least(amount, 100) * 2) AS total FROM pp.raw_sales WHERE amount > 0;
-- mutate on a node with no chain starts one.
SELECT hamilton_define('pp.regions', 'SELECT DISTINCT region FROM pp.raw_sales');
SELECT hamilton_mutate('pp.regions', 'upper', 'SELECT upper(region) AS region FROM regions');
SELECT node, status FROM hamilton_execute(ARRAY['regions']);
TABLE pp.regions ORDER BY 1;

-- pipe_input: what a node reads as one input, transformed first.
SELECT hamilton_define('pp.by_region', 'SELECT region, sum(amount) AS amount FROM sales GROUP BY region');
SELECT hamilton_pipe_input('pp.by_region', 'sales', $$[
    {"step": "north", "sql": "SELECT * FROM sales WHERE region = 'n'"},
    {"step": "halved", "sql": "SELECT region, amount / 2 AS amount FROM sales"}]$$);
SELECT node, inputs, definition FROM hamilton.nodes WHERE node LIKE 'pp.by_region%' ORDER BY node;
SELECT node, status FROM hamilton_execute(ARRAY['by_region']);
TABLE pp.by_region;
SELECT region, sum(least(amount, 100) * 2 / 2) AS amount FROM pp.raw_sales
WHERE amount > 0 AND region = 'n' GROUP BY region;

-- Errors, each refused before anything is written, with its SQLSTATE.
SELECT try_sql($$SELECT hamilton_pipe_output('pp.sales', '[{"step": "again", "sql": "SELECT * FROM sales"}]')$$);
SELECT try_sql($$SELECT hamilton_pipe_output('pp.total', '[{"step": "other", "sql": "SELECT * FROM pp.raw_sales"}]')$$);
SELECT try_sql($$SELECT hamilton_pipe_output('pp.total', '[{"step": "loop", "sql": "SELECT * FROM pp.total"}]')$$);
SELECT try_sql($$SELECT hamilton_pipe_output('pp.total', '[{"step": "Bad Name", "sql": "SELECT * FROM total"}]')$$);
SELECT try_sql($$SELECT hamilton_pipe_output('pp.total', '[{"step": "a", "sql": "SELECT * FROM total"}, {"step": "a", "sql": "SELECT * FROM total"}]')$$);
SELECT try_sql($$SELECT hamilton_pipe_output('pp.total', '[{"step": "a"}]')$$);
SELECT try_sql($$SELECT hamilton_pipe_output('pp.total', '[{"step": "a", "sql": "SELECT * FROM total", "when": 1}]')$$);
SELECT try_sql($$SELECT hamilton_pipe_output('pp.total', '{"step": "a"}')$$);
SELECT try_sql($$SELECT hamilton_pipe_output('pp.total', '[]')$$);
SELECT try_sql($$SELECT hamilton_pipe_output('pp.total', '[{"step": "expr", "sql": "total * 2"}]')$$);
SELECT hamilton_define('pp.total_x', 'SELECT 1 AS one');
SELECT try_sql($$SELECT hamilton_pipe_output('pp.total', '[{"step": "x", "sql": "SELECT * FROM total"}]')$$);
CREATE FUNCTION pp.rate() RETURNS numeric LANGUAGE sql RETURN 2;
SELECT try_sql($$SELECT hamilton_pipe_output('pp.rate', '[{"step": "x", "sql": "SELECT * FROM rate"}]')$$);
SELECT hamilton_define('pp.frame', 'SELECT region, amount FROM pp.raw_sales WHERE region = ''s''', key => '{region, amount}', extract_columns => true);
SELECT try_sql($$SELECT hamilton_pipe_output('pp.frame', '[{"step": "x", "sql": "SELECT * FROM frame"}]')$$);
SELECT try_sql($$SELECT hamilton_pipe_input('pp.total', 'regions', '[{"step": "x", "sql": "SELECT * FROM regions"}]')$$);
SELECT try_sql($$SELECT hamilton_pipe_output('pp.no_such', '[{"step": "x", "sql": "SELECT * FROM no_such"}]')$$);
CREATE ROLE regress_pipes_user;
GRANT USAGE ON SCHEMA pp TO regress_pipes_user;
SET ROLE regress_pipes_user;
SELECT try_sql($$SELECT hamilton_mutate('pp.total', 'x', 'SELECT * FROM total')$$);
RESET ROLE;
-- A node redefined by hand has left its chain: mutate does not append to
-- the old chain behind its back, it refuses.
SELECT hamilton_define('pp.sales', 'SELECT region, amount FROM pp.raw_sales WHERE amount < 50');
SELECT try_sql($$SELECT hamilton_mutate('pp.sales', 'more', 'SELECT * FROM sales')$$);
SELECT count(*) AS nodes FROM hamilton.nodes WHERE module = 'pp';

SELECT drop_module('pp');
DROP ROLE regress_pipes_user;
