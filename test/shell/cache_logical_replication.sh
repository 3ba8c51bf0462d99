#!/usr/bin/env bash
# Writes that logical replication applies to a tracked table count as
# changes: the apply worker (session_replication_role = replica) fires the
# row triggers enabled REPLICA or ALWAYS, but no statement trigger for an
# INSERT, UPDATE or DELETE, so the change log's statement trigger alone
# would miss them and a cached run on the subscriber would reuse a stale
# result.  A publisher and a subscriber database in one cluster of its own
# (wal_level = logical): a cached node over a tracked table fed by the
# subscription must be recomputed after the initial copy, after each
# replicated INSERT, UPDATE, DELETE and TRUNCATE, after a table added to
# the publication is copied (REFRESH PUBLICATION), and into a partitioned
# table; and reused while nothing was replicated.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh

FAIL_RUN_COLUMNS='run_id, status, error'
. scripts/own_cluster.sh

own_cluster_init "wal_level = logical
max_replication_slots = 10
max_wal_senders = 10
max_logical_replication_workers = 6
wal_retrieve_retry_interval = 200ms"
start

pub() { q -d lr_pub "$@"; }
sub() { q -d lr_sub "$@"; }
# wait_sub SQL: polls the subscriber (q's database) until the query returns t
. test/shell/lib/crash_helpers.sh
wait_sub() { wait_for "$1"; }
# runs NODE: the statuses of a cached run of the node on the subscriber
runs() {
    sub -c "SELECT string_agg(node || '=' || status, ' ' ORDER BY node)
            FROM hamilton_execute(ARRAY['$1'], cache => true)"
}
expect_run() {
    local got
    got=$(runs "$1")
    [ "$got" = "$1=$2" ] || fail "$3: $got (expected $1=$2)"
}
expect_value() {
    local got
    got=$(sub -c "$1")
    [ "$got" = "$2" ] || fail "$3: $got (expected $2)"
}

q -c "CREATE DATABASE lr_pub" -c "CREATE DATABASE lr_sub"
# q, wait_for and fail's list of runs are on the subscriber from now on
export PGDATABASE=lr_sub
pub >/dev/null <<'SQL'
CREATE TABLE public.sales (id int PRIMARY KEY, amount int);
CREATE TABLE public.extra (id int PRIMARY KEY, amount int);
CREATE TABLE public.parts (id int PRIMARY KEY, amount int);
INSERT INTO public.sales VALUES (1, 1), (2, 2);
INSERT INTO public.extra VALUES (1, 10), (2, 20);
CREATE PUBLICATION lr_p FOR TABLE public.sales, public.parts;
SELECT pg_create_logical_replication_slot('lr_s', 'pgoutput');
SQL
sub >/dev/null <<'SQL'
CREATE EXTENSION hamilton;
CREATE TABLE public.sales (id int PRIMARY KEY, amount int);
CREATE TABLE public.extra (id int PRIMARY KEY, amount int);
-- replicated into a partitioned table: the rows land in its partitions
CREATE TABLE public.parts (id int PRIMARY KEY, amount int) PARTITION BY RANGE (id);
CREATE TABLE public.parts_low PARTITION OF public.parts FOR VALUES FROM (MINVALUE) TO (100);
CREATE TABLE public.parts_high PARTITION OF public.parts FOR VALUES FROM (100) TO (1000);
SELECT hamilton_track('public.sales');
SELECT hamilton_track('public.extra');
SELECT hamilton_track('public.parts');
CREATE SCHEMA lr;
SELECT hamilton_register('lr');
SELECT hamilton_define('lr.total', 'SELECT count(*) AS n, coalesce(sum(amount), 0) AS total FROM public.sales',
                       materialize => 'table');
SELECT hamilton_define('lr.extra_total', 'SELECT count(*) AS n, coalesce(sum(amount), 0) AS total FROM public.extra',
                       materialize => 'table');
SELECT hamilton_define('lr.parts_total', 'SELECT count(*) AS n, coalesce(sum(amount), 0) AS total FROM public.parts',
                       materialize => 'table');
SQL

# results made before anything is replicated
expect_run lr.total materialized "the first run"
expect_run lr.total cached "an unchanged re-run"
expect_run lr.parts_total materialized "the first run over the partitioned table"
expect_run lr.extra_total materialized "the first run over the table not yet published"

# the initial copy (the table sync worker's COPY)
sub -c "CREATE SUBSCRIPTION lr_s CONNECTION 'host=$sock port=$PGPORT dbname=lr_pub user=$PG_OS_USER'
        PUBLICATION lr_p WITH (create_slot = false, slot_name = 'lr_s')" 2>/dev/null
wait_sub "SELECT count(*) = 2 AND bool_and(srsubstate = 'r') FROM pg_subscription_rel"
expect_value "SELECT count(*) FROM public.sales" 2 "rows copied"
expect_run lr.total materialized "the run after the initial copy"
expect_value "SELECT n || ' ' || total FROM lr.total" "2 3" "the result after the initial copy"
expect_run lr.total cached "an unchanged re-run after the initial copy"

# each kind of replicated write, applied by the apply worker
pub -c "INSERT INTO public.sales VALUES (3, 30)"
wait_sub "SELECT count(*) = 3 FROM public.sales"
expect_run lr.total materialized "the run after a replicated INSERT"
expect_value "SELECT n || ' ' || total FROM lr.total" "3 33" "the result after a replicated INSERT"
expect_run lr.total cached "an unchanged re-run after the INSERT"

