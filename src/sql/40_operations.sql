/* ------------------------------------------------------------------------
 * Daily operations: pictures (hamilton_dot), OpenLineage export, and
 * scheduling through pg_cron.
 * ------------------------------------------------------------------------ */
