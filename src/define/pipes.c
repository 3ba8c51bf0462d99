/*-------------------------------------------------------------------------
 *
 * pipes.c
 *	  Hamilton's @pipe_output, @mutate and @pipe_input: a chain of
 *	  transforms applied to one node's value, each transform a node of its
 *	  own (hamilton_pipe_output, hamilton_mutate, hamilton_pipe_input;
 *	  features-b, issue 13 item 5).
 *
 * A transform is a SELECT that reads the value it transforms by its name,
 * as the node would: for the output of node n, "SELECT ... FROM n".  The
 * chain is written as ordinary SQL nodes, so that every step is in
 * hamilton.nodes, the DOT picture, the run report and the lineage:
 *	- pipe_output on n: n's own SELECT becomes node n_raw, each step a node
 *	  n_<step> that reads the previous one under the name n (a WITH item),
 *	  and n selects the last step (TABLE n_<last>), keeping its doc, tags,
 *	  checks, materialization and refresh: what reads n reads the
 *	  transformed value, and n's checks see it;
 *	- mutate adds one step at the end of n's chain (starting one);
 *	- pipe_input on n's input x: nodes n_x_<step>, the first reading x
 *	  itself, and n reads the last of them under the name x.
 * Steps carry the tags pipe_output or pipe_input (the node piped) and
 * pipe_step; a node whose output is piped, pipe_last (its last step).  Everything is checked before the first write, and the call
 * writes all of it or nothing.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "define.h"

/* One transform: its name and its SELECT. */
typedef struct PipeStep
{
	char	   *step;
	char	   *sql;
} PipeStep;

static List *steps_checked(const char *display, Jsonb *steps);
static StoredNode *pipe_target(const char *node_text, const char *action, HNode **out);
static void refuse_taken(const char *schema, const char *name, const char *why);
static void check_step_reads(const char *what, const char *sql, const char *name);
static char *reading_as(const char *sql, const char *alias, const char *schema, const char *target);
static char *define_piece(const char *schema, const char *name, const char *sql, const char *doc,
						  ArrayType *declared, const char *tag_key, const char *piped,
						  const char *step);
static void redefine_piped(HNode *node, StoredNode *sn, const char *sql, const char *last);

/*
 * steps_checked reads a JSON array of {"step": name, "sql": SELECT}, each
 * step named once, with a name that can be part of a node's name.
 */
static List *
steps_checked(const char *display, Jsonb *steps)
{
	List	   *out = NIL;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			depth = 0;
	PipeStep   *cur = NULL;
	char	   *key = NULL;
	ListCell   *lc;

	if (steps == NULL || !JB_ROOT_IS_ARRAY(steps) || JB_ROOT_IS_SCALAR(steps) ||
		JB_ROOT_COUNT(steps) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("steps of %s must be a non-empty JSON array", display),
				 errhint("Give each step a name and a SELECT that reads the value by its name: '[{\"step\": \"clipped\", \"sql\": \"SELECT ... FROM name\"}]'.")));
	it = JsonbIteratorInit(&steps->root);
	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if (tok == WJB_BEGIN_OBJECT && depth++ == 1)
			cur = palloc0(sizeof(PipeStep));
		else if (tok == WJB_BEGIN_ARRAY)
			depth++;
		else if (tok == WJB_END_OBJECT || tok == WJB_END_ARRAY)
		{
			if (--depth == 1 && cur)
			{
				if (cur->step == NULL || cur->sql == NULL)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("a step of %s lacks its \"step\" or its \"sql\"", display),
							 errdetail("Each step is {\"step\": name, \"sql\": SELECT}.")));
				out = lappend(out, cur);
				cur = NULL;
			}
		}
		else if (tok == WJB_KEY && depth == 2)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE && depth == 2 && v.type == jbvString &&
				 (strcmp(key, "step") == 0 || strcmp(key, "sql") == 0))
		{
			if (key[1] == 't')
				cur->step = pnstrdup(v.val.string.val, v.val.string.len);
			else
				cur->sql = pnstrdup(v.val.string.val, v.val.string.len);
		}
		else if (tok == WJB_VALUE || tok == WJB_ELEM)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("steps of %s must be objects of two strings, \"step\" and \"sql\"", display),
					 key && depth == 2 ? errdetail("Key \"%s\" is not one of them, or is not a string.", key) :
					 errdetail("An element of the array is not an object.")));
	}
	foreach(lc, out)
	{
		PipeStep   *s = lfirst(lc);
		ListCell   *other;
		const char *c;

		for (c = s->step; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
				break;
		if (*s->step == '\0' || *c != '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_NAME),
					 errmsg("step name \"%s\" of %s is not a lower-case name", s->step, display),
					 errdetail("A step's name becomes part of its node's name: letters a-z, digits and underscores.")));
		for (other = list_head(out); lfirst(other) != s; other = lnext(out, other))
			if (strcmp(((PipeStep *) lfirst(other))->step, s->step) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_OBJECT),
						 errmsg("step \"%s\" of %s is named twice", s->step, display)));
	}
	return out;
}