pub -c "UPDATE public.sales SET amount = 300 WHERE id = 3"
wait_sub "SELECT amount = 300 FROM public.sales WHERE id = 3"
expect_run lr.total materialized "the run after a replicated UPDATE"
expect_value "SELECT n || ' ' || total FROM lr.total" "3 303" "the result after a replicated UPDATE"
expect_run lr.total cached "an unchanged re-run after the UPDATE"

pub -c "DELETE FROM public.sales WHERE id = 1"
wait_sub "SELECT count(*) = 2 FROM public.sales"
expect_run lr.total materialized "the run after a replicated DELETE"
expect_value "SELECT n || ' ' || total FROM lr.total" "2 302" "the result after a replicated DELETE"
expect_run lr.total cached "an unchanged re-run after the DELETE"

pub -c "TRUNCATE public.sales"
wait_sub "SELECT count(*) = 0 FROM public.sales"
expect_run lr.total materialized "the run after a replicated TRUNCATE"
expect_value "SELECT n || ' ' || total FROM lr.total" "0 0" "the result after a replicated TRUNCATE"
expect_run lr.total cached "an unchanged re-run after the TRUNCATE"

# several writes in one replicated transaction, after an unchanged re-run
pub -c "BEGIN" -c "INSERT INTO public.sales VALUES (7, 7)" -c "UPDATE public.sales SET amount = 70 WHERE id = 7" -c "COMMIT"
wait_sub "SELECT coalesce(sum(amount), 0) = 70 FROM public.sales"
expect_run lr.total materialized "the run after a replicated transaction of two writes"
expect_value "SELECT n || ' ' || total FROM lr.total" "1 70" "the result after it"

# rows replicated into the partitions of a partitioned table
expect_run lr.parts_total materialized "the run after the initial copy into the partitioned table (of no rows)"
expect_run lr.parts_total cached "an unchanged re-run over the partitioned table"
pub -c "INSERT INTO public.parts VALUES (5, 5), (500, 500)"
wait_sub "SELECT count(*) = 2 FROM public.parts"
expect_run lr.parts_total materialized "the run after rows replicated into partitions"
expect_value "SELECT n || ' ' || total FROM lr.parts_total" "2 505" "the result over the partitions"
expect_run lr.parts_total cached "an unchanged re-run over the partitioned table after the INSERT"
pub -c "UPDATE public.parts SET amount = 6 WHERE id = 500"
wait_sub "SELECT amount = 6 FROM public.parts WHERE id = 500"
expect_run lr.parts_total materialized "the run after an UPDATE replicated into a partition"
expect_value "SELECT n || ' ' || total FROM lr.parts_total" "2 11" "the result after it"

# a table added to the publication later, copied by REFRESH PUBLICATION
expect_run lr.extra_total cached "an unchanged re-run over the table not yet published"
pub -c "ALTER PUBLICATION lr_p ADD TABLE public.extra"
sub -c "ALTER SUBSCRIPTION lr_s REFRESH PUBLICATION WITH (copy_data = true)"
wait_sub "SELECT count(*) = 3 AND bool_and(srsubstate = 'r') FROM pg_subscription_rel"
expect_value "SELECT count(*) FROM public.extra" 2 "rows copied by REFRESH PUBLICATION"
expect_run lr.extra_total materialized "the run after REFRESH PUBLICATION copied the table"
expect_value "SELECT n || ' ' || total FROM lr.extra_total" "2 30" "the result after the copy"

# ordinary writers on the subscriber still count, once per transaction
sub -c "INSERT INTO public.sales VALUES (8, 8)"
expect_run lr.total materialized "the run after a local INSERT on the subscriber"

# a table tracked without the row trigger (as before 1.4) is not trusted,
# and says why, until hamilton_track is called again
expect_run lr.total cached "an unchanged re-run before the row trigger is dropped"
sub -c "DROP TRIGGER hamilton_change_log_replica ON public.sales"
case "$(sub -c "SELECT reason FROM hamilton.cache WHERE node = 'lr.total'")" in
    *"without the row trigger that sees the writes of logical replication"*) ;;
    *) fail "hamilton.cache for a table tracked without the row trigger: $(sub -c "SELECT reason FROM hamilton.cache WHERE node = 'lr.total'")" ;;
esac
expect_run lr.total materialized "a run over a table tracked without the row trigger"
expect_run lr.total materialized "a second run over a table tracked without the row trigger"
sub -c "SELECT hamilton_track('public.sales')" >/dev/null
expect_value "SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'public.sales'::regclass AND tgname = 'hamilton_change_log_replica'" \
    R "the row trigger put again by hamilton_track"
expect_run lr.total materialized "the run after hamilton_track again"
expect_run lr.total cached "an unchanged re-run after hamilton_track again"
pub -c "INSERT INTO public.sales VALUES (9, 9)"
wait_sub "SELECT count(*) = 3 FROM public.sales"
expect_run lr.total materialized "the run after a replicated INSERT, tracked again"

# a partition created later gets both triggers; untracking removes both
sub -c "CREATE TABLE public.parts_top PARTITION OF public.parts FOR VALUES FROM (1000) TO (2000)"
expect_value "SELECT string_agg(tgname || '=' || tgenabled::text, ' ' ORDER BY tgname) FROM pg_trigger
              WHERE tgrelid = 'public.parts_top'::regclass" \
    "hamilton_change_log=A hamilton_change_log_replica=R" "the triggers of a partition created later"
sub -c "SELECT hamilton_untrack('public.sales')" >/dev/null
expect_value "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public.sales'::regclass" 0 "triggers left by hamilton_untrack"

sub -c "SET client_min_messages = warning" -c "DROP SUBSCRIPTION lr_s"
echo "cache_logical_replication: writes applied by logical replication (initial copy, INSERT, UPDATE, DELETE, TRUNCATE, partitions, REFRESH PUBLICATION) made cached results recompute"
