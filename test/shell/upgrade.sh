#!/usr/bin/env bash
# Versions and upgrades (docs/versions.md):
#   - every C symbol an install or upgrade script names is exported by the
#     library, so a database still on an earlier version runs against it;
#   - a database created at each frozen version (versions/) runs the example, is updated step by step to
#     the default version, and then has exactly the catalog a fresh install
#     has (every member object of the extension, as pg_dump --binary-upgrade
#     writes them out), keeps its nodes, runs and lineage, and runs again.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh
export PGOPTIONS="-c client_min_messages=warning"

old=hamilton_upgrade_old
new=hamilton_upgrade_new
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists $old; dropdb --if-exists $new' EXIT
default=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" hamilton.control)
sharedir=$(pg_config --sharedir)/extension
pkglib=$(pg_config --pkglibdir)

# 1. The symbols every script names (read once: grep -q would stop reading
#    nm's output, and pipefail would take nm's SIGPIPE for a missing symbol).
nm -D --defined-only "$pkglib/hamilton.so" | awk '{print $3}' >"$work/symbols"
for script in "$sharedir"/hamilton--*.sql; do
    for sym in $(sed -n "s/.*'MODULE_PATHNAME', *'\([a-z_0-9]*\)'.*/\1/p" "$script" | sort -u); do
        for s in "$sym" "pg_finfo_$sym"; do
            grep -qx "$s" "$work/symbols" \
                || { echo "$(basename "$script") names $sym, but hamilton.so does not export $s"; exit 1; }
        done
    done
done

# The example's run, from which lineage and history must survive.
run_example() {
    psql -q -X -d "$1" -v ON_ERROR_STOP=1 -c \
        "SELECT count(*) FROM hamilton_execute(ARRAY['forecast'], inputs => '{\"horizon\": 4}')" >/dev/null
}

state() {
    psql -X -At -d "$1" -v ON_ERROR_STOP=1 <<'SQL'
SELECT node, kind, language, inputs, tags, definition, fingerprint FROM hamilton.nodes ORDER BY node;
SELECT * FROM hamilton.edges ORDER BY 1, 2, 3;
SELECT run_id, status, outputs, inputs FROM hamilton.runs ORDER BY run_id;
SELECT run_id, step, node, status, rows FROM hamilton.node_runs ORDER BY run_id, step;
SELECT relation, node, run_id, fingerprint, inputs, upstream, sources FROM hamilton.lineage ORDER BY relation::text;
TABLE shop.forecast ORDER BY 1, 2;
SQL
}

# members DB: the extension's member objects, as pg_upgrade would recreate
# them (OID assignments left out: they differ between any two databases).
members() {
    pg_dump --schema-only --binary-upgrade -d "$1" |
        grep -v -e 'binary_upgrade_set_next_' -e '^--' -e '^$' -e 'pg_catalog.set_config' \
                -e '^\\restrict' -e '^\\unrestrict' -e '^SET relfrozenxid' -e "^WHERE oid = '" \
                -e '^SELECT pg_catalog.setval' |
        sed -e "s/$1/DB/g" -e "s/'{[0-9,]*}'/'{oids}'/g"
}

# The fresh install every update must reach.
dropdb --if-exists $new; createdb $new
psql -q -X -d $new -v ON_ERROR_STOP=1 -c "CREATE EXTENSION hamilton"
psql -q -X -d $new -v ON_ERROR_STOP=1 -f examples/shop.sql >/dev/null
psql -q -X -d $new -v ON_ERROR_STOP=1 -c "SELECT hamilton_tag('shop.growth_rate', '{\"reviewed\": \"yes\"}')" >/dev/null
run_example $new
members $new >"$work/new.sql"

# 2-4, from every frozen version (versions/), step by step.
for from in $(ls versions | sed -n 's/^hamilton--\([0-9.]*\)\.sql$/\1/p' | sort -V); do
    dropdb --if-exists $old; createdb $old
    psql -q -X -d $old -v ON_ERROR_STOP=1 -c "CREATE EXTENSION hamilton VERSION '$from'"
    [ "$(psql -X -At -d $old -c "SELECT extversion FROM pg_extension WHERE extname = 'hamilton'")" = "$from" ]
    psql -q -X -d $old -v ON_ERROR_STOP=1 -f examples/shop.sql >/dev/null
    psql -q -X -d $old -v ON_ERROR_STOP=1 -c "SELECT hamilton_tag('shop.growth_rate', '{\"reviewed\": \"yes\"}')" >/dev/null
    run_example $old
    state $old >"$work/before"

    psql -q -X -d $old -v ON_ERROR_STOP=1 -c "ALTER EXTENSION hamilton UPDATE"
    [ "$(psql -X -At -d $old -c "SELECT extversion FROM pg_extension WHERE extname = 'hamilton'")" = "$default" ] \
        || { echo "ALTER EXTENSION hamilton UPDATE from $from did not reach $default"; exit 1; }
    state $old >"$work/after"
    diff "$work/before" "$work/after" || { echo "the update from $from lost or changed nodes, runs or lineage"; exit 1; }

    # The same catalog as a fresh install.
    members $old >"$work/old.sql"
    diff "$work/new.sql" "$work/old.sql" >"$work/diff" || {
        echo "the catalog updated from $from differs from a fresh install of $default (< fresh, > updated):"
        head -60 "$work/diff"
        exit 1
    }

    # The updated database still runs the example, and its history goes on.
    run_example $old
    [ "$(psql -X -At -d $old -c "SELECT count(*) FROM hamilton.runs WHERE status = 'succeeded'")" -ge 2 ]
    echo "$from -> $default: the catalog equals a fresh install ($(wc -l <"$work/new.sql") lines of schema), nodes, runs and lineage kept"
done
