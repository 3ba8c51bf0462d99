#!/usr/bin/env bash
# The test command: installs what is missing, builds and installs pg_hamilton,
# checks the code's layout (scripts/check-layout.sh), starts a throwaway
# cluster, runs every test suite, and removes the cluster; then runs every
# suite again on each other PostgreSQL 15 minor release apt can install
# (scripts/minor-releases.sh; MINOR_RELEASES=skip skips that).
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
bash scripts/check-layout.sh
bash scripts/cluster.sh start
trap 'bash scripts/cluster.sh stop' EXIT
bash scripts/run-suites.sh
bash scripts/minor-releases.sh
