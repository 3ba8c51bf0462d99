/*-------------------------------------------------------------------------
 *
 * node_queries.c
 *	  The catalog queries the DAG is read from: function nodes (pg_proc of
 *	  the registered modules, with their tags, checks and variants), SQL
 *	  nodes (hamilton.sql_node), and every node's tags (as one object per
 *	  node, or as rows).
 *
 * Each query leaves its rows in SPI_tuptable, in the column order of the
 * Anum_ macros of catalog.h.  The two node queries are planned once per
 * backend; they run whenever a graph is built: at every call of the API,
 * but for the run requests whose graph the session kept (dag/cache.c),
 * until a change of the catalog invalidates it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"

#include "catalog.h"

static SPIPlanPtr function_nodes_plan = NULL;
static SPIPlanPtr sql_nodes_plan = NULL;
static SPIPlanPtr sql_nodes_plan_1_1 = NULL;	/* a catalog before 1.2 */

/*
 * REFRESH_TAGS joins a node's refresh and refresh_key tags (how its result
 * table is refreshed, and on which key) as rt and rk; NODE is the alias of
 * what names the node.
 */
#define REFRESH_TAGS(SCHEMA, NODE) \
	"LEFT JOIN " CATALOG_TABLE("node_tag") " rt ON rt.schema_name OPERATOR(pg_catalog.=) " SCHEMA " " \
	"     AND rt.node_name OPERATOR(pg_catalog.=) " NODE " AND rt.tag_key OPERATOR(pg_catalog.=) 'refresh' " \
	"LEFT JOIN " CATALOG_TABLE("node_tag") " rk ON rk.schema_name OPERATOR(pg_catalog.=) " SCHEMA " " \
	"     AND rk.node_name OPERATOR(pg_catalog.=) " NODE " AND rk.tag_key OPERATOR(pg_catalog.=) 'refresh_key' "

/*
 * SQL_NODES is catalog_read_sql_nodes' query; REFRESH is the expressions
 * of its refresh and refresh key (each the tag, else, from version 1.2 on,
 * the definition's refresh => and key =>, as JSON).
 */
#define SQL_NODES(REFRESH) \
	"SELECT s.schema_name, s.node_name, s.definition, s.doc, " \
	"       CASE WHEN mt.tag_value IS NOT NULL THEN mt.tag_value ELSE s.materialize END, " \
	"       s.declared_inputs, s.owner::pg_catalog.oid, s.kind, s.frame_key, " \
	"       s.extract_columns, s.frame_columns, s.frame_types, " \
	"       CASE WHEN s.config_when OPERATOR(pg_catalog.=) '{}'::pg_catalog.jsonb THEN NULL " \
	"            ELSE s.config_when::pg_catalog.text END, " \
	"       s.parameterized::pg_catalog.text, c.checks::pg_catalog.text, " \
	"       (SELECT pg_catalog.array_agg(ct.node_name::pg_catalog.text) FROM " CATALOG_TABLE("node_tag") " ct " \
	"        WHERE ct.schema_name OPERATOR(pg_catalog.=) s.schema_name " \
	"          AND ct.node_name OPERATOR(pg_catalog.=) ANY (s.frame_columns) " \
	"          AND ct.tag_key OPERATOR(pg_catalog.=) 'materialize' " \
	"          AND ct.tag_value OPERATOR(pg_catalog.=) 'table'), " \
	"       " REFRESH " " \
	"FROM " CATALOG_TABLE("sql_node") " s " \
	"JOIN pg_catalog.pg_namespace n ON n.nspname OPERATOR(pg_catalog.=) s.schema_name " \
	"LEFT JOIN " CATALOG_TABLE("node_tag") " mt ON mt.schema_name OPERATOR(pg_catalog.=) s.schema_name " \
	"     AND mt.node_name OPERATOR(pg_catalog.=) s.node_name " \
	"     AND mt.tag_key OPERATOR(pg_catalog.=) 'materialize' " \
	"LEFT JOIN " CATALOG_TABLE("node_check") " c ON c.schema_name OPERATOR(pg_catalog.=) s.schema_name " \
	"     AND c.node_name OPERATOR(pg_catalog.=) s.node_name " \
	REFRESH_TAGS("s.schema_name", "s.node_name") \
	"ORDER BY 1, 2, s.config_when::pg_catalog.text"


