#!/usr/bin/env bash
# The command-line client, end to end against the running cluster: run (its
# progress lines, live and in order, its summary, the run it records),
# explain, validate, nodes, lineage, history, graph (with Graphviz), --help
# everywhere, --module and --module-overrides (and the hints that name them,
# and a database whose extension is older than them), and every error: its
# exit status and its one-line message.
# It tests the installed client ($PG_BIN/hamilton; HAMILTON=... overrides).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh

HAMILTON=${HAMILTON:-$("$PG_BIN/pg_config" --bindir)/hamilton}
db=hamilton_cli
bare=hamilton_cli_bare
old=hamilton_cli_1_0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; dropdb --if-exists $db; dropdb --if-exists $bare; dropdb --if-exists $old' EXIT
export PGDATABASE=$db

. test/shell/lib/cli_helpers.sh

[ -x "$HAMILTON" ] || fail "$HAMILTON is not installed (make install)"

dropdb --if-exists $db; dropdb --if-exists $bare; dropdb --if-exists $old
createdb $db
createdb $bare
createdb $old
psql -q -X -v ON_ERROR_STOP=1 -f examples/shop.sql >/dev/null
psql -q -X -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
-- A module with a node that raises and one that takes a while.
CREATE SCHEMA bad;
CREATE FUNCTION bad.ratio(horizon int) RETURNS numeric LANGUAGE sql RETURN 1 / (horizon - horizon);
CREATE FUNCTION bad.nap(horizon int) RETURNS int LANGUAGE sql
    RETURN horizon + 0 * length(pg_sleep(1.2)::text);
CREATE FUNCTION bad.long_nap(horizon int) RETURNS int LANGUAGE sql
    RETURN horizon + 0 * length(pg_sleep(60)::text);
SELECT hamilton_register('bad');
SQL

# --- version and help ------------------------------------------------------
expect 0 --version
has "$tmp/out" '^hamilton \(pg_hamilton\) [0-9]'
expect 0 --help
for c in run explain validate nodes lineage history graph; do
    has "$tmp/out" "^  $c "
done
for c in run explain validate nodes lineage history graph; do
    expect 0 "$c" --help
    has "$tmp/out" "^Usage: hamilton $c"
    has "$tmp/out" '--dbname'
    expect 0 help "$c"
    has "$tmp/out" "^Usage: hamilton $c"
done
for c in run explain validate graph; do
    expect 0 "$c" --help
    has "$tmp/out" '^  -m, --module=MODULE '
    has "$tmp/out" '^      --module-overrides '
done

# --- run, piped: one line per finished step, in order, then a summary -------
expect 0 run forecast --input horizon=4
has "$tmp/out" '^\[1/[0-9]+\] horizon +input'
has "$tmp/out" '^\[[0-9]+/[0-9]+\] shop\.weekly_sales '
has "$tmp/out" '^\[([0-9]+)/\1\] shop\.forecast +materialized +12 rows +[0-9.]+ (ms|s)$'
has "$tmp/out" '^run [0-9]+ succeeded: [0-9]+ steps, 12 rows materialized in 1 table, [0-9.]+ (ms|s)$'
has "$tmp/out" '^  shop\.forecast  12 rows$'
total=$(sed -nE 's/^\[1\/([0-9]+)\].*/\1/p' "$tmp/out")
[ "$(grep -oE '^\[[0-9]+/' "$tmp/out" | tr -d '[/' | paste -sd' ')" = "$(seq -s' ' 1 "$total")" ] \
    || { show; fail "progress lines are not steps 1..$total in order"; }
[ "$(tail -n 2 "$tmp/out" | head -n 1 | cut -c1-4)" = "run " ] || { show; fail "the summary is not last"; }
run_id=$(sed -nE 's/^run ([0-9]+) succeeded.*/\1/p' "$tmp/out")
# The run is recorded, with horizon passed as a JSON number.
[ "$(sql "SELECT status, outputs, inputs FROM hamilton.runs WHERE run_id = $run_id")" = \
  'succeeded|{forecast}|{"horizon": 4}' ] || fail "run $run_id is not recorded as it ran"
