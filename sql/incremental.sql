-- Incremental nodes (incremental => ..., hamilton_incremental): each run
-- processes the ranges of its source not processed yet, up to a safe bound,
-- and appends, merges or replaces them in the node's table; the processed
-- ranges commit with the rows.  The concurrent cases are isolation specs
-- (test/isolation/specs/incremental_*.spec), a crash is test/shell/incremental_crash.sh.
SELECT setval('hamilton.run_id_seq', 47000) > 0 AS ok;
CREATE SCHEMA inc;
CREATE SCHEMA inc_raw;
CREATE TABLE inc_raw.events (id bigint GENERATED ALWAYS AS IDENTITY, k int, amount numeric);
INSERT INTO inc_raw.events (k, amount) SELECT g % 5, g FROM generate_series(1, 10) g;

-- append by sequence: range_start and range_end are scalar inputs
SELECT hamilton_define('inc.doubled',
  'SELECT id, amount * 2 AS amount2 FROM inc_raw.events, range_start, range_end WHERE id BETWEEN range_start AND range_end',
  incremental => '{"strategy": "append", "by": "sequence", "source": "inc_raw.events", "column": "id"}');
-- the spec as stored: start is the sequence's first value
SELECT spec FROM hamilton.incremental_node WHERE node_name = 'doubled';
SELECT node, kind, relation, rows, status FROM hamilton_execute(ARRAY['inc.doubled']);
SELECT count(*), sum(amount2) FROM inc.doubled;
INSERT INTO inc_raw.events (k, amount) SELECT g % 5, g FROM generate_series(11, 15) g;
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.doubled']);
SELECT count(*), sum(amount2), count(DISTINCT id) FROM inc.doubled;
-- nothing new: nothing written
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.doubled']);
SELECT node, strategy, "by", source, "column", on_change, processed, missing, batches, rows FROM hamilton.incremental WHERE node = 'inc.doubled';
-- lineage: the range each run processed
SELECT node, range_start, range_end, rows FROM hamilton.incremental_batches WHERE node = 'inc.doubled' ORDER BY run_id;
SELECT inputs FROM hamilton.lineage WHERE node = 'inc.doubled';
-- the planner sees constants
SELECT hamilton_explain(ARRAY['inc.doubled']) LIKE '%{{range_start}}%' AS explained;
-- a downstream node reads the table
SELECT hamilton_define('inc.total', 'SELECT sum(amount2) AS total FROM doubled');
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.total']);
TABLE inc.total;

-- merge on unique_key: an upsert, with a unique index on the key
SELECT hamilton_define('inc.latest',
  'SELECT k, max(amount) AS amount, max(id) AS last_id FROM inc_raw.events, range_start, range_end WHERE id BETWEEN range_start AND range_end GROUP BY k',
  incremental => '{"strategy": "merge", "by": "sequence", "source": "inc_raw.events", "column": "id", "unique_key": ["k"]}');
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.latest']);
INSERT INTO inc_raw.events (k, amount) VALUES (1, 100), (7, 70);
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.latest']);
TABLE inc.latest ORDER BY k;
SELECT indexrelid::regclass, indisunique FROM pg_index WHERE indrelid = 'inc.latest'::regclass;
-- a key repeated within a batch, or NULL, is an error naming the rows; nothing is kept
SELECT hamilton_define('inc.by_k',
  'SELECT k, amount FROM inc_raw.events, range_start, range_end WHERE id BETWEEN range_start AND range_end',
  incremental => '{"strategy": "merge", "by": "sequence", "source": "inc_raw.events", "column": "id", "unique_key": ["k"]}');
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.by_k']);
SELECT hamilton_define('inc.by_k',
  'SELECT NULLIF(k, 1) AS k, max(amount) AS amount FROM inc_raw.events, range_start, range_end WHERE id BETWEEN range_start AND range_end GROUP BY 1',
  incremental => '{"strategy": "merge", "by": "sequence", "source": "inc_raw.events", "column": "id", "unique_key": ["k"]}');
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.by_k']);
SELECT to_regclass('inc.by_k') AS no_table, batches FROM hamilton.incremental WHERE node = 'inc.by_k';
-- merge needs its key among the node's columns
SELECT hamilton_define('inc.by_k',
  'SELECT k AS kk, max(amount) AS amount FROM inc_raw.events, range_start, range_end WHERE id BETWEEN range_start AND range_end GROUP BY 1',
  incremental => '{"strategy": "merge", "by": "sequence", "source": "inc_raw.events", "column": "id", "unique_key": ["k"]}');
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.by_k']);
SELECT hamilton_drop('inc.by_k');

