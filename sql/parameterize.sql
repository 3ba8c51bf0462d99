-- hamilton_parameterize (@parameterize): one definition, many nodes; {key}
-- in the template, the SQL and the doc takes each set of values.
SELECT setval('hamilton.run_id_seq', 7400) > 0 AS ok;
CREATE SCHEMA pz;
CREATE TABLE pz.w (week int, spend int);
INSERT INTO pz.w VALUES (1, 10), (2, 20), (3, 30), (4, 40);
SELECT hamilton_register('pz');
SELECT hamilton_define('pz.frame', 'SELECT week, spend FROM pz.w', key => ARRAY['week'], extract_columns => true);

-- Zipped params: an object of equally long arrays.  Returns the nodes.
SELECT * FROM hamilton_parameterize('pz.avg_{n}wk',
    'avg(spend) OVER (ORDER BY week ROWS {n} - 1 PRECEDING)',
    '{"n": [2, 3]}', doc => 'Rolling {n} week average.');
SELECT node, kind, frame, definition, doc, parameterized FROM hamilton.nodes
WHERE parameterized IS NOT NULL ORDER BY node;
SELECT hamilton_explain(ARRAY['avg_2wk', 'avg_3wk'], into_table => 'avgs');
SELECT node, relation, status FROM hamilton_execute(ARRAY['avg_2wk', 'avg_3wk'], into_table => 'avgs');
SELECT week, round(avg_2wk, 2) AS avg_2wk, round(avg_3wk, 2) AS avg_3wk FROM pz.avgs ORDER BY week;

-- A list of objects, several placeholders, table nodes with tags and checks.
SELECT * FROM hamilton_parameterize('pz.top_{k}_{dir}',
    'SELECT week, spend FROM pz.w ORDER BY spend {dir} LIMIT {k}',
    '[{"k": 1, "dir": "desc"}, {"k": 2, "dir": "asc"}]',
    tags => '{"team": "growth"}', checks => '[{"check": "not_null", "column": "spend"}]');
SELECT node, kind, definition, checks, parameterized FROM hamilton.nodes
WHERE node LIKE 'pz.top%' ORDER BY node;
SELECT node, key, value FROM hamilton.tags WHERE module = 'pz' ORDER BY node, key;
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['top_1_desc', 'top_2_asc']);
SELECT * FROM pz.top_1_desc ORDER BY week;
SELECT * FROM pz.top_2_asc ORDER BY week;

-- Parameterizing again redefines the nodes it names.
SELECT * FROM hamilton_parameterize('pz.avg_{n}wk', 'avg(spend) OVER (ORDER BY week ROWS BETWEEN {n} PRECEDING AND CURRENT ROW)',
    '[{"n": 2}]', doc => 'Average of this week and the {n} before.');
SELECT node, definition, doc, parameterized FROM hamilton.nodes WHERE node LIKE 'pz.avg%' ORDER BY node;

-- Errors; nothing is defined by a call that fails.
CREATE TEMP TABLE before AS SELECT count(*) AS nodes FROM hamilton.sql_node WHERE schema_name = 'pz';
-- A placeholder without a value, in the name, the SQL or the doc.
SELECT try_sql($$SELECT hamilton_parameterize('pz.x_{m}', 'spend * {n}', '{"n": [1]}')$$);
SELECT try_sql($$SELECT hamilton_parameterize('pz.x_{n}', 'spend * {m}', '{"n": [1]}')$$);
SELECT try_sql($$SELECT hamilton_parameterize('pz.x_{n}', 'spend * {n}', '{"n": [1]}', doc => 'times {factor}')$$);
-- In the second set only: the first set's node is not defined either.
SELECT try_sql($$SELECT hamilton_parameterize('pz.y_{n}', 'spend * {n}', '[{"n": 1}, {"m": 2}]')$$);
-- Bad params: arrays of different lengths, not arrays, not objects, none.
SELECT try_sql($$SELECT hamilton_parameterize('pz.x_{n}', 'spend * {n}', '{"n": [1], "m": [1, 2]}')$$);
SELECT try_sql($$SELECT hamilton_parameterize('pz.x_{n}', 'spend * {n}', '{"n": 1}')$$);
SELECT try_sql($$SELECT hamilton_parameterize('pz.x_{n}', 'spend * {n}', '"n"')$$);
SELECT try_sql($$SELECT hamilton_parameterize('pz.x_{n}', 'spend * {n}', '[{"n": 1}, 2]')$$);
SELECT try_sql($$SELECT hamilton_parameterize('pz.x_{n}', 'spend * {n}', '[]')$$);
SELECT try_sql($$SELECT hamilton_parameterize('pz.x_{n}', 'spend * {n}', NULL)$$);
-- Two sets that name the same node.
SELECT sqlstate_of($$SELECT hamilton_parameterize('pz.same', 'spend * {n}', '{"n": [1, 2]}')$$) <> 'no error' AS refused;
-- A set whose node cannot be defined: the definition's own error.
SELECT try_sql($$SELECT hamilton_parameterize('pz.agg_{n}', '{n}(spend)', '{"n": ["abs", "sum"]}')$$);
SELECT (SELECT count(*) FROM hamilton.sql_node WHERE schema_name = 'pz') = nodes AS nothing_defined FROM before;
SELECT node FROM hamilton.nodes WHERE node IN ('pz.x_1', 'pz.y_1', 'pz.same', 'pz.agg_abs') ORDER BY node;

-- Clean up.
SELECT drop_module('pz');
DROP SCHEMA IF EXISTS pz CASCADE;
