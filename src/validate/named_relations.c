/*-------------------------------------------------------------------------
 *
 * named_relations.c
 *	  Relations a user names in a value: the relation that overrides a table
 *	  node, and the relations given as an input to a parameter of type
 *	  regclass, a domain over it, or an array of them.
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
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"
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
 * validate_relation_holder: how a parameter's type holds relations.  A
 * regclass, or a domain over one, holds one (REL_ONE); an array of those, or
 * a domain over such an array, holds a list (REL_ARRAY).  A type that holds
 * a regclass anywhere else (a composite's field, an array of arrays, a
 * range) is REL_OTHER: its text would name relations through whatever
 * search_path it is read under, unchecked.
 */
int
validate_relation_holder(Oid type)
{
	Oid			base = getBaseType(type);
	Oid			elem = get_element_type(base);
	Oid			todo[MAX_TYPE_WALK];
	int			ntodo = 0;
	int			seen = 0;

	if (base == REGCLASSOID)
		return REL_ONE;
	if (OidIsValid(elem) && getBaseType(elem) == REGCLASSOID)
		return REL_ARRAY;
	todo[ntodo++] = base;
	while (ntodo > 0 && seen++ < MAX_TYPE_WALK)
	{
		Oid			t = getBaseType(todo[--ntodo]);
		Oid			inner;

		CHECK_FOR_INTERRUPTS();
		if (t == REGCLASSOID)
			return REL_OTHER;
		if (OidIsValid(inner = get_element_type(t)) ||
			(type_is_range(t) && OidIsValid(inner = get_range_subtype(t))))
		{
			if (ntodo < MAX_TYPE_WALK)
				todo[ntodo++] = inner;
		}
		else if (type_is_rowtype(t) && t != RECORDOID)
		{
			TupleDesc	desc = lookup_rowtype_tupdesc(t, -1);
			int			i;

			for (i = 0; i < desc->natts && ntodo < MAX_TYPE_WALK; i++)
				if (!TupleDescAttr(desc, i)->attisdropped)
					todo[ntodo++] = TupleDescAttr(desc, i)->atttypid;
			ReleaseTupleDesc(desc);
		}
	}
	return REL_NONE;
}

/*
 * relation_literal: the literal of one relation named in an input, looked up
 * as validate_named_relation does (a relation's OID, as digits, is taken as
 * it is), as 'schema.name'::pg_catalog.regclass; NULL with *detail or
 * *problem set when it names none, or one of a role the caller does not
 * trust.
 */
static char *
relation_literal(ValidateState *st, HNode *consumer, const char *input_name,
				 const char *text, char kind, char **detail, HProblem **problem)
{
	char	   *literal = NULL;
	Oid			rel;

	if (kind != JSON_KIND_STRING || strspn(text, "0123456789") == strlen(text))
	{
		if (!value_literal(text, kind, REGCLASSOID, &literal, detail))
			literal = NULL;
		return literal;
	}
	rel = validate_named_relation(st, consumer, text,
								  psprintf("input \"%s\" of %s names \"%s\"", input_name,
										   consumer->display, text),
								  "inputs", input_name, detail, problem);
	if (!OidIsValid(rel))
		return NULL;
	return psprintf("%s::pg_catalog.regclass", quote_literal_cstr(dag_relation_display(rel)));
}

/*
 * relation_array_literal: the literal of a JSON array of relations for a
 * parameter of type type (REL_ARRAY), each element looked up as
 * relation_literal does: ARRAY['s.a'::pg_catalog.regclass, ...]::type.
 * NULL with *detail or *problem set when an element names no relation, or
 * one of a role the caller does not trust, or the value is no flat array.
 */
