#!/usr/bin/env bash
# The long scalar chain: BENCH_LONG_CHAIN (10,000) trivial scalar functions
# chain.n1() = 1, chain.n<i>(n<i-1> int) = n<i-1> + 1, run by
# hamilton_execute(ARRAY['n<k>']), cold and warm, against the same k calls
# made directly and against hamilton_execute as version 1.1 ran it (every
# step a statement, the graph read at every call).  Needs the throwaway
# cluster running (bash scripts/cluster.sh start).  Run: bash bench/long_chain.sh
#
#   warm: in one session, side by side in one CALL of bench.measure (nothing
#         changes between calls: the graph built by the first call is reused);
#   cold: each run is the first call of a new connection (its own psql), so
#         the graph is read from the catalog and the backend's caches are
#         empty; the variants alternate, BENCH_REPEAT pairs.
#
# Quote the ratios: the machine may be shared.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_DIR/../scripts/common.sh"

BENCH_REPEAT=${BENCH_REPEAT:-5}
k=${BENCH_LONG_CHAIN:-10000}
. "$BENCH_DIR/lib.sh"

echo "# pg_hamilton: the long scalar chain ($k nodes)"
echo "$(sql postgres -At -c "SELECT split_part(version(), ' (', 1)"), $(nproc) cores," \
     "median of $BENCH_REPEAT runs, $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"

db=bench_long_chain
new_db "$db" "$BENCH_DIR/chains.sql"
sql "$db" -c "SELECT bench.make_scalar_chain($k)" >/dev/null
analyze "$db"
execute="SELECT count(*) FROM hamilton_execute(ARRAY['n$k'])"
validate="SELECT count(*) FROM hamilton_validate(ARRAY['n$k'])"

echo
echo "## Warm: the same session, nothing changed between calls"
measure "$db" warm \
    "hamilton_execute" "$execute" \
    "hamilton_execute as in 1.1" "SELECT bench.execute_as_1_1(ARRAY['n$k'])" \
    "$k SELECTs" "SELECT bench.direct_scalar_chain($k)" \
    "hamilton_validate" "$validate" \
    "hamilton_validate, graph read" "SELECT bench.validate_uncached(ARRAY['n$k'])"
sql "$db" -c "SELECT bench.check_chain(ARRAY['chain.n$k', 'direct.scalar_result'], $k)" >/dev/null
report "$db" warm "$k SELECTs" "$k"

echo
echo "## Cold: each call the first of a new connection"
for r in $(seq 0 "$BENCH_REPEAT"); do
    for v in 0 1 2; do
        case $(( (r + v) % 3 )) in
            0) name="hamilton_execute"; stmt=$execute ;;
            1) name="hamilton_execute as in 1.1"; stmt="SELECT bench.execute_as_1_1(ARRAY['n$k'])" ;;
            2) name="hamilton_validate"; stmt=$validate ;;
        esac
        ms=$(sql "$db" -At -c "SELECT bench.first_call_ms(\$q\$$stmt\$q\$)")
        [ "$r" -gt 0 ] && sql "$db" -c "INSERT INTO bench.sample VALUES ('cold', '$name', $v, $r, $ms)"
    done
done
sql "$db" -c "SELECT bench.check_chain(ARRAY['chain.n$k'], $k)" >/dev/null
report "$db" cold "hamilton_execute as in 1.1" "$k"

echo
echo "| Chain of $k scalar nodes | median ms | min-max ms | µs per node |"
echo "|---|---:|---:|---:|"
sql "$db" -At -c "SELECT format('| %s, %s | %s | %s–%s | %s |', variant, section, round(median::numeric, 1),
                                round(min::numeric, 1), round(max::numeric, 1), round((1000 * median / $k)::numeric, 1))
                  FROM bench.summary ORDER BY section DESC, position"
