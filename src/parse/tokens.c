/*-------------------------------------------------------------------------
 *
 * tokens.c
 *	  Token spans in SQL text, as PostgreSQL's own scanner (core_yylex)
 *	  delimits them, and splicing replacements into a text at spans the
 *	  parser and the scanner found.
 *
 * Nothing here reads SQL by hand: white space, comments, quoted and Unicode
 * identifiers, UESCAPE clauses and string literals are whatever scan.l says
 * they are.  After core_yylex returns a token, the scanner has put a '\0'
 * right after it in its own copy of the text (base_yylex in parser.c reads
 * a token's length the same way), so every token's end is known exactly.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "common/keywords.h"
#include "lib/stringinfo.h"
#include "parser/gramparse.h"
#include "utils/guc.h"
#include "utils/hsearch.h"

#include "catalog.h"
#include "parse.h"

/* A name sql_word_positions looks for (the key), and its index. */
typedef struct WordEntry
{
	char		name[NAMEDATALEN];
	int			index;
} WordEntry;

static int	edit_cmp(const void *a, const void *b);
static bool token_is_word(int code);
static SqlTokens *scan_tokens(const char *sql, int limit);
static int	token_search(const SqlTokens *tokens, int pos, bool by_end);

/*
 * token_is_word: an identifier, or a keyword (which may name a column or a
 * relation where the grammar allows it: "copy", "name").  Keyword tokens
 * are numbered from ABORT_P to ZONE in gram.h, in kwlist.h's order.
 */
static bool
token_is_word(int code)
{
	return code == IDENT || (code >= ABORT_P && code <= ZONE);
}

/*
 * scan_tokens returns the first limit tokens of sql with their byte spans,
 * read under the pinned SQL-reading settings (as parse_raw reads the
 * text), so that a string literal ends where the parser saw it end.
 */
static SqlTokens *
scan_tokens(const char *sql, int limit)
{
	SqlTokens  *result = palloc0(sizeof(SqlTokens));
	int			max = 16;
	int			nestlevel = NewGUCNestLevel();

	result->tokens = palloc(sizeof(SqlToken) * max);
	PG_TRY();
	{
		core_yy_extra_type yyextra;
		core_YYSTYPE yylval;
		YYLTYPE		yylloc;
		core_yyscan_t scanner;

		pin_sql_reading_settings();
		scanner = scanner_init(sql, &yyextra, &ScanKeywords, ScanKeywordTokens);
		while (result->ntokens < limit)
		{
			int			code = core_yylex(&yylval, &yylloc, scanner);
			SqlToken   *tok;

			if (code == 0)
				break;
			if (result->ntokens == max)
			{
				max *= 2;
				result->tokens = repalloc(result->tokens, sizeof(SqlToken) * max);
			}
			tok = &result->tokens[result->ntokens++];
			tok->code = code;
			tok->start = yylloc;
			tok->end = yylloc + strlen(yyextra.scanbuf + yylloc);
			if (code == IDENT)
				tok->word = yylval.str;
			else if (token_is_word(code))
				tok->word = yylval.keyword;
			else
				tok->word = NULL;
		}
		scanner_finish(scanner);
	}
	PG_CATCH();
	{
		AtEOXact_GUC(false, nestlevel);
		PG_RE_THROW();
	}
	PG_END_TRY();
	AtEOXact_GUC(true, nestlevel);
	return result;
}

/*
 * sql_tokenize returns every token of sql.  The text is expected to have
 * parsed already; a scanner error is raised as it is.
 */
SqlTokens *
sql_tokenize(const char *sql)
{
	return scan_tokens(sql, INT_MAX);
}

/*
 * sql_first_token is the code of the first token of sql, or 0 when there
 * is none or the scanner cannot read it.
 */
int
sql_first_token(const char *sql)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			code = 0;

	PG_TRY();
	{
		SqlTokens  *first = scan_tokens(sql, 1);

		code = first->ntokens > 0 ? first->tokens[0].code : 0;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		FlushErrorState();
		code = 0;
	}
	PG_END_TRY();
	return code;
}

/*
 * token_search: the index of the token that starts (or, by_end, ends) at
 * byte pos, or -1.  Tokens are in text order.
 */