static char *
relation_array_literal(ValidateState *st, HNode *consumer, const char *input_name,
					   const char *text, char kind, Oid type, char **detail,
					   HProblem **problem)
{
	StringInfoData buf;
	Jsonb	   *jb;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n = 0;

	if (kind == JSON_KIND_NULL)
		return psprintf("NULL::%s", format_type_be_qualified(type));
	if (kind != JSON_KIND_CONTAINER || text[0] != '[')
	{
		*detail = psprintf("A parameter of type %s takes a JSON array of relation names, as in [\"schema.table\"].",
						   format_type_be(type));
		return NULL;
	}
	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
	it = JsonbIteratorInit(&jb->root);
	initStringInfo(&buf);
	appendStringInfoString(&buf, "ARRAY[");
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *elem;

		if (tok != WJB_ELEM)
			continue;
		if (v.type == jbvNull)
			elem = pstrdup("NULL::pg_catalog.regclass");
		else if (v.type == jbvString || v.type == jbvNumeric)
		{
			char	   *name = v.type == jbvString ? pnstrdup(v.val.string.val, v.val.string.len) :
				DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric)));

			elem = relation_literal(st, consumer, input_name, name,
									v.type == jbvString ? JSON_KIND_STRING : JSON_KIND_NUMBER,
									detail, problem);
			if (elem == NULL)
				return NULL;
		}
		else
		{
			*detail = pstrdup("Each element of the array names one relation, as a string.");
			return NULL;
		}
		appendStringInfo(&buf, "%s%s", n++ ? ", " : "", elem);
	}
	appendStringInfo(&buf, "]::%s", format_type_be_qualified(type));
	if (n == 0)
		return psprintf("'{}'::%s", format_type_be_qualified(type));
	return buf.data;
}

/*
 * validate_regclass_input turns an input given to a parameter of consumer
 * whose type holds relations (validate_relation_holder: a regclass, a
 * domain over one, an array of them) into a literal that names each
 * relation with its schema, looked up as validate_named_relation does.
 * The literal is of type *type: regclass for one relation (a domain over it
 * reads it cast), the parameter's type for an array.  previous is the
 * literal an earlier consumer of the input got (NULL: none): every consumer
 * must see the same relations.  A type that holds relations elsewhere is
 * refused: its text would be read unchecked.  On failure it adds the
 * problem and returns NULL.
 */
char *
validate_regclass_input(ValidateState *st, HNode *consumer, HParam *param,
						const char *input_name, const char *text, char kind,
						const char *previous, Oid *type)
{
	char	   *detail = NULL;
	char	   *literal = NULL;
	HProblem   *problem = NULL;
	int			holds = validate_relation_holder(param->type);

	*type = holds == REL_ONE ? REGCLASSOID : param->type;
	if (holds == REL_ONE)
		literal = relation_literal(st, consumer, input_name, text, kind, &detail, &problem);
	else if (holds == REL_ARRAY)
		literal = relation_array_literal(st, consumer, input_name, text, kind, param->type,
										 &detail, &problem);
	else
		detail = psprintf("Type %s holds relations (regclass) where pg_hamilton cannot look them up "
						  "on the node's path and check whose they are.", format_type_be(param->type));
	if (problem)
		validate_add_problem(st, problem);
	else if (literal == NULL)
		validate_add_problem(st, problem_make("bad_input_value", ERRCODE_UNDEFINED_TABLE, consumer->display,
											  psprintf("input \"%s\" is not a valid %s for parameter \"%s\" of %s",
													   input_name, format_type_be(param->type),
													   param->name, consumer->display),
											  detail,
											  holds == REL_OTHER ?
											  "Pass relations to a parameter of type regclass or regclass[]." :
											  psprintf("Name an existing relation in inputs => '{\"%s\": %s}'.",
													   input_name, holds == REL_ARRAY ?
													   "[\"schema.table\"]" : "\"schema.table\"")));
	else if (previous && strcmp(previous, literal) != 0)
		validate_add_problem(st, problem_make("ambiguous_input", ERRCODE_AMBIGUOUS_PARAMETER, consumer->display,
											  psprintf("input \"%s\" names a different relation for %s", input_name, consumer->display),
											  psprintf("It is %s on the path of %s, and %s on the path of an earlier consumer.",
													   literal, consumer->display, previous),
											  psprintf("Name it with its schema in inputs => '{\"%s\": \"schema.table\"}'.",
													   input_name)));
	return literal;
}
