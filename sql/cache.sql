-- cache => true (and the setting hamilton.cache): a persisted result whose
-- cache key (code, inputs, upstream results, settings) and sources are
-- unchanged since the run that made it is reused, and the steps that only
-- fed it are skipped; every one of them reports status cached, and
-- hamilton.node_runs.cached_from names the run whose result was kept.
SELECT setval('hamilton.run_id_seq', 9100) > 0 AS ok;
CREATE SCHEMA ca_raw;
CREATE TABLE ca_raw.events (id int, amount int);
INSERT INTO ca_raw.events SELECT g, g FROM generate_series(1, 10) g;
CREATE SCHEMA ca;
SELECT hamilton_register('ca');
SELECT hamilton_define('ca.ev', 'SELECT id, amount FROM ca_raw.events');
SELECT hamilton_define('ca.total', 'SELECT sum(amount) AS s FROM ev', materialize => 'table');
SELECT hamilton_define('ca.doubled', 'SELECT s * factor AS d FROM total, factor', materialize => 'table');

-- an untracked source: computed, and the entry says why it cannot be reused
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 2}', cache => true);
SELECT node_name, reusable, reason FROM hamilton.cache_entry WHERE schema_name = 'ca' ORDER BY 1;
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 2}', cache => true);

-- tracked by its owner: the next cached run keeps an entry, the one after reuses it
SELECT hamilton_track('ca_raw.events');
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'ca_raw.events'::regclass ORDER BY tgname;
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 2}', cache => true);
SELECT node_name, reusable, reason FROM hamilton.cache_entry WHERE schema_name = 'ca' ORDER BY 1;
-- hamilton.cache: each cached result, and whether it would be reused now
SELECT node, module, relation, run_id, made_as, length(cache_key) AS key_length, data_version, rows, reusable, reason
FROM hamilton.cache WHERE module = 'ca' ORDER BY node;
SELECT node, rows, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 2}', cache => true);
SELECT step, node, status, cached_from FROM hamilton.node_runs WHERE run_id = 9104 ORDER BY step;
-- the result tables carry the change log's trigger too
SELECT tgrelid::regclass, tgname, tgenabled FROM pg_trigger WHERE tgrelid IN ('ca.total'::regclass, 'ca.doubled'::regclass) ORDER BY 1, 2;

-- hamilton_explain says that the decision is taken at run time
SELECT line FROM regexp_split_to_table(hamilton_explain(ARRAY['ca.doubled'], inputs => '{"factor": 2}', cache => true), E'\n') line
WHERE line LIKE 'cache:%';
-- without cache => true (or with cache => false) everything runs
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 2}');
-- that run rewrote the results: the entries no longer describe them
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 2}', cache => true);
-- the setting hamilton.cache is cache => true for runs that do not say
SET hamilton.cache = on;
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 2}');
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 2}', cache => false);
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 2}');

-- another input value: only what reads it is recomputed
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 3}');
TABLE ca.doubled;
-- a write to the source: everything downstream of it
INSERT INTO ca_raw.events VALUES (11, 11);
SELECT node, reusable, reason FROM hamilton.cache WHERE module = 'ca' ORDER BY node;
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 3}');
TABLE ca.doubled;
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 3}');
-- a write in a transaction that rolled back is no change
BEGIN;
DELETE FROM ca_raw.events;
ROLLBACK;
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 3}');
-- a rolled back savepoint takes its log row along: a later write of the
-- same transaction is logged again
BEGIN;
SAVEPOINT a;
UPDATE ca_raw.events SET amount = amount WHERE id = 1;
ROLLBACK TO SAVEPOINT a;
UPDATE ca_raw.events SET amount = 100 WHERE id = 1;
COMMIT;
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 3}');
TABLE ca.doubled;
-- TRUNCATE and COPY are writes too
TRUNCATE ca_raw.events;
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 3}');
COPY ca_raw.events FROM stdin;
1	5
\.
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 3}');
TABLE ca.doubled;
-- a write under session_replication_role = replica (the trigger is enabled ALWAYS)
SET session_replication_role = replica;
INSERT INTO ca_raw.events VALUES (2, 5);
RESET session_replication_role;
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 3}');
TABLE ca.doubled;

