-- Functions as variants of a node (Hamilton's @config.when on spend__eu):
-- the node is named before the last "__", config chooses the variant.
CREATE SCHEMA fv;
SELECT hamilton_register('fv');
CREATE FUNCTION fv.rate__eu() RETURNS numeric LANGUAGE sql RETURN 0.20;
CREATE FUNCTION fv.rate__us() RETURNS numeric LANGUAGE sql RETURN 0.10;
CREATE FUNCTION fv.tax(rate numeric, amount numeric) RETURNS numeric LANGUAGE sql RETURN rate * amount;
-- Before hamilton_when, they are two plain nodes and tax misses its rate.
SELECT node FROM hamilton.nodes WHERE module = 'fv' ORDER BY 1;
SELECT hamilton_when('fv.rate__eu', '{"region": "eu"}');
SELECT hamilton_when('fv.rate__us', '{"region": "us"}');
-- hamilton.nodes lists each variant with its condition.
SELECT node, kind, config_when FROM hamilton.nodes WHERE module = 'fv' ORDER BY 1, 3;
SELECT node, status, rows FROM hamilton_execute(ARRAY['tax', 'rate'], inputs => '{"amount": 100}',
                                                config => '{"region": "eu"}');
SELECT * FROM fv.tax;
SELECT node, status FROM hamilton_execute(ARRAY['tax'], inputs => '{"amount": 100}', config => '{"region": "us"}');
SELECT * FROM fv.tax;
SELECT config FROM hamilton.runs WHERE outputs = ARRAY['tax'] ORDER BY run_id;

-- Checks and tags of a node hold for each of its variants.
SELECT hamilton_check('fv.rate', '[{"check": "range", "max": 0.15}]');
SELECT node, config_when, checks FROM hamilton.nodes WHERE node = 'fv.rate' ORDER BY 2;
SELECT node, status FROM hamilton_execute(ARRAY['rate'], config => '{"region": "eu"}');
SELECT hamilton_check('fv.rate', '[]');

-- No variant matches: a clear error, nothing changes.
SELECT * FROM hamilton_execute(ARRAY['tax'], inputs => '{"amount": 100}', config => '{"region": "fr"}');
SELECT * FROM hamilton_execute(ARRAY['tax'], inputs => '{"amount": 100}');
SELECT problem, node FROM hamilton_validate(ARRAY['rate'], config => '{"region": "fr"}');
SELECT * FROM fv.tax;
-- Two variants match: the node is defined twice.
SELECT hamilton_when('fv.rate__us', '{"currency": "usd"}');
SELECT * FROM hamilton_execute(ARRAY['tax'], inputs => '{"amount": 100}', config => '{"region": "eu", "currency": "usd"}');

-- Refusals.
SELECT hamilton_when('fv.tax', '{"region": "eu"}');
SELECT hamilton_when('fv.missing__eu', '{"region": "eu"}');
SELECT hamilton_when('fv.rate__eu', '{"region": [["eu"]]}');
SELECT hamilton_when('fv.rate__eu', '"eu"');
SELECT hamilton_when(NULL, '{}');
-- NULL (or {}) makes the function a plain node again.
SELECT hamilton_when('fv.rate__eu', NULL);
SELECT node, config_when FROM hamilton.nodes WHERE module = 'fv' ORDER BY 1, 2;
SELECT drop_module('fv');
SELECT count(*) FROM hamilton.function_variant;
