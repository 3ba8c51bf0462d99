-- Loaders and savers (Hamilton's @load_from / @dataloader and @save_to /
-- @datasaver): a node read from a file by COPY FROM, a result written to a
-- file by COPY TO, both as the caller (pg_read_server_files,
-- pg_write_server_files), and every file in the run's history.
SELECT setval('hamilton.run_id_seq', 99400) > 0 AS ok;
\set sales '/tmp/pg_hamilton_regress_sales.csv'
\set semi '/tmp/pg_hamilton_regress_semi.txt'
\set totals '/tmp/pg_hamilton_regress_totals.csv'
\set cleaned '/tmp/pg_hamilton_regress_cleaned.csv'
\set rate '/tmp/pg_hamilton_regress_rate.csv'
COPY (VALUES ('n', 10), ('s', 20), ('n', 5)) TO :'sales' WITH (FORMAT csv, HEADER true);
COPY (VALUES ('e', 7), ('w', 1)) TO :'semi' WITH (FORMAT csv, DELIMITER ';');
CREATE SCHEMA fl;
SELECT hamilton_register('fl');

-- Reading a file directly, as any SQL can.
SELECT * FROM hamilton_read_file(:'sales') AS f(region text, amount numeric) ORDER BY 1, 2;

-- A loader: a SQL node whose rows come from a file (CSV with a header by
-- default), read by COPY when a run computes it.
SELECT hamilton_load('fl.sales', :'sales', 'region text, amount numeric', doc => 'the sales file');
SELECT node, kind, inputs, doc, replace(definition, current_schema(), 'EXT') AS definition
FROM hamilton.nodes WHERE node = 'fl.sales';
SELECT hamilton_define('fl.totals', 'SELECT region, sum(amount) AS total FROM sales GROUP BY region');
SELECT node, rows, status FROM hamilton_execute(ARRAY['totals']);
TABLE fl.totals ORDER BY region;
-- The file is in the run's history, read by the step whose query read it
-- (the loader was inlined into fl.totals).
SELECT run_id, node, direction, path, rows FROM hamilton.files WHERE run_id = 99401;
-- The file is in the column lineage too: each column of the loader is a
-- column of the file.
SELECT "column", source_node, source_relation, source_file, source_column
FROM hamilton.column_lineage WHERE node = 'fl.totals' ORDER BY ordinal, source_column;
SELECT f.key AS "column", regexp_replace(f.value#>>'{inputFields,0,namespace}', '^file://.+$', 'file://HOST') AS namespace,
       f.value#>>'{inputFields,0,name}' AS name, f.value#>>'{inputFields,0,field}' AS field
FROM hamilton_openlineage(99401) AS e, jsonb_array_elements(e->'outputs') AS o,
     jsonb_each(o->'facets'->'columnLineage'->'fields') AS f
WHERE e->>'eventType' = 'COMPLETE' ORDER BY 1;

-- COPY's options: a file with another delimiter and no header.
SELECT hamilton_load('fl.more', :'semi', 'region text, amount numeric',
                     options => '{"format": "csv", "delimiter": ";"}');
SELECT node, rows, status FROM hamilton_execute(ARRAY['more']);
TABLE fl.more ORDER BY region;

-- A loader can be a frame (a key, its columns extracted), like any SQL node.
SELECT hamilton_load('fl.by_region', :'semi', 'region text, amount numeric',
                     options => '{"format": "csv", "delimiter": ";"}', key => '{region}',
                     extract_columns => true);
SELECT hamilton_define('fl.amount_x2', 'amount * 2');
SELECT node, status FROM hamilton_execute(ARRAY['amount_x2']);
SELECT * FROM fl.amount_x2 ORDER BY 1;
SELECT node, direction, path, rows FROM hamilton.files WHERE run_id = (SELECT max(run_id) FROM hamilton.runs);

-- A saver: the result is also written to a file, whenever a run computes
-- the node, and the file is in the run's history.
SELECT hamilton_save('fl.totals', :'totals');
SELECT node, module, path, options, owner = current_user AS mine FROM hamilton.savers;
SELECT node, rows, status FROM hamilton_execute(ARRAY['totals']);
SELECT * FROM hamilton_read_file(:'totals') AS f(region text, total numeric) ORDER BY 1;
-- a saver is written by the calling backend, also in a run that asks for
-- workers (parallel_cache.sql: with its steps on workers)
SELECT node, rows, status FROM hamilton_execute(ARRAY['totals'], workers => 2);
SELECT node, direction, path, rows FROM hamilton.files
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) ORDER BY direction;
-- A saver acts wherever the node is computed: an inlined intermediate and
-- a scalar are written too.
SELECT hamilton_define('fl.cleaned', 'SELECT upper(region) AS region, amount FROM sales');
SELECT hamilton_define('fl.cleaned_total', 'SELECT sum(amount) AS total FROM cleaned');
CREATE FUNCTION fl.rate() RETURNS numeric LANGUAGE sql RETURN 0.5;
SELECT hamilton_save('fl.cleaned', :'cleaned', '{"format": "csv", "header": true}');
SELECT hamilton_save('fl.rate', :'rate');
SELECT node, rows, status FROM hamilton_execute(ARRAY['cleaned_total', 'rate']);
SELECT * FROM hamilton_read_file(:'cleaned') AS f(region text, amount numeric) ORDER BY 1, 2;
SELECT * FROM hamilton_read_file(:'rate') AS f(rate numeric);
SELECT node, direction, path, rows FROM hamilton.files
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) ORDER BY node, direction;
-- OpenLineage: the files are datasets too, read (inputs) and written
-- (outputs, with their row counts), named file://host and their path.
SELECT e->>'eventType' AS type, d.kind,
       regexp_replace(d.ds->>'namespace', '^file://.+$', 'file://HOST') AS namespace, d.ds->>'name' AS name,
       d.ds#>'{outputFacets,outputStatistics,rowCount}' AS row_count
