/*
 * dot.h
 *	  Stage 9, src/dot/: Graphviz DOT pictures of the dataflow
 *	  (hamilton_dot): every node, the execution path of some outputs, or the
 *	  steps of a run.
 *
 * The entry point (src/api/dot.c) checks the arguments; src/dot/ reads the
 * run (run.c), decides which nodes a picture shows (members.c), writes each
 * node's statement (node.c) and DOT's quoted strings (quote.c), and puts
 * the picture together (render.c).  Run rows are read through the views
 * hamilton.runs and hamilton.node_runs as the caller, so a picture shows
 * only the runs the caller may see.
 */
#ifndef HAMILTON_DOT_H
#define HAMILTON_DOT_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

#include "dag.h"

/* One step of a run, as hamilton.node_runs shows it. */
typedef struct DotStep
{
	char	   *node;
	char	   *kind;
	char	   *status;
	char	   *rows;			/* as text; NULL when not counted */
	char	   *ms;				/* round(ms::numeric, 3) as text, or NULL */
	char	   *error;			/* NULL when none */
} DotStep;

/* A run, as hamilton.runs shows it, with its steps. */
typedef struct DotRun
{
	int64		run_id;
	char	   *status;
	int			noutputs;
	char	  **outputs;		/* as requested; elements may be NULL */
	int			nsteps;
	DotStep    *steps;
} DotRun;

/* What a picture shows: its members (all nodes, or the ones named). */
typedef struct DotScope
{
	bool		all;			/* every node of the graph */
	int			nmembers;
	char	  **members;		/* sorted, distinct (unless all) */
	int			nwanted;
	char	  **wanted;			/* the requested outputs: sorted, distinct */
	char	   *title;
} DotScope;

/* One node's statement, with what the picture knows of it. */
typedef struct DotNode
{
	const char *node;
	const char *kind;
	const char *language;		/* NULL for a step no longer defined */
	const char *type;			/* NULL when not known */
	List	   *tags;			/* "key=value" lines in key order, or NIL */
	bool		defined;
	bool		is_output;
	bool		with_run;
	const DotStep *step;		/* the run's step of that node, or NULL */
} DotNode;

/* run.c */
extern DotRun *dot_read_run(int64 run_id);
extern char *dot_run_step_named(DotRun *run, const char *output);

/* members.c */
extern DotScope *dot_scope(Dag *every_variant, Dag *configured, char **outputs, int noutputs,
						   DotRun *run);
extern int	dot_sort_unique(char **items, int n);
extern bool dot_contains(char **sorted, int n, const char *item);

/* node.c */
extern void dot_append_node(StringInfo buf, const DotNode *n);

/* quote.c */
extern void dot_append_escaped(StringInfo buf, const char *s);
extern void dot_append_quoted(StringInfo buf, const char *s);
extern void dot_append_label(StringInfo buf, const char *const *lines,
							 int nlines);

/* (servers2) servers.c: a cluster per server of the placed nodes */
extern void dot_append_server_clusters(StringInfo out, Dag *dag, const int *drawn, int ndrawn);

/* render.c */
extern char *dot_render(char **outputs, int noutputs, DotRun *run,
						const DagRequest *request, Jsonb *config);

#endif							/* HAMILTON_DOT_H */
