/*-------------------------------------------------------------------------
 *
 * run_json.c
 *	  A run's record as JSON, {"run": {...}, "nodes": [...]}, the shape
 *	  catalog_insert_run reads with jsonb_populate_record(set), from the
 *	  run's fields and its steps; and a copy of the steps that outlives the
 *	  plan, from which the record is written only if it is needed.
 *
 * A run that succeeded is written in the caller's transaction; its record
 * is needed again only if that transaction rolls back (open_runs.c).  The
 * steps are kept, copied, until then, and their JSON is written only then:
 * for 10,000 steps the JSON is megabytes, and a transaction nearly always
 * commits.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/json.h"
#include "utils/timestamp.h"

#include "runlog.h"

static void copy_string(const char **field, char **next);

/*
 * runlog_json_field appends "key":value (a JSON string, or null), and a
 * comma unless last.
 */
void
runlog_json_field(StringInfo buf, const char *key, const char *value, bool last)
{
	escape_json(buf, key);
	appendStringInfoChar(buf, ':');
	if (value)
		escape_json(buf, value);
	else
		appendStringInfoString(buf, "null");
	if (!last)
		appendStringInfoChar(buf, ',');
}

/*
 * runlog_run_json is the record of run run_id: run, the fields of its
 * "run" object (history.c), and its n steps.
 */
char *
runlog_run_json(const char *run, int64 run_id, const CatalogNodeRun *rows, int n)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"run\":{%s},\"nodes\":[", run);
	for (i = 0; i < n; i++)
	{
		const CatalogNodeRun *r = &rows[i];

		appendStringInfo(&buf, "%s{\"run_id\":" INT64_FORMAT ",\"step\":%d,", i ? "," : "",
						 run_id, r->step);
		runlog_json_field(&buf, "node", r->node, false);
		runlog_json_field(&buf, "module", r->module, false);
		runlog_json_field(&buf, "kind", r->kind, false);
		runlog_json_field(&buf, "relation", r->relation, false);
		if (r->has_rows)
			appendStringInfo(&buf, "\"rows\":" INT64_FORMAT ",", r->rows);
		if (r->has_ms)
			appendStringInfo(&buf, "\"ms\":%.3f,", r->ms);
		runlog_json_field(&buf, "status", r->status, false);
		runlog_json_field(&buf, "fingerprint", r->fingerprint, false);
		if (r->cached_from > 0)	/* (cache) */
			appendStringInfo(&buf, "\"cached_from\":" INT64_FORMAT ",", r->cached_from);
		if (r->checks)
			appendStringInfo(&buf, "\"checks\":%s,", r->checks);
		/* parallel runs: the worker that ran the step, and when */
		if (r->worker_pid)
			appendStringInfo(&buf, "\"worker_pid\":%d,", r->worker_pid);
		if (r->started_at)
			runlog_json_field(&buf, "started_at", timestamptz_to_str(r->started_at), false);
		if (r->ended_at)
			runlog_json_field(&buf, "ended_at", timestamptz_to_str(r->ended_at), false);
		/* (servers2) the server a placed step ran on; a 1.3 catalog ignores it */
		if (r->placement)
			runlog_json_field(&buf, "placement", r->placement, false);
		runlog_json_field(&buf, "error", r->error, true);
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoString(&buf, "]}");
	return buf.data;
}

/*
 * runlog_copy_steps copies n steps, with their strings (in one block), into
 * the current memory context: the plan and graph they point into may be
 * gone when the copy is read.
 */
CatalogNodeRun *
runlog_copy_steps(const CatalogNodeRun *rows, int n)
{
	CatalogNodeRun *copy = palloc(sizeof(CatalogNodeRun) * Max(n, 1));
	Size		len = 0;
	char	   *next;
	int			i;

	memcpy(copy, rows, sizeof(CatalogNodeRun) * n);
	for (i = 0; i < n; i++)
	{
		const char *s[9] = {rows[i].node, rows[i].module, rows[i].kind, rows[i].relation,
		rows[i].status, rows[i].fingerprint, rows[i].checks, rows[i].error, rows[i].placement};
		int			f;

		for (f = 0; f < 9; f++)
			if (s[f])
				len += strlen(s[f]) + 1;
	}
	next = palloc(Max(len, 1));
	for (i = 0; i < n; i++)
	{
		copy_string(&copy[i].node, &next);
		copy_string(&copy[i].module, &next);
		copy_string(&copy[i].kind, &next);
		copy_string(&copy[i].relation, &next);
		copy_string(&copy[i].status, &next);
		copy_string(&copy[i].fingerprint, &next);
		copy_string(&copy[i].checks, &next);
		copy_string(&copy[i].error, &next);
		copy_string(&copy[i].placement, &next);
	}
	return copy;
}

/* copy_string copies *field (unless NULL) to *next, and points it there. */
static void
copy_string(const char **field, char **next)
{
	Size		len;

	if (*field == NULL)
		return;
	len = strlen(*field) + 1;
	memcpy(*next, *field, len);
	*field = *next;
	*next += len;
}
