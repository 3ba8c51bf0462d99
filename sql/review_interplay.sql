-- An adversarial review of what 1.4 added, where it meets the older
-- features: each part below was an attack or a wrong result that
-- succeeded before its fix.
SELECT setval('hamilton.run_id_seq', 105400) > 0 AS ok;

-- 1. A subdag's row names its namespace, a schema: like every catalog row
-- that names a schema, it is forgotten when the schema is dropped and
-- follows it when it is renamed.  Otherwise a role that once owned a
-- schema of a name leaves a row behind that a later subdag of that name
-- inherits: hamilton_subdag found it, took it for its own (no schema, so
-- no owner to check) and ran its DROP FUNCTION list as the caller.
CREATE SCHEMA rv_feat;
SELECT hamilton_register('rv_feat');
SELECT hamilton_define('rv_feat.doubled', 'SELECT x * 2 AS y FROM src');
CREATE TABLE rv_feat_src AS SELECT 1 AS x;
CREATE FUNCTION rv_feat.precious() RETURNS int LANGUAGE sql RETURN 42;
CREATE ROLE rv_intruder;
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO rv_intruder', current_database()); END $$;
SET ROLE rv_intruder;
CREATE SCHEMA rv_us;
INSERT INTO hamilton.subdag (namespace, module, sql_nodes, functions, fingerprint, created_schema, module_owner)
VALUES ('rv_us', 'rv_feat', '{}', '{rv_feat.precious()}', 'x', false, 'rv_intruder');
DROP SCHEMA rv_us;
RESET ROLE;
SELECT count(*) AS rows_left FROM hamilton.subdag WHERE namespace = 'rv_us';
SELECT hamilton_subdag('rv_us', 'rv_feat', inputs => '{"src": {"source": "public.rv_feat_src"}}');
SELECT hamilton_drop_subdag('rv_us');
SELECT to_regprocedure('rv_feat.precious()') IS NOT NULL AS precious_kept;
-- the victim's own subdag, its schema dropped and made again
SELECT hamilton_subdag('rv_us', 'rv_feat', inputs => '{"src": {"source": "public.rv_feat_src"}}');
DROP SCHEMA rv_us CASCADE;
SELECT count(*) AS rows_left FROM hamilton.subdag WHERE namespace = 'rv_us';
SELECT hamilton_subdag('rv_us', 'rv_feat', inputs => '{"src": {"source": "public.rv_feat_src"}}');
-- renamed: the row follows its schema, so refresh and drop still find it
-- and what it made; a renamed module is refreshed from under its new name
ALTER SCHEMA rv_us RENAME TO rv_us2;
ALTER SCHEMA rv_feat RENAME TO rv_feat2;
SELECT namespace, module, stale FROM hamilton.subdags WHERE namespace LIKE 'rv_us%';
SELECT hamilton_refresh_subdag('rv_us2');
SELECT d.namespace, d.module, s.functions, d.stale FROM hamilton.subdags d JOIN hamilton.subdag s USING (namespace) WHERE d.namespace LIKE 'rv_us%';
SELECT hamilton_drop_subdag('rv_us2');
SELECT count(*) AS schemas_left FROM pg_namespace WHERE nspname LIKE 'rv_us%';
DO $$ BEGIN EXECUTE format('REVOKE CREATE ON DATABASE %I FROM rv_intruder', current_database()); END $$;
DROP ROLE rv_intruder;
DROP SCHEMA rv_feat2 CASCADE;
DROP TABLE rv_feat_src;

