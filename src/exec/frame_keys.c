/*-------------------------------------------------------------------------
 *
 * frame_keys.c
 *	  (frames, issue 13 item 7) What a frame's group checks when it runs:
 *	  that its SELECT still yields the columns the frame was defined with,
 *	  and that its key identifies one row.
 *
 * A frame's columns are nodes, read when it is defined (define/
 * frame_shape.c).  What it reads may change afterwards (a node it reads
 * redefined, a source table altered): the run then refuses the frame
 * rather than compute its column nodes from columns that are no longer
 * what they were.  pandas lines a frame's series up on its index, and
 * duplicate index entries align in a cross product; here a key that is on
 * two rows is refused, whatever the request, before the run ends.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/plancache.h"

#include "exec.h"

static char *columns_text(int n, char **names, char **types);

/* columns_text: "a integer, b text", the columns a frame yields. */
static char *
columns_text(int n, char **names, char **types)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s %s", i ? ", " : "", quote_identifier(names[i]), types[i]);
	return buf.data;
}

/*
 * frame_check_columns refuses to run a frame's group when the frame's
 * SELECT, as this run reads it (sql: its upstream nodes' relations of this
 * run), yields other columns, or other types, than when the frame was
 * defined.  A catalog older than frames has nothing to compare.
 */
void
frame_check_columns(HNode *frame, const char *sql)
{
	SPIPlanPtr	plan;
	TupleDesc	desc;
	char	  **names,
			  **types;
	bool		same;
	int			i;

	if (frame->nframe_columns == 0)
		return;
	plan = SPI_prepare(psprintf("SELECT * FROM (\n%s\n) AS hamilton_frame", sql), 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	desc = ((CachedPlanSource *) linitial(SPI_plan_get_plan_sources(plan)))->resultDesc;
	names = palloc(sizeof(char *) * Max(desc->natts, 1));
	types = palloc(sizeof(char *) * Max(desc->natts, 1));
	same = desc->natts == frame->nframe_columns;
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		names[i] = pstrdup(NameStr(att->attname));
		types[i] = format_type_with_typemod(att->atttypid, att->atttypmod);
		if (same && (strcmp(names[i], frame->frame_columns[i]) != 0 ||
					 strcmp(types[i], frame->frame_types[i]) != 0))
			same = false;
	}
	SPI_freeplan(plan);
	if (!same)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
				 errmsg("the columns of frame %s changed since it was defined", frame->display),
				 errdetail("It was defined with columns %s; its SELECT now yields %s.",
						   columns_text(frame->nframe_columns, frame->frame_columns, frame->frame_types),
						   columns_text(desc->natts, names, types)),
				 errhint("A node or table the frame reads was changed: redefine the frame with hamilton_define(..., key => ..., extract_columns => true) so that its column nodes are read again.")));
}

/*
 * frame_refuse_duplicate_keys refuses a frame whose key is on more than
 * one row of relation, a table its group wrote (one row per row of the
 * frame, the key first).  NULL keys count as equal, as GROUP BY has them.
 */
void
frame_refuse_duplicate_keys(HNode *frame, const char *relation)
{
	StringInfoData keys;
	StringInfoData shown;
	int			k,
				ret;

	initStringInfo(&keys);
	for (k = 0; k < frame->nkey; k++)
		appendStringInfo(&keys, "%s%s", k ? ", " : "", quote_identifier(frame->key[k]));
	ret = SPI_execute(psprintf("SELECT %s, pg_catalog.count(*) FROM %s GROUP BY %s "
							   "HAVING pg_catalog.count(*) > 1 LIMIT 1",
							   keys.data, relation, keys.data), false, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		return;
	initStringInfo(&shown);
	for (k = 0; k < frame->nkey; k++)
	{
		char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, k + 1);

		appendStringInfo(&shown, "%s%s", k ? ", " : "", v ? v : "NULL");
	}
	ereport(ERROR,
			(errcode(ERRCODE_UNIQUE_VIOLATION),
			 errmsg("key (%s) = (%s) is on %s rows of frame %s", keys.data, shown.data,
					SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, frame->nkey + 1),
					frame->display),
			 errdetail("A frame's key identifies one row: its column nodes are lined up by it, and a key on several rows would line them up in a cross product, as pandas does with a duplicate index."),
			 errhint("Make the key unique in the frame's SELECT (add a column to key => ARRAY[...], or aggregate or DISTINCT ON the key).")));
}
