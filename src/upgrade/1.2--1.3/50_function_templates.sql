/*
 * features-a: nodes made from one function.  hamilton_parameterize takes a
 * function template too (Hamilton's @parameterize with value() and
 * source()), and hamilton_does makes a node computed by a shared function
 * with its parameters mapped (@does).
 */
CREATE FUNCTION @extschema@.hamilton_parameterize(function regproc, nodes jsonb)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'hamilton_parameterize_function'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_parameterize(regproc, jsonb) IS
  'one function, many nodes: each key of nodes is a node, the function with the parameters it binds to {"value": v} (a constant) or {"source": "node"} (an edge); returns the nodes defined';

CREATE FUNCTION @extschema@.hamilton_does(node text, function regproc, mapping jsonb DEFAULT '{}')
RETURNS text
AS 'MODULE_PATHNAME', 'hamilton_does'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.hamilton_does(text, regproc, jsonb) IS
  'node computed by function, its parameters mapped to nodes ("tv_spend" or {"source": "tv_spend"}) or constants ({"value": 2}); returns the node';
