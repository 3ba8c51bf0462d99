-- Names are quoted everywhere: a schema called "Odd Schema" and a function
-- called "Weird ""Name""" work end to end.
CREATE SCHEMA "Odd Schema";
CREATE TABLE "Odd Schema"."Source Table" ("Amount" int, "select" int);
INSERT INTO "Odd Schema"."Source Table" VALUES (1, 10), (2, 20);
CREATE FUNCTION "Odd Schema"."Weird ""Name"""("Input Value" int) RETURNS int LANGUAGE sql RETURN "Input Value" * 2;
SELECT hamilton_register('"Odd Schema"');
SELECT hamilton_define('"Odd Schema"."Mixed Case"', $$
    SELECT s."Amount", s."select", w."Weird ""Name""" AS "factor ""x"""
    FROM "Odd Schema"."Source Table" s, "Weird ""Name""" w
$$);
SELECT hamilton_define('"Odd Schema"."table"', 'SELECT sum("Amount") AS "sum" FROM "Mixed Case"');
SELECT node, module, name, inputs, sources FROM hamilton.nodes WHERE module = 'Odd Schema' OR name = 'Input Value' ORDER BY node;
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['"Odd Schema"."Mixed Case"', '"table"'],
    inputs => '{"Input Value": 21}');
SELECT * FROM "Odd Schema"."Mixed Case" ORDER BY 1;
TABLE "Odd Schema"."table";
SELECT hamilton_explain(ARRAY['"Odd Schema"."table"'], inputs => '{"Input Value": 1}');
SELECT * FROM hamilton_upstream('"table"');
SELECT hamilton_tag('"Odd Schema"."Weird ""Name"""', '{"odd": "yes"}');
SELECT node, key, value FROM hamilton.tags WHERE module = 'Odd Schema';
SELECT relation, node FROM hamilton.lineage WHERE module = 'Odd Schema' ORDER BY 1;
-- Bad name syntax is an error, not a guess.
SELECT * FROM hamilton_execute(ARRAY['"Odd Schema"."unterminated']);

-- Clean up.
SELECT drop_module('Odd Schema');
