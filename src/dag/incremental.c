/*-------------------------------------------------------------------------
 *
 * incremental.c
 *	  Incremental nodes: reading a node's spec (incremental => of
 *	  hamilton_define, hamilton_incremental for a function) and marking the
 *	  graph's nodes that have one.
 *
 * An incremental node processes the ranges of its source that it has not
 * processed yet, by a sequence column (ids, inclusive at both ends) or by
 * time ([start, end)), and appends, merges or replaces them in its result
 * table (exec/incremental*.c).  Its result is always a table: it is the
 * node's state.  The spec's structure is read here; what needs the source
 * (its column, its sequence) is checked when it is declared
 * (define/incremental_spec.c) and again when it runs.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "dag.h"

static char *spec_string(const char *display, Jsonb *spec, const char *key, bool required);
static List *spec_key_list(const char *display, Jsonb *spec);
static void refuse_spec(const char *display, const char *message, const char *detail);

/* the keys a spec may have */
static const char *const spec_keys[] = {
	"strategy", "by", "source", "column", "unique_key", "interval",
	"lookback", "start", "min_delay", "on_change", NULL
};

/*
 * dag_incremental_strategy_name is the name a strategy is written with.
 */
const char *
dag_incremental_strategy_name(IncrStrategy s)
{
	switch (s)
	{
		case INCR_APPEND:
			return "append";
		case INCR_MERGE:
			return "merge";
		case INCR_DELETE_INSERT:
			return "delete_insert";
	}
	return "?";
}

/*
 * refuse_spec raises the error of a spec that cannot be what it says.
 */
static void
refuse_spec(const char *display, const char *message, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid incremental spec of node %s: %s", display, message),
			 errdetail("%s", detail),
			 errhint("Write it as '{\"strategy\": \"append\", \"by\": \"sequence\", \"source\": \"raw.events\", \"column\": \"id\"}', "
					 "or by time: '{\"strategy\": \"delete_insert\", \"by\": \"time\", \"source\": \"raw.events\", \"column\": \"at\", "
					 "\"interval\": \"1 day\", \"start\": \"2026-01-01\"}'.")));
}

/*
 * spec_string reads a string key of the spec (a number too, as its text),
 * or NULL when it is absent and not required.
 */
static char *
spec_string(const char *display, Jsonb *spec, const char *key, bool required)
{
	char	   *text;
	char		kind;

	if (!jsonb_object_get(spec, key, &text, &kind) || kind == JSON_KIND_NULL)
	{
		if (required)
			refuse_spec(display, psprintf("\"%s\" is missing", key),
						psprintf("An incremental node needs \"strategy\", \"by\", \"source\" and \"column\"; \"%s\" is not given.", key));
		return NULL;
	}
	if (kind != JSON_KIND_STRING && kind != JSON_KIND_NUMBER)
		refuse_spec(display, psprintf("\"%s\" is not a string", key),
					psprintf("\"%s\" is %s.", key, text ? text : "null"));
	if (text[0] == '\0')
		refuse_spec(display, psprintf("\"%s\" is empty", key),
					psprintf("\"%s\" must name something.", key));
	return text;
}

/*
 * spec_key_list reads unique_key: a non-empty JSON array of column names.
 */
static List *
spec_key_list(const char *display, Jsonb *spec)
{
	JsonbValue *v;
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;
	List	   *names = NIL;

	v = getKeyJsonValueFromContainer(&spec->root, "unique_key", strlen("unique_key"), NULL);
	if (v == NULL || v->type == jbvNull)
		return NIL;
	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		refuse_spec(display, "\"unique_key\" is not an array",
					"\"unique_key\" is a JSON array of the column names that identify a row of the result.");
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (elem.type != jbvString || elem.val.string.len == 0)
			refuse_spec(display, "\"unique_key\" holds something other than column names",
						"Each element of \"unique_key\" is a column name, a non-empty string.");
		names = lappend(names, pnstrdup(elem.val.string.val, elem.val.string.len));
	}
	if (names == NIL)
		refuse_spec(display, "\"unique_key\" is empty",
					"\"unique_key\" names at least one column.");
	return names;
}

/*
 * dag_incremental_parse reads a spec and checks its structure: the keys it
 * may have, a strategy and a kind of range it knows, and the combinations
 * that would make the result wrong (lookback with append would insert the
 * looked-back rows again; a key means something only to merge).
 */