FROM hamilton_openlineage((SELECT max(run_id) FROM hamilton.runs)) AS e,
     LATERAL (SELECT 'input' AS kind, i AS ds FROM jsonb_array_elements(e->'inputs') AS i
              UNION ALL SELECT 'output', o FROM jsonb_array_elements(e->'outputs') AS o) AS d
WHERE e->>'eventType' = 'COMPLETE' AND d.ds->>'namespace' LIKE 'file:%'
ORDER BY 2, 4;

-- A scalar a saver writes is not evaluated in a batch, where no saver runs.
CREATE FUNCTION fl.half(rate numeric) RETURNS numeric LANGUAGE sql RETURN rate / 2;
COPY (SELECT 'old') TO :'rate';
SELECT node, rows, status FROM hamilton_execute(ARRAY['half']);
SELECT * FROM hamilton_read_file(:'rate') AS f(rate numeric);
SELECT hamilton_unsave('fl.rate', :'rate');
-- A run that fails leaves the saved file as it was, as it leaves every
-- earlier result: the file is put in place when the run's transaction
-- commits, and nothing is left beside it.
COPY (VALUES ('n', 1), ('s', 2)) TO :'sales' WITH (FORMAT csv, HEADER true);
SELECT hamilton_define('fl.broken', 'SELECT total / 0 AS x FROM totals');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['totals', 'broken'])$$);
SELECT * FROM hamilton_read_file(:'totals') AS f(region text, total numeric) ORDER BY 1;
BEGIN;
SELECT node, status FROM hamilton_execute(ARRAY['totals']);
ROLLBACK;
SELECT * FROM hamilton_read_file(:'totals') AS f(region text, total numeric) ORDER BY 1;
SELECT count(*) AS left_aside FROM pg_ls_dir('/tmp') AS f WHERE f LIKE 'pg_hamilton_regress_%.hamilton-%';
-- Committed, it is replaced.
SELECT node, status FROM hamilton_execute(ARRAY['totals']);
SELECT * FROM hamilton_read_file(:'totals') AS f(region text, total numeric) ORDER BY 1;
SELECT hamilton_drop('fl.broken');
-- File privileges are PostgreSQL's: a role without pg_read_server_files
-- cannot read, one without pg_write_server_files cannot save; the run
-- fails, naming the node, and earlier results stay.
CREATE ROLE regress_files_user;
GRANT USAGE, CREATE ON SCHEMA fl TO regress_files_user;
SET ROLE regress_files_user;
SELECT try_sql($$SELECT * FROM hamilton_read_file('/tmp/pg_hamilton_regress_sales.csv') AS f(region text, amount numeric)$$);
SELECT hamilton_load('fl.user_sales', :'sales', 'region text, amount numeric');
SELECT hamilton_define('fl.user_total', 'SELECT sum(amount) AS total FROM user_sales');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['user_total'])$$);
RESET ROLE;
GRANT pg_read_server_files TO regress_files_user;
SET ROLE regress_files_user;
SELECT node, status FROM hamilton_execute(ARRAY['user_total']);
SELECT hamilton_save('fl.user_total', '/tmp/pg_hamilton_regress_user_total.csv');
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['user_total'])$$);
TABLE fl.user_total;
RESET ROLE;
-- Someone else's saver would write a file with the caller's rights: a run
-- whose caller does not trust the saver's owner is refused.
DROP TABLE fl.user_total;
SELECT try_sql($$SELECT * FROM hamilton_execute(ARRAY['fl.user_total'])$$);