static int
token_search(const SqlTokens *tokens, int pos, bool by_end)
{
	int			lo = 0,
				hi = tokens->ntokens - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			at = by_end ? tokens->tokens[mid].end : tokens->tokens[mid].start;

		if (at == pos)
			return mid;
		if (at < pos)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * sql_token_at is the index of the token that starts at byte location (a
 * parse node's location), or -1.
 */
int
sql_token_at(const SqlTokens *tokens, int location)
{
	return token_search(tokens, location, false);
}

/*
 * sql_name_last_token: the index of the last token of a name of nparts
 * parts (as the parse tree counts them) whose first token is i.  A part is
 * an identifier or keyword, a Unicode identifier with its UESCAPE clause,
 * or * (in a.*); parts are joined by '.' tokens.
 */
int
sql_name_last_token(const SqlTokens *tokens, int i, int nparts)
{
	const SqlToken *t = tokens->tokens;
	int			n = tokens->ntokens;
	int			part;

	if (i < 0 || i >= n)
		elog(ERROR, "no token at the start of a name");
	for (part = 0; part < nparts; part++)
	{
		if (part > 0)
		{
			if (i + 2 >= n || t[i + 1].code != '.')
				elog(ERROR, "name of %d parts ends after %d", nparts, part);
			i += 2;
		}
		if (t[i].code == UIDENT && i + 2 < n && t[i + 1].code == UESCAPE &&
			t[i + 2].code == SCONST)
			i += 2;
	}
	return i;
}

/*
 * sql_ends_in_comment: does the text that ends at byte end (white space
 * trimmed) end with a comment rather than a token?  Anything written after
 * a -- comment would be swallowed by it.
 */
bool
sql_ends_in_comment(const SqlTokens *tokens, int end)
{
	return token_search(tokens, end, true) < 0;
}

/*
 * sql_word_positions: for each of n names, the byte position in text of
 * the first identifier or keyword token that reads as that name and is not
 * the second part of a qualified name (after '.'), or INT_MAX.
 */
void
sql_word_positions(const char *text, int n, const char **names, int *positions)
{
	HASHCTL		ctl;
	HTAB	   *wanted;
	SqlTokens  *tokens;
	int			i;

	for (i = 0; i < n; i++)
		positions[i] = INT_MAX;
	if (n == 0)
		return;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(WordEntry);
	ctl.hcxt = CurrentMemoryContext;
	wanted = hash_create("hamilton word positions", n, &ctl,
						 HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	for (i = 0; i < n; i++)
	{
		bool		found;
		WordEntry  *e;

		if (strlen(names[i]) >= NAMEDATALEN)
			continue;
		e = hash_search(wanted, names[i], HASH_ENTER, &found);
		if (!found)
			e->index = i;
	}

	tokens = sql_tokenize(text);
	for (i = 0; i < tokens->ntokens; i++)
	{
		SqlToken   *t = &tokens->tokens[i];
		WordEntry  *e;

		if (t->word == NULL || strlen(t->word) >= NAMEDATALEN ||
			(i > 0 && tokens->tokens[i - 1].code == '.'))
			continue;
		e = hash_search(wanted, t->word, HASH_FIND, NULL);
		if (e && positions[e->index] == INT_MAX)
			positions[e->index] = t->start;
	}
	/* names given twice share the first one's position */
	for (i = 0; i < n; i++)
	{
		WordEntry  *e = strlen(names[i]) < NAMEDATALEN ?
			hash_search(wanted, names[i], HASH_FIND, NULL) : NULL;

		if (e)
			positions[i] = positions[e->index];
	}
	hash_destroy(wanted);
}

static int
edit_cmp(const void *a, const void *b)
{
	const SqlEdit *ea = *(SqlEdit *const *) a;
	const SqlEdit *eb = *(SqlEdit *const *) b;

	if (ea->start != eb->start)
		return (ea->start > eb->start) - (ea->start < eb->start);
	/* an insertion goes before a replacement that starts there */
	return (ea->end > eb->end) - (ea->end < eb->end);
}

/*
 * splice_edits returns sql with each edit's span [start, end) replaced by
 * its text (start == end inserts), in one left-to-right pass.  Spans come
 * from the parser and the scanner and never overlap.
 */
char *
splice_edits(const char *sql, List *edits)
{
	StringInfoData buf;
	SqlEdit   **order;
	int			n = list_length(edits);
	int			pos = 0;
	int			i = 0;
	ListCell   *lc;

	order = palloc(sizeof(SqlEdit *) * Max(n, 1));
	foreach(lc, edits)
		order[i++] = lfirst(lc);
	qsort(order, n, sizeof(SqlEdit *), edit_cmp);

	initStringInfo(&buf);
	for (i = 0; i < n; i++)
	{
		if (order[i]->start < pos)
			elog(ERROR, "overlapping edits at byte %d of a definition", order[i]->start);
		appendBinaryStringInfo(&buf, sql + pos, order[i]->start - pos);
		appendStringInfoString(&buf, order[i]->text);
		pos = order[i]->end;
	}
	appendStringInfoString(&buf, sql + pos);
	pfree(order);
	return buf.data;
}

/* sql_edit makes an edit replacing [start, end) of a text with text. */
SqlEdit *
sql_edit(int start, int end, const char *text)
{
	SqlEdit    *e = palloc(sizeof(SqlEdit));

	e->start = start;
	e->end = end;
	e->text = text;
	return e;
}

/*
 * splice_refs returns sql with each reference whose replacement is not NULL
 * replaced.
 */
char *
splice_refs(const char *sql, int nrefs, SqlRef *refs, char **replacements)
{
	List	   *edits = NIL;
	int			i;

	for (i = 0; i < nrefs; i++)
		if (replacements[i] != NULL)
			edits = lappend(edits, sql_edit(refs[i].start, refs[i].end, replacements[i]));
	return splice_edits(sql, edits);
}
