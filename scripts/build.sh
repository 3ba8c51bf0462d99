#!/usr/bin/env bash
# Builds pg_hamilton with PGXS and installs it into the local PostgreSQL 15.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh
say "building pg_hamilton"
make -s PG_CONFIG="$PG_BIN/pg_config" 2>&1 | { grep -v '^$' || true; }
$SUDO make -s install PG_CONFIG="$PG_BIN/pg_config" >/dev/null