[ "$(sql 'SELECT count(*) FROM shop.forecast')" = 12 ] || fail "shop.forecast was not materialized"
[ "$(sql "SELECT count(*) FROM hamilton.node_runs WHERE run_id = $run_id")" = "$total" ] \
    || fail "the run has not $total steps"

# Connection options before or after the command, instead of the environment.
expect 0 -d $db run forecast -i horizon=4 -q
has "$tmp/out" '^run [0-9]+ succeeded'
lacks "$tmp/out" '^\['
(unset PGHOST PGPORT PGUSER PGDATABASE
 expect 0 run forecast -i horizon=4 -q -h "$HAMILTON_CLUSTER_DIR/sock" -p "$HAMILTON_PORT" -U "$PG_OS_USER" -d $db)
expect 0 run forecast -q -d "host=$HAMILTON_CLUSTER_DIR/sock port=$HAMILTON_PORT dbname=$db" -i horizon=4

# Values: JSON as JSON, anything else as a JSON string, all escaped.
expect 0 run forecast -q -i horizon=2 --override growth_rate=1.5 --config 'label=a "quoted" \ value'
rid=$(sed -nE 's/^run ([0-9]+) succeeded.*/\1/p' "$tmp/out")
[ "$(sql "SELECT inputs, overrides, config FROM hamilton.runs WHERE run_id = $rid")" = \
  '{"horizon": 2}|{"growth_rate": 1.5}|{"label": "a \"quoted\" \\ value"}' ] \
    || fail "inputs, overrides and config did not arrive as given: $(sql "SELECT inputs, overrides, config FROM hamilton.runs WHERE run_id = $rid")"

# Progress is live: the line of the step before a slow one arrives while it runs.
"$HAMILTON" run nap forecast -i horizon=4 | while IFS= read -r line; do
    printf '%s %s\n' "$(date +%s.%N)" "$line"
done >"$tmp/timed"
has "$tmp/timed" ' \[[0-9]+/[0-9]+\] bad\.nap +materialized'
first=$(head -n 1 "$tmp/timed" | cut -d' ' -f1)
nap=$(grep ' bad\.nap ' "$tmp/timed" | cut -d' ' -f1)
awk -v a="$first" -v b="$nap" 'BEGIN { exit !(b - a > 0.8) }' \
    || { cat "$tmp/timed"; fail "progress lines arrived together, not as the steps ran"; }

# On a terminal: one line redrawn in place (\r, clear to end of line), no step lines.
if command -v script >/dev/null; then
    script -qec "'$HAMILTON' run forecast -i horizon=4" /dev/null >"$tmp/tty" </dev/null \
        || { cat -v "$tmp/tty"; fail "run on a terminal failed"; }
    grep -q $'\r\033\[K\[1/' "$tmp/tty" || { cat -v "$tmp/tty"; fail "no progress line redrawn on a terminal"; }
    grep -q 'succeeded: ' "$tmp/tty" || { cat -v "$tmp/tty"; fail "no summary on a terminal"; }
    ! grep -qE $'^\\[[0-9]+/' "$tmp/tty" || { cat -v "$tmp/tty"; fail "plain step lines on a terminal"; }
fi

# Ctrl-C cancels the run on the server: exit 130, the run recorded as failed.
"$HAMILTON" run long_nap -i horizon=1 >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do grep -q '^\[1/2\]' "$tmp/out" && break; sleep 0.1; done
kill -INT $pid
rc=0; wait $pid || rc=$?
[ $rc = 130 ] || { show; fail "run interrupted with SIGINT exited $rc, expected 130"; }
error_is 'node bad\.long_nap \(module bad\) failed: canceling statement due to user request$'
[ "$(sql "SELECT status FROM hamilton.runs ORDER BY run_id DESC LIMIT 1")" = failed ] \
    || fail "the cancelled run is not recorded as failed"

# --- explain, validate -------------------------------------------------------
expect 0 explain forecast -i horizon=4
has "$tmp/out" 'shop\.forecast'
expect 0 validate forecast -i horizon=4
has "$tmp/out" '^ok: nothing stops forecast from running$'
expect 1 validate forecast forcast
has "$tmp/out" '^unknown_node: unknown output "forcast"'
has "$tmp/out" '^  hint: Did you mean shop\.forecast\?'
has "$tmp/out" '^missing_input: missing input: horizon'
has "$tmp/out" '--input horizon=VALUE'
error_is '2 problems would stop this run$'

