#!/usr/bin/env bash
# Installs what pg_hamilton needs on Debian 12, only if something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

PACKAGES=(build-essential postgresql-15 postgresql-server-dev-15 libpq-dev
          postgresql-15-cron postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl
          postgresql-plpython3-15 graphviz)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
