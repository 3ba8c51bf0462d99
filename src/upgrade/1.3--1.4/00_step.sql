/*
 * pg_hamilton 1.3 -> 1.4.  Each piece of this folder is one change of the
 * catalog, in the order they are applied; src/sql/ holds the same objects
 * as a fresh install of 1.4 creates them, and test/shell/upgrade.sh checks
 * that the two agree.
 */