# --- modules: a dataflow across modules (--module, --module-overrides) ------
# cm_calc.revenue needs price and qty, which cm_base computes (and cm_fix
# computes price too); cm_use.tripled needs bonus, of a module whose name
# must be quoted, in SQL and in the shell.
psql -q -X -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE SCHEMA cm_base;
CREATE FUNCTION cm_base.price() RETURNS int LANGUAGE sql RETURN 10;
CREATE FUNCTION cm_base.qty() RETURNS int LANGUAGE sql RETURN 3;
SELECT hamilton_register('cm_base');
CREATE SCHEMA cm_fix;
CREATE FUNCTION cm_fix.price() RETURNS int LANGUAGE sql RETURN 20;
SELECT hamilton_register('cm_fix');
CREATE SCHEMA cm_calc;
CREATE FUNCTION cm_calc.revenue(price int, qty int) RETURNS int LANGUAGE sql RETURN price * qty;
SELECT hamilton_register('cm_calc');
CREATE SCHEMA "CM Odd's";
CREATE FUNCTION "CM Odd's".bonus() RETURNS int LANGUAGE sql RETURN 7;
SELECT hamilton_register('"CM Odd''s"');
CREATE SCHEMA cm_use;
CREATE FUNCTION cm_use.tripled(bonus int) RETURNS int LANGUAGE sql RETURN 3 * bonus;
SELECT hamilton_register('cm_use');
SQL
# Without --module the run's modules are the output's: price and qty are
# missing inputs, and the hint names the modules as hamilton takes them.
expect 1 run revenue
error_is 'missing inputs: price, qty$'
has "$tmp/err" "^hamilton: hint: Pass them with --input price=VALUE --input qty=VALUE, or, to read the nodes of other modules, name the run's modules: --module cm_calc --module cm_base --module cm_fix\.$"
lacks "$tmp/err" 'modules =>'
# With them, the dataflow runs across the modules.
expect 0 run revenue --module cm_calc --module cm_base
has "$tmp/out" '^\[[0-9]+/3\] cm_base\.price +computed'
has "$tmp/out" '^\[[0-9]+/3\] cm_base\.qty +computed'
has "$tmp/out" '^\[3/3\] cm_calc\.revenue +materialized +1 row '
[ "$(sql 'TABLE cm_calc.revenue')" = 30 ] || fail "run --module cm_calc --module cm_base did not compute 10 * 3"
# Two of them define price: ambiguous, and the hint says what to pass.
expect 1 run revenue -m cm_calc -m cm_base -m cm_fix
error_is 'parameter "price" of node cm_calc\.revenue matches nodes in several modules$'
has "$tmp/err" '^hamilton: hint: Leave all but one of those modules out of --module \.\.\., or pass --module-overrides to take the node of the later module'
lacks "$tmp/err" 'modules =>|module_overrides =>'
# --module-overrides: the module named later wins, so the order matters.
expect 0 run revenue -m cm_calc -m cm_base -m cm_fix --module-overrides -q
[ "$(sql 'TABLE cm_calc.revenue')" = 60 ] || fail "--module-overrides did not take cm_fix.price, of the later module"
has "$tmp/err" '^hamilton: notice: module_overrides chose 1 node of a later module$'
expect 0 run revenue -m cm_calc -m cm_fix -m cm_base --module-overrides -q
[ "$(sql 'TABLE cm_calc.revenue')" = 30 ] || fail "--module-overrides did not take cm_base.price, of the later module"
# A hint's modules, pasted into a shell as they are, run the dataflow, even
# where a module's name must be quoted.
expect 1 run tripled
error_is 'missing input: bonus$'
suggested=$(sed -n "s/^hamilton: hint: .*name the run's modules: \(.*\)\.$/\1/p" "$tmp/err")
[ "$suggested" = "--module cm_use --module '\"CM Odd'\\''s\"'" ] || { show; fail "the hint's modules are not quoted for the shell: $suggested"; }
eval "set -- $suggested"
expect 0 run tripled -q "$@"
[ "$(sql 'TABLE cm_use.tripled')" = 21 ] || fail "the modules of the hint did not run cm_use.tripled"
# The other hints that name modules.
expect 1 run cm_base.price -m cm_calc
error_is "output cm_base\\.price is not in the run's modules$"
has "$tmp/err" '^hamilton: hint: Add its module: --module cm_calc --module cm_base\.$'
expect 1 run price -m cm_calc
error_is 'unknown output "price"$'
has "$tmp/err" "^hamilton: hint: Add the module to the run's modules: --module cm_calc --module cm_base --module cm_fix\\.$"
# explain and validate take them too.
expect 0 explain revenue -m cm_calc -m cm_base
has "$tmp/out" '^modules: cm_calc, cm_base$'
has "$tmp/out" 'cm_calc\.revenue\(price => \{\{cm_base\.price\}\}, qty => \{\{cm_base\.qty\}\}\)'
expect 0 explain revenue -m cm_calc -m cm_base -m cm_fix --module-overrides
has "$tmp/out" '^module override: cm_fix\.price \(over cm_base\.price\) for cm_calc\.revenue$'
expect 0 validate revenue -m cm_calc -m cm_base
has "$tmp/out" '^ok: nothing stops revenue from running$'
expect 1 validate revenue
has "$tmp/out" '^missing_input: missing inputs: price, qty$'
has "$tmp/out" "^  hint: .*name the run's modules: --module cm_calc --module cm_base --module cm_fix\\.$"
expect 1 validate revenue -m cm_calc -m cm_base -m cm_fix
has "$tmp/out" '^ambiguous_name: parameter "price" of node cm_calc\.revenue'
has "$tmp/out" '^  hint: .* --module \.\.\., or pass --module-overrides '
lacks "$tmp/out" 'modules =>|module_overrides =>'
# Usage errors.
expect 2 run revenue --module ''
error_is 'run: --module needs a module name'
expect 2 graph --module= revenue
error_is 'graph: --module needs a module name'
expect 2 validate revenue -m
error_is 'validate: option -m needs a value$'

