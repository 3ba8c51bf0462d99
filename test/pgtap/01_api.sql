-- The installed API and catalog: what the README documents exists, and the
-- catalog is readable by everyone but writable only through the API.
BEGIN;
SELECT plan(33);

SELECT has_schema('hamilton');
SELECT has_extension('hamilton');
SELECT has_function('hamilton_register', ARRAY['regnamespace']);
SELECT has_function('hamilton_unregister', ARRAY['regnamespace']);
SELECT has_function('hamilton_define', ARRAY['text', 'text', 'text', 'jsonb', 'text', 'text[]', 'text[]', 'boolean', 'jsonb', 'jsonb', 'text', 'jsonb', 'text', 'text', 'text']);
SELECT has_function('hamilton_check', ARRAY['text', 'jsonb']);
SELECT has_function('hamilton_when', ARRAY['text', 'jsonb']);
SELECT has_function('hamilton_parameterize', ARRAY['text', 'text', 'jsonb', 'text', 'jsonb', 'jsonb']);
SELECT has_function('hamilton_drop', ARRAY['text']);
SELECT has_function('hamilton_tag', ARRAY['text', 'jsonb']);
SELECT has_function('hamilton_execute', ARRAY['text[]', 'jsonb', 'jsonb', 'jsonb', 'text', 'text[]', 'boolean', 'boolean', 'integer']);
SELECT has_function('hamilton_validate', ARRAY['text[]', 'jsonb', 'jsonb', 'jsonb', 'text', 'text[]', 'boolean', 'boolean', 'integer']);
SELECT has_function('hamilton_explain', ARRAY['text[]', 'jsonb', 'jsonb', 'jsonb', 'text', 'text[]', 'boolean', 'boolean', 'integer']);
SELECT has_function('hamilton_upstream', ARRAY['text']);
SELECT has_function('hamilton_downstream', ARRAY['text']);
SELECT has_function('hamilton_path', ARRAY['text', 'text']);

SELECT has_view('hamilton', 'nodes', 'view hamilton.nodes');
SELECT has_view('hamilton', 'edges', 'view hamilton.edges');
SELECT has_view('hamilton', 'tags', 'view hamilton.tags');
SELECT has_view('hamilton', 'runs', 'view hamilton.runs');
SELECT has_view('hamilton', 'node_runs', 'view hamilton.node_runs');
SELECT has_view('hamilton', 'lineage', 'view hamilton.lineage');
SELECT has_view('hamilton', 'modules', 'view hamilton.modules');
SELECT has_view('hamilton', 'check_results', 'view hamilton.check_results');
SELECT has_view('hamilton', 'missing_roles', 'view hamilton.missing_roles');

SELECT columns_are('hamilton', 'nodes', ARRAY['node', 'module', 'name', 'kind', 'language', 'type',
    'inputs', 'sources', 'doc', 'tags', 'materialize', 'definition', 'fingerprint', 'owner',
    'frame', 'key', 'config_when', 'checks', 'parameterized', 'refresh', 'refresh_key', 'placement', 'shard_key']);
SELECT columns_are('hamilton', 'lineage', ARRAY['relation', 'node', 'module', 'run_id', 'run_status',
    'materialized_at', 'fingerprint', 'inputs', 'upstream', 'sources', 'placement']);

-- Every catalog table is kept by pg_dump.
SELECT set_eq(
    $$SELECT unnest(extconfig)::regclass::text FROM pg_extension WHERE extname = 'hamilton'$$,
    ARRAY['hamilton.module', 'hamilton.sql_node', 'hamilton.node_tag', 'hamilton.node_check',
          'hamilton.function_variant', 'hamilton.schedule', 'hamilton.run', 'hamilton.run_start',
          'hamilton.node_run', 'hamilton.result', 'hamilton.run_id_seq',
          'hamilton.incremental_node', 'hamilton.incremental_range',
          -- features-b: hooks, column lineage, savers and the files of runs
          'hamilton.hook', 'hamilton.hook_error', 'hamilton.result_column', 'hamilton.saver', 'hamilton.run_file',
          -- subdag: the subdags made (hamilton_subdag)
          'hamilton.subdag',
          -- (servers) the remote transactions runs prepared
          'hamilton.remote_commit',
          -- (probes) the probe queries of sources that cannot carry a trigger
          'hamilton.source_probe'],
    'every catalog table and the run sequence are dumped with pg_dump');

-- PUBLIC reads, never writes.
CREATE ROLE tap_hamilton_reader;
SELECT table_privs_are('hamilton', 'sql_node', 'tap_hamilton_reader', ARRAY['SELECT'],
    'anyone may read hamilton.sql_node, nobody may write it directly');
SELECT table_privs_are('hamilton', 'run', 'tap_hamilton_reader', ARRAY[]::text[],
    'run history is not public: only the filtered views show it');
SELECT table_privs_are('hamilton', 'run_start', 'tap_hamilton_reader', ARRAY[]::text[],
    'nor are the starts of runs');
SET ROLE tap_hamilton_reader;
SELECT throws_ok($$INSERT INTO hamilton.module VALUES ('x')$$, '42501', NULL,
    'a direct catalog write is refused');
SELECT lives_ok($$SELECT * FROM hamilton.nodes$$, 'anyone may read the nodes view');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
