-- One function, many nodes: hamilton_parameterize on a function template
-- (Hamilton's @parameterize with value() and source()) and hamilton_does
-- (@does).  Each node is a function of its module calling the template:
-- a value binding is a constant, a source binding an edge, an unbound
-- parameter stays a parameter of its own name (and default).
SELECT setval('hamilton.run_id_seq', 9800) > 0 AS ok;
CREATE SCHEMA ft;
CREATE TABLE ft.marketing (week int PRIMARY KEY, spend float8, signups int);
INSERT INTO ft.marketing VALUES (1, 10, 1), (2, 10, 10), (3, 20, 50), (4, 40, 100), (5, 40, 200), (6, 50, 300);
SELECT hamilton_register('ft');
SELECT hamilton_define('ft.weekly', 'SELECT week, spend, signups FROM ft.marketing', key => ARRAY['week'], extract_columns => true);

-- Hamilton's _rolling_mean(spend, weeks), bound to value(2) and value(3).
CREATE FUNCTION ft._rolling_mean(spend regclass, weeks int)
RETURNS TABLE (week int, avg_spend float8) LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE format('SELECT week, avg(spend) OVER (ORDER BY week ROWS %s PRECEDING) FROM %s',
                                weeks - 1, spend);
END $$;
COMMENT ON FUNCTION ft._rolling_mean IS 'Rolling {weeks} week average spend.';
SELECT * FROM hamilton_parameterize('ft._rolling_mean',
    '{"avg_2wk_spend": {"weeks": {"value": 2}}, "avg_3wk_spend": {"weeks": {"value": 3}}}');
SELECT node, kind, inputs, doc FROM hamilton.nodes WHERE node LIKE 'ft.avg_%' ORDER BY 1;
SELECT node, status FROM hamilton_execute(ARRAY['avg_2wk_spend', 'avg_3wk_spend']);
-- The same values as the hand-written windows.
SELECT (SELECT array_agg(avg_spend ORDER BY week) FROM ft.avg_2wk_spend)
       = (SELECT array_agg(a ORDER BY week) FROM (SELECT week, avg(spend) OVER (ORDER BY week ROWS 1 PRECEDING) AS a FROM ft.marketing) s) AS two_weeks_match,
       (SELECT array_agg(avg_spend ORDER BY week) FROM ft.avg_3wk_spend)
       = (SELECT array_agg(a ORDER BY week) FROM (SELECT week, avg(spend) OVER (ORDER BY week ROWS 2 PRECEDING) AS a FROM ft.marketing) s) AS three_weeks_match;

-- A row-wise template: column nodes of the frame, inlined into its query.
-- source() binds a parameter to another node: an edge, in hamilton.edges.
CREATE FUNCTION ft._per(total float8, count int, scale int DEFAULT 1) RETURNS float8
LANGUAGE sql IMMUTABLE RETURN total * scale / nullif(count, 0);
SELECT * FROM hamilton_parameterize('ft._per', '{
    "spend_per_signup": {"total": {"source": "spend"}, "count": {"source": "signups"}},
    "spend_per_100_signups": {"total": {"source": "spend"}, "count": {"source": "signups"}, "scale": {"value": 100}},
    "spend_per_week": {"total": {"source": "spend"}, "count": {"value": 1}}}');
SELECT node, inputs FROM hamilton.nodes WHERE node LIKE 'ft.spend_per%' ORDER BY 1;
SELECT upstream, downstream FROM hamilton.edges WHERE downstream LIKE 'ft.spend_per%' ORDER BY 2, 1;
SELECT node, status FROM hamilton_execute(ARRAY['spend_per_signup', 'spend_per_100_signups', 'spend_per_week'],
                                          into_table => 'ft.per');
SELECT * FROM ft.per ORDER BY week;
SELECT bool_and(p.spend_per_signup IS NOT DISTINCT FROM m.spend / nullif(m.signups, 0)
            AND p.spend_per_100_signups IS NOT DISTINCT FROM m.spend * 100 / nullif(m.signups, 0)
            AND p.spend_per_week = m.spend) AS per_match
FROM ft.per p JOIN ft.marketing m USING (week);
-- An unbound parameter with a default keeps it: scale is an optional input.
SELECT node, status FROM hamilton_execute(ARRAY['spend_per_signup'], inputs => '{"scale": 1000}');
SELECT spend_per_signup FROM ft.spend_per_signup WHERE week = 1;

-- A scalar template, with a check on one of its nodes.
CREATE FUNCTION ft._threshold(base numeric, pct numeric) RETURNS numeric LANGUAGE sql RETURN base * pct / 100;
SELECT * FROM hamilton_parameterize('ft._threshold', '{"low": {"pct": {"value": 10}}, "high": {"pct": {"value": 90}}}');
SELECT hamilton_check('ft.high', '[{"check": "range", "max": 50}]');
SELECT node, status FROM hamilton_execute(ARRAY['low', 'high'], inputs => '{"base": 50}');
SELECT * FROM ft.low, ft.high;

-- Binding the template again replaces its nodes; the template cannot be
-- dropped while they stand.
SELECT * FROM hamilton_parameterize('ft._threshold', '{"high": {"pct": {"value": 80}}}');
SELECT node, status FROM hamilton_execute(ARRAY['high'], inputs => '{"base": 50}');
TABLE ft.high;
SELECT try_sql('DROP FUNCTION ft._threshold');

-- @does: a node computed by a shared function, its parameters mapped to
-- nodes (a name is a source) or values; an unmapped one reads its own name.
CREATE FUNCTION ft._sum(a float8, ft_extra float8) RETURNS float8 LANGUAGE sql IMMUTABLE RETURN a + ft_extra;
SELECT hamilton_does('ft.spend_plus_per', 'ft._sum', '{"a": "spend", "ft_extra": {"source": "spend_per_week"}}');
SELECT hamilton_does('ft.spend_plus_ten', 'ft._sum', '{"a": "spend", "ft_extra": {"value": 10}}');
SELECT hamilton_does('ft.b_plus_spend', 'ft._sum', '{"a": "spend"}');
SELECT node, inputs, doc FROM hamilton.nodes WHERE node IN ('ft.spend_plus_per', 'ft.spend_plus_ten', 'ft.b_plus_spend') ORDER BY 1;
SELECT node, status FROM hamilton_execute(ARRAY['spend_plus_per', 'spend_plus_ten'], into_table => 'ft.plus');
SELECT * FROM ft.plus ORDER BY week;
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['b_plus_spend'])$$);
-- A node made so can be a variant (Hamilton's @config.when), like any function.
SELECT hamilton_does('ft.rate__eu', 'ft._threshold', '{"base": {"value": 100}, "pct": {"value": 20}}');
SELECT hamilton_does('ft.rate__us', 'ft._threshold', '{"base": {"value": 100}, "pct": {"value": 10}}');
SELECT hamilton_when('ft.rate__eu', '{"region": "eu"}');
SELECT hamilton_when('ft.rate__us', '{"region": "us"}');
SELECT node, status FROM hamilton_execute(ARRAY['rate'], config => '{"region": "us"}');
TABLE ft.rate;

-- SQL templates take value() and source() too: {"source": "spend"} writes
-- the node's name (an edge), {"value": "eu"} a literal (a plain string is
-- written as it is, as before).
SELECT * FROM hamilton_parameterize('ft.{c}_plus_one', '{c} + 1', '{"c": [{"source": "spend"}, {"source": "signups"}]}');
SELECT * FROM hamilton_parameterize('ft.tagged_{i}', 'CASE WHEN spend > 15 THEN {w} END', '{"i": [1, 2], "w": [{"value": "it''s high"}, {"value": null}]}');
SELECT node, definition, inputs FROM hamilton.nodes WHERE node ~ '^ft\.(spend|signups)_plus_one$|^ft\.tagged_' ORDER BY 1;
SELECT upstream, downstream FROM hamilton.edges WHERE downstream ~ '_plus_one$' ORDER BY 2;
SELECT node, status FROM hamilton_execute(ARRAY['spend_plus_one', 'signups_plus_one', 'tagged_1', 'tagged_2'], into_table => 'ft.sqlt');
SELECT * FROM ft.sqlt ORDER BY week;
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft.bad_{i}', '{i} + 1', '{"i": [{"nope": 1}]}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft.bad_{i}', '{i} + 1', '{"i": [[1]]}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft.bad_{i}', '{i} + 1', '{"i": [{"source": 1}]}')$$);

