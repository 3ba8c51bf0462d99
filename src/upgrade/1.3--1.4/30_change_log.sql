/*
 * The change log is unlogged: the row a tracked source's writer adds costs
 * it no WAL.  A crash empties the log; the marker rows (relation 0) that
 * cached runs keep from now on tell the results made before it, which are
 * recomputed (src/catalog/change_log.c).  The entries made before this
 * update have no marker: each is recomputed once.
 */
ALTER TABLE hamilton.change_log SET UNLOGGED;
