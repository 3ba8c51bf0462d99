#!/usr/bin/env bash
# The node catalog (modules, SQL nodes, tags), the run history and lineage
# survive pg_dump / pg_restore into a fresh database, and the restored
# dataflow runs and gives the same results; also with --no-owner --no-acl
# where the role that owned SQL nodes does not exist, and from a dump made
# with --exclude-schema (see the second part).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh

src=hamilton_dump_src
dst=hamilton_dump_dst
dump=$(mktemp -d)/hamilton.dump
trap 'rm -rf "$(dirname "$dump")"; dropdb --if-exists $src; dropdb --if-exists $dst' EXIT

dropdb --if-exists $src; dropdb --if-exists $dst
createdb $src
psql -q -X -d $src -v ON_ERROR_STOP=1 -f examples/shop.sql >/dev/null
psql -q -X -d $src -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SELECT hamilton_tag('shop.growth_rate', '{"reviewed": "yes"}');
SELECT hamilton_define('shop.top_region', 'SELECT region FROM forecast ORDER BY forecast DESC LIMIT 1',
                       materialize => 'table', doc => 'The region with the largest forecast.');
SELECT count(*) FROM hamilton_execute(ARRAY['top_region', 'forecast'], inputs => '{"horizon": 4}');
SQL

pg_dump -Fc -d $src -f "$dump"
createdb $dst
pg_restore -d $dst --exit-on-error "$dump"

catalog() {
    psql -X -At -d "$1" -v ON_ERROR_STOP=1 <<'SQL'
SELECT node, kind, language, type, inputs, sources, doc, tags, materialize, definition, fingerprint FROM hamilton.nodes ORDER BY node;
SELECT * FROM hamilton.edges ORDER BY 1, 2, 3;
SELECT * FROM hamilton.tags ORDER BY 1, 4;
SELECT module, registered_by FROM hamilton.modules ORDER BY 1;
SELECT run_id, status, outputs, inputs FROM hamilton.runs ORDER BY run_id;
SELECT run_id, step, node, status, rows FROM hamilton.node_runs ORDER BY run_id, step;
SELECT relation, node, run_id, fingerprint, inputs, upstream, sources FROM hamilton.lineage ORDER BY relation::text;
SELECT * FROM shop.forecast ORDER BY 1, 2;
SQL
}

diff <(catalog $src) <(catalog $dst) || { echo "the restored catalog differs from the original"; exit 1; }
[ "$(psql -X -At -d $dst -c 'SELECT count(*) FROM hamilton.nodes')" -ge 5 ] || { echo "no nodes restored"; exit 1; }

# The restored dataflow runs, replaces its results in place, and agrees.
psql -X -q -d $dst -v ON_ERROR_STOP=1 -c "SELECT count(*) FROM hamilton_execute(ARRAY['top_region', 'forecast'], inputs => '{\"horizon\": 4}')" >/dev/null
diff <(psql -X -At -d $src -c 'TABLE shop.forecast ORDER BY 1, 2; TABLE shop.top_region') \
     <(psql -X -At -d $dst -c 'TABLE shop.forecast ORDER BY 1, 2; TABLE shop.top_region') \
    || { echo "the restored dataflow computes different results"; exit 1; }
# The next run id continues after the restored ones.
psql -X -At -d $dst -c "SELECT count(DISTINCT run_id) = count(*) FROM hamilton.runs" | grep -qx t
echo "pg_dump/pg_restore kept $(psql -X -At -d $dst -c 'SELECT count(*) FROM hamilton.nodes') nodes, their tags, runs and lineage"

# --- Restores into a cluster without the dump's roles, and partial dumps ----
# A dump names roles and tables, and a restore must not lose rows that name
# what the target lacks: pg_restore --no-owner --no-acl where the role that
# owned SQL nodes does not exist keeps every node (the restoring role owns
# them, hamilton.missing_roles says whose they were), with its tags, checks,
# runs and lineage; a dump made with --exclude-schema keeps the lineage of
# the results it left out (their relation is NULL) and of all the others.
role=regress_hamilton_dump_owner
src2=hamilton_dump_src2
full=hamilton_dump_full
part=hamilton_dump_part
trap 'rm -rf "$(dirname "$dump")"; for d in $src $dst $src2 $full $part; do dropdb --if-exists $d; done;
      psql -X -q -d postgres -c "DROP ROLE IF EXISTS $role" 2>/dev/null || true' EXIT
for d in $src2 $full $part; do dropdb --if-exists $d; done
psql -X -q -d postgres -c "DROP ROLE IF EXISTS $role" >/dev/null
createdb $src2
psql -q -X -d $src2 -v ON_ERROR_STOP=1 -f examples/shop.sql >/dev/null
psql -q -X -d $src2 -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE ROLE $role;
CREATE SCHEMA owned AUTHORIZATION $role;
CREATE SCHEMA extra;
CREATE TABLE extra.events AS SELECT g AS x FROM generate_series(1, 3) g;
GRANT USAGE ON SCHEMA raw, shop TO $role;
GRANT SELECT ON ALL TABLES IN SCHEMA raw TO $role;
GRANT SELECT ON ALL TABLES IN SCHEMA shop TO $role;
SET ROLE $role;
SELECT hamilton_define('owned.order_count', 'SELECT count(*) AS n FROM raw.orders', doc => 'Orders, counted.');
SELECT hamilton_tag('owned.order_count', '{"owner": "analytics"}');
SELECT hamilton_check('owned.order_count', '[{"check": "range", "column": "n", "min": 1}]');
SELECT count(*) FROM hamilton_execute(ARRAY['owned.order_count']);
RESET ROLE;
SELECT hamilton_define('extra.event_total', 'SELECT sum(x) AS total FROM extra.events');
SELECT count(*) FROM hamilton_execute(ARRAY['extra.event_total', 'forecast'], inputs => '{"horizon": 4}');
SQL
pg_dump -Fc -d $src2 -f "$dump.full"
pg_dump -Fc -d $src2 --exclude-schema=extra -f "$dump.part"

