-- hamilton_validate reports a malformed argument as a problem row, with
-- every other problem, instead of raising; hamilton_execute raises one
-- error that carries them all, and nothing is lost.
SELECT setval('hamilton.run_id_seq', 43000) > 0 AS ok;
CREATE SCHEMA vargs;
CREATE TABLE vargs.raw (id int, v int);
INSERT INTO vargs.raw VALUES (1, 10), (2, 20);
CREATE FUNCTION vargs.rate() RETURNS int LANGUAGE sql RETURN 2;
SELECT hamilton_register('vargs');
SELECT hamilton_define('vargs.base', 'SELECT id, v FROM vargs.raw');
SELECT hamilton_define('vargs.scaled', 'SELECT id, v * rate AS v FROM base, rate');
SELECT node, status FROM hamilton_execute(ARRAY['scaled']);

-- inputs, overrides and config that are not JSON objects
SELECT * FROM hamilton_validate(ARRAY['scaled'], overrides => '[1, 2]');
SELECT * FROM hamilton_validate(ARRAY['scaled'], overrides => '"vargs.raw"');
SELECT * FROM hamilton_validate(ARRAY['scaled'], config => '"eu"');
SELECT * FROM hamilton_validate(ARRAY['scaled'], inputs => '[1]');

-- overrides whose key is no node name, or whose value is of the wrong kind
SELECT * FROM hamilton_validate(ARRAY['scaled'], overrides => '{"\"base": "vargs.raw", "a.b.c": 1}');
SELECT problem, node, message, detail FROM hamilton_validate(ARRAY['scaled'],
    overrides => '{"base": "\"unterminated", "rate": {"x": 1}}');
SELECT problem, node, message, detail FROM hamilton_validate(ARRAY['scaled'], overrides => '{"base": "a.b.c.d"}');
SELECT problem, node, message, detail FROM hamilton_validate(ARRAY['scaled'], overrides => '{"base": ""}');
SELECT problem, node, message, detail FROM hamilton_validate(ARRAY['scaled'], overrides => '{"base": "elsewhere.vargs.raw"}');
SELECT problem, node, message, detail FROM hamilton_validate(ARRAY['scaled'], overrides => '{"base": 5}');
-- well-formed ones still bind (a three-part name of this database too)
SELECT * FROM hamilton_validate(ARRAY['scaled'],
    overrides => jsonb_build_object('base', current_database() || '.vargs.raw', 'rate', 3));

-- hamilton_execute raises one error with every problem; the earlier
-- result is intact
SELECT * FROM hamilton_execute(ARRAY['scaled'], overrides => '[1]', config => '2', inputs => '"x"');
SELECT * FROM hamilton_execute(ARRAY['scaled'], overrides => '{"base": "\"unterminated", "x.y.z": 1}');
TABLE vargs.scaled ORDER BY id;

-- the nightly-run options: false and 0 are what every run does; a negative
-- number of workers is refused, and nothing runs
SELECT node, status FROM hamilton_execute(ARRAY['scaled'], cache => false, workers => 0);
SELECT * FROM hamilton_execute(ARRAY['scaled'], workers => -1);
TABLE vargs.scaled ORDER BY id;

-- Clean up.
SELECT drop_module('vargs');