# --- nodes -------------------------------------------------------------------
expect 0 nodes
has "$tmp/out" '^NODE +KIND +TYPE +INPUTS +TAGS +DOC$'
has "$tmp/out" '^shop\.forecast +table +table +shop\.baseline, shop\.marketing_lift, shop\.growth_rate, horizon +owner=planning +Sales forecast'
has "$tmp/out" '^shop\.growth_rate +scalar +numeric +horizon '
has "$tmp/out" '^horizon +input'
[ "$(grep -n '^horizon ' "$tmp/out" | cut -d: -f1)" -gt "$(grep -n '^shop\.weekly_sales ' "$tmp/out" | cut -d: -f1)" ] \
    || fail "inputs are not listed after the nodes"
expect 0 nodes --tag owner=planning
[ "$(tail -n +2 "$tmp/out" | cut -d' ' -f1 | paste -sd' ')" = "shop.forecast" ] || { show; fail "nodes --tag owner=planning"; }
expect 0 nodes -t owner
[ "$(tail -n +2 "$tmp/out" | cut -d' ' -f1 | paste -sd' ')" = "shop.forecast shop.weekly_sales" ] || { show; fail "nodes -t owner"; }
expect 0 nodes --tag owner=planning --tag owner=analytics
has "$tmp/out" '^\(no nodes\)$'

# --- lineage -------------------------------------------------------------------
expect 0 run forecast -i horizon=4 -q
run_id=$(sed -nE 's/^run ([0-9]+) succeeded.*/\1/p' "$tmp/out")
for name in shop.forecast forecast; do
    expect 0 lineage $name
    has "$tmp/out" '^table +shop\.forecast$'
    has "$tmp/out" "^run +$run_id \\(succeeded\\)$"
    has "$tmp/out" '^inputs +horizon=4'
    has "$tmp/out" '^sources +raw\.orders, raw\.marketing$'
