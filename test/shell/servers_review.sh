#!/usr/bin/env bash
# (review) What a placed node's server is sent and what it answers
# (several servers, issue 14), on a coordinator of its own and one loopback
# server (scripts/remote_clusters.sh):
#   - a server that reads string literals with standard_conforming_strings
#     off (a database's setting there): the node's literal keeps its value,
#     and a backslash in it cannot end it early and split the node's SQL,
#     sent in one message, into statements of their own;
#   - a hostile server whose answers are not what they should be (here its
#     pg_catalog.format_type, replaced by its superuser, answers SQL): what
#     it answers is data, and no statement of its makes it into the DDL the
#     coordinator runs as the caller;
#   - a temporary table left on the run's connection there (by a function a
#     node called) does not stand for a table of the module in a later
#     build on that connection: pg_temp is searched last, as here.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh

FAIL_RUN_COLUMNS='run_id, status, failed_node, error'
. scripts/own_cluster.sh
. scripts/remote_clusters.sh

own_cluster_init "synchronous_commit = on"
start
remote_clusters_start 1

for db in lax hostile; do
    rq 1 -d postgres -c "CREATE DATABASE $db" >/dev/null
    rq 1 -d "$db" -c "CREATE EXTENSION hamilton" -c "CREATE SCHEMA shop" >/dev/null
done
rq 1 -d postgres -c "ALTER DATABASE lax SET standard_conforming_strings = off" >/dev/null
rq 1 -d postgres -c "ALTER DATABASE lax SET escape_string_warning = off" >/dev/null
rq 1 -d hostile >/dev/null <<'SQL'
CREATE OR REPLACE FUNCTION pg_catalog.format_type(oid, integer) RETURNS text LANGUAGE sql
    AS $$SELECT 'integer) SERVER hostile; CREATE TABLE IF NOT EXISTS public.pwned (); CREATE FOREIGN TABLE IF NOT EXISTS public.pwned_ft (b integer'$$;
SQL
q >/dev/null <<SQL
CREATE EXTENSION hamilton;
CREATE EXTENSION postgres_fdw;
CREATE SERVER lax FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$(remote_sock 1)', port '$(remote_port 1)', dbname 'lax');
CREATE SERVER hostile FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$(remote_sock 1)', port '$(remote_port 1)', dbname 'hostile');
CREATE USER MAPPING FOR CURRENT_USER SERVER lax;
CREATE USER MAPPING FOR CURRENT_USER SERVER hostile;
CREATE SCHEMA shop;
SQL

# --- standard_conforming_strings off there ---------------------------------------
q >/dev/null <<'SQL'
SELECT hamilton_define('shop.lit', $$SELECT 'a\nb' AS s, 1 AS n$$, placement => 'lax');
SELECT hamilton_define('shop.split', $$SELECT 'a\' AS c1, '; CREATE TABLE shop.pwned (); SELECT 1 --' AS c2$$, placement => 'lax');
SQL
q -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.lit', 'shop.split'])" >/dev/null 2>&1 || true
[ "$(rq 1 -d lax -c "SELECT to_regclass('shop.pwned') IS NULL")" = t ] \
    || fail "standard_conforming_strings off: the node's SQL was split, and its second statement ran there"
[ "$(q -c "SELECT s = E'a\\\\nb' FROM shop.lit")" = t ] \
    || fail "standard_conforming_strings off: the literal 'a\\nb' became $(q -c "SELECT quote_literal(s) FROM shop.lit")"
[ "$(q -c "SELECT c1 || '|' || c2 FROM shop.split")" = 'a\|; CREATE TABLE shop.pwned (); SELECT 1 --' ] \
    || fail "standard_conforming_strings off: shop.split is $(q -c "SELECT * FROM shop.split" 2>&1)"
# a node that turns it off for the rest of the session: the next message reads as here
q -c "SELECT hamilton_define('shop.off', \$\$SELECT pg_catalog.set_config('standard_conforming_strings', 'off', false) AS o\$\$, placement => 'lax')" >/dev/null
q -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.off', 'shop.lit'])" >/dev/null
q -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.lit'])" >/dev/null
[ "$(q -c "SELECT s = E'a\\\\nb' FROM shop.lit")" = t ] \
    || fail "standard_conforming_strings set off by a node: the literal 'a\\nb' became $(q -c "SELECT quote_literal(s) FROM shop.lit")"

# --- a hostile server's answers ---------------------------------------------------
q -c "SELECT hamilton_define('shop.h', 'SELECT 1 AS a', placement => 'hostile')" >/dev/null
q -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.h'])" >/dev/null 2>&1 || true
[ "$(q -c "SELECT to_regclass('public.pwned') IS NULL AND to_regclass('public.pwned_ft') IS NULL")" = t ] \
    || fail "a hostile server: its answer ran as SQL on the coordinator (public.pwned made)"
[ "$(q -c "SELECT a FROM shop.h")" = 1 ] || fail "a hostile server: shop.h is $(q -c "SELECT * FROM shop.h" 2>&1)"

# --- a temporary table left on the connection ----------------------------------------
rq 1 -d lax >/dev/null <<'SQL'
CREATE TABLE shop.sales AS SELECT 1 AS amount;
CREATE FUNCTION shop.leaves_temp() RETURNS int LANGUAGE plpgsql AS $$
BEGIN CREATE TEMPORARY TABLE IF NOT EXISTS sales AS SELECT 999 AS amount; RETURN 1; END$$;
SQL
q >/dev/null <<'SQL'
SELECT hamilton_define('shop.leaver', 'SELECT leaves_temp() AS l', placement => 'lax');
SELECT hamilton_define('shop.total', 'SELECT sum(amount) AS s FROM sales', placement => 'lax');
SQL
q -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.leaver'])" -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.total'])" >/dev/null
[ "$(q -c "SELECT s FROM shop.total")" = 1 ] \
    || fail "a temporary table there: shop.total read it instead of shop.sales ($(q -c "SELECT s FROM shop.total"))"
echo "servers_review: ok"
