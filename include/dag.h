/*
 * dag.h
 *	  Stage 3, src/dag/: the dataflow graph.  Nodes, the names that connect
 *	  them, frames, the order they run in, and their code's fingerprints.
 *
 * A Dag is built from the catalogs (pg_proc and hamilton.sql_node) at every
 * call of the API, so that replacing or dropping a function is seen at once;
 * a run request (execute, validate, explain) reuses the graph an identical
 * request built in the session while nothing it was read from changed
 * (cache.c), which the same changes invalidate.
 * Nodes live in one array and refer to each other by index; nothing in here
 * recurses over the graph.
 *
 * The names that connect nodes resolve among a request's modules, its
 * namespace (namespace.c), as Hamilton's driver resolves names only among
 * the modules it was built with: modules => as given, or by default the
 * modules of the requested outputs.  A name in a parameter, a column
 * expression or a SQL node's FROM resolves, in this order, to (resolve.c):
 *	 1. the node of that name in the consumer's own module;
 *	 2. the only node of that name in the run's other modules (several:
 *		ambiguous; with module_overrides, the one of the later module);
 *	 3. for SQL nodes, a relation on the module's own path whose owner the
 *		caller trusts, or the node's owner owns (relations.c): a source;
 *	 4. otherwise an input, which must be given at execution.
 * A node outside the run's modules (reached because a SQL node names it
 * module.name) resolves its names in its own module only; so does every
 * node when no run asks (the views, graph queries and definitions: each
 * node as a run of that node alone would see it).  A catalog still at 1.0
 * resolves as 1.0 did: the consumer's module, its path, then the only node
 * of that name in any module whose owner the consumer's owner trusts.
 *
 * Problems found while building (overloads, ambiguity, unnamed parameters,
 * unknown relations) are attached to their node and reported only when a
 * request needs that node, together with every other problem.
 */
#ifndef HAMILTON_DAG_H
#define HAMILTON_DAG_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "lib/stringinfo.h"
#include "nodes/bitmapset.h"
#include "nodes/pg_list.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/relcache.h"

#include "catalog.h"
#include "parse.h"

typedef enum HNodeKind
{
	HNODE_INPUT,				/* a name no node defines: supplied at execution */
	HNODE_SCALAR,				/* a function returning one value */
	HNODE_TABLE_FUNC,			/* a function returning rows (SETOF, TABLE,
								 * composite) */
	HNODE_QUERY,				/* a SQL node: one read-only SELECT */
	HNODE_COLUMN				/* one value per row of a frame: an extracted
								 * column, a row-wise function of columns, or
								 * a column expression */
} HNodeKind;

typedef enum HDepVia
{
	VIA_PARAM,					/* a function parameter of that name */
	VIA_RELATION,				/* a relation the node's SQL reads */
	VIA_DECLARED,				/* listed in hamilton_define(inputs => ...) */
	VIA_COLUMN,					/* a column name in a column expression */
	VIA_FRAME					/* an extracted column's frame */
} HDepVia;

/* One upstream dependency of a node. */
typedef struct HDep
{
	int			target;			/* node index */
	HDepVia		via;
	int			index;			/* parameter index or SqlRef index */
} HDep;

/* A function parameter: its name is the upstream node's name. */
typedef struct HParam
{
	char	   *name;
	Oid			type;
	bool		has_default;
	bool		variadic;
	bool		key;			/* names a key column of the node's frame */
} HParam;

/* A problem found while building or validating; reported all at once. */
typedef struct HProblem
{
	const char *code;			/* short name, e.g. "missing_input" */
	int			sqlstate;
	char	   *node;			/* node it concerns, or NULL */
	char	   *message;
	char	   *detail;
	char	   *hint;
} HProblem;

/*
 * Incremental nodes (issue 11 part 2, dag/incremental.c): how a node
 * processes only the ranges of its source not processed yet.  The range is
 * two inputs, range_start and range_end, which the node reads like any
 * scalar input; exec/incremental*.c gives them each batch's values.
 */
