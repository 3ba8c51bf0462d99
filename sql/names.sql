-- Names bind where the user meant: a run's names resolve among its modules
-- (modules =>, by default the modules of the requested outputs), as
-- Hamilton's driver resolves names only among the modules it was built
-- with.  A module outside them never captures a name and never breaks a run.
SELECT setval('hamilton.run_id_seq', 6100) > 0 AS ok;

-- Module nh: a frame of marketing numbers.
CREATE SCHEMA nh;
CREATE TABLE nh.raw (week int PRIMARY KEY, spend float8, signups float8);
INSERT INTO nh.raw VALUES (1, 10, 1), (2, 10, 10), (3, 20, 50);
SELECT hamilton_register('nh');
SELECT hamilton_define('nh.marketing', 'SELECT week, spend, signups FROM nh.raw',
    key => ARRAY['week'], extract_columns => true);
CREATE FUNCTION nh.cost(spend float8, bonus float8 DEFAULT 0) RETURNS float8
    LANGUAGE sql IMMUTABLE RETURN spend + bonus;
CREATE FUNCTION nh.rate() RETURNS numeric LANGUAGE sql RETURN 2;
SELECT hamilton_define('nh.scaled', 'SELECT rate * 10 AS v FROM rate');

-- Module nh2: a feature over columns it does not define itself.
CREATE SCHEMA nh2;
CREATE FUNCTION nh2.spend_per_signup(spend float8, signups float8) RETURNS float8
    LANGUAGE sql IMMUTABLE RETURN spend / signups;
SELECT hamilton_register('nh2');

-- The issue's first case: nh2.spend_per_signup used to bind its parameters
-- to nh's columns and run on nh's data, silently.  Now nh is not among the
-- run's modules: spend and signups are inputs, and the error says which
-- nodes outside the run compute them, and how to name their module.
SELECT * FROM hamilton_execute(ARRAY['spend_per_signup']);
-- A dataflow that crosses modules names them.
SELECT node, status FROM hamilton_execute(ARRAY['spend_per_signup'], modules => ARRAY['nh2', 'nh']);
TABLE nh2.spend_per_signup ORDER BY week;

-- The issue's second case: registering an unrelated module that also
-- defines spend (and bonus, and rate) used to make spend ambiguous, or to
-- capture a name no node of the run defines.  Outside the run's modules,
-- it changes nothing.
CREATE SCHEMA nx;
CREATE FUNCTION nx.spend() RETURNS float8 LANGUAGE sql RETURN 1000;
CREATE FUNCTION nx.bonus() RETURNS float8 LANGUAGE sql RETURN 666;
CREATE FUNCTION nx.rate() RETURNS numeric LANGUAGE sql RETURN 666;
SELECT hamilton_define('nx.weekly', 'SELECT 666 AS v');
SELECT hamilton_register('nx');
SELECT node, status FROM hamilton_execute(ARRAY['spend_per_signup'], modules => ARRAY['nh2', 'nh']);
TABLE nh2.spend_per_signup ORDER BY week;
-- bonus stays nh.cost's optional input: nx.bonus does not capture it.
SELECT node, status FROM hamilton_execute(ARRAY['nh.cost']);
TABLE nh.cost ORDER BY week;
-- A bare override means the node of the run's modules (nh.rate, not nx.rate).
SELECT node, status FROM hamilton_execute(ARRAY['scaled'], overrides => '{"rate": 3}');
TABLE nh.scaled;
-- An input named like a node of another module is just an input.
SELECT node, status FROM hamilton_execute(ARRAY['nh.cost'], inputs => '{"bonus": 5}');
TABLE nh.cost ORDER BY week;
-- A SQL node and a column expression of nh do not read nx's nodes either.
SELECT hamilton_define('nh.report', 'SELECT v FROM weekly');
SELECT hamilton_define('nh.boosted', 'spend * boost');
SELECT * FROM hamilton_execute(ARRAY['nh.report', 'nh.boosted']);

