-- (chain3) A batched SQL function whose SQL-standard body the planner
-- would inline is planned from its pg_proc row, read once per run with
-- the others (exec/scalar_fast.c); everything else takes the planner's
-- path.  Both give what a statement per node gives: the results, errors,
-- privileges, STRICT, SECURITY DEFINER and SET clauses below are the same
-- batched and unbatched (hamilton.batch_scalars = off).
SELECT setval('hamilton.run_id_seq', 108400) > 0 AS ok;
-- A run reads the rows in one pass when it has 64 such functions or more:
-- cfa_pad(s) gives schema s a chain pad_1 .. pad_70 (each 0) that the
-- outputs below also take.
CREATE FUNCTION cfa_pad(s text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE FUNCTION %I.pad_1() RETURNS int LANGUAGE sql RETURN 0', s);
    FOR i IN 2..70 LOOP
        EXECUTE format('CREATE FUNCTION %I.pad_%s(pad_%s int) RETURNS int LANGUAGE sql RETURN pad_%s * 2',
                       s, i, i - 1, i - 1);
    END LOOP;
END $$;
CREATE SCHEMA cfa;
SELECT cfa_pad('cfa');
CREATE FUNCTION cfa.a() RETURNS int LANGUAGE sql IMMUTABLE RETURN 2;
-- inlined: an argument used more than once, a CASE, a coalesce
CREATE FUNCTION cfa.b(a int) RETURNS int LANGUAGE sql IMMUTABLE RETURN a * a + a;
CREATE FUNCTION cfa.c(b int) RETURNS bigint LANGUAGE sql
    RETURN CASE WHEN b > 5 THEN b::bigint * 10 ELSE coalesce(b, 0) END;
-- the planner's path: STRICT, a mutable body declared IMMUTABLE, SET, a
-- result coerced, SECURITY DEFINER
CREATE FUNCTION cfa.d(c bigint) RETURNS int LANGUAGE sql STRICT RETURN (c + 1)::int;
CREATE FUNCTION cfa.e(d int) RETURNS int LANGUAGE sql IMMUTABLE
    RETURN d + length(current_setting('cfa.tag'));
CREATE FUNCTION cfa.f(e int) RETURNS int LANGUAGE sql STABLE SET work_mem = '7MB'
    RETURN e + pg_size_bytes(current_setting('work_mem'))::int / 1048576;
CREATE FUNCTION cfa.g(f int) RETURNS numeric LANGUAGE sql RETURN f;
CREATE FUNCTION cfa.h(g numeric) RETURNS int LANGUAGE sql SECURITY DEFINER
    RETURN g::int + (current_user = 'cfa_owner')::int * 1000;
-- (the output is written to a table by a statement: the others are batched)
CREATE FUNCTION cfa.i(h int, pad_70 int) RETURNS int LANGUAGE sql RETURN h + pad_70;
SELECT hamilton_register('cfa');
SET cfa.tag = 'xyz';
CREATE ROLE cfa_owner;
ALTER FUNCTION cfa.h(numeric) OWNER TO cfa_owner;
SELECT node, status FROM hamilton_execute(ARRAY['cfa.i']) WHERE node NOT LIKE 'cfa.pad%' ORDER BY node;
SELECT * FROM cfa.i;
SET hamilton.batch_scalars = off;
SELECT count(*) FROM hamilton_execute(ARRAY['cfa.i']);
SELECT * FROM cfa.i;
RESET hamilton.batch_scalars;

-- STRICT with a NULL input: NULL, not called; a non-strict body is called.
CREATE SCHEMA cfn;
SELECT cfa_pad('cfn');
CREATE FUNCTION cfn.na() RETURNS int LANGUAGE sql RETURN NULL::int;
CREATE FUNCTION cfn.strict_one(na int) RETURNS int LANGUAGE sql STRICT RETURN coalesce(na, 0) + 1;
CREATE FUNCTION cfn.lax_one(na int) RETURNS int LANGUAGE sql RETURN coalesce(na, 0) + 1;
CREATE FUNCTION cfn.both(strict_one int, lax_one int, pad_70 int) RETURNS int LANGUAGE sql
    RETURN coalesce(strict_one, -1) * 10 + lax_one + pad_70;
SELECT hamilton_register('cfn');
SELECT count(*) FROM hamilton_execute(ARRAY['cfn.both']);
SELECT "both" FROM cfn.both;

-- An error in the middle of the chain names its node, at run time and
-- when the body is simplified (a constant divided by zero).
CREATE SCHEMA cfe;
SELECT cfa_pad('cfe');
CREATE FUNCTION cfe.a() RETURNS int LANGUAGE sql RETURN 1;
CREATE FUNCTION cfe.b(a int) RETURNS int LANGUAGE sql RETURN a + 1;
CREATE FUNCTION cfe.c(b int) RETURNS int LANGUAGE sql RETURN b / (b - 2);
CREATE FUNCTION cfe.d(c int, pad_70 int) RETURNS int LANGUAGE sql RETURN c + pad_70;
SELECT hamilton_register('cfe');
\set VERBOSITY default
SELECT count(*) FROM hamilton_execute(ARRAY['cfe.d']);
CREATE OR REPLACE FUNCTION cfe.c(b int) RETURNS int LANGUAGE sql RETURN 1 / 0;
SELECT count(*) FROM hamilton_execute(ARRAY['cfe.d']);
SELECT node, status FROM hamilton.node_runs
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) AND node NOT LIKE 'cfe.pad%' ORDER BY node;

