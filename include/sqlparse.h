/*
 * sqlparse.h
 *	  Reading node definitions with PostgreSQL's own parser.
 */
#ifndef HAMILTON_SQLPARSE_H
#define HAMILTON_SQLPARSE_H

#include "postgres.h"
#include "dag.h"

/* What the parser found in a SQL node's definition. */
typedef struct ParsedQuery
{
	char	   *sql;			/* the single statement, trimmed */
	int			nrefs;
	SqlRef	   *refs;			/* relations it reads, CTE names excluded */
} ParsedQuery;

/* What the parser found in a column expression node's definition. */
typedef struct ParsedExpr
{
	char	   *sql;			/* the expression, trimmed */
	int			nrefs;
	SqlRef	   *refs;			/* the column names it reads (ref->column) */
	bool		window;			/* it calls a window function (... OVER ...) */
	List	   *plain_calls;	/* names of functions called without OVER */
} ParsedExpr;

extern void pin_sql_reading_settings(void);
extern ParsedQuery *parse_node_query(const char *node_display, const char *sql);
extern bool definition_is_query(const char *sql);
extern ParsedExpr *parse_node_expression(const char *node_display, const char *sql,
										 const char *what);
extern char *splice_refs(const char *sql, int nrefs, SqlRef *refs,
						 char **replacements);

#endif							/* HAMILTON_SQLPARSE_H */