/*
 * pipe_target finds the node a chain is attached to: a SQL table node with
 * one definition, that its caller owns.
 */
static StoredNode *
pipe_target(const char *node_text, const char *action, HNode **out)
{
	Dag		   *dag = dag_build_config(NULL, true);
	HNode	   *node = &dag->nodes[dag_resolve_name_or_error(dag, node_text)];
	StoredNode *sn;
	int			nvariants;

	define_check_owners(define_dag_owners(dag, node->schema, node->name), node->display, action);
	if (node->kind != HNODE_QUERY)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("node %s is not a SQL table node, whose value a chain of steps can transform", node->display),
				 errdetail("Steps are SELECTs over a table node's rows; %s is a %s node.", node->display,
						   dag_kind_name(node->kind)),
				 errhint("Define a SQL node that selects from it, and transform that one.")));
	if (node->incremental)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("node %s is incremental, and a chain of steps would make it a plain node", node->display),
				 errdetail("Its SELECT would move to a step node, and its spec and processed ranges would be lost."),
				 errhint("Transform a SQL node that selects from it, or put the transform into its own SELECT.")));
	(void) catalog_lock_schema(node->schema, psprintf("node %s was being piped", node->display));
	catalog_lock_node_name(node->schema, node->name);
	sn = catalog_read_stored_node(node->schema, node->name, &nvariants);
	if (sn == NULL || sn->generated)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("node %s has config variants or was made by hamilton_parameterize", node->display),
				 errdetail("A chain of steps transforms one definition."),
				 errhint("Transform a SQL node that selects from it.")));
	if (sn->frame)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("node %s is a frame, whose columns are nodes", node->display),
				 errdetail("A frame's columns are read from its own SELECT; a step in between would hide them."),
				 errhint("Transform the SQL node the frame selects from, or define a table node over the frame.")));
	*out = node;
	return sn;
}

/* refuse_taken refuses to write a node over one that exists. */
static void
refuse_taken(const char *schema, const char *name, const char *why)
{
	if (!node_name_is_valid(psprintf("%s.%s", quote_identifier(schema), quote_identifier(name))) ||
		strlen(name) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("node name %s.%s of %s is too long", schema, name, why)));
	if (catalog_sql_node_owners(schema, name) != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("node %s already exists", qualified_display(schema, name)),
				 errdetail("It would hold %s.", why),
				 errhint("Name the step otherwise, or drop that node first.")));
}

/*
 * check_step_reads: a step (what: "step m.n_s", or "node m.n" for the
 * node whose input is piped) is one SELECT that reads the value it
 * transforms by its name, unqualified (qualified, it would name the node
 * at the end of the chain, a cycle).
 */
