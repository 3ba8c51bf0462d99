/*
 * catalog.h
 *	  Stage 1, src/catalog/: pg_hamilton's catalog tables (schema
 *	  HAMILTON_SCHEMA) and what every later stage needs to touch them
 *	  safely: the owner's rights, pinned settings, checked SPI, node names.
 *
 * Every statement on pg_hamilton's own tables is in this stage.  Catalog
 * writes run as the extension's owner, after the caller's rights have been
 * checked; node SQL always runs as the caller.
 */
#ifndef HAMILTON_CATALOG_H
#define HAMILTON_CATALOG_H

#include "postgres.h"

#include "access/transam.h"
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "nodes/pg_list.h"
#include "utils/array.h"
#include "utils/jsonb.h"
#include "utils/resowner.h"

#include "hamilton.h"

/* Column numbers of catalog_read_sql_nodes' rows (node_queries.c). */
#define Anum_sql_node_schema			1
#define Anum_sql_node_name				2
#define Anum_sql_node_definition		3
#define Anum_sql_node_doc				4
#define Anum_sql_node_materialize		5
#define Anum_sql_node_declared_inputs	6
#define Anum_sql_node_owner				7
#define Anum_sql_node_kind				8
#define Anum_sql_node_frame_key			9
#define Anum_sql_node_extract_columns	10
#define Anum_sql_node_frame_columns		11
#define Anum_sql_node_frame_types		12
#define Anum_sql_node_config_when		13
#define Anum_sql_node_parameterized		14
#define Anum_sql_node_checks			15
#define Anum_sql_node_kept_columns		16
#define Anum_sql_node_refresh			17
#define Anum_sql_node_refresh_key		18

/* Column numbers of catalog_read_function_nodes' rows (node_queries.c). */
#define Anum_function_node_oid			1
#define Anum_function_node_schema		2
#define Anum_function_node_name			3
/* (chain) what the graph needs of pg_proc, read with the row: no syscache */
#define Anum_function_node_lang			4
#define Anum_function_node_owner		5
#define Anum_function_node_rettype		6
#define Anum_function_node_retset		7
#define Anum_function_node_nargdefaults	8
#define Anum_function_node_argtypes		9
#define Anum_function_node_allargtypes	10
#define Anum_function_node_argmodes		11
#define Anum_function_node_argnames		12

/*
 * (chain) function_extras.c: a function node's comment, variant condition,
 * tags and checks, read apart from its pg_proc row
 */
typedef struct FunctionExtras FunctionExtras;
extern FunctionExtras *catalog_read_function_extras(void);
extern const char *catalog_function_comment(FunctionExtras *x, Oid funcoid);
extern const char *catalog_function_config_when(FunctionExtras *x, const char *schema,
												const char *fname);
extern void catalog_node_extras(FunctionExtras *x, const char *schema, const char *node,
								const char **materialize, const char **refresh,
								const char **refresh_key, const char **checks);
extern void catalog_free_function_extras(FunctionExtras *x);

/* Switching to the catalog owner for catalog access, and back (owner.c). */
typedef struct OwnerScope
{
	Oid			saved_userid;
	int			saved_sec_context;
	int			guc_nestlevel;
} OwnerScope;

/* A catalog table's qualified name, for the SQL text of this stage. */
#define CATALOG_TABLE(table) HAMILTON_SCHEMA "." table

/* A subtransaction around a piece of work (subxact.c). */
typedef struct SubxactScope
{
	MemoryContext cxt;
	ResourceOwner owner;
} SubxactScope;

/* The search_path every statement run with the owner's rights uses. */
#define HAMILTON_SAFE_SEARCH_PATH "pg_catalog, pg_temp"

/*
 * One variant of a node and its owner (sql_node_rows.c, option_rows.c): a
 * node without variants has one, with config_when NULL.
 */
typedef struct NodeOwner
{
	Oid			owner;
	const char *config_when;	/* the variant's condition, JSON, or NULL */
	const char *function;		/* a function variant: the function, or NULL */
} NodeOwner;

