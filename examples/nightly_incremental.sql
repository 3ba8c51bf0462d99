-- A nightly run with incremental nodes: the page views of a site grow a
-- little every day, and the warehouse processes only what is new.
--   nightly.views_enriched   append by sequence: every new view, once
--   nightly.user_last_seen   merge on user_id: each user's latest view
--   nightly.daily_pages      delete_insert by time: views per page and day,
--                            whole days only, the day before processed again
--   nightly.top_pages        a plain node on top, recomputed every run
-- Load it into a database with pg_hamilton, then run it every night:
--   SELECT * FROM hamilton_execute(ARRAY['nightly.top_pages', 'nightly.user_last_seen']);
-- and look at what each incremental node processed:
--   SELECT node, strategy, processed, missing, batches, rows FROM hamilton.incremental;
CREATE SCHEMA nightly_raw;
CREATE SCHEMA nightly;

-- The source: ids drawn by the inserting statement from the column's own
-- sequence (an identity column, CACHE 1 by default), so that a run can
-- wait for the writers that still hold lower ids and skip none.
CREATE TABLE nightly_raw.page_views (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    user_id int NOT NULL,
    page    text NOT NULL
);
CREATE INDEX ON nightly_raw.page_views (at);
-- four days of history
INSERT INTO nightly_raw.page_views (at, user_id, page)
SELECT date_trunc('day', now()) - interval '4 days' + g * interval '37 minutes', g % 23, '/p' || (g % 7)
FROM generate_series(0, 4 * 24 * 60 / 37) g;

SELECT hamilton_register('nightly');

-- Append: range_start and range_end are inputs the node reads like scalars
-- (ids, inclusive at both ends); the planner sees constants.
SELECT hamilton_define('nightly.views_enriched',
  'SELECT v.id, v.at, v.user_id, v.page, v.page LIKE ''/p0%'' AS landing
   FROM nightly_raw.page_views v, range_start, range_end
   WHERE v.id BETWEEN range_start AND range_end',
  doc => 'Every page view, enriched; each one appended once.',
  incremental => '{"strategy": "append", "by": "sequence", "source": "nightly_raw.page_views", "column": "id"}');

-- Merge: a batch has one row per key (a key twice, or NULL, is an error
-- naming the rows); rows of earlier batches are updated or kept.
SELECT hamilton_define('nightly.user_last_seen',
  'SELECT DISTINCT ON (v.user_id) v.user_id, v.at AS last_seen, v.page AS last_page
   FROM nightly_raw.page_views v, range_start, range_end
   WHERE v.id BETWEEN range_start AND range_end
   ORDER BY v.user_id, v.id DESC',
  doc => 'Each user''s latest view.',
  incremental => '{"strategy": "merge", "by": "sequence", "source": "nightly_raw.page_views", "column": "id", "unique_key": ["user_id"]}');

-- Delete+insert by time: [range_start, range_end), whole days that ended
-- an hour ago at least; each run processes yesterday again (lookback), so
-- that views that arrived late are counted.  Every row it yields must lie
-- in the range, by its column at.
SELECT format('{"strategy": "delete_insert", "by": "time", "source": "nightly_raw.page_views", "column": "at",
                "interval": "1 day", "start": "%s", "lookback": 1, "min_delay": "1 hour"}',
              date_trunc('day', now()) - interval '4 days') AS daily_spec \gset
SELECT hamilton_define('nightly.daily_pages',
  'SELECT date_trunc(''day'', v.at) AS at, v.page, count(*) AS views, count(DISTINCT v.user_id) AS users
   FROM nightly_raw.page_views v, range_start, range_end
   WHERE v.at >= range_start AND v.at < range_end
   GROUP BY 1, 2',
  doc => 'Views and users per page and whole day.',
  incremental => :'daily_spec');

-- A plain node reads an incremental node's table like any other result.
SELECT hamilton_define('nightly.top_pages',
  'SELECT page, sum(views) AS views FROM daily_pages GROUP BY page ORDER BY views DESC LIMIT 3',
  doc => 'The three most viewed pages.');
