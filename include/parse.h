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

#include "nodes/pg_list.h"
#include "utils/array.h"
#include "utils/jsonb.h"

/*
 * A name a definition reads: a relation in a SQL node's FROM, or a column
 * name in a column expression.  The parser fills in where it stands; the
 * DAG (dag/resolve.c) decides what it means: target and source.
 */
typedef struct SqlRef
{
	char	   *schema;			/* as written; NULL when unqualified */
	char	   *name;
	int			start;			/* byte span of the name in the definition */
	int			end;
	bool		has_alias;
	bool		no_alias_allowed;	/* TABLE x, ONLY (x): nothing may follow */
	bool		inlinable;		/* may be replaced by a parenthesized subquery */
	bool		column;			/* a column name in an expression node */
	bool		key;			/* a column name that is a frame's key column */
	int			target;			/* node index; -1 for a source relation */
	char	   *source;			/* qualified source relation when target < 0 */
} SqlRef;

/* What the parser found in a SQL node's definition (query.c). */
typedef struct ParsedQuery
{
	char	   *sql;			/* the single statement, trimmed */
	int			nrefs;
	SqlRef	   *refs;			/* relations it reads, CTE names excluded */
} ParsedQuery;

/* What the parser found in a column expression's definition (expression.c). */
typedef struct ParsedExpr
{
	char	   *sql;			/* the expression, trimmed */
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

/* raw.c */
extern void parse_context_push(ErrorContextCallback *cb, ParseErrorContext *arg,
							   const char *node_display, const char *sql, int offset,
							   bool expression);
extern List *parse_raw(const char *sql);

/* tokens.c */
extern const char *sql_skip_space_and_comments(const char *p);
extern bool sql_ident_char(unsigned char c);
extern int	sql_name_end(const char *sql, int start);
extern bool sql_after_table_keyword(const char *sql, int start);
extern int	sql_identifier_position(const char *text, const char *ident);
extern char *splice_refs(const char *sql, int nrefs, SqlRef *refs,
						 char **replacements);

/* arguments.c */
extern bool jsonb_object_get(Jsonb *container, const char *key,
							 char **json_text, char *json_kind);
extern List *jsonb_object_keys_list(Jsonb *container, const char *what);
extern char *jsonb_text(Jsonb *value);
extern List *text_array_to_list(ArrayType *arr, const char *what);
extern ArrayType *cstring_list_to_array(List *items);

#endif							/* HAMILTON_PARSE_H */