static void
check_step_reads(const char *what, const char *sql, const char *name)
{
	ParsedQuery *pq;
	int			r,
				reads = 0;

	if (!definition_is_query(sql))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is not a SELECT", what),
				 errdetail("A step reads the rows it transforms and yields the transformed rows.")));
	pq = parse_node_query(what, sql);
	for (r = 0; r < pq->nrefs; r++)
		if (strcmp(pq->refs[r].name, name) == 0)
		{
			if (pq->refs[r].schema)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s names %s.%s", what, pq->refs[r].schema, name),
						 errdetail("In a step, %s is the value being transformed, and is written unqualified.", name),
						 errhint("Write FROM %s.", quote_identifier(name))));
			reads++;
		}
	if (reads == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s does not read %s", what, name),
				 errdetail("A step transforms the value it reads by that name; one that ignores it would drop the steps before it."),
				 errhint("Read it: SELECT ... FROM %s.", quote_identifier(name))));
}

/*
 * reading_as makes a SELECT read schema.target where it says alias: a WITH
 * item of that name, first (within a WITH clause of its own, if any).
 */
static char *
reading_as(const char *sql, const char *alias, const char *schema, const char *target)
{
	SqlTokens  *t = sql_tokenize(sql);
	char	   *item = psprintf("%s AS (TABLE %s)", quote_identifier(alias),
								quote_qualified_identifier(schema, target));
	int			at;

	if (t->ntokens > 0 && t->tokens[0].word && strcmp(t->tokens[0].word, "with") == 0)
	{
		at = t->tokens[0].end;
		if (t->ntokens > 1 && t->tokens[1].word && strcmp(t->tokens[1].word, "recursive") == 0)
			at = t->tokens[1].end;
		return psprintf("%.*s %s,%s", at, sql, item, sql + at);
	}
	return psprintf("WITH %s\n%s", item, sql);
}

/*
 * define_piece defines one node of a chain, tagged with the node it
 * belongs to and its step; returns its display name.
 */
static char *
define_piece(const char *schema, const char *name, const char *sql, const char *doc,
			 ArrayType *declared, const char *tag_key, const char *piped, const char *step)
{
	DefineArgs	a;
	StringInfoData tags;

	initStringInfo(&tags);
	appendStringInfoString(&tags, "{");
	escape_json(&tags, tag_key);
	appendStringInfoChar(&tags, ':');
	escape_json(&tags, piped);
	appendStringInfoString(&tags, ", \"pipe_step\": ");
	escape_json(&tags, step);
	appendStringInfoChar(&tags, '}');
	memset(&a, 0, sizeof(a));
	a.node_text = psprintf("%s.%s", quote_identifier(schema), quote_identifier(name));
	a.sql = (char *) sql;
	a.doc = (char *) doc;
	a.materialize = "auto";
	a.declared = declared;
	a.tags = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(tags.data)));
	return define_sql_node(&a);
}

/*
 * redefine_piped gives node its new SELECT, keeping everything else it
 * had; last (the step it now ends with, or NULL) goes in tag pipe_last.
 */
static void
redefine_piped(HNode *node, StoredNode *sn, const char *sql, const char *last)
{
	DefineArgs	a;

	memset(&a, 0, sizeof(a));
	a.node_text = psprintf("%s.%s", quote_identifier(node->schema), quote_identifier(node->name));
	a.sql = (char *) sql;
	a.doc = sn->doc;
	a.materialize = sn->materialize;
	a.declared = last ? NULL : sn->declared;
	a.refresh = sn->refresh;
	if (sn->refresh && strcmp(sn->refresh, "concurrent") == 0)
		a.key = sn->refresh_key;
	if (last)
	{
		StringInfoData tags;

		initStringInfo(&tags);
		appendStringInfoString(&tags, "{\"pipe_last\": ");
		escape_json(&tags, last);
		appendStringInfoChar(&tags, '}');
		a.tags = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(tags.data)));
	}
	(void) define_sql_node(&a);
}

/*
 * define_pipe_output transforms node_text's output by steps (Hamilton's
 * @pipe_output), or, with append, adds them after the steps it has
 * (@mutate); returns the nodes it wrote, in order.
 */
