-- Timing harness shared by every benchmark database (loaded by bench/run.sh).
--
-- bench.measure runs each variant of a comparison once per round, each run in
-- a transaction of its own, and records its server-side duration.  Variants
-- alternate within a round (ABAB...), and the variant that goes first rotates
-- from round to round, so that drifting machine load hits all of them alike.
-- Round 0 warms the caches and is not recorded.

CREATE SCHEMA bench;

CREATE TABLE bench.sample (
    section text NOT NULL,
    variant text NOT NULL,
    position int NOT NULL,        -- the variant's place in the comparison
    round   int NOT NULL,
    ms      double precision NOT NULL
);

CREATE PROCEDURE bench.measure(section text, variants text[], statements text[], rounds int)
LANGUAGE plpgsql AS $$
DECLARE
    nvariants int := array_length(variants, 1);
    started timestamptz;
    v int;
BEGIN
    FOR r IN 0..rounds LOOP
        FOR k IN 0..nvariants - 1 LOOP
            v := 1 + (r + k) % nvariants;
            started := clock_timestamp();
            EXECUTE statements[v];
            IF r > 0 THEN
                INSERT INTO bench.sample
                VALUES (section, variants[v], v, r,
                        1000 * extract(epoch FROM clock_timestamp() - started));
            END IF;
            COMMIT;
        END LOOP;
    END LOOP;
END $$;

-- Median, minimum and maximum of each variant.
CREATE VIEW bench.summary AS
SELECT section, variant, min(position) AS position,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median,
       min(ms) AS min,
       max(ms) AS max
FROM bench.sample
GROUP BY section, variant;

-- bench.compare puts a variant next to its baseline: both medians, their
-- ratio, and the difference spread over the nodes involved, in microseconds.
CREATE FUNCTION bench.compare(section text, subject text, baseline text, nodes int,
                              OUT subject_ms double precision, OUT baseline_ms double precision,
                              OUT ratio double precision, OUT us_per_node double precision)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    SELECT s.median, b.median INTO subject_ms, baseline_ms
    FROM bench.summary s, bench.summary b
    WHERE s.section = compare.section AND s.variant = subject
      AND b.section = compare.section AND b.variant = baseline;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no samples for % vs % in section %', subject, baseline, section;
    END IF;
    ratio := subject_ms / baseline_ms;
    us_per_node := 1000 * (subject_ms - baseline_ms) / nodes;
END $$;

-- bench.report lists a section's variants as run.sh prints them: median and
-- spread, then against the baseline variant: the ratio of medians, and the
-- time per node (in total, and more than the baseline's).
CREATE FUNCTION bench.report(section text, baseline text, nodes int)
RETURNS TABLE (variant text, "median ms" numeric, "min-max ms" text, "x baseline" numeric,
               "us/node" numeric, "us/node over baseline" numeric)
LANGUAGE sql STABLE AS $$
    SELECT s.variant,
           round(s.median::numeric, 1),
           round(s.min::numeric, 1) || '-' || round(s.max::numeric, 1),
           round((s.median / b.median)::numeric, 2),
           round((1000 * s.median / nodes)::numeric, 1),
           round((1000 * (s.median - b.median) / nodes)::numeric, 1)
    FROM bench.summary s
    JOIN bench.summary b ON b.section = s.section AND b.variant = baseline
    WHERE s.section = report.section
    ORDER BY s.position
$$;

-- bench.table_row is one row of the summary table run.sh ends with:
--   | benchmark | size | pg_hamilton ms | baseline | baseline ms | ratio | per node |
-- where "per node" is the time per node (per_node => 'total'), the time per
-- node over the baseline's (per_node => 'over'), or nothing ('none').
CREATE FUNCTION bench.table_row(benchmark text, size text, section text, subject text,
                                baseline text, nodes int, per_node text)
RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT format('| %s | %s | %s | %s | %s | %s× | %s |',
                  benchmark, size, round(c.subject_ms::numeric, 1), baseline,
                  round(c.baseline_ms::numeric, 1), round(c.ratio::numeric, 2),
                  CASE per_node
                      WHEN 'total' THEN round((1000 * c.subject_ms / nodes)::numeric, 1) || ' µs'
                      WHEN 'over' THEN to_char(c.us_per_node, 'FMSG999990.0') || ' µs'
                      ELSE '—' END)
    FROM bench.compare(section, subject, baseline, nodes) c
$$;

-- hamilton_execute with the run's start recorded (the default) and without
-- (hamilton.record_run_start = off: recorded when it ends only, as before
-- 1.1), for measuring what recording the start costs.  Both set the
-- setting, so that both pay for setting it.
CREATE FUNCTION bench.execute_start_recorded(outputs text[], inputs jsonb DEFAULT '{}') RETURNS bigint
LANGUAGE sql SET hamilton.record_run_start = on
RETURN (SELECT count(*) FROM hamilton_execute(outputs, inputs));

CREATE FUNCTION bench.execute_start_unrecorded(outputs text[], inputs jsonb DEFAULT '{}') RETURNS bigint
LANGUAGE sql SET hamilton.record_run_start = off
RETURN (SELECT count(*) FROM hamilton_execute(outputs, inputs));