done
expect 1 lineage raw.orders
error_is 'no lineage for "raw\.orders"'
expect 1 lineage no_such_table
error_is 'no lineage for "no_such_table"'

# --- errors: status and one line ---------------------------------------------
expect 3 -h 127.0.0.1 -p 1 nodes
error_is 'connection to server at "127\.0\.0\.1", port 1 failed'
expect 3 run forecast -i horizon=4 -h "$tmp/no-such-socket-dir"
error_is 'connection to server on socket .* failed'
expect 3 -d no_such_database_xyz nodes
error_is 'connection to server .* database "no_such_database_xyz" does not exist'
expect 1 -d $bare nodes
error_is "pg_hamilton is not installed in database \"$bare\"$"
expect 1 run forcast -i horizon=4
error_is 'unknown output "forcast"$'
has "$tmp/err" '^hamilton: hint: Did you mean shop\.forecast\?'
expect 1 run forecast
error_is 'missing input: horizon$'
has "$tmp/err" '^hamilton: hint: .*--input horizon=VALUE'
expect 1 run forecast -i horizon=soon
error_is 'input "horizon" is not a valid integer'
expect 1 run ratio -i horizon=1
error_is 'node bad\.ratio \(module bad\) failed: division by zero$'
has "$tmp/out" '^\[2/2\] bad\.ratio +failed '
lacks "$tmp/out" 'succeeded'
failed_id=$(sql "SELECT max(run_id) FROM hamilton.runs WHERE status = 'failed' AND failed_node = 'bad.ratio'")
[ -n "$failed_id" ] || fail "the failed run is not in hamilton.runs"
has "$tmp/err" "^hamilton: hint: .*hamilton history $failed_id"
expect 2 run forecast --bogus
error_is 'run: unknown option --bogus$'
expect 2 run -x forecast
error_is 'run: unknown option -x$'
expect 2 run
error_is 'run: name at least one output'
expect 2 run forecast --input horizon
error_is 'run: expected key=value, got "horizon"$'
expect 2 run forecast --input
error_is 'run: option --input needs a value$'
expect 2 frobnicate
error_is 'unknown command "frobnicate"$'
expect 2
error_is 'no command given$'
expect 2 history --limit none
error_is 'history: --limit needs a positive number'
expect 2 lineage
error_is 'lineage: name the table'
expect 2 graph -o "$tmp/dag.txt"
error_is 'graph: cannot tell the format of'

# --- history -------------------------------------------------------------------
expect 0 history
has "$tmp/out" '^RUN +STATUS +STARTED +TIME +OUTPUTS +FAILED NODE +ERROR$'
has "$tmp/out" "^ *$run_id +succeeded +[0-9-]+ [0-9:]+ +[0-9.]+ (ms|s) +forecast"
has "$tmp/out" "^ *$failed_id +failed .* ratio +bad\\.ratio +division by zero"
[ "$(sed -n 2p "$tmp/out" | awk '{print $1}')" -gt "$(sed -n 3p "$tmp/out" | awk '{print $1}')" ] \
    || fail "history is not newest first"
expect 0 history --failed
has "$tmp/out" "^ *$failed_id +failed "
lacks "$tmp/out" 'succeeded'
expect 0 history --limit 1
[ "$(wc -l <"$tmp/out")" = 2 ] || { show; fail "history --limit 1"; }
expect 0 history $failed_id
has "$tmp/out" "^run $failed_id failed"
has "$tmp/out" '^error +division by zero'
has "$tmp/out" '^ +2 +bad\.ratio +scalar +failed '
expect 1 history 999999
error_is 'no run 999999'

# --- graph -----------------------------------------------------------------------
# The real hamilton_dot if this build has it; otherwise check the message,
# then a stand-in in this database only, so that rendering is tested.
if [ "$(sql "SELECT to_regprocedure('hamilton_dot(text[],bigint)') IS NOT NULL
                  OR EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'hamilton_dot')")" = t ]; then
    dot_used="the real hamilton_dot"
else
    dot_used="a stand-in hamilton_dot (the extension has none)"
    expect 1 graph forecast -o "$tmp/dag.dot"
    error_is "this database's pg_hamilton has no function hamilton_dot\\(text\\[\\], bigint\\)"
    [ ! -e "$tmp/dag.dot" ] || fail "graph wrote a file after failing"
    psql -q -X -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
