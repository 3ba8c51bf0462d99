-- hamilton_does (Hamilton's @does): several nodes share one implementation
-- function, each with its parameters mapped: to a node (its name, or
-- {"source": ...}: an edge) or to a constant ({"value": ...}).  A parameter
-- left out reads the node of its own name, as Hamilton's @does passes the
-- decorated function's parameters through.
SELECT setval('hamilton.run_id_seq', 9950) > 0 AS ok;
CREATE SCHEMA ds;
SELECT hamilton_register('ds');
CREATE FUNCTION ds.tv_spend() RETURNS numeric LANGUAGE sql RETURN 100;
CREATE FUNCTION ds.radio_spend() RETURNS numeric LANGUAGE sql RETURN 40;
CREATE FUNCTION ds.print_spend() RETURNS numeric LANGUAGE sql RETURN 10;
CREATE FUNCTION ds._weighted_sum(a numeric, ds_b numeric, weight numeric DEFAULT 1) RETURNS numeric
    LANGUAGE sql IMMUTABLE RETURN a + ds_b * weight;
SELECT hamilton_does('ds.broadcast_spend', 'ds._weighted_sum', '{"a": "tv_spend", "ds_b": "radio_spend"}');
SELECT hamilton_does('ds.paid_spend', 'ds._weighted_sum', '{"a": "broadcast_spend", "ds_b": {"source": "print_spend"}, "weight": {"value": 2}}');
SELECT hamilton_does('ds.tv_plus_b', 'ds._weighted_sum', '{"a": "tv_spend"}');
SELECT node, kind, inputs, doc FROM hamilton.nodes WHERE module = 'ds' ORDER BY 1;
SELECT upstream, downstream FROM hamilton.edges WHERE downstream LIKE 'ds.%' ORDER BY 2, 1;
SELECT node, status FROM hamilton_execute(ARRAY['broadcast_spend', 'paid_spend']);
SELECT * FROM ds.broadcast_spend, ds.paid_spend;
-- The same values as the hand-written arithmetic.
SELECT (SELECT broadcast_spend FROM ds.broadcast_spend) = 100 + 40 * 1 AS broadcast_matches,
       (SELECT paid_spend FROM ds.paid_spend) = (100 + 40) + 10 * 2 AS paid_matches;
-- An unmapped parameter is an input of its own name; its default stays.
SELECT node, status FROM hamilton_execute(ARRAY['tv_plus_b'], inputs => '{"ds_b": 5}');
TABLE ds.tv_plus_b;
SELECT node, status FROM hamilton_execute(ARRAY['tv_plus_b'], inputs => '{"ds_b": 5, "weight": 3}');
TABLE ds.tv_plus_b;
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['tv_plus_b'])$$);
-- Mapping the node again replaces it; the implementation cannot be dropped
-- while nodes use it.
SELECT hamilton_does('ds.tv_plus_b', 'ds._weighted_sum', '{"a": "tv_spend", "ds_b": {"value": 1}}');
SELECT node, inputs FROM hamilton.nodes WHERE node = 'ds.tv_plus_b';
SELECT try_sql('DROP FUNCTION ds._weighted_sum');

-- Refusals; nothing is made.
SELECT count(*) AS nodes_before FROM hamilton.nodes WHERE module = 'ds' \gset
SELECT try_sql($$SELECT hamilton_does('ds.x', 'ds._weighted_sum', '{"c": "tv_spend"}')$$);
SELECT try_sql($$SELECT hamilton_does('ds.x', 'ds._weighted_sum', '{"a": 5}')$$);
SELECT try_sql($$SELECT hamilton_does('ds.x', 'ds._weighted_sum', '{"a": "ds.tv_spend"}')$$);
SELECT try_sql($$SELECT hamilton_does('ds.x', 'ds._weighted_sum', '[1]')$$);
SELECT try_sql($$SELECT hamilton_does('ds.tv_spend', 'ds._weighted_sum', '{}')$$);
SELECT try_sql($$SELECT hamilton_does('ds._x', 'ds._weighted_sum', '{}')$$);
SELECT try_sql($$SELECT hamilton_does('ds.x', 'ds._no_such_function', '{}')$$);
SELECT try_sql($$SELECT hamilton_does(NULL, 'ds._weighted_sum', '{}')$$);
SELECT count(*) = :nodes_before AS nothing_made FROM hamilton.nodes WHERE module = 'ds';

SELECT drop_module('ds');
