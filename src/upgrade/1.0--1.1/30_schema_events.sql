
/*
 * The event triggers act only on the schema their DDL command names (C
 * now: src/api/schema_events.c).  1.0's ALTER SCHEMA trigger took any
 * catalog name no schema had for the renamed schema's old name: it adopted
 * rows left without a schema into whichever schema was altered (even by
 * OWNER TO), and with two such names deleted the renamed schema's rows.  A
 * third trigger refuses a new schema whose name such rows carry.
 */
CREATE OR REPLACE FUNCTION hamilton.forget_dropped_schemas()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'hamilton_forget_dropped_schemas'
LANGUAGE C;

CREATE OR REPLACE FUNCTION hamilton.follow_renamed_schemas()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'hamilton_follow_renamed_schemas'
LANGUAGE C;

CREATE FUNCTION hamilton.check_new_schemas()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'hamilton_check_new_schemas'
LANGUAGE C;
REVOKE ALL ON FUNCTION hamilton.check_new_schemas() FROM PUBLIC;
CREATE EVENT TRIGGER hamilton_check_new_schemas ON ddl_command_end
    WHEN TAG IN ('CREATE SCHEMA')
    EXECUTE FUNCTION hamilton.check_new_schemas();
