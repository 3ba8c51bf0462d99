/* ------------------------------------------------------------------------
 * Chains of transforms on one node's value: Hamilton's @pipe_output,
 * @mutate and @pipe_input (define/pipes.c)
 * ------------------------------------------------------------------------ */

CREATE FUNCTION @extschema@.hamilton_pipe_output(node text, steps jsonb)
RETURNS text[]
AS 'MODULE_PATHNAME', 'hamilton_pipe_output'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_pipe_output(text, jsonb) IS
  'transform a SQL node''s output by steps [{"step": s, "sql": "SELECT ... FROM node"}]: its SELECT becomes node_raw, each step node_<step>, and the node reads the last; returns the nodes written';

CREATE FUNCTION @extschema@.hamilton_mutate(node text, step text, sql text)
RETURNS text[]
AS 'MODULE_PATHNAME', 'hamilton_mutate'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_mutate(text, text, text) IS
  'add one step (a SELECT reading the node by its name) at the end of a SQL node''s output chain; returns the nodes written';

CREATE FUNCTION @extschema@.hamilton_pipe_input(node text, input text, steps jsonb)
RETURNS text[]
AS 'MODULE_PATHNAME', 'hamilton_pipe_input'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.hamilton_pipe_input(text, text, jsonb) IS
  'transform what a SQL node reads as input by steps [{"step": s, "sql": "SELECT ... FROM input"}] (nodes node_<input>_<step>); returns the nodes written';
