/*
 * validate.h
 *	  Stage 5, src/validate/: everything checked before a run, and the plan
 *	  it yields.  The upstream closure of the requested outputs, in a
 *	  deterministic topological order, with every problem found on the way
 *	  (all of them, so one error tells the user everything to fix), and the
 *	  input and override values checked against the types that need them.
 *
 * HPlan is built here (closure, order, values) and filled in by the later
 * stages: plan/ decides what each step does and its SQL, exec/ runs it and
 * records what it did.
 */
#ifndef HAMILTON_VALIDATE_H
#define HAMILTON_VALIDATE_H

#include "postgres.h"

#include "nodes/bitmapset.h"
#include "utils/jsonb.h"

#include "dag.h"

typedef enum StepAction
{
	STEP_UNDECIDED,				/* not planned yet */
	STEP_INPUT,					/* a value from inputs (or config) */
	STEP_OVERRIDE,				/* a value or relation from overrides */
	STEP_VALUE,					/* a scalar function, evaluated once */
	STEP_INLINE,				/* a query inlined into its only consumer */
	STEP_TEMP,					/* an intermediate kept in a temporary table */
	STEP_PERSIST,				/* a result table in the module's schema */
	STEP_FRAME,					/* a frame read only by its columns: its
								 * SELECT is the source of their query */
	STEP_COLUMN					/* a column node, computed in its frame's
								 * compiled query (plan/frame_compile.c) */
} StepAction;

/*
 * The column steps of one frame in a plan.  Their targets (requested
 * columns, and columns a table node reads) are computed by one compiled
 * query, run at the step of the last target.
 */
typedef struct FrameGroup
{
	int			frame_step;		/* the frame's step */
	List	   *targets;		/* target steps (int), in the order requested */
	int			run_at;			/* the step that runs the query */
	bool		solo;			/* one column a table node reads, run at its step */
	char	   *into_schema;	/* into_table, for the requested targets */
	char	   *into_name;
	char	   *into_display;
	char	   *explain;		/* what runs, for hamilton_explain */
	/* (frames) into_table collecting several frames of one key */
	char	   *into_part;		/* this group's part: a temporary table */
	bool		into_last;		/* the last part: it joins them all */
} FrameGroup;

typedef struct PlanStep
{
	int			node;			/* node index in the Dag */
	StepAction	action;
	bool		requested;		/* one of the outputs */
	int			request_pos;	/* its place among the outputs */
	int			group;			/* its FrameGroup (column steps), or -1 */
	bool		column_target;	/* a column computed into a table */
	char	   *checks_result;	/* JSON array of check results, or NULL */
	int			nconsumers;		/* steps of this plan that read it */
	int			inline_into;	/* consumer step, for STEP_INLINE */
	int			inline_depth;	/* how many inlined queries nest in its SQL */

	/* scalar values (inputs, overrides, scalar functions) */
	char	   *json_text;		/* input/override value as given (NULL: null) */
	char		json_kind;		/* JSON_KIND_* */
	Oid			valtype;
	char	   *literal;		/* 'text'::type, once known (a computed
								 * value's: see plan_step_literal) */
	Datum		value;			/* a computed scalar's value (has_value) */
	bool		value_isnull;
	bool		has_value;

	/* what the step runs */
	char	   *sql;			/* its SELECT, rendered in plan order */

	/* relations */
	char	   *relation;		/* where consumers read a relation-valued
								 * result (a table, a temp table, an override) */
	char	   *result_table;	/* the node's own table, when it is materialized */
	char	   *temp_name;		/* unquoted temp table name, for STEP_TEMP */

	/* run report */
	const char *status;
	int64		rows;
	bool		has_rows;
	double		ms;
	char	   *error;
	List	   *sources;		/* source relations read, through unpersisted
								 * upstream steps */
	Bitmapset  *input_steps;	/* inputs it depends on, transitively */
	Bitmapset  *upstream_steps; /* nearest persisted or overridden upstream */

	/* parallel runs (issue 12): the worker that ran it, and when */
	int			worker_pid;		/* 0: the calling backend */
	TimestampTz started_at;		/* 0: not known */
	TimestampTz ended_at;
	/* (cache) status cached: the run whose result it kept (0: none) */
	int64		cached_from;
} PlanStep;

