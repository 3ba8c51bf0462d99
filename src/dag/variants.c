/*-------------------------------------------------------------------------
 *
 * variants.c
 *	  Choosing among a node's variants (Hamilton's @config.when): which
 *	  condition config matches, and the problem when none does.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"

#include "dag.h"

/*
 * when_value_in: is config's value (have, of kind hkind; present false when
 * config lacks the key) the condition's value want, or one of its list?
 * Values compare as written: 1 and 1.0 differ.
 */
static bool
when_value_in(const char *want, char wkind, bool present, const char *have, char hkind)
{
	List	   *texts,
			   *kinds;
	ListCell   *lt,
			   *lk;

	if (!present)
		return false;
	if (wkind != JSON_KIND_CONTAINER)
		return wkind == hkind && have != NULL && strcmp(want, have) == 0;
	if (hkind == JSON_KIND_CONTAINER || hkind == JSON_KIND_NULL ||
		!jsonb_array_items(DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(want))),
						   &texts, &kinds))
		return false;
	forboth(lt, texts, lk, kinds)
	{
		if ((char) lfirst_int(lk) == hkind && lfirst(lt) && strcmp(lfirst(lt), have) == 0)
			return true;
	}
	return false;
}

/*
 * dag_when_matches: every key of the condition matches config, as
 * Hamilton's @config.when, when_in, when_not and when_not_in: a value
 * means config has it, a list means config has one of them, {"not": v}
 * and {"not": [..]} the opposite (also when config lacks the key, as
 * Hamilton reads a missing key as None).
 */
bool
dag_when_matches(Jsonb *config, const char *when_text)
{
	Jsonb	   *when;
	List	   *keys;
	ListCell   *lc;

	if (when_text == NULL)
		return true;
	when = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(when_text)));
	keys = jsonb_object_keys_list(when, "config_when");
	foreach(lc, keys)
	{
		char	   *want,
				   *have = NULL;
		char		wkind,
					hkind = JSON_KIND_NULL;
		bool		present,
					negated = false;

		(void) jsonb_object_get(when, lfirst(lc), &want, &wkind);
		if (wkind == JSON_KIND_CONTAINER && want[0] == '{')
		{
			Jsonb	   *not = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(want)));

			if (!jsonb_object_get(not, "not", &want, &wkind))
				return false;	/* refused when defined */
			negated = true;
		}
		present = config != NULL && jsonb_object_get(config, lfirst(lc), &have, &hkind);
		if (when_value_in(want, wkind, present, have, hkind) == negated)
			return false;
	}
	return true;
}

/*
 * dag_no_variant_problem: no variant of schema.name matches the config;
 * variants lists their conditions.
 */
HProblem *
dag_no_variant_problem(Dag *dag, const char *schema, const char *name,
					   const char *variants)
{
	char	   *display = qualified_display(schema, name);

	return problem_make("no_variant", ERRCODE_INVALID_PARAMETER_VALUE, display,
						psprintf("no variant of node %s matches config %s", display,
								 jsonb_text(dag->config)),
						psprintf("Its variants are chosen by config_when: %s.", variants),
						"Pass config => '{...}' with the values of one variant.");
}

/*
 * dag_no_variant_column_problem: column of frame schema.name is no node
 * because no variant of the frame matches the config; variants lists
 * their conditions.
 */
HProblem *
dag_no_variant_column_problem(Dag *dag, const char *schema, const char *name,
							  const char *column, const char *variants)
{
	char	   *frame = qualified_display(schema, name);

	return problem_make("no_variant", ERRCODE_INVALID_PARAMETER_VALUE,
						qualified_display(schema, column),
						psprintf("no variant of node %s matches config %s", frame,
								 jsonb_text(dag->config)),
						psprintf("Column %s is a column of frame %s, whose variants are chosen by config_when: %s.",
								 qualified_display(schema, column), frame, variants),
						"Pass config => '{...}' with the values of one variant.");
}

/*
 * dag_reads_unmatched: does node n read a name that is no node because no
 * variant of it (or of its frame) matches the config?  Whatever else that
 * makes wrong with n is explained by the no_variant problem.
 */
bool
dag_reads_unmatched(Dag *dag, int n)
{
	HNode	   *node = &dag->nodes[n];
	int			d;

	for (d = 0; d < node->ndeps; d++)
	{
		HNode	   *t = &dag->nodes[node->deps[d].target];
		ListCell   *lc;

		if (t->kind != HNODE_INPUT)
			continue;
		foreach(lc, dag->unmatched)
		{
			char	   *schema,
					   *bare;

			parse_node_name(((HProblem *) lfirst(lc))->node, &schema, &bare, false);
			if (strcmp(bare, t->name) == 0)
				return true;
		}
	}
	return false;
}
