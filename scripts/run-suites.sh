#!/usr/bin/env bash
# Runs every test suite against the running throwaway cluster (see
# scripts/cluster.sh): pg_regress, isolation specs, pgTAP, shell tests.
# Exits non-zero if any suite fails.  SUITES="regress tap" runs a subset.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

SUITES=${SUITES:-"regress isolation tap shell"}
ISOLATION_REGRESS="$PGXS_DIR/test/isolation/pg_isolation_regress"
[ -x "$ISOLATION_REGRESS" ] || ISOLATION_REGRESS=/usr/lib/postgresql/15/lib/pgxs/src/test/isolation/pg_isolation_regress
failed=()

run_regress() {
    say "pg_regress: sql/*.sql"
    rm -rf build/regress && mkdir -p build/regress
    if ! make -s installcheck PG_CONFIG="$PG_BIN/pg_config"; then
        [ -f build/regress/regression.diffs ] && head -200 build/regress/regression.diffs
        failed+=(regress)
    fi
}

run_isolation() {
    say "pg_isolation_regress: test/isolation/specs/*.spec"
    rm -rf build/isolation && mkdir -p build/isolation
    local specs
    specs=$(cd test/isolation/specs && ls *.spec | sed 's/\.spec$//' | sort)
    if ! "$ISOLATION_REGRESS" --inputdir=test/isolation --outputdir=build/isolation \
            --bindir="$PG_BIN" --dbname=hamilton_isolation --load-extension=hamilton $specs; then
        [ -f build/isolation/regression.diffs ] && head -200 build/isolation/regression.diffs
        failed+=(isolation)
    fi
}

run_tap() {
    say "pgTAP: test/pgtap/*.sql"
    dropdb --if-exists hamilton_tap
    createdb hamilton_tap
    psql -q -d hamilton_tap -c "CREATE EXTENSION pgtap; CREATE EXTENSION hamilton; CREATE EXTENSION plpython3u;" \
        || { failed+=(tap); return; }
    if ! pg_prove --dbname hamilton_tap --ext .sql -r test/pgtap; then
        failed+=(tap)
    fi
}

run_shell() {
    say "shell tests: test/shell/*.sh"
    local t
    for t in test/shell/*.sh; do
        [ -e "$t" ] || continue
        printf '%s ... ' "$t"
        if out=$(bash "$t" 2>&1); then
            echo ok
        else
            echo FAILED
            printf '%s\n' "$out" | tail -40
            failed+=("$t")
        fi
    done
}

for s in $SUITES; do
    "run_$s"
done

if [ ${#failed[@]} -gt 0 ]; then
    say "FAILED: ${failed[*]}"
    exit 1
fi
say "all suites passed"