typedef enum IncrStrategy
{
	INCR_APPEND,				/* insert the batch's rows */
	INCR_MERGE,					/* upsert them on unique_key */
	INCR_DELETE_INSERT			/* replace the batch's range */
} IncrStrategy;

typedef struct IncrementalSpec
{
	IncrStrategy strategy;
	bool		by_time;		/* by time, else by a sequence */
	char	   *source;			/* schema.table, quoted where needed */
	char	   *column;			/* the source's (and the result's) column */
	List	   *unique_key;		/* char *: merge's key */
	char	   *interval;		/* by time: the width of an interval */
	int			lookback;		/* by time: intervals processed again */
	char	   *start;			/* the first id, or the first instant */
	char	   *min_delay;		/* by time: how old an interval must be */
	bool		forward_only;	/* on_change: forward_only */
	char	   *json;			/* the spec as stored */
} IncrementalSpec;

#define INCR_RANGE_START "range_start"
#define INCR_RANGE_END "range_end"

typedef struct HNode
{
	char	   *schema;			/* module; NULL for inputs */
	char	   *name;
	char	   *display;		/* schema.name, quoted only where needed */
	HNodeKind	kind;
	char	   *language;		/* "sql" for SQL nodes, the function's language */
	Oid			funcoid;
	char	   *funcname;		/* the function's own name (a variant's differs) */
	Oid			rettype;
	int			nparams;
	HParam	   *params;
	char	   *sql;			/* SQL node definition */
	int			nrefs;
	SqlRef	   *refs;
	List	   *declared;		/* declared input names (char *) */
	char	   *doc;
	char	   *fingerprint;	/* md5 of its code, see fingerprint.c */
	void	   *planned_call;	/* a scalar's call as planned, kept with the
								 * graph (exec/scalar_batch.c) */
	/* (chain) what scalar_batch.c found of its function: 0 not looked at */
	int8		batch_function; /* 1: may be batched, -1: may not */
	Oid			batch_namespace;	/* its schema's OID, when it may */
	/* (chain3) its pg_proc row as a batch read it (exec/scalar_fast.c) */
	bool		fast_row;		/* read: the fields below are set */
	bool		fast_batchable; /* what function_batchable checks of it */
	void	   *fast_acl;		/* its proacl, or its default (Acl *) */
	Oid			fast_owner;		/* its proowner */
	void	   *fast_body;		/* its RETURN expression, when the planner
								 * would inline it (Node *), or NULL */
	char	   *fast_src;		/* its prosrc, for an error's context */
	Oid			owner;
	bool		persist;		/* materialize => 'table' (or refreshed
								 * concurrently) */
	bool		concurrent;		/* refresh = concurrent: by a diff on
								 * refresh_key (refresh.c) */
	List	   *refresh_key;	/* char *: the key it is refreshed on */
	int			ndeps;
	HDep	   *deps;
	int			next_same_name; /* next node with this name, or -1 */
	List	   *problems;		/* HProblem *, reported when the node is used */

	/* frames and column nodes (frames.c) */
	int			nkey;			/* a frame's key columns */
	char	  **key;
	int			frame;			/* a column node's frame (node index), or -1 */
	bool		extracted;		/* a frame's column, read as it is */
	bool		expression;		/* a column expression node (sql is it) */
	bool		window;			/* the expression calls a window function */
	/* (frames) a frame's columns as it was defined, checked at each run */
	int			nframe_columns;
	char	  **frame_columns;	/* every column, key included, in order */
	char	  **frame_types;	/* their types, as format_type says */
	Bitmapset  *join_bases;		/* a join of frames: the frames it joins */

	/* decorators */
	char	   *config_when;	/* the variant's condition, JSON, or NULL */
	char	   *parameterized;	/* the template that made it, JSON, or NULL */
	char	   *checks;			/* its checks, JSON array, or NULL */

	/* incremental nodes (incremental.c) */
	IncrementalSpec *incremental;	/* its spec, or NULL */

	/* (servers) the postgres_fdw servers it runs on, or NULL (placement.c) */
	char	   *placement;		/* the tag as kept: a name, or a JSON list */
	List	   *servers;		/* char *: one, or a sharded node's */
	/* (shard) a sharded node's shard_key, or NULL (shard_key.c) */
	char	   *shard_key;
} HNode;

