/*
 * decorators.h
 *	  Hamilton's decorators as node options: frames (@extract_columns),
 *	  config variants (@config.when), checks (@check_output) and
 *	  parameterized nodes (@parameterize).  And the definition call they
 *	  all go through.
 */
#ifndef HAMILTON_DECORATORS_H
#define HAMILTON_DECORATORS_H

#include "postgres.h"
#include "utils/array.h"
#include "utils/jsonb.h"

#include "sqlparse.h"

/* The arguments of hamilton_define (and of each node a template makes). */
typedef struct DefineArgs
{
	char	   *node_text;
	char	   *sql;
	char	   *doc;
	Jsonb	   *tags;
	char	   *materialize;
	ArrayType  *declared;
	ArrayType  *key;
	bool		extract_columns;
	Jsonb	   *config_when;
	Jsonb	   *checks;
	char	   *parameterized;	/* JSON: the template and values, or NULL */
} DefineArgs;

/* What a frame's SELECT yields, read when it is defined. */
typedef struct FrameShape
{
	ArrayType  *key;			/* text[] */
	ArrayType  *columns;		/* text[]: every column, in order */
	ArrayType  *types;			/* text[]: their types, as format_type says */
	int			ncolumns;
	char	  **names;
	List	   *key_names;		/* char * */
} FrameShape;

/* registry.c */
extern char *define_sql_node(DefineArgs *a);
extern void check_node_owner(Oid owner, const char *display, const char *action);

/* decorators.c */
extern FrameShape *frame_shape(const char *display, const char *schema,
							   const char *definition, ArrayType *key,
							   bool extract_columns);
extern void frame_check_column_names(const char *display, const char *schema,
									 Oid nsp, const char *name, FrameShape *shape);
extern Jsonb *config_when_checked(const char *display, Jsonb *when);
extern void variants_check_kind(const char *display, const char *schema,
								const char *name, const char *kind);
extern void expression_check_calls(const char *display, ParsedExpr *pe);
extern void checks_validate(const char *display, Jsonb *checks);
extern void checks_store(const char *schema, const char *name, Jsonb *checks);

#endif							/* HAMILTON_DECORATORS_H */
