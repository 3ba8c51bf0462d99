/*
 * api.h
 *	  Stage 10, src/api/: the SQL-callable entry points, and only them.  An
 *	  entry point turns its arguments into calls of the stages and turns
 *	  the results into tuples.
 */
#ifndef HAMILTON_API_H
#define HAMILTON_API_H

#include "postgres.h"

#include "fmgr.h"

#include "define.h"
#include "dot.h"
#include "exec.h"

/* call.c: what every entry point does around its work */
extern void api_begin(void);
extern Dag *api_begin_with_dag(Jsonb *config, bool all_variants);
extern DagRequest *api_names_request(FunctionCallInfo fcinfo, List *outputs,
									 int modules_arg);
extern void api_end(void);
extern HPlan *api_plan_request(FunctionCallInfo fcinfo);

#endif							/* HAMILTON_API_H */