-- Several nodes of one name among the run's modules: ambiguous, and the
-- hint says what to do about it.
CREATE SCHEMA nh3;
CREATE FUNCTION nh3.doubled(spend float8) RETURNS float8 LANGUAGE sql RETURN 2 * spend;
SELECT hamilton_register('nh3');
SELECT * FROM hamilton_execute(ARRAY['doubled'], modules => ARRAY['nh3', 'nh', 'nx']);
-- So are a relation a SQL node reads and a column an expression reads.
SELECT hamilton_define('nh.weekly', 'SELECT 1 AS v');
SELECT hamilton_define('nh3.total', 'SELECT v FROM weekly');
SELECT hamilton_define('nh3.twice', 'spend * 2');
SELECT problem, node, message, hint FROM hamilton_validate(ARRAY['nh3.total', 'nh3.twice'], modules => ARRAY['nh3', 'nh', 'nx']);
-- A bare output must be unique among the run's modules; one outside them
-- is not found, and the error says where it is.
SELECT * FROM hamilton_execute(ARRAY['spend'], modules => ARRAY['nh', 'nx']);
SELECT * FROM hamilton_execute(ARRAY['rate'], modules => ARRAY['nh2']);
-- A qualified output outside the run's modules is refused.
SELECT * FROM hamilton_execute(ARRAY['nh.rate'], modules => ARRAY['nh2']);
-- modules => itself: unknown, listed twice, empty, improper, NULL.
SELECT * FROM hamilton_execute(ARRAY['nh.rate'], modules => ARRAY['nh', 'no_such_module', 'nh']);
SELECT * FROM hamilton_execute(ARRAY['nh.rate'], modules => ARRAY[]::text[]);
SELECT * FROM hamilton_execute(ARRAY['nh.rate'], modules => ARRAY['nh.rate']);
SELECT * FROM hamilton_execute(ARRAY['nh.rate'], modules => ARRAY['nh', NULL]);
-- hamilton_validate lists the same problems as rows.
SELECT problem, node, message FROM hamilton_validate(ARRAY['doubled', 'spend'], modules => ARRAY['nh3', 'nh', 'nx', 'nope']);
SELECT count(*) AS problems FROM hamilton_validate(ARRAY['spend_per_signup'], modules => ARRAY['nh2', 'nh']);

-- Hamilton's allow_module_overrides: module_overrides => true makes the node
-- of the later module in modules win, and the plan says so.
CREATE SCHEMA nh_fix;
CREATE FUNCTION nh_fix.spend(signups float8) RETURNS float8 LANGUAGE sql IMMUTABLE RETURN signups * 2;
SELECT hamilton_register('nh_fix');
-- Without it, a node of the consumer's own module wins.
SELECT node, status FROM hamilton_execute(ARRAY['nh.cost'], modules => ARRAY['nh', 'nh_fix']);
TABLE nh.cost ORDER BY week;
SELECT hamilton_explain(ARRAY['nh.cost'], modules => ARRAY['nh', 'nh_fix'], module_overrides => true);
SELECT node, status FROM hamilton_execute(ARRAY['nh.cost'], modules => ARRAY['nh', 'nh_fix'], module_overrides => true);
TABLE nh.cost ORDER BY week;
-- The later module wins: in this order, nh's own spend.
SELECT node, status FROM hamilton_execute(ARRAY['nh.cost'], modules => ARRAY['nh_fix', 'nh'], module_overrides => true);
TABLE nh.cost ORDER BY week;
-- Of two modules' nodes, the later one wins where they were ambiguous.
SELECT node, status FROM hamilton_execute(ARRAY['doubled'], modules => ARRAY['nh3', 'nx', 'nh'], module_overrides => true);
TABLE nh3.doubled ORDER BY week;
-- A bare output too.
SELECT count(*) AS problems FROM hamilton_validate(ARRAY['rate'], modules => ARRAY['nh', 'nx'], module_overrides => true);

-- The views and graph queries take no modules: each node's names are
-- shown as a run of that node alone resolves them (its own module).
SELECT upstream, downstream, via FROM hamilton.edges WHERE downstream LIKE 'nh2.%' ORDER BY 1, 2;
SELECT node, kind, inputs FROM hamilton.nodes WHERE node IN ('nh2.spend_per_signup', 'spend') ORDER BY 1;
SELECT * FROM hamilton_upstream('nh.cost');
SELECT * FROM hamilton_downstream('nh.spend');
-- Each run records the modules its names resolved among, and whether later ones overrode.
SELECT outputs, modules, module_overrides FROM hamilton.runs ORDER BY run_id DESC LIMIT 3;
SELECT count(*) FROM hamilton_execute(ARRAY['nh.cost']);
SELECT outputs, modules, module_overrides FROM hamilton.runs ORDER BY run_id DESC LIMIT 1;

-- hamilton_dot draws an execution path as the run resolves it.
SELECT hamilton_dot(ARRAY['spend_per_signup'], modules => ARRAY['nh2', 'nh']) LIKE '%"nh.spend" -> "nh2.spend_per_signup"%' AS cross_module_edge;
SELECT hamilton_dot(ARRAY['spend_per_signup']) LIKE '%"nh.spend" -> "nh2.spend_per_signup"%' AS edge_without_modules;
SELECT hamilton_dot(modules => ARRAY['nh2']) LIKE '%modules nh2%' AS titled;
SELECT hamilton_dot(ARRAY['nh.rate'], modules => ARRAY['nh2']);

-- A schedule is validated with its modules (pg_cron is not needed to see it).
SELECT hamilton_schedule('names_job', '0 3 * * *', ARRAY['spend_per_signup'], modules => ARRAY['nh2', 'nope']);

-- Clean up.
SELECT drop_module('nh_fix');
SELECT drop_module('nh3');
SELECT drop_module('nx');
SELECT drop_module('nh2');
SELECT drop_module('nh');
