#!/usr/bin/env bash
# A sharded aggregate over 4 loopback servers against the same aggregate on
# one server with all the rows (several servers, issue 14).  Starts a
# coordinator and BENCH_SHARDS (4) servers of its own (scripts/own_cluster.sh,
# scripts/remote_clusters.sh: ports from HAMILTON_REMOTE_PORTS), each holding
# BENCH_ROWS / BENCH_SHARDS rows (BENCH_ROWS: 2,000,000) of facts; the
# coordinator holds them all.  The dataflow: agg (placed on every shard:
# GROUP BY key over the shard's facts) and total (on the coordinator: the
# union, grouped again).  The same two nodes on one server.  BENCH_REPEAT (5)
# rounds, side by side; medians and their ratio (single / sharded: the
# speedup): each run in a new session (cold: connections opened anew), and
# the same rounds in one session (warm: the connections kept across runs,
# servers2); then the coordinator's own time per remote step (below).
#   bash bench/servers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
ROWS=${BENCH_ROWS:-2000000}
SHARDS=${BENCH_SHARDS:-4}
REPEAT=${BENCH_REPEAT:-5}
. scripts/own_cluster.sh
. scripts/remote_clusters.sh
own_cluster_init "max_parallel_workers_per_gather = 0"
start
remote_clusters_start "$SHARDS"

echo "# pg_hamilton: a sharded aggregate over $SHARDS loopback servers against one server"
echo "$(q -c "SELECT split_part(version(), ' (', 1)"), $(nproc) cores, $ROWS rows," \
     "$(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
per=$((ROWS / SHARDS))
servers=""
q -c "CREATE EXTENSION hamilton; CREATE EXTENSION postgres_fdw; CREATE SCHEMA b; CREATE SCHEMA one" >/dev/null
for i in $(seq 1 "$SHARDS"); do
    rq "$i" -d postgres -c "ALTER SYSTEM SET max_parallel_workers_per_gather = 0" -c "SELECT pg_reload_conf()" >/dev/null
    rq "$i" -d postgres -c "CREATE SCHEMA b; CREATE TABLE b.facts AS SELECT g AS id, g % 1000 AS key, (g % 97)::numeric AS v FROM generate_series($(( (i - 1) * per + 1 )), $((i * per))) g; ANALYZE b.facts" >/dev/null
    q -c "CREATE SERVER s$i FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$(remote_sock "$i")', port '$(remote_port "$i")', dbname 'postgres'); CREATE USER MAPPING FOR CURRENT_USER SERVER s$i" >/dev/null
    servers="$servers${servers:+, }\"s$i\""
done
q >/dev/null <<SQL
CREATE TABLE one.facts AS SELECT g AS id, g % 1000 AS key, (g % 97)::numeric AS v FROM generate_series(1, $((per * SHARDS))) g;
ANALYZE one.facts;
SELECT hamilton_define('b.agg', 'SELECT key, sum(v) AS s, count(*) AS n FROM facts GROUP BY key', placement => '[$servers]');
SELECT hamilton_define('b.total', 'SELECT key, sum(s) AS s, sum(n) AS n FROM agg GROUP BY key');
SELECT hamilton_define('one.agg', 'SELECT key, sum(v) AS s, count(*) AS n FROM facts GROUP BY key');
SELECT hamilton_define('one.total', 'SELECT key, sum(s) AS s, sum(n) AS n FROM agg GROUP BY key');
SQL
ms() {  # ms OUTPUTS: the run's time, in ms, as the caller sees it
    q -c "SELECT round(extract(epoch FROM clock_timestamp() - t) * 1000) FROM (SELECT clock_timestamp() AS t) s, LATERAL (SELECT count(*) FROM hamilton_execute($1)) r"
}
sharded=(); single=()
for r in $(seq 1 "$REPEAT"); do
    sharded+=("$(ms "ARRAY['b.total']")")
    single+=("$(ms "ARRAY['one.total']")")
