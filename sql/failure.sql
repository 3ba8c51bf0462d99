-- A node that raises: the error names the node and its module, keeps its
-- SQLSTATE, no earlier result is damaged, and the failed run stays in history.
-- Run ids appear in messages: make them predictable.
SELECT setval('hamilton.run_id_seq', 5000) > 0 AS ok;
CREATE SCHEMA fa;
CREATE TABLE fa.input_rows (x int);
INSERT INTO fa.input_rows VALUES (1), (2);
CREATE FUNCTION fa.divisor(d int) RETURNS int LANGUAGE sql RETURN d;
SELECT hamilton_register('fa');
SELECT hamilton_define('fa.ratios', 'SELECT x, x / divisor AS ratio FROM fa.input_rows, divisor');
SELECT hamilton_define('fa.final', 'SELECT count(*) AS n, sum(ratio) AS total FROM ratios');

SELECT node, rows, status FROM hamilton_execute(ARRAY['final', 'ratios'], inputs => '{"d": 1}');
TABLE fa.final;

-- Division by zero inside fa.ratios.
SELECT * FROM hamilton_execute(ARRAY['final', 'ratios'], inputs => '{"d": 0}');
-- Earlier results are intact.
TABLE fa.final;
SELECT * FROM fa.ratios ORDER BY x;
-- The failed run is in the history, with its error and where it stopped.
SELECT status, outputs, inputs, failed_node, error FROM hamilton.runs ORDER BY run_id DESC LIMIT 1;
SELECT step, node, status, error FROM hamilton.node_runs
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) ORDER BY step;

-- An error raised by a plpgsql node keeps its SQLSTATE, detail and hint.
CREATE FUNCTION fa.checked(divisor int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    IF divisor > 5 THEN
        RAISE EXCEPTION 'divisor % is too large', divisor
            USING ERRCODE = 'numeric_value_out_of_range', DETAIL = 'At most 5.', HINT = 'Pick a smaller d.';
    END IF;
    RETURN divisor;
END $$;
SELECT * FROM hamilton_execute(ARRAY['checked'], inputs => '{"d": 9}');
SELECT failed_node, error FROM hamilton.runs ORDER BY run_id DESC LIMIT 1;

-- A Python exception names the node too.
CREATE FUNCTION fa.pythonic(divisor int) RETURNS int LANGUAGE plpython3u AS $$
raise ValueError("no good: %d" % divisor)
$$;
SELECT * FROM hamilton_execute(ARRAY['pythonic'], inputs => '{"d": 2}');

-- statement_timeout cancels a long node, and the run is recorded as failed.
CREATE FUNCTION fa.slow(divisor int) RETURNS int LANGUAGE sql AS $$ SELECT pg_sleep(30)::text::int + divisor $$;
SET statement_timeout = '300ms';
SELECT * FROM hamilton_execute(ARRAY['slow'], inputs => '{"d": 1}');
RESET statement_timeout;
SELECT failed_node, error FROM hamilton.runs ORDER BY run_id DESC LIMIT 1;

-- A failure inside an explicit transaction is still recorded.
BEGIN;
SELECT * FROM hamilton_execute(ARRAY['final'], inputs => '{"d": 0}');
ROLLBACK;
SELECT status, failed_node FROM hamilton.runs ORDER BY run_id DESC LIMIT 1;

-- After fixing the input, the next run succeeds.
SELECT node, status FROM hamilton_execute(ARRAY['final'], inputs => '{"d": 2}');
TABLE fa.final;

-- A transaction that ran a dataflow cannot be prepared (two-phase commit):
-- its end would come in no session, and the history could not record it.
-- The prepare fails, the transaction rolls back, and the history says so.
BEGIN;
SELECT node, status FROM hamilton_execute(ARRAY['final'], inputs => '{"d": 5}');
PREPARE TRANSACTION 'hamilton_prepared';
ROLLBACK PREPARED 'hamilton_prepared';
SELECT status, outputs FROM hamilton.runs ORDER BY run_id DESC LIMIT 1;
SELECT count(*) AS prepared FROM pg_prepared_xacts WHERE gid = 'hamilton_prepared';
TABLE fa.final;

-- Clean up.
SELECT drop_module('fa');
