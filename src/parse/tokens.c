/*-------------------------------------------------------------------------
 *
 * tokens.c
 *	  Token spans in SQL text, as PostgreSQL's scanner delimits them: white
 *	  space and comments, identifiers, qualified names; and splicing
 *	  replacements into a text at the spans the parser found.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "lib/stringinfo.h"
#include "parser/scansup.h"

#include "parse.h"

static int	ref_cmp(const void *a, const void *b);

/* sql_skip_space_and_comments: white space, -- comments and nested block comments */
const char *
sql_skip_space_and_comments(const char *p)
{
	for (;;)
	{
		while (*p && scanner_isspace(*p))
			p++;
		if (p[0] == '-' && p[1] == '-')
		{
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (p[0] == '/' && p[1] == '*')
		{
			int			depth = 0;

			do
			{
				if (p[0] == '/' && p[1] == '*')
				{
					depth++;
					p += 2;
				}
				else if (p[0] == '*' && p[1] == '/')
				{
					depth--;
					p += 2;
				}
				else
					p++;
			} while (*p && depth > 0);
			continue;
		}
		return p;
	}
}

/* sql_ident_char: can the character stand in an unquoted identifier? */
bool
sql_ident_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80;
}

/*
 * sql_name_end finds where a (possibly qualified, possibly
 * quoted) relation name that starts at "start" ends: ident [. ident ...].
 */
int
sql_name_end(const char *sql, int start)
{
	const char *p = sql + start;

	for (;;)
	{
		const char *q;

		if ((p[0] == 'U' || p[0] == 'u') && p[1] == '&' && p[2] == '"')
			p += 2;
		if (*p == '"')
		{
			p++;
			while (*p)
			{
				if (*p == '"')
				{
					if (p[1] == '"')
						p += 2;
					else
					{
						p++;
						break;
					}
				}
				else
					p++;
			}
		}
		else
		{
			while (*p && sql_ident_char((unsigned char) *p))
				p++;
		}

		q = sql_skip_space_and_comments(p);
		if (*q != '.')
			break;
		p = sql_skip_space_and_comments(q + 1);
	}
	return (int) (p - sql);
}

/*
 * sql_after_table_keyword: does the name at start follow the keyword TABLE?
 * "TABLE name" is a statement form whose name cannot become a subquery.
 */
bool
sql_after_table_keyword(const char *sql, int start)
{
	int			i = start - 1;

	while (i >= 0 && scanner_isspace(sql[i]))
		i--;
	if (i < 4 || pg_strncasecmp(sql + i - 4, "table", 5) != 0)
		return false;
	return i < 5 || !sql_ident_char((unsigned char) sql[i - 5]);
}

/*
 * sql_identifier_position: where ident (as quote_identifier writes it) first
 * stands as a whole name in text, or INT_MAX.
 */
int
sql_identifier_position(const char *text, const char *ident)
{
	size_t		len = strlen(ident);
	const char *p = text;

	while ((p = strstr(p, ident)) != NULL)
	{
		bool		before = p > text && (sql_ident_char((unsigned char) p[-1]) || p[-1] == '"' || p[-1] == '.');
		bool		after = sql_ident_char((unsigned char) p[len]) || p[len] == '"';

		if (!before && !after)
			return (int) (p - text);
		p += len;
	}
	return INT_MAX;
}

static int
ref_cmp(const void *a, const void *b)
{
	const SqlRef *ra = *(SqlRef *const *) a;
	const SqlRef *rb = *(SqlRef *const *) b;

	return (ra->start > rb->start) - (ra->start < rb->start);
}

/*
 * splice_refs returns sql with each reference whose replacement is not NULL
 * replaced, in one left-to-right pass.
 */
char *
splice_refs(const char *sql, int nrefs, SqlRef *refs, char **replacements)
{
	StringInfoData buf;
	SqlRef	  **order;
	int			pos = 0;
	int			i;

	order = palloc(sizeof(SqlRef *) * Max(nrefs, 1));
	for (i = 0; i < nrefs; i++)
		order[i] = &refs[i];
	qsort(order, nrefs, sizeof(SqlRef *), ref_cmp);

	initStringInfo(&buf);
	for (i = 0; i < nrefs; i++)
	{
		int			idx = order[i] - refs;

		if (replacements[idx] == NULL)
			continue;
		appendBinaryStringInfo(&buf, sql + pos, order[i]->start - pos);
		appendStringInfoString(&buf, replacements[idx]);
		pos = order[i]->end;
	}
	appendStringInfoString(&buf, sql + pos);
	pfree(order);
	return buf.data;
}
