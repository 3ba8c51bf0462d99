#!/usr/bin/env bash
# The demo command: installs what is missing, builds and installs pg_hamilton,
# starts a throwaway cluster, loads examples/shop.sql and runs the forecast
# dataflow end to end, printing the run report, the forecast and its lineage.
# The cluster keeps running afterwards so you can explore it:
#   . scripts/common.sh && psql -d hamilton_demo
# and `bash scripts/cluster.sh stop` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
bash scripts/cluster.sh start
. scripts/common.sh
createdb hamilton_demo
psql -q -d hamilton_demo -v ON_ERROR_STOP=1 -f examples/shop.sql >/dev/null
psql -d hamilton_demo -v ON_ERROR_STOP=1 -f examples/shop_demo.sql
say "the cluster is still running: . scripts/common.sh && psql -d hamilton_demo"
