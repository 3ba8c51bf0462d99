/*
 * define.h
 *	  Stage 4, src/define/: defining the dataflow.  Registering modules,
 *	  defining and dropping SQL nodes, and Hamilton's decorators as node
 *	  options (@tag, @check_output, @config.when, @extract_columns,
 *	  @parameterize), each checked before anything is written.
 *
 * Who may do what follows PostgreSQL's own rules: registering a schema
 * takes owning it; defining a node takes CREATE on its schema (its result
 * table will live there); redefining, dropping, tagging or checking a node,
 * or adding a variant to it, takes owning every variant of it (the
 * function's owner, or the role that defined the SQL node), or being a
 * member of that role.  SPI must be connected.
 */
#ifndef HAMILTON_DEFINE_H
#define HAMILTON_DEFINE_H

#include "postgres.h"

#include "nodes/pg_list.h"
#include "utils/array.h"
#include "utils/jsonb.h"

#include "dag.h"

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
	char	   *refresh;		/* "replace" or "concurrent" */
	Jsonb	   *incremental;	/* incremental =>, 1.3 on, or NULL */
	char	   *cache;			/* cache =>, 1.3 on, or NULL */
	char	   *placement;		/* placement =>, 1.4 on, or NULL */
	char	   *shard_key;		/* shard_key =>, 1.4 on, or NULL */
} DefineArgs;

/* What a frame's SELECT yields, read when it is defined (frame_shape.c). */
typedef struct FrameShape
{
	ArrayType  *key;			/* text[] */
	ArrayType  *columns;		/* text[]: every column, in order */
	ArrayType  *types;			/* text[]: their types, as format_type says */
	int			ncolumns;
	char	  **names;
	List	   *key_names;		/* char * */
} FrameShape;

/* module.c */
extern int	define_register_module(Oid nspoid);
extern void define_unregister_module(Oid nspoid);

/* sql_node.c */
extern char *define_sql_node(DefineArgs *a);
extern void define_drop_node(const char *node_text);

/* frame_shape.c */
extern FrameShape *frame_shape(const char *display, const char *schema,
							   ParsedQuery *pq, ArrayType *key,
							   bool extract_columns);
extern void frame_check_column_names(const char *display, const char *schema,
									 Oid nsp, const char *name, FrameShape *shape);

/* check_options.c */
extern void check_materialize_option(const char *materialize);
extern void check_refresh_option(const char *refresh);
extern void check_tags(const char *display, Jsonb *tags);
extern void refresh_refuse_unfit(const char *schema, const char *name);
extern bool refresh_tagged(Jsonb *tags);
extern Jsonb *config_when_checked(const char *display, Jsonb *when);
extern void variants_check_kind(const char *display, const char *schema,
								const char *name, const char *kind);
extern void expression_check_calls(const char *display, ParsedExpr *pe);
extern void checks_validate(const char *display, Jsonb *checks);
extern void checks_refuse_unevaluable(Dag *dag, const char *schema, const char *name,
									  const char *checks_json);

/* schemas.c: what the event triggers do, and the orphans */
extern void define_schemas_dropped(void);
extern void define_schema_renamed(const char *old_name, const char *new_name);
extern void define_schemas_created(void);
extern void define_orphans(bool remove);

/* owners.c */
extern void define_check_owners(List *owners, const char *display, const char *action);
extern List *define_dag_owners(Dag *dag, const char *schema, const char *name);

/* set_options.c */
extern Jsonb *define_tag_node(const char *node_text, Jsonb *tags);
extern void define_set_checks(const char *node_text, Jsonb *checks);
extern char *define_function_variant(const char *function_text, Jsonb *when);

/* template.c */
extern List *define_parameterized(const char *template, const char *sql,
								  const char *doc, Jsonb *params, Jsonb *tags,
								  Jsonb *checks);

/* incremental_spec.c (incremental nodes, issue 11 part 2) */
extern char *define_incremental_spec(const char *display, Jsonb *spec);
extern void define_set_incremental(const char *schema, const char *name, const char *display,
								   Jsonb *spec);
extern Jsonb *define_incremental_function(const char *node_text, Jsonb *spec);
/* function_template.c (features-a: @parameterize on functions, @does) */
extern List *define_function_template(Oid fn, Jsonb *nodes, bool names_are_sources);

/* made_functions.c (features-a: functions made as nodes) */
extern void define_replace_made_functions(const char *schema, const char *name,
										  const char *ours_sql, Oid argtype, Datum arg,
										  void (*refuse) (const char *signature, void *ctx),
										  void *ctx);

/* extract_fields.c (features-a: @extract_fields) */
extern List *define_extract_fields(const char *node_text);
/* (cache) track.c: the change log's trigger on sources; cache behaviours */
extern void define_track(Oid relid, bool track);
extern void define_check_cache_behaviour(const char *value, const char *what);
/* (track) the sources tag, checked when it is set */
extern void define_check_declared_sources(const char *display, const char *json, bool container);
extern Jsonb *define_cache_tags(Jsonb *tags, const char *cache);
extern void define_track_new_partitions(void);
/* hooks.c (features-b: lifecycle hooks, issue 13 item 10) */
extern void define_hook_refuse_unfit(Oid function);
extern bool define_add_hook(const char *event, Oid function);
extern void define_remove_hook(const char *event, Oid function);

/* savers.c (features-b: loaders and savers, issue 13 item 9) */
extern char *define_loader(DefineArgs *a, const char *path, const char *columns, Jsonb *options);
extern void define_add_saver(const char *node_text, const char *path, Jsonb *options);
extern void define_remove_saver(const char *node_text, const char *path);

/* pipes.c (features-b: pipe_output, mutate, pipe_input, issue 13 item 5) */
extern List *define_pipe_output(const char *node_text, Jsonb *steps, bool append);
extern List *define_pipe_input(const char *node_text, const char *input, Jsonb *steps);

/* (servers) placement.c: placement =>, the tag placement (issue 14) */
extern Jsonb *define_placement_tags(Jsonb *tags, const char *placement, const char *shard_key);
extern void define_check_placement(const char *display, const char *schema, Jsonb *tags);
extern void define_refuse_placed(const char *display, const char *kind, bool frame,
								 bool incremental, bool concurrent);

/* (probes) probe.c: hamilton_probe and hamilton_unprobe (issue 11) */
extern void define_probe(Oid relid, const char *probe);

/* (shard) shard_key.c: shard_key =>, the tag shard_key (issue 14) */
extern Jsonb *define_shard_key_tag(Jsonb *tags, const char *shard_key);
extern void define_check_shard_key_name(const char *display, const char *text, char kind);
extern Jsonb *define_tags_with(Jsonb *tags, const char *key, const char *value, bool json);
extern void define_check_shard_key(const char *display, const char *kind, bool frame, Jsonb *tags);

#endif							/* HAMILTON_DEFINE_H */
