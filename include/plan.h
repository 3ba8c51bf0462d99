/*
 * plan.h
 *	  A validated execution plan: the upstream closure of the requested
 *	  outputs, in a deterministic topological order, with what each step does.
 */
#ifndef HAMILTON_PLAN_H
#define HAMILTON_PLAN_H

#include "postgres.h"
#include "dag.h"
#include "fmgr.h"
#include "nodes/bitmapset.h"
#include "utils/jsonb.h"

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
								 * compiled query (frame.c) */
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
	char	   *temp_name;		/* split from one temporary table */
	char	   *explain;		/* what runs, for hamilton_explain */
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
	char	   *literal;		/* 'text'::type, once known */

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
} HPlan;

/* validate.c */
extern HPlan *plan_validate(Dag *dag, List *outputs, Jsonb *inputs,
						   Jsonb *overrides, Jsonb *config, const char *into_table);
extern HPlan *plan_for_call(FunctionCallInfo fcinfo);
extern void plan_raise_problems(HPlan *plan);
extern List *text_array_to_list(ArrayType *arr, const char *what);
extern List *outputs_arg(FunctionCallInfo fcinfo);

/* planner.c */
extern void plan_choose_actions(HPlan *plan);
extern char *plan_render_step(HPlan *plan, int stepno, bool for_explain);
extern char *plan_explain_text(HPlan *plan);
extern char *plan_value_reference(HPlan *plan, int stepno, Oid want, bool for_explain);

/* frame.c */
extern void plan_frame_groups(HPlan *plan);
extern char *frame_compile(HPlan *plan, FrameGroup *g, List *targets, bool for_explain);
extern void frame_run_group(HPlan *plan, FrameGroup *g);
extern char *frame_explain(HPlan *plan, FrameGroup *g);

/* checks.c */
extern void checks_run(HPlan *plan, int stepno, const char *relation);

/* values.c: JSON values as given in inputs/overrides/config */
#define JSON_KIND_STRING	's'
#define JSON_KIND_NUMBER	'n'
#define JSON_KIND_BOOL		'b'
#define JSON_KIND_NULL		'z'
#define JSON_KIND_CONTAINER 'c'

extern bool jsonb_object_get(Jsonb *container, const char *key,
							 char **json_text, char *json_kind);
extern List *jsonb_object_keys_list(Jsonb *container, const char *what);
extern Oid	value_default_type(char json_kind);
extern bool value_literal(const char *json_text, char json_kind, Oid type,
						  char **literal, char **error);
extern char *datum_literal(Datum value, bool isnull, Oid type);

/* executor.c */
extern void plan_execute(HPlan *plan);

#endif							/* HAMILTON_PLAN_H */
