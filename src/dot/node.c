/*-------------------------------------------------------------------------
 *
 * node.c
 *	  One node's DOT statement: its label, shape, style and colours.
 *
 * The shape says the node's kind, a dashed outline an input, a thick
 * outline a requested output; with a run, the fill says how the step ended
 * (failed in red), and a node the run did not touch is greyed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"

#include "dot.h"

/* Longest error text shown, in characters; longer ones are cut. */
#define DOT_ERROR_MAX_CHARS	80

/* Label lines besides the tags: name, kind, the step, its error. */
#define DOT_LABEL_OTHER_LINES 4

static char *describe_kind(const DotNode *n);
static char *describe_step(const DotStep *step);
static char *describe_error(const char *error);
static const char *node_shape(const DotNode *n, const char **style);

/*
 * describe_kind is the label's second line: the kind, with the type and
 * language where they say more.
 */
static char *
describe_kind(const DotNode *n)
{
	StringInfoData buf;
	const char *kind = n->kind;
	bool		sql = n->language && strcmp(n->language, "sql") == 0;

	initStringInfo(&buf);
	if (strcmp(kind, "input") == 0)
		appendStringInfoString(&buf, "input");
	else if (strcmp(kind, "scalar") == 0)
	{
		appendStringInfoString(&buf, "scalar");
		if (n->type)
			appendStringInfo(&buf, " %s", n->type);
		if (n->language)
			appendStringInfo(&buf, " (%s)", n->language);
	}
	else if (strcmp(kind, "table") == 0 && sql)
		appendStringInfoString(&buf, "table: SQL");
	else if (strcmp(kind, "table") == 0)
		appendStringInfo(&buf, "table: %s%s", n->language ? n->language : "",
						 n->language ? " function" : "function");
	else
	{
		/* a column, or a kind recorded by a run that is not known here */
		appendStringInfoString(&buf, kind);
		if (n->type)
			appendStringInfo(&buf, " %s", n->type);
	}
	if (!n->defined)
		appendStringInfoString(&buf, " (no longer defined)");
	return buf.data;
}

/* describe_step is "status, N rows, T ms" of a run's step. */
static char *
describe_step(const DotStep *step)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, step->status);
	if (step->rows)
		appendStringInfo(&buf, ", %s %s", step->rows,
						 strcmp(step->rows, "1") == 0 ? "row" : "rows");
	if (step->ms)
		appendStringInfo(&buf, ", %s ms", step->ms);
	return buf.data;
}

/*
 * describe_error is "error: ..." with the error cut to 77 characters and
 * "..." when it is longer than 80.
 */
static char *
describe_error(const char *error)
{
	int			len = strlen(error);

	if (pg_mbstrlen_with_len(error, len) > DOT_ERROR_MAX_CHARS)
		return psprintf("error: %.*s...",
						pg_mbcharcliplen(error, len, DOT_ERROR_MAX_CHARS - 3), error);
	return psprintf("error: %s", error);
}

/* node_shape is the shape for the node's kind, and its first style, if any. */
static const char *
node_shape(const DotNode *n, const char **style)
{
	*style = NULL;
	if (strcmp(n->kind, "input") == 0)
	{
		*style = "dashed";
		return "box";
	}
	if (strcmp(n->kind, "scalar") == 0)
		return "ellipse";
	if (strcmp(n->kind, "table") == 0 && n->language && strcmp(n->language, "sql") == 0)
		return "tab";
	if (strcmp(n->kind, "table") == 0)
	{
		*style = "rounded";
		return "box";
	}
	if (strcmp(n->kind, "column") == 0)
		return "parallelogram";
	return "box";
}

/*
 * dot_append_node appends the node's statement:
 *	 "name" [label="...", shape=..., style="...", fillcolor=..., ...];
 */
void
dot_append_node(StringInfo buf, const DotNode *n)
{
	const char **label;
	int			nlines = 0;
	const char *style;
	const char *shape = node_shape(n, &style);
	const char *fill = NULL;
	const char *attrs[3];
	int			nattrs = 0;
	bool		in_run = n->with_run && n->step != NULL;
	ListCell   *lc;
	int			i;

	label = palloc(sizeof(char *) * (list_length(n->tags) + DOT_LABEL_OTHER_LINES));
	label[nlines++] = n->node;
	label[nlines++] = describe_kind(n);
	foreach(lc, n->tags)
		label[nlines++] = lfirst(lc);
	if (in_run)
	{
		label[nlines++] = describe_step(n->step);
		if (n->step->error)
			label[nlines++] = describe_error(n->step->error);
	}
	else if (n->with_run)
		label[nlines++] = "not in this run";

	if (in_run)
	{
		const char *status = n->step->status;

		if (strcmp(status, "failed") == 0)
		{
			fill = "#f4a6a6";
			attrs[nattrs++] = "color=\"#b00020\"";
		}
		else if (strcmp(status, "rolled back") == 0)
			fill = "#fde2b8";
		else if (strcmp(status, "not run") == 0)
		{
			fill = "#e8e8e8";
			attrs[nattrs++] = "fontcolor=\"#666666\"";
		}
		else
			fill = "#cdebc5";
	}
	else if (n->with_run)
	{
		attrs[nattrs++] = "color=\"#999999\"";
		attrs[nattrs++] = "fontcolor=\"#666666\"";
	}
	else if (n->is_output)
		fill = "#ffe08a";
	if (n->is_output)
		attrs[nattrs++] = "penwidth=3";

	appendStringInfoString(buf, "  ");
	dot_append_quoted(buf, n->node);
	appendStringInfoString(buf, " [label=");
	dot_append_label(buf, label, nlines);
	appendStringInfo(buf, ", shape=%s", shape);
	if (style || fill)
	{
		/* the styles are plain words: quoting them needs no escaping */
		appendStringInfo(buf, ", style=\"%s%s%s\"", style ? style : "",
						 style && fill ? "," : "", fill ? "filled" : "");
	}
	if (fill)
		appendStringInfo(buf, ", fillcolor=\"%s\"", fill);
	for (i = 0; i < nattrs; i++)
		appendStringInfo(buf, ", %s", attrs[i]);
	appendStringInfoString(buf, "];");
}
