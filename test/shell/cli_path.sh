#!/usr/bin/env bash
# The command-line client runs its own queries with search_path pinned to
# pg_catalog, pg_temp: a role that may create in a schema on the user's
# search_path (here public) plants better-matching functions and operators
# that the client's queries would call (||(bigint, text), array_to_string,
# quote_ident(name), to_regclass); none of them runs, while hamilton nodes,
# run, history and lineage (a table named through the user's own
# search_path included) work as before.
# It tests the installed client ($PG_BIN/hamilton; HAMILTON=... overrides).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh

db=hamilton_cli_path victim=hamilton_cli_path_victim intruder=hamilton_cli_path_intruder
HAMILTON=${HAMILTON:-$("$PG_BIN/pg_config" --bindir)/hamilton}
tmp=$(mktemp -d)
cleanup() {
    rm -rf "$tmp"
    dropdb --if-exists $db
    psql -X -q -d postgres -c "DROP ROLE IF EXISTS $victim" -c "DROP ROLE IF EXISTS $intruder"
}
trap cleanup EXIT
export PGDATABASE=$db

fail() { echo "FAILED: $*"; exit 1; }
sql() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
# as_victim ARGS...: hamilton ARGS as the victim; stdout to $tmp/out
as_victim() { PGUSER=$victim "$HAMILTON" "$@" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "hamilton $*"; }; }

[ -x "$HAMILTON" ] || fail "$HAMILTON is not installed (make install)"
dropdb --if-exists $db
psql -X -q -d postgres -c "DROP ROLE IF EXISTS $victim" -c "DROP ROLE IF EXISTS $intruder"
createdb $db
psql -q -X -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE EXTENSION hamilton;
CREATE ROLE $victim LOGIN;
CREATE ROLE $intruder;
GRANT CREATE ON SCHEMA public TO $intruder;
CREATE SCHEMA vs AUTHORIZATION $victim;
CREATE TABLE public.capture_log (who name, what text);
GRANT INSERT ON public.capture_log TO PUBLIC;
SET ROLE $intruder;
CREATE FUNCTION public.note(what text) RETURNS void LANGUAGE sql
    AS \$\$ INSERT INTO public.capture_log VALUES (current_user, what) \$\$;
CREATE FUNCTION public.cat(bigint, text) RETURNS text LANGUAGE sql
    AS \$\$ SELECT public.note('||(bigint, text)'); SELECT \$1::text || \$2 \$\$;
CREATE OPERATOR public.|| (LEFTARG = bigint, RIGHTARG = text, FUNCTION = public.cat);
CREATE FUNCTION public.array_to_string(text[], text) RETURNS text LANGUAGE sql
    AS \$\$ SELECT public.note('array_to_string(text[], text)'); SELECT pg_catalog.array_to_string(\$1, \$2) \$\$;
CREATE FUNCTION public.quote_ident(name) RETURNS text LANGUAGE sql
    AS \$\$ SELECT public.note('quote_ident(name)'); SELECT pg_catalog.quote_ident(\$1::text) \$\$;
CREATE FUNCTION public.to_regclass(varchar) RETURNS regclass LANGUAGE sql
    AS \$\$ SELECT public.note('to_regclass(varchar)'); SELECT pg_catalog.to_regclass(\$1::text) \$\$;
RESET ROLE;
SET ROLE $victim;
CREATE FUNCTION vs.total() RETURNS int LANGUAGE sql RETURN 42;
SELECT hamilton_register('vs');
SQL
sql "ALTER ROLE $victim SET search_path = vs, public"

as_victim nodes
grep -qE '^vs\.total ' "$tmp/out" || fail "nodes does not list vs.total"
as_victim run vs.total -q
as_victim history
grep -qE 'succeeded' "$tmp/out" || fail "history shows no succeeded run"
# a table named through the victim's search_path (vs), and a node's name
for name in total vs.total; do
    as_victim lineage $name
    grep -qE '^table +(vs\.)?total$' "$tmp/out" || { cat "$tmp/out"; fail "lineage $name"; }
done

got=$(sql "SELECT coalesce(string_agg(who || ': ' || what, '; '), 'nothing') FROM public.capture_log")
[ "$got" = nothing ] || fail "the intruder's code ran in the client's queries: $got"
echo "cli_path: the client's queries ran none of the planted functions or operators"
