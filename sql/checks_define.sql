-- A check that cannot be evaluated is refused when it is defined
-- (hamilton_check, hamilton_define, hamilton_parameterize), and nothing is
-- stored: a check on a column the node does not have, a column node's check
-- naming another column, a check whose query does not analyse, an option its
-- kind does not use.  What only a run can tell (a SQL node reading an input,
-- whose type comes with its value; a function replaced since) is refused when
-- the run is validated, before any work.
-- Run ids appear in messages: make them predictable.
SELECT setval('hamilton.run_id_seq', 7700) > 0 AS ok;
CREATE SCHEMA cd;
CREATE TABLE cd.src (k int PRIMARY KEY, v float8, t text);
INSERT INTO cd.src VALUES (1, 1.5, 'a'), (2, 2.5, 'b');
CREATE FUNCTION cd.pairs() RETURNS TABLE (k int, w int) LANGUAGE sql STABLE AS $$ SELECT 1, 2 $$;
CREATE FUNCTION cd.ids() RETURNS SETOF int LANGUAGE sql STABLE AS $$ SELECT 1 $$;
CREATE FUNCTION cd.lim(n int) RETURNS int LANGUAGE sql RETURN n;
SELECT hamilton_register('cd');

-- Function nodes: their columns come from pg_proc.
SELECT try_sql($$SELECT hamilton_check('cd.pairs', '[{"check": "not_null", "column": "ww"}]')$$);
-- without "column", a check reads the node's own column: a table has none of that name
SELECT try_sql($$SELECT hamilton_check('cd.pairs', '[{"check": "unique"}]')$$);
SELECT try_sql($$SELECT hamilton_check('cd.lim', '[{"check": "not_null", "column": "n"}]')$$);
SELECT try_sql($$SELECT hamilton_check('cd.pairs', '[{"check": "sql", "predicate": "nope > 1"}]')$$);
SELECT try_sql($$SELECT hamilton_check('cd.pairs', '[{"check": "in", "column": "w", "values": ["x"]}]')$$);
SELECT node, checks FROM hamilton.nodes WHERE node IN ('cd.pairs', 'cd.lim') ORDER BY node;
-- What fits is accepted: a SETOF function's column is named after it.
SELECT hamilton_check('cd.pairs', '[{"check": "unique", "column": "k"}, {"check": "sql", "predicate": "w > k"}]');
SELECT hamilton_check('cd.ids', '[{"check": "not_null"}]');
SELECT hamilton_check('cd.lim', '[{"check": "range", "min": 0}]');

-- Options a check does not use are refused, not ignored.
SELECT try_sql($$SELECT hamilton_check('cd.lim', '[{"check": "not_null", "min": 0}]')$$);
SELECT try_sql($$SELECT hamilton_check('cd.lim', '[{"check": "range", "min": 0, "values": [1]}]')$$);
SELECT try_sql($$SELECT hamilton_check('cd.pairs', '[{"check": "sql", "predicate": "w > 0", "column": "w"}]')$$);
SELECT try_sql($$SELECT hamilton_check('cd.pairs', '[{"check": "unique", "column": "k", "predicate": "k > 0"}]')$$);

-- SQL nodes: their columns come from analysing their SELECT (nothing runs).
-- Refused, the node is not defined.
SELECT try_sql($$SELECT hamilton_define('cd.q', 'SELECT k, t FROM cd.src', checks => '[{"check": "not_null", "column": "v"}]')$$);
SELECT try_sql($$SELECT hamilton_define('cd.q', 'SELECT k, t FROM cd.src', checks => '[{"check": "range", "column": "t", "min": 0}]')$$);
SELECT try_sql($$SELECT hamilton_define('cd.q', 'SELECT k, t FROM cd.src', checks => '[{"check": "sql", "predicate": "length(v) > 0"}]')$$);
SELECT count(*) AS defined FROM hamilton.nodes WHERE node = 'cd.q';
SELECT hamilton_define('cd.q', 'SELECT k, t FROM cd.src', checks => '[{"check": "not_null", "column": "t"}]');
-- Redefining it without the checked column is refused; the definition stays.
SELECT try_sql($$SELECT hamilton_define('cd.q', 'SELECT k FROM cd.src')$$);
SELECT node, definition, checks FROM hamilton.nodes WHERE node = 'cd.q';
-- A SQL node that reads nodes: their shapes are known (a function, a SQL
-- node, a scalar as a one-row relation).
SELECT try_sql($$SELECT hamilton_define('cd.q2', 'SELECT q.k, q.t, p.w, lim FROM q JOIN pairs p USING (k), lim',
    checks => '[{"check": "not_null", "column": "v"}]')$$);
SELECT hamilton_define('cd.q2', 'SELECT q.k, q.t, p.w, lim FROM q JOIN pairs p USING (k), lim',
    checks => '[{"check": "not_null", "column": "w"}, {"check": "range", "column": "lim", "max": 10}]');
-- A frame, and hamilton_check on a SQL node.
SELECT hamilton_define('cd.f', 'SELECT k, v FROM cd.src', key => ARRAY['k'], extract_columns => true);
SELECT try_sql($$SELECT hamilton_check('cd.f', '[{"check": "not_null", "column": "t"}]')$$);
SELECT try_sql($$SELECT hamilton_check('cd.q', '[{"check": "range", "column": "t", "max": 3}]')$$);

