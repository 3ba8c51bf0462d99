-- What hamilton_define accepts runs: references to upstream nodes are
-- spliced at the spans PostgreSQL's own scanner gives their tokens, and
-- nothing spliced can be swallowed by a comment.  Each definition below is
-- accepted, runs, and gives the right result.
SELECT setval('hamilton.run_id_seq', 40000) > 0 AS ok;
CREATE SCHEMA sp;
CREATE TABLE sp.raw (id int PRIMARY KEY, v int, copy int);
INSERT INTO sp.raw VALUES (1, 10, 100), (2, 20, 200);
SELECT hamilton_register('sp');
SELECT hamilton_define('sp.f', 'SELECT id, v, copy FROM sp.raw', key => ARRAY['id'], extract_columns => true);
SELECT hamilton_define('sp.a', 'SELECT id, v AS x FROM sp.raw');

-- A column expression ending in a -- comment keeps its name, and so does
-- an expression reading it: the comment's own newline ends it.
SELECT hamilton_define('sp.plus_one', 'v + 1 -- one more');
SELECT hamilton_define('sp.twice', 'plus_one * 2');
SELECT definition FROM hamilton.nodes WHERE node = 'sp.plus_one';
SELECT node, status FROM hamilton_execute(ARRAY['plus_one']);
SELECT * FROM sp.plus_one ORDER BY id;
SELECT node, status FROM hamilton_execute(ARRAY['plus_one', 'twice'], into_table => 'sp.both');
TABLE sp.both ORDER BY id;
SELECT hamilton_explain(ARRAY['twice']);
-- A window computed a level down, and a table node reading the column.
SELECT hamilton_define('sp.mean_v', 'avg(v) OVER () -- the mean');
SELECT hamilton_define('sp.centered', 'v - mean_v');
SELECT hamilton_define('sp.centered_rows', 'SELECT id, centered FROM centered ORDER BY id');
SELECT node, status FROM hamilton_execute(ARRAY['centered_rows']);
TABLE sp.centered_rows;

-- The column expression copy + 1 reads the column copy (an unreserved
-- keyword, however much it starts like COPY).
SELECT hamilton_define('sp.copy_plus', 'copy + 1');
SELECT node, kind, inputs FROM hamilton.nodes WHERE node = 'sp.copy_plus';
SELECT node, status FROM hamilton_execute(ARRAY['copy_plus']);
TABLE sp.copy_plus ORDER BY id;

-- FROM ONLY (a): a relation must stand there, so the node is a temporary
-- table, and its alias comes after the parenthesis: a.x still reads it.
SELECT hamilton_define('sp.only_paren', 'SELECT a.x FROM ONLY (a) ORDER BY 1');
SELECT node, status FROM hamilton_execute(ARRAY['only_paren']);
TABLE sp.only_paren;
SELECT hamilton_explain(ARRAY['only_paren']);

-- A comment between FROM and the name, even one ending with the word table.
SELECT hamilton_define('sp.commented', E'SELECT a.x FROM -- the upstream table\na ORDER BY 1');
SELECT node, status FROM hamilton_execute(ARRAY['commented']);
TABLE sp.commented;

-- TABLE with a comment before the name is still TABLE x.
SELECT hamilton_define('sp.tabled', 'TABLE /* c */ a');
SELECT node, status FROM hamilton_execute(ARRAY['tabled']);
SELECT * FROM sp.tabled ORDER BY id;
-- TABLE x whose columns are qualified by x is written as the SELECT it means.
SELECT hamilton_define('sp.tabled_sorted', 'TABLE a ORDER BY a.x DESC');
SELECT node, status FROM hamilton_execute(ARRAY['tabled_sorted']);
TABLE sp.tabled_sorted;
SELECT hamilton_explain(ARRAY['tabled_sorted']);

