#!/usr/bin/env bash
# Nodes placed on other servers through postgres_fdw, committed by two-phase
# commit (several servers, issue 14), on a coordinator of its own and two
# loopback servers (scripts/remote_clusters.sh: max_prepared_transactions,
# pg_hamilton installed):
#   - a node placed on r1, one placed on r1 reading it, one on r2, and local
#     nodes downstream: results equal to the same dataflow on one server;
#     a second run after the data changed: new results, no prepared
#     transaction left, the previous run's table gone, the gids resolved;
#     a new column: the coordinator's foreign table follows it;
#   - refused: a placed node reading a local result (no server link), a
#     server without pg_hamilton, a module missing there, a relation of the
#     node's name pg_hamilton did not make there;
#   - faults, each leaving the old results on every server and nothing in
#     doubt after hamilton_recover(): a placed node that raises; a server
#     stopped with -m immediate in the middle of a run; the commit of the
#     prepared swaps skipped after the local commit (test hook
#     hamilton.test_skip_commit_prepared); the coordinator crashed between
#     PREPARE and its own commit;
#   - (shard) a sharded node with a shard_key: a table partitioned by list
#     on it, of foreign partitions, equal to the single server's result,
#     pruned to one server by a WHERE on the key, scanned async; kept (OID,
#     grants, views) across runs, re-attached when the key values move,
#     readable during the compute; refused at run time, each leaving the
#     old results and nothing prepared: a value on two servers, a NULL key,
#     a key that is no column, a key whose type differs; another key, no
#     key (the UNION ALL view) and the key again.
#   - (review) a server that reads string literals with
#     standard_conforming_strings off: the node's literals keep their value,
#     and a backslash cannot split the node's SQL, sent in one message, into
#     statements of their own; a hostile server (its format_type answers
#     SQL): what it answers is data, never run on the coordinator; a
#     temporary table left on the run's connection there does not stand for
#     the module's table in a later build (pg_temp searched last, as here);
#     an operator of a closer match in public there is never used by
#     pg_hamilton's own statements (their path is pg_catalog); a shard
#     key's type is looked up here, never pasted from the server's text.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh

FAIL_RUN_COLUMNS='run_id, status, failed_node, error'
. scripts/own_cluster.sh
. scripts/remote_clusters.sh

own_cluster_init "synchronous_commit = on"
start
remote_clusters_start 2

. test/shell/lib/crash_helpers.sh   # wait_for
expect_error() {  # expect_error PATTERN SQL: the statement fails with PATTERN in its message
    local out
    if out=$(q -c "$2" 2>&1); then fail "expected an error ($1) from: $2"; fi
    grep -q -- "$1" <<<"$out" || fail "expected \"$1\" from: $2; got: $out"
}
prepared() { rq "$1" -d postgres -c "SELECT count(*) FROM pg_prepared_xacts"; }
stages() { rq "$1" -d postgres -c "SELECT count(*) FROM pg_class WHERE relname LIKE '\_hamilton\_stage\_%'"; }

# the data: each region on its server, and all of it on the coordinator
for i in 1 2; do
    rq "$i" -d postgres >/dev/null <<SQL
CREATE SCHEMA shop;
CREATE TABLE shop.sales AS SELECT g AS id, $i AS region, (g * $i) % 97 AS amount FROM generate_series(1, 1000) g;
CREATE FUNCTION shop.pace() RETURNS bool LANGUAGE sql AS 'SELECT pg_sleep(0.002) IS NULL';
SQL
done
# (remote) a step that spans a while, and one that fails on r2 while r1's shard sleeps
for i in 1 2; do
    rq "$i" -d postgres >/dev/null <<'SQL'
CREATE FUNCTION shop.span(secs float8 = 0.5, OUT t0 timestamptz, OUT t1 timestamptz) LANGUAGE plpgsql
    AS $$BEGIN t0 := clock_timestamp(); PERFORM pg_sleep(secs); t1 := clock_timestamp(); END$$;
CREATE FUNCTION shop.fails(OUT t0 timestamptz) LANGUAGE plpgsql AS $$BEGIN
    t0 := clock_timestamp();
    IF EXISTS (SELECT FROM shop.sales WHERE region = 2) THEN PERFORM 1 / 0; END IF;
    PERFORM pg_sleep(30);
END$$;
SQL
done
rq 2 -d postgres -c "CREATE DATABASE bare" >/dev/null
rq 2 -d bare -c "CREATE SCHEMA shop" >/dev/null
q >/dev/null <<SQL
CREATE EXTENSION hamilton;
CREATE EXTENSION postgres_fdw;
CREATE SERVER r1 FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$(remote_sock 1)', port '$(remote_port 1)', dbname 'postgres');
CREATE SERVER r2 FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$(remote_sock 2)', port '$(remote_port 2)', dbname 'postgres');
CREATE SERVER bare FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$(remote_sock 2)', port '$(remote_port 2)', dbname 'bare');
CREATE USER MAPPING FOR CURRENT_USER SERVER r1;
CREATE USER MAPPING FOR CURRENT_USER SERVER r2;
CREATE USER MAPPING FOR CURRENT_USER SERVER bare;
CREATE SCHEMA shop;
CREATE SCHEMA single;
CREATE TABLE single.sales AS
    SELECT g AS id, r AS region, (g * r) % 97 AS amount FROM generate_series(1, 1000) g, generate_series(1, 2) r;
-- placed: east (r1) and its top regions (r1 too), west (r2); local: both
SELECT hamilton_define('shop.east', 'SELECT id % 10 AS bucket, sum(amount) AS total, count(*) AS n FROM sales GROUP BY 1', placement => 'r1');
SELECT hamilton_define('shop.east_top', 'SELECT bucket, total FROM east WHERE total > 4000', placement => 'r1');
SELECT hamilton_define('shop.west', 'SELECT id % 10 AS bucket, sum(amount) AS total, count(*) AS n FROM sales GROUP BY 1', placement => 'r2');
SELECT hamilton_define('shop.both', 'SELECT e.bucket, e.total + w.total AS total, e.n + w.n AS n FROM east e JOIN west w USING (bucket)');
SELECT hamilton_define('shop.tops', 'SELECT count(*) AS n FROM east_top');
-- the same dataflow on one server, with all the rows
SELECT hamilton_define('single.east', 'SELECT id % 10 AS bucket, sum(amount) AS total, count(*) AS n FROM sales WHERE region = 1 GROUP BY 1');
SELECT hamilton_define('single.east_top', 'SELECT bucket, total FROM east WHERE total > 4000');
SELECT hamilton_define('single.west', 'SELECT id % 10 AS bucket, sum(amount) AS total, count(*) AS n FROM sales WHERE region = 2 GROUP BY 1');
SELECT hamilton_define('single.both', 'SELECT e.bucket, e.total + w.total AS total, e.n + w.n AS n FROM east e JOIN west w USING (bucket)');
SELECT hamilton_define('single.tops', 'SELECT count(*) AS n FROM east_top');
SQL
ALL="ARRAY['shop.both', 'shop.tops', 'shop.east_top']"
run() { q -c "SELECT count(*) FROM hamilton_execute($ALL)" >/dev/null; }
same() {  # same: the placed dataflow's results equal the single server's
    local t
    for t in both tops east_top; do
        [ "$(q -c "SELECT count(*) FROM ((TABLE shop.$t EXCEPT TABLE single.$t) UNION ALL (TABLE single.$t EXCEPT TABLE shop.$t)) d")" = 0 ] \
            || fail "$1: shop.$t differs from single.$t"
    done
}
snapshot() { q -c "SELECT (SELECT string_agg(bucket || ':' || total, ',' ORDER BY bucket) FROM shop.both) || '/' || (SELECT n FROM shop.tops)"; }
nothing_left() {  # nothing_left WHAT: no prepared transaction, no stray staging table
    local i
    for i in 1 2; do
        [ "$(prepared "$i")" = 0 ] || fail "$1: a prepared transaction is left on r$i"
    done
    [ "$(stages 1)" = $((2 + sharded)) ] || fail "$1: r1 should hold the tables of east and east_top (and the shards) only, found $(stages 1)"
    [ "$(stages 2)" = $((1 + sharded)) ] || fail "$1: r2 should hold west's table (and the shards) only, found $(stages 2)"
    [ "$(q -c "SELECT count(*) FROM pg_class WHERE relname LIKE '\_hamilton\_stage\_%'")" = 0 ] \
        || fail "$1: a staging foreign table is left on the coordinator"
}

