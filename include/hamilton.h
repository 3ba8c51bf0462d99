/*
 * hamilton.h
 *	  Settings and small helpers shared by every part of pg_hamilton.
 */
#ifndef HAMILTON_H
#define HAMILTON_H

#include "postgres.h"

/* The schema that holds the catalog tables and views. */
#define HAMILTON_SCHEMA "hamilton"

/* Settings (GUCs), see hamilton.c. */
extern bool hamilton_inline_intermediates;
extern int	hamilton_max_inline_depth;
extern bool hamilton_progress;
extern bool hamilton_record_run_start;
extern bool hamilton_batch_scalars;
extern bool hamilton_cache_graph;
extern int	hamilton_max_results_aside;
extern bool hamilton_cache;	/* (cache) hamilton.cache */

/* parallel runs (issue 12): steps on background workers (exec/parallel_run.c) */
extern int	hamilton_max_workers;
extern int	hamilton_max_cluster_workers;
extern int	hamilton_worker_min_ms;

/* (servers) test hook: leave prepared remote swaps in doubt after the commit */
extern bool hamilton_test_skip_commit_prepared;

/* Field 4 of our advisory lock tags, so that they never collide with users'. */
#define HAMILTON_LOCK_FIELD4 0x4841
/* ... and of the locks on node names that definitions take (catalog/locks.c). */
#define HAMILTON_DEFINE_LOCK_FIELD4 0x4842

/*
 * Field 4 of a run's own advisory lock (fields 2 and 3: the run id's high
 * and low 32 bits), held while the run's transaction lives: hamilton.runs
 * (src/sql/30_views.sql) reads it as 18514 in pg_locks.objsubid.
 */
#define HAMILTON_RUN_LOCK_FIELD4 0x4852

#endif							/* HAMILTON_H */