/* One SQL node definition, as hamilton_define stores it (sql_node_rows.c). */
typedef struct SqlNodeRow
{
	const char *schema;
	const char *name;
	const char *definition;
	const char *doc;			/* or NULL */
	const char *materialize;	/* "auto" or "table" */
	ArrayType  *declared;		/* text[], or NULL for none */
	Oid			owner;			/* the node's owner, whom a new variant gets */
	Oid			previous_owner; /* the variant's owner checked, or InvalidOid:
								 * a new variant */
	const char *kind;			/* "table" or "column" */
	ArrayType  *frame_key;		/* text[]; these three NULL unless a frame */
	ArrayType  *frame_columns;
	ArrayType  *frame_types;
	bool		extract_columns;
	const char *config_when;	/* JSON object text, "{}" for none */
	const char *parameterized;	/* JSON, or NULL */
	const char *refresh;		/* "replace" or "concurrent" (1.2 on) */
	ArrayType  *refresh_key;	/* text[]: its key when it is no frame, or
								 * NULL */
} SqlNodeRow;

/* owner.c */
extern Oid	catalog_owner(void);
extern void catalog_owner_begin(OwnerScope *w);
extern void catalog_owner_end(OwnerScope *w);
extern void catalog_check_node_owner(Oid owner, const char *display,
									 const char *action);

/* settings.c */
extern void pin_safe_search_path(void);
extern void pin_module_search_path(const char *schema, bool with_public);
extern void pin_modules_search_path(List *schemas, bool with_public);
extern void catalog_check_path_schema(const char *schema);
extern void pin_sql_reading_settings(void);

/* (chain) settings.c: the values a module's settings were pinned to */
#define PINNED_MODULE_SETTINGS 3
typedef struct PinnedSettings
{
	char	   *values[PINNED_MODULE_SETTINGS];
} PinnedSettings;
extern void pinned_settings_save(PinnedSettings *saved);
extern bool pinned_settings_unchanged(const PinnedSettings *saved);

/* spi.c */
extern void spi_exec_checked(const char *sql, int nargs, Oid *argtypes,
							 Datum *values, const char *nulls, int expected);
extern void spi_exec_kept(SPIPlanPtr *plan, const char *sql);
/* (chain) spi.c: a text or name column as a C string, NULL if null */
extern char *spi_get_cstring(HeapTuple row, TupleDesc desc, int col);
extern void spi_exec_kept_args(SPIPlanPtr *plan, const char *sql, int nargs, Oid *argtypes,
							   Datum *values, const char *nulls, int expected);
extern void spi_exec_on_node(const char *sql, const char *schema, const char *name,
							 Jsonb *json, bool as_owner, int expected);
extern void spi_exec_latest(const char *sql, int nargs, Oid *argtypes,
							Datum *values, const char *nulls, int expected);

/* locks.c */
extern Oid	catalog_lock_schema(const char *schema, const char *what);
extern void catalog_lock_renamed_schema(Oid nsp);
extern void catalog_lock_node_name(const char *schema, const char *name);

/* subxact.c */
extern void subxact_begin(SubxactScope *s);
extern void subxact_commit(SubxactScope *s);
extern ErrorData *subxact_rollback(SubxactScope *s);

/* names.c */
extern void parse_node_name(const char *text, char **schema, char **name,
							bool default_schema);
extern char *parse_module_name(const char *text);
extern bool node_name_is_valid(const char *text);
extern char *qualified_display(const char *schema, const char *name);
extern void temp_names_enter(void);
extern void temp_names_leave(void);
extern char *temp_table_name(const char *prefix, int step, const char *name);

/* node_queries.c: the rows the DAG is built from, in SPI_tuptable */
extern void catalog_read_function_nodes(void);
extern void catalog_read_sql_nodes(void);
extern void catalog_read_all_tags(void);
extern void catalog_read_tag_rows(void);

/* module_rows.c */
extern bool catalog_module_exists(const char *schema);
extern void catalog_add_module(const char *schema);
extern void catalog_remove_module(const char *schema);

/* sql_node_rows.c */
extern List *catalog_node_owner_rows(void);
extern List *catalog_sql_node_owners(const char *schema, const char *name);
extern bool catalog_write_sql_node(const SqlNodeRow *row);
extern bool catalog_delete_sql_node(const char *schema, const char *name, List *owners);
extern char *catalog_variant_of_other_kind(const char *schema, const char *name,
										   const char *kind);
extern char *catalog_name_taken(Oid nsp, const char *schema, ArrayType *names,
								const char *except, char **what);

