-- The sources tag: a function node whose body pg_hamilton cannot see into
-- (plpgsql, plpython3u) is recomputed at every cached run, unless it
-- declares the tables it reads.  Then those tables are read as far as the
-- cache is concerned: a write to one recomputes the node, and another
-- declaration is another key.  pg_hamilton checks each name (a tracked
-- table, schema-qualified), not that the function reads only those.
SELECT setval('hamilton.run_id_seq', 104500) > 0 AS ok;
CREATE SCHEMA cd_raw;
CREATE TABLE cd_raw.sales (amount int);
CREATE TABLE cd_raw.rates (pct int);
CREATE TABLE cd_raw.untracked (x int);
CREATE VIEW cd_raw.sales_view AS SELECT amount FROM cd_raw.sales;
INSERT INTO cd_raw.sales VALUES (1), (2);
INSERT INTO cd_raw.rates VALUES (10);
SELECT hamilton_track('cd_raw.sales');
SELECT hamilton_track('cd_raw.rates');
CREATE SCHEMA cd;
CREATE FUNCTION cd.total() RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN RETURN (SELECT sum(amount) FROM cd_raw.sales); END $$;
CREATE FUNCTION cd.taxed(total bigint) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN RETURN total * (100 + (SELECT pct FROM cd_raw.rates)) / 100; END $$;
CREATE FUNCTION cd.noisy() RETURNS double precision LANGUAGE plpgsql VOLATILE AS $$
BEGIN RETURN random(); END $$;
SELECT hamilton_register('cd');
SELECT hamilton_define('cd.report', 'SELECT taxed FROM taxed', materialize => 'table');

-- undeclared: recomputed at every cached run, and hamilton.cache says why
SELECT node, status FROM hamilton_execute(ARRAY['cd.report'], cache => true);
SELECT node, status FROM hamilton_execute(ARRAY['cd.report'], cache => true);
SELECT node, reusable, reason FROM hamilton.cache WHERE module = 'cd';

-- declared: kept, then reused while the declared tables are unchanged
SELECT hamilton_tag('cd.total', '{"sources": ["cd_raw.sales"]}');
SELECT hamilton_tag('cd.taxed', '{"sources": ["cd_raw.rates"]}');
SELECT node, status FROM hamilton_execute(ARRAY['cd.report'], cache => true);
SELECT node, status FROM hamilton_execute(ARRAY['cd.report'], cache => true);
TABLE cd.report;
SELECT node, reusable, reason FROM hamilton.cache WHERE module = 'cd';
-- a write to a declared source recomputes
INSERT INTO cd_raw.sales VALUES (97);
SELECT node, reusable, reason FROM hamilton.cache WHERE module = 'cd';
SELECT node, status FROM hamilton_execute(ARRAY['cd.report'], cache => true);
TABLE cd.report;
UPDATE cd_raw.rates SET pct = 20;
SELECT node, status FROM hamilton_execute(ARRAY['cd.report'], cache => true);
TABLE cd.report;
SELECT node, status FROM hamilton_execute(ARRAY['cd.report'], cache => true);
-- another declaration is another key: recomputed, and its new source counts
CREATE TABLE cd_raw.extra (x int);
SELECT hamilton_track('cd_raw.extra');
SELECT hamilton_tag('cd.total', '{"sources": ["cd_raw.sales", "cd_raw.extra"]}');
SELECT node, status FROM hamilton_execute(ARRAY['cd.report'], cache => true);
SELECT node, status FROM hamilton_execute(ARRAY['cd.report'], cache => true);
INSERT INTO cd_raw.extra VALUES (1);
SELECT node, status FROM hamilton_execute(ARRAY['cd.report'], cache => true);
-- a declared source untracked since: recomputed, and said
SELECT hamilton_untrack('cd_raw.extra');
SELECT node, status FROM hamilton_execute(ARRAY['cd.report'], cache => true);
SELECT node, reusable, reason FROM hamilton.cache WHERE module = 'cd';
SELECT hamilton_track('cd_raw.extra');
-- a declaration does not make a VOLATILE function cacheable
SELECT hamilton_tag('cd.noisy', '{"sources": []}');
SELECT hamilton_define('cd.noise', 'SELECT noisy FROM noisy', materialize => 'table');
SELECT node, status FROM hamilton_execute(ARRAY['cd.noise'], cache => true);
SELECT node, reusable, reason FROM hamilton.cache WHERE node = 'cd.noise';

-- what a declaration must be: each error leaves the tags as they were
SELECT try_sql($$SELECT hamilton_tag('cd.total', '{"sources": "cd_raw.sales"}')$$);
SELECT try_sql($$SELECT hamilton_tag('cd.total', '{"sources": ["cd_raw.sales", 7]}')$$);
SELECT try_sql($$SELECT hamilton_tag('cd.total', '{"sources": ["sales"]}')$$);
SELECT try_sql($$SELECT hamilton_tag('cd.total', '{"sources": ["cd_raw.nosuch"]}')$$);
SELECT try_sql($$SELECT hamilton_tag('cd.total', '{"sources": ["cd_raw.sales_view"]}')$$);
SELECT try_sql($$SELECT hamilton_tag('cd.total', '{"sources": ["cd_raw.untracked"]}')$$);
SELECT try_sql($$SELECT hamilton_define('cd.other', 'SELECT 1 AS x', tags => '{"sources": ["cd_raw.untracked"]}')$$);
SELECT tag_value FROM hamilton.node_tag WHERE schema_name = 'cd' AND node_name = 'total' AND tag_key = 'sources';
SELECT node, status FROM hamilton_execute(ARRAY['cd.report'], cache => true);
