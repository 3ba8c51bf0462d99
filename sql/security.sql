-- Node SQL runs with the caller's privileges; only a node's owner (or a
-- superuser) can redefine, drop or tag it; the catalog is written only
-- through the API.
-- Run ids appear in messages: make them predictable.
SELECT setval('hamilton.run_id_seq', 6000) > 0 AS ok;
CREATE ROLE regress_hamilton_alice;
CREATE ROLE regress_hamilton_bob;
CREATE SCHEMA sec AUTHORIZATION regress_hamilton_alice;
CREATE TABLE public.sec_secret (x int);
INSERT INTO public.sec_secret VALUES (42);

SET ROLE regress_hamilton_alice;
CREATE FUNCTION sec.base() RETURNS int LANGUAGE sql RETURN 1;
SELECT hamilton_register('sec');
SELECT hamilton_define('sec.peek', 'SELECT x FROM public.sec_secret');
SELECT hamilton_define('sec.plus', 'SELECT base + 1 AS v FROM base');
-- alice may not read the secret table, so neither may her node.
SELECT * FROM hamilton_execute(ARRAY['peek']);
SELECT node, status FROM hamilton_execute(ARRAY['plus']);
-- A node cannot write the catalog behind the API's back.
CREATE FUNCTION sec.sneaky() RETURNS int LANGUAGE plpgsql AS $$
BEGIN INSERT INTO hamilton.node_tag VALUES ('sec', 'base', 'hacked', 'yes'); RETURN 1; END $$;
SELECT * FROM hamilton_execute(ARRAY['sneaky']);
INSERT INTO hamilton.sql_node (schema_name, node_name, definition, owner) VALUES ('sec', 'x', 'SELECT 1', 'regress_hamilton_alice'::regrole);
-- Everyone can read the catalog views.
SELECT node FROM hamilton.nodes WHERE module = 'sec' ORDER BY node;
RESET ROLE;

SET ROLE regress_hamilton_bob;
-- bob owns nothing here.
SELECT hamilton_register('sec');
SELECT hamilton_unregister('sec');
SELECT hamilton_define('sec.mine', 'SELECT 1 AS one');
SELECT hamilton_define('sec.plus', 'SELECT 2 AS v');
SELECT hamilton_drop('sec.plus');
SELECT hamilton_tag('sec.plus', '{"owner": "bob"}');
SELECT hamilton_tag('sec.base', '{"owner": "bob"}');
-- A bare name means one of bob's own nodes (or a trusted role's): alice's
-- must be named with its module.
SELECT * FROM hamilton_execute(ARRAY['plus']);
-- Running alice's dataflow takes the privileges the SQL needs.
SELECT * FROM hamilton_execute(ARRAY['sec.plus']);
RESET ROLE;

-- Once granted, bob still cannot change it; nor does his run write into
-- alice's result table, where alice's code (a trigger, a constraint) would
-- run with bob's rights.
GRANT USAGE, CREATE ON SCHEMA sec TO regress_hamilton_bob;
GRANT SELECT, TRUNCATE, INSERT ON sec.plus TO regress_hamilton_bob;
SET ROLE regress_hamilton_bob;
SELECT node, status FROM hamilton_execute(ARRAY['sec.plus']);
-- bob sees his own runs, not alice's (inputs and errors can quote data).
SELECT DISTINCT run_by FROM hamilton.runs WHERE 'sec.plus' = ANY (outputs) OR 'plus' = ANY (outputs);
SELECT count(*) > 0 AS sees_lineage_of_what_he_may_read FROM hamilton.lineage WHERE node = 'sec.plus';
SELECT * FROM hamilton.run;
SELECT hamilton_define('sec.plus', 'SELECT 2 AS v');
RESET ROLE;

-- A member of the owner's role may change the node; so may a superuser.
GRANT regress_hamilton_alice TO regress_hamilton_bob;
SET ROLE regress_hamilton_bob;
SELECT hamilton_tag('sec.plus', '{"reviewed_by": "bob"}');
RESET ROLE;
SELECT hamilton_drop('sec.plus');

