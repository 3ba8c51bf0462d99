-- Incremental nodes' API and catalog: the functions and views exist, the
-- spec table is public like the other definitions, the processed ranges
-- are not (their runs are shown through hamilton.incremental_batches), and
-- neither is writable directly.
BEGIN;
SELECT plan(13);

SELECT has_function('hamilton_incremental', ARRAY['text', 'jsonb']);
SELECT has_function('hamilton_restate', ARRAY['text', 'text', 'text']);
SELECT has_function('hamilton_reset', ARRAY['text']);
SELECT has_view('hamilton', 'incremental', 'view hamilton.incremental');
SELECT has_view('hamilton', 'incremental_batches', 'view hamilton.incremental_batches');
SELECT columns_are('hamilton', 'incremental', ARRAY['node', 'module', 'strategy', 'by', 'source', 'column',
    'on_change', 'processed', 'missing', 'batches', 'rows', 'last_run_id', 'last_processed_at']);

CREATE ROLE tap_incremental_reader;
-- a node in a schema the reader may not use
CREATE SCHEMA tap_inc;
CREATE TABLE tap_inc.src (id bigint GENERATED ALWAYS AS IDENTITY, v int);
INSERT INTO tap_inc.src (v) VALUES (1), (2);
SELECT hamilton_define('tap_inc.copy', 'SELECT id, v FROM tap_inc.src, range_start, range_end WHERE id BETWEEN range_start AND range_end',
    incremental => '{"strategy": "append", "by": "sequence", "source": "tap_inc.src", "column": "id"}');
SELECT is((SELECT count(*)::int FROM hamilton_execute(ARRAY['tap_inc.copy'])), 3, 'an incremental run');
SELECT table_privs_are('hamilton', 'incremental_node', 'tap_incremental_reader', ARRAY['SELECT'],
    'anyone may read the incremental specs, nobody may write them directly');
SELECT table_privs_are('hamilton', 'incremental_range', 'tap_incremental_reader', ARRAY[]::text[],
    'the processed ranges are read through the views');
SET ROLE tap_incremental_reader;
SELECT throws_ok($$DELETE FROM hamilton.incremental_range$$, '42501', NULL,
    'nobody forgets processed ranges but through hamilton_restate and hamilton_reset');
SELECT lives_ok($$SELECT * FROM hamilton.incremental$$, 'anyone may read hamilton.incremental');
SELECT lives_ok($$SELECT * FROM hamilton.incremental_batches$$, 'anyone may read hamilton.incremental_batches');
SELECT is((SELECT count(*)::int FROM hamilton.incremental WHERE node = 'tap_inc.copy'), 0,
    'a node whose result the reader may not read is not shown, and the view does not fail on its schema');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