typedef struct HPlan
{
	Dag		   *dag;
	int			nsteps;
	PlanStep   *steps;
	int		   *step_of_node;	/* node index -> step index, or -1 */
	List	   *output_names;	/* as requested (char *) */
	Jsonb	   *inputs;
	Jsonb	   *overrides;
	Jsonb	   *config;
	List	   *problems;		/* HProblem * */
	int64		run_id;
	const char *into_table;		/* as given, or NULL */
	int			ngroups;
	FrameGroup *groups;
	List	   *module_overrides;	/* String: the names module_overrides
									 * bound to a later module's node */
	int			cache;			/* cache =>: 1 true, 0 false, -1 not given */
	int			workers;		/* workers =>, or -1 when not given */
	/* (cache) what a cached run decided and collected (exec/cache_skip.c) */
	struct CacheRun *cache_run;
	/* features-b: the lifecycle hooks the run calls (exec/hooks.c), or NULL */
	void	   *hooks;
	/* features-b: the column lineage of its steps (runlog/column_lineage.c) */
	void	   *column_lineage;
	/* features-b: the savers of the run (exec/files.c) */
	void	   *files;
	/* (chain3) its scalar steps' pg_proc rows were read (scalar_fast.c) */
	bool		scalar_rows_read;
} HPlan;

/* The state of one validation, shared by the files of this stage. */
typedef struct ValidateState
{
	HPlan	   *plan;
	Dag		   *dag;
	bool	   *in_closure;
	bool	   *overridden;
	bool	   *requested;
	int		   *request_pos;
	char	  **value_text;		/* input or override values by node */
	char	   *value_kind;
	bool	   *has_value;
	char	  **override_relation;
	char	  **override_literal;
	Oid		   *input_type;
	char	  **input_literal;	/* the input as a literal of input_type */
	List	   *problems;
	List	   *missing_modules;	/* String: modules outside the run whose
									 * nodes compute a missing input */
} ValidateState;

/* How many names a problem lists before it says "and N more". */
#define MAX_LISTED 10

static inline void
validate_add_problem(ValidateState *st, HProblem *p)
{
	st->problems = lappend(st->problems, p);
}

/* validate.c */
extern HPlan *plan_validate(Dag *dag, List *outputs, Jsonb *inputs,
							Jsonb *overrides, Jsonb *config, const char *into_table);
extern List *plan_closure_nodes(Dag *dag, List *outputs, Jsonb *overrides);

/* outputs.c */
extern void validate_outputs(ValidateState *st, List *outputs);
extern void validate_column_outputs(ValidateState *st);
extern HProblem *validate_unmatched_variant(Dag *dag, const char *name,
											const char *consumer_module);

/* inputs.c */
extern bool validate_object_argument(ValidateState *st, Jsonb *arg, const char *what);
extern void validate_overrides(ValidateState *st);
extern void validate_input_names(ValidateState *st);
extern void validate_input(ValidateState *st, int i, StringInfo missing_detail,
						   List **missing);

/* named_relations.c */
extern Oid	validate_named_relation(ValidateState *st, HNode *node, const char *text,
									const char *what, const char *argname,
									const char *key, char **detail,
									HProblem **problem);
/* how a type holds relations (validate_relation_holder) */
#define REL_NONE	0
#define REL_ONE		1			/* regclass, or a domain over it */
#define REL_ARRAY	2			/* an array of those, or a domain over one */
#define REL_OTHER	3			/* somewhere else (a composite's field, ...) */
#define MAX_TYPE_WALK 64
extern int	validate_relation_holder(Oid type);
extern char *validate_regclass_input(ValidateState *st, HNode *consumer,
									 HParam *param, const char *input_name,
									 const char *text, char kind,
									 const char *previous, Oid *type);

/* types.c */
extern void validate_node(ValidateState *st, int i);

/* checks.c */
extern void validate_checks(ValidateState *st);
extern DagShapes *validate_request_shapes(ValidateState *st);

/* frame_paths.c */
extern void validate_frame_paths(ValidateState *st);

/* problems.c */
extern void plan_raise_problems(HPlan *plan);

/* values.c: JSON values (inputs, overrides) and results as typed SQL literals */
extern Oid	value_default_type(char json_kind);
extern bool value_literal(const char *json_text, char json_kind, Oid type,
						  char **literal, char **error);
extern char *datum_literal(Datum value, bool isnull, Oid type);

/* incremental.c (incremental nodes, issue 11 part 2) */
extern bool validate_incremental_input(ValidateState *st, int i);
extern void validate_incremental_nodes(ValidateState *st);

#endif							/* HAMILTON_VALIDATE_H */
