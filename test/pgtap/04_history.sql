-- A failed run is visible in the history even though the caller's
-- transaction aborts; a node outside the closure is never touched.
BEGIN;
SELECT plan(9);

CREATE SCHEMA tap_hist;
CREATE SEQUENCE tap_hist.calls;
CREATE FUNCTION tap_hist.counted() RETURNS bigint LANGUAGE sql RETURN nextval('tap_hist.calls');
CREATE FUNCTION tap_hist.not_needed(counted bigint) RETURNS bigint LANGUAGE sql RETURN counted;
CREATE FUNCTION tap_hist.fragile(limit_value int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    IF limit_value < 0 THEN RAISE EXCEPTION 'limit_value must not be negative' USING ERRCODE = '22003'; END IF;
    RETURN limit_value;
END $$;
CREATE FUNCTION tap_hist.result(fragile int) RETURNS int LANGUAGE sql RETURN fragile + 1;
SELECT hamilton_register('tap_hist');

SELECT lives_ok($$SELECT * FROM hamilton_execute(ARRAY['tap_hist.result'], inputs => '{"limit_value": 1}')$$,
    'a run that works');
SELECT is((SELECT last_value FROM tap_hist.calls), 1::bigint, 'nodes outside the closure never ran');
SELECT is((SELECT result FROM tap_hist.result), 2, 'the result is there');

SELECT throws_ok($$SELECT * FROM hamilton_execute(ARRAY['tap_hist.result'], inputs => '{"limit_value": -1}')$$,
    '22003', NULL, 'a node raises');
SELECT is((SELECT result FROM tap_hist.result), 2, 'the earlier result survives the failure');
SELECT results_eq(
    $$SELECT status, failed_node, error FROM hamilton.runs ORDER BY run_id DESC LIMIT 1$$,
    $$VALUES ('failed', 'tap_hist.fragile', 'limit_value must not be negative')$$,
    'the failed run is in the history, written by the recorder in its own transaction');
SELECT results_eq(
    $$SELECT node, status FROM hamilton.node_runs
      WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) ORDER BY step$$,
    $$VALUES ('limit_value', 'input'), ('tap_hist.fragile', 'failed'), ('tap_hist.result', 'not run')$$,
    'each step of the failed run has its status');
SELECT is((SELECT count(*)::int FROM hamilton.runs r WHERE r.status = 'failed' AND r.failed_node = 'tap_hist.fragile'
           AND r.finished_at >= r.started_at), 1, 'the failed run has its timestamps');
SELECT lives_ok($$SELECT * FROM hamilton_execute(ARRAY['tap_hist.not_needed'])$$,
    'a node is run when it is needed');

SELECT * FROM finish();
ROLLBACK;
