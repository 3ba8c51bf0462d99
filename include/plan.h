/*
 * plan.h
 *	  Stage 6, src/plan/: what each step of a validated plan does, and the
 *	  SQL it runs.  Inlined, kept in a temporary table or materialized; a
 *	  frame's requested columns compiled into one query; the explain text.
 *
 * Nothing here runs a node: the SQL is rendered, in plan order, for exec/
 * to run (or for hamilton_explain to show).
 */
#ifndef HAMILTON_PLAN_H
#define HAMILTON_PLAN_H

#include "postgres.h"

#include "validate.h"

/* Columns per query when each target gets its own table (max 1,600 per table). */
#define FRAME_CHUNK 1000

/*
 * How a function call writes an argument that reads another column step,
 * inside a frame's compiled query (see plan_call_sql).
 */
typedef void (*ColumnArgument) (StringInfo buf, int stepno, void *arg);

/* actions.c */
extern void plan_choose_actions(HPlan *plan);

/* frame_groups.c */
extern void plan_frame_groups(HPlan *plan);

/* render.c */
extern char *plan_render_step(HPlan *plan, int stepno, bool for_explain);
extern char *plan_step_literal(HPlan *plan, int stepno);
extern char *plan_value_reference(HPlan *plan, int stepno, Oid want, bool for_explain);
extern char *plan_call_sql(HPlan *plan, HNode *node, bool for_explain,
						   ColumnArgument column_arg, void *arg);

/* provenance.c */
extern void plan_step_provenance(HPlan *plan, int stepno);

/* frame_join_sql.c (frames, issue 13 item 7: frames joined on their key) */
extern char *plan_frame_join_sql(HPlan *plan, HNode *join);
extern char *plan_frame_into_sql(HPlan *plan, const char *keys, List **requested);

/* frame_compile.c */
extern char *frame_compile(HPlan *plan, FrameGroup *g, List *targets, bool for_explain);

/* explain.c */
extern char *plan_explain_text(HPlan *plan);
extern char *frame_explain(HPlan *plan, FrameGroup *g);

#endif							/* HAMILTON_PLAN_H */
