-- Scalars, tables and everything between compose, in any language.
CREATE SCHEMA sc;
CREATE TABLE sc.prices (item text, price numeric);
INSERT INTO sc.prices VALUES ('apple', 1.20), ('pear', 0.80), ('fig', 3.00);

-- plpython3u scalar node.
CREATE FUNCTION sc.discount(rate float8) RETURNS float8 LANGUAGE plpython3u AS $$
return round(1.0 - rate, 4)
$$;
-- C (internal) scalar node: sqrt of an input.
CREATE FUNCTION sc.root(square float8) RETURNS float8 LANGUAGE internal IMMUTABLE STRICT AS 'dsqrt';
-- A set-returning SQL function is a table node.
CREATE FUNCTION sc.items(min_price numeric) RETURNS SETOF sc.prices LANGUAGE sql STABLE
AS $$ SELECT * FROM sc.prices WHERE price >= min_price $$;
-- RETURNS TABLE too, in plpgsql, reading an upstream table through regclass.
CREATE FUNCTION sc.discounted(items regclass, discount float8)
RETURNS TABLE (item text, price numeric) LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format('SELECT item, round(price * %s::numeric, 2) FROM %s', discount, items);
END $$;
-- A plpython3u function reading an upstream table through regclass.
CREATE FUNCTION sc.cheapest(discounted regclass) RETURNS text LANGUAGE plpython3u AS $$
rows = plpy.execute("SELECT item FROM %s ORDER BY price, item LIMIT 1" % discounted)
return rows[0]["item"]
$$;
-- A parameter with a default is an optional input.
CREATE FUNCTION sc.greeting(cheapest text, punctuation text DEFAULT '!') RETURNS text
LANGUAGE sql RETURN 'buy ' || cheapest || punctuation;
-- Array and jsonb inputs.
CREATE FUNCTION sc.picked(wanted text[]) RETURNS int LANGUAGE sql RETURN cardinality(wanted);
CREATE FUNCTION sc.settings_keys(settings jsonb) RETURNS int LANGUAGE sql
RETURN (SELECT count(*) FROM jsonb_object_keys(settings));
SELECT hamilton_register('sc');
-- A SQL node reads scalars (nodes and inputs) as one-row relations of the same name.
SELECT hamilton_define('sc.report', $$
    SELECT d.item, d.price, root, greeting, rate
    FROM discounted d, root, greeting, rate
    ORDER BY d.item
$$);

SELECT node, kind, type, inputs FROM hamilton.nodes WHERE module = 'sc' ORDER BY node;
SELECT node, kind, relation, rows, status
FROM hamilton_execute(ARRAY['report'], inputs => '{"rate": 0.25, "square": 16, "min_price": 1}');
TABLE sc.report;

-- The default is used unless the input is given.
SELECT node, status FROM hamilton_execute(ARRAY['greeting'],
    inputs => '{"rate": 0.5, "min_price": 0, "punctuation": "?"}');
TABLE sc.greeting;

-- Requested scalars are materialized as one-row tables named after the node.
SELECT node, relation, rows FROM hamilton_execute(ARRAY['root', 'discount'], inputs => '{"square": 2, "rate": 0.1}');
SELECT * FROM sc.root, sc.discount;

-- Arrays and JSON objects as inputs.
SELECT node, status FROM hamilton_execute(ARRAY['picked', 'settings_keys'],
    inputs => '{"wanted": ["a", "b, \"c\"", null], "settings": {"x": 1, "y": [2]}}');
SELECT * FROM sc.picked, sc.settings_keys;
-- A JSON object cannot become an array, and nested arrays are refused.
SELECT * FROM hamilton_execute(ARRAY['picked'], inputs => '{"wanted": {"a": 1}}');
SELECT * FROM hamilton_execute(ARRAY['picked'], inputs => '{"wanted": [[1]]}');
-- A null input is a SQL NULL.
SELECT node, status FROM hamilton_execute(ARRAY['root'], inputs => '{"square": null}');
SELECT root IS NULL AS is_null FROM sc.root;

-- A variadic parameter receives an array.
CREATE FUNCTION sc.total_of(VARIADIC parts numeric[]) RETURNS numeric LANGUAGE sql
RETURN (SELECT sum(p) FROM unnest(parts) p);
SELECT node, status FROM hamilton_execute(ARRAY['total_of'], inputs => '{"parts": [1, 2, 3.5]}');
TABLE sc.total_of;

-- Clean up.
SELECT drop_module('sc');
