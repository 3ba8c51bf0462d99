/*-------------------------------------------------------------------------
 *
 * run_step.c
 *	  One step's work: computing a value, writing a table (temporary or a
 *	  result), running a frame group's query, and the step's data checks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "exec.h"

static void compute_value(HPlan *plan, int stepno);
static void run_group(HPlan *plan, FrameGroup *g);

/*
 * exec_run_step does one step's work, with the search_path pinned to the node's
 * module (then public, only when every role that can create in it is one the
 * caller trusts: catalog_public_trusted), so that unqualified names in its
 * SQL mean what they meant when the graph was built, whoever runs it and
 * from wherever, and no other role can plant a function or operator that
 * its SQL would call.
 */
void
exec_run_step(HPlan *plan, int stepno)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	int			nestlevel = -1;
	Oid			relid;
	char	   *sql;

	/* an incremental node renders its SQL for each batch (incremental.c) */
	sql = step->action == STEP_PERSIST && node->incremental ? NULL :
		plan_render_step(plan, stepno, false);

	if (node->schema)
	{
		nestlevel = NewGUCNestLevel();
		pin_module_search_path(node->schema, dag_public_on_path(plan->dag));
		/* SQL nodes run as they were read (parse/) */
		pin_sql_reading_settings();
	}
	files_begin_step();

	switch (step->action)
	{
		case STEP_UNDECIDED:
			elog(ERROR, "step %d was not planned", stepno + 1);
			break;
		case STEP_INPUT:
			step->status = step->json_kind == 0 ? "default" : "input";
			break;
		case STEP_OVERRIDE:
			step->status = "overridden";
			break;
		case STEP_VALUE:
			compute_value(plan, stepno);
			step->status = "computed";
			if (step->result_table == NULL)
				checks_run(plan, stepno, NULL); /* else on its table, below */
			break;
		case STEP_INLINE:
			step->status = "inlined";
			break;
		case STEP_TEMP:
			step->rows = materialize_temp(step->temp_name, sql);
			step->has_rows = true;
			step->status = "temporary";
			checks_run(plan, stepno, step->relation);
			column_lineage_step(plan, stepno, InvalidOid);
			break;
		case STEP_PERSIST:
			if (node->placement)
			{
				/* (servers) on its server (remote_step.c) */
				remote_run_step(plan, stepno, sql);
				checks_run(plan, stepno, step->relation);
				break;
			}
			if (node->incremental)
			{
				incremental_run_step(plan, stepno);
				break;
			}
			step->rows = materialize_result(node->schema, node->name, sql, node->doc,
											node->display, NODE_REFRESH_KEY(node), &relid);
			step->has_rows = true;
			step->status = "materialized";
			lineage_record(plan, stepno, relid);
			/* later steps read the rows where they are until the swap */
			step->relation = (char *) swap_reading(step->relation);
			checks_run(plan, stepno, step->result_table);
			column_lineage_step(plan, stepno, relid);
			break;
		case STEP_FRAME:
			step->status = "inlined";
			break;
		case STEP_COLUMN:
			step->status = "inlined";	/* a target's status is set by its group */
			{
				int			g;

				for (g = 0; g < plan->ngroups; g++)
					if (plan->groups[g].run_at == stepno)
						run_group(plan, &plan->groups[g]);
			}
			break;
	}

	/*
	 * A requested scalar or overridden node is materialized too, unless it
	 * is overridden by its own table: that one already holds the result.
	 */
	if (step->result_table && step->action != STEP_PERSIST && step->action != STEP_COLUMN &&
		!(step->relation && strcmp(step->relation, step->result_table) == 0))
	{
		char	   *copy = NULL;

		if (step->action == STEP_VALUE)
			sql = psprintf("SELECT %s AS %s", step->literal, quote_identifier(node->name));
		else if (step->action == STEP_OVERRIDE && step->relation)
		{
			/*
			 * The override may read the node's own table (a view on it, say):
			 * copy it first, or the TRUNCATE would empty what it reads.
			 */
			copy = temp_table_name("override", stepno + 1, NULL);
			(void) materialize_temp(copy, sql);
			sql = psprintf("SELECT * FROM pg_temp.%s", quote_identifier(copy));
		}
		step->rows = materialize_result(node->schema, node->name, sql, node->doc,
										node->display, NODE_REFRESH_KEY(node), &relid);
		if (copy)
			materialize_drop_temp(copy);
		step->has_rows = true;
		step->status = "materialized";
		lineage_record(plan, stepno, relid);
		checks_run(plan, stepno, step->result_table);
	}
	files_end_step(plan, stepno);

	if (nestlevel >= 0)
		AtEOXact_GUC(true, nestlevel);
}

/*
 * compute_value evaluates a scalar function node once and keeps its result
 * as a literal for the steps that read it.
 */
static void
compute_value(HPlan *plan, int stepno)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	MemoryContext cxt = CurrentMemoryContext;
	int			rc;
	bool		isnull;
	Datum		value;

	rc = SPI_execute(step->sql, false, 0);
	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed (%s) for: %s", SPI_result_code_string(rc), step->sql);
	if (SPI_processed != 1)
		elog(ERROR, "scalar node %s returned " UINT64_FORMAT " rows", node->display,
			 (uint64) SPI_processed);
	value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	step->literal = datum_literal(value, isnull, node->rettype);
	/* the Datum too, for consumers called without a statement (scalar_batch.c) */
	{
		int16		typlen;
		bool		typbyval;

		get_typlenbyval(node->rettype, &typlen, &typbyval);
		step->value = isnull ? (Datum) 0 : datumCopy(value, typbyval, typlen);
		step->value_isnull = isnull;
		step->has_value = true;
	}
	step->rows = 1;
	step->has_rows = true;
	SPI_freetuptable(SPI_tuptable);
}

/*
 * run_group runs a frame group's query with the search_path of every module
 * whose SQL it holds, the frame's first (dag_frame_modules): validation made
 * sure that each fragment means there what it means in its own module
 * (validate/frame_paths.c).
 */
static void
run_group(HPlan *plan, FrameGroup *g)
{
	Dag		   *dag = plan->dag;
	int			frame = plan->steps[g->frame_step].node;
	bool	   *include = palloc0(sizeof(bool) * Max(dag->nnodes, 1));
	int			nestlevel = NewGUCNestLevel();
	int			i;

	for (i = 0; i < dag->nnodes; i++)
		include[i] = plan->step_of_node[i] >= 0;
	pin_modules_search_path(dag_frame_modules(dag, frame, include), dag_public_on_path(dag));
	frame_run_group(plan, g);
	AtEOXact_GUC(true, nestlevel);
	pfree(include);
}