-- a manual edit of a result table invalidates it (and what reads it)
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 3}');
UPDATE ca.total SET s = 0;
SELECT node, reusable, reason FROM hamilton.cache WHERE module = 'ca' ORDER BY node;
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 3}');
TABLE ca.doubled;
-- ... also in the transaction of the run that made it
BEGIN;
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 4}');
UPDATE ca.doubled SET d = -1;
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 4}');
COMMIT;
TABLE ca.doubled;
-- a column added to the source (no row written) is a change
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 4}');
ALTER TABLE ca_raw.events ADD COLUMN note text;
SELECT node, reusable, reason FROM hamilton.cache WHERE module = 'ca' ORDER BY node;
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 4}');
-- a changed definition is a change of the key
SELECT hamilton_define('ca.total', 'SELECT sum(amount) + 1 AS s FROM ev', materialize => 'table');
SELECT node, reusable, reason FROM hamilton.cache WHERE module = 'ca' ORDER BY node;
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 4}');
TABLE ca.doubled;

-- hamilton_invalidate: the node, and by default what is downstream of it
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 4}');
SELECT * FROM hamilton_invalidate('ca.total');
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 4}');
SELECT * FROM hamilton_invalidate('ca.doubled', downstream => false);
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 4}');
SELECT try_sql($$SELECT hamilton_invalidate('ca.nosuch')$$);

-- per-node behaviours: recompute always computes (and keeps an entry),
-- disable computes as without the cache, ignore is left out of the keys
-- downstream
SELECT hamilton_define('ca.total', 'SELECT sum(amount) + 1 AS s FROM ev', materialize => 'table', cache => 'recompute');
SELECT tag_value FROM hamilton.node_tag WHERE schema_name = 'ca' AND node_name = 'total' AND tag_key = 'cache';
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 4}');
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 4}');
SELECT hamilton_tag('ca.total', '{"cache": "ignore"}');
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 4}');
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 4}');
SELECT hamilton_tag('ca.doubled', '{"cache": "disable"}');
SELECT node, reusable, reason FROM hamilton.cache WHERE module = 'ca' ORDER BY node;
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 4}');
SELECT hamilton_tag('ca.total', '{"cache": null}');
SELECT hamilton_tag('ca.doubled', '{"cache": "auto"}');
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 4}');
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 4}');
-- bad behaviours are refused, nothing is written
SELECT try_sql($$SELECT hamilton_define('ca.other', 'SELECT 1 AS x', cache => 'sometimes')$$);
SELECT try_sql($$SELECT hamilton_define('ca.other', 'SELECT 1 AS x', tags => '{"cache": "auto"}', cache => 'recompute')$$);
SELECT try_sql($$SELECT hamilton_tag('ca.total', '{"cache": 1}')$$);
SELECT count(*) FROM hamilton.nodes WHERE node = 'ca.other';

