#!/usr/bin/env bash
# The command-line client's progress line during a parallel run
# (hamilton.max_workers, workers => N): on a terminal it shows every step
# running at once, each with its clock, and prints each step as it ends.
# The terminal is script(1)'s.  It tests the installed client
# ($PG_BIN/hamilton; HAMILTON=... overrides).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh

HAMILTON=${HAMILTON:-$("$PG_BIN/pg_config" --bindir)/hamilton}
db=hamilton_cli_parallel
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; dropdb --if-exists $db' EXIT
export PGDATABASE=$db
fail() { echo "FAILED: $*"; cat -v "$tmp/out"; exit 1; }

dropdb --if-exists $db 2>/dev/null
createdb $db
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE EXTENSION hamilton;
CREATE SCHEMA cp;
CREATE TABLE cp.pace (secs float8);
INSERT INTO cp.pace VALUES (0);
CREATE FUNCTION cp.pace() RETURNS bool LANGUAGE sql AS 'SELECT pg_sleep(secs) IS NULL FROM cp.pace';
SELECT hamilton_define('cp.east', 'SELECT 1 AS n WHERE cp.pace() IS NOT NULL', materialize => 'table');
SELECT hamilton_define('cp.west', 'SELECT 2 AS n WHERE cp.pace() IS NOT NULL', materialize => 'table');
SELECT count(*) FROM hamilton_execute(ARRAY['cp.east', 'cp.west']);
UPDATE cp.pace SET secs = 1.5;
SQL

PGOPTIONS="-c hamilton.max_workers=2 -c hamilton.worker_min_ms=0" TERM=xterm \
    script -qec "$HAMILTON run cp.east cp.west" /dev/null >"$tmp/out" 2>&1 || fail "hamilton run failed"
tr '\r' '\n' <"$tmp/out" >"$tmp/lines"
grep -qE '^.*\[0/2 done\] 2 running: cp\.(east|west) [0-9.]+ (ms|s), cp\.(east|west) [0-9.]+ (ms|s)' "$tmp/lines" \
    || fail "no progress line with both running steps"
[ "$(grep -cE '^.*\[[12]/2\] cp\.(east|west) +materialized' "$tmp/lines")" = 2 ] \
    || fail "each step is not printed as it ends"
grep -q "succeeded: 2 steps" "$tmp/lines" || fail "no summary"
[ "$(psql -X -At -c "SELECT count(worker_pid) FROM hamilton.node_runs WHERE run_id = (SELECT max(run_id) FROM hamilton.runs)")" = 2 ] \
    || fail "the steps did not run on workers"
echo "hamilton run: the progress line shows a parallel run's two running steps, each printed as it ends"