-- Nobody can capture a name another role's dataflow reads: an unqualified
-- name resolves to a node of another module only when the reader's owner
-- trusts that node's owner (itself, a role it belongs to, a superuser).
CREATE SCHEMA mallory AUTHORIZATION regress_hamilton_bob;
CREATE TABLE sec.orders AS SELECT 1 AS amount;
ALTER TABLE sec.orders OWNER TO regress_hamilton_alice;
SET ROLE regress_hamilton_alice;
SELECT hamilton_define('sec.order_total', 'SELECT sum(amount) AS total FROM orders');
CREATE FUNCTION sec.with_bonus(order_total regclass, bonus int DEFAULT 0) RETURNS int LANGUAGE sql RETURN bonus;
RESET ROLE;
SET ROLE regress_hamilton_bob;
CREATE FUNCTION mallory.steal() RETURNS int LANGUAGE sql RETURN 666;
SELECT hamilton_register('mallory');
SELECT hamilton_define('mallory.orders', 'SELECT steal() AS amount FROM steal');
CREATE FUNCTION mallory.bonus() RETURNS int LANGUAGE sql RETURN 666;
RESET ROLE;
SET ROLE regress_hamilton_alice;
SELECT node, inputs, sources FROM hamilton.nodes WHERE node IN ('sec.order_total', 'sec.with_bonus') ORDER BY 1;
SELECT node, status FROM hamilton_execute(ARRAY['with_bonus', 'order_total']);
SELECT * FROM sec.order_total, sec.with_bonus;
RESET ROLE;
-- A superuser's dataflow does not pick up an unprivileged role's node either.
CREATE FUNCTION public.super_reads(bonus int DEFAULT 1) RETURNS int LANGUAGE sql RETURN bonus;
CREATE SCHEMA super_flow;
CREATE FUNCTION super_flow.super_reads(bonus int DEFAULT 1) RETURNS int LANGUAGE sql RETURN bonus;
SELECT hamilton_register('super_flow');
SELECT node, status FROM hamilton_execute(ARRAY['super_flow.super_reads']);
TABLE super_flow.super_reads;
DROP FUNCTION public.super_reads(int);
SELECT drop_module('super_flow');
SELECT drop_module('mallory');

-- An operator of the caller's cannot fake an ownership check.
REVOKE regress_hamilton_alice FROM regress_hamilton_bob;
CREATE SCHEMA bobs AUTHORIZATION regress_hamilton_bob;
SET ROLE regress_hamilton_bob;
CREATE FUNCTION bobs.always(name, text) RETURNS bool LANGUAGE sql IMMUTABLE RETURN true;
CREATE OPERATOR bobs.= (LEFTARG = name, RIGHTARG = text, FUNCTION = bobs.always);
SET search_path = bobs, pg_catalog, public;
SELECT hamilton_drop('sec.order_total');
SELECT hamilton_tag('sec.order_total', '{"owned": "by bob"}');
RESET search_path;
RESET ROLE;
SELECT count(*) AS still_there FROM hamilton.nodes WHERE node = 'sec.order_total';
-- A node reading a schema someone cannot use does not break pg_hamilton for them.
CREATE SCHEMA private_data;
CREATE TABLE private_data.t AS SELECT 1 AS x;
SELECT hamilton_define('sec.private_count', 'SELECT count(*) AS n FROM private_data.t');
SET ROLE regress_hamilton_bob;
SELECT count(*) > 0 AS bob_sees_the_nodes FROM hamilton.nodes;
SELECT count(*) AS problems FROM hamilton_validate(ARRAY['sec.with_bonus']);
RESET ROLE;
SELECT drop_module('private_data');
SELECT drop_module('bobs');

-- Clean up.
SELECT drop_module('sec');
DROP TABLE public.sec_secret;
DROP OWNED BY regress_hamilton_alice, regress_hamilton_bob;
DROP ROLE regress_hamilton_bob;
DROP ROLE regress_hamilton_alice;