-- a plain node's table with repeated keys, made a merge node: the first run
-- replaces its rows, the next one gives it the key's unique index
SELECT hamilton_define('inc.by_k', 'SELECT k, amount FROM inc_raw.events');
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.by_k']);
SELECT hamilton_define('inc.by_k',
  'SELECT k, max(amount) AS amount FROM inc_raw.events, range_start, range_end WHERE id BETWEEN range_start AND range_end GROUP BY k',
  incremental => '{"strategy": "merge", "by": "sequence", "source": "inc_raw.events", "column": "id", "unique_key": ["k"]}');
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.by_k']);
SELECT count(*), count(DISTINCT k) FROM inc.by_k;
INSERT INTO inc_raw.events (k, amount) VALUES (2, 200);
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.by_k']);
SELECT amount FROM inc.by_k WHERE k = 2;
SELECT count(*) AS unique_indexes FROM pg_index WHERE indrelid = 'inc.by_k'::regclass AND indisunique;
SELECT hamilton_drop('inc.by_k');

-- delete_insert replaces the range; rows outside it are an error
SELECT hamilton_define('inc.copy',
  'SELECT id, amount FROM inc_raw.events, range_start, range_end WHERE id BETWEEN range_start AND range_end',
  incremental => '{"strategy": "delete_insert", "by": "sequence", "source": "inc_raw.events", "column": "id"}');
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.copy']);
SELECT hamilton_define('inc.shifted',
  'SELECT id + 100 AS id, amount FROM inc_raw.events, range_start, range_end WHERE id BETWEEN range_start AND range_end',
  incremental => '{"strategy": "delete_insert", "by": "sequence", "source": "inc_raw.events", "column": "id"}');
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.shifted']);
SELECT hamilton_drop('inc.shifted');

-- hamilton_restate: the range is processed again by the next run
UPDATE inc_raw.events SET amount = amount + 1000 WHERE id BETWEEN 3 AND 5;
SELECT hamilton_restate('inc.copy', '3', '5');
SELECT processed, missing, batches FROM hamilton.incremental WHERE node = 'inc.copy';
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.copy']);
SELECT count(*), sum(amount) FROM inc.copy;
SELECT processed, missing FROM hamilton.incremental WHERE node = 'inc.copy';
-- append deletes the range's rows at once (by the spec's column), then appends them again
SELECT hamilton_restate('inc.doubled', '2', '4');
SELECT count(*) FROM inc.doubled;
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.doubled']);
SELECT count(*), count(DISTINCT id), sum(amount2) FROM inc.doubled;
-- restate's errors
SELECT hamilton_restate('inc.doubled', '5', '4');
SELECT hamilton_restate('inc.doubled', 'x', '4');
SELECT hamilton_restate('inc.total', '1', '4');
SELECT hamilton_restate('nowhere.at_all_xyz', '1', '4');

-- a changed node runs again only after restate or reset, or with on_change forward_only
SELECT hamilton_define('inc.doubled',
  'SELECT id, amount * 3 AS amount2 FROM inc_raw.events, range_start, range_end WHERE id BETWEEN range_start AND range_end',
  incremental => '{"strategy": "append", "by": "sequence", "source": "inc_raw.events", "column": "id"}');
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.doubled']);
SELECT count(*), sum(amount2) FROM inc.doubled;
SELECT hamilton_reset('inc.doubled');
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.doubled']);
SELECT count(*), count(DISTINCT id), sum(amount2) FROM inc.doubled;
SELECT hamilton_define('inc.doubled',
  'SELECT id, amount * 4 AS amount2 FROM inc_raw.events, range_start, range_end WHERE id BETWEEN range_start AND range_end',
  incremental => '{"strategy": "append", "by": "sequence", "source": "inc_raw.events", "column": "id", "on_change": "forward_only"}');