-- A Unicode identifier with its UESCAPE clause is one name.
SELECT hamilton_define('sp.unicode', $$SELECT x FROM U&"\0061" UESCAPE '\' ORDER BY 1$$);
SELECT hamilton_define('sp.unicode_bang', $$SELECT x FROM U&"!0061" UESCAPE '!' ORDER BY 1$$);
SELECT node, inputs FROM hamilton.nodes WHERE node IN ('sp.unicode', 'sp.unicode_bang') ORDER BY 1;
SELECT node, status FROM hamilton_execute(ARRAY['unicode']);
TABLE sp.unicode;
SELECT hamilton_explain(ARRAY['unicode']);
SELECT node, status FROM hamilton_execute(ARRAY['unicode_bang']);
TABLE sp.unicode_bang;

-- "a *" (a and its children) of a node that is inlined.
SELECT hamilton_define('sp.starred', 'SELECT x FROM a * ORDER BY 1');
SELECT node, status FROM hamilton_execute(ARRAY['starred']);
TABLE sp.starred;

-- m.a.x names the relation m.a, which is inlined, kept in a temporary
-- table or materialized under the alias a: the qualifier is written a.
SELECT hamilton_define('sp.qualified', 'SELECT sp.a.x AS ax, sp.a.* FROM sp.a ORDER BY 1');
SELECT hamilton_define('sp.qualified_bare', 'SELECT sp.a.x FROM a WHERE sp.a.id = 2');
SELECT node, status FROM hamilton_execute(ARRAY['qualified']);
TABLE sp.qualified;
SELECT hamilton_explain(ARRAY['qualified']);
SELECT node, status FROM hamilton_execute(ARRAY['qualified', 'qualified_bare']);
TABLE sp.qualified_bare;
SELECT node, status FROM hamilton_execute(ARRAY['qualified', 'a']);
TABLE sp.qualified;

-- A source and a node of the same name in one FROM (valid SQL, qualified
-- by schema): the node takes a name of its own as alias (a_2), and the
-- references qualified by it follow.
CREATE SCHEMA sp_src;
CREATE TABLE sp_src.a AS SELECT 1 AS id, 5 AS x;
SELECT hamilton_define('sp.same_name', 'SELECT sp_src.a.x AS source_x, sp.a.x FROM sp_src.a, sp.a ORDER BY 2');
SELECT node, status FROM hamilton_execute(ARRAY['same_name']);
TABLE sp.same_name;
SELECT hamilton_explain(ARRAY['same_name']);

-- ONLY x of a scalar cannot be a relation: a problem before anything runs.
CREATE FUNCTION sp.limit_value() RETURNS int LANGUAGE sql RETURN 5;
SELECT hamilton_define('sp.only_scalar', 'SELECT * FROM ONLY limit_value');
SELECT problem, message FROM hamilton_validate(ARRAY['only_scalar']);

-- A frame's columns are read with the settings its SELECT runs with
-- (standard_conforming_strings and backslash_quote on), whatever the
-- session says.  Read with standard_conforming_strings off, this SELECT
-- would yield id, q and r; it yields id, p and w.
SET standard_conforming_strings = off;
SELECT hamilton_define('sp.strings', $$SELECT 1 AS id, '\' AS p, ' AS q, 2 AS r --' AS w$$,
    key => ARRAY['id'], extract_columns => true);
RESET standard_conforming_strings;
SELECT frame_columns FROM hamilton.sql_node WHERE schema_name = 'sp' AND node_name = 'strings';
SELECT node, status FROM hamilton_execute(ARRAY['p', 'w'], into_table => 'sp.strings_pw');
TABLE sp.strings_pw;
-- With backslash_quote off, the scanner refuses E'it\'s'; the frame is read
-- with it on, as it runs.
SET backslash_quote = off;
SELECT hamilton_define('sp.quoted', $$SELECT 1 AS id, E'it\'s' AS said$$,
    key => ARRAY['id'], extract_columns => true);
RESET backslash_quote;
SELECT node, status FROM hamilton_execute(ARRAY['said'], into_table => 'sp.quoted_said');
TABLE sp.quoted_said;

-- Clean up.
SELECT drop_module('sp');
DROP TABLE sp_src.a;
DROP SCHEMA sp_src;
