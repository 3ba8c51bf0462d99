-- Incremental nodes' API and catalog: the functions and views exist, the
-- spec table is public like the other definitions, the processed ranges
-- are not (their runs are shown through hamilton.incremental_batches), and
-- neither is writable directly.
BEGIN;
SELECT plan(11);

SELECT has_function('hamilton_incremental', ARRAY['text', 'jsonb']);
SELECT has_function('hamilton_restate', ARRAY['text', 'text', 'text']);
SELECT has_function('hamilton_reset', ARRAY['text']);
SELECT has_view('hamilton', 'incremental', 'view hamilton.incremental');
SELECT has_view('hamilton', 'incremental_batches', 'view hamilton.incremental_batches');
SELECT columns_are('hamilton', 'incremental', ARRAY['node', 'module', 'strategy', 'by', 'source', 'column',
    'on_change', 'processed', 'missing', 'batches', 'rows', 'last_run_id', 'last_processed_at']);

CREATE ROLE tap_incremental_reader;
SELECT table_privs_are('hamilton', 'incremental_node', 'tap_incremental_reader', ARRAY['SELECT'],
    'anyone may read the incremental specs, nobody may write them directly');
SELECT table_privs_are('hamilton', 'incremental_range', 'tap_incremental_reader', ARRAY[]::text[],
    'the processed ranges are read through the views');
SET ROLE tap_incremental_reader;
SELECT throws_ok($$DELETE FROM hamilton.incremental_range$$, '42501', NULL,
    'nobody forgets processed ranges but through hamilton_restate and hamilton_reset');
SELECT lives_ok($$SELECT * FROM hamilton.incremental$$, 'anyone may read hamilton.incremental');
SELECT lives_ok($$SELECT * FROM hamilton.incremental_batches$$, 'anyone may read hamilton.incremental_batches');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
