#!/usr/bin/env bash
# The update from 1.0 keeps scheduled dataflows that cross modules running:
# 1.0 resolved names among every module, 1.1 among a run's modules (by
# default its outputs').  In database hamilton_cron (the only one where
# pg_cron can be created), with pg_hamilton 1.0 and the new library:
#   - before the update, the 1.0 catalog still resolves as 1.0 did (runs
#     and graph queries alike);
#   - the update gives each schedule the modules its dataflow used (outputs'
#     modules first), rewrites its pg_cron job's command to pass them, and
#     warns when 1.1 would still reach other nodes;
#   - the job's command then runs the dataflow as before, which without
#     modules => it would not.
# Everything it makes is removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/common.sh

db=hamilton_cron
q() { psql -X -q -At -d $db -v ON_ERROR_STOP=1 "$@"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

if [ "$(q -c "SELECT count(*) FROM pg_extension WHERE extname = 'hamilton'")" != 0 ]; then
    fail "database $db already has pg_hamilton; this test needs to install 1.0 there"
fi
made_cron=$(q -c "SELECT NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron')")
cleanup() {
    psql -X -q -d $db >/dev/null 2>&1 <<'SQL' || true
SET client_min_messages = warning;
SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname LIKE 'hamilton_test_upgrade%';
DROP EXTENSION IF EXISTS hamilton CASCADE;
DROP SCHEMA IF EXISTS us_src, us_use, us_other CASCADE;
SQL
    if [ "${made_cron:-f}" = t ]; then q -c "DROP EXTENSION IF EXISTS pg_cron" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
q -c "CREATE EXTENSION IF NOT EXISTS pg_cron" -c "CREATE EXTENSION hamilton VERSION '1.0'" >/dev/null

# us_use.doubled reads us_src.base; us_use.report reads the table
# us_use.thing, which 1.0 preferred to the node us_src.thing.
q >/dev/null <<'SQL'
CREATE SCHEMA us_src;
CREATE FUNCTION us_src.base() RETURNS int LANGUAGE sql RETURN 20;
SELECT hamilton_register('us_src');
SELECT hamilton_define('us_src.thing', 'SELECT 666 AS t');
CREATE SCHEMA us_use;
CREATE FUNCTION us_use.doubled(base int) RETURNS int LANGUAGE sql RETURN 2 * base;
CREATE TABLE us_use.thing AS SELECT 1 AS t;
SELECT hamilton_register('us_use');
SELECT hamilton_define('us_use.report', 'SELECT t FROM thing');
CREATE SCHEMA us_other;
CREATE FUNCTION us_other.unrelated() RETURNS int LANGUAGE sql RETURN 0;
SELECT hamilton_register('us_other');
SELECT hamilton_schedule('hamilton_test_upgrade', '0 3 * * *', ARRAY['doubled']);
SELECT hamilton_schedule('hamilton_test_upgrade_report', '0 3 * * *', ARRAY['doubled', 'us_use.report']);
SELECT hamilton_schedule('hamilton_test_upgrade_gone', '0 3 * * *', ARRAY['us_other.unrelated']);
DROP FUNCTION us_other.unrelated();
SQL

# Before the update the 1.0 catalog resolves as 1.0 did, with the new library.
[ "$(q -c "SELECT count(*) FROM hamilton_execute(ARRAY['doubled'])")" = 2 ] || fail "the 1.0 catalog no longer runs doubled"
[ "$(q -c "TABLE us_use.doubled")" = 40 ] || fail "doubled holds $(q -c "TABLE us_use.doubled")"
[ "$(q -c "SELECT string_agg(node, ',' ORDER BY node) FROM hamilton_upstream('doubled')")" = "us_src.base" ] \
    || fail "the 1.0 catalog's graph queries no longer see us_src.base upstream of doubled"
old_command=$(q -c "SELECT command FROM cron.job WHERE jobname = 'hamilton_test_upgrade'")
old_gone=$(q -c "SELECT command FROM cron.job WHERE jobname = 'hamilton_test_upgrade_gone'")

out=$(psql -X -q -d $db -v ON_ERROR_STOP=1 -c "ALTER EXTENSION hamilton UPDATE" 2>&1) || fail "the update failed: $out"
grep -q 'WARNING:  schedule "hamilton_test_upgrade_report" of role .* reaches other nodes in 1.1' <<<"$out" \
    || fail "no warning for the schedule that now reaches us_src.thing: $out"
grep -q 'In 1.0 it ran us_src.base, us_use.doubled, us_use.report; with modules => ARRAY\[.us_use., .us_src.\] it runs us_src.base, us_src.thing, us_use.doubled, us_use.report.' <<<"$out" \
    || fail "the warning does not say what changed: $out"
[ "$(grep -c WARNING <<<"$out")" = 1 ] || fail "unexpected warnings: $out"

# Each schedule has the modules its dataflow used; its job passes them.
[ "$(q -c "SELECT job || ' ' || coalesce(modules::text, 'NULL') || ' ' || module_overrides FROM hamilton.schedule ORDER BY job" | tr '\n' ';')" \
  = "hamilton_test_upgrade {us_use,us_src} false;hamilton_test_upgrade_gone NULL false;hamilton_test_upgrade_report {us_use,us_src} false;" ] \
    || fail "schedules after the update: $(q -c "TABLE hamilton.schedule")"
[ "$(q -c "SELECT modules FROM hamilton.schedules WHERE job = 'hamilton_test_upgrade'")" = "{us_use,us_src}" ] \
    || fail "hamilton.schedules does not show the modules"
command=$(q -c "SELECT command FROM cron.job WHERE jobname = 'hamilton_test_upgrade'")
[ "$command" = "${old_command%)}, modules => '{us_use,us_src}'::text[])" ] \
    || fail "the job's command is $command (it was $old_command)"
[ "$(q -c "SELECT command FROM cron.job WHERE jobname = 'hamilton_test_upgrade_gone'")" = "$old_gone" ] \
    || fail "the command of a schedule whose outputs are gone changed"

# The graph queries now show each node as a run of it alone sees it.
[ "$(q -c "SELECT string_agg(node, ',' ORDER BY node) FROM hamilton_upstream('doubled')")" = "base" ] \
    || fail "after the update hamilton_upstream('doubled') is $(q -c "SELECT string_agg(node, ',') FROM hamilton_upstream('doubled')")"

# The job's command runs the dataflow as before; without modules it would not.
q -c "TRUNCATE us_use.doubled" >/dev/null
[ "$(q -c "$command")" = 2 ] || fail "the job's command does not run"
[ "$(q -c "TABLE us_use.doubled")" = 40 ] || fail "after the update doubled holds $(q -c "TABLE us_use.doubled")"
if out=$(q -c "SELECT count(*) FROM hamilton_execute(ARRAY['doubled'])" 2>&1); then
    fail "without modules => the cross-module dataflow still ran"
fi
grep -q 'missing input: base' <<<"$out" || fail "unexpected error: $out"
# A schedule made in 1.1 keeps the modules and module_overrides it is given.
q -c "SELECT hamilton_schedule('hamilton_test_upgrade_new', '0 3 * * *', ARRAY['doubled'],
                               modules => ARRAY['us_use', 'us_src'], module_overrides => true)" >/dev/null
schema=$(q -c "SELECT extnamespace::regnamespace FROM pg_extension WHERE extname = 'hamilton'")
command=$(q -c "SELECT command FROM cron.job WHERE jobname = 'hamilton_test_upgrade_new'")
[ "$command" = "SELECT count(*) FROM $schema.hamilton_execute('{doubled}'::text[], '{}'::jsonb, '{}'::jsonb, '{}'::jsonb, modules => '{us_use,us_src}'::text[], module_overrides => true)" ] \
    || fail "a new schedule's command is $command"
[ "$(q -c "SELECT modules::text || ' ' || module_overrides FROM hamilton.schedules WHERE job = 'hamilton_test_upgrade_new'")" = "{us_use,us_src} true" ] \
    || fail "hamilton.schedules: $(q -c "SELECT * FROM hamilton.schedules WHERE job = 'hamilton_test_upgrade_new'")"
[ "$(q -c "$command")" = 2 ] || fail "the new job's command does not run"
echo "1.0 schedules got the modules their dataflows used; their jobs run them"