/* How the names of a request resolve (namespace.c). */
typedef enum NamespaceMode
{
	NS_EACH_NODE,				/* no run: each node as a run of it alone */
	NS_RUN,						/* a run's modules */
	NS_GLOBAL					/* a 1.0 catalog: every module, as 1.0 did */
} NamespaceMode;

/* What a request says about its names. */
typedef struct DagRequest
{
	NamespaceMode mode;
	List	   *outputs;		/* as given (char *): the default modules */
	List	   *modules;		/* modules => as given (char *) */
	bool		modules_given;	/* modules => was not NULL */
	bool		overrides;		/* module_overrides => true */
	Oid			caller;			/* whose trust counts; InvalidOid: the
								 * current user */
} DagRequest;

/* A name that module_overrides bound to a later module's node. */
typedef struct DagOverride
{
	int			consumer;		/* whose name it is; -1 for an output */
	const char *name;
	int			chosen;
	char	   *displaced;		/* the nodes set aside: "a.x, b.x" */
} DagOverride;

typedef struct Dag
{
	MemoryContext cxt;
	int			nnodes;
	int			maxnodes;
	HNode	   *nodes;
	HTAB	   *byqual;			/* schema + name -> index */
	HTAB	   *byname;			/* name -> first index (chain: next_same_name) */
	HTAB	   *inputs;			/* input name -> index */
	int		   *down_start;		/* reverse edges (CSR), built on demand */
	int		   *down_list;
	Jsonb	   *config;			/* chooses among variants (NULL: none given) */
	bool		all_variants;	/* load every variant (for listing) */
	List	   *unmatched;		/* HProblem * for names whose variants all
								 * failed to match config */
	List	   *key_names;		/* every frame key column name (char *) */
	List	   *frame_joins;	/* (frames) the joins of frames (frame_joins.c) */

	/* names (namespace.c, relations.c) */
	DagRequest	request;
	Oid			caller;			/* whose trust counts */
	int			nmodules;		/* the run's modules, in order (NS_RUN) */
	char	  **modules;
	HTAB	   *module_pos;		/* module -> its place in modules */
	int			npos;			/* node_pos covers nodes 0 .. npos-1 */
	int		   *node_pos;		/* each node's module's place, or -1 */
	List	   *ns_problems;	/* HProblem * about modules => itself */
	List	   *overrides;		/* DagOverride * */
	int			public_state;	/* public on the modules' path: 0 not known
								 * yet, 1 yes, -1 no (dag_public_on_path) */
	Oid			public_untrusted;	/* the role that keeps it off */
	const char *public_why;		/* what that role can do there */

	/* the graph cache (cache.c) */
	List	   *rel_lookups;	/* RelationLookup *, checked before reuse */

	/* (review) every subdag (CatalogSubdag *), read by subdag.c */
	List	   *subdags;
} Dag;

/*
 * A relation name the graph resolved (or did not): a kept graph is reused
 * only while each still resolves to the same relation, with the same
 * trust (cache.c).
 */
typedef struct RelationLookup
{
	char	   *schema;			/* qualified in the SQL; NULL: on a path */
	char	   *module;			/* whose path, for a bare name */
	char	   *name;
	Oid			node_owner;
	Oid			rel;			/* what it resolved to, or InvalidOid */
	Oid			untrusted;		/* its owner, when not trusted */
} RelationLookup;

