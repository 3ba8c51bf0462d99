-- Probes: a foreign table cannot carry the change log's trigger; its owner
-- declares a probe query whose one value is its data version.  A cached
-- result read from it (directly or through a view) is reused while the
-- probe returns the same value, and recomputed when it does not.
SELECT setval('hamilton.run_id_seq', 106000) > 0 AS ok;
CREATE EXTENSION IF NOT EXISTS file_fdw;
CREATE SERVER cp_files FOREIGN DATA WRAPPER file_fdw;
CREATE SCHEMA cp_raw;
CREATE TABLE cp_raw.staging (id int, amount int);
INSERT INTO cp_raw.staging VALUES (1, 10), (2, 20);
COPY cp_raw.staging TO '/tmp/hamilton_cache_probes.csv' (FORMAT csv);
CREATE FOREIGN TABLE cp_raw.sales (id int, amount int)
    SERVER cp_files OPTIONS (filename '/tmp/hamilton_cache_probes.csv', format 'csv');
CREATE VIEW cp_raw.sales_view AS SELECT id, amount FROM cp_raw.sales;
CREATE MATERIALIZED VIEW cp_raw.sales_mv AS SELECT id, amount FROM cp_raw.sales;
CREATE SCHEMA cp;
SELECT hamilton_define('cp.total', 'SELECT sum(amount) AS total FROM cp_raw.sales', materialize => 'table');
SELECT hamilton_define('cp.via_view', 'SELECT count(*) AS n FROM cp_raw.sales_view', materialize => 'table');

-- unprobed: recomputed at every cached run, and hamilton.cache says why
SELECT node, status FROM hamilton_execute(ARRAY['cp.total'], cache => true);
SELECT node, status FROM hamilton_execute(ARRAY['cp.total'], cache => true);
SELECT node, reusable, reason FROM hamilton.cache WHERE module = 'cp';

-- probed: reused while the probe's value is unchanged, directly and through the view
SELECT hamilton_probe('cp_raw.sales', 'SELECT count(*) || '':'' || sum(amount) FROM cp_raw.sales');
SELECT source, probe, declared_by FROM hamilton.source_probe;
SELECT node, status FROM hamilton_execute(ARRAY['cp.total', 'cp.via_view'], cache => true);
SELECT node, status FROM hamilton_execute(ARRAY['cp.total', 'cp.via_view'], cache => true);
TABLE cp.total;
SELECT node, reusable, reason FROM hamilton.cache WHERE module = 'cp' ORDER BY node;
SELECT node, probes FROM hamilton.cache WHERE module = 'cp' ORDER BY node;

-- the file changes: the probe's value changes, and both recompute
INSERT INTO cp_raw.staging VALUES (3, 30);
COPY cp_raw.staging TO '/tmp/hamilton_cache_probes.csv' (FORMAT csv);
SELECT node, reusable, reason FROM hamilton.cache WHERE module = 'cp' ORDER BY node;
SELECT node, status FROM hamilton_execute(ARRAY['cp.total', 'cp.via_view'], cache => true);
TABLE cp.total;
SELECT node, status FROM hamilton_execute(ARRAY['cp.total', 'cp.via_view'], cache => true);
SELECT node, probes FROM hamilton.cache WHERE module = 'cp' ORDER BY node;

-- another probe is a change
SELECT hamilton_probe('cp_raw.sales', 'SELECT count(*) FROM cp_raw.sales');
SELECT node, status FROM hamilton_execute(ARRAY['cp.total'], cache => true);
SELECT node, status FROM hamilton_execute(ARRAY['cp.total'], cache => true);

-- a probe returning NULL is an unknown version: recomputed
SELECT hamilton_probe('cp_raw.sales', 'SELECT NULL::text');
SELECT node, status FROM hamilton_execute(ARRAY['cp.total'], cache => true);
SELECT node, status FROM hamilton_execute(ARRAY['cp.total'], cache => true);
SELECT node, reusable, reason FROM hamilton.cache WHERE node = 'cp.total';

-- a probe that fails, or returns no row, fails the run naming the source and the probe
SELECT hamilton_probe('cp_raw.sales', 'SELECT 1 / (count(*) - count(*)) FROM cp_raw.sales');
SELECT node, status FROM hamilton_execute(ARRAY['cp.total'], cache => true);
SELECT hamilton_probe('cp_raw.sales', 'SELECT 1 FROM cp_raw.sales WHERE false');
SELECT node, status FROM hamilton_execute(ARRAY['cp.total'], cache => true);
-- a run that does not read the source is not failed by its probe
SELECT hamilton_define('cp.plain', 'SELECT count(*) AS n FROM cp_raw.staging', materialize => 'table');
SELECT node, status FROM hamilton_execute(ARRAY['cp.plain'], cache => true);
TABLE cp.total;

