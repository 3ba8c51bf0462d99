-- refresh => 'concurrent' (or the tags refresh and refresh_key): a node's
-- result table is refreshed by a diff on its key, as REFRESH MATERIALIZED
-- VIEW CONCURRENTLY does: only the rows that changed are deleted, updated or
-- inserted, so a reader whose snapshot predates the run keeps the old rows
-- (test/isolation/specs/refresh_concurrent.spec shows that part).
SELECT setval('hamilton.run_id_seq', 8800) > 0 AS ok;
CREATE SCHEMA rc;
CREATE TABLE rc.src (id int, v int, tag text);
INSERT INTO rc.src SELECT g, g, 't' || g FROM generate_series(1, 6) g;
SELECT hamilton_register('rc');

-- A SQL node with a key that is no frame's: its table is refreshed on it.
SELECT hamilton_define('rc.items', 'SELECT id, v * 10 AS v10, tag FROM rc.src',
                       key => ARRAY['id'], refresh => 'concurrent');
SELECT node, kind, materialize, key, refresh, refresh_key FROM hamilton.nodes WHERE node = 'rc.items';
SELECT hamilton_explain(ARRAY['rc.items']);
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['rc.items']);
-- made with a unique index on the key
SELECT indexrelid::regclass, indisunique FROM pg_index WHERE indrelid = 'rc.items'::regclass;
CREATE TEMP TABLE items_before AS SELECT id, ctid AS tid, xmin::text AS x FROM rc.items;
-- one row changes, one goes, one comes
UPDATE rc.src SET v = 100 WHERE id = 2;
DELETE FROM rc.src WHERE id = 3;
INSERT INTO rc.src VALUES (7, 7, 't7');
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['rc.items']);
TABLE rc.items ORDER BY id;
-- only what changed was touched: the other rows are the same row versions
SELECT b.id, a.id IS NOT NULL AS still_there, a.ctid = b.tid AND a.xmin::text = b.x AS untouched
FROM items_before b LEFT JOIN rc.items a USING (id) ORDER BY b.id;
-- a run with nothing changed touches nothing
DROP TABLE items_before;
CREATE TEMP TABLE items_before AS SELECT id, ctid AS tid, xmin::text AS x FROM rc.items;
SELECT node, rows, status FROM hamilton_execute(ARRAY['rc.items']);
SELECT count(*) AS rows, count(*) FILTER (WHERE a.ctid = b.tid AND a.xmin::text = b.x) AS untouched
FROM items_before b JOIN rc.items a USING (id);
-- a value equal but written differently is a change (rows compare by image)
-- (a column named like the diff's aliases would be is no trouble either)
CREATE TABLE rc.nsrc (id int, n numeric, o int, d int);
INSERT INTO rc.nsrc VALUES (1, 1.0, 1, 1), (2, 2.0, 2, 2);
SELECT hamilton_define('rc.nums', 'SELECT id, n, o, d FROM rc.nsrc', key => ARRAY['id'], refresh => 'concurrent');
SELECT rows, status FROM hamilton_execute(ARRAY['rc.nums']);
UPDATE rc.nsrc SET n = 1.00 WHERE id = 1;
SELECT rows, status FROM hamilton_execute(ARRAY['rc.nums']);
TABLE rc.nums ORDER BY id;

-- The key must be unique and not null in the new rows: the run fails, naming
-- the node, and the table keeps its old rows.
INSERT INTO rc.src VALUES (7, 70, 'dup');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['rc.items'])$$);
DELETE FROM rc.src WHERE tag = 'dup';
INSERT INTO rc.src VALUES (NULL, 0, 'no key');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['rc.items'])$$);
DELETE FROM rc.src WHERE id IS NULL;
TABLE rc.items ORDER BY id;
-- on the first run too, when there is no table yet: none is left behind
SELECT hamilton_define('rc.dups', 'SELECT id % 2 AS id FROM rc.src', key => ARRAY['id'], refresh => 'concurrent');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['rc.dups'])$$);
SELECT to_regclass('rc.dups') AS no_table;
SELECT hamilton_drop('rc.dups');
SELECT run_id, status, failed_node FROM hamilton.runs WHERE run_id BETWEEN 8801 AND 8899 ORDER BY run_id;

