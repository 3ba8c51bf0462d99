-- Every variant of a node has one owner, and whatever changes a node (define,
-- drop, tag, check, hamilton_when) takes the rights of every variant's owner,
-- not of whichever variant comes first.
CREATE ROLE regress_hamilton_victim;
CREATE ROLE regress_hamilton_intruder;
CREATE SCHEMA vo AUTHORIZATION regress_hamilton_victim;
GRANT USAGE, CREATE ON SCHEMA vo TO regress_hamilton_intruder;
-- What runs a check's predicate leaves its role here.
CREATE TABLE public.vo_ran (who name);
GRANT INSERT ON public.vo_ran TO PUBLIC;
CREATE FUNCTION public.vo_spy() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.vo_ran VALUES (current_user); RETURN true; END $$;

-- A SQL node: a member of the owner's role adds a variant; the variant is the
-- node owner's, as a redefinition keeps the owner.
SET ROLE regress_hamilton_victim;
SELECT hamilton_define('vo.spend', 'SELECT 1 AS v', config_when => '{"region": "b"}');
RESET ROLE;
GRANT regress_hamilton_victim TO regress_hamilton_intruder;
SET ROLE regress_hamilton_intruder;
SELECT hamilton_define('vo.spend', 'SELECT 2 AS v', config_when => '{"region": "a"}');
RESET ROLE;
REVOKE regress_hamilton_victim FROM regress_hamilton_intruder;
SELECT config_when, owner::regrole AS owner FROM hamilton.sql_node WHERE schema_name = 'vo' ORDER BY config_when::text;
-- Not a member any more: the intruder adds, replaces, tags, checks nothing.
SET ROLE regress_hamilton_intruder;
SELECT hamilton_define('vo.spend', 'SELECT 3 AS v', config_when => '{"region": "c"}');
SELECT hamilton_define('vo.spend', 'SELECT 3 AS v', config_when => '{"region": "a"}');
SELECT hamilton_check('vo.spend', '[{"check": "sql", "predicate": "public.vo_spy()"}]');
SELECT hamilton_drop('vo.spend');
RESET ROLE;
-- The owner's drop removes every variant.
SET ROLE regress_hamilton_victim;
SELECT hamilton_drop('vo.spend');
RESET ROLE;
SELECT count(*) AS variants_left FROM hamilton.sql_node WHERE schema_name = 'vo';

-- Variants of several owners (a catalog written before this rule, or by an
-- older pg_hamilton): every check covers all of them, whichever comes first.
SET ROLE regress_hamilton_victim;
SELECT hamilton_define('vo.spend', 'SELECT 1 AS v', config_when => '{"region": "b"}');
SELECT hamilton_define('vo.spend', 'SELECT 2 AS v', config_when => '{"region": "a"}');
RESET ROLE;
UPDATE hamilton.sql_node SET owner = 'regress_hamilton_intruder'::regrole
WHERE schema_name = 'vo' AND config_when = '{"region": "a"}';
SET ROLE regress_hamilton_intruder;
SELECT hamilton_check('vo.spend', '[{"check": "sql", "predicate": "public.vo_spy()"}]');
SELECT hamilton_tag('vo.spend', '{"owner": "intruder"}');
SELECT hamilton_drop('vo.spend');
RESET ROLE;
SET ROLE regress_hamilton_victim;
SELECT hamilton_tag('vo.spend', '{"owner": "victim"}');
SELECT hamilton_drop('vo.spend');
SELECT hamilton_define('vo.spend', 'SELECT 4 AS v', config_when => '{"region": "c"}');
RESET ROLE;
SELECT config_when, owner::regrole AS owner FROM hamilton.sql_node WHERE schema_name = 'vo' ORDER BY config_when::text;
SELECT count(*) AS checks FROM hamilton.node_check WHERE schema_name = 'vo';
SELECT count(*) AS tags FROM hamilton.node_tag WHERE schema_name = 'vo';
-- A superuser may drop it.
SELECT hamilton_drop('vo.spend');

-- Function variants: the intruder, who may create functions in the module,
-- cannot make one of them a variant of the victim's node.
SET ROLE regress_hamilton_victim;
SELECT hamilton_register('vo');
CREATE FUNCTION vo.cost__us() RETURNS int LANGUAGE sql RETURN 1;
SELECT hamilton_when('vo.cost__us', '{"region": "us"}');
RESET ROLE;
SET ROLE regress_hamilton_intruder;
CREATE FUNCTION vo.cost__aa() RETURNS int LANGUAGE sql RETURN 666;
SELECT hamilton_when('vo.cost__aa', '{"region": "aa"}');
RESET ROLE;
-- A function's owner can change after it was made a variant: the node then
-- has variants of two owners, and neither may tag or check it alone.
SET ROLE regress_hamilton_victim;
DROP FUNCTION vo.cost__aa();
CREATE FUNCTION vo.cost__aa() RETURNS int LANGUAGE sql RETURN 2;
SELECT hamilton_when('vo.cost__aa', '{"region": "aa"}');
RESET ROLE;
ALTER FUNCTION vo.cost__aa() OWNER TO regress_hamilton_intruder;
SET ROLE regress_hamilton_intruder;
SELECT hamilton_check('vo.cost', '[{"check": "sql", "predicate": "public.vo_spy()"}]');
RESET ROLE;
SET ROLE regress_hamilton_victim;
SELECT hamilton_tag('vo.cost', '{"reviewed": "yes"}');
SELECT node, status FROM hamilton_execute(ARRAY['vo.cost'], config => '{"region": "us"}');
RESET ROLE;
SELECT who AS ran_a_check_predicate FROM public.vo_ran;
SELECT count(*) AS checks FROM hamilton.node_check WHERE schema_name = 'vo';

-- Clean up.
SELECT hamilton_when('vo.cost__aa', NULL);
SELECT hamilton_when('vo.cost__us', NULL);
DROP SCHEMA vo CASCADE;
DROP TABLE public.vo_ran;
DROP FUNCTION public.vo_spy();
DROP ROLE regress_hamilton_victim, regress_hamilton_intruder;
