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

/* dag_when_matches: every key of the condition has that value in config. */
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
				   *have;
		char		wkind,
					hkind;

		(void) jsonb_object_get(when, lfirst(lc), &want, &wkind);
		if (config == NULL || !jsonb_object_get(config, lfirst(lc), &have, &hkind))
			return false;
		if (wkind != hkind || strcmp(want, have) != 0)
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
