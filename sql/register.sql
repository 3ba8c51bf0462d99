-- Modules: a registered schema's functions are nodes.
CREATE SCHEMA reg;
CREATE FUNCTION reg.base() RETURNS int LANGUAGE sql RETURN 20;
CREATE FUNCTION reg.doubled(base int) RETURNS int LANGUAGE sql RETURN base * 2;
COMMENT ON FUNCTION reg.doubled(int) IS 'Twice the base.';
-- Not nodes: helpers, procedures, aggregates, trigger functions, void functions.
CREATE FUNCTION reg._helper(x int) RETURNS int LANGUAGE sql RETURN x;
CREATE PROCEDURE reg.proc() LANGUAGE sql AS $$ SELECT 1 $$;
CREATE AGGREGATE reg.agg(int) (sfunc = int4pl, stype = int);
CREATE FUNCTION reg.trig() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE FUNCTION reg.nothing() RETURNS void LANGUAGE sql AS $$ SELECT $$;

SELECT hamilton_register('reg');
-- Registering again is harmless.
SELECT hamilton_register('reg');
SELECT module, schema_exists FROM hamilton.modules;
SELECT node, kind, language, type, inputs, doc FROM hamilton.nodes WHERE module = 'reg' ORDER BY node;

SELECT node, kind, relation, rows, status FROM hamilton_execute(ARRAY['doubled']);
TABLE reg.doubled;

-- Replacing a function is seen at the next execution, with no refresh.
CREATE OR REPLACE FUNCTION reg.doubled(base int) RETURNS int LANGUAGE sql RETURN base * 3;
SELECT node, rows, status FROM hamilton_execute(ARRAY['doubled']);
TABLE reg.doubled;

-- So is a new function, and a dropped one.
CREATE FUNCTION reg.tripled(doubled int) RETURNS int LANGUAGE sql RETURN doubled * 3;
SELECT node, inputs FROM hamilton.nodes WHERE module = 'reg' ORDER BY node;
DROP FUNCTION reg.tripled(int);
SELECT node FROM hamilton.nodes WHERE module = 'reg' ORDER BY node;

-- Overloaded names are refused at registration, and nothing is stored.
CREATE SCHEMA overloaded;
CREATE FUNCTION overloaded.total(x int) RETURNS int LANGUAGE sql RETURN x;
CREATE FUNCTION overloaded.total(x text) RETURNS int LANGUAGE sql RETURN 1;
SELECT hamilton_register('overloaded');
SELECT count(*) FROM hamilton.modules WHERE module = 'overloaded';

-- An overload created after registration stops the nodes that need it.
CREATE FUNCTION reg.base(x int) RETURNS int LANGUAGE sql RETURN x;
SELECT * FROM hamilton_execute(ARRAY['doubled']);
DROP FUNCTION reg.base(int);

-- A function with an unnamed parameter is registered with a warning.
CREATE SCHEMA unnamed;
CREATE FUNCTION unnamed.f(int) RETURNS int LANGUAGE sql RETURN $1;
SELECT hamilton_register('unnamed');
SELECT problem, node, message FROM hamilton_validate(ARRAY['unnamed.f']);

-- Schemas that cannot be modules.
SELECT hamilton_register('pg_catalog');
SELECT hamilton_register('hamilton');
SELECT hamilton_register('no_such_schema');

-- Unregistering forgets the functions; unregistering twice is an error.
SELECT hamilton_unregister('unnamed');
SELECT hamilton_unregister('unnamed');
SELECT count(*) FROM hamilton.nodes WHERE module = 'unnamed';

DROP SCHEMA overloaded CASCADE;
DROP SCHEMA unnamed CASCADE;

-- Dropping a module's schema forgets the module: a new schema of that name,
-- created by anyone, is not a module and inherits nothing.
CREATE SCHEMA shortlived;
CREATE FUNCTION shortlived.x() RETURNS int LANGUAGE sql RETURN 1;
SELECT hamilton_register('shortlived');
SELECT hamilton_define('shortlived.y', 'SELECT x FROM x');
SELECT hamilton_tag('shortlived.x', '{"a": "b"}');
DROP SCHEMA shortlived CASCADE;
CREATE SCHEMA shortlived;
CREATE FUNCTION shortlived.x() RETURNS int LANGUAGE sql RETURN 2;
SELECT count(*) AS modules FROM hamilton.modules WHERE module = 'shortlived';
SELECT count(*) AS nodes FROM hamilton.nodes WHERE module = 'shortlived';
SELECT count(*) AS tags FROM hamilton.tags WHERE module = 'shortlived';
DROP SCHEMA shortlived CASCADE;

-- Renaming a module's schema is followed: its module, SQL nodes and tags move.
CREATE SCHEMA before_rename;
CREATE FUNCTION before_rename.x() RETURNS int LANGUAGE sql RETURN 1;
SELECT hamilton_register('before_rename');
SELECT hamilton_define('before_rename.y', 'SELECT x + 1 AS y FROM x');
SELECT hamilton_tag('before_rename.y', '{"kept": "yes"}');
ALTER SCHEMA before_rename RENAME TO after_rename;
SELECT module FROM hamilton.modules WHERE module IN ('before_rename', 'after_rename');
SELECT node, tags FROM hamilton.nodes WHERE module = 'after_rename' ORDER BY node;
SELECT node, status FROM hamilton_execute(ARRAY['after_rename.y']);
SELECT relation, node FROM hamilton.lineage WHERE module = 'after_rename';
DROP SCHEMA after_rename CASCADE;

-- Clean up.
SELECT drop_module('reg');