-- Refused when defined: an unknown refresh, no key, a key that is not a
-- column, a column node.  Nothing is written.
SELECT try_sql($$SELECT hamilton_define('rc.bad', 'SELECT id FROM rc.src', key => ARRAY['id'], refresh => 'sometimes')$$);
SELECT try_sql($$SELECT hamilton_define('rc.bad', 'SELECT id FROM rc.src', refresh => 'concurrent')$$);
SELECT try_sql($$SELECT hamilton_define('rc.bad', 'SELECT id FROM rc.src', key => ARRAY['nope'], refresh => 'concurrent')$$);
SELECT try_sql($$SELECT hamilton_define('rc.bad', 'SELECT id FROM rc.src', key => '{}', refresh => 'concurrent')$$);
SELECT try_sql($$SELECT hamilton_define('rc.bad', 'SELECT id::text::json AS id FROM rc.src', key => ARRAY['id'], refresh => 'concurrent')$$);
SELECT try_sql($$SELECT hamilton_define('rc.bad', 'v + 1', refresh => 'concurrent')$$);
SELECT try_sql($$SELECT hamilton_define('rc.bad', 'SELECT id FROM rc.src', tags => '{"refresh": "concurrent"}')$$);
SELECT count(*) AS bad_nodes FROM hamilton.nodes WHERE node = 'rc.bad';
-- redefining a node so that its key is gone is refused too, and keeps the old definition
SELECT try_sql($$SELECT hamilton_define('rc.items', 'SELECT v * 10 AS v10, tag FROM rc.src', key => ARRAY['id'], refresh => 'concurrent')$$);
SELECT definition FROM hamilton.nodes WHERE node = 'rc.items';
-- a key without extract_columns still means nothing without refresh => 'concurrent'
SELECT try_sql($$SELECT hamilton_define('rc.bad', 'SELECT id FROM rc.src', key => ARRAY['id'])$$);

-- A function node says it with tags; the key is checked against its
-- columns when tagged.
CREATE FUNCTION rc.totals() RETURNS TABLE (tag text, total bigint) LANGUAGE sql
    AS $$ SELECT tag, sum(v) FROM rc.src GROUP BY tag $$;
SELECT try_sql($$SELECT hamilton_tag('rc.totals', '{"refresh": "concurrent"}')$$);
SELECT try_sql($$SELECT hamilton_tag('rc.totals', '{"refresh": "concurrent", "refresh_key": ["id"]}')$$);
SELECT try_sql($$SELECT hamilton_tag('rc.totals', '{"refresh": "concurrent", "refresh_key": "tag"}')$$);
SELECT try_sql($$SELECT hamilton_tag('rc.totals', '{"refresh": "concurrent", "refresh_key": []}')$$);
SELECT try_sql($$SELECT hamilton_tag('rc.totals', '{"refresh": "sometimes", "refresh_key": ["tag"]}')$$);
SELECT hamilton_tag('rc.totals', '{"refresh": "concurrent", "refresh_key": ["tag"], "owner": "rc"}');
SELECT node, materialize, refresh, refresh_key FROM hamilton.nodes WHERE node = 'rc.totals';
SELECT node, rows, status FROM hamilton_execute(ARRAY['rc.totals']);
UPDATE rc.src SET v = v + 1 WHERE id = 1;
CREATE TEMP TABLE totals_before AS SELECT tag, ctid AS tid FROM rc.totals;
SELECT node, rows, status FROM hamilton_execute(ARRAY['rc.totals']);
SELECT count(*) FILTER (WHERE a.ctid <> b.tid) AS touched, count(*) AS rows
FROM totals_before b JOIN rc.totals a USING (tag);
-- a scalar has no key: refused
CREATE FUNCTION rc.rate() RETURNS int LANGUAGE sql RETURN 3;
SELECT try_sql($$SELECT hamilton_tag('rc.rate', '{"refresh": "concurrent", "refresh_key": ["rate"]}')$$);
SELECT tags FROM hamilton.nodes WHERE node = 'rc.rate';
-- the function replaced by one without the key column: refused at validation
DROP FUNCTION rc.totals();
CREATE FUNCTION rc.totals() RETURNS TABLE (label text, total bigint) LANGUAGE sql
    AS $$ SELECT tag, sum(v) FROM rc.src GROUP BY tag $$;
SELECT problem, node, message FROM hamilton_validate(ARRAY['rc.totals']);
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['rc.totals'])$$);
SELECT count(*) AS kept FROM rc.totals;
-- taking the tag off: replaced again (a refresh_key left alone would mean nothing: refused)
SELECT try_sql($$SELECT hamilton_tag('rc.totals', '{"refresh": null}')$$);
SELECT hamilton_tag('rc.totals', '{"refresh": null, "refresh_key": null}');
SELECT node, rows, status FROM hamilton_execute(ARRAY['rc.totals']);

-- An intermediate refreshed concurrently keeps its table, as declared (it is
-- written by the diff, and its consumer reads it).
SELECT hamilton_define('rc.big_items', 'SELECT id, v10 FROM rc.items WHERE v10 > 20');
UPDATE rc.src SET v = 200 WHERE id = 2;
SELECT node, relation, rows, status FROM hamilton_execute(ARRAY['rc.big_items']);
SELECT v10 FROM rc.items WHERE id = 2;

-- An overridden node that is requested: the override's rows are diffed in.
CREATE TABLE rc.items_fix AS SELECT id, v10, tag FROM rc.items;
UPDATE rc.items_fix SET tag = 'fixed' WHERE id = 1;
SELECT node, rows, status FROM hamilton_execute(ARRAY['rc.items'], overrides => '{"rc.items": "rc.items_fix"}');
SELECT id, tag FROM rc.items WHERE id <= 2 ORDER BY id;