-- Refusals; nothing is made.
CREATE FUNCTION ft.mine() RETURNS int LANGUAGE sql RETURN 1;
SELECT count(*) AS nodes_before FROM hamilton.nodes WHERE module = 'ft' \gset
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._per', '{"x": {"nope": {"value": 1}}}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._per', '{"x": {"count": 1}}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._per', '{"x": {"count": {"value": 1, "source": "signups"}}}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._per', '{"x": {"count": {"source": "ft.signups"}}}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._per', '{"x": {"count": {"source": 3}}}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._per', '{"x": {"count": {"value": [1, 2]}}}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._per', '{"x": {"count": {"value": "many"}}}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._per', '{"x": {"total": {"source": "signups"}, "count": {"source": "signups"}}}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._per', '{"_x": {}}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._per', '{"x": [1]}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._per', '{}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._per', '{"public.x": {}}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._nope', '{"x": {}}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._per', NULL)$$);
-- A name that is taken: the user's function, or a SQL node.
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._per', '{"weekly": {}}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._per', '{"mine": {}}')$$);
SELECT try_sql($$SELECT hamilton_does('ft.mine', 'ft._sum', '{}')$$);
-- Templates a node cannot be made from.
CREATE FUNCTION ft._many(VARIADIC xs int[]) RETURNS int LANGUAGE sql RETURN cardinality(xs);
CREATE FUNCTION ft._any(x anyelement) RETURNS anyelement LANGUAGE plpgsql AS 'BEGIN RETURN x; END';
CREATE FUNCTION ft._unnamed(int) RETURNS int LANGUAGE sql RETURN $1;
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._many', '{"x": {}}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._any', '{"x": {}}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._unnamed', '{"x": {}}')$$);
SELECT try_sql($$SELECT * FROM hamilton_parameterize('pg_catalog.sum(int4)'::regprocedure::regproc, '{"x": {}}')$$);
CREATE SCHEMA ft_other;
SELECT try_sql($$SELECT * FROM hamilton_parameterize('ft._per', '{"ft_other.x": {}}')$$);
SELECT count(*) = :nodes_before AS nothing_made FROM hamilton.nodes WHERE module = 'ft';
SELECT (SELECT count(*) FROM pg_proc WHERE pronamespace = 'ft'::regnamespace AND proname = 'x') AS x_functions;

DROP SCHEMA ft_other;
SELECT drop_module('ft');