List *
define_pipe_output(const char *node_text, Jsonb *steps, bool append)
{
	HNode	   *node;
	StoredNode *sn = pipe_target(node_text, append ? "mutate" : "pipe", &node);
	List	   *list = steps_checked(psprintf("pipe_output of %s", node_text), steps);
	List	   *written = NIL;
	char	   *prev = NULL;
	char	   *last_tag = NULL;
	char	   *tag_text;
	char		kind;
	ListCell   *lc;

	/* a chain it already ends: n is still TABLE n_<last> as written */
	if (jsonb_object_get(catalog_node_tags(node->schema, node->name), "pipe_last", &tag_text, &kind) &&
		kind == JSON_KIND_STRING &&
		strcmp(sn->definition, psprintf("TABLE %s", quote_qualified_identifier(node->schema, tag_text))) == 0)
		last_tag = tag_text;
	if (last_tag && !append)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("the output of node %s is piped already", node->display),
				 errdetail("It ends with step node %s.", qualified_display(node->schema, last_tag)),
				 errhint("Add steps at its end with hamilton_mutate('%s', step, sql).", node->display)));

	/* every check first */
	if (last_tag == NULL)
		refuse_taken(node->schema, psprintf("%s_raw", node->name),
					 psprintf("the SELECT of %s before its steps", node->display));
	foreach(lc, list)
	{
		PipeStep   *s = lfirst(lc);
		char	   *nm = psprintf("%s_%s", node->name, s->step);

		refuse_taken(node->schema, nm, psprintf("step %s of %s", s->step, node->display));
		check_step_reads(psprintf("step %s", qualified_display(node->schema, nm)), s->sql, node->name);
	}

	if (last_tag)
		prev = last_tag;
	else
	{
		prev = psprintf("%s_raw", node->name);
		written = lappend(written, define_piece(node->schema, prev, sn->definition,
												psprintf("the SELECT of %s before its steps", node->display),
												sn->declared, "pipe_output", node->display, "raw"));
	}
	foreach(lc, list)
	{
		PipeStep   *s = lfirst(lc);
		char	   *nm = psprintf("%s_%s", node->name, s->step);

		written = lappend(written, define_piece(node->schema, nm,
												reading_as(s->sql, node->name, node->schema, prev),
												psprintf("step %s of the output of %s", s->step, node->display),
												NULL, "pipe_output", node->display, s->step));
		prev = nm;
	}
	redefine_piped(node, sn, psprintf("TABLE %s", quote_qualified_identifier(node->schema, prev)), prev);
	return lappend(written, node->display);
}

/*
 * define_pipe_input transforms what node_text reads as input by steps
 * (Hamilton's @pipe_input); returns the nodes it wrote, in order.
 */
List *
define_pipe_input(const char *node_text, const char *input, Jsonb *steps)
{
	HNode	   *node;
	StoredNode *sn = pipe_target(node_text, "pipe", &node);
	List	   *list = steps_checked(psprintf("pipe_input of %s", node_text), steps);
	List	   *written = NIL;
	char	   *prev = NULL;
	ListCell   *lc;

	check_step_reads(psprintf("node %s", node->display), sn->definition, input);
	foreach(lc, list)
	{
		PipeStep   *s = lfirst(lc);
		char	   *nm = psprintf("%s_%s_%s", node->name, input, s->step);

		refuse_taken(node->schema, nm, psprintf("step %s of input %s of %s", s->step, input, node->display));
		check_step_reads(psprintf("step %s", qualified_display(node->schema, nm)), s->sql, input);
	}
	foreach(lc, list)
	{
		PipeStep   *s = lfirst(lc);
		char	   *nm = psprintf("%s_%s_%s", node->name, input, s->step);

		written = lappend(written, define_piece(node->schema, nm,
												prev ? reading_as(s->sql, input, node->schema, prev) : s->sql,
												psprintf("step %s of input %s of %s", s->step, input, node->display),
												NULL, "pipe_input", node->display, s->step));
		prev = nm;
	}
	redefine_piped(node, sn, reading_as(sn->definition, input, node->schema, prev), NULL);
	return lappend(written, node->display);
}