sharded=0   # the tables of sharded results on each server
# --- correct results -----------------------------------------------------------
report=$(q -c "SELECT string_agg(node, ',' ORDER BY node) FROM hamilton_execute($ALL)")
shoprun=$(q -c "SELECT max(run_id) FROM hamilton.runs")
q -c "SELECT count(*) FROM hamilton_execute(ARRAY['single.both', 'single.tops', 'single.east_top'])" >/dev/null
same "first run"
[ "$(q -c "SELECT relkind FROM pg_class WHERE oid = 'shop.east'::regclass")" = f ] || fail "shop.east is not a foreign table"
[ "$(rq 1 -d postgres -c "SELECT relkind FROM pg_class WHERE oid = 'shop.east'::regclass")" = v ] || fail "r1's shop.east is not the result's view"
[ "$(q -c "SELECT count(*) FROM hamilton.remote_commit")" = 3 ] || fail "the run should have recorded 3 gids"
q -c "SELECT gid FROM hamilton.remote_commit" | grep -q "^hamilton_$(q -c "SELECT system_identifier FROM pg_control_system()")_$(q -c "SELECT oid FROM pg_database WHERE datname = current_database()")_" \
    || fail "a gid does not name the coordinator's system id and database"
nothing_left "first run"
# (servers2) lineage and history show each node's server
[ "$(q -c "SELECT string_agg(node || '=' || coalesce(placement, 'here'), ',' ORDER BY node) FROM hamilton.nodes WHERE module = 'shop'")" \
    = "shop.\"both\"=here,shop.east=r1,shop.east_top=r1,shop.tops=here,shop.west=r2" ] \
    || fail "hamilton.nodes: placement is $(q -c "SELECT string_agg(node || '=' || coalesce(placement, 'here'), ',' ORDER BY node) FROM hamilton.nodes WHERE module = 'shop'")"
[ "$(q -c "SELECT string_agg(node || '=' || coalesce(placement, 'here'), ',' ORDER BY node) FROM hamilton.node_runs WHERE run_id = $shoprun")" \
    = "shop.\"both\"=here,shop.east=r1,shop.east_top=r1,shop.tops=here,shop.west=r2" ] \
    || fail "hamilton.node_runs: placement is $(q -c "SELECT string_agg(node || '=' || coalesce(placement, 'here'), ',' ORDER BY node) FROM hamilton.node_runs WHERE run_id = $shoprun")"
[ "$report" = "shop.\"both\",shop.east,shop.east_top,shop.tops,shop.west" ] || fail "the run's report is not one row per step: $report"
[ "$(q -c "SELECT string_agg(node || '=' || coalesce(placement, 'here'), ',' ORDER BY node) FROM hamilton.lineage WHERE module = 'shop'")" \
    = "shop.\"both\"=here,shop.east=r1,shop.east_top=r1,shop.tops=here,shop.west=r2" ] \
    || fail "hamilton.lineage: placement is $(q -c "SELECT string_agg(node || '=' || coalesce(placement, 'here'), ',' ORDER BY node) FROM hamilton.lineage WHERE module = 'shop'")"
dot=$(q -c "SELECT hamilton_dot(ARRAY['shop.both', 'shop.tops'])")
grep -Pzq 'subgraph "cluster_server r1" \{\n    label="server r1";\n    style=dashed;\n    color="#3465a4";\n    "shop.east";\n    "shop.east_top";\n  \}' <<<"$dot" \
    || fail "hamilton_dot: no cluster of server r1 holding east and east_top: $dot"
grep -Pzq 'subgraph "cluster_server r2" \{\n[^}]*    "shop.west";\n  \}' <<<"$dot" || fail "hamilton_dot: no cluster of server r2 holding west: $dot"
grep -q '^    "shop.\\"both\\"";' <<<"$dot" && fail "hamilton_dot: shop.both, on the coordinator, is in a server's cluster"
ol() { q -c "SELECT string_agg(DISTINCT d->>'namespace' || ' ' || (d->>'name'), ',') FROM hamilton_openlineage($shoprun) e, jsonb_array_elements(e->'$1') d WHERE d->>'name' LIKE '%.shop.$2'"; }
[ "$(ol outputs east)" = "postgres://localhost:$(remote_port 1) postgres.shop.east" ] || fail "OpenLineage: east is named $(ol outputs east)"
[ "$(ol outputs west)" = "postgres://localhost:$(remote_port 2) postgres.shop.west" ] || fail "OpenLineage: west is named $(ol outputs west)"
ins=$(q -c "SELECT string_agg(d->>'namespace' || ' ' || (d->>'name'), ',' ORDER BY d->>'namespace', d->>'name') FROM (SELECT e FROM hamilton_openlineage($shoprun) e LIMIT 1) e, jsonb_array_elements(e->'inputs') d")
[ "$ins" = "postgres://localhost:$(remote_port 1) postgres.shop.sales,postgres://localhost:$(remote_port 2) postgres.shop.sales" ] \
    || fail "OpenLineage: the placed nodes' sources are named $ins, not by their servers"
[ "$(ol outputs both)" = "$(q -c "SELECT hamilton.openlineage_server()") $(q -c "SELECT current_database()").shop.both" ] \
    || fail "OpenLineage: both, on the coordinator, is named $(ol outputs both)"

# the data changes on the servers and here: a second run follows it
rq 1 -d postgres -c "UPDATE shop.sales SET amount = amount + 5 WHERE id % 3 = 0"
q -c "UPDATE single.sales SET amount = amount + 5 WHERE region = 1 AND id % 3 = 0"
run
q -c "SELECT count(*) FROM hamilton_execute(ARRAY['single.both', 'single.tops', 'single.east_top'])" >/dev/null
same "second run"
nothing_left "second run"
# the recorder marks the gids committed, a moment after each commit
wait_for "SELECT count(*) = 0 FROM hamilton.remote_commit WHERE resolved_at IS NULL"
[ "$(q -c "SELECT string_agg(DISTINCT status, ',') FROM hamilton.runs")" = succeeded ] || fail "the runs are not all succeeded"
[ "$(q -c "SELECT count(*) FROM hamilton_recover()")" = 0 ] || fail "hamilton_recover() found something after clean runs"

# (servers2) one session keeps its connection to r1 across runs; a change of
# the server or of the user mapping, or a broken connection, opens a new one
rq 1 -d postgres -c "CREATE VIEW public.kill_hamilton AS SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = 'pg_hamilton'" >/dev/null
q >/dev/null <<'SQL'
CREATE FOREIGN TABLE public.r1_activity (pid int, application_name text) SERVER r1 OPTIONS (schema_name 'pg_catalog', table_name 'pg_stat_activity');
CREATE FOREIGN TABLE public.r1_kill (killed bool) SERVER r1 OPTIONS (schema_name 'public', table_name 'kill_hamilton');
SQL
ours="SELECT count(*) || ':' || coalesce(string_agg(pid::text, ','), '') FROM public.r1_activity WHERE application_name = 'pg_hamilton'"
runs="SELECT count(*) FROM hamilton_execute($ALL)"
mapfile -t seen < <(q -c "$runs" -c "$ours" -c "$runs" -c "$ours" \
    -c "ALTER SERVER r1 OPTIONS (ADD connect_timeout '10')" -c "$runs" -c "$ours" \
    -c "ALTER USER MAPPING FOR CURRENT_USER SERVER r1 OPTIONS (ADD password_required 'false')" -c "$runs" -c "$ours" \
    -c "SELECT bool_and(killed) FROM public.r1_kill" -c "$runs" -c "$ours" -c "$ours")
