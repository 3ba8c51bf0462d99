#!/usr/bin/env bash
# The suites on every other PostgreSQL 15 minor release that apt can install.
# The swap (src/exec/swap.c) calls finish_heap_swap and its neighbours, whose
# behaviour belongs to a minor release, so every one that Debian offers is
# tested, not only the installed one.  For each version of postgresql-15 that
# `apt-cache madison` lists besides the installed one:
#   - its server, client, server-dev and plpython3 packages are unpacked into
#     a private tree (nothing is installed system-wide), and the installed
#     pg_cron, pgTAP and libpq headers are copied in (they are built for any
#     15.x);
#   - pg_hamilton is built from a clean copy of this source against it;
#   - every suite runs on a throwaway cluster of that release.
# MINOR_RELEASES=skip skips it; MINOR_SUITES narrows the suites (as SUITES
# does for scripts/run-suites.sh).  Exits non-zero if a release fails.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

[ "${MINOR_RELEASES:-}" = skip ] && { say "minor releases: skipped (MINOR_RELEASES=skip)"; exit 0; }

installed=$(dpkg-query -W -f='${Version}' postgresql-15)
$SUDO apt-get update -qq
versions=$(apt-cache madison postgresql-15 | awk -F'|' '{gsub(/ /, "", $2); print $2}' | sort -u |
           grep -vx "$installed" || true)
if [ -z "$versions" ]; then
    say "minor releases: apt offers no PostgreSQL 15 release besides the installed $installed"
    exit 0
fi

cache=/tmp/pg_hamilton_minor
src=$(pwd)
status=0
for v in $versions; do
    tree="$cache/$v/root"
    if [ ! -x "$tree/usr/lib/postgresql/15/bin/postgres" ]; then
        say "minor release $v: unpacking its packages into $tree"
        rm -rf "$cache/$v"
        mkdir -p "$cache/$v/debs" "$tree"
        # apt's sandbox user must be able to write where it downloads
        chmod 777 "$cache/$v/debs"
        (cd "$cache/$v/debs" && apt-get download -qq postgresql-15="$v" postgresql-client-15="$v" \
            postgresql-server-dev-15="$v" postgresql-plpython3-15="$v")
        for deb in "$cache/$v/debs"/*.deb; do dpkg -x "$deb" "$tree"; done
        for pkg in postgresql-15-cron postgresql-15-pgtap libpq-dev; do
            dpkg -L "$pkg" | grep -E '^/usr/(lib/postgresql/15|share/postgresql/15|include/postgresql)/' |
                while read -r f; do
                    [ -f "$f" ] && install -D -m 0644 "$f" "$tree$f"
                done
        done
        chmod -R a+rX "$cache"
    fi

    say "minor release $v: building pg_hamilton against it"
    work=$(mktemp -d /tmp/pg_hamilton_minor_src.XXXXXX)
    cp -a "$src/." "$work/"
    rm -rf "$work/.git"
    chmod -R a+rwX "$work"
    (
        export PG_BIN="$tree/usr/lib/postgresql/15/bin"
        export HAMILTON_CLUSTER_DIR=/tmp/pg_hamilton_cluster_minor HAMILTON_PORT=$((HAMILTON_PORT + 1))
        cd "$work"
        make -s clean PG_CONFIG="$PG_BIN/pg_config" >/dev/null
        bash scripts/build.sh
        bash scripts/cluster.sh start
        trap 'bash scripts/cluster.sh stop' EXIT
        say "minor release $v: $("$PG_BIN/postgres" --version)"
        SUITES="${MINOR_SUITES:-}" bash scripts/run-suites.sh
    ) || { say "minor release $v: FAILED"; status=1; }
    rm -rf "$work"
done
exit $status
