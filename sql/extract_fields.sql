-- hamilton_extract_fields (Hamilton's @extract_fields): each field of a
-- one-row node becomes a scalar node named after it, which downstream
-- nodes take as a parameter.  The node is a function with OUT parameters,
-- one returning a composite type, or a one-row SQL node.
SELECT setval('hamilton.run_id_seq', 9900) > 0 AS ok;
CREATE SCHEMA xf;
CREATE TABLE xf.obs (x float8);
INSERT INTO xf.obs VALUES (1), (2), (6);
CREATE TYPE xf.range_pair AS (lo float8, hi float8);
SELECT hamilton_register('xf');
CREATE FUNCTION xf.stats(OUT mean float8, OUT std float8) LANGUAGE sql STABLE
    AS 'SELECT avg(x), stddev(x) FROM xf.obs';
CREATE FUNCTION xf.bounds() RETURNS xf.range_pair LANGUAGE sql STABLE
    AS 'SELECT min(x), max(x) FROM xf.obs';
SELECT hamilton_define('xf.summary', 'SELECT count(*) AS n, sum(x) AS total FROM xf.obs');
SELECT * FROM hamilton_extract_fields('xf.stats');
SELECT * FROM hamilton_extract_fields('xf.bounds');
SELECT * FROM hamilton_extract_fields('summary');
SELECT node, kind, type, inputs, doc FROM hamilton.nodes WHERE module = 'xf' ORDER BY 1;

-- Downstream functions and SQL nodes read the fields by name.
CREATE FUNCTION xf.zscore_of_max(mean float8, std float8, hi float8) RETURNS float8
    LANGUAGE sql RETURN (hi - mean) / std;
SELECT hamilton_define('xf.per_row', 'SELECT total / n AS per_row FROM total, n');
SELECT node, status FROM hamilton_execute(ARRAY['zscore_of_max', 'per_row']);
SELECT upstream, downstream FROM hamilton.edges WHERE downstream IN ('xf.zscore_of_max', 'xf.mean', 'xf.hi') ORDER BY 2, 1;
-- The same values as the hand-written SQL.
SELECT (SELECT zscore_of_max FROM xf.zscore_of_max)
       = (SELECT (max(x) - avg(x)) / stddev(x) FROM xf.obs) AS zscore_matches,
       (SELECT per_row FROM xf.per_row) = (SELECT sum(x) / count(*) FROM xf.obs) AS per_row_matches;
-- A field can be requested, checked and overridden as any scalar.
SELECT hamilton_check('xf.std', '[{"check": "range", "max": 1, "severity": "fail"}]');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['zscore_of_max'])$$);
SELECT node, status FROM hamilton_execute(ARRAY['zscore_of_max'], overrides => '{"std": 0.5}');
TABLE xf.zscore_of_max;
SELECT hamilton_check('xf.std', '[]');

-- A result of no row or several is an error of the run, never a NULL.
SELECT hamilton_define('xf.rows', 'SELECT x AS v, x * 2 AS w FROM xf.obs');
SELECT * FROM hamilton_extract_fields('xf.rows');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['v'])$$);
SELECT hamilton_define('xf.rows', 'SELECT x AS v, x * 2 AS w FROM xf.obs WHERE false');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['v'])$$);

-- Extracting again after the node changed makes its fields again; w, which
-- it no longer yields, is gone.
SELECT hamilton_define('xf.rows', 'SELECT max(x)::numeric AS v, min(x) AS u FROM xf.obs');
SELECT * FROM hamilton_extract_fields('xf.rows');
SELECT node, type FROM hamilton.nodes WHERE node IN ('xf.v', 'xf.w', 'xf.u') ORDER BY 1;
SELECT node, status FROM hamilton_execute(ARRAY['v', 'u']);
SELECT * FROM xf.v, xf.u;

-- The variants of a node have the same fields.
SELECT hamilton_define('xf.pick', 'SELECT 1 AS p1, 2 AS p2', config_when => '{"mode": "a"}');
SELECT hamilton_define('xf.pick', 'SELECT 10 AS p1, 20 AS p2', config_when => '{"mode": "b"}');
SELECT * FROM hamilton_extract_fields('xf.pick');
SELECT node, status FROM hamilton_execute(ARRAY['p2'], config => '{"mode": "b"}');
TABLE xf.p2;

-- A node that reads a node with variants: its fields are those of the
-- variants a run without config chooses; if none is chosen so, only a run
-- can tell.
SELECT hamilton_define('xf.src', 'SELECT 1.5::float8 AS s', config_when => '{"mode": {"not": "other"}}');
SELECT hamilton_define('xf.src', 'SELECT 2.5::float8 AS s', config_when => '{"mode": "other"}');
SELECT hamilton_define('xf.src_stats', 'SELECT max(s) AS src_max FROM src');
SELECT * FROM hamilton_extract_fields('xf.src_stats');
SELECT node, status FROM hamilton_execute(ARRAY['src_max'], config => '{"mode": "other"}');
TABLE xf.src_max;
SELECT hamilton_define('xf.src2', 'SELECT 1 AS s2', config_when => '{"mode": "a"}');
SELECT hamilton_define('xf.src2_stats', 'SELECT max(s2) AS src2_max FROM src2');
SELECT try_sql($$SELECT * FROM hamilton_extract_fields('xf.src2_stats')$$);

-- Refusals; nothing is made.
SELECT count(*) AS nodes_before FROM hamilton.nodes WHERE module = 'xf' \gset
SELECT hamilton_define('xf.pick', 'SELECT 1 AS p1, 2.5 AS p2', config_when => '{"mode": "c"}');
SELECT try_sql($$SELECT * FROM hamilton_extract_fields('xf.pick')$$);
SELECT hamilton_drop('xf.pick');
SELECT hamilton_define('xf.frame', 'SELECT 1 AS k, 2 AS col', key => ARRAY['k'], extract_columns => true);
SELECT try_sql($$SELECT * FROM hamilton_extract_fields('xf.frame')$$);
SELECT try_sql($$SELECT * FROM hamilton_extract_fields('xf.mean')$$);
SELECT try_sql($$SELECT * FROM hamilton_extract_fields('xf.col')$$);
SELECT try_sql($$SELECT * FROM hamilton_extract_fields('xf.no_such_node_here')$$);
SELECT try_sql($$SELECT * FROM hamilton_extract_fields(NULL)$$);
SELECT hamilton_define('xf.echo', 'SELECT h AS echoed FROM h');
SELECT try_sql($$SELECT * FROM hamilton_extract_fields('xf.echo')$$);
SELECT hamilton_define('xf.selfish', 'SELECT 1 AS selfish');
SELECT try_sql($$SELECT * FROM hamilton_extract_fields('xf.selfish')$$);
SELECT hamilton_define('xf.under', 'SELECT 1 AS _hidden');
SELECT try_sql($$SELECT * FROM hamilton_extract_fields('xf.under')$$);
CREATE FUNCTION xf.mine() RETURNS int LANGUAGE sql RETURN 1;
SELECT hamilton_define('xf.taken', 'SELECT 1 AS mine, 2 AS summary');
SELECT try_sql($$SELECT * FROM hamilton_extract_fields('xf.taken')$$);
SELECT hamilton_define('xf.taken', 'SELECT 2 AS summary');
SELECT try_sql($$SELECT * FROM hamilton_extract_fields('xf.taken')$$);
SELECT count(*) - 5 = :nodes_before AS only_the_defined_nodes FROM hamilton.nodes WHERE module = 'xf';

SELECT drop_module('xf');