-- a declared source may be a probed foreign table
SELECT hamilton_probe('cp_raw.sales', 'SELECT count(*) FROM cp_raw.sales');
CREATE FUNCTION cp.opaque() RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN RETURN (SELECT count(*) FROM cp_raw.sales); END $$;
SELECT hamilton_register('cp');
SELECT hamilton_tag('cp.opaque', '{"sources": ["cp_raw.sales"]}');
SELECT hamilton_define('cp.opaque_report', 'SELECT opaque FROM opaque', materialize => 'table');
SELECT node, status FROM hamilton_execute(ARRAY['cp.opaque_report'], cache => true);
SELECT node, status FROM hamilton_execute(ARRAY['cp.opaque_report'], cache => true);

-- refusals
SELECT hamilton_probe('cp_raw.sales', 'SELECT 1; SELECT 2');
SELECT hamilton_probe('cp_raw.sales', 'DELETE FROM cp_raw.staging');
SELECT hamilton_probe('cp_raw.sales', 'WITH d AS (DELETE FROM cp_raw.staging RETURNING 1) SELECT count(*) FROM d');
SELECT hamilton_probe('cp_raw.sales', 'SELECT id FROM cp_raw.staging FOR UPDATE');
SELECT hamilton_probe('cp_raw.sales', 'SELECT 1, 2');
SELECT hamilton_probe('cp_raw.sales', 'SELECT nothing FROM cp_raw.nowhere');
SELECT hamilton_probe('cp_raw.sales_view', 'SELECT 1');
SELECT hamilton_probe('cp_raw.staging', 'SELECT 1');
CREATE ROLE cp_stranger;
GRANT USAGE ON SCHEMA cp_raw TO cp_stranger;
SET ROLE cp_stranger;
SELECT hamilton_probe('cp_raw.sales', 'SELECT 1');
SELECT hamilton_unprobe('cp_raw.sales');
RESET ROLE;
SELECT hamilton_unprobe('cp_raw.sales_mv');
-- the probe is intact after each refusal
SELECT source, probe FROM hamilton.source_probe;
SELECT hamilton_tag('cp.opaque', '{"sources": ["cp_raw.sales_mv"]}');

-- unprobed again: recomputed
SELECT hamilton_unprobe('cp_raw.sales');
SELECT node, status FROM hamilton_execute(ARRAY['cp.total'], cache => true);
SELECT node, reusable, reason FROM hamilton.cache WHERE node = 'cp.total';
REVOKE USAGE ON SCHEMA cp_raw FROM cp_stranger;
DROP ROLE cp_stranger;

-- a probe is its owner's SQL, run as the caller: the probe of a role the
-- caller does not trust (a superuser trusts no other role) is never run,
-- and what reads its source is recomputed, with the reason
CREATE ROLE cp_owner;
GRANT CREATE, USAGE ON SCHEMA cp_raw TO cp_owner;
SET ROLE cp_owner;
CREATE MATERIALIZED VIEW cp_raw.theirs AS SELECT 1 AS x;
CREATE FUNCTION cp_raw.spy() RETURNS text LANGUAGE plpgsql AS $$
BEGIN RAISE NOTICE 'the probe ran as %', current_user; RETURN '1'; END $$;
SELECT hamilton_probe('cp_raw.theirs', 'SELECT cp_raw.spy()');
RESET ROLE;
SELECT hamilton_define('cp.theirs_n', 'SELECT count(*) AS n FROM cp_raw.theirs', materialize => 'table');
SELECT node, status FROM hamilton_execute(ARRAY['cp.theirs_n'], cache => true);
SELECT node, status FROM hamilton_execute(ARRAY['cp.theirs_n'], cache => true);
SELECT node, reusable, reason FROM hamilton.cache WHERE node = 'cp.theirs_n';
SELECT hamilton_drop('cp.theirs_n');
SET ROLE cp_owner;
SELECT hamilton_unprobe('cp_raw.theirs');
DROP MATERIALIZED VIEW cp_raw.theirs;
DROP FUNCTION cp_raw.spy();
RESET ROLE;
REVOKE CREATE, USAGE ON SCHEMA cp_raw FROM cp_owner;
DROP ROLE cp_owner;