-- Column nodes: their checks read their own column.
SELECT try_sql($$SELECT hamilton_define('cd.v2', 'v * 2', checks => '[{"check": "not_null", "column": "v"}]')$$);
SELECT count(*) AS defined FROM hamilton.nodes WHERE node = 'cd.v2';
SELECT hamilton_define('cd.v2', 'v * 2', checks => '[{"check": "not_null", "column": "v2"}]');
CREATE FUNCTION cd.v3(v float8) RETURNS float8 LANGUAGE sql RETURN v * 3;
SELECT try_sql($$SELECT hamilton_check('cd.v3', '[{"check": "not_null", "column": "k"}]')$$);
SELECT try_sql($$SELECT hamilton_check('cd.v3', '[{"check": "in", "values": ["a"]}]')$$);
SELECT hamilton_check('cd.v3', '[{"check": "range", "min": 0}]');

-- hamilton_parameterize: refused for every node it would make, none is made.
SELECT try_sql($$SELECT hamilton_parameterize('cd.t_{n}', 'SELECT k, t FROM cd.src WHERE k <= {n}', '{"n": [1, 2]}',
    checks => '[{"check": "not_null", "column": "v"}]')$$);
SELECT count(*) AS made FROM hamilton.nodes WHERE node LIKE 'cd.t\_%';

-- Variants: a node's checks hold for every variant, so each must fit.  A
-- SETOF function's column is the function's own name, which a variant's is.
CREATE FUNCTION cd.amount__eu() RETURNS TABLE (k int, amount numeric) LANGUAGE sql AS $$ SELECT 1, 2.0 $$;
CREATE FUNCTION cd.amount__us() RETURNS SETOF numeric LANGUAGE sql AS $$ SELECT 2.0 $$;
SELECT hamilton_when('cd.amount__eu', '{"region": "eu"}');
SELECT hamilton_check('cd.amount', '[{"check": "not_null"}]');
-- a new variant must fit the node's checks too; refused, it stays a node of its own
SELECT try_sql($$SELECT hamilton_when('cd.amount__us', '{"region": "us"}')$$);
SELECT node, config_when, checks FROM hamilton.nodes WHERE node LIKE 'cd.amount%' ORDER BY node;
SELECT hamilton_check('cd.amount', '[]');
SELECT hamilton_when('cd.amount__us', '{"region": "us"}');
SELECT try_sql($$SELECT hamilton_check('cd.amount', '[{"check": "not_null"}]')$$);
SELECT hamilton_define('cd.mix', 'SELECT 1 AS k, 2 AS a', config_when => '{"region": "eu"}');
SELECT hamilton_define('cd.mix', 'SELECT 1 AS k, 2 AS b', config_when => '{"region": "us"}');
SELECT try_sql($$SELECT hamilton_check('cd.mix', '[{"check": "not_null", "column": "a"}]')$$);
SELECT hamilton_check('cd.mix', '[{"check": "not_null", "column": "k"}]');
-- What reads a node with variants is known only once config picks one.
SELECT hamilton_define('cd.reads_mix', 'SELECT * FROM mix', checks => '[{"check": "not_null", "column": "a"}]');
SELECT * FROM hamilton_validate(ARRAY['reads_mix'], config => '{"region": "eu"}');
SELECT problem, node, message FROM hamilton_validate(ARRAY['reads_mix'], config => '{"region": "us"}');

-- What only a run can tell: a SQL node reading an input.  hamilton_validate
-- reports it; hamilton_execute refuses before any work, and no run is made.
SELECT hamilton_define('cd.horizon_rows', 'SELECT k, horizon FROM cd.src, horizon',
    checks => '[{"check": "range", "column": "horizon", "min": 0}]');
SELECT * FROM hamilton_validate(ARRAY['horizon_rows'], inputs => '{"horizon": "soon"}');
SELECT * FROM hamilton_validate(ARRAY['horizon_rows'], inputs => '{"horizon": 4}');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['horizon_rows'], inputs => '{"horizon": "soon"}')$$);
SELECT node, status FROM hamilton_execute(ARRAY['horizon_rows'], inputs => '{"horizon": 4}');
-- A function replaced after its check was set: the run is refused before it starts.
SELECT node, status FROM hamilton_execute(ARRAY['pairs']);
DROP FUNCTION cd.pairs() CASCADE;
CREATE FUNCTION cd.pairs() RETURNS TABLE (key int, w int) LANGUAGE sql STABLE AS $$ SELECT 1, 2 $$;
SELECT * FROM hamilton_validate(ARRAY['pairs']);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['pairs'])$$);
SELECT * FROM cd.pairs;
SELECT run_id, status FROM hamilton.runs WHERE run_id > 7700 ORDER BY run_id;

-- A SQL node reading a column expression: the expression's type is found
-- by analysing it over what it reads, so this is known before the run too.
SELECT hamilton_define('cd.v2_rows', 'SELECT k, v2 FROM v2', checks => '[{"check": "not_null", "column": "v2"}]');
SELECT try_sql($$SELECT hamilton_check('cd.v2_rows', '[{"check": "in", "column": "v2", "values": ["x"]}]')$$);
SELECT try_sql($$SELECT hamilton_check('cd.v2', '[{"check": "in", "values": ["x"]}]')$$);

-- Where a shape cannot be known before the run (TABLE q names a relation,
-- where no typed row source can stand), the run stops at that step with the
-- same clear error, and earlier results stay.
SELECT hamilton_define('cd.q_again', 'TABLE q', checks => '[{"check": "not_null", "column": "v"}]');
SELECT * FROM hamilton_validate(ARRAY['q_again']);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['q_again'])$$);
SELECT sqlstate_of($$SELECT * FROM hamilton_execute(ARRAY['q_again'])$$);
SELECT count(*) AS kept FROM cd.horizon_rows;

SELECT drop_module('cd');
