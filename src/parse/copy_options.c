/*-------------------------------------------------------------------------
 *
 * copy_options.c
 *	  The options of a loader or a saver (features-b, issue 13 item 9): a
 *	  JSON object of COPY's options, checked and written as COPY's WITH
 *	  list.  Only the options that say how a file is read or written are
 *	  accepted; any other key, or a value of the wrong kind, is refused.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "parse.h"

/* The COPY options a file option object may hold, and their kind. */
typedef struct CopyOption
{
	const char *name;
	bool		boolean;		/* true/false; else a string */
} CopyOption;

static const CopyOption copy_options[] = {
	{"format", false}, {"header", true}, {"delimiter", false}, {"null", false},
	{"quote", false}, {"escape", false}, {"encoding", false}
};

#define NUM_COPY_OPTIONS (sizeof(copy_options) / sizeof(copy_options[0]))

/*
 * parse_copy_options checks a loader's or saver's options and returns them
 * as COPY's option list ("FORMAT 'csv', HEADER true"); NULL options mean
 * CSV with a header.  format is one of csv, text and binary.
 */
char *
parse_copy_options(Jsonb *options)
{
	StringInfoData buf;
	List	   *keys;
	ListCell   *lc;
	bool		has_format = false;

	if (options == NULL)
		return pstrdup("FORMAT 'csv', HEADER true");
	keys = jsonb_object_keys_list(options, "options");
	initStringInfo(&buf);
	foreach(lc, keys)
	{
		const char *key = lfirst(lc);
		char	   *text;
		char		kind;
		int			i;

		for (i = 0; i < (int) NUM_COPY_OPTIONS; i++)
			if (strcmp(copy_options[i].name, key) == 0)
				break;
		if (i == (int) NUM_COPY_OPTIONS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown file option \"%s\"", key),
					 errdetail("A file is read or written with COPY's options format, header, delimiter, null, quote, escape and encoding."),
					 errhint("Write them as a JSON object, e.g. '{\"format\": \"csv\", \"header\": true}'.")));
		(void) jsonb_object_get(options, key, &text, &kind);
		if (copy_options[i].boolean ? kind != JSON_KIND_BOOL : kind != JSON_KIND_STRING)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("file option \"%s\" must be a JSON %s", key,
							copy_options[i].boolean ? "boolean" : "string"),
					 errdetail("It is %s.", text ? text : "null")));
		if (strcmp(key, "format") == 0)
		{
			if (strcmp(text, "csv") != 0 && strcmp(text, "text") != 0 && strcmp(text, "binary") != 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown file format \"%s\"", text),
						 errdetail("A file is csv, text or binary, as COPY reads and writes them.")));
			has_format = true;
		}
		appendStringInfo(&buf, "%s%s %s", buf.len ? ", " : "", key,
						 copy_options[i].boolean ? text : quote_literal_cstr(text));
	}
	/* CSV unless said otherwise: a file written by a saver reads back alike */
	if (!has_format)
		appendStringInfo(&buf, "%sformat 'csv'", buf.len ? ", " : "");
	return buf.data;
}

/*
 * parse_file_path refuses a path that is not absolute: COPY would read a
 * relative one from the data directory, which is seldom what was meant.
 */
void
parse_file_path(const char *path, const char *what)
{
	if (path[0] != '/')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s path \"%s\" is not absolute", what, path),
				 errdetail("A file on the server is named by its absolute path; a relative one would be read from the data directory."),
				 errhint("Write the whole path, e.g. '/srv/data/sales.csv'.")));
}