DO $$ BEGIN
EXECUTE format($f$
CREATE FUNCTION %I.hamilton_dot(outputs text[] DEFAULT NULL, run_id bigint DEFAULT NULL)
RETURNS text LANGUAGE sql
RETURN 'digraph hamilton { "shop.baseline" -> "shop.forecast"; "shop.growth_rate" -> "shop.forecast"; }'
$f$, (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname = 'hamilton'));
END $$;
SQL
fi
expect 0 graph forecast -o "$tmp/dag.dot"
has "$tmp/dag.dot" 'digraph'
has "$tmp/dag.dot" 'forecast'
expect 0 graph forecast
has "$tmp/out" 'digraph'
if [ "$dot_used" = "the real hamilton_dot" ]; then
    # --config draws the variants a config chooses, and says so in the title
    expect 0 graph forecast -c region=eu
    has "$tmp/out" 'execution path of shop\.forecast with config \{\\"region\\": \\"eu\\"\}'
    expect 2 graph forecast -c region
fi
expect 0 graph forecast -o "$tmp/dag.svg"
has "$tmp/out" "^wrote $tmp/dag.svg$"
has "$tmp/dag.svg" '<svg'
has "$tmp/dag.svg" 'forecast'
expect 0 graph -o "$tmp/dag.png" --run "$run_id"
[ "$(head -c 4 "$tmp/dag.png" | tail -c 3)" = PNG ] || fail "dag.png is not a PNG"
rc=0
env PATH=/nonexistent "$HAMILTON" graph forecast -o "$tmp/nodot.svg" >"$tmp/out" 2>"$tmp/err" || rc=$?
[ $rc = 1 ] || { show; fail "graph without dot exited $rc, expected 1"; }
error_is "cannot render svg: Graphviz's dot is not on PATH"
[ -z "$(ls "$tmp" | grep nodot)" ] || fail "graph left a file behind after failing"
expect 2 graph --run soon
error_is 'graph: --run needs a run id'
# A dataflow across modules, drawn with the edges between them.
expect 0 graph revenue -m cm_calc -m cm_base
has "$tmp/out" '^  "cm_base\.price" -> "cm_calc\.revenue";$'
expect 0 graph revenue -m cm_calc -m cm_base -m cm_fix --module-overrides -o "$tmp/cm.dot"
has "$tmp/cm.dot" '^  "cm_fix\.price" -> "cm_calc\.revenue";$'
lacks "$tmp/cm.dot" '"cm_base\.price" -> '
expect 0 graph revenue
lacks "$tmp/out" '"cm_base\.price" -> '

# --- a database whose extension is older than --module (1.0) -----------------
# Without --module every command calls it as before; with --module or
# --module-overrides, the error says it cannot take them.
psql -q -X -d $old -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE EXTENSION hamilton VERSION '1.0';
CREATE SCHEMA old_m;
CREATE FUNCTION old_m.answer() RETURNS int LANGUAGE sql RETURN 42;
SELECT hamilton_register('old_m');
SQL
expect 0 -d $old run answer -q
has "$tmp/out" '^run [0-9]+ succeeded'
expect 0 -d $old explain answer
expect 0 -d $old validate answer
expect 0 -d $old graph answer
has "$tmp/out" 'old_m\.answer'
for c in run explain validate graph; do
    f=hamilton_$c; [ $c = run ] && f=hamilton_execute; [ $c = graph ] && f=hamilton_dot
    for opt in "--module old_m" "--module-overrides"; do
        expect 1 -d $old $c answer $opt
        error_is "this database's pg_hamilton cannot take --module or --module-overrides: its $f has no argument modules$"
        has "$tmp/err" '^hamilton: hint: install pg_hamilton 1\.1 or later and run ALTER EXTENSION hamilton UPDATE'
    done
done
[ "$(psql -X -At -d $old -c 'SELECT count(*) FROM hamilton.runs')" = 1 ] || fail "a refused run was recorded"

echo "hamilton CLI: every command and error case passed (graph used $dot_used)"