done
[ "$(q -c "SELECT count(*) FROM ((TABLE b.total EXCEPT TABLE one.total) UNION ALL (TABLE one.total EXCEPT TABLE b.total)) d")" = 0 ] \
    || { echo "the sharded result differs from the single server's" >&2; exit 1; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
ms_sharded=$(median "${sharded[@]}"); ms_single=$(median "${single[@]}")
# the same rounds in one session: the backend keeps its connections
timed() { echo "SELECT round(extract(epoch FROM clock_timestamp() - t) * 1000) FROM (SELECT clock_timestamp() AS t) s, LATERAL (SELECT count(*) FROM hamilton_execute($1)) r;"; }
warm=$(for r in $(seq 1 "$REPEAT"); do timed "ARRAY['b.total']"; timed "ARRAY['one.total']"; done | q)
read -r -a warm <<<"$(echo $warm)"
warm_sharded=(); warm_single=()
for ((r = 0; r < REPEAT; r++)); do warm_sharded+=("${warm[$((2 * r))]}"); warm_single+=("${warm[$((2 * r + 1))]}"); done
ms_warm_sharded=$(median "${warm_sharded[@]:1}"); ms_warm_single=$(median "${warm_single[@]:1}")
# one shard's aggregate alone on its server
remote_one=()
for r in $(seq 1 "$REPEAT"); do
    remote_one+=("$(rq 1 -d postgres -c "SELECT round(extract(epoch FROM clock_timestamp() - t) * 1000) FROM (SELECT clock_timestamp() AS t) s, LATERAL (SELECT count(*) FROM (SELECT key, sum(v), count(*) FROM b.facts GROUP BY key) a) r")")
done
ms_remote=$(median "${remote_one[@]}")
# (remote) the coordinator's own time per remote step: TRIVIAL (8, under the remotes' max_prepared_transactions) trivial
# nodes placed on s1 against the same nodes here, in one session, rounds
# alternating; per step, the difference minus the remote's execution of the
# same statements sent to s1 directly (the build in one message, the swap
# prepared, COMMIT PREPARED, the previous table dropped), timed by psql there
TRIVIAL=${BENCH_TRIVIAL:-8}
outs_p=""; outs_l=""
for k in $(seq 1 "$TRIVIAL"); do
    q -c "SELECT hamilton_define('b.t$k', 'SELECT $k AS x', placement => 's1')" \
      -c "SELECT hamilton_define('one.t$k', 'SELECT $k AS x', materialize => 'table')" >/dev/null
    outs_p="$outs_p${outs_p:+, }'b.t$k'"; outs_l="$outs_l${outs_l:+, }'one.t$k'"
done
trivial=$(for r in $(seq 0 "$REPEAT"); do timed "ARRAY[$outs_p]"; timed "ARRAY[$outs_l]"; done | q)
read -r -a trivial <<<"$(echo $trivial)"
tp=(); tl=()
for ((r = 1; r <= REPEAT; r++)); do tp+=("${trivial[$((2 * r))]}"); tl+=("${trivial[$((2 * r + 1))]}"); done
direct=$(for r in $(seq 1 "$REPEAT"); do
    echo '\timing on'
    for k in $(seq 1 "$TRIVIAL"); do
        echo "BEGIN \\; SELECT set_config('search_path', 'b', true) \\; CREATE TABLE b._bench_$k AS SELECT $k AS x \\; COMMENT ON TABLE b._bench_$k IS 'x' \\; COMMIT;"
        echo "BEGIN \\; DROP VIEW IF EXISTS b._bench_v$k \\; CREATE VIEW b._bench_v$k AS SELECT * FROM b._bench_$k \\; PREPARE TRANSACTION 'bench_$k';"
        echo "COMMIT PREPARED 'bench_$k';"
        echo "DROP VIEW b._bench_v$k \\; DROP TABLE b._bench_$k;"
    done
    echo '\timing off'
    echo "SELECT 'round';"
done | rq 1 -d postgres 2>&1 | awk '/^Time:/ {t += $2} /^round$/ {print t; t = 0}')
read -r -a direct <<<"$(echo $direct)"
# the same in a new session each (cold: the connection to s1 opened by the run)
cp_=(); cl_=()
for r in $(seq 1 "$REPEAT"); do cp_+=("$(ms "ARRAY[$outs_p]")"); cl_+=("$(ms "ARRAY[$outs_l]")"); done
ms_tp=$(median "${tp[@]}"); ms_tl=$(median "${tl[@]}"); ms_direct=$(median "${direct[@]}")
ms_cp=$(median "${cp_[@]}"); ms_cl=$(median "${cl_[@]}")
echo "sharded over $SHARDS servers: ${ms_sharded} ms (runs: ${sharded[*]})"
echo "one server:              ${ms_single} ms (runs: ${single[*]})"
echo "speedup (one / sharded): $(awk -v a="$ms_single" -v b="$ms_sharded" 'BEGIN {printf "%.2f", a / b}')"
echo "one shard's aggregate alone there: ${ms_remote} ms (the shards run at once: the sharded run's bound on P servers of their own cores)"
echo "one session (warm; the first round, which opens the connections, left out):"
echo "sharded over $SHARDS servers: ${ms_warm_sharded} ms (runs: ${warm_sharded[*]})"
echo "one server:              ${ms_warm_single} ms (runs: ${warm_single[*]})"
echo "speedup (one / sharded): $(awk -v a="$ms_warm_single" -v b="$ms_warm_sharded" 'BEGIN {printf "%.2f", a / b}')"
echo "the coordinator's own time per remote step ($TRIVIAL trivial placed nodes against the same nodes here, one session):" \
     "$(awk -v p="$ms_tp" -v l="$ms_tl" -v d="$ms_direct" -v n="$TRIVIAL" 'BEGIN {printf "%.1f ms (%.1f ms per placed step, %.1f per local step, %.1f of it the remote'"'"'s own execution)", (p - l - d) / n, p / n, l / n, d / n}')" \
     "(runs: placed ${tp[*]}; here ${tl[*]}; the statements sent to s1 directly ${direct[*]})"
echo "the same, each run in a new session: $(awk -v p="$ms_cp" -v l="$ms_cl" -v d="$ms_direct" -v n="$TRIVIAL" 'BEGIN {printf "%.1f ms per step", (p - l - d) / n}')" \
     "(runs: placed ${cp_[*]}; here ${cl_[*]}; the connection to s1 opened once per run, for its $TRIVIAL steps)"
