/*
 * Pictures: Graphviz DOT of the DAG, of one execution path, or of a run.
 *
 * Everything here runs with the caller's privileges (SECURITY INVOKER): a
 * picture shows only the nodes and runs the caller may see.
 */

-- Text for a DOT quoted string: backslashes and quotes escaped, control
-- characters (which DOT would keep or reject) turned into spaces.
CREATE FUNCTION hamilton.dot_escape(s text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT replace(replace(regexp_replace(s, '[[:cntrl:]]', ' ', 'g'), E'\\', E'\\\\'), '"', E'\\"')
$$;

-- A DOT quoted string of escaped text.  DOT reads \" as a quote even after
-- an escaped backslash, so the string never ends with one.
CREATE FUNCTION hamilton.dot_enquote(escaped text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT '"' || escaped || CASE WHEN right(escaped, 1) = E'\\' THEN ' ' ELSE '' END || '"'
$$;

CREATE FUNCTION hamilton.dot_quote(s text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$ SELECT hamilton.dot_enquote(hamilton.dot_escape(s)) $$;

-- A DOT label of several lines (each escaped, joined by \n).
CREATE FUNCTION hamilton.dot_label(lines text[])
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT hamilton.dot_enquote(string_agg(hamilton.dot_escape(l.line), E'\\n' ORDER BY l.i))
    FROM unnest(lines) WITH ORDINALITY AS l(line, i)
    WHERE l.line IS NOT NULL
$$;

/*
 * dot_node is one node's statement: its shape says its kind, a dashed
 * outline an input, a thick outline a requested output; with a run, the
 * fill says how the step ended (failed in red).
 */
CREATE FUNCTION hamilton.dot_node(
    node text, kind text, language text, type text, tags jsonb, defined boolean,
    is_output boolean, with_run boolean, in_run boolean,
    status text, rows bigint, ms double precision, error text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lines text[] := ARRAY[node];
    what text;
    shape text;
    styles text[] := '{}';
    attrs text[] := '{}';
    fill text;
    line text;
BEGIN
    what := CASE
        WHEN kind = 'input' THEN 'input'
        WHEN kind = 'scalar' THEN 'scalar' || coalesce(' ' || type, '') || coalesce(' (' || language || ')', '')
        WHEN kind = 'table' AND language = 'sql' THEN 'table: SQL'
        WHEN kind = 'table' THEN 'table: ' || coalesce(language || ' function', 'function')
        WHEN kind = 'column' THEN 'column' || coalesce(' ' || type, '')
        ELSE kind || coalesce(' ' || type, '')
    END;
    IF NOT defined THEN
        what := what || ' (no longer defined)';
    END IF;
    lines := lines || what;
    IF tags IS NOT NULL THEN
        lines := lines || ARRAY(SELECT t.key || '=' || t.value
                                FROM jsonb_each_text(tags) AS t
                                ORDER BY t.key COLLATE "C");
    END IF;
    IF with_run THEN
        IF in_run THEN
            line := status;
            IF rows IS NOT NULL THEN
                line := line || ', ' || rows || CASE WHEN rows = 1 THEN ' row' ELSE ' rows' END;
            END IF;
            IF ms IS NOT NULL THEN
                line := line || ', ' || round(ms::numeric, 3) || ' ms';
            END IF;
            lines := lines || line;
            IF error IS NOT NULL THEN
                lines := lines || ('error: ' || CASE WHEN length(error) > 80
                                                     THEN left(error, 77) || '...' ELSE error END);
            END IF;
        ELSE
            lines := lines || 'not in this run'::text;
        END IF;
    END IF;

    CASE
        WHEN kind = 'input' THEN shape := 'box'; styles := styles || 'dashed'::text;
        WHEN kind = 'scalar' THEN shape := 'ellipse';
        WHEN kind = 'table' AND language = 'sql' THEN shape := 'tab';
        WHEN kind = 'table' THEN shape := 'box'; styles := styles || 'rounded'::text;
        WHEN kind = 'column' THEN shape := 'parallelogram';
        ELSE shape := 'box';
    END CASE;

    IF with_run AND in_run THEN
        fill := CASE status
                    WHEN 'failed' THEN '#f4a6a6'
                    WHEN 'rolled back' THEN '#fde2b8'
                    WHEN 'not run' THEN '#e8e8e8'
                    ELSE '#cdebc5' END;
        IF status = 'failed' THEN
            attrs := attrs || 'color="#b00020"'::text;
        ELSIF status = 'not run' THEN
            attrs := attrs || 'fontcolor="#666666"'::text;
        END IF;
    ELSIF with_run THEN
        attrs := attrs || 'color="#999999"'::text || 'fontcolor="#666666"'::text;
    ELSIF is_output THEN
        fill := '#ffe08a';
    END IF;
    IF fill IS NOT NULL THEN
        styles := styles || 'filled'::text;
        attrs := ('fillcolor="' || fill || '"') || attrs;
    END IF;
    IF is_output THEN
        attrs := attrs || 'penwidth=3'::text;
    END IF;

    RETURN '  ' || hamilton.dot_quote(node) || ' [label=' || hamilton.dot_label(lines)
        || ', shape=' || shape
        || CASE WHEN cardinality(styles) > 0
                THEN ', style=' || hamilton.dot_quote(array_to_string(styles, ',')) ELSE '' END
        || CASE WHEN cardinality(attrs) > 0 THEN ', ' || array_to_string(attrs, ', ') ELSE '' END
        || '];';
END $$;

/*
 * hamilton_dot(outputs, run_id): Graphviz DOT of the whole DAG (no
 * outputs), of the execution path of outputs (their upstream closure,
 * Hamilton's visualize_execution), or of a run (the steps it took), with
 * each step's status, rows and time when run_id is given.
 */
CREATE FUNCTION @extschema@.hamilton_dot(outputs text[] DEFAULT NULL, run_id bigint DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    has_run boolean := false;
    rid bigint;
    run_status text;
    run_outputs text[];
    members text[];         -- the nodes to draw; NULL: every node
    wanted text[] := '{}';  -- the requested outputs, as node names
    o text;
    resolved text;
    title text;
    body text;
BEGIN
    IF hamilton_dot.outputs IS NOT NULL THEN
        IF cardinality(hamilton_dot.outputs) = 0 THEN
            RAISE EXCEPTION 'outputs must not be empty'
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'An empty array names no node to draw the execution path of.',
                      HINT = 'Pass NULL (or nothing) for the whole DAG, or name outputs, e.g. ARRAY[''forecast''].';
        END IF;
        IF array_position(hamilton_dot.outputs, NULL) IS NOT NULL THEN
            RAISE EXCEPTION 'outputs must not contain NULL'
                USING ERRCODE = 'null_value_not_allowed',
                      DETAIL = format('Element %s is NULL.', array_position(hamilton_dot.outputs, NULL)),
                      HINT = 'Remove the NULL element.';
        END IF;
    END IF;

    IF hamilton_dot.run_id IS NOT NULL THEN
        SELECT r.run_id, r.status, r.outputs INTO rid, run_status, run_outputs
        FROM hamilton.runs r WHERE r.run_id = hamilton_dot.run_id;
        has_run := FOUND;
        IF NOT has_run THEN
            RAISE EXCEPTION 'run % does not exist or is not visible to you', hamilton_dot.run_id
                USING ERRCODE = 'undefined_object',
                      DETAIL = 'hamilton.runs shows the runs of the roles you are a member of.',
                      HINT = 'SELECT run_id, status, outputs FROM hamilton.runs ORDER BY run_id DESC; lists the runs you may see.';
        END IF;
    END IF;

    IF hamilton_dot.outputs IS NOT NULL THEN
        -- the upstream closure; unknown names raise hamilton_upstream's error
        members := '{}';
        FOREACH o IN ARRAY hamilton_dot.outputs LOOP
            SELECT p.node INTO resolved FROM @extschema@.hamilton_path(o, o) AS p;
            wanted := wanted || resolved;
            members := members || resolved
                || ARRAY(SELECT u.node FROM @extschema@.hamilton_upstream(o) AS u);
        END LOOP;
        title := 'execution path of ' || array_to_string(ARRAY(SELECT DISTINCT w COLLATE "C" FROM unnest(wanted) AS w
                                                               ORDER BY 1), ', ');
        IF has_run THEN
            title := title || format(', run %s (%s)', rid, run_status);
        END IF;
    ELSIF has_run THEN
        -- the steps the run took (an override cuts the closure, and nodes
        -- may have changed since)
        members := ARRAY(SELECT nr.node FROM hamilton.node_runs nr WHERE nr.run_id = rid);
        FOREACH o IN ARRAY run_outputs LOOP
            BEGIN
                SELECT p.node INTO resolved FROM @extschema@.hamilton_path(o, o) AS p;
            EXCEPTION WHEN OTHERS THEN
                -- gone or renamed since: the step of that name, if one
                SELECT min(nr.node) INTO resolved
                FROM hamilton.node_runs nr
                WHERE nr.run_id = rid AND (nr.node = o OR nr.node LIKE '%.' || o)
                HAVING count(*) = 1;
            END;
            IF resolved IS NOT NULL THEN
                wanted := wanted || resolved;
            END IF;
        END LOOP;
        title := format('run %s (%s) of %s', rid, run_status, array_to_string(run_outputs, ', '));
    ELSE
        title := 'every node';
    END IF;

    WITH defined AS (
        SELECT n.node, n.kind, n.language, n.type, n.tags, n.sources
        FROM hamilton.nodes n
        WHERE members IS NULL OR n.node IN (SELECT unnest(members))
    ),
    steps AS (
        SELECT nr.node, nr.kind, nr.status, nr.rows, nr.ms, nr.error
        FROM hamilton.node_runs nr
        WHERE nr.run_id = rid
    ),
    drawn AS (
        SELECT d.node, d.kind, d.language, d.type, d.tags, d.sources, true AS defined
        FROM defined d
        UNION ALL
        SELECT s.node, s.kind, NULL, NULL, NULL, '{}', false
        FROM steps s
        WHERE (members IS NULL OR s.node IN (SELECT unnest(members)))
          AND NOT EXISTS (SELECT 1 FROM defined d WHERE d.node = s.node)
    ),
    sources AS (
        SELECT DISTINCT src, d.node
        FROM drawn d, unnest(d.sources) AS src
    ),
    edges AS (
        SELECT e.upstream, e.downstream, bool_and(e.via = 'declared') AS declared
        FROM hamilton.edges e
        WHERE e.upstream IN (SELECT node FROM drawn) AND e.downstream IN (SELECT node FROM drawn)
        GROUP BY e.upstream, e.downstream
    ),
    statements AS (
        SELECT 1 AS section, 'source ' || s.src AS sort_key,
               '  ' || hamilton.dot_quote('source ' || s.src) || ' [label='
               || hamilton.dot_label(ARRAY[s.src, 'source table'])
               || ', shape=cylinder, style="filled", fillcolor="#dde7f5"];' AS line
        FROM (SELECT DISTINCT src FROM sources) AS s
        UNION ALL
        SELECT 2, d.node,
               hamilton.dot_node(d.node, d.kind, d.language, d.type, d.tags, d.defined,
                                 d.node = ANY (wanted), has_run, s.node IS NOT NULL,
                                 s.status, s.rows, s.ms, s.error)
        FROM drawn d LEFT JOIN steps s ON s.node = d.node
        UNION ALL
        SELECT 3, s.src || ' ' || s.node,
               '  ' || hamilton.dot_quote('source ' || s.src) || ' -> ' || hamilton.dot_quote(s.node)
               || ' [color="#7f8fa6"];'
        FROM sources s
        UNION ALL
        SELECT 4, e.upstream || ' ' || e.downstream,
               '  ' || hamilton.dot_quote(e.upstream) || ' -> ' || hamilton.dot_quote(e.downstream)
               || CASE WHEN e.declared THEN ' [style=dotted]' ELSE '' END || ';'
        FROM edges e
    )
    SELECT string_agg(st.line, E'\n' ORDER BY st.section, st.sort_key COLLATE "C", st.line COLLATE "C")
    INTO body
    FROM statements st;

    RETURN 'digraph hamilton {' || E'\n'
        || '  graph [label=' || hamilton.dot_quote('pg_hamilton: ' || title)
        || ', labelloc=t, rankdir=LR, fontname="Helvetica"];' || E'\n'
        || '  node [fontname="Helvetica", fontsize=10];' || E'\n'
        || '  edge [color="#555555"];' || E'\n'
        || coalesce(body || E'\n', '')
        || '}' || E'\n';
END $$;
COMMENT ON FUNCTION @extschema@.hamilton_dot(text[], bigint) IS
  'Graphviz DOT of the DAG, of the execution path of outputs, or of a run with each step''s status';
