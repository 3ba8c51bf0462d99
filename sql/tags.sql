-- Tags on any node (Hamilton's @tag), and "which outputs depend on PII?".
CREATE SCHEMA tg;
CREATE TABLE tg.customers (id int, email text, country text);
CREATE FUNCTION tg.threshold() RETURNS int LANGUAGE sql RETURN 10;
SELECT hamilton_register('tg');
SELECT hamilton_define('tg.contacts', 'SELECT id, email FROM tg.customers',
                       tags => '{"pii": "true", "owner": "crm"}');
SELECT hamilton_define('tg.by_country', 'SELECT country, count(*) AS n FROM tg.customers GROUP BY country');
SELECT hamilton_define('tg.mailing', 'SELECT c.email FROM contacts c, threshold WHERE c.id < threshold');
SELECT hamilton_define('tg.mailing_size', 'SELECT count(*) AS n FROM mailing');

SELECT hamilton_tag('tg.threshold', '{"owner": "growth", "reviewed": true, "level": 3}');
-- Tags merge; a JSON null removes a key.
SELECT hamilton_tag('tg.threshold', '{"reviewed": null, "level": 4}');
SELECT * FROM hamilton.tags WHERE module = 'tg' ORDER BY node, key;
SELECT node, tags FROM hamilton.nodes WHERE module = 'tg' ORDER BY node;

-- Which outputs depend on PII?
SELECT DISTINCT d.node
FROM hamilton.tags t
CROSS JOIN LATERAL hamilton_downstream(t.node) d
WHERE t.key = 'pii' AND t.value = 'true'
ORDER BY 1;

-- Errors.
SELECT hamilton_tag('tg.nope', '{"a": "b"}');
SELECT hamilton_tag('tg.threshold', '["a"]');
SELECT hamilton_tag('tg.threshold', '{"": "x"}');
-- Dropping a node drops its tags.
SELECT hamilton_drop('tg.contacts');
SELECT count(*) FROM hamilton.tags WHERE node = 'tg.contacts';

-- The tag materialize = table keeps any node's result, functions included.
CREATE FUNCTION tg.big_countries(by_country regclass) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN RETURN QUERY EXECUTE format('SELECT country FROM %s WHERE n > 1', by_country); END $$;
SELECT hamilton_define('tg.big_count', 'SELECT count(*) AS n FROM big_countries');
SELECT hamilton_tag('tg.big_countries', '{"materialize": "table"}');
SELECT node, materialize FROM hamilton.nodes WHERE node = 'tg.big_countries';
SELECT node, relation, status FROM hamilton_execute(ARRAY['big_count']);
SELECT count(*) AS kept FROM pg_tables WHERE schemaname = 'tg' AND tablename = 'big_countries';
SELECT hamilton_tag('tg.big_countries', '{"materialize": "sometimes"}');
SELECT hamilton_tag('tg.big_countries', '{"materialize": null}');
SELECT node, materialize FROM hamilton.nodes WHERE node = 'tg.big_countries';

-- Clean up.
SELECT drop_module('tg');
