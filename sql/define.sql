-- SQL nodes: a single read-only SELECT; its inputs are the relations it reads.
CREATE SCHEMA src;
CREATE TABLE src.events (id int, kind text, amount numeric);
INSERT INTO src.events VALUES (1, 'a', 10), (2, 'b', 20), (3, 'a', 30);
CREATE SCHEMA def;

SELECT hamilton_define('def.by_kind', 'SELECT kind, sum(amount) AS total FROM src.events GROUP BY kind',
                       doc => 'Totals per kind.');
-- Unqualified names resolve to nodes (same module first), CTE names are not relations.
SELECT hamilton_define('def.top_kind', $$
    WITH ranked AS (SELECT kind, total, rank() OVER (ORDER BY total DESC) AS r FROM by_kind)
    SELECT kind, total FROM ranked WHERE r = 1;
$$);
-- Subqueries, joins and scalar subqueries are read too.
SELECT hamilton_define('def.share', $$
    SELECT b.kind, b.total / (SELECT sum(total) FROM def.by_kind) AS share
    FROM by_kind b JOIN top_kind t ON true
$$);
SELECT node, kind, language, inputs, sources, doc, definition FROM hamilton.nodes WHERE module = 'def' ORDER BY node;
SELECT * FROM hamilton.edges WHERE downstream LIKE 'def.%' ORDER BY downstream, upstream, via;

SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['share']);
SELECT * FROM def.share ORDER BY kind;
-- Intermediates were not persisted.
SELECT count(*) FROM pg_tables WHERE schemaname = 'def';

-- Redefining replaces the definition (and its doc).
SELECT hamilton_define('def.by_kind', 'SELECT kind, max(amount) AS total FROM src.events GROUP BY kind');
SELECT node, doc, definition FROM hamilton.nodes WHERE node = 'def.by_kind';
SELECT node, rows, status FROM hamilton_execute(ARRAY['share']);
SELECT * FROM def.share ORDER BY kind;

-- materialize => 'table' keeps an intermediate.
SELECT hamilton_define('def.top_kind', 'SELECT kind, total FROM by_kind ORDER BY total DESC LIMIT 1',
                       materialize => 'table');
SELECT node, relation, status FROM hamilton_execute(ARRAY['share']);
TABLE def.top_kind;

-- Declared inputs order nodes that read each other some other way.
CREATE FUNCTION def._count_rows(tbl text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint; BEGIN EXECUTE format('SELECT count(*) FROM %s', tbl) INTO n; RETURN n; END $$;
SELECT hamilton_define('def.kinds_seen', $$SELECT def._count_rows('def.by_kind') AS n$$,
                       inputs => ARRAY['def.by_kind']);
SELECT node, relation, status FROM hamilton_execute(ARRAY['kinds_seen']);
TABLE def.kinds_seen;

-- An unqualified name in a definition goes to the schema a CREATE TABLE would use.
SET search_path = def, public;
SELECT hamilton_define('plain', 'SELECT 1 AS one');
RESET search_path;
SELECT node FROM hamilton.nodes WHERE name = 'plain';

-- Dropping a SQL node forgets it; its last result table stays.
SELECT hamilton_drop('def.kinds_seen');
SELECT count(*) FROM hamilton.nodes WHERE node = 'def.kinds_seen';
SELECT count(*) FROM def.kinds_seen;
SELECT hamilton_drop('def.kinds_seen');
SELECT hamilton_drop('reg.base');
SELECT hamilton_drop('def.plain');

-- In a non-recursive WITH, a CTE named like a node reads that node.
SELECT hamilton_define('def.big_kinds', $$
    WITH by_kind AS (SELECT * FROM by_kind WHERE total > 15)
    SELECT kind FROM by_kind
$$);
SELECT node, inputs FROM hamilton.nodes WHERE node = 'def.big_kinds';
SELECT node, status FROM hamilton_execute(ARRAY['big_kinds']);
TABLE def.big_kinds;
-- A recursive WITH sees its own name.
SELECT hamilton_define('def.counter', $$
    WITH RECURSIVE counter(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < 3)
    SELECT n FROM counter
$$);
SELECT node, inputs FROM hamilton.nodes WHERE node = 'def.counter';
-- TABLE x, ONLY x, and comments inside qualified names all keep their meaning.
SELECT hamilton_define('def.copied', 'TABLE by_kind');
SELECT hamilton_define('def.only_events', 'SELECT count(*) AS n FROM ONLY src /* the source */ . events');
SELECT hamilton_define('def.both', 'SELECT c.kind, o.n FROM copied c, only_events o ORDER BY 1');
SELECT node, inputs, sources FROM hamilton.nodes WHERE node IN ('def.copied', 'def.only_events') ORDER BY 1;
SELECT node, status FROM hamilton_execute(ARRAY['both']);
TABLE def.both;
SELECT hamilton_explain(ARRAY['both']);
-- Definitions are read with standard_conforming_strings on, whatever the
-- session says, and run that way: a stored definition always means the same.
SET standard_conforming_strings = off;
SELECT hamilton_define('def.backslash', $$SELECT 'a\b' AS s$$);
SELECT hamilton_define('def.escaped', $$SELECT 'it\'s' AS s$$);
SELECT node, status FROM hamilton_execute(ARRAY['backslash']);
RESET standard_conforming_strings;
TABLE def.backslash;

-- TABLE x (or ONLY (x)) of a scalar cannot become a relation: a clear problem.
CREATE FUNCTION def.limit_value() RETURNS int LANGUAGE sql RETURN 5;
SELECT hamilton_register('def');
SELECT hamilton_define('def.tabled', 'TABLE limit_value');
SELECT problem, message, hint FROM hamilton_validate(ARRAY['tabled']);
SELECT hamilton_drop('def.tabled');
-- ONLY x (without parentheses) keeps its alias, so qualified columns work.
SELECT hamilton_define('def.only_alias', 'SELECT by_kind.kind FROM ONLY by_kind ORDER BY 1');
SELECT node, status FROM hamilton_execute(ARRAY['only_alias']);
TABLE def.only_alias;

-- Clean up.
SELECT drop_module('def');
SELECT drop_module('src');