-- Errors, each refused when defined, with its SQLSTATE.
SELECT try_sql($$SELECT hamilton_load('fl.bad', 'relative.csv', 'a int')$$);
SELECT try_sql($$SELECT hamilton_load('fl.bad', '/tmp/x.csv', '  ')$$);
SELECT try_sql($$SELECT hamilton_load('fl.bad', '/tmp/x.csv', 'a int', '{"header": "yes"}')$$);
SELECT try_sql($$SELECT hamilton_load('fl.bad', '/tmp/x.csv', 'a int', '{"format": "xlsx"}')$$);
SELECT try_sql($$SELECT hamilton_load('fl.bad', '/tmp/x.csv', 'a int', '{"program": "rm -rf /"}')$$);
SELECT try_sql($$SELECT hamilton_load('fl.bad', '/tmp/x.csv', 'a int) AS f; DROP TABLE fl.totals; --')$$);
SELECT try_sql($$SELECT hamilton_load(NULL, '/tmp/x.csv', 'a int')$$);
SELECT try_sql($$SELECT hamilton_save('fl.totals', 'out.csv')$$);
SELECT try_sql($$SELECT hamilton_save('fl.amount', '/tmp/pg_hamilton_regress_amount.csv')$$);
SELECT try_sql($$SELECT hamilton_save('fl.no_such_node', '/tmp/x.csv')$$);
SELECT try_sql($$SELECT hamilton_unsave('fl.totals', '/tmp/never_saved.csv')$$);
SELECT try_sql($$SELECT * FROM hamilton_read_file('/tmp/pg_hamilton_regress_missing.csv') AS f(a int)$$);
SELECT try_sql($$SELECT * FROM hamilton_read_file('/tmp/pg_hamilton_regress_sales.csv')$$);
SET ROLE regress_files_user;
SELECT try_sql($$SELECT hamilton_save('fl.totals', '/tmp/x.csv')$$);
RESET ROLE;
SELECT count(*) AS bad_nodes FROM hamilton.nodes WHERE node = 'fl.bad';
TABLE fl.totals ORDER BY region;

-- A saver follows its module when the schema is renamed.
ALTER SCHEMA fl RENAME TO fl_renamed;
SELECT node, path FROM hamilton.savers ORDER BY 1, 2;
ALTER SCHEMA fl_renamed RENAME TO fl;
SELECT node, path FROM hamilton.savers ORDER BY 1, 2;

SELECT hamilton_unsave('fl.user_total', '/tmp/pg_hamilton_regress_user_total.csv');
SELECT hamilton_unsave('fl.totals', :'totals');
SELECT hamilton_unsave('fl.cleaned', :'cleaned');
SELECT count(*) AS savers_left FROM hamilton.savers;
SELECT drop_module('fl');
DROP OWNED BY regress_files_user;
DROP ROLE regress_files_user;
