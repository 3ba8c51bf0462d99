/*
 * parse.h
 *	  Stage 2, src/parse/: reading what users write.  SQL definitions are
 *	  read with PostgreSQL's own parser (raw_parser) and the scanner's
 *	  token spans; JSON and array arguments with PostgreSQL's own readers.
 *
 * Nothing here looks at the catalog or the graph: it finds what a text
 * says, with byte positions, and the later stages decide what it means.
 */
#ifndef HAMILTON_PARSE_H
#define HAMILTON_PARSE_H

#include "postgres.h"

#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"
#include "utils/array.h"
#include "utils/jsonb.h"

/*
 * A column reference's qualifier that names a relation the query reads:
 * "a" in a.x, "m.a" in m.a.x (and "m.a" in m.a.*).  When the relation is
 * replaced by a subquery or a temporary table under the alias a, a
 * qualifier with a schema must read "a" too (plan/render.c).
 */
typedef struct SqlQualifier
{
	int			start;			/* byte span of the qualifier, without the last dot */
	int			end;
	char	   *catalog;		/* as written; NULL when not given */
	char	   *schema;			/* as written; NULL for a bare relation name */
} SqlQualifier;

/*
 * A name a definition reads: a relation in a SQL node's FROM, or a column
 * name in a column expression.  The parser fills in where it stands, from
 * the parse tree and the scanner's token spans; the DAG (dag/resolve.c)
 * decides what it means: target and source.
 */
typedef struct SqlRef
{
	char	   *schema;			/* as written; NULL when unqualified */
	char	   *name;
	int			start;			/* byte span of the name in the definition */
	int			end;			/* (with the * of "name *") */
	bool		has_alias;
	char	   *alias;			/* the alias it takes when replaced: its
								 * name, unless another item of its FROM
								 * clause has that name too */
	bool		relation_only;	/* TABLE x, ONLY x, ONLY (x), x TABLESAMPLE:
								 * only a relation may stand there */
	int			alias_at;		/* where an alias may be written: after the
								 * name, after ONLY (x)'s parenthesis; -1 */
	int			table_start;	/* TABLE x: where TABLE starts; else -1 */
	List	   *qualifiers;		/* SqlQualifier *: columns qualified by it */
	bool		inlinable;		/* may be replaced by a parenthesized subquery */
	bool		column;			/* a column name in an expression node */
	bool		in_window;		/* ... read inside a window function call (its
								 * arguments, FILTER or OVER clause) */
	bool		key;			/* a column name that is a frame's key column */
	int			target;			/* node index; -1 for a source relation */
	char	   *source;			/* qualified source relation when target < 0 */
} SqlRef;

/* One token of a SQL text, as core_yylex delimits it (tokens.c). */
typedef struct SqlToken
{
	int			code;			/* IDENT, SCONST, a keyword's token, a character */
	int			start;			/* byte span in the text */
	int			end;
	const char *word;			/* an identifier's or keyword's name, or NULL */
} SqlToken;

typedef struct SqlTokens
{
	int			ntokens;
	SqlToken   *tokens;
} SqlTokens;

/* A replacement of the span [start, end) of a text (tokens.c). */
typedef struct SqlEdit
{
	int			start;
	int			end;
	const char *text;
} SqlEdit;

/* What the parser found in a SQL node's definition (query.c). */
typedef struct ParsedQuery
{
	char	   *sql;			/* the single statement, trimmed; see ParsedExpr */
	int			nrefs;
	SqlRef	   *refs;			/* relations it reads, CTE names excluded */
} ParsedQuery;

/* What the parser found in a column expression's definition (expression.c). */
typedef struct ParsedExpr
{
	char	   *sql;			/* the expression, trimmed; when it ends with a
								 * -- comment, with the newline that ends it,
								 * so that nothing written after it is lost */
	int			nrefs;
	SqlRef	   *refs;			/* the column names it reads (ref->column) */
	bool		window;			/* it calls a window function (... OVER ...) */
	List	   *plain_calls;	/* names of functions called without OVER */
} ParsedExpr;

/* How a syntax error in a definition is reported (raw.c). */
typedef struct ParseErrorContext
{
	const char *node_display;
	const char *sql;
	int			offset;			/* of the definition within sql */
	bool		expression;
} ParseErrorContext;

/* The kinds of a JSON value as jsonb_object_get reads it (arguments.c). */
#define JSON_KIND_STRING	's'
#define JSON_KIND_NUMBER	'n'
#define JSON_KIND_BOOL		'b'
#define JSON_KIND_NULL		'z'
#define JSON_KIND_CONTAINER 'c'

/* query.c */
extern ParsedQuery *parse_node_query(const char *node_display, const char *sql);
extern bool definition_is_query(const char *sql);

/* expression.c */
extern ParsedExpr *parse_node_expression(const char *node_display, const char *sql,
										 const char *what);

/* qualifiers.c */
extern List *qualifier_scope(List *from_clause);
extern char *qualifier_alias(List *scopes, RangeVar *rv);
extern void qualifier_note(List *scopes, ColumnRef *cref, const SqlTokens *tokens,
						   List **notes);
extern List *qualifiers_of(List *notes, RangeVar *rv, int shift);

/* raw.c */
extern void parse_context_push(ErrorContextCallback *cb, ParseErrorContext *arg,
							   const char *node_display, const char *sql, int offset,
							   bool expression);
extern List *parse_raw(const char *sql);

/* tokens.c */
extern SqlTokens *sql_tokenize(const char *sql);
extern int	sql_first_token(const char *sql);
extern int	sql_token_at(const SqlTokens *tokens, int location);
extern int	sql_name_last_token(const SqlTokens *tokens, int i, int nparts);
extern bool sql_ends_in_comment(const SqlTokens *tokens, int end);
extern void sql_word_positions(const char *text, int n, const char **names,
							   int *positions);
extern SqlEdit *sql_edit(int start, int end, const char *text);
extern char *splice_edits(const char *sql, List *edits);
extern char *splice_refs(const char *sql, int nrefs, SqlRef *refs,
						 char **replacements);

/* arguments.c */
extern bool jsonb_object_get(Jsonb *container, const char *key,
							 char **json_text, char *json_kind);
extern List *jsonb_object_keys_list(Jsonb *container, const char *what);
extern bool jsonb_array_items(Jsonb *container, List **texts, List **kinds);
extern char *jsonb_text(Jsonb *value);
extern List *text_array_to_list(ArrayType *arr, const char *what);
extern ArrayType *cstring_list_to_array(List *items);

/* copy_options.c (features-b: loaders and savers, issue 13 item 9) */
extern char *parse_copy_options(Jsonb *options);
extern void parse_file_path(const char *path, const char *what);

#endif							/* HAMILTON_PARSE_H */