-- EXECUTE revoked is refused as a statement refuses it; granted to a role
-- the user is a member of, it is allowed; revoked again in the same
-- session, refused at the next call.
CREATE SCHEMA cfp;
SELECT cfa_pad('cfp');
CREATE FUNCTION cfp.a() RETURNS int LANGUAGE sql RETURN 1;
CREATE FUNCTION cfp.b(a int) RETURNS int LANGUAGE sql RETURN a + 1;
CREATE FUNCTION cfp.c(b int, pad_70 int) RETURNS int LANGUAGE sql RETURN b + pad_70;
SELECT hamilton_register('cfp');
CREATE ROLE cfa_user;
CREATE ROLE cfa_group;
GRANT cfa_group TO cfa_user;
GRANT USAGE, CREATE ON SCHEMA cfp TO cfa_user;
REVOKE EXECUTE ON FUNCTION cfp.b(int) FROM PUBLIC;
CREATE FUNCTION cfa_try() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hamilton_execute(ARRAY['cfp.c']);
    RETURN 'ran: ' || (SELECT c FROM cfp.c);
EXCEPTION WHEN insufficient_privilege THEN
    RETURN SQLERRM;
END $$;
SET ROLE cfa_user;
SELECT cfa_try() AS revoked;
RESET ROLE;
GRANT EXECUTE ON FUNCTION cfp.b(int) TO cfa_group;
SET ROLE cfa_user;
SELECT cfa_try() AS granted_to_its_group;
RESET ROLE;
REVOKE EXECUTE ON FUNCTION cfp.b(int) FROM cfa_group;
SET ROLE cfa_user;
SELECT cfa_try() AS revoked_again;
RESET ROLE;

-- A function replaced between two runs in one session is seen at the next
-- call, with its new fingerprint; made STRICT, it is no longer called with
-- a NULL input.
GRANT EXECUTE ON FUNCTION cfp.b(int) TO cfa_group;
SET ROLE cfa_user;
SELECT cfa_try() AS before_replaced;
RESET ROLE;
SELECT fingerprint AS before FROM hamilton.node_runs
WHERE run_id = (SELECT max(run_id) FROM hamilton.runs) AND node = 'cfp.b' \gset
CREATE OR REPLACE FUNCTION cfp.b(a int) RETURNS int LANGUAGE sql RETURN a + 100;
SET ROLE cfa_user;
SELECT cfa_try() AS replaced;
RESET ROLE;
SELECT r.fingerprint <> :'before' AS changed, r.fingerprint = n.fingerprint AS as_the_nodes_view
FROM hamilton.node_runs r, hamilton.nodes n
WHERE r.run_id = (SELECT max(run_id) FROM hamilton.runs) AND r.node = 'cfp.b' AND n.node = 'cfp.b';
CREATE OR REPLACE FUNCTION cfp.b(a int) RETURNS int LANGUAGE sql STRICT RETURN coalesce(a, 0) + 100;
CREATE OR REPLACE FUNCTION cfp.a() RETURNS int LANGUAGE sql RETURN NULL::int;
SET ROLE cfa_user;
SELECT cfa_try() IS NULL AS strict_now;
RESET ROLE;

DROP FUNCTION cfa_try();
DROP FUNCTION cfa_pad(text);
SET client_min_messages = warning;
DROP SCHEMA cfa, cfn, cfe, cfp CASCADE;
RESET client_min_messages;
DROP OWNED BY cfa_owner;
DROP OWNED BY cfa_user;
DROP ROLE cfa_owner;
DROP ROLE cfa_user;
DROP ROLE cfa_group;