[[ "${seen[1]}" == 1:* ]] || fail "connections kept: after a run, r1 should have 1 connection of pg_hamilton's, not ${seen[1]}"
[ "${seen[3]}" = "${seen[1]}" ] || fail "connections kept: the second run opened a new connection (${seen[1]}, then ${seen[3]})"
[[ "${seen[5]}" == 1:* && "${seen[5]}" != "${seen[3]}" ]] || fail "connections kept: ALTER SERVER did not replace it (${seen[3]}, then ${seen[5]})"
[[ "${seen[7]}" == 1:* && "${seen[7]}" != "${seen[5]}" ]] || fail "connections kept: ALTER USER MAPPING did not replace it (${seen[5]}, then ${seen[7]})"
[ "${seen[8]}" = t ] || fail "connections kept: pg_hamilton's connection was not terminated (${seen[8]})"
[[ "${seen[10]}" == 1:* && "${seen[10]}" != "${seen[7]}" ]] || fail "connections kept: the broken connection was not replaced (${seen[7]}, then ${seen[10]})"
[ "${seen[11]}" = "${seen[10]}" ] || fail "connections kept: not kept after the reconnection (${seen[10]}, then ${seen[11]})"
same "connections kept"
nothing_left "connections kept"
q -c "ALTER SERVER r1 OPTIONS (DROP connect_timeout)" -c "ALTER USER MAPPING FOR CURRENT_USER SERVER r1 OPTIONS (DROP password_required)" >/dev/null

# caching: a placed node reads its server's tables, whose writes no change
# log here sees, so a cached run computes it again (and what reads it)
cached="SELECT count(*) FROM hamilton_execute($ALL, cache => true)"
before=$(q -c "$cached" -c "SELECT sum(total) FROM shop.east" | tail -1)
rq 1 -d postgres -c "INSERT INTO shop.sales VALUES (5000, 1, 96)" >/dev/null
after=$(q -c "$cached" -c "SELECT sum(total) FROM shop.east" | tail -1)
[ "$after" = $((before + 96)) ] || fail "cached run: shop.east is $after after a write on r1, not $((before + 96)) (reused?)"
[ "$(q -c "SELECT string_agg(status, ',') FROM hamilton.node_runs WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) AND node IN ('shop.east', 'shop.\"both\"')")" != "" ] \
    || fail "cached run: no steps recorded"
[ "$(q -c "SELECT count(*) FROM hamilton.node_runs WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) AND status = 'cached' AND node IN ('shop.east', 'shop.west', 'shop.east_top', 'shop.\"both\"', 'shop.tops')")" = 0 ] \
    || fail "cached run: a step over a placed node was reused"
rq 1 -d postgres -c "DELETE FROM shop.sales WHERE id = 5000" >/dev/null
run
same "after the cached runs"
nothing_left "after the cached runs"

# a new column: the coordinator's foreign table follows it
q -c "SELECT hamilton_define('shop.east', 'SELECT id % 10 AS bucket, sum(amount) AS total, count(*) AS n, max(amount) AS top FROM sales GROUP BY 1', placement => 'r1')" >/dev/null
q -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.east'])" >/dev/null
[ "$(q -c "SELECT count(top) FROM shop.east")" = 10 ] || fail "the new column did not reach the coordinator"
q -c "SELECT hamilton_define('shop.east', 'SELECT id % 10 AS bucket, sum(amount) AS total, count(*) AS n FROM sales GROUP BY 1', placement => 'r1')" >/dev/null
run
same "after the new column went"
nothing_left "after the new column went"

# --- a sharded node: the same node on each server, the union read here ------------
q >/dev/null <<'SQL'
SELECT hamilton_define('shop.part', 'SELECT region, id % 10 AS bucket, sum(amount) AS total FROM sales GROUP BY 1, 2', placement => '["r1", "r2"]');
SELECT hamilton_define('shop.part_big', 'SELECT region, bucket FROM part WHERE total > 4000', placement => '["r1", "r2"]');
SELECT hamilton_define('shop.by_bucket', 'SELECT bucket, sum(total) AS total, count(*) AS regions FROM part GROUP BY 1');
SELECT hamilton_define('single.part', 'SELECT region, id % 10 AS bucket, sum(amount) AS total FROM sales GROUP BY 1, 2');
SELECT hamilton_define('single.part_big', 'SELECT region, bucket FROM part WHERE total > 4000');
SELECT hamilton_define('single.by_bucket', 'SELECT bucket, sum(total) AS total, count(*) AS regions FROM part GROUP BY 1');
SQL
for round in 1 2; do
    q -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.by_bucket', 'shop.part_big', 'shop.part'])" >/dev/null
    q -c "SELECT count(*) FROM hamilton_execute(ARRAY['single.by_bucket', 'single.part_big', 'single.part'])" >/dev/null
    for t in part part_big by_bucket; do
        [ "$(q -c "SELECT count(*) FROM ((TABLE shop.$t EXCEPT ALL TABLE single.$t) UNION ALL (TABLE single.$t EXCEPT ALL TABLE shop.$t)) d")" = 0 ] \
            || fail "sharded, round $round: shop.$t differs from single.$t"
    done
    [ "$(q -c "SELECT count(DISTINCT region) FROM shop.part")" = 2 ] || fail "sharded: the union lacks a shard"
    [ "$(q -c "SELECT relkind FROM pg_class WHERE oid = 'shop.part'::regclass")" = v ] || fail "sharded: shop.part is no view"
    rq 2 -d postgres -c "UPDATE shop.sales SET amount = amount + 7 WHERE id % 4 = 0"
    q -c "UPDATE single.sales SET amount = amount + 7 WHERE region = 2 AND id % 4 = 0"
    # (servers2) the same columns: the second run keeps the view and its foreign tables
    relids[$round]=$(q -c "SELECT string_agg(oid::text, ',' ORDER BY relname) FROM pg_class WHERE relname IN ('part', 'part@r1', 'part@r2', 'east')")
done
[ "${relids[2]}" = "${relids[1]}" ] || fail "sharded: a run with the same columns remade the relations (${relids[1]}, then ${relids[2]})"
[ "$(stages 1)" = 4 ] && [ "$(stages 2)" = 3 ] || fail "sharded: stray tables on the servers ($(stages 1), $(stages 2))"
[ "$(q -c "SELECT placement FROM hamilton.nodes WHERE node = 'shop.part'")" = '["r1", "r2"]' ] || fail "hamilton.nodes: the sharded placement"
[ "$(q -c "SELECT placement FROM hamilton.node_runs WHERE node = 'shop.part_big' ORDER BY run_id DESC LIMIT 1")" = '["r1", "r2"]' ] \
    || fail "hamilton.node_runs: the sharded placement"