/* One of a node's checks (Hamilton's @check_output), as checks.c reads it. */
typedef struct NodeCheck
{
	char	   *name;			/* its "name", or its kind */
	char	   *severity;		/* "warn" or "fail" */
	char	   *kind;			/* not_null, range, unique, in, sql, data_type
								 * or schema */
	char	   *column;			/* the column it reads; NULL for a sql or a
								 * schema check */
	char	   *min;			/* a range's bounds, JSON numbers, or NULL */
	char	   *max;
	char	   *values;			/* an in check's values, as quoted literals */
	char	   *predicate;		/* a sql check's */
	char	   *spec;			/* the check as written, JSON */
	/* features-a: checks on types, read from the result's own columns */
	char	   *type;			/* a data_type check's type name */
	char	   *columns;		/* a schema check's {column: type}, JSON */
	bool		strict;			/* a schema check: no other columns */
} NodeCheck;

/* A data_type or schema check: evaluated on the types of a result. */
#define CHECK_ON_TYPES(c) \
	(strcmp((c)->kind, "data_type") == 0 || strcmp((c)->kind, "schema") == 0)

/*
 * The shapes (columns and their types) of a graph's nodes, found as they
 * are asked for (shapes.c).  What a request knows may be set first: an
 * input's or an overridden value's type, an overriding relation.
 */
typedef struct DagShapes
{
	Dag		   *dag;
	TupleDesc  *desc;			/* by node: its shape, once found (NULL:
								 * unknown) */
	char	   *state;
	Oid		   *value_type;		/* by node: its value's type, or InvalidOid */
	char	  **relation;		/* by node: a relation standing for it, or
								 * NULL */
} DagShapes;

/* What dag_resolve_unqualified returns when no single node matches. */
#define RESOLVE_NONE		(-1)
#define RESOLVE_AMBIGUOUS	(-2)

/* nodes.c */
extern Dag *dag_create(Jsonb *config, bool all_variants);
extern int	dag_add_node(Dag *dag);
extern void dag_reserve_nodes(Dag *dag, int n);	/* (chain) */
extern void dag_index_node(Dag *dag, int index);
extern int	dag_input_node(Dag *dag, const char *name);
extern int	dag_first_named(Dag *dag, const char *name);
extern int	dag_find_qualified(Dag *dag, const char *schema, const char *name);
extern int	dag_find_input(Dag *dag, const char *name);
extern void dag_build_downstream(Dag *dag);
extern const char *dag_kind_name(HNodeKind kind);
extern char *dag_type_name(HNode *node);
extern bool dag_yields_relation(HNode *node);
extern HProblem *problem_make(const char *code, int sqlstate, const char *node,
							  const char *message, const char *detail,
							  const char *hint);
extern void problem_raise(HProblem *p) pg_attribute_noreturn();

/* build.c */
extern Dag *dag_build(void);
extern Dag *dag_build_config(Jsonb *config, bool all_variants);
extern Dag *dag_build_request(Jsonb *config, bool all_variants,
							  const DagRequest *request);

/* load_functions.c */
extern void dag_load_function_nodes(Dag *dag);

/* load_sql_nodes.c */
extern void dag_load_sql_nodes(Dag *dag);

/* variants.c */
extern bool dag_when_matches(Jsonb *config, const char *when_text);
extern HProblem *dag_no_variant_problem(Dag *dag, const char *schema,
										const char *name, const char *variants);
extern HProblem *dag_no_variant_column_problem(Dag *dag, const char *schema,
											   const char *name, const char *column,
											   const char *variants);
extern bool dag_reads_unmatched(Dag *dag, int n);

/* refresh.c */
extern void dag_set_refresh(HNode *node, const char *refresh, const char *key_tag);
extern HProblem *dag_refresh_problem(DagShapes *sh, int n);

/* cache.c */
extern Dag *dag_build_cached(Jsonb *config, const DagRequest *request);
extern void dag_cache_announce_change(void);

/* fingerprint.c */
extern const char *dag_fingerprint(Dag *dag, int index);
extern char *dag_function_body(HeapTuple proctup, Oid funcoid);
/* (chain) fingerprint.c: many nodes at once */
extern void dag_fingerprint_nodes(Dag *dag, const int *indexes, int n);

