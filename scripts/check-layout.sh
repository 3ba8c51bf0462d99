#!/usr/bin/env bash
# Checks that the code keeps the layout docs/architecture.md describes:
#   - src/ is in stage folders; a stage includes only its own header and the
#     headers of the stages before it (include/<stage>.h);
#   - no object file calls a function defined in a later stage, and no two
#     files call each other in a circle, directly or through others (read
#     from the built objects' symbols with nm: includes alone cannot show
#     circles between the files of one stage);
#   - no C file has more than 800 lines.
# Run after a build (scripts/build.sh); exits non-zero on any violation.
set -uo pipefail
cd "$(dirname "$0")/.."

# The stages, in order.  hamilton (src/hamilton.c, include/hamilton.h) is the
# module's settings, below everything.
STAGES=(hamilton catalog parse dag define validate plan runlog exec dot api)
MAX_LINES=800

declare -A rank
for i in "${!STAGES[@]}"; do rank[${STAGES[$i]}]=$i; done
problems=0
fail() { echo "check-layout: $*" >&2; problems=$((problems + 1)); }

# stage_of FILE: the stage of a source, header or object file.
stage_of() {
    case "$1" in
        src/hamilton.*|include/hamilton.h) echo hamilton ;;
        src/*/*) local d=${1#src/}; echo "${d%%/*}" ;;
        include/*.h) local h=${1#include/}; echo "${h%.h}" ;;
        *) echo "?" ;;
    esac
}

# 1. Every C file is in a stage folder (or is src/hamilton.c), every header
#    is a stage's.
while IFS= read -r f; do
    s=$(stage_of "$f")
    [ -n "${rank[$s]+x}" ] || fail "$f is not in a stage folder (${STAGES[*]})"
done < <(find src -name '*.c' | sort; find include -name '*.h' | sort)

# 2. Includes: only the stage's own header and earlier ones.
while IFS= read -r f; do
    s=$(stage_of "$f")
    [ -n "${rank[$s]+x}" ] || continue
    while IFS= read -r h; do
        [ -f "include/$h" ] || continue     # one of PostgreSQL's
        hs=${h%.h}
        [ -n "${rank[$hs]+x}" ] || { fail "$f includes \"$h\", which is no stage's header"; continue; }
        if [[ $f == include/* ]]; then
            # a stage's header builds on the headers of earlier stages only
            [ "${rank[$hs]}" -lt "${rank[$s]}" ] || fail "$f includes $h, of stage $hs, which is not before $s"
        elif [ "${rank[$hs]}" -gt "${rank[$s]}" ]; then
            fail "$f (stage $s) includes $h, of the later stage $hs"
        fi
    done < <(sed -n 's/^#include "\([a-z_]*\.h\)".*/\1/p' "$f")
done < <(find src include -name '*.[ch]' | sort)

# 3. Calls between object files, from their symbols.
# the objects of today's sources (a stale object of a removed file is not read)
objs=$(for c in $(find src -name '*.c' | sort); do [ -f "${c%.c}.o" ] && echo "${c%.c}.o"; done)
if [ -z "$objs" ]; then
    fail "no object files under src/: build first (scripts/build.sh)"
else
    missing=$(for c in $(find src -name '*.c'); do [ -f "${c%.c}.o" ] || echo "$c"; done)
    [ -z "$missing" ] || fail "not built: $missing"
    defs=$(for o in $objs; do nm --defined-only "$o" | awk -v o="$o" '$2 ~ /^[TDBR]$/ {print $3, o}'; done | sort)
    edges=$(for o in $objs; do nm --undefined-only "$o" | awk -v o="$o" '{print $2, o}'; done | sort |
            join - <(printf '%s\n' "$defs") | awk '$2 != $3 {print $2, $3, $1}' | sort -u)
    while read -r from to sym; do
        [ -n "$from" ] || continue
        fs=$(stage_of "$from"); ts=$(stage_of "$to")
        [ "${rank[$ts]}" -le "${rank[$fs]}" ] || fail "$from (stage $fs) calls $sym of the later stage $ts ($to)"
    done <<<"$edges"
    # A circle among files: tsort reports the loop it finds.
    loops=$(awk '{print $1, $2}' <<<"$edges" | sort -u | tsort 2>&1 >/dev/null)
    [ -z "$loops" ] || fail "files call each other in a circle:
$loops"
fi

# 4. Size.
while read -r n f; do
    [ "$f" = total ] && continue
    [ "$n" -le $MAX_LINES ] || fail "$f has $n lines (more than $MAX_LINES): split it by concern"
done < <(find src -name '*.c' -exec wc -l {} +)

if [ $problems -gt 0 ]; then
    echo "check-layout: $problems problem(s)" >&2
    exit 1
fi
echo "check-layout: ${#STAGES[@]} stages, $(echo "$objs" | wc -w) objects, no upward include or call, no circle"
