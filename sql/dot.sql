-- hamilton_dot: Graphviz DOT of the whole DAG, of the execution path of some
-- outputs, and of a run with each step's status, rows and time.
-- Run ids appear in the pictures: make them predictable.  Times vary: they
-- are masked as N ms.
SELECT setval('hamilton.run_id_seq', 6600) > 0 AS ok;
\set SHOW_CONTEXT never
CREATE FUNCTION dot_of(outputs text[] DEFAULT NULL, run_id bigint DEFAULT NULL) RETURNS SETOF text
LANGUAGE sql AS $$
    SELECT regexp_replace(line, '[0-9]+\.[0-9]+ ms', 'N ms', 'g')
    FROM regexp_split_to_table(hamilton_dot(outputs, run_id), E'\n') WITH ORDINALITY AS l(line, n)
    ORDER BY n
$$;

CREATE SCHEMA dt;
CREATE TABLE dt.orders (id int, amount numeric, region text);
INSERT INTO dt.orders VALUES (1, 10, 'n'), (2, 20, 's'), (3, -5, 'n');
CREATE TABLE dt.fixed_totals (region text, total numeric);
INSERT INTO dt.fixed_totals VALUES ('n', 100);
-- A SQL node reading a source table, with tags.
SELECT hamilton_define('dt.clean', 'SELECT * FROM dt.orders WHERE amount > 0',
                       tags => '{"owner": "ops", "pii": "false"}');
-- A table function, scalars and inputs.
CREATE FUNCTION dt.by_region(clean regclass) RETURNS TABLE (region text, total numeric)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format('SELECT region, sum(amount) FROM %s GROUP BY 1', clean);
END $$;
CREATE FUNCTION dt.rate(dt_pct int) RETURNS numeric LANGUAGE sql RETURN dt_pct / 100.0;
CREATE FUNCTION dt.ratio(rate numeric, dt_divisor int) RETURNS numeric LANGUAGE sql RETURN rate / dt_divisor;
SELECT hamilton_register('dt');
SELECT hamilton_define('dt.report', 'SELECT region, total * rate AS bonus FROM by_region, rate ORDER BY region');
-- A declared input (no relation read): a dotted edge.
SELECT hamilton_define('dt.audit', 'SELECT 1 AS checked', inputs => ARRAY['dt.report']);
-- Names and tags that need escaping in DOT.
SELECT hamilton_define('dt."Odd ""name"""', 'SELECT 1 AS x', tags => jsonb_build_object('note', E'a "quoted" \\ value\nover two lines'));

-- The whole DAG (every node of every module: the lines of this module here,
-- and every node of hamilton.nodes is drawn once).
SELECT line FROM dot_of() AS line
WHERE line !~ '^  "' OR line ~ '^  "(dt\.|source dt\.|dt_)';
SELECT count(*) FILTER (WHERE line ~ '^  "' AND line ~ ' \[label=' AND line !~ '^  "source ')
       = (SELECT count(*) FROM hamilton.nodes) AS every_node_drawn
FROM dot_of() AS line;

-- An execution path: the upstream closure of the outputs, outputs
-- highlighted; nothing else.
SELECT * FROM dot_of(ARRAY['report']);
SELECT * FROM dot_of(ARRAY['dt.audit', 'rate', 'rate']);
-- An input can be drawn on its own.
SELECT * FROM dot_of(ARRAY['dt_pct']);

-- A run: the steps it took, with status, rows and time.
SELECT node, status FROM hamilton_execute(ARRAY['report'], inputs => '{"dt_pct": 10}');
SELECT * FROM dot_of(run_id => 6601);
-- The execution path of other outputs, with that run's statuses: what the
-- run did not touch is greyed.
SELECT * FROM dot_of(ARRAY['audit'], 6601);
-- An override cuts the closure: the run did not need dt.clean.
SELECT node, status FROM hamilton_execute(ARRAY['report'], inputs => '{"dt_pct": 10}',
                                          overrides => '{"by_region": "dt.fixed_totals"}');
SELECT * FROM dot_of(run_id => 6602);
-- A failed run: the failing node in red, with its error; what came before
-- was rolled back.
SELECT * FROM hamilton_execute(ARRAY['ratio', 'report'], inputs => '{"dt_pct": 10, "dt_divisor": 0}');
SELECT * FROM dot_of(run_id => 6603);
-- A node dropped since is still drawn from the run's record.
DROP FUNCTION dt.ratio(numeric, int);
SELECT line FROM dot_of(run_id => 6603) AS line WHERE line ~ 'ratio';

-- Errors, each with its SQLSTATE.
SELECT hamilton_dot(ARRAY['reprot']);
\echo :SQLSTATE
SELECT hamilton_dot(ARRAY['dt.nothing_like_it']);
\echo :SQLSTATE
SELECT hamilton_dot(ARRAY[]::text[]);
\echo :SQLSTATE
SELECT hamilton_dot(ARRAY['report', NULL]);
\echo :SQLSTATE
SELECT hamilton_dot(run_id => 999999);
\echo :SQLSTATE
SELECT hamilton_dot(ARRAY['report'], 999999);
\echo :SQLSTATE
-- Another role's run is not visible, so it cannot be drawn.
CREATE ROLE regress_hamilton_dot_viewer;
SET ROLE regress_hamilton_dot_viewer;
SELECT hamilton_dot(run_id => 6601);
\echo :SQLSTATE
RESET ROLE;
DROP ROLE regress_hamilton_dot_viewer;

-- An output dropped since is found among the run's steps by its exact
-- name: in "a_b", "_" is a letter, not a wildcard that also matches a_b's
-- sibling axb.
CREATE FUNCTION dt.a_b() RETURNS int LANGUAGE sql RETURN 1;
CREATE FUNCTION dt.axb() RETURNS int LANGUAGE sql RETURN 2;
SELECT hamilton_register('dt');
SELECT count(*) FROM hamilton_execute(ARRAY['a_b', 'axb']);
SELECT max(run_id) AS last_run FROM hamilton.runs \gset
DROP FUNCTION dt.a_b();
DROP FUNCTION dt.axb();
SELECT line FROM dot_of(run_id => :last_run) AS line WHERE line ~ 'a.b';

-- Clean up.
SELECT drop_module('dt');
DROP FUNCTION dot_of(text[], bigint);