# What the source held, as the restores must show it.
held() {
    psql -X -At -d "$1" -v ON_ERROR_STOP=1 <<'SQL'
SELECT schema_name, node_name, kind, definition, doc, config_when FROM hamilton.sql_node ORDER BY 1, 2, 6::text;
SELECT * FROM hamilton.tags ORDER BY 1, 4;
SELECT schema_name, node_name, checks FROM hamilton.node_check ORDER BY 1, 2;
SELECT run_id, status, outputs, inputs, run_by FROM hamilton.runs ORDER BY run_id;
SELECT run_id, step, node, status, rows FROM hamilton.node_runs ORDER BY run_id, step;
SELECT node, run_id, fingerprint, inputs, upstream, sources FROM hamilton.lineage ORDER BY node;
SQL
}
held $src2 >"$dump.held"
[ "$(psql -X -At -d $src2 -c "SELECT owner FROM hamilton.nodes WHERE node = 'owned.order_count'")" = $role ] \
    || { echo "the role does not own its node"; exit 1; }
# The cluster loses the role: its objects go, then the role.
dropdb $src2
psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "DROP ROLE $role"

createdb $full
pg_restore --no-owner --no-acl --exit-on-error --verbose -d $full "$dump.full" 2>"$dump.log" \
    || { cat "$dump.log"; echo "pg_restore --no-owner --no-acl failed where the dump's role does not exist"; exit 1; }
# the restore says whose node the restoring role now owns (pg_restore shows
# the server's warnings with --verbose)
grep -q "WARNING:  role $role of SQL node owned.order_count does not exist: the node now belongs to role $PGUSER" "$dump.log" \
    || { grep -i warning "$dump.log"; echo "the restore did not report the missing role"; exit 1; }
diff "$dump.held" <(held $full) || { echo "the restore without the dump's role lost or changed rows"; exit 1; }
[ "$(psql -X -At -d $full -c "SELECT count(*) FROM hamilton.sql_node s WHERE NOT EXISTS (
        SELECT 1 FROM hamilton.nodes n WHERE n.module = s.schema_name AND n.name = s.node_name)")" = 0 ] \
    || { echo "SQL nodes restored but not in the dataflow: $(psql -X -d $full -c 'SELECT node FROM hamilton.nodes')"; exit 1; }
[ "$(psql -X -At -d $full -c "SELECT owner FROM hamilton.nodes WHERE node = 'owned.order_count'")" = "$PGUSER" ] \
    || { echo "the node of the missing role is not the restoring role's"; exit 1; }
[ "$(psql -X -At -d $full -c "SELECT count(*) FROM (SELECT schema_name, node_name FROM hamilton.node_tag
        UNION ALL SELECT schema_name, node_name FROM hamilton.node_check) t WHERE NOT EXISTS (
        SELECT 1 FROM hamilton.nodes n WHERE n.module = t.schema_name AND n.name = t.node_name)")" = 0 ] \
    || { echo "tags or checks were restored as orphans"; exit 1; }
[ "$(psql -X -At -d $full -c "SELECT string_agg(role || ' ' || kind || ' ' || object || ' ' || now, '; ' ORDER BY kind)
        FROM hamilton.missing_roles")" = \
  "$role SQL node owned.order_count restored as owned by $PGUSER; $role runs 1 runs visible to superusers only" ] \
    || { echo "missing roles: $(psql -X -d $full -c 'TABLE hamilton.missing_roles')"; exit 1; }
# The adopted node runs, its result replaced in place, and its check holds.
psql -X -q -d $full -v ON_ERROR_STOP=1 -c "SELECT count(*) FROM hamilton_execute(ARRAY['owned.order_count', 'extra.event_total'])" >/dev/null
[ "$(psql -X -At -d $full -c "TABLE owned.order_count") $(psql -X -At -d $full -c "TABLE extra.event_total")" = "3000 6" ] \
    || { echo "the restored nodes compute other results"; exit 1; }

createdb $part
pg_restore --no-owner --no-acl --exit-on-error -d $part "$dump.part" \
    || { echo "pg_restore of a dump made with --exclude-schema failed"; exit 1; }
diff "$dump.held" <(held $part) || { echo "the restore of a partial dump lost or changed rows"; exit 1; }
[ "$(psql -X -At -d $part -c "SELECT string_agg(node || '=' || coalesce(relation::text, 'NULL'), ' ' ORDER BY node)
        FROM hamilton.lineage WHERE node IN ('extra.event_total', 'owned.order_count', 'shop.forecast')")" = \
  "extra.event_total=NULL owned.order_count=owned.order_count shop.forecast=shop.forecast" ] \
    || { echo "lineage relations: $(psql -X -d $part -c 'SELECT relation, node FROM hamilton.lineage')"; exit 1; }
psql -X -q -d $part -v ON_ERROR_STOP=1 -c "SELECT count(*) FROM hamilton_execute(ARRAY['forecast'], inputs => '{\"horizon\": 4}')" >/dev/null
echo "restored without the dump's role and from a dump without schema extra: every node, tag, check, run and lineage row kept"