INSERT INTO inc_raw.events (k, amount) VALUES (1, 1);
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.doubled']);
SELECT amount2 FROM inc.doubled ORDER BY id DESC LIMIT 2;
-- forward_only keeps the columns: a batch of other columns is refused
SELECT hamilton_define('inc.doubled',
  'SELECT id, amount * 4 AS amount4 FROM inc_raw.events, range_start, range_end WHERE id BETWEEN range_start AND range_end',
  incremental => '{"strategy": "append", "by": "sequence", "source": "inc_raw.events", "column": "id", "on_change": "forward_only"}');
INSERT INTO inc_raw.events (k, amount) VALUES (1, 1);
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.doubled']);
-- a spec that changes (not only on_change) forgets the ranges: the next run rebuilds
SELECT hamilton_define('inc.doubled',
  'SELECT id, amount * 4 AS amount4 FROM inc_raw.events, range_start, range_end WHERE id BETWEEN range_start AND range_end',
  incremental => '{"strategy": "delete_insert", "by": "sequence", "source": "inc_raw.events", "column": "id"}');
SELECT batches FROM hamilton.incremental WHERE node = 'inc.doubled';
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.doubled']);
SELECT count(*) = (SELECT count(*) FROM inc_raw.events) AS all_rows FROM inc.doubled;
-- defined again without incremental =>, it is a plain node
SELECT hamilton_define('inc.doubled', 'SELECT id, amount * 4 AS amount4 FROM inc_raw.events');
SELECT count(*) FROM hamilton.incremental WHERE node = 'inc.doubled';
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.doubled']);

-- refusals when a run starts
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.copy']);
ROLLBACK;
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT * FROM hamilton_validate(ARRAY['inc.copy']);
ROLLBACK;
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.copy'], inputs => '{"range_start": 1}');
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.copy'], into_table => 'inc.elsewhere');
SELECT hamilton_define('inc.reads_range', 'SELECT range_start AS x FROM range_start');
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.reads_range', 'inc.copy']);
SELECT hamilton_drop('inc.reads_range');
SELECT hamilton_define('inc.no_range', 'SELECT id FROM inc_raw.events',
  incremental => '{"strategy": "append", "by": "sequence", "source": "inc_raw.events", "column": "id"}');
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.no_range']);
SELECT hamilton_drop('inc.no_range');
-- a sequence altered to cache values after the node was declared
ALTER SEQUENCE inc_raw.events_id_seq CACHE 10;
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.copy']);
ALTER SEQUENCE inc_raw.events_id_seq CACHE 1;
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.copy']);

