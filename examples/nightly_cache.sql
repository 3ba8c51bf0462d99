-- A nightly run that skips what has not changed (cache => true).
--
-- The warehouse's sources are tracked by their owner (hamilton_track): a
-- statement trigger logs each transaction that writes them.  A cached run
-- reuses each result table whose code, inputs and sources are unchanged
-- since the run that made it, and skips the steps that only fed it.
-- Run it with:
--   psql -f examples/nightly_cache.sql
-- then, each night:
--   SELECT node, status FROM hamilton_execute(ARRAY['nightly.report'], inputs => '{"top_n": 3}', cache => true);
CREATE SCHEMA warehouse;
CREATE TABLE warehouse.customers (id int PRIMARY KEY, name text NOT NULL, region text NOT NULL);
CREATE TABLE warehouse.orders (id bigint PRIMARY KEY, customer_id int NOT NULL, day date NOT NULL, amount numeric NOT NULL);
INSERT INTO warehouse.customers VALUES (1, 'Ada', 'north'), (2, 'Brook', 'south'), (3, 'Cyd', 'north'), (4, 'Dee', 'west');
INSERT INTO warehouse.orders
SELECT g, 1 + g % 4, date '2026-11-01' + (g % 20), (g % 7) * 10 + 5 FROM generate_series(1, 200) g;

-- The owner of the sources opts them in.
SELECT hamilton_track('warehouse.customers');
SELECT hamilton_track('warehouse.orders');

CREATE SCHEMA nightly;
SELECT hamilton_register('nightly');
-- an intermediate (inlined into its consumers, or a temporary table)
SELECT hamilton_define('nightly.order_lines',
    'SELECT o.day, c.region, c.name, o.amount FROM warehouse.orders o JOIN warehouse.customers c ON c.id = o.customer_id');
-- result tables: each is reused while nothing it depends on changed
SELECT hamilton_define('nightly.daily_revenue',
    'SELECT day, region, sum(amount) AS revenue FROM order_lines GROUP BY day, region', materialize => 'table');
SELECT hamilton_define('nightly.customer_totals',
    'SELECT name, sum(amount) AS total FROM order_lines GROUP BY name', materialize => 'table');
SELECT hamilton_define('nightly.report',
    'SELECT name, total FROM (SELECT name, total, row_number() OVER (ORDER BY total DESC, name) AS place
                              FROM customer_totals) t, top_n
     WHERE place <= top_n', materialize => 'table');
-- the calendar is cheap and must follow the clock: always recomputed
SELECT hamilton_define('nightly.calendar',
    'SELECT DISTINCT day FROM daily_revenue ORDER BY day', materialize => 'table', cache => 'recompute');

-- The first night computes everything and keeps the cache entries.
SELECT node, status FROM hamilton_execute(ARRAY['nightly.report', 'nightly.daily_revenue', 'nightly.calendar'],
                                          inputs => '{"top_n": 3}', cache => true);
-- Nothing changed: every result is reused (status cached), but for the calendar.
SELECT node, status FROM hamilton_execute(ARRAY['nightly.report', 'nightly.daily_revenue', 'nightly.calendar'],
                                          inputs => '{"top_n": 3}', cache => true);
-- Which run each cached step kept.
SELECT r.step, r.node, r.status, r.cached_from
FROM hamilton.node_runs r WHERE r.run_id = (SELECT max(run_id) FROM hamilton.runs) ORDER BY r.step;
-- Another input value: only the report, which reads it, is recomputed.
SELECT node, status FROM hamilton_execute(ARRAY['nightly.report', 'nightly.daily_revenue', 'nightly.calendar'],
                                          inputs => '{"top_n": 2}', cache => true);
-- New orders: everything that reads them is recomputed.
INSERT INTO warehouse.orders VALUES (201, 4, date '2026-11-21', 500);
SELECT node, status FROM hamilton_execute(ARRAY['nightly.report', 'nightly.daily_revenue', 'nightly.calendar'],
                                          inputs => '{"top_n": 2}', cache => true);
-- What each result was made from, and whether it would be reused now.
SELECT node, run_id, made_as, reusable, reason FROM hamilton.cache WHERE module = 'nightly' ORDER BY node;
