-- Lineage: for each materialized table, the run and node that made it, the
-- code fingerprint, the inputs, the upstream results and their runs, and
-- the source tables read.
CREATE SCHEMA li;
CREATE TABLE li.sales (region text, amount numeric);
CREATE TABLE li.regions (region text, manager text);
INSERT INTO li.sales VALUES ('n', 10), ('s', 20), ('n', 5);
INSERT INTO li.regions VALUES ('n', 'ann'), ('s', 'sam');
CREATE FUNCTION li.bonus_rate(pct int) RETURNS numeric LANGUAGE sql RETURN pct / 100.0;
SELECT hamilton_register('li');
SELECT hamilton_define('li.by_region', 'SELECT region, sum(amount) AS amount FROM li.sales GROUP BY region');
SELECT hamilton_define('li.enriched', 'SELECT b.region, b.amount, r.manager FROM by_region b JOIN li.regions r USING (region)');
SELECT hamilton_define('li.bonus', 'SELECT manager, round(amount * bonus_rate, 2) AS bonus FROM enriched, bonus_rate');

SELECT node, status FROM hamilton_execute(ARRAY['bonus', 'by_region'], inputs => '{"pct": 10}');
SELECT relation, node, module, run_status, inputs, sources,
       upstream = jsonb_build_array(jsonb_build_object('node', 'li.by_region', 'relation', 'li.by_region', 'run_id', run_id)) AS upstream_is_by_region_of_same_run
FROM hamilton.lineage WHERE module = 'li' ORDER BY relation::text;
-- The fingerprint is the node's code: it changes when the code does.
CREATE TEMP TABLE fp AS SELECT fingerprint FROM hamilton.lineage WHERE node = 'li.bonus';
SELECT hamilton_define('li.bonus', 'SELECT manager, round(amount * bonus_rate, 1) AS bonus FROM enriched, bonus_rate');
SELECT node, status FROM hamilton_execute(ARRAY['bonus'], inputs => '{"pct": 20}');
SELECT l.fingerprint <> fp.fingerprint AS fingerprint_changed, l.inputs,
       l.fingerprint = n.fingerprint AS matches_current_code
FROM hamilton.lineage l, fp, hamilton.nodes n WHERE l.node = 'li.bonus' AND n.node = 'li.bonus';
-- by_region was not requested this time: it was computed inline and its
-- earlier result (and its lineage) is untouched.
SELECT l.run_id < (SELECT max(run_id) FROM hamilton.runs) AS by_region_from_earlier_run
FROM hamilton.lineage l WHERE l.node = 'li.by_region';
TABLE li.bonus;
-- Lineage joins with the run history.
SELECT r.status, r.outputs, r.inputs
FROM hamilton.lineage l JOIN hamilton.runs r USING (run_id) WHERE l.node = 'li.bonus';

-- A fingerprint does not depend on the search_path it was computed under.
CREATE TYPE li.pair AS (a int, b int);
CREATE FUNCTION li.pairs() RETURNS SETOF li.pair LANGUAGE sql BEGIN ATOMIC SELECT 1, 2; END;
SET search_path = public;
SELECT node, status FROM hamilton_execute(ARRAY['li.pairs']);
SET search_path = li, public;
SELECT l.fingerprint = n.fingerprint AS same_fingerprint
FROM hamilton.lineage l JOIN hamilton.nodes n USING (node) WHERE node = 'li.pairs';
RESET search_path;

-- Clean up.
SELECT drop_module('li');
