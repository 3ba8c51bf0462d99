# Helpers of the shell tests that crash a server (incremental_crash.sh,
# cache_crash.sh, servers.sh, parallel_faults.sh, run_history.sh); source it
# after defining q (psql on the test's database) and fail (print and exit).

# wait_for SQL: polls (at most 30 s, through refused connections while the
# server restarts) until the query returns t.
wait_for() {
    local i
    for ((i = 0; i < 300; i++)); do
        [ "$(q -c "$1" 2>/dev/null)" = t ] && return 0
        sleep 0.1
    done
    fail "gave up waiting for: $1"
}