-- refusals when the node is declared
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '[1]');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append"}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "upsert", "by": "sequence", "source": "inc_raw.events", "column": "id"}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "rows", "source": "inc_raw.events", "column": "id"}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "sequence", "source": "inc_raw.events", "column": "id", "batch": 5}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "merge", "by": "sequence", "source": "inc_raw.events", "column": "id"}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "merge", "by": "sequence", "source": "inc_raw.events", "column": "id", "unique_key": []}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "sequence", "source": "inc_raw.events", "column": "id", "unique_key": ["k"]}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "delete_insert", "by": "sequence", "source": "inc_raw.events", "column": "id", "lookback": 2}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "sequence", "source": "inc_raw.nope", "column": "id"}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "sequence", "source": "inc_raw.events", "column": "nope"}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "sequence", "source": "inc_raw.events", "column": "amount"}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "sequence", "source": "inc_raw.events", "column": "id", "start": "one"}');
CREATE TABLE inc_raw.plain (id bigint, at timestamptz, d date);
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "sequence", "source": "inc_raw.plain", "column": "id"}');
CREATE SEQUENCE inc_raw.cached CACHE 20;
CREATE TABLE inc_raw.cached_ids (id bigint DEFAULT nextval('inc_raw.cached'));
ALTER SEQUENCE inc_raw.cached OWNED BY inc_raw.cached_ids.id;
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "sequence", "source": "inc_raw.cached_ids", "column": "id"}');
CREATE VIEW inc_raw.v AS SELECT * FROM inc_raw.events;
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "sequence", "source": "inc_raw.v", "column": "id"}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "time", "source": "inc_raw.plain", "column": "at", "start": "2026-01-01"}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "time", "source": "inc_raw.plain", "column": "at", "interval": "1 day"}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "time", "source": "inc_raw.plain", "column": "at", "interval": "1 month", "start": "2026-01-01"}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "time", "source": "inc_raw.plain", "column": "at", "interval": "-1 day", "start": "2026-01-01"}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "time", "source": "inc_raw.plain", "column": "at", "interval": "1 day", "start": "someday"}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "time", "source": "inc_raw.plain", "column": "at", "interval": "1 day", "start": "2026-01-01", "lookback": 1}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "merge", "by": "time", "source": "inc_raw.plain", "column": "at", "interval": "1 day", "start": "2026-01-01", "lookback": -1, "unique_key": ["x"]}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "time", "source": "inc_raw.plain", "column": "d", "interval": "1 day", "start": "2026-01-01"}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "time", "source": "inc_raw.plain", "column": "at", "interval": "1 day", "start": "2026-01-01", "min_delay": "-1 s"}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "time", "source": "inc_raw.plain", "column": "at", "interval": "1 day", "start": "2026-01-01", "on_change": "ignore"}');
SELECT hamilton_define('inc.bad', 'x + 1', incremental => '{"strategy": "append", "by": "sequence", "source": "inc_raw.events", "column": "id"}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "sequence", "source": "inc_raw.events", "column": "id"}', config_when => '{"region": "eu"}');
SELECT hamilton_define('inc.bad', 'SELECT 1 AS x', incremental => '{"strategy": "append", "by": "sequence", "source": "inc_raw.events", "column": "id"}', key => ARRAY['x'], refresh => 'concurrent');
SELECT count(*) FROM hamilton.nodes WHERE node = 'inc.bad';

-- by time: [range_start, range_end), whole intervals up to now() - min_delay, lookback intervals again
CREATE TABLE inc_raw.clicks (at timestamptz NOT NULL, page text);
INSERT INTO inc_raw.clicks SELECT date_trunc('day', now()) - interval '3 days' + g * interval '1 hour', 'p' || (g % 3)
FROM generate_series(0, 80) g;
SELECT format('{"strategy": "delete_insert", "by": "time", "source": "inc_raw.clicks", "column": "at", "interval": "1 day", "start": "%s", "lookback": 1}',
              date_trunc('day', now()) - interval '3 days') AS spec \gset
SELECT hamilton_define('inc.daily',
  'SELECT date_trunc(''day'', at) AS at, page, count(*) AS n FROM inc_raw.clicks, range_start, range_end WHERE at >= range_start AND at < range_end GROUP BY 1, 2',
  incremental => :'spec');
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.daily']);
-- three whole days; today's rows wait for today to end
SELECT at = date_trunc('day', now()) - interval '3 days' AS first_day, sum(n) FROM inc.daily GROUP BY at ORDER BY at LIMIT 1;
SELECT count(DISTINCT at), sum(n), max(at) < date_trunc('day', now()) AS whole_days FROM inc.daily;
SELECT range_start::timestamptz = date_trunc('day', now()) - interval '3 days' AS from_start,
       range_end::timestamptz = date_trunc('day', now()) AS to_today FROM hamilton.incremental_batches WHERE node = 'inc.daily';
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.daily']);
-- a restated day is replaced; lookback makes a later batch start a day earlier
DELETE FROM inc_raw.clicks WHERE at >= date_trunc('day', now()) - interval '2 days' AND at < date_trunc('day', now()) - interval '1 day' AND page = 'p0';
SELECT hamilton_restate('inc.daily', (date_trunc('day', now()) - interval '2 days')::text, (date_trunc('day', now()) - interval '1 day')::text);
SELECT missing <> '{}' AS has_missing FROM hamilton.incremental WHERE node = 'inc.daily';
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.daily']);
SELECT count(DISTINCT at), sum(n) FROM inc.daily;
SELECT missing FROM hamilton.incremental WHERE node = 'inc.daily';
-- lookback: when new intervals come, the batch starts lookback intervals earlier
SELECT format('{"strategy": "merge", "by": "time", "source": "inc_raw.clicks", "column": "at", "interval": "1 second", "start": "%s", "lookback": 2, "unique_key": ["page"]}',
              date_trunc('second', clock_timestamp()) - interval '5 seconds') AS spec \gset
