/*-------------------------------------------------------------------------
 *
 * quote.c
 *	  DOT's quoted strings: escaping, quoting, and labels of several lines.
 *
 * Text becomes a DOT string with its backslashes and quotes escaped and its
 * control characters (which DOT would keep or reject) turned into spaces,
 * exactly as the SQL expression
 *	   replace(replace(regexp_replace(s, '[[:cntrl:]]', ' ', 'g'),
 *					   E'\\', E'\\\\'), '"', E'\\"')
 * does.  Which characters [[:cntrl:]] matches depends on the database's
 * locale beyond ASCII: in a UTF8 database under C.UTF-8 it is U+0001 to
 * U+001F and U+007F to U+009F (U+0085 is one, U+200B and U+2028 are not).
 * In ASCII it is U+0001 to U+001F and U+007F in every locale, so ASCII text
 * (nearly every name) is handled here, and other text is handed to
 * PostgreSQL's own regexp_replace, so that the answer is the one the
 * database's locale gives.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "dot.h"

static const char *blank_controls_by_regex(const char *s);

/*
 * blank_controls_by_regex is regexp_replace(s, '[[:cntrl:]]', ' ', 'g') in
 * the database's default collation, the collation of every text drawn.
 */
static const char *
blank_controls_by_regex(const char *s)
{
	Datum		result;

	result = DirectFunctionCall4Coll(textregexreplace, DEFAULT_COLLATION_OID,
									 CStringGetTextDatum(s),
									 CStringGetTextDatum("[[:cntrl:]]"),
									 CStringGetTextDatum(" "),
									 CStringGetTextDatum("g"));
	return TextDatumGetCString(result);
}

/*
 * dot_append_escaped appends s as the inside of a DOT quoted string:
 * control characters as spaces, \ as \\, " as \".
 */
void
dot_append_escaped(StringInfo buf, const char *s)
{
	const char *p;
	const char *run;

	for (p = s; *p; p++)
		if (IS_HIGHBIT_SET(*p))
		{
			s = blank_controls_by_regex(s);
			break;
		}

	run = s;
	for (p = s; *p; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (c >= 0x20 && c != 0x7f && c != '\\' && c != '"')
			continue;
		appendBinaryStringInfo(buf, run, p - run);
		if (c == '\\' || c == '"')
		{
			appendStringInfoChar(buf, '\\');
			appendStringInfoChar(buf, (char) c);
		}
		else
			appendStringInfoChar(buf, ' ');
		run = p + 1;
	}
	appendBinaryStringInfo(buf, run, p - run);
}

/*
 * close_quote ends a quoted string whose inside starts at byte start.  DOT
 * reads \" as a quote even after an escaped backslash, so a string never
 * ends with a backslash: a space follows it.
 */
static void
close_quote(StringInfo buf, int start)
{
	if (buf->len > start && buf->data[buf->len - 1] == '\\')
		appendStringInfoChar(buf, ' ');
	appendStringInfoChar(buf, '"');
}

/* dot_append_quoted appends s as a DOT quoted string. */
void
dot_append_quoted(StringInfo buf, const char *s)
{
	int			start;

	appendStringInfoChar(buf, '"');
	start = buf->len;
	dot_append_escaped(buf, s);
	close_quote(buf, start);
}

/*
 * dot_append_label appends a label of several lines: each escaped, joined
 * by DOT's line break \n; NULL lines are left out.
 */
void
dot_append_label(StringInfo buf, const char *const *lines, int nlines)
{
	int			start;
	int			i;
	bool		first = true;

	appendStringInfoChar(buf, '"');
	start = buf->len;
	for (i = 0; i < nlines; i++)
	{
		if (lines[i] == NULL)
			continue;
		if (!first)
			appendStringInfoString(buf, "\\n");
		dot_append_escaped(buf, lines[i]);
		first = false;
	}
	close_quote(buf, start);
}