-- Variants: each says how it is refreshed; config chooses.
SELECT hamilton_define('rc.region', 'SELECT id, ''eu'' AS r FROM rc.src', config_when => '{"zone": "eu"}',
                       key => ARRAY['id'], refresh => 'concurrent');
SELECT hamilton_define('rc.region', 'SELECT id, ''us'' AS r FROM rc.src', config_when => '{"zone": "us"}');
SELECT node, config_when, refresh, refresh_key FROM hamilton.nodes WHERE node = 'rc.region' ORDER BY 2::text;
SELECT node, rows, status FROM hamilton_execute(ARRAY['rc.region'], config => '{"zone": "eu"}');
SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'rc.region'::regclass;
SELECT node, rows, status FROM hamilton_execute(ARRAY['rc.region'], config => '{"zone": "us"}');
-- tagged concurrent, every variant must have the key: a new one without it is refused
SELECT try_sql($$SELECT hamilton_tag('rc.region', '{"refresh": "concurrent", "refresh_key": ["id"]}')$$);
SELECT try_sql($$SELECT hamilton_define('rc.region', 'SELECT ''asia'' AS r', config_when => '{"zone": "asia"}')$$);
SELECT count(*) AS variants FROM hamilton.nodes WHERE node = 'rc.region';
-- a function variant too
CREATE FUNCTION rc.spend__a() RETURNS TABLE (id int, s int) LANGUAGE sql AS $$ SELECT 1, 1 $$;
CREATE FUNCTION rc.spend__b() RETURNS TABLE (k int, s int) LANGUAGE sql AS $$ SELECT 1, 1 $$;
SELECT hamilton_when('rc.spend__a', '{"v": "a"}');
SELECT hamilton_tag('rc.spend', '{"refresh": "concurrent", "refresh_key": ["id"]}');
SELECT try_sql($$SELECT hamilton_when('rc.spend__b', '{"v": "b"}')$$);
SELECT node, config_when FROM hamilton.nodes WHERE node = 'rc.spend';
SELECT node, rows, status FROM hamilton_execute(ARRAY['rc.spend'], config => '{"v": "a"}');

-- A frame (key and extract_columns) is refreshed on its key.
SELECT hamilton_define('rc.frame', 'SELECT id, v, tag AS label FROM rc.src', key => ARRAY['id'],
                       extract_columns => true, refresh => 'concurrent');
SELECT node, kind, key, refresh, refresh_key FROM hamilton.nodes WHERE node IN ('rc.frame', 'rc.label') ORDER BY 1;
SELECT node, rows, status FROM hamilton_execute(ARRAY['rc.frame']);
SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'rc.frame'::regclass;
-- its column is a column node: refused
SELECT try_sql($$SELECT hamilton_tag('rc.label', '{"refresh": "concurrent", "refresh_key": ["id"]}')$$);

-- Tags set before the tags meant anything (or written around the API) are
-- problems of the node when a run needs it, never silently ignored.
INSERT INTO hamilton.node_tag VALUES ('rc', 'frame', 'refresh', 'daily');
SELECT problem, node, message FROM hamilton_validate(ARRAY['rc.frame']);
UPDATE hamilton.node_tag SET tag_value = 'concurrent' WHERE schema_name = 'rc' AND node_name = 'frame';
INSERT INTO hamilton.node_tag VALUES ('rc', 'frame', 'refresh_key', 'id');
SELECT problem, node, message FROM hamilton_validate(ARRAY['rc.frame']);
DELETE FROM hamilton.node_tag WHERE schema_name = 'rc' AND node_name = 'frame';

-- A table written before by replacing it: the first concurrent refresh
-- deletes and inserts every row (still MVCC-safe) and makes the index.
SELECT hamilton_define('rc.plain', 'SELECT id, v FROM rc.src');
SELECT rows, status FROM hamilton_execute(ARRAY['rc.plain']);
SELECT count(*) AS indexes FROM pg_index WHERE indrelid = 'rc.plain'::regclass;
SELECT hamilton_define('rc.plain', 'SELECT id, v FROM rc.src', key => ARRAY['id'], refresh => 'concurrent');
SELECT rows, status FROM hamilton_execute(ARRAY['rc.plain']);
SELECT indexrelid::regclass, indisunique FROM pg_index WHERE indrelid = 'rc.plain'::regclass;
-- its shape changed: made anew, and said
SELECT hamilton_define('rc.plain', 'SELECT id, v, v * 2 AS w FROM rc.src', key => ARRAY['id'], refresh => 'concurrent');
SELECT rows, status FROM hamilton_execute(ARRAY['rc.plain']);
SELECT count(*) AS unique_indexes FROM pg_index WHERE indrelid = 'rc.plain'::regclass AND indisunique;

-- Clean up.
SELECT drop_module('rc');
