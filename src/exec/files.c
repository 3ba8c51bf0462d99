/*-------------------------------------------------------------------------
 *
 * files.c
 *	  Files a run reads and writes (features-b, issue 13 item 9): reading a
 *	  file for hamilton_read_file, noting the files each step read, and
 *	  running the savers of the node a step computed.
 *
 * Both read and write with COPY, run through SPI as the caller, so that
 * PostgreSQL checks its own file privileges (pg_read_server_files,
 * pg_write_server_files), exactly as for the caller's own COPY.  Each file
 * is recorded in hamilton.run_file by the step that read or wrote it (a
 * loader inlined into its consumer is read by the consumer's step).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_authid.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "exec.h"

/* A file a step read. */
typedef struct StepFileRead
{
	char	   *path;
	int64		rows;
} StepFileRead;

/* The savers of a run, read at its first statement step (plan->files). */
typedef struct RunFiles
{
	List	   *savers;			/* CatalogSaver * */
	bool		saves;			/* a saver is on a node of the run */
} RunFiles;

/*
 * The files the running step read.  They are kept in a context of their
 * own under TopMemoryContext, since hamilton_read_file allocates in the
 * executor's per-query memory, which ends before the step does; it is
 * reset when the next step starts.
 */
static MemoryContext files_cxt = NULL;
static List *files_read = NIL;
static bool files_noting = false;

static void save_step(HPlan *plan, int stepno, CatalogSaver *s);
static RunFiles *run_files(HPlan *plan);

/*
 * exec_read_file reads the file at path with COPY's options into tuplestore
 * ts, as rows of desc, and returns how many it read.  SPI is connected
 * here, on its own level.
 */
int64
exec_read_file(const char *path, Jsonb *options, TupleDesc desc, Tuplestorestate *ts)
{
	static unsigned counter = 0;
	char	   *with = parse_copy_options(options);
	char	   *temp = psprintf("hamilton_file_%d_%u", MyProcPid, ++counter);
	MemoryContext cxt = CurrentMemoryContext;
	StringInfoData cols;
	uint64		i;
	int64		rows;
	int			a;

	parse_file_path(path, "file");
	if (!has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to read file \"%s\"", path),
				 errdetail("Reading a file on the server takes the privileges of role pg_read_server_files, as COPY FROM a file does."),
				 errhint("A superuser can GRANT pg_read_server_files TO %s;",
						 quote_identifier(GetUserNameFromId(GetUserId(), false)))));
	initStringInfo(&cols);
	for (a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);

		if (att->attisdropped)
			continue;
		appendStringInfo(&cols, "%s%s %s", cols.len ? ", " : "", quote_identifier(NameStr(att->attname)),
						 format_type_with_typemod(att->atttypid, att->atttypmod));
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	spi_exec_checked(psprintf("CREATE TEMPORARY TABLE %s (%s) ON COMMIT DROP", quote_identifier(temp), cols.data),
					 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	spi_exec_checked(psprintf("COPY pg_temp.%s FROM %s WITH (%s)", quote_identifier(temp),
							  quote_literal_cstr(path), with),
					 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	rows = (int64) SPI_processed;
	spi_exec_checked(psprintf("SELECT * FROM pg_temp.%s", quote_identifier(temp)),
					 0, NULL, NULL, NULL, SPI_OK_SELECT);
	MemoryContextSwitchTo(cxt);
	for (i = 0; i < SPI_processed; i++)
		tuplestore_puttuple(ts, SPI_tuptable->vals[i]);
	spi_exec_checked(psprintf("DROP TABLE pg_temp.%s", quote_identifier(temp)),
					 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	SPI_finish();
	MemoryContextSwitchTo(cxt);

	if (files_noting)
	{
		MemoryContext old = MemoryContextSwitchTo(files_cxt);
		StepFileRead   *f = palloc(sizeof(StepFileRead));

		f->path = pstrdup(path);
		f->rows = rows;
		files_read = lappend(files_read, f);
		MemoryContextSwitchTo(old);
	}
	return rows;
}

/*
 * files_begin_step starts noting the files a step reads.
 */
void
files_begin_step(void)
{
	if (files_cxt == NULL)
		files_cxt = AllocSetContextCreate(TopMemoryContext, "hamilton files read",
										  ALLOCSET_SMALL_SIZES);
	else if (files_read != NIL)
		MemoryContextReset(files_cxt);
	files_read = NIL;
	files_noting = true;
}

/*
 * files_end_step records the files step stepno read, and runs the savers
 * of its node.  Still in the step's subtransaction, with its module's
 * search_path: a saver that fails fails the step.
 */
void
files_end_step(HPlan *plan, int stepno)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	RunFiles   *rf;
	ListCell   *lc;

	files_noting = false;
	rf = run_files(plan);
	if (files_read != NIL && catalog_keeps_files())
		foreach(lc, files_read)
		{
			StepFileRead   *f = lfirst(lc);

			catalog_insert_run_file(plan->run_id, node->display, "read", f->path, f->rows);
		}
	if (node->schema == NULL)
		return;
	foreach(lc, rf->savers)
	{
		CatalogSaver *s = lfirst(lc);

		if (strcmp(s->schema, node->schema) == 0 && strcmp(s->name, node->name) == 0)
			save_step(plan, stepno, s);
	}
}

/*
 * run_files is the run's savers, read at its first step.
 */
static RunFiles *
run_files(HPlan *plan)
{
	RunFiles   *rf = plan->files;
	ListCell   *lc;
	int			i;

	if (rf)
		return rf;
	rf = palloc0(sizeof(RunFiles));
	rf->savers = catalog_read_savers();
	foreach(lc, rf->savers)
	{
		CatalogSaver *s = lfirst(lc);

		for (i = 0; i < plan->nsteps && !rf->saves; i++)
		{
			HNode	   *node = &plan->dag->nodes[plan->steps[i].node];

			rf->saves = node->schema && strcmp(s->schema, node->schema) == 0 &&
				strcmp(s->name, node->name) == 0;
		}
	}
	plan->files = rf;
	return rf;
}

/*
 * files_node_saves: does a saver act on node n of the run's graph?
 */
bool
files_node_saves(HPlan *plan, int n)
{
	HNode	   *node = &plan->dag->nodes[n];
	ListCell   *lc;

	if (node->schema == NULL || !run_files(plan)->saves)
		return false;
	foreach(lc, run_files(plan)->savers)
	{
		CatalogSaver *s = lfirst(lc);

		if (strcmp(s->schema, node->schema) == 0 && strcmp(s->name, node->name) == 0)
			return true;
	}
	return false;
}

/*
 * files_run_saves: does a saver act on a node of the run?  Its scalar
 * steps then run one by one, each through files_end_step, not in batches.
 */
bool
files_run_saves(HPlan *plan)
{
	return run_files(plan)->saves;
}

/*
 * save_step writes what step stepno computed to a saver's file, by COPY TO
 * as the caller, and records it.  The file is put in place when the run's
 * transaction commits (saved_files.c).  A saver whose owner the caller does not
 * trust is refused: it would write a file of its choosing with the
 * caller's rights.
 */
static void
save_step(HPlan *plan, int stepno, CatalogSaver *s)
{
	PlanStep   *step = &plan->steps[stepno];
	HNode	   *node = &plan->dag->nodes[step->node];
	Oid			owner = get_role_oid(s->owner_name, true);
	Jsonb	   *options = s->options_json ?
		DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(s->options_json))) : NULL;
	char	   *source;

	if (!OidIsValid(owner) || !catalog_role_trusts(GetUserId(), owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("the saver of node %s to \"%s\" belongs to role %s, which you do not trust",
						node->display, s->path, quote_identifier(s->owner_name)),
				 errdetail("It would write that file with your privileges."),
				 errhint("Run it as that role, or have the node's owner remove it: SELECT hamilton_unsave('%s', %s);",
						 node->display, quote_literal_cstr(s->path))));
	switch (step->action)
	{
		case STEP_PERSIST:
		case STEP_TEMP:
			source = psprintf("SELECT * FROM %s", step->relation);
			break;
		case STEP_INLINE:
		case STEP_FRAME:
			source = step->sql;
			break;
		case STEP_OVERRIDE:
			source = step->relation ? psprintf("SELECT * FROM %s", step->relation) :
				psprintf("SELECT %s AS %s", step->literal, quote_identifier(node->name));
			break;
		case STEP_VALUE:
			source = psprintf("SELECT %s AS %s", plan_value_reference(plan, stepno, InvalidOid, false),
							  quote_identifier(node->name));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("node %s cannot be saved to \"%s\": it has no rows of its own", node->display, s->path),
					 errdetail("The node is now a column of a frame, computed in the frame's query."),
					 errhint("SELECT hamilton_unsave('%s', %s); and save the frame instead.",
							 node->display, quote_literal_cstr(s->path))));
			source = NULL;		/* not reached */
	}
	/* written aside, and put in place when the transaction commits */
	spi_exec_checked(psprintf("COPY (%s) TO %s WITH (%s)", source,
							  quote_literal_cstr(saved_file_aside(s->path)),
							  parse_copy_options(options)),
					 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	catalog_insert_run_file(plan->run_id, node->display, "written", s->path, (int64) SPI_processed);
}