/* option_rows.c: tags, checks, function variants */
extern Jsonb *catalog_node_tags(const char *schema, const char *name);
extern void catalog_merge_tags(const char *schema, const char *name, Jsonb *tags);
extern void catalog_delete_tags(const char *schema, const char *name);
extern bool catalog_node_has_checks(const char *schema, const char *name);
extern void catalog_store_checks(const char *schema, const char *name, Jsonb *checks);
extern void catalog_store_variant(const char *schema, const char *function,
								  Jsonb *when);
extern List *catalog_variant_owners(const char *schema, const char *node,
									const char *except_function);

/* result_rows.c: the lineage of each materialized result */
extern Oid	catalog_result_relation(const char *schema, const char *name);
extern void catalog_rebind_result(const char *schema, const char *name, Oid relid);
extern void catalog_write_result(const char *schema, const char *name, Oid relid,
								 int64 run_id, const char *fingerprint,
								 const char *inputs_json, const char *upstream_json,
								 const char *sources_json);

/* schema_rows.c: the rows of every table, by the schema they name */
extern void catalog_rename_schema_rows(const char *old_name, const char *new_name);
extern void catalog_forget_schema_rows(ArrayType *names);
extern int64 catalog_schema_row_count(const char *schema);
extern void catalog_orphan_rows(bool remove);

/* trust.c */
extern bool catalog_role_trusts(Oid truster, Oid role);
extern Oid	catalog_object_owner(Oid classid, Oid objid);
extern bool catalog_public_trusted(Oid caller, Oid *untrusted, const char **why);
extern bool catalog_public_on_path(void);


/* run_rows.c: run history */
extern int64 catalog_next_run_id(void);
extern void catalog_insert_run(const char *json, bool rolled_back);

/* One step of a run, as hamilton.node_run keeps it (NULL: null). */
typedef struct CatalogNodeRun
{
	int			step;
	const char *node;
	const char *module;
	const char *kind;
	const char *relation;
	bool		has_rows;
	int64		rows;
	bool		has_ms;
	double		ms;				/* kept to the microsecond, as in the JSON */
	const char *status;
	const char *fingerprint;
	const char *checks;			/* JSON */
	const char *error;
	/* parallel runs (issue 12), version 1.3 on */
	int			worker_pid;		/* 0: the calling backend */
	TimestampTz started_at;		/* 0: not known */
	TimestampTz ended_at;
	int64		cached_from;	/* (cache) status cached: the run it kept, or 0 */
	/* (servers2) the server(s) a placed step ran on, or NULL; 1.4 on */
	const char *placement;
} CatalogNodeRun;
extern void catalog_insert_node_runs(int64 run_id, int n, const CatalogNodeRun *rows);
extern void catalog_insert_run_start(const char *json);
extern void catalog_forget_ended_starts(void);

/* (chain) node_run_rows.c: a run's steps by the bulk path; versions.c */
extern bool catalog_bulk_insert_node_runs(int64 run_id, int n, const CatalogNodeRun *rows);
extern Oid	catalog_table_relid(const char *table);

/* (chain3) scalar_rows.c: many functions' pg_proc rows in one pass */
typedef void (*CatalogFunctionRow) (HeapTuple row, TupleDesc desc, void *arg);
extern void catalog_scan_functions(struct HTAB *wanted, CatalogFunctionRow fn, void *arg);

/* (chain) fingerprint_rows.c: fingerprints kept per pg_proc row version */
extern bool catalog_keeps_fingerprints(void);
extern void catalog_store_fingerprints(int n, Datum *oids, Datum *xmins, Datum *ctids,
									   Datum *fingerprints);
extern uint64 catalog_read_fingerprints(int n, Datum *oids);

/* schedule_rows.c: pg_cron jobs made by hamilton_schedule */
extern void catalog_remove_cron_jobs(void);

/* versions.c: what this database's catalog has */
extern bool catalog_keeps_run_starts(void);
extern bool catalog_keeps_step_placement(void);	/* (servers2) */
extern bool catalog_keeps_owner_names(void);
extern bool catalog_keeps_refresh(void);
extern char *catalog_extension_schema(void);
extern bool catalog_version_1_0(void);

/* The catalog tables a graph is read from (see catalog_graph_tables). */
#define CATALOG_GRAPH_TABLES 5
extern bool catalog_graph_tables(Oid *tables);