[ "$(q -c "SELECT placement FROM hamilton.lineage WHERE node = 'shop.part'")" = '["r1", "r2"]' ] || fail "hamilton.lineage: the sharded placement"
# a new column: the view and its foreign tables follow it
q -c "SELECT hamilton_define('shop.part', 'SELECT region, id % 10 AS bucket, sum(amount) AS total, max(amount) AS top FROM sales GROUP BY 1, 2', placement => '[\"r1\", \"r2\"]')" >/dev/null
q -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.by_bucket', 'shop.part_big', 'shop.part'])" >/dev/null
[ "$(q -c "SELECT count(top) FROM shop.part")" = 20 ] || fail "sharded: the new column did not reach the coordinator's view"
[ "$(q -c "SELECT count(top) FROM shop.\"part@r2\"")" = 10 ] || fail "sharded: the new column did not reach r2's foreign table"
q -c "SELECT hamilton_define('shop.part', 'SELECT region, id % 10 AS bucket, sum(amount) AS total FROM sales GROUP BY 1, 2', placement => '[\"r1\", \"r2\"]')" >/dev/null
q -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.by_bucket', 'shop.part_big', 'shop.part'])" >/dev/null
[ "$(q -c "SELECT count(*) FROM pg_attribute WHERE attrelid = 'shop.part'::regclass AND attname = 'top'")" = 0 ] \
    || fail "sharded: the column that went is still in the view"
q -c "SELECT hamilton_dot(ARRAY['shop.by_bucket'])" | grep -q 'label="servers \[\\"r1\\", \\"r2\\"\]"' \
    || fail "hamilton_dot: no cluster of the sharded servers: $(q -c "SELECT hamilton_dot(ARRAY['shop.by_bucket'])")"
for i in 1 2; do [ "$(prepared "$i")" = 0 ] || fail "sharded: a prepared transaction is left on r$i"; done
# a node on one of the servers cannot read the union, nor shards that disagree
q -c "SELECT hamilton_define('shop.east_part', 'SELECT * FROM part', placement => 'r1')" >/dev/null
expect_error 'node shop.east_part, placed on server "r1", reads shop.part, which is not on that server' \
    "SELECT * FROM hamilton_execute(ARRAY['shop.east_part'])"
rq 1 -d postgres -c "CREATE TABLE shop.odd AS SELECT 1 AS x"
rq 2 -d postgres -c "CREATE TABLE shop.odd AS SELECT 'one'::text AS x"
q -c "SELECT hamilton_define('shop.odd_all', 'SELECT x FROM odd', placement => '[\"r1\", \"r2\"]')" >/dev/null
expect_error 'the shards of node shop.odd_all do not yield the same columns' "SELECT * FROM hamilton_execute(ARRAY['shop.odd_all'])"
expect_error 'placement of node shop.twice names server "r1" twice' \
    "SELECT hamilton_define('shop.twice', 'SELECT 1 AS x', placement => '[\"r1\", \"r1\"]')"
q -c "SELECT hamilton_drop('shop.east_part'); SELECT hamilton_drop('shop.odd_all')" >/dev/null
[ "$(stages 1)" = 4 ] && [ "$(stages 2)" = 3 ] || fail "sharded refusals: stray tables on the servers ($(stages 1), $(stages 2))"
sharded=2

# --- bad input ---------------------------------------------------------------
q -c "SELECT hamilton_define('shop.local_only', 'SELECT 1 AS x', materialize => 'table')" >/dev/null
q -c "SELECT hamilton_define('shop.reads_local', 'SELECT x FROM local_only', placement => 'r1')" >/dev/null
expect_error 'node shop.reads_local, placed on server "r1", reads shop.local_only, which is not on that server' \
    "SELECT * FROM hamilton_execute(ARRAY['shop.reads_local'])"
expect_error 'Place shop.local_only on server "r1" too' "SELECT * FROM hamilton_execute(ARRAY['shop.reads_local'])"
expect_error 'pg_hamilton is not installed on server "bare" of node shop.nowhere' \
    "SELECT hamilton_define('shop.nowhere', 'SELECT 1 AS x', placement => 'bare')"
q -c "CREATE SCHEMA lonely; SELECT hamilton_register('lonely')" >/dev/null
expect_error 'module lonely of node lonely.n does not exist on server "r1"' \
    "SELECT hamilton_define('lonely.n', 'SELECT 1 AS x', placement => 'r1')"
rq 2 -d postgres -c "CREATE TABLE shop.theirs (x int)"
q -c "SELECT hamilton_define('shop.theirs', 'SELECT 1 AS x', placement => 'r2')" >/dev/null
expect_error 'relation shop.theirs already exists on server "r2" and was not created by pg_hamilton' \
    "SELECT * FROM hamilton_execute(ARRAY['shop.theirs'])"
q -c "SELECT hamilton_drop('shop.theirs'); SELECT hamilton_drop('shop.reads_local')" >/dev/null
# a role that is not a superuser connects with its mapping's password only
q >/dev/null <<'SQL'
CREATE ROLE analyst LOGIN;
GRANT CREATE, USAGE ON SCHEMA shop TO analyst;
GRANT USAGE ON FOREIGN SERVER r1 TO analyst;
CREATE USER MAPPING FOR analyst SERVER r1 OPTIONS (user 'postgres');
SQL
expect_error 'password is required to connect to server "r1"' \
    "SET ROLE analyst; SELECT hamilton_define('shop.mine', 'SELECT 1 AS x', placement => 'r1')"
q -c "ALTER USER MAPPING FOR analyst SERVER r1 OPTIONS (ADD password 'secret')"
expect_error 'The server did not ask for the user mapping' \
    "SET ROLE analyst; SELECT hamilton_define('shop.mine', 'SELECT 1 AS x', placement => 'r1')"
# a transaction that ran placed nodes cannot itself be prepared
expect_error 'cannot PREPARE a transaction that ran nodes placed on other servers' \
    "BEGIN; SELECT count(*) FROM hamilton_execute(ARRAY['shop.east']); PREPARE TRANSACTION 'mine'"
[ "$(q -c "SELECT count(*) FROM pg_prepared_xacts")" = 0 ] || fail "the coordinator's transaction was prepared"
nothing_left "refusals"

# --- faults ------------------------------------------------------------------
before=$(snapshot)
rq 1 -d postgres -c "UPDATE shop.sales SET amount = amount + 1"   # a run that ended would show it
old_everywhere() {
    [ "$(snapshot)" = "$before" ] || fail "$1: the coordinator does not read the old results"
    [ "$(rq 1 -d postgres -c "SELECT count(*) FROM shop.east")" = 10 ] || fail "$1: r1 lost its old result"
}

# 1. a placed node that raises: the other server's staging table goes too
q -c "SELECT hamilton_define('shop.west', 'SELECT id % 10 AS bucket, sum(amount) / (min(id) - 1) AS total, count(*) AS n FROM sales GROUP BY 1', placement => 'r2')" >/dev/null
expect_error 'node shop.west (module shop) failed: division by zero' "SELECT * FROM hamilton_execute($ALL)"
old_everywhere "a raising node"
nothing_left "a raising node"
q -c "SELECT hamilton_define('shop.west', 'SELECT id % 10 AS bucket, sum(amount) AS total, count(*) AS n FROM sales GROUP BY 1', placement => 'r2')" >/dev/null

# 2. r2 stopped with -m immediate while west runs there (east is built on r1)
q -c "SELECT hamilton_define('shop.west', 'SELECT id % 10 AS bucket, sum(amount) AS total, count(*) AS n FROM sales WHERE pace() GROUP BY 1', placement => 'r2')" >/dev/null
psql -X -q -At -c "SELECT count(*) FROM hamilton_execute($ALL)" >"$work/crash.out" 2>&1 &
pids+=($!)
for ((i = 0; i < 300; i++)); do   # west's CREATE TABLE runs on r2
    [ "$(rq 2 -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%CREATE TABLE shop._hamilton_stage%' AND state = 'active' AND pid <> pg_backend_pid()")" = 1 ] && break
    sleep 0.1
done
sleep 0.2
remote_stop_immediate 2
wait "${pids[-1]}" && fail "the run survived its server's crash: $(cat "$work/crash.out")"
grep -q 'node shop.west (module shop) failed' "$work/crash.out" || fail "the crash: $(cat "$work/crash.out")"
remote_start 2
old_everywhere "a server stopped mid-run"
q -c "SELECT count(*) FROM hamilton_recover()" >/dev/null
nothing_left "a server stopped mid-run"
q -c "SELECT hamilton_define('shop.west', 'SELECT id % 10 AS bucket, sum(amount) AS total, count(*) AS n FROM sales GROUP BY 1', placement => 'r2')" >/dev/null