/* (chain) fingerprint_kept.c: fingerprints kept per pg_proc row version */
typedef struct KeptFingerprints KeptFingerprints;
extern KeptFingerprints *dag_kept_fingerprints_begin(Dag *dag, const int *indexes, int n);
extern const char *dag_kept_fingerprint(KeptFingerprints *k, Oid funcoid);
extern void dag_kept_fingerprint_note(KeptFingerprints *k, Oid funcoid, HeapTuple proctup,
									  const char *fingerprint);
extern void dag_kept_fingerprints_end(KeptFingerprints *k);

/* relations.c */
extern bool dag_owner_trusts(Oid consumer_owner, Oid producer_owner);
extern bool dag_public_on_path(Dag *dag);
extern Oid	dag_path_relation(Dag *dag, const char *module, const char *name,
							  Oid node_owner, Oid *untrusted_owner);
extern char *dag_relation_display(Oid relid);
extern void dag_note_relation_lookups(bool on);
extern void dag_note_relation_lookup(Dag *dag, const char *schema, const char *module,
									 const char *name, Oid node_owner, Oid rel,
									 Oid untrusted);
extern bool dag_relation_lookups_unchanged(Dag *dag);
extern char *dag_module_path_text(Dag *dag, const char *module);
extern HProblem *dag_untrusted_relation_problem(Dag *dag, const char *node,
												const char *what, Oid relid,
												Oid owner, const char *hint);

/* namespace.c */
extern void dag_set_namespace(Dag *dag, const DagRequest *request);
extern int	dag_module_position(Dag *dag, const char *schema);
extern int	dag_resolve_unqualified(Dag *dag, const char *module, const char *name,
									Oid consumer_owner, StringInfo candidates);
extern int	dag_resolve_in_namespace(Dag *dag, int consumer, const char *own_module,
									 const char *name, StringInfo candidates);
extern int	dag_named_in_run(Dag *dag, const char *name);
extern char *dag_nodes_outside(Dag *dag, const char *name, List **modules);
extern char *dag_modules_suggestion(Dag *dag, List *extra);

/* resolve.c */
extern void dag_resolve_dependencies(Dag *dag);

/* find.c */
extern int	dag_resolve_name(Dag *dag, const char *text, HProblem **problem,
							 const char *role);
extern int	dag_resolve_output(Dag *dag, const char *text, HProblem **problem,
							   const char *role);
extern int	dag_resolve_name_or_error(Dag *dag, const char *text);
extern int	dag_resolve_graph_name(Dag *dag, const char *text);

/* frames.c */
extern void dag_infer_frames(Dag *dag);
extern List *dag_frame_modules(Dag *dag, int frame, const bool *include);
extern bool dag_is_key_name(Dag *dag, const char *name);

/* frame_joins.c (frames, issue 13 item 7: frames joined on their key) */
extern char *dag_frame_keys_differ(Dag *dag, int a, int b);
extern int	dag_frame_join(Dag *dag, int a, int b);
extern void dag_finish_frame_joins(Dag *dag);

/* shapes.c */
extern DagShapes *dag_shapes_create(Dag *dag);
extern TupleDesc dag_shape(DagShapes *sh, int n);
extern char *dag_shape_row_source(TupleDesc desc);
extern TupleDesc dag_analyze(const char *schema, const char *sql, ErrorData **error);
extern char *dag_fragment_tree(DagShapes *sh, int n, List *schemas, bool *known);

/* checks.c */
extern List *dag_checks_read(const char *checks_json, const char *default_column);
extern char *dag_checks_count_sql(List *checks, TupleDesc desc, const char *from);
extern HProblem *dag_checks_missing_column(HNode *node, List *checks, TupleDesc desc,
										   const char *whose);
extern HProblem *dag_checks_node_problem(DagShapes *sh, int n, const char *checks_json);

/* order.c */
extern int *dag_order(Dag *dag, const bool *in_closure, const bool *overridden,
					  int nclosure, int *count, HProblem **cycle);

/* walk.c */
extern void dag_walk(Dag *dag, int start, bool downstream, int *depth, int *parent,
					 int stop_at);