-- what cannot be cached is recomputed, and the entry says why
CREATE FUNCTION ca_raw.stamp(x bigint) RETURNS bigint LANGUAGE sql STABLE AS 'SELECT x';
CREATE FUNCTION ca_raw.opaque(x bigint) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS 'BEGIN RETURN x; END';
CREATE FUNCTION ca_raw.thrice(x bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT 3 * x';
CREATE FUNCTION ca_raw.twice(x bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT ca_raw.thrice(x) - x';
SELECT hamilton_define('ca.today', 'SELECT current_date - current_date AS d FROM ev LIMIT 1', materialize => 'table');
SELECT hamilton_define('ca.stamped', 'SELECT ca_raw.stamp(s) AS s FROM total', materialize => 'table');
SELECT hamilton_define('ca.opaqued', 'SELECT ca_raw.opaque(s) AS s FROM total', materialize => 'table');
SELECT hamilton_define('ca.twiced', 'SELECT ca_raw.twice(s) AS s FROM total', materialize => 'table');
SELECT node, status FROM hamilton_execute(ARRAY['ca.today', 'ca.stamped', 'ca.opaqued', 'ca.twiced']);
SELECT node_name, reusable, reason FROM hamilton.cache_entry WHERE schema_name = 'ca' ORDER BY 1;
SELECT node, status FROM hamilton_execute(ARRAY['ca.today', 'ca.stamped', 'ca.opaqued', 'ca.twiced']);
-- a function called through another one, changed: the result is recomputed
CREATE OR REPLACE FUNCTION ca_raw.thrice(x bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT 4 * x';
SELECT node, status FROM hamilton_execute(ARRAY['ca.twiced']);
TABLE ca.twiced;

-- partitions: each carries the trigger; a new partition is a change (and
-- is tracked at once: see below)
CREATE TABLE ca_raw.parted (id int, v int) PARTITION BY RANGE (id);
CREATE TABLE ca_raw.parted_1 PARTITION OF ca_raw.parted FOR VALUES FROM (0) TO (100);
INSERT INTO ca_raw.parted VALUES (1, 1);
SELECT hamilton_track('ca_raw.parted');
SELECT tgrelid::regclass, tgname, tgenabled FROM pg_trigger WHERE tgname = 'hamilton_change_log' AND tgrelid::regclass::text LIKE 'ca_raw.parted%' ORDER BY 1;
SELECT hamilton_define('ca.parted_sum', 'SELECT sum(v) AS s FROM ca_raw.parted', materialize => 'table');
SELECT node, status FROM hamilton_execute(ARRAY['ca.parted_sum']);
SELECT node, status FROM hamilton_execute(ARRAY['ca.parted_sum']);
-- a write to a partition directly
INSERT INTO ca_raw.parted_1 VALUES (2, 2);
SELECT node, status FROM hamilton_execute(ARRAY['ca.parted_sum']);
TABLE ca.parted_sum;
SELECT node, status FROM hamilton_execute(ARRAY['ca.parted_sum']);
-- (with the event trigger that tracks new partitions disabled, a partition
-- without the trigger: results that read it cannot be reused)
ALTER EVENT TRIGGER hamilton_track_partitions DISABLE;
CREATE TABLE ca_raw.parted_2 PARTITION OF ca_raw.parted FOR VALUES FROM (100) TO (200);
ALTER EVENT TRIGGER hamilton_track_partitions ENABLE;
SELECT node, status FROM hamilton_execute(ARRAY['ca.parted_sum']);
SELECT node_name, reusable, reason FROM hamilton.cache_entry WHERE node_name = 'parted_sum';
SELECT node, status FROM hamilton_execute(ARRAY['ca.parted_sum']);
SELECT hamilton_track('ca_raw.parted');
SELECT node, status FROM hamilton_execute(ARRAY['ca.parted_sum']);
SELECT node, status FROM hamilton_execute(ARRAY['ca.parted_sum']);
INSERT INTO ca_raw.parted VALUES (150, 3);
SELECT node, status FROM hamilton_execute(ARRAY['ca.parted_sum']);
TABLE ca.parted_sum;
-- a partition created in, or attached to, a tracked table by its owner is
-- tracked at once (the event trigger hamilton_track_partitions); the
-- partition tree changed, so the result is recomputed once
CREATE TABLE ca_raw.parted_3 PARTITION OF ca_raw.parted FOR VALUES FROM (200) TO (300);
CREATE TABLE ca_raw.parted_4 (id int, v int);
INSERT INTO ca_raw.parted_4 VALUES (350, 4);
ALTER TABLE ca_raw.parted ATTACH PARTITION ca_raw.parted_4 FOR VALUES FROM (300) TO (400);
SELECT tgrelid::regclass, tgenabled FROM pg_trigger WHERE tgname = 'hamilton_change_log' AND tgrelid::regclass::text LIKE 'ca_raw.parted%' ORDER BY 1;
SELECT node, status FROM hamilton_execute(ARRAY['ca.parted_sum']);
TABLE ca.parted_sum;
SELECT node, status FROM hamilton_execute(ARRAY['ca.parted_sum']);
INSERT INTO ca_raw.parted_4 VALUES (360, 5);
SELECT node, status FROM hamilton_execute(ARRAY['ca.parted_sum']);
TABLE ca.parted_sum;
-- detached: a change too
ALTER TABLE ca_raw.parted DETACH PARTITION ca_raw.parted_4;
SELECT node, status FROM hamilton_execute(ARRAY['ca.parted_sum']);
TABLE ca.parted_sum;
-- untracked again: recomputed at every run
SELECT hamilton_untrack('ca_raw.parted');
SELECT count(*) FROM pg_trigger WHERE tgname = 'hamilton_change_log' AND tgrelid::regclass::text LIKE 'ca_raw.parted%';
SELECT node, status FROM hamilton_execute(ARRAY['ca.parted_sum']);
SELECT node, status FROM hamilton_execute(ARRAY['ca.parted_sum']);

-- row-level security: what a role sees is part of what the result was
-- made from (the role, its rights to bypass it, the policies)
CREATE ROLE regress_hamilton_cache_a;
CREATE ROLE regress_hamilton_cache_b;
CREATE TABLE ca_raw.secret (owner_role name, v int);
INSERT INTO ca_raw.secret VALUES ('regress_hamilton_cache_a', 1), ('regress_hamilton_cache_b', 10);
ALTER TABLE ca_raw.secret ENABLE ROW LEVEL SECURITY;
CREATE POLICY mine ON ca_raw.secret USING (owner_role = current_user);
SELECT hamilton_track('ca_raw.secret');
CREATE SCHEMA ca_rls;
GRANT USAGE ON SCHEMA ca_raw, ca_rls TO regress_hamilton_cache_a, regress_hamilton_cache_b;
GRANT SELECT ON ca_raw.secret TO regress_hamilton_cache_a, regress_hamilton_cache_b;
GRANT CREATE ON SCHEMA ca_rls TO regress_hamilton_cache_a, regress_hamilton_cache_b;
SELECT hamilton_register('ca_rls');
SELECT hamilton_define('ca_rls.visible', 'SELECT sum(v) AS s FROM ca_raw.secret', materialize => 'table');
GRANT regress_hamilton_cache_a TO regress_hamilton_cache_b;
SET ROLE regress_hamilton_cache_a;
SELECT node, status FROM hamilton_execute(ARRAY['ca_rls.visible'], cache => true);
SELECT node, status FROM hamilton_execute(ARRAY['ca_rls.visible'], cache => true);
TABLE ca_rls.visible;
RESET ROLE;
-- another role: recomputed (the table belongs to role a, of which b is a member)
SET ROLE regress_hamilton_cache_b;
SELECT node, status FROM hamilton_execute(ARRAY['ca_rls.visible'], cache => true);
TABLE ca_rls.visible;
SELECT node, status FROM hamilton_execute(ARRAY['ca_rls.visible'], cache => true);
RESET ROLE;
-- a changed policy: recomputed
ALTER POLICY mine ON ca_raw.secret USING (owner_role = current_user OR v > 5);
SET ROLE regress_hamilton_cache_b;
SELECT node, status FROM hamilton_execute(ARRAY['ca_rls.visible'], cache => true);
RESET ROLE;
DROP TABLE ca_rls.visible;
SELECT drop_module('ca_rls');
DROP TABLE ca_raw.secret;
REVOKE ALL ON SCHEMA ca_raw FROM regress_hamilton_cache_a, regress_hamilton_cache_b;
DROP ROLE regress_hamilton_cache_b;
DROP ROLE regress_hamilton_cache_a;

-- who may track: the owner only, a table only
CREATE ROLE regress_hamilton_cache_other;
CREATE VIEW ca_raw.v AS SELECT * FROM ca_raw.events;
CREATE TEMP TABLE ca_temp (x int);
SELECT try_sql($$SELECT hamilton_track('ca_raw.v')$$);
SELECT try_sql($$SELECT hamilton_track('ca_temp')$$);
SELECT try_sql($$SELECT hamilton_untrack('ca_raw.parted')$$);
GRANT USAGE ON SCHEMA ca_raw TO regress_hamilton_cache_other;
SET ROLE regress_hamilton_cache_other;
SELECT try_sql($$SELECT hamilton_track('ca_raw.events')$$);
SELECT try_sql($$SELECT hamilton_untrack('ca_raw.events')$$);
RESET ROLE;
-- the trigger function is only a statement trigger
SELECT try_sql($$SELECT hamilton.change_logged()$$);
CREATE TABLE ca_raw.rowwise (x int);
CREATE TRIGGER t AFTER INSERT ON ca_raw.rowwise FOR EACH ROW EXECUTE FUNCTION hamilton.change_logged();
SELECT try_sql($$INSERT INTO ca_raw.rowwise VALUES (1)$$);

-- a cached run that asks for workers decides what it reuses in the
-- caller, before any step runs (parallel_cache.sql: with steps on workers)
RESET hamilton.cache;
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 2}', cache => true, workers => 2);
SELECT node, status FROM hamilton_execute(ARRAY['ca.doubled'], inputs => '{"factor": 2}', cache => true, workers => 2);

-- an incremental node is never reused from the cache: its own ranges decide
-- what each run processes, and what reads it is recomputed
CREATE TABLE ca_raw.ev2 (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v int);
SELECT hamilton_track('ca_raw.ev2');
INSERT INTO ca_raw.ev2 (v) SELECT g FROM generate_series(1, 10) g;
SELECT hamilton_define('ca.inc',
    'SELECT id, v FROM ca_raw.ev2, range_start, range_end WHERE id BETWEEN range_start AND range_end',
    incremental => '{"strategy": "append", "by": "sequence", "source": "ca_raw.ev2", "column": "id"}');
SELECT hamilton_define('ca.inc_sum', 'SELECT sum(v) AS s FROM inc', materialize => 'table');
SELECT node, rows, status FROM hamilton_execute(ARRAY['ca.inc_sum'], cache => true);
INSERT INTO ca_raw.ev2 (v) SELECT g FROM generate_series(11, 15) g;
SELECT node, rows, status FROM hamilton_execute(ARRAY['ca.inc_sum'], cache => true);
SELECT s FROM ca.inc_sum;
SELECT node, rows, status FROM hamilton_execute(ARRAY['ca.inc_sum'], cache => true);
SELECT hamilton_untrack('ca_raw.ev2');

-- Clean up.
RESET hamilton.cache;
SELECT hamilton_untrack('ca_raw.events');
DROP SCHEMA ca_raw CASCADE;
SELECT drop_module('ca');
DROP ROLE regress_hamilton_cache_other;