SELECT hamilton_define('inc.pages',
  'SELECT page, count(*) AS n FROM inc_raw.clicks, range_start, range_end WHERE at >= range_start AND at < range_end GROUP BY 1', incremental => :'spec');
SELECT node, status FROM hamilton_execute(ARRAY['inc.pages']);
SELECT pg_sleep(1.2);
SELECT node, status FROM hamilton_execute(ARRAY['inc.pages']);
SELECT b.range_start::timestamptz = a.range_end::timestamptz - interval '2 seconds' AS looked_back
FROM hamilton.incremental_batches a, hamilton.incremental_batches b
WHERE a.node = 'inc.pages' AND b.node = 'inc.pages' AND b.run_id > a.run_id;
SELECT missing FROM hamilton.incremental WHERE node = 'inc.pages';
-- min_delay: an interval must also be that old; a start in the future: an empty table, nothing processed
SELECT format('{"strategy": "append", "by": "time", "source": "inc_raw.clicks", "column": "at", "interval": "1 hour", "start": "%s", "min_delay": "2 days"}',
              date_trunc('day', now()) - interval '3 days') AS spec \gset
SELECT hamilton_define('inc.hourly',
  'SELECT at, page FROM inc_raw.clicks, range_start, range_end WHERE at >= range_start AND at < range_end', incremental => :'spec');
SELECT node, status FROM hamilton_execute(ARRAY['inc.hourly']);
SELECT count(*) BETWEEN 24 AND 48 AS about_one_day, max(at) < now() - interval '2 days' AS old_enough FROM inc.hourly;
SELECT format('{"strategy": "append", "by": "time", "source": "inc_raw.clicks", "column": "at", "interval": "1 hour", "start": "%s"}',
              date_trunc('day', now()) + interval '2 days') AS spec \gset
SELECT hamilton_define('inc.future',
  'SELECT at, page FROM inc_raw.clicks, range_start, range_end WHERE at >= range_start AND at < range_end', incremental => :'spec');
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.future']);
SELECT count(*) FROM inc.future;
SELECT batches, rows FROM hamilton.incremental WHERE node = 'inc.future';

-- function nodes: hamilton_incremental(function, spec)
CREATE FUNCTION inc.fn_copy(range_start bigint, range_end bigint)
RETURNS TABLE (id bigint, amount numeric) LANGUAGE sql STABLE
AS $$ SELECT id, amount FROM inc_raw.events WHERE id BETWEEN range_start AND range_end $$;
CREATE FUNCTION inc.fn_scalar(x int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT x $$;
SELECT hamilton_register('inc');
SELECT hamilton_incremental('inc.fn_copy', '{"strategy": "append", "by": "sequence", "source": "inc_raw.events", "column": "id"}');
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.fn_copy']);
INSERT INTO inc_raw.events (k, amount) VALUES (3, 3);
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.fn_copy']);
SELECT count(*) = (SELECT count(*) FROM inc_raw.events) AS all_rows, count(DISTINCT id) = count(*) AS once FROM inc.fn_copy;
SELECT hamilton_incremental('inc.fn_scalar', '{"strategy": "append", "by": "sequence", "source": "inc_raw.events", "column": "id"}');
SELECT hamilton_incremental('inc.copy', '{"strategy": "append", "by": "sequence", "source": "inc_raw.events", "column": "id"}');
SELECT hamilton_incremental('inc.fn_copy', NULL);
SELECT count(*) FROM hamilton.incremental WHERE node = 'inc.fn_copy';

-- a dropped schema takes its incremental nodes' state along
SELECT hamilton_incremental('inc.fn_copy', '{"strategy": "append", "by": "sequence", "source": "inc_raw.events", "column": "id"}') IS NOT NULL AS again;
SELECT node, rows, status FROM hamilton_execute(ARRAY['inc.fn_copy']);
SELECT drop_module('inc');
SELECT count(*) AS nodes_left FROM hamilton.incremental_node WHERE schema_name = 'inc';
SELECT count(*) AS ranges_left FROM hamilton.incremental_range WHERE schema_name = 'inc';
DROP SCHEMA inc_raw CASCADE;