/* incremental.c (incremental nodes, issue 11 part 2) */
extern IncrementalSpec *dag_incremental_parse(const char *display, Jsonb *spec);
extern void dag_load_incremental(Dag *dag);
extern const char *dag_incremental_strategy_name(IncrStrategy s);
/*
 * (cache) Skipping unchanged work: what a cached result read and called
 * (code_deps.c), and their state (source_state.c).
 */
extern char *dag_query_deps(const char *sql, Oid fn, List *skip, bool declared,
							List **relations, List **functions);
/* (track) the sources tag: what a node declares it reads (declared_sources.c) */
extern List *dag_declared_names(const char *json, char **problem);
extern Oid	dag_declared_relation(const char *name, char **problem);
extern bool dag_is_track_trigger(const struct Trigger *t);
extern bool dag_relation_tracked(Relation rel);
extern bool dag_track_trigger_current(Relation rel);
extern char *dag_deps_state(List *sources, List *functions, List **watched, char **why);
extern void dag_put_track_trigger(const char *qname, bool replace);
extern bool dag_has_track_trigger(Relation rel);
/* (logrep) the row trigger for writes of logical replication (replica_trigger.c) */
extern bool dag_replica_tracked(Relation rel, char **why);
extern bool dag_has_replica_trigger(Relation rel);
extern bool dag_is_replica_trigger(const struct Trigger *t, Oid relid);
extern void dag_put_replica_trigger(const char *qname, bool replace);
extern void dag_drop_replica_trigger(const char *qname);
/*
 * (rerun) deps_memo.c: what a cached run looks up once for all its
 * entries; dag_deps_state_memo, dag_replica_tracked_memo use it.
 */
typedef struct DagDepsMemo
{
	HTAB	   *children;		/* relations with a parent (pg_inherits) */
	Oid			logged_fn;		/* hamilton.change_logged() */
	Oid			replica_fn;		/* hamilton.replicated_change(regclass) */
	struct pg_cryptohash_ctx *md5;
	HTAB	   *rels;			/* (rerun2) state_pass.c: stand-ins by Oid */
	List	   *locked;			/* (rerun2) the relations it locked */
} DagDepsMemo;
extern DagDepsMemo *dag_deps_memo_begin(void);
extern void dag_deps_memo_end(DagDepsMemo *m);
extern bool dag_memo_has_superclass(DagDepsMemo *m, Oid relid);
extern void dag_memo_md5(DagDepsMemo *m, const char *data, size_t len, char *hex);
extern char *dag_deps_state_memo(DagDepsMemo *m, List *sources, List *functions, List **watched,
								 char **why);
extern bool dag_replica_tracked_memo(Relation rel, char **why, DagDepsMemo *m);
/* (rerun2) state_pass.c: the relations read, locked and read in one pass */
extern void dag_memo_read_relations(DagDepsMemo *m, List *relids);
extern Relation dag_memo_relation(DagDepsMemo *m, Oid relid);
extern void dag_memo_release(DagDepsMemo *m);
extern int	dag_memo_batch(void);

/* subdag.c (subdag: @subdag, @parameterized_subdag, issue 13 item 4) */
extern void dag_mark_stale_subdags(Dag *dag);
/* (servers) placement.c: nodes placed on other servers (issue 14) */
extern void dag_load_placements(Dag *dag);
extern List *dag_placement_servers(const char *placement);
extern bool dag_same_servers(HNode *a, HNode *b);
extern bool dag_subdag_rebinds(Dag *dag, HNode *node, const char *name, Oid rel);	/* (review) */

/* (probes) probe_value.c: the data version of a probed source (issue 11) */
extern char *dag_probe_value(Oid relid, const char *probe);
extern bool dag_probe_trusted(Oid relid);
extern char *dag_probe_changed(const char *was, const char *state);
extern void dag_probe_all(void);

/* (shard) shard_key.c: a sharded node's key (issue 14) */
extern void dag_load_shard_keys(Dag *dag);

#endif							/* HAMILTON_DAG_H */