/* incremental_rows.c (incremental nodes, issue 11 part 2) */
typedef struct IncrementalRange
{
	char	   *start;			/* range_start, as text */
	char	   *end;			/* range_end, as text (inclusive for ids) */
} IncrementalRange;
extern bool catalog_keeps_incremental(void);
extern List *catalog_read_incremental_specs(List **names);
extern void catalog_write_incremental(const char *schema, const char *name, const char *spec_json);
extern void catalog_delete_incremental(const char *schema, const char *name);
extern bool catalog_lock_incremental(const char *schema, const char *name,
									 char **spec_json, char **fingerprint, int64 *batches);
extern void catalog_set_incremental_fingerprint(const char *schema, const char *name,
												const char *fingerprint);
extern List *catalog_incremental_missing(const char *schema, const char *name, bool by_time,
										 const char *start, const char *bound);
extern void catalog_insert_incremental_range(const char *schema, const char *name,
											 bool by_time, const char *start,
											 const char *end, int64 run_id, int64 rows);
extern void catalog_forget_incremental_range(const char *schema, const char *name, bool by_time,
											 const char *from, const char *to);
extern void catalog_clear_incremental(const char *schema, const char *name);
/* staging_rows.c (parallel runs, issue 12): heaps workers built and committed */
extern void catalog_insert_staging(Oid relid, const char *schema, const char *name, int64 run_id);
extern void catalog_forget_staging(int64 run_id);
extern int	catalog_drop_staging(int64 run_id, bool wait, int lock_wait_ms);
extern bool catalog_keeps_staging(void);
extern bool catalog_keeps_step_workers(void);
/* step_times.c (parallel runs, issue 12) */
extern void catalog_last_step_ms(int n, const char **modules, const char **nodes, double *ms);
/*
 * (cache) Skipping unchanged work: the change log (change_log.c) and the
 * cache entries (cache_rows.c).
 */
typedef struct CacheEntry
{
	char	   *schema;
	char	   *name;
	Oid			relation;		/* the result table it was made into */
	int64		run_id;			/* the run that made it */
	char	   *behaviour;		/* auto or recompute */
	char	   *key;			/* md5 of the cache key */
	char	   *data_version;
	char	   *snapshot;		/* pg_snapshot text: what the run read under */
	char	   *xid;			/* xid8 text: the run's transaction */
	List	   *sources;		/* Oid: the relations its query read */
	List	   *functions;		/* Oid: the functions it called */
	char	   *deps_state;		/* md5 of their state (dag/source_state.c) */
	bool		reusable;
	char	   *reason;			/* why not reusable, or NULL */
	bool		has_rows;
	int64		rows;
	Oid			result_relation;	/* hamilton.result's, read with it */
	int64		result_run_id;	/* hamilton.result's, or -1 */
	char	   *result_fingerprint; /* hamilton.result's, or NULL */
} CacheEntry;
extern void catalog_log_change(Oid relid);
extern void catalog_forget_own_changes(List *relids);
extern void catalog_changed_since(int n, const Oid *relations, char **snapshot, char **xid,
								  bool *changed, bool *reset);
extern void catalog_mark_change_log(const char *snapshot);
extern void catalog_prune_change_log(void);
extern void catalog_hold_change_log(void);
extern bool catalog_cache_available(void);
extern CacheEntry *catalog_read_cache_entry(const char *schema, const char *name);
extern List *catalog_read_cache_entries(void);
extern List *catalog_read_cache_tags(void);
extern List *catalog_read_node_tags(const char *key);
extern void catalog_write_cache_entry(const CacheEntry *e);
extern bool catalog_delete_cache_entry(const char *schema, const char *name);
/* hook_rows.c (features-b: lifecycle hooks, issue 13 item 10) */
/* what a hook takes: event, run_id, node, status, rows, ms */
#define HOOK_NARGS 6
typedef struct CatalogHook
{
	char	   *event;			/* before_run, before_node, after_node, after_run */
	Oid			function;
	char	   *owner_name;		/* the role it runs as */
	char	   *display;		/* function as regprocedure text */
} CatalogHook;
extern bool catalog_keeps_hooks(void);
extern bool catalog_add_hook(const char *event, Oid function, const char *owner_name);
extern char *catalog_hook_owner(const char *event, Oid function);
extern void catalog_remove_hook(const char *event, Oid function);
extern List *catalog_read_hooks(void);
extern void catalog_insert_hook_error(int64 run_id, const CatalogHook *h, const char *node,
									  const char *sqlstate, const char *message);