IncrementalSpec *
dag_incremental_parse(const char *display, Jsonb *spec)
{
	IncrementalSpec *s = palloc0(sizeof(IncrementalSpec));
	List	   *keys;
	ListCell   *lc;
	char	   *text;
	char	   *by;
	char	   *lookback;
	char	   *on_change;

	if (spec == NULL || !JB_ROOT_IS_OBJECT(spec) || JB_ROOT_IS_SCALAR(spec))
		refuse_spec(display, "it is not an object", "incremental => takes a JSON object.");
	keys = jsonb_object_keys_list(spec, "incremental");
	foreach(lc, keys)
	{
		const char *key = lfirst(lc);
		int			k;

		for (k = 0; spec_keys[k] && strcmp(spec_keys[k], key) != 0; k++)
			;
		if (spec_keys[k] == NULL)
			refuse_spec(display, psprintf("unknown key \"%s\"", key),
						"Its keys are strategy, by, source, column, unique_key, interval, lookback, start, min_delay and on_change.");
	}

	text = spec_string(display, spec, "strategy", true);
	if (strcmp(text, "append") == 0)
		s->strategy = INCR_APPEND;
	else if (strcmp(text, "merge") == 0)
		s->strategy = INCR_MERGE;
	else if (strcmp(text, "delete_insert") == 0)
		s->strategy = INCR_DELETE_INSERT;
	else
		refuse_spec(display, psprintf("unknown strategy \"%s\"", text),
					"The strategy is \"append\" (insert new rows), \"merge\" (upsert them on unique_key) or \"delete_insert\" (replace the range).");
	by = spec_string(display, spec, "by", true);
	if (strcmp(by, "time") != 0 && strcmp(by, "sequence") != 0)
		refuse_spec(display, psprintf("unknown \"by\" \"%s\"", by),
					"\"by\" is \"sequence\" (ranges of a column drawn from a sequence) or \"time\" (ranges of a timestamp column).");
	s->by_time = strcmp(by, "time") == 0;
	s->source = spec_string(display, spec, "source", true);
	s->column = spec_string(display, spec, "column", true);
	s->unique_key = spec_key_list(display, spec);
	s->interval = spec_string(display, spec, "interval", false);
	s->start = spec_string(display, spec, "start", false);
	s->min_delay = spec_string(display, spec, "min_delay", false);
	lookback = spec_string(display, spec, "lookback", false);
	on_change = spec_string(display, spec, "on_change", false);

	if (s->strategy == INCR_MERGE && s->unique_key == NIL)
		refuse_spec(display, "merge needs \"unique_key\"",
					"merge upserts the batch's rows on the columns \"unique_key\" names.");
	if (s->strategy != INCR_MERGE && s->unique_key != NIL)
		refuse_spec(display, psprintf("\"unique_key\" means nothing to %s", text),
					"Only merge upserts on a key; append inserts every new row and delete_insert replaces the range.");
	if (lookback)
	{
		char	   *end;
		long		n = strtol(lookback, &end, 10);

		if (*end != '\0' || n < 0 || n > 100000)
			refuse_spec(display, "\"lookback\" is not a number of intervals",
						psprintf("\"lookback\" is how many intervals before the new ones are processed again, an integer from 0; it is %s.", lookback));
		s->lookback = (int) n;
	}
	if (s->by_time)
	{
		if (s->interval == NULL)
			refuse_spec(display, "by time needs \"interval\"",
						"Time ranges are processed in whole intervals, e.g. \"interval\": \"1 day\".");
		if (s->start == NULL)
			refuse_spec(display, "by time needs \"start\"",
						"The first interval begins at \"start\", e.g. \"start\": \"2026-01-01\"; intervals are binned from it.");
	}
	else
	{
		if (s->interval || s->min_delay || lookback)
			refuse_spec(display, "\"interval\", \"min_delay\" and \"lookback\" apply to time ranges only",
						"By sequence, each run processes the ids up to the sequence's last value, once every writer holding a lower one has finished.");
	}
	if (s->lookback > 0 && s->strategy == INCR_APPEND)
		refuse_spec(display, "append cannot look back",
					"Processing earlier intervals again would append their rows a second time; use merge or delete_insert to look back.");
	if (on_change && strcmp(on_change, "forward_only") != 0 && strcmp(on_change, "refuse") != 0)
		refuse_spec(display, psprintf("unknown \"on_change\" \"%s\"", on_change),
					"\"on_change\" is \"refuse\" (the default: a changed node runs again only after hamilton_restate or hamilton_reset) or \"forward_only\" (new ranges use the new code, processed ones stay).");
	s->forward_only = on_change && strcmp(on_change, "forward_only") == 0;
	s->json = jsonb_text(spec);
	return s;
}

/*
 * dag_load_incremental gives each node of the graph that has a spec its
 * spec, and makes its result a table.  A spec whose node the graph does
 * not have (a dropped function, a variant config did not choose) is left
 * alone.
 */
void
dag_load_incremental(Dag *dag)
{
	List	   *names = NIL;
	List	   *specs;
	ListCell   *ln,
			   *ls;

	if (!catalog_keeps_incremental())
		return;
	specs = catalog_read_incremental_specs(&names);
	forboth(ln, names, ls, specs)
	{
		char	   *qualified = lfirst(ln);
		char	   *dot = strchr(qualified, '\n');
		int			i;

		*dot = '\0';
		i = dag_find_qualified(dag, qualified, dot + 1);
		if (i >= 0 && dag->nodes[i].kind != HNODE_INPUT)
		{
			HNode	   *node = &dag->nodes[i];
			Jsonb	   *spec = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
																  CStringGetDatum(lfirst(ls))));

			node->incremental = dag_incremental_parse(node->display, spec);
			node->persist = true;
		}
	}
}
