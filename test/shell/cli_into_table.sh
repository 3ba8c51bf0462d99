#!/usr/bin/env bash
# The command-line client reproduces the getting-started result from the
# shell: hamilton run spend spend_per_signup --modules hello --into-table
# hello.features writes the one table SQL writes, and hamilton.runs records
# into_table.  --modules takes several modules at once, --into-table works
# for run, explain and validate, and the server's hints about a run's
# arguments are phrased for the shell (--config, --override, --input,
# --into-table, hamilton history for a run's checks), each pasted back into
# a shell as it is; hamilton history shows a run's into_table and checks.
# It tests the installed client ($PG_BIN/hamilton; HAMILTON=... overrides).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh

HAMILTON=${HAMILTON:-$("$PG_BIN/pg_config" --bindir)/hamilton}
db=hamilton_cli_into
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; dropdb --if-exists $db' EXIT
export PGDATABASE=$db

. test/shell/lib/cli_helpers.sh

[ -x "$HAMILTON" ] || fail "$HAMILTON is not installed (make install)"
dropdb --if-exists $db
createdb $db
psql -q -X -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION hamilton' >/dev/null
psql -q -X -v ON_ERROR_STOP=1 -f examples/hello_world.sql >/dev/null

# --- the getting-started result, from the shell ------------------------------
expect 0 run spend spend_per_signup --modules hello --into-table hello.features
has "$tmp/out" '^run [0-9]+ succeeded: '
has "$tmp/out" '^  hello\.features '
[ "$(sql "SELECT string_agg(week || ':' || spend || ':' || spend_per_signup, ' ' ORDER BY week) FROM hello.features")" = \
  "$(sql "SELECT string_agg(week || ':' || spend || ':' || spend / signups, ' ' ORDER BY week) FROM hello.marketing_data")" ] \
    || fail "hello.features does not hold spend and spend / signups"
[ "$(sql "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns
          WHERE table_schema = 'hello' AND table_name = 'features'")" = "week,spend,spend_per_signup" ] \
    || fail "hello.features has other columns"
# hamilton.runs records the table, qualified as the run resolved it.
[ "$(sql "SELECT into_table FROM hamilton.runs ORDER BY run_id DESC LIMIT 1")" = "hello.features" ] \
    || fail "hamilton.runs does not record into_table"
expect 0 run spend_per_signup --module hello --into-table features -q
[ "$(sql "SELECT into_table FROM hamilton.runs ORDER BY run_id DESC LIMIT 1")" = "hello.features" ] \
    || fail "a bare --into-table is not recorded in its schema"
expect 0 run spend_per_signup -m hello -q
[ "$(sql "SELECT coalesce(into_table, 'none') FROM hamilton.runs ORDER BY run_id DESC LIMIT 1")" = "none" ] \
    || fail "a run without --into-table records one"
# The same through SQL.
[ "$(sql "SELECT count(*) FROM hamilton_execute(ARRAY['spend_per_signup'], into_table => 'hello.features')")" -gt 0 ]
[ "$(sql "SELECT into_table FROM hamilton.runs ORDER BY run_id DESC LIMIT 1")" = "hello.features" ]

# --- explain and validate take it too --------------------------------------
expect 0 explain spend spend_per_signup --modules hello --into-table hello.features
has "$tmp/out" 'hello\.features'
expect 0 validate spend spend_per_signup --modules hello --into-table hello.features
for c in run explain validate; do
    expect 0 "$c" --help
    has "$tmp/out" '^      --into-table=TABLE '
    has "$tmp/out" '^      --modules=M1,M2,\.\.\. '
done

# --- --modules: several at once, in order -----------------------------------
psql -q -X -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE SCHEMA hello2;
SELECT hamilton_register('hello2');
CREATE FUNCTION hello2.doubled_signups(signups float8) RETURNS float8 LANGUAGE sql RETURN signups * 2;
SQL
expect 0 run doubled_signups --modules hello2,hello -q
[ "$(sql "SELECT modules FROM hamilton.runs ORDER BY run_id DESC LIMIT 1")" = "{hello2,hello}" ] \
    || fail "--modules hello2,hello is not the run's modules, in order"
expect 2 run doubled_signups --modules hello2,
has "$tmp/err" '^hamilton: error: run: --modules needs module names separated by commas'
expect 2 run spend --into-table ''
has "$tmp/err" '^hamilton: error: run: --into-table needs a table name'

# --- hints phrased for the shell ---------------------------------------------
# into_table with no column requested: leave --into-table out.
psql -q -X -v ON_ERROR_STOP=1 -c "SELECT hamilton_define('hello.weekly_total', 'SELECT sum(spend) AS weekly_total FROM hello.marketing_data')" >/dev/null
expect 1 run weekly_total --module hello --into-table hello.nothing
has "$tmp/err" '^hamilton: hint: .*leave --into-table out'
lacks "$tmp/err" '^hamilton: hint: .*into_table'
# No variant matches: pass --config.
psql -q -X -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SELECT hamilton_define('hello.region_spend', 'SELECT 1 AS region_spend', config_when => '{"region": ["eu", "us"]}');
SQL
expect 1 run region_spend --module hello -c region=apac
has "$tmp/err" '^hamilton: error: no variant of node hello\.region_spend matches config'
has "$tmp/err" '^hamilton: hint: Pass --config KEY=VALUE with the values of one variant\.$'
# A table node overridden by something that is no relation: --override NAME=schema.table.
expect 1 run weekly_total --module hello --override weekly_total=nope.nothing
has "$tmp/err" "^hamilton: hint: .*--override weekly_total=schema\.table"
lacks "$tmp/err" '^hamilton: hint: .*overrides =>'
# A missing input: --input NAME=VALUE, and the hint runs when pasted.
psql -q -X -v ON_ERROR_STOP=1 -c "CREATE FUNCTION hello.budget_per_week(budget float8) RETURNS float8 LANGUAGE sql RETURN budget / 52" >/dev/null
expect 1 run budget_per_week --module hello
has "$tmp/err" '^hamilton: hint: Pass it with --input budget=VALUE\.$'
expect 0 run budget_per_week --module hello --input budget=520 -q
[ "$(sql 'TABLE hello.budget_per_week')" = 10 ] || fail "the hint's --input did not run hello.budget_per_week"
# A failing check: the hint shows the run's checks with hamilton history, which
# lists them, and the table the run went into.
psql -q -X -v ON_ERROR_STOP=1 -c "SELECT hamilton_check('hello.spend_per_signup', '[{\"check\": \"range\", \"max\": 1, \"severity\": \"fail\"}, {\"check\": \"data_type\", \"type\": \"float8\"}]')" >/dev/null
expect 1 run spend spend_per_signup --modules hello --into-table hello.features
has "$tmp/err" '^hamilton: error: .*check range on node hello\.spend_per_signup failed'
has "$tmp/err" '^hamilton: hint: hamilton history [0-9]+ shows every check of the run\.$'
lacks "$tmp/err" '^hamilton: hint: .*check_results'
failed_run=$(sed -n 's/^hamilton: hint: hamilton history \([0-9]*\) .*/\1/p' "$tmp/err")
expect 0 history "$failed_run"
has "$tmp/out" '^into table hello\.features$'
has "$tmp/out" '^CHECK +NODE +SEVERITY +PASSED'
has "$tmp/out" '^range +hello\.spend_per_signup +fail +no '
has "$tmp/out" '^data_type +hello\.spend_per_signup +warn +yes '
echo "cli_into_table: ok"