/* column_rows.c (features-b: column-level lineage, issue 13 item 11) */
extern bool catalog_keeps_column_lineage(void);
extern void catalog_write_result_columns(const char *schema, const char *name, int64 run_id,
										 int n, char **names, char **sources);

/* file_rows.c (features-b: loaders and savers, issue 13 item 9) */
typedef struct CatalogSaver
{
	char	   *schema;
	char	   *name;
	char	   *path;
	char	   *options_json;	/* NULL: CSV with a header */
	char	   *owner_name;
} CatalogSaver;
extern bool catalog_keeps_files(void);
extern void catalog_store_saver(const char *schema, const char *name, const char *path,
								const char *options_json, const char *owner_name);
extern bool catalog_delete_saver(const char *schema, const char *name, const char *path);
extern List *catalog_read_savers(void);
extern void catalog_insert_run_file(int64 run_id, const char *node, const char *direction,
									const char *path, int64 rows);

/* pipe_rows.c (features-b: pipe_input, pipe_output, mutate, issue 13 item 5) */
typedef struct StoredNode
{
	char	   *definition;
	char	   *doc;
	char	   *materialize;
	ArrayType  *declared;		/* declared inputs, or NULL */
	char	   *kind;			/* table or column */
	bool		frame;			/* a key or extract_columns */
	char	   *refresh;
	ArrayType  *refresh_key;
	bool		generated;		/* a variant (config_when) or parameterized */
} StoredNode;
extern StoredNode *catalog_read_stored_node(const char *schema, const char *name, int *nvariants);

/* subdag_rows.c (subdag: @subdag, @parameterized_subdag, issue 13 item 4) */
typedef struct CatalogSubdag
{
	char	   *namespace;		/* the schema its nodes were made in */
	char	   *module;			/* the module they were made from */
	bool		stale;			/* the module changed since (review) */
} CatalogSubdag;
/*
 * (servers) issue 14: nodes placed on other servers.  remote.c: libpq
 * connections built from a postgres_fdw server and the caller's user
 * mapping; remote_rows.c: hamilton.remote_commit, the gids a run prepared.
 */
struct pg_conn;
struct pg_result;
struct ForeignServer;
extern struct ForeignServer *remote_server_checked(const char *server, const char *what);
extern struct pg_conn *remote_connect(struct ForeignServer *fs, const char *what);
extern struct pg_conn *remote_cached_connection(struct ForeignServer *fs, const char *what);
/* (review) a type a server named, as this server spells it */
extern char *remote_type_here(const char *nspname, const char *typname, const char *typmod_text);
extern void remote_release_all(void);
extern pg_attribute_noreturn() void remote_error_raise(int code, const char *message, const char *detail,
													  const char *hint, const char *where);	/* (remote) */
extern bool remote_reset(struct pg_conn *conn);
extern struct pg_result *remote_exec(struct pg_conn *conn, const char *sql, int nparams,
									 const char *const *params, const char *where,
									 bool raise, char **failure);
extern bool catalog_keeps_remote_commits(void);
extern void catalog_insert_remote_commit(const char *gid, int64 run_id, const char *server,
										 const char *node, FullTransactionId xid);
extern bool catalog_resolve_remote_commit(const char *gid, const char *outcome);
extern bool catalog_remote_commit_recorded(const char *gid);
extern List *catalog_remote_servers(void);
extern List *catalog_unresolved_remote_commits(const char *server, List **runs);
extern List *catalog_read_placements(void);
extern bool catalog_run_running(int64 run_id);
extern List *catalog_subdags(void);
extern void catalog_rename_subdag_schemas(const char *old_name, const char *new_name);	/* (review) */

/* (probes) probe_rows.c: the probe queries of sources (issue 11) */
extern char *catalog_read_probe(Oid relid);
extern void catalog_put_probe(Oid relid, const char *probe);
extern bool catalog_delete_probe(Oid relid);
extern List *catalog_read_probes(void);

/* (shard) shard_rows.c: the shard_key tags of sharded nodes (issue 14) */
extern bool catalog_keeps_shard_keys(void);
extern List *catalog_read_shard_keys(void);
extern List *catalog_read_tags_named(const char *key);

#endif							/* HAMILTON_CATALOG_H */