-- 2. A frame's key is proven unique by a unique index only when the index
-- tells rows apart as the duplicate probe does: under the column's own
-- collation and its type's default operator class.  An index under "C"
-- on a case-insensitive column let 'A' and 'a', one key to GROUP BY, the
-- join and pandas alike, through with no probe.
CREATE SCHEMA rv_k;
CREATE COLLATION rv_k.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE rv_k.a (k text COLLATE rv_k.ci NOT NULL, x int);
CREATE UNIQUE INDEX ON rv_k.a (k COLLATE "C");
INSERT INTO rv_k.a VALUES ('A', 1), ('a', 2);
SELECT hamilton_register('rv_k');
SELECT hamilton_define('rv_k.fa', 'SELECT k, x FROM rv_k.a', key => ARRAY['k'], extract_columns => true);
SELECT hamilton_define('rv_k.x2', 'x * 2');
SELECT node, status FROM hamilton_execute(ARRAY['rv_k.x2']);
-- the same index under the column's collation is proof, and holds
DROP TABLE rv_k.a CASCADE;
CREATE TABLE rv_k.a (k text COLLATE rv_k.ci NOT NULL, x int);
CREATE UNIQUE INDEX ON rv_k.a (k);
INSERT INTO rv_k.a VALUES ('A', 1), ('b', 2);
SELECT node, status FROM hamilton_execute(ARRAY['rv_k.x2']);
SELECT * FROM rv_k.x2 ORDER BY k COLLATE "C";
DROP SCHEMA rv_k CASCADE;

-- 3. A subdag's copy of a node resolves the names it reads in its
-- namespace, where only the module's nodes are made again: a table of the
-- module's schema that is no node, which the template reads by its bare
-- name, was read as public's table of that name by the copy, with no error.
-- Such a node is refused until the module qualifies the name.
CREATE SCHEMA rv_m;
SELECT hamilton_register('rv_m');
CREATE TABLE rv_m.rv_lookup AS SELECT 1 AS v;
CREATE TABLE public.rv_lookup AS SELECT 999 AS v;
SELECT hamilton_define('rv_m.t', 'SELECT v, n FROM rv_lookup, n');
SELECT hamilton_subdag('rv_ns', 'rv_m', inputs => '{"n": {"value": 5}}');
SELECT node, status FROM hamilton_execute(ARRAY['rv_ns.t']);
SELECT to_regclass('rv_ns.t') IS NULL AS nothing_written;
SELECT hamilton_explain(ARRAY['rv_ns.t']);
-- dropped from public, the name would be an input of the copy: refused too
DROP TABLE public.rv_lookup;
SELECT node, status FROM hamilton_execute(ARRAY['rv_ns.t']);
-- qualified in the module, the copy reads the module's table
SELECT hamilton_define('rv_m.t', 'SELECT v, n FROM rv_m.rv_lookup, n');
SELECT hamilton_refresh_subdag('rv_ns');
SELECT node, status FROM hamilton_execute(ARRAY['rv_ns.t']);
SELECT * FROM rv_ns.t;
SELECT hamilton_drop_subdag('rv_ns');
DROP SCHEMA rv_m CASCADE;

-- 5. A subdag's module dropped and made again by another role is not the
-- template it was made from: the subdag is stale (the module's owner is in
-- its fingerprint), and refreshing it, which would make the victim's nodes
-- call that role's functions, is refused.
CREATE ROLE rv_taker;
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO rv_taker', current_database()); END $$;
CREATE SCHEMA rv_tm;
SELECT hamilton_register('rv_tm');
CREATE FUNCTION rv_tm.val(src regclass) RETURNS int LANGUAGE sql IMMUTABLE RETURN 1;
CREATE TABLE rv_tm_src AS SELECT 1 AS x;
SELECT hamilton_subdag('rv_tns', 'rv_tm', inputs => '{"src": {"source": "public.rv_tm_src"}}');
DROP SCHEMA rv_tm CASCADE;
SET ROLE rv_taker;
CREATE SCHEMA rv_tm;
SELECT hamilton_register('rv_tm');
CREATE FUNCTION rv_tm.val(src regclass) RETURNS int LANGUAGE sql IMMUTABLE RETURN 666;
RESET ROLE;
SELECT namespace, module, stale FROM hamilton.subdags WHERE namespace = 'rv_tns';
SELECT hamilton_refresh_subdag('rv_tns');
SELECT hamilton_drop_subdag('rv_tns');
SET ROLE rv_taker;
DROP SCHEMA rv_tm CASCADE;
RESET ROLE;
DO $$ BEGIN EXECUTE format('REVOKE CREATE ON DATABASE %I FROM rv_taker', current_database()); END $$;
DROP ROLE rv_taker;
DROP TABLE rv_tm_src;