# 3. the local commit, then no COMMIT PREPARED (a crash there): in doubt until recovered
q -c "SET hamilton.test_skip_commit_prepared = on" -c "SELECT count(*) FROM hamilton_execute($ALL)" >/dev/null
[ "$(prepared 1)" = 2 ] && [ "$(prepared 2)" = 1 ] || fail "in doubt: the prepared swaps should be left"
[ "$(rq 1 -d postgres -c "SET lock_timeout = '100ms'" -c "SELECT count(*) FROM shop.east" 2>&1 | grep -c 'lock timeout')" = 1 ] \
    || fail "in doubt: the prepared swap should hold the result's lock on r1"
[ "$(q -c "SELECT status FROM hamilton.runs ORDER BY run_id DESC LIMIT 1")" = "in doubt" ] \
    || fail "in doubt: the history shows $(q -c "SELECT status FROM hamilton.runs ORDER BY run_id DESC LIMIT 1")"
[ "$(q -c "SELECT string_agg(outcome, ',' ORDER BY gid) FROM hamilton_recover() WHERE gid LIKE 'hamilton%'")" = committed,committed,committed ] \
    || fail "hamilton_recover() did not commit the three gids"
nothing_left "in doubt, recovered"
[ "$(q -c "SELECT status FROM hamilton.runs ORDER BY run_id DESC LIMIT 1")" = succeeded ] || fail "recovered: the run is not succeeded"
before=$(snapshot)
q -c "SELECT count(*) FROM hamilton_execute(ARRAY['single.both', 'single.tops', 'single.east_top'])" >/dev/null
q -c "UPDATE single.sales SET amount = amount + 1 WHERE region = 1" >/dev/null
q -c "SELECT count(*) FROM hamilton_execute(ARRAY['single.both', 'single.tops', 'single.east_top'])" >/dev/null
same "in doubt, recovered"

# 4. the coordinator crashes after PREPARE, before its commit: recovery rolls back
rq 1 -d postgres -c "UPDATE shop.sales SET amount = amount + 1"
psql -X -q -At -c "BEGIN" -c "SELECT count(*) FROM hamilton_execute($ALL)" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
pids+=($!)
wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()"
[ "$(prepared 1)" = 2 ] || fail "crash: the run has not prepared its swaps"
kill -9 "$(q -c "SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()")"
wait_for "SELECT true"
[ "$(q -c "SELECT string_agg(DISTINCT outcome, ',') FROM hamilton_recover() WHERE gid LIKE 'hamilton%'")" = "rolled back" ] \
    || fail "crash: hamilton_recover() did not roll the gids back"
old_everywhere "a coordinator crash before its commit"
nothing_left "a coordinator crash before its commit"
# --- (remote) placed steps at once ------------------------------------------------
q >/dev/null <<'SQL'
SELECT hamilton_define('shop.c_east', 'SELECT * FROM span()', placement => 'r1');
SELECT hamilton_define('shop.c_west', 'SELECT * FROM span()', placement => 'r2');
SELECT hamilton_define('shop.c_spans', 'SELECT * FROM span()', placement => '["r1", "r2"]');
SELECT hamilton_define('shop.c_local', 'SELECT now() AS t0, count(*) AS n FROM (SELECT pg_sleep(0.5)) s');
SELECT hamilton_define('shop.c_sum', 'SELECT count(*) AS n FROM c_east, c_west, c_spans');
SELECT hamilton_define('shop.c_bad', 'SELECT * FROM fails()', placement => '["r1", "r2"]');
SQL
CON="ARRAY['shop.c_sum', 'shop.c_local']"
spans_overlap() {  # spans_overlap WHAT: every shard of shop.c_spans began before any ended
    [ "$(q -c "SELECT max(t0) < min(t1) FROM shop.c_spans")" = t ] \
        || fail "$1: the shards of shop.c_spans ran one after another: $(q -c "SELECT string_agg(t0 || ' to ' || t1, ', ') FROM shop.c_spans")"
}
# a serial run: a sharded node's shards run at once
q -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.c_spans'])" >/dev/null
spans_overlap "serial"
# workers => 2: the placed steps at once, with each other and with a worker's step
q -c "SELECT count(*) FROM hamilton_execute($CON)" >/dev/null   # c_local's table and time known
out=$(q -c "SELECT count(*) FROM hamilton_execute($CON, workers => 2)" 2>&1)
grep -q "background workers" <<<"$out" && fail "workers: the run fell back to a serial run: $out"
[ "$(tail -1 <<<"$out")" = 5 ] || fail "workers: the report should have one row per step: $out"
crun=$(q -c "SELECT max(run_id) FROM hamilton.runs")
overlap() {  # overlap A B: the steps of nodes A and B of run crun overlapped in time
    q -c "SELECT a.started_at < b.ended_at AND b.started_at < a.ended_at FROM hamilton.node_runs a, hamilton.node_runs b
          WHERE a.run_id = $crun AND b.run_id = $crun AND a.node = 'shop.$1' AND b.node = 'shop.$2'"
}
steps_shown() { q -c "SELECT string_agg(node || ' ' || started_at::time || '-' || ended_at::time || ' ' || coalesce(worker_pid::text, 'caller'), '; ' ORDER BY started_at) FROM hamilton.node_runs WHERE run_id = $crun"; }
[ "$(overlap c_east c_west)" = t ] || fail "workers: c_east (on r1) and c_west (on r2) ran one after another: $(steps_shown)"
[ "$(q -c "SELECT count(*) FROM hamilton.node_runs a, hamilton.node_runs b WHERE a.run_id = $crun AND b.run_id = $crun
          AND a.node = 'shop.c_local' AND b.placement IS NOT NULL AND a.started_at < b.ended_at AND b.started_at < a.ended_at")" -gt 0 ] \
    || fail "workers: c_local (on a worker) overlapped no placed step: $(steps_shown)"
spans_overlap "workers"
steps=$(q -c "SELECT string_agg(node || '=' || coalesce(placement, 'here') || '/' || CASE WHEN worker_pid IS NULL THEN 'caller' ELSE 'worker' END
               || '/' || (started_at IS NOT NULL AND ended_at >= started_at), ',' ORDER BY node) FROM hamilton.node_runs WHERE run_id = $crun")
[ "$steps" = 'shop.c_east=r1/caller/true,shop.c_local=here/worker/true,shop.c_spans=["r1", "r2"]/caller/true,shop.c_sum=here/caller/true,shop.c_west=r2/caller/true' ] \
    || fail "workers: node_runs shows $steps"
