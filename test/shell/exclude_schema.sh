#!/usr/bin/env bash
# A dump restored without one schema (pg_dump --exclude-schema) brings back
# the catalog's rows of that schema without the schema: orphans.  Nothing
# attaches them to another schema: the victim's ALTER SCHEMA ... OWNER TO
# adopts none of the intruder's nodes (1.0 adopted them, and the victim's
# next run ran the intruder's code), its RENAME moves only its own rows
# (1.0 deleted its whole module), and a new schema of the orphans' name is
# refused until hamilton_orphans(remove => true) removes them.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh
export PGOPTIONS="-c client_min_messages=warning"

src=hamilton_exclude_src
dst=hamilton_exclude_dst
dump=$(mktemp -d)/hamilton.dump
forget() {
    dropdb --if-exists $src; dropdb --if-exists $dst
    psql -q -X -d postgres -c "DROP ROLE IF EXISTS regress_hamilton_sh_victim" \
        -c "DROP ROLE IF EXISTS regress_hamilton_sh_intruder" >/dev/null
}
trap 'rm -rf "$(dirname "$dump")"; forget' EXIT
fail() { echo "$*"; exit 1; }
q() { psql -X -At -v ON_ERROR_STOP=1 "$@"; }

forget
psql -q -X -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE regress_hamilton_sh_victim" -c "CREATE ROLE regress_hamilton_sh_intruder" >/dev/null
createdb $src
q -q -d $src >/dev/null <<'SQL'
CREATE EXTENSION hamilton;
CREATE TABLE public.sales AS SELECT 10 AS amount;
GRANT SELECT ON public.sales TO PUBLIC;
-- whoever runs the intruder's code leaves its role here
CREATE TABLE public.ran (who name);
GRANT INSERT ON public.ran TO PUBLIC;
CREATE FUNCTION public.spy() RETURNS int LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.ran VALUES (current_user); RETURN 666; END $$;
CREATE SCHEMA vict AUTHORIZATION regress_hamilton_sh_victim;
CREATE SCHEMA intr AUTHORIZATION regress_hamilton_sh_intruder;
SET ROLE regress_hamilton_sh_victim;
SELECT hamilton_register('vict');
SELECT hamilton_define('vict.report', 'SELECT sum(amount) AS total FROM sales');
SELECT count(*) FROM hamilton_execute(ARRAY['vict.report']);
RESET ROLE;
SET ROLE regress_hamilton_sh_intruder;
SELECT hamilton_define('intr.sales', 'SELECT public.spy() AS amount');
SELECT hamilton_tag('intr.sales', '{"planted": "yes"}');
RESET ROLE;
SQL

pg_dump -Fc --exclude-schema=intr -d $src -f "$dump"
createdb $dst
pg_restore -d $dst --exit-on-error "$dump"

# ALTER SCHEMA ... OWNER TO adopts none of them: the victim's report still
# reads the table, and nobody runs the intruder's code.
q -q -d $dst -c "ALTER SCHEMA vict OWNER TO regress_hamilton_sh_victim"
nodes=$(q -d $dst -c "SELECT string_agg(node, ', ' ORDER BY node) FROM hamilton.nodes WHERE module = 'vict'")
[ "$nodes" = "vict.report" ] || fail "after ALTER SCHEMA vict OWNER TO, module vict has nodes: $nodes"
q -q -d $dst -c "SET ROLE regress_hamilton_sh_victim" -c "SELECT count(*) FROM hamilton_execute(ARRAY['vict.report'])" >/dev/null
[ "$(q -d $dst -c 'TABLE vict.report')" = 10 ] || fail "the victim's report read the intruder's node"
[ "$(q -d $dst -c 'SELECT count(*) FROM public.ran')" = 0 ] || fail "the intruder's code ran as $(q -d $dst -c 'TABLE public.ran')"

# A rename moves the victim's rows, and only them.
q -q -d $dst -c "ALTER SCHEMA vict RENAME TO vict_renamed"
[ "$(q -d $dst -c "SELECT count(*) FROM hamilton.nodes WHERE module = 'vict_renamed'")" = 1 ] \
    || fail "ALTER SCHEMA ... RENAME lost the victim's module"
q -q -d $dst -c "ALTER SCHEMA vict_renamed RENAME TO vict"

# The intruder's rows are still there without their schema, and are reported.
orphans=$(q -d $dst -c "SELECT string_agg(module || ' ' || catalog || ' ' || coalesce(name, '-'), ', ' ORDER BY 1) FROM hamilton_orphans()")
[ "$orphans" = "intr node_tag sales, intr sql_node sales" ] || fail "orphans after the restore: $orphans"

# A new schema of their name inherits nothing: refused until they are removed.
if out=$(q -d $dst -c "CREATE SCHEMA intr" 2>&1); then fail "CREATE SCHEMA intr inherited the orphans"; fi
grep -q "holds rows of an earlier schema named intr" <<<"$out" || fail "CREATE SCHEMA intr: $out"
[ "$(q -d $dst -c "SELECT sum(rows) FROM hamilton_orphans(remove => true)")" = 2 ] || fail "hamilton_orphans(remove => true) removed the wrong rows"
q -q -d $dst -c "CREATE SCHEMA intr"
[ "$(q -d $dst -c "SELECT count(*) FROM hamilton.nodes WHERE module = 'intr'")" = 0 ] || fail "the new schema intr inherited nodes"
echo "pg_dump --exclude-schema: 2 orphan rows reported, adopted by nothing, removed on request"
