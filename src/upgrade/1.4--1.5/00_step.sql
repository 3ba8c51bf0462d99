/*
 * pg_hamilton 1.4 -> 1.5.  Each piece of this folder is one change of the
 * catalog, in the order they are applied; src/sql/ holds the same objects
 * as a fresh install of 1.5 creates them, and test/shell/upgrade.sh checks
 * that the two agree.
 */