[ "$(q -c "SELECT status FROM hamilton.runs WHERE run_id = $crun")" = succeeded ] || fail "workers: the run did not succeed"
[ "$(q -c "SELECT n FROM shop.c_sum")" = 2 ] || fail "workers: shop.c_sum is $(q -c "SELECT n FROM shop.c_sum")"
for i in 1 2; do [ "$(prepared "$i")" = 0 ] || fail "workers: a prepared transaction is left on r$i"; done
# the first dataflow with workers => 2: results equal to one server's
q -c "UPDATE single.sales SET amount = amount + 1 WHERE region = 1" >/dev/null   # as r1's (fault 4)
out=$(q -c "SELECT count(*) FROM hamilton_execute($ALL, workers => 2)" 2>&1)
grep -q "background workers" <<<"$out" && fail "workers, first dataflow: the run fell back to a serial run: $out"
q -c "SELECT count(*) FROM hamilton_execute(ARRAY['single.both', 'single.tops', 'single.east_top'])" >/dev/null
same "workers, first dataflow"
for i in 1 2; do [ "$(prepared "$i")" = 0 ] || fail "workers, first dataflow: a prepared transaction is left on r$i"; done
# a shard that raises (r2) while the other runs (r1 sleeps 30 s): that one is cancelled
before_sum=$(q -c "SELECT n || '/' || (SELECT t0 FROM shop.c_local) FROM shop.c_sum")
out=$(q -c "SET statement_timeout = '20s'" -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.c_bad'])" 2>&1) \
    && fail "a raising shard: the run did not fail"
grep -q 'node shop.c_bad (module shop) failed: division by zero' <<<"$out" || fail "a raising shard: $out"
grep -q 'on server "r2", node shop.c_bad' <<<"$out" || fail "a raising shard: the error does not name r2: $out"
for ((k = 0; k < 100; k++)); do
    [ "$(rq 1 -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%FROM fails()%' AND state = 'active' AND pid <> pg_backend_pid()")" = 0 ] && break
    sleep 0.1
done
[ "$k" -lt 100 ] || fail "a raising shard: r1's shard still runs"
for i in 1 2; do [ "$(prepared "$i")" = 0 ] || fail "a raising shard: a prepared transaction is left on r$i"; done
[ "$(stages 1)" = $((2 + sharded + 2)) ] && [ "$(stages 2)" = $((1 + sharded + 2)) ] \
    || fail "a raising shard: stray tables on the servers ($(stages 1), $(stages 2))"
# r2 stopped with -m immediate while c_west runs there, with workers => 2
q -c "SELECT hamilton_define('shop.c_west', 'SELECT * FROM span(30)', placement => 'r2')" >/dev/null
psql -X -q -At -c "SELECT count(*) FROM hamilton_execute($CON, workers => 2)" >"$work/crash2.out" 2>&1 &
pids+=($!)
for ((k = 0; k < 300; k++)); do
    [ "$(rq 2 -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%FROM span(30)%' AND state = 'active' AND pid <> pg_backend_pid()")" = 1 ] && break
    sleep 0.1
done
remote_stop_immediate 2
wait "${pids[-1]}" && fail "workers: the run survived its server's crash: $(cat "$work/crash2.out")"
grep -q 'node shop.c_west (module shop) failed' "$work/crash2.out" || fail "workers, the crash: $(cat "$work/crash2.out")"
remote_start 2
[ "$(q -c "SELECT n || '/' || (SELECT t0 FROM shop.c_local) FROM shop.c_sum")" = "$before_sum" ] \
    || fail "workers, the crash: the coordinator's results changed"
q -c "SELECT count(*) FROM hamilton_recover()" >/dev/null
for i in 1 2; do [ "$(prepared "$i")" = 0 ] || fail "workers, the crash: a prepared transaction is left on r$i"; done
[ "$(stages 1)" = $((2 + sharded + 2)) ] && [ "$(stages 2)" = $((1 + sharded + 2)) ] \
    || fail "workers, the crash: stray tables on the servers ($(stages 1), $(stages 2))"
[ "$(q -c "SELECT count(*) FROM pg_class WHERE relname LIKE '\_hamilton\_stage\_%'")" = 0 ] \
    || fail "workers, the crash: a staging foreign table is left on the coordinator"

# --- (shard) a sharded node with a shard_key: a partitioned table of foreign partitions
rq 1 -d postgres -c "CREATE TABLE shop.visits AS SELECT g AS id, (ARRAY['east', 'north'])[g % 2 + 1] AS region, g % 13 AS amount FROM generate_series(1, 400) g"
rq 2 -d postgres -c "CREATE TABLE shop.visits AS SELECT g AS id, 'west'::text AS region, g % 11 AS amount FROM generate_series(1, 300) g"
q >/dev/null <<'SQL'
CREATE TABLE single.visits AS
    SELECT g AS id, (ARRAY['east', 'north'])[g % 2 + 1] AS region, g % 13 AS amount FROM generate_series(1, 400) g
    UNION ALL SELECT g, 'west', g % 11 FROM generate_series(1, 300) g;
SELECT hamilton_define('shop.by_region', 'SELECT region, upper(region) AS site, id % 5 AS bucket, sum(amount) AS total FROM visits GROUP BY 1, 2, 3',
                       placement => '["r1", "r2"]', shard_key => 'region');
SELECT hamilton_define('shop.region_totals', 'SELECT region, sum(total) AS total, count(*) AS buckets FROM by_region GROUP BY 1');
SELECT hamilton_define('single.by_region', 'SELECT region, upper(region) AS site, id % 5 AS bucket, sum(amount) AS total FROM visits GROUP BY 1, 2, 3');
SELECT hamilton_define('single.region_totals', 'SELECT region, sum(total) AS total, count(*) AS buckets FROM by_region GROUP BY 1');
SQL
keyed_run() { q -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.region_totals', 'shop.by_region'])" >/dev/null; }
keyed_same() {  # keyed_same WHAT: the keyed dataflow's results equal the single server's
    local t
    q -c "SELECT count(*) FROM hamilton_execute(ARRAY['single.region_totals', 'single.by_region'])" >/dev/null
    for t in by_region region_totals; do
        [ "$(q -c "SELECT count(*) FROM ((TABLE shop.$t EXCEPT ALL TABLE single.$t) UNION ALL (TABLE single.$t EXCEPT ALL TABLE shop.$t)) d")" = 0 ] \
            || fail "$1: shop.$t differs from single.$t: $(q -c "TABLE shop.$t EXCEPT ALL TABLE single.$t" | head -5 | tr '\n' ' ') / $(q -c "TABLE single.$t EXCEPT ALL TABLE shop.$t" | head -5 | tr '\n' ' ')"
    done
}
plan() { q -c "EXPLAIN (COSTS OFF) SELECT * FROM shop.by_region $1" | tr '\n' ' '; }
keyed_clean() {  # keyed_clean WHAT: nothing prepared, no staging relation left here
    local i
    q -c "SELECT count(*) FROM hamilton_recover()" >/dev/null
    for i in 1 2; do [ "$(prepared "$i")" = 0 ] || fail "$1: a prepared transaction is left on r$i"; done
    [ "$(q -c "SELECT count(*) FROM pg_class WHERE relname LIKE '\_hamilton\_stage\_%'")" = 0 ] \
        || fail "$1: a staging relation is left on the coordinator"
}
keyed_run
keyrun=$(q -c "SELECT max(run_id) FROM hamilton.runs")
keyed_same "shard_key, first run"
keyed_clean "shard_key, first run"
[ "$(q -c "SELECT relkind FROM pg_class WHERE oid = 'shop.by_region'::regclass")" = p ] || fail "shard_key: shop.by_region is not a partitioned table"
[ "$(q -c "SELECT pg_get_partkeydef('shop.by_region'::regclass)")" = "LIST (region)" ] || fail "shard_key: not partitioned on region"
[ "$(q -c "SELECT string_agg(c.relname || ' ' || pg_get_expr(c.relpartbound, c.oid), ', ' ORDER BY c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'shop.by_region'::regclass")" \
    = "by_region@r1 FOR VALUES IN ('east', 'north'), by_region@r2 FOR VALUES IN ('west')" ] \
    || fail "shard_key: the partitions are $(q -c "SELECT string_agg(c.relname || ' ' || pg_get_expr(c.relpartbound, c.oid), ', ') FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'shop.by_region'::regclass")"
# a query on one key value reads one server; the whole scan reads both at once
p=$(plan "WHERE region = 'west'")
grep -q 'by_region@r2' <<<"$p" && ! grep -q 'by_region@r1' <<<"$p" || fail "shard_key: WHERE region = 'west' is not pruned to r2: $p"
p=$(plan "")
[ "$(grep -o 'Async Foreign Scan' <<<"$p" | wc -l)" = 2 ] || fail "shard_key: the scan of both partitions is not async: $p"
[ "$(q -c "SELECT shard_key FROM hamilton.nodes WHERE node = 'shop.by_region'")" = region ] || fail "hamilton.nodes: no shard_key"
[ "$(q -c "SELECT count(*) FROM hamilton.nodes WHERE shard_key IS NOT NULL")" = 1 ] || fail "hamilton.nodes: a shard_key on another node"
[ "$(q -c "SELECT placement FROM hamilton.lineage WHERE node = 'shop.by_region'")" = '["r1", "r2"]' ] || fail "shard_key: hamilton.lineage"
[ "$(q -c "SELECT relation FROM hamilton.lineage WHERE node = 'shop.by_region'")" = 'shop.by_region' ] || fail "shard_key: hamilton.lineage's relation"
q -c "SELECT hamilton_dot(ARRAY['shop.region_totals'])" | grep -q 'label="servers \[\\"r1\\", \\"r2\\"\]"' || fail "shard_key: no DOT cluster of its servers"
keyed_ol=$(q -c "SELECT string_agg(DISTINCT d->>'namespace' || ' ' || (d->>'name'), ',') FROM hamilton_openlineage($keyrun) e, jsonb_array_elements(e->'outputs') d WHERE d->>'name' LIKE '%.shop.by_region'")
# (as the UNION ALL view of a node without a key) one output, the coordinator's relation, with its columns
[ "$keyed_ol" = "$(q -c "SELECT hamilton.openlineage_server()") $(q -c "SELECT current_database()").shop.by_region" ] \
    || fail "shard_key: OpenLineage names by_region $keyed_ol"
[ "$(q -c "SELECT string_agg(f->>'name', ',') FROM hamilton_openlineage($keyrun) e, jsonb_array_elements(e->'outputs') d, jsonb_array_elements(d->'facets'->'schema'->'fields') f WHERE d->>'name' LIKE '%.shop.by_region' AND e->>'eventType' = 'COMPLETE'")" \
    = "region,site,bucket,total" ] || fail "shard_key: OpenLineage's schema facet of by_region"
# grants and views on it, kept across runs
q -c "GRANT SELECT ON shop.by_region TO analyst; CREATE VIEW shop.west_view AS SELECT * FROM shop.by_region WHERE region = 'west'"
oid1=$(q -c "SELECT string_agg(oid::text, ',' ORDER BY relname) FROM pg_class WHERE relname IN ('by_region', 'by_region@r1', 'by_region@r2')")
keyed_run
[ "$(q -c "SELECT string_agg(oid::text, ',' ORDER BY relname) FROM pg_class WHERE relname IN ('by_region', 'by_region@r1', 'by_region@r2')")" = "$oid1" ] \
    || fail "shard_key: a run with the same key values remade the relations"

# the key values move: north goes from r1 to r2, south comes to r1
rq 1 -d postgres -c "CREATE TABLE shop.north AS SELECT * FROM shop.visits WHERE region = 'north'; DELETE FROM shop.visits WHERE region = 'north'"
rq 1 -d postgres -c "COPY shop.north TO STDOUT" | rq 2 -d postgres -c "COPY shop.visits FROM STDIN"
rq 1 -d postgres -c "INSERT INTO shop.visits SELECT g, 'south', g % 7 FROM generate_series(1000, 1100) g"
q -c "INSERT INTO single.visits SELECT g, 'south', g % 7 FROM generate_series(1000, 1100) g"
keyed_run
keyed_same "shard_key, moved values"
keyed_clean "shard_key, moved values"
[ "$(q -c "SELECT string_agg(c.relname || ' ' || pg_get_expr(c.relpartbound, c.oid), ', ' ORDER BY c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'shop.by_region'::regclass")" \
    = "by_region@r1 FOR VALUES IN ('east', 'south'), by_region@r2 FOR VALUES IN ('north', 'west')" ] \
    || fail "shard_key: the moved values are not the new bounds"
[ "$(q -c "SELECT string_agg(oid::text, ',' ORDER BY relname) FROM pg_class WHERE relname IN ('by_region', 'by_region@r1', 'by_region@r2')")" = "$oid1" ] \
    || fail "shard_key: re-attaching the moved values remade the relations"
p=$(plan "WHERE region = 'north'")
grep -q 'by_region@r2' <<<"$p" && ! grep -q 'by_region@r1' <<<"$p" || fail "shard_key: WHERE region = 'north' is not pruned to r2 after the move: $p"
[ "$(q -c "SELECT has_table_privilege('analyst', 'shop.by_region', 'SELECT')")" = t ] || fail "shard_key: the grant went"
[ "$(q -c "SELECT count(*) FROM shop.west_view")" = "$(q -c "SELECT count(*) FROM single.by_region WHERE region = 'west'")" ] \
    || fail "shard_key: the view on it does not read the new result"

# no reader waits during the compute; a reader holding the table at the swap delays it, harmlessly
q -c "SELECT hamilton_define('shop.by_region', 'SELECT region, upper(region) AS site, id % 5 AS bucket, sum(amount) AS total FROM visits WHERE pace() IS NOT NULL GROUP BY 1, 2, 3', placement => '[\"r1\", \"r2\"]')" >/dev/null
psql -X -q -At -v ON_ERROR_STOP=1 -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.region_totals', 'shop.by_region'])" >"$work/keyed.out" 2>&1 &
keyed_pid=$!
for ((i = 0; i < 300; i++)); do
    [ "$(rq 1 -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'CREATE TABLE shop._hamilton_stage%'")$(rq 2 -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'CREATE TABLE shop._hamilton_stage%'")" != 00 ] && break
    sleep 0.05
done
for i in 1 2 3; do
    q -c "SET lock_timeout = '100ms'" -c "SELECT count(*) FROM shop.by_region WHERE region = 'west'" >/dev/null \
        || fail "shard_key: a reader waited on the run's compute"
done
wait "$keyed_pid" || fail "shard_key: the run during reads failed: $(cat "$work/keyed.out")"
rq 1 -d postgres -c "UPDATE shop.visits SET region = 'south2' WHERE region = 'south'"
q -c "UPDATE single.visits SET region = 'south2' WHERE region = 'south'"
psql -X -q -At -c "BEGIN" -c "SELECT count(*) FROM shop.by_region" -c "SELECT pg_sleep(1.5)" -c "COMMIT" >/dev/null 2>&1 &
reader_pid=$!
wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1.5)%' AND pid <> pg_backend_pid()"
keyed_run
wait "$reader_pid"
keyed_same "shard_key, a reader at the swap"
keyed_clean "shard_key, a reader at the swap"
[ "$(q -c "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE relname = 'by_region@r1'")" = "FOR VALUES IN ('east', 'south2')" ] \
    || fail "shard_key: the bound after a reader at the swap"

# refusals at run time: each leaves the old results everywhere, nothing prepared
before_keyed=$(q -c "SELECT string_agg(region || bucket || ':' || total, ',' ORDER BY region, bucket) FROM shop.by_region")
old_keyed() {
    [ "$(q -c "SELECT string_agg(region || bucket || ':' || total, ',' ORDER BY region, bucket) FROM shop.by_region")" = "$before_keyed" ] \
        || fail "$1: the coordinator does not read the old result"
    keyed_clean "$1"
    [ "$(rq 2 -d postgres -c "SELECT count(*) FROM shop.by_region WHERE region = 'east'")" = 0 ] || fail "$1: r2's result changed"
}
rq 2 -d postgres -c "INSERT INTO shop.visits VALUES (5000, 'east', 3)"
expect_error "shard_key region of node shop.by_region has the value 'east' on servers \"r1\", \"r2\"" \
    "SELECT * FROM hamilton_execute(ARRAY['shop.region_totals', 'shop.by_region'])"
old_keyed "a key value on two servers"
rq 2 -d postgres -c "DELETE FROM shop.visits WHERE id = 5000"
rq 1 -d postgres -c "INSERT INTO shop.visits VALUES (5000, NULL, 3)"
expect_error 'shard_key region of node shop.by_region is NULL in a row on server "r1"' \
    "SELECT * FROM hamilton_execute(ARRAY['shop.region_totals', 'shop.by_region'])"
old_keyed "a NULL key"
rq 1 -d postgres -c "DELETE FROM shop.visits WHERE id = 5000"
q -c "SELECT hamilton_tag('shop.by_region', '{\"shard_key\": \"nope\"}')" >/dev/null
expect_error 'shard_key nope of node shop.by_region is not a column of its result' \
    "SELECT * FROM hamilton_execute(ARRAY['shop.region_totals', 'shop.by_region'])"
old_keyed "a key that is no column"
q -c "SELECT hamilton_define('shop.odd_keyed', 'SELECT x FROM odd', placement => '[\"r1\", \"r2\"]', shard_key => 'x')" >/dev/null
expect_error 'the shards of node shop.odd_keyed do not yield the same columns' "SELECT * FROM hamilton_execute(ARRAY['shop.odd_keyed'])"
keyed_clean "a key whose type differs between servers"
q -c "SELECT hamilton_drop('shop.odd_keyed')" >/dev/null
expect_error 'shard_key of node shop.by_region needs a sharded placement' \
    "SELECT hamilton_tag('shop.by_region', '{\"placement\": \"r1\"}')"
expect_error 'shard_key of node shop.one needs a sharded placement' \
    "SELECT hamilton_define('shop.one', 'SELECT 1 AS x', placement => 'r1', shard_key => 'x')"

# another key: made anew, partitioned on it (not under a view of yours); none: the UNION ALL view; back again
q -c "SELECT hamilton_tag('shop.by_region', '{\"shard_key\": \"site\"}')" >/dev/null
expect_error 'the relation of node shop.by_region must be made anew, and views depend on it: shop.west_view' \
    "SELECT * FROM hamilton_execute(ARRAY['shop.region_totals', 'shop.by_region'])"
old_keyed "another key under a view"
q -c "DROP VIEW shop.west_view"
keyed_run
keyed_same "another key"
[ "$(q -c "SELECT pg_get_partkeydef('shop.by_region'::regclass)")" = "LIST (site)" ] || fail "another key: not partitioned on site"
p=$(plan "WHERE site = 'EAST'")
grep -q 'by_region@r1' <<<"$p" && ! grep -q 'by_region@r2' <<<"$p" || fail "another key: WHERE site = 'EAST' is not pruned to r1: $p"
q -c "SELECT hamilton_tag('shop.by_region', '{\"shard_key\": null}')" >/dev/null
keyed_run
keyed_same "no key"
[ "$(q -c "SELECT relkind FROM pg_class WHERE oid = 'shop.by_region'::regclass")" = v ] || fail "no key: shop.by_region is not the UNION ALL view"
[ "$(q -c "SELECT shard_key IS NULL FROM hamilton.nodes WHERE node = 'shop.by_region'")" = t ] || fail "no key: hamilton.nodes still shows one"
q -c "SELECT hamilton_define('shop.by_region', 'SELECT region, upper(region) AS site, id % 5 AS bucket, sum(amount) AS total FROM visits GROUP BY 1, 2, 3', placement => '[\"r1\", \"r2\"]', shard_key => 'region')" >/dev/null
keyed_run
keyed_same "the key again"
[ "$(q -c "SELECT relkind FROM pg_class WHERE oid = 'shop.by_region'::regclass")" = p ] || fail "the key again: not a partitioned table"
keyed_clean "the key again"
# (review2) a float key: each bound holds every digit of its server's values, whatever
# extra_float_digits the caller has (at 0, 0.30000000000000004 was bound as 0.3, and
# WHERE r = that value pruned its partition: no row, no error)
rq 1 -d postgres -c "CREATE TABLE shop.ratios AS SELECT 0.1::float8 + 0.2 AS r, 1 AS n" >/dev/null
rq 2 -d postgres -c "CREATE TABLE shop.ratios AS SELECT 0.5::float8 AS r, 2 AS n" >/dev/null
q -c "SELECT hamilton_define('shop.by_ratio', 'SELECT r, n FROM ratios', placement => '[\"r1\", \"r2\"]', shard_key => 'r')" >/dev/null
q -c "SET extra_float_digits = 0" -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.by_ratio'])" >/dev/null
[ "$(q -c "SELECT count(*) FROM shop.by_ratio WHERE r = 0.1::float8 + 0.2")" = 1 ] \
    || fail "a float key: a row of r1 is pruned away; the bounds are $(q -c "SELECT string_agg(c.relname || ' ' || pg_get_expr(c.relpartbound, c.oid), ', ') FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'shop.by_ratio'::regclass")"
keyed_clean "a float key"
q -c "SELECT hamilton_drop('shop.by_ratio')" >/dev/null

# --- (review) what a server is sent, and what it answers ---------------------------
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
CREATE SERVER lax FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$(remote_sock 1)', port '$(remote_port 1)', dbname 'lax');
CREATE SERVER hostile FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$(remote_sock 1)', port '$(remote_port 1)', dbname 'hostile');
CREATE USER MAPPING FOR CURRENT_USER SERVER lax;
CREATE USER MAPPING FOR CURRENT_USER SERVER hostile;
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
# an operator of a closer match on the mapped role's default path there (public):
# pg_hamilton's statements read pg_catalog's, also after a node set the path
rq 1 -d lax >/dev/null <<'SQL'
CREATE TABLE public.spied (who text);
GRANT INSERT ON public.spied TO PUBLIC;
CREATE FUNCTION public.spy(oid, regclass) RETURNS bool LANGUAGE plpgsql
    AS $$BEGIN INSERT INTO public.spied VALUES (current_user); RETURN $1 OPERATOR(pg_catalog.=) $2::oid; END$$;
CREATE OPERATOR public.= (LEFTARG = oid, RIGHTARG = regclass, FUNCTION = public.spy);
SQL
q -c "SELECT hamilton_define('shop.sets_path', \$\$SELECT pg_catalog.set_config('search_path', 'public', false) AS p\$\$, placement => 'lax')" >/dev/null
q -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.lit'])" \
  -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.sets_path'])" -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.lit'])" >/dev/null
[ "$(rq 1 -d lax -c "SELECT count(*) FROM public.spied")" = 0 ] \
    || fail "an operator on the path there: it ran $(rq 1 -d lax -c "SELECT count(*) FROM public.spied") times as the mapped role"
# a shard key's type, read from a hostile server (the node's first): looked up
# here by its schema and name, never its format_type text in our statements
q -c "SELECT hamilton_define('shop.keyed', 'SELECT current_database()::text AS k, 1 AS v', placement => '[\"hostile\", \"lax\"]', shard_key => 'k')" >/dev/null
out=$(q -c "SELECT count(*) FROM hamilton_execute(ARRAY['shop.keyed'])" 2>&1) || fail "a hostile server's shard key: $out"
[ "$(q -c "SELECT string_agg(k, ',' ORDER BY k) FROM shop.keyed")" = hostile,lax ] \
    || fail "a hostile server's shard key: shop.keyed is $(q -c "SELECT * FROM shop.keyed" 2>&1)"
[ "$(q -c "SELECT relkind FROM pg_class WHERE oid = 'shop.keyed'::regclass")" = p ] || fail "a hostile server's shard key: not a partitioned table"
[ "$(q -c "SELECT to_regclass('public.pwned') IS NULL")" = t ] || fail "a hostile server's shard key: its answer ran here"
echo "servers: ok"
