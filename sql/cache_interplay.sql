-- What a cached run must still honour (found by review): checks set after
-- the result was made, savers, node hooks, the settings that catalog
-- functions read; and pipes refuse an incremental node.
-- (parallel_cache_interplay.sql runs it again on background workers, from
-- its own run ids)
\if :{?ci_base}
\else
\set ci_base 99800
\endif
SELECT setval('hamilton.run_id_seq', :ci_base) > 0 AS ok;
CREATE SCHEMA ci_raw;
CREATE TABLE ci_raw.ev (id int, amount int);
INSERT INTO ci_raw.ev SELECT g, g FROM generate_series(1, 10) g;
SELECT hamilton_track('ci_raw.ev');
CREATE SCHEMA ci;
SELECT hamilton_register('ci');
SELECT hamilton_define('ci.clean', 'SELECT id, amount FROM ci_raw.ev');
SELECT hamilton_define('ci.total', 'SELECT sum(amount) AS s FROM clean', materialize => 'table');
SELECT node, status FROM hamilton_execute(ARRAY['ci.total'], cache => true);
SELECT node, status FROM hamilton_execute(ARRAY['ci.total'], cache => true);

-- A check added since: the result is computed again and checked (and the
-- failing check fails the run, the result kept).
SELECT hamilton_check('ci.total', '[{"check": "range", "column": "s", "max": 10, "severity": "fail"}]');
SELECT * FROM hamilton_execute(ARRAY['ci.total'], cache => true);
SELECT s FROM ci.total;
SELECT hamilton_check('ci.total', '[{"check": "range", "column": "s", "max": 100, "severity": "warn"}]');
SELECT node, status FROM hamilton_execute(ARRAY['ci.total'], cache => true);
SELECT node, status FROM hamilton_execute(ARRAY['ci.total'], cache => true);
SELECT hamilton_check('ci.total', '[]');

-- A saver: the node is computed, so that its file is written, every run.
\set total_file '/tmp/pg_hamilton_regress_ci_total.csv'
SELECT hamilton_save('ci.total', :'total_file');
SELECT node, status FROM hamilton_execute(ARRAY['ci.total'], cache => true);
SELECT (pg_stat_file(:'total_file', true)).size > 0 AS written;
SELECT direction, path = :'total_file' AS the_file FROM hamilton.files WHERE run_id = (SELECT max(run_id) FROM hamilton.runs);
SELECT node, reusable, reason FROM hamilton.cache WHERE node = 'ci.total';
SELECT hamilton_unsave('ci.total', :'total_file');
SELECT node, status FROM hamilton_execute(ARRAY['ci.total'], cache => true);

-- Node hooks see cached steps.
CREATE TABLE public.ci_log (event text, node text, status text);
CREATE FUNCTION public.ci_hook(event text, run_id bigint, node text, status text, rows bigint,
                               ms double precision)
RETURNS void LANGUAGE sql AS $$ INSERT INTO public.ci_log VALUES (event, node, status) $$;
SELECT hamilton_hook('after_node', 'public.ci_hook(text, bigint, text, text, bigint, double precision)');
SELECT node, status FROM hamilton_execute(ARRAY['ci.total'], cache => true);
SELECT event, node, status FROM public.ci_log ORDER BY node;
SELECT hamilton_unhook('after_node', 'public.ci_hook(text, bigint, text, text, bigint, double precision)');
DROP FUNCTION public.ci_hook(text, bigint, text, text, bigint, double precision);
DROP TABLE public.ci_log;

-- Settings that functions the cache lets through read: text search
-- configuration, float and bytea output.
CREATE TABLE ci_raw.docs (id int, body text, v float8, b bytea);
INSERT INTO ci_raw.docs VALUES (1, 'the cats were running', 1.0 / 3, '\x0102'), (2, 'a dog sat', 2.0 / 3, '\x03');
SELECT hamilton_track('ci_raw.docs');
SELECT hamilton_define('ci.hits', $$SELECT id FROM ci_raw.docs WHERE body @@ 'run'$$, materialize => 'table');
SELECT hamilton_define('ci.texts', $$SELECT id, v::text AS vt, b::text AS bt FROM ci_raw.docs$$, materialize => 'table');
SET default_text_search_config = 'pg_catalog.english';
SELECT node, rows, status FROM hamilton_execute(ARRAY['ci.hits', 'ci.texts'], cache => true);
SET default_text_search_config = 'pg_catalog.simple';
SET extra_float_digits = 0;
SET bytea_output = 'escape';
SELECT node, rows, status FROM hamilton_execute(ARRAY['ci.hits', 'ci.texts'], cache => true);
TABLE ci.hits;
TABLE ci.texts ORDER BY id;
RESET default_text_search_config;
RESET extra_float_digits;
RESET bytea_output;

-- A chain of steps would make an incremental node plain: refused, its
-- spec and ranges kept.
CREATE TABLE ci_raw.events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, amount numeric);
INSERT INTO ci_raw.events (amount) SELECT g FROM generate_series(1, 5) g;
SELECT hamilton_define('ci.enr',
    'SELECT e.id, e.amount FROM ci_raw.events e, range_start, range_end WHERE e.id BETWEEN range_start AND range_end',
    incremental => '{"strategy": "append", "by": "sequence", "source": "ci_raw.events", "column": "id"}');
SELECT node, rows, status FROM hamilton_execute(ARRAY['ci.enr']);
SELECT hamilton_pipe_output('ci.enr', $$[{"step": "big", "sql": "SELECT id, amount * 10 AS amount FROM enr"}]$$);
SELECT hamilton_mutate('ci.enr', 'big', 'SELECT id, amount * 10 AS amount FROM enr');
SELECT node, processed FROM hamilton.incremental WHERE node = 'ci.enr';

-- Clean up.
SELECT hamilton_untrack('ci_raw.ev');
SELECT hamilton_untrack('ci_raw.docs');
SELECT drop_module('ci');
DROP SCHEMA ci_raw CASCADE;
