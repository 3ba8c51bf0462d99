-- A node may run another dataflow: a plpgsql function node that calls
-- hamilton_execute.  The inner run's temporary tables are made while the
-- outer run's exist, so their names carry the depth of the call (n1, n2,
-- ...); the outermost call's names carry none, as hamilton_explain shows.
SELECT setval('hamilton.run_id_seq', 42000) > 0 AS ok;
CREATE SCHEMA nra;
CREATE TABLE nra.raw (id int, v int);
INSERT INTO nra.raw VALUES (1, 10), (2, 20), (3, 30);
SELECT hamilton_register('nra');
-- base is read twice, so it is a temporary table of the run
SELECT hamilton_define('nra.base', 'SELECT id, v FROM nra.raw');
SELECT hamilton_define('nra.low', 'SELECT id FROM base WHERE v < 15');
SELECT hamilton_define('nra.high', 'SELECT id FROM base WHERE v >= 15');
SELECT hamilton_define('nra.counts', 'SELECT (SELECT count(*) FROM low) AS low, (SELECT count(*) FROM high) AS high');

CREATE SCHEMA nrb;
SELECT hamilton_register('nrb');
-- nrb has a base of its own, a temporary table too when report runs
SELECT hamilton_define('nrb.base', 'SELECT 1 AS k');
SELECT hamilton_define('nrb.one', 'SELECT k FROM base');
CREATE FUNCTION nrb.report(one regclass, base regclass) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    PERFORM count(*) FROM hamilton_execute(ARRAY['nra.counts']);
    RETURN (SELECT low * 10 + high FROM nra.counts);
END $$;
SELECT hamilton_explain(ARRAY['nrb.report']);
SELECT node, status FROM hamilton_execute(ARRAY['nrb.report']);
TABLE nrb.report;
TABLE nra.counts;
-- both runs are in the history
SELECT run_id, status, outputs FROM hamilton.runs WHERE run_id > 42000 ORDER BY run_id;

-- What the inner call plans, seen from inside a node.
CREATE FUNCTION nrb.inner_plan(base regclass) RETURNS text LANGUAGE sql
RETURN hamilton_explain(ARRAY['nra.counts']);
SELECT node, status FROM hamilton_execute(ARRAY['nrb.inner_plan']);
SELECT inner_plan FROM nrb.inner_plan;

-- An inner run that fails and is caught leaves the names as they were.
CREATE FUNCTION nrb.caught(base regclass) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM count(*) FROM hamilton_execute(ARRAY['nra.no_such_node']);
    RETURN 'ran';
EXCEPTION WHEN OTHERS THEN
    RETURN 'caught: ' || SQLERRM;
END $$;
SELECT node, status FROM hamilton_execute(ARRAY['nrb.caught', 'nrb.report']);
TABLE nrb.caught;
SELECT hamilton_explain(ARRAY['nra.counts']);

-- Clean up.
SELECT drop_module('nrb');
SELECT drop_module('nra');