/*
 * files_pack_reads packs the files the running step read into buf (at
 * most room bytes: each a row count and a path, both NUL-terminated), for
 * a background worker to hand them to its run's caller (step_worker.c),
 * which records them (files_take_reads).  Returns the bytes used; a step
 * that read more than room holds is an error, not a silent gap in
 * hamilton.files.
 */
Size
files_pack_reads(char *buf, Size room)
{
	Size		used = 0;
	ListCell   *lc;

	files_noting = false;
	foreach(lc, files_read)
	{
		StepFileRead *f = lfirst(lc);
		char		rows[32];
		Size		n;

		snprintf(rows, sizeof(rows), INT64_FORMAT, f->rows);
		n = strlen(rows) + 1 + strlen(f->path) + 1;
		if (used + n > room)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the step read more files than a background worker can report to its run"),
					 errdetail("It read %d files; their paths take more than the %zu bytes a worker hands back, and hamilton.files would miss some.",
							   list_length(files_read), room),
					 errhint("Run the dataflow with workers => 0, or read fewer files in one node.")));
		memcpy(buf + used, rows, strlen(rows) + 1);
		memcpy(buf + used + strlen(rows) + 1, f->path, strlen(f->path) + 1);
		used += n;
	}
	return used;
}

/*
 * files_take_reads makes the files a background worker read for a step
 * (packed by files_pack_reads) the running step's, for files_end_step to
 * record.
 */
void
files_take_reads(const char *buf, Size len)
{
	Size		at = 0;

	files_begin_step();
	while (at < len)
	{
		MemoryContext old = MemoryContextSwitchTo(files_cxt);
		StepFileRead *f = palloc(sizeof(StepFileRead));

		f->rows = pg_strtoint64(buf + at);
		at += strlen(buf + at) + 1;
		f->path = pstrdup(buf + at);
		at += strlen(buf + at) + 1;
		files_read = lappend(files_read, f);
		MemoryContextSwitchTo(old);
	}
}
