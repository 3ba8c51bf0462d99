#!/usr/bin/env bash
# scripts/check-layout.sh passes on the tree as built, and fails on each kind
# of violation it exists for, planted in a copy of the tree: an upward
# include, an upward call, two files calling each other, a file too long.
set -euo pipefail
cd "$(dirname "$0")/../.."
PG_INCLUDE=$("${PG_BIN:-/usr/lib/postgresql/15/bin}/pg_config" --includedir-server)

bash scripts/check-layout.sh >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fresh_copy: the sources, headers, objects and the script, in $work/tree.
fresh_copy() {
    rm -rf "$work/tree"
    mkdir -p "$work/tree/scripts"
    cp -r src include "$work/tree/"
    cp scripts/check-layout.sh "$work/tree/scripts/"
}

# plant NAME FILE CODE: compile CODE as FILE (under src/) in the copy.
plant() {
    printf '%s\n' "$3" >"$work/tree/$2"
    gcc -c -I "$work/tree/include" -I "$PG_INCLUDE" -o "$work/tree/${2%.c}.o" "$work/tree/$2"
}

# expect_failure WHAT PATTERN: the check fails, saying PATTERN.
expect_failure() {
    local out
    if out=$(bash "$work/tree/scripts/check-layout.sh" 2>&1); then
        echo "check-layout.sh passed despite $1" >&2
        exit 1
    fi
    grep -q -- "$2" <<<"$out" || { echo "check-layout.sh failed on $1 without saying '$2':" >&2; echo "$out" >&2; exit 1; }
}

fresh_copy
plant upward-include src/catalog/zz_up.c '#include "postgres.h"
#include "exec.h"
int zz_up(void);
int zz_up(void) { return 0; }'
expect_failure "an upward include" 'includes exec.h, of the later stage exec'

fresh_copy
plant upward-call src/catalog/zz_call.c '#include "postgres.h"
#include "catalog.h"
extern void *dag_build(void);
void *zz_call(void);
void *zz_call(void) { return dag_build(); }'
expect_failure "an upward call" 'calls dag_build of the later stage dag'

fresh_copy
plant circle-a src/dag/zz_a.c '#include "postgres.h"
int zz_a(int n);
int zz_b(int n);
int zz_a(int n) { return n ? zz_b(n - 1) : 0; }'
plant circle-b src/dag/zz_b.c '#include "postgres.h"
int zz_a(int n);
int zz_b(int n);
int zz_b(int n) { return n ? zz_a(n - 1) : 1; }'
expect_failure "two files calling each other" 'call each other in a circle'

fresh_copy
{ echo '#include "postgres.h"'; for i in $(seq 1 800); do echo "/* line $i */"; done; } >"$work/tree/src/dag/zz_long.c"
gcc -c -I "$work/tree/include" -I "$PG_INCLUDE" -o "$work/tree/src/dag/zz_long.o" "$work/tree/src/dag/zz_long.c"
expect_failure "a file of 801 lines" 'zz_long.c has 801 lines'

fresh_copy
mkdir -p "$work/tree/src/misc"
plant outside src/misc/zz_out.c '#include "postgres.h"'
expect_failure "a file outside the stage folders" 'is not in a stage folder'