/*
 * catalog_read_function_nodes: every function of a registered module whose
 * name does not start with "_", but for procedures, aggregates and members
 * of extensions, with what the graph needs of its pg_proc row (language,
 * owner, return type, arguments, defaults), so that reading the graph
 * loads no syscache entry per function (10,000 index probes for a
 * 10,000-node graph).  The graph leaves out functions returning void or
 * another pseudo-type (record aside), and takes each one's comment,
 * variant condition, tags and checks from catalog_read_function_extras:
 * joined here, they cost every row (load_functions.c).  The rows come in
 * no order: the graph sorts them (dag_load_function_nodes), which costs
 * less than sorting these wide rows here.
 */
void
catalog_read_function_nodes(void)
{
	spi_exec_kept(&function_nodes_plan,
				   "SELECT p.oid, n.nspname, p.proname, p.prolang, p.proowner, "
				   "       p.prorettype, p.proretset, p.pronargdefaults, "
				   "       p.proargtypes, p.proallargtypes, p.proargmodes, p.proargnames "
				   "FROM " CATALOG_TABLE("module") " m "
				   "JOIN pg_catalog.pg_namespace n ON n.nspname OPERATOR(pg_catalog.=) m.schema_name "
				   "JOIN pg_catalog.pg_proc p ON p.pronamespace OPERATOR(pg_catalog.=) n.oid "
				   "WHERE p.prokind OPERATOR(pg_catalog.=) 'f' "
				   "  AND pg_catalog.left(p.proname, 1) OPERATOR(pg_catalog.<>) '_' "
				   "  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep "
				   "       WHERE dep.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass "
				   "         AND dep.objid OPERATOR(pg_catalog.=) p.oid AND dep.deptype OPERATOR(pg_catalog.=) 'e')");
}

/*
 * catalog_read_sql_nodes: every SQL node (each variant a row, a node's
 * variants adjacent) whose schema exists, with its materialize tag and
 * checks, for a frame the columns tagged materialize = table, and how its
 * result is refreshed (its refresh tag, else its refresh =>) and its
 * refresh_key tag.
 */
void
catalog_read_sql_nodes(void)
{
	if (catalog_keeps_refresh())
		spi_exec_kept(&sql_nodes_plan,
					  SQL_NODES("CASE WHEN rt.tag_value IS NOT NULL THEN rt.tag_value ELSE s.refresh END, "
								"CASE WHEN rk.tag_value IS NOT NULL THEN rk.tag_value "
								"     ELSE pg_catalog.array_to_json(s.refresh_key)::pg_catalog.text END"));
	else
		spi_exec_kept(&sql_nodes_plan_1_1, SQL_NODES("rt.tag_value, rk.tag_value"));
}

/*
 * catalog_read_all_tags: (schema, node, tags as one JSON object) for every
 * node that has tags.
 */
void
catalog_read_all_tags(void)
{
	spi_exec_checked("SELECT schema_name, node_name, pg_catalog.jsonb_object_agg(tag_key, tag_value ORDER BY tag_key) "
					 "FROM " CATALOG_TABLE("node_tag") " GROUP BY 1, 2",
					 0, NULL, NULL, NULL, SPI_OK_SELECT);
}

/*
 * catalog_read_tag_rows: (schema, node, key, value) for every tag, in key
 * order (COLLATE "C").
 */
void
catalog_read_tag_rows(void)
{
	spi_exec_checked("SELECT schema_name, node_name, tag_key, tag_value FROM " CATALOG_TABLE("node_tag") " "
					 "ORDER BY tag_key COLLATE \"C\"",
					 0, NULL, NULL, NULL, SPI_OK_SELECT);
}
