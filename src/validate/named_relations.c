/*-------------------------------------------------------------------------
 *
 * named_relations.c
 *	  Relations a user names in a value: the relation that overrides a table
 *	  node, and the relation given as an input to a regclass parameter.
 *
 * A qualified name means that relation.  A bare name is looked up on the
 * path of the node it stands in for (dag_path_relation: its module, public
 * when that is safe, temporary tables), never through the session's
 * search_path, and binds only when a role the caller trusts owns it: so
 * no other role can plant the relation a run reads.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/varlena.h"

#include "validate.h"

/*
 * validate_named_relation finds the relation text names for node (whose
 * module's path a bare name is looked up on), given as key of argument
 * argname ("overrides", "inputs").  On failure returns InvalidOid with
 * *detail set (it does not exist), or with *problem set (another role's
 * relation, found by a bare name); what says where the name stands, for
 * the problem's message.
 */
Oid
validate_named_relation(ValidateState *st, HNode *node, const char *text,
						const char *what, const char *argname, const char *key,
						char **detail, HProblem **problem)
{
	List	   *parts;
	List	   *names = NIL;
	ListCell   *lc;
	Oid			rel,
				untrusted;

	*detail = NULL;
	*problem = NULL;
	if (!SplitIdentifierString(pstrdup(text), '.', &parts) ||
		list_length(parts) < 1 || list_length(parts) > 3 ||
		(list_length(parts) == 3 &&
		 strcmp(linitial(parts), get_database_name(MyDatabaseId)) != 0))
	{
		*detail = psprintf("\"%s\" is not a relation name of this database.", text);
		return InvalidOid;
	}
	if (list_length(parts) > 1)
	{
		foreach(lc, parts)
			names = lappend(names, makeString((char *) lfirst(lc)));
		rel = RangeVarGetRelid(makeRangeVarFromNameList(names), NoLock, true);
		if (!OidIsValid(rel))
			*detail = psprintf("Relation \"%s\" does not exist.", text);
		return rel;
	}
	rel = dag_path_relation(st->dag, node->schema, linitial(parts), InvalidOid, &untrusted);
	if (!OidIsValid(rel))
	{
		*detail = psprintf("No relation \"%s\" is on the path of module %s (%s).", text,
						   quote_identifier(node->schema),
						   dag_module_path_text(st->dag, node->schema));
		return InvalidOid;
	}
	if (OidIsValid(untrusted))
	{
		*problem = dag_untrusted_relation_problem(st->dag, node->display, what, rel, untrusted,
												  psprintf("Name it with its schema in %s => '{\"%s\": \"%s\"}' if you mean it.",
														   argname, key, dag_relation_display(rel)));
		return InvalidOid;
	}
	return rel;
}

/*
 * validate_regclass_input turns an input given to a regclass parameter of
 * consumer into the literal of the relation it names, looked up as
 * validate_named_relation does (a relation's OID, as digits, is taken as
 * it is).  previous is the literal an earlier consumer of the input got
 * (NULL: none): every consumer must see the same relation.  On failure it
 * adds the problem and returns NULL.
 */
char *
validate_regclass_input(ValidateState *st, HNode *consumer, HParam *param,
						const char *input_name, const char *text, char kind,
						const char *previous)
{
	char	   *detail = NULL;
	char	   *literal = NULL;
	HProblem   *problem = NULL;
	Oid			rel;

	if (kind != JSON_KIND_STRING || strspn(text, "0123456789") == strlen(text))
	{
		if (!value_literal(text, kind, REGCLASSOID, &literal, &detail))
			literal = NULL;
	}
	else
	{
		rel = validate_named_relation(st, consumer, text,
									  psprintf("input \"%s\" of %s names \"%s\"", input_name,
											   consumer->display, text),
									  "inputs", input_name, &detail, &problem);
		if (OidIsValid(rel))
			literal = psprintf("%s::pg_catalog.regclass",
							   quote_literal_cstr(dag_relation_display(rel)));
	}
	if (problem)
		validate_add_problem(st, problem);
	else if (literal == NULL)
		validate_add_problem(st, problem_make("bad_input_value", ERRCODE_UNDEFINED_TABLE, consumer->display,
											  psprintf("input \"%s\" is not a valid %s for parameter \"%s\" of %s",
													   input_name, format_type_be(REGCLASSOID),
													   param->name, consumer->display),
											  detail,
											  psprintf("Name an existing relation in inputs => '{\"%s\": \"schema.table\"}'.",
													   input_name)));
	else if (previous && strcmp(previous, literal) != 0)
		validate_add_problem(st, problem_make("ambiguous_input", ERRCODE_AMBIGUOUS_PARAMETER, consumer->display,
											  psprintf("input \"%s\" names a different relation for %s", input_name, consumer->display),
											  psprintf("It is %s on the path of %s, and %s on the path of an earlier consumer.",
													   literal, consumer->display, previous),
											  psprintf("Name it with its schema in inputs => '{\"%s\": \"schema.table\"}'.",
													   input_name)));
	return literal;
}
