/*-------------------------------------------------------------------------
 *
 * function_extras.c
 *	  What a function node has beside its pg_proc row: its comment, its
 *	  variant condition (hamilton.function_variant), and its node's
 *	  materialize, refresh and refresh_key tags and checks (the node is the
 *	  function's name before the last "__" for a variant).
 *
 * These used to be joined into catalog_read_function_nodes' query: each
 * join cost every row of the graph (100,000 wide rows through six hash
 * joins, over half of a cold validation's catalog query), although few
 * functions have any of them.  They are read here from their own small
 * tables, each keyed as the join was (every key is a primary key there:
 * one value at most), and looked up per row by load_functions.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/hsearch.h"

#include "catalog.h"

/* a key of two names, "schema\x1fname" */
#define EXTRAS_KEYLEN (2 * NAMEDATALEN + 1)

typedef struct NamedExtras
{
	char		key[EXTRAS_KEYLEN];
	char	   *config_when;	/* of the function so named */
	char	   *materialize;	/* of the node so named */
	char	   *refresh;
	char	   *refresh_key;
	char	   *checks;
} NamedExtras;

typedef struct CommentEntry
{
	Oid			funcoid;
	char	   *description;
} CommentEntry;

struct FunctionExtras
{
	HTAB	   *named;
	HTAB	   *comments;
};

static NamedExtras *named_entry(FunctionExtras *x, const char *schema, const char *name,
								bool enter);
static void read_named_values(FunctionExtras *x, size_t field);

static SPIPlanPtr comments_plan = NULL;
static SPIPlanPtr variants_plan = NULL;
static SPIPlanPtr tags_plan = NULL;
static SPIPlanPtr checks_plan = NULL;

/*
 * catalog_read_function_extras reads them all, in the current memory
 * context.  SPI must be connected; SPI_tuptable is left to the last of
 * these queries, so call it before catalog_read_function_nodes.
 */
FunctionExtras *
catalog_read_function_extras(void)
{
	FunctionExtras *x = palloc0(sizeof(FunctionExtras));
	HASHCTL		ctl;
	uint64		i;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = EXTRAS_KEYLEN;
	ctl.entrysize = sizeof(NamedExtras);
	ctl.hcxt = CurrentMemoryContext;
	x->named = hash_create("hamilton function extras", 64, &ctl,
						   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(CommentEntry);
	x->comments = hash_create("hamilton function comments", 64, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	/* the comments of the functions of registered modules */
	spi_exec_kept(&comments_plan,
				  "SELECT d.objoid, d.description FROM pg_catalog.pg_description d "
				  "JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) d.objoid "
				  "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace "
				  "JOIN " CATALOG_TABLE("module") " m ON m.schema_name OPERATOR(pg_catalog.=) n.nspname "
				  "WHERE d.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass "
				  "  AND d.objsubid OPERATOR(pg_catalog.=) 0");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			oid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		CommentEntry *e = hash_search(x->comments, &oid, HASH_ENTER, NULL);

		e->description = spi_get_cstring(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
	}

	spi_exec_kept(&variants_plan,
				  "SELECT schema_name, function_name, config_when::pg_catalog.text "
				  "FROM " CATALOG_TABLE("function_variant"));
	read_named_values(x, offsetof(NamedExtras, config_when));

	spi_exec_kept(&tags_plan,
				  "SELECT schema_name, node_name, "
				  "       pg_catalog.max(tag_value) FILTER (WHERE tag_key OPERATOR(pg_catalog.=) 'materialize'), "
				  "       pg_catalog.max(tag_value) FILTER (WHERE tag_key OPERATOR(pg_catalog.=) 'refresh'), "
				  "       pg_catalog.max(tag_value) FILTER (WHERE tag_key OPERATOR(pg_catalog.=) 'refresh_key') "
				  "FROM " CATALOG_TABLE("node_tag") " "
				  "WHERE tag_key OPERATOR(pg_catalog.=) ANY (ARRAY['materialize', 'refresh', 'refresh_key']) "
				  "GROUP BY 1, 2");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		NamedExtras *e = named_entry(x, spi_get_cstring(row, desc, 1), spi_get_cstring(row, desc, 2), true);

		e->materialize = spi_get_cstring(row, desc, 3);
		e->refresh = spi_get_cstring(row, desc, 4);
		e->refresh_key = spi_get_cstring(row, desc, 5);
	}

	spi_exec_kept(&checks_plan,
				  "SELECT schema_name, node_name, checks::pg_catalog.text "
				  "FROM " CATALOG_TABLE("node_check"));
	read_named_values(x, offsetof(NamedExtras, checks));
	return x;
}

/* catalog_function_comment is a function's comment, or NULL. */
const char *
catalog_function_comment(FunctionExtras *x, Oid funcoid)
{
	CommentEntry *e = hash_search(x->comments, &funcoid, HASH_FIND, NULL);

	return e ? e->description : NULL;
}

/* catalog_function_config_when is the variant condition of schema.fname, or NULL. */
const char *
catalog_function_config_when(FunctionExtras *x, const char *schema, const char *fname)
{
	NamedExtras *e = named_entry(x, schema, fname, false);

	return e ? e->config_when : NULL;
}

/*
 * catalog_node_extras gives node schema.node's materialize, refresh and
 * refresh_key tags and its checks (each NULL when it has none).
 */
void
catalog_node_extras(FunctionExtras *x, const char *schema, const char *node,
					const char **materialize, const char **refresh,
					const char **refresh_key, const char **checks)
{
	NamedExtras *e = named_entry(x, schema, node, false);

	*materialize = e ? e->materialize : NULL;
	*refresh = e ? e->refresh : NULL;
	*refresh_key = e ? e->refresh_key : NULL;
	*checks = e ? e->checks : NULL;
}

/* catalog_free_function_extras frees them. */
void
catalog_free_function_extras(FunctionExtras *x)
{
	hash_destroy(x->named);
	hash_destroy(x->comments);
	pfree(x);
}

/*
 * read_named_values keeps the rows (schema, name, value) of the query just
 * run, each value in the field at offset field of its name's entry.
 */
static void
read_named_values(FunctionExtras *x, size_t field)
{
	uint64		i;

	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		NamedExtras *e = named_entry(x, spi_get_cstring(row, desc, 1), spi_get_cstring(row, desc, 2), true);

		*(char **) ((char *) e + field) = spi_get_cstring(row, desc, 3);
	}
}

/*
 * named_entry is the entry of schema.name (made, zeroed, with enter; else
 * NULL when there is none).
 */
static NamedExtras *
named_entry(FunctionExtras *x, const char *schema, const char *name, bool enter)
{
	char		key[EXTRAS_KEYLEN];
	NamedExtras *e;
	bool		found;

	CHECK_FOR_INTERRUPTS();
	snprintf(key, sizeof(key), "%s\x1f%s", schema, name);
	e = hash_search(x->named, key, enter ? HASH_ENTER : HASH_FIND, &found);
	if (enter && !found)
		memset((char *) e + offsetof(NamedExtras, config_when), 0,
			   sizeof(NamedExtras) - offsetof(NamedExtras, config_when));
	return e;
}
