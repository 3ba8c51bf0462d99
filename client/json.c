/*
 * json.c
 *	  Building the values hamilton sends as query parameters: the jsonb
 *	  object of --input/--config/--override k=v pairs, and text[] literals.
 *	  User text only ever reaches the server as a parameter value, so all
 *	  that matters here is that the JSON and array syntax is right.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

static const char *skip_ws(const char *p);
static const char *scan_string(const char *p);
static const char *scan_number(const char *p);
static const char *scan_scalar(const char *p);
static const char *scan_key(const char *p);

/* sb_init starts an empty, NUL-terminated buffer. */
void
sb_init(StrBuf *sb)
{
	sb->cap = 64;
	sb->len = 0;
	sb->data = cli_xmalloc(sb->cap);
	sb->data[0] = '\0';
}

/* sb_appendn appends n bytes, growing the buffer geometrically. */
void
sb_appendn(StrBuf *sb, const char *s, size_t n)
{
	if (sb->len + n + 1 > sb->cap)
	{
		while (sb->len + n + 1 > sb->cap)
			sb->cap *= 2;
		sb->data = realloc(sb->data, sb->cap);
		if (sb->data == NULL)
		{
			cli_error("out of memory");
			exit(EXIT_FAILED);
		}
	}
	memcpy(sb->data + sb->len, s, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
}

void
sb_append(StrBuf *sb, const char *s)
{
	sb_appendn(sb, s, strlen(s));
}

/* sb_printf appends formatted text. */
void
sb_printf(StrBuf *sb, const char *fmt,...)
{
	va_list		ap;
	int			n;
	char	   *tmp;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	tmp = cli_xmalloc((size_t) n + 1);
	va_start(ap, fmt);
	vsnprintf(tmp, (size_t) n + 1, fmt, ap);
	va_end(ap);
	sb_appendn(sb, tmp, (size_t) n);
	free(tmp);
}

void
sb_free(StrBuf *sb)
{
	free(sb->data);
	sb->data = NULL;
	sb->len = sb->cap = 0;
}

/*
 * pairs_add records one "key=value" argument (split at the first '=').  With
 * value_required false, a bare "key" is accepted and recorded with a NULL
 * value.  Returns false, having said why, for an empty key or a missing '='.
 */
bool
pairs_add(Pairs *p, const char *arg, bool value_required)
{
	const char *eq = strchr(arg, '=');
	size_t		keylen = eq ? (size_t) (eq - arg) : strlen(arg);

	if ((eq == NULL && value_required) || keylen == 0)
	{
		cli_usage_error("expected key=value, got \"%s\"", arg);
		return false;
	}
	if (p->n == p->cap)
	{
		p->cap = p->cap ? p->cap * 2 : 8;
		p->keys = realloc(p->keys, sizeof(char *) * (size_t) p->cap);
		p->values = realloc(p->values, sizeof(char *) * (size_t) p->cap);
		if (p->keys == NULL || p->values == NULL)
		{
			cli_error("out of memory");
			exit(EXIT_FAILED);
		}
	}
	p->keys[p->n] = cli_xmalloc(keylen + 1);
	memcpy(p->keys[p->n], arg, keylen);
	p->keys[p->n][keylen] = '\0';
	p->values[p->n] = eq ? cli_xstrdup(eq + 1) : NULL;
	p->n++;
	return true;
}

/* pairs_free frees what pairs_add recorded, leaving p empty. */
void
pairs_free(Pairs *p)
{
	int			i;

	for (i = 0; i < p->n; i++)
	{
		free(p->keys[i]);
		free(p->values[i]);
	}
	free(p->keys);
	free(p->values);
	memset(p, 0, sizeof(*p));
}

/*
 * pairs_to_json builds a JSON object from the pairs.  A value that is valid
 * JSON (4, true, null, "quoted", [1,2], {"a":1}) is passed as it is, so
 * numbers stay numbers; anything else (north, 2026-01-05, an empty string)
 * becomes a JSON string.  A later key replaces an earlier one in jsonb.
 */
char *
pairs_to_json(const Pairs *p)
{
	StrBuf		sb;
	int			i;

	sb_init(&sb);
	sb_append(&sb, "{");
	for (i = 0; i < p->n; i++)
	{
		const char *v = p->values[i] ? p->values[i] : "";

		if (i > 0)
			sb_append(&sb, ", ");
		json_append_string(&sb, p->keys[i]);
		sb_append(&sb, ": ");
		if (json_is_valid(v))
			sb_append(&sb, v);
		else
			json_append_string(&sb, v);
	}
	sb_append(&sb, "}");
	return sb.data;
}

/* json_append_string appends s as a JSON string literal, escaped. */
void
json_append_string(StrBuf *sb, const char *s)
{
	const unsigned char *p;

	sb_append(sb, "\"");
	for (p = (const unsigned char *) s; *p; p++)
	{
		switch (*p)
		{
			case '"':
				sb_append(sb, "\\\"");
				break;
			case '\\':
				sb_append(sb, "\\\\");
				break;
			case '\n':
				sb_append(sb, "\\n");
				break;
			case '\r':
				sb_append(sb, "\\r");
				break;
			case '\t':
				sb_append(sb, "\\t");
				break;
			case '\b':
				sb_append(sb, "\\b");
				break;
			case '\f':
				sb_append(sb, "\\f");
				break;
			default:
				if (*p < 0x20)
					sb_printf(sb, "\\u%04x", *p);
				else
					sb_appendn(sb, (const char *) p, 1);
		}
	}
	sb_append(sb, "\"");
}

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* scan_string: p is at '"'; returns the position after the closing quote. */
static const char *
scan_string(const char *p)
{
	int			i;

	if (*p != '"')
		return NULL;
	for (p++;; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (c == '"')
			return p + 1;
		if (c < 0x20)			/* includes the terminating NUL */
			return NULL;
		if (c != '\\')
			continue;
		p++;
		if (*p == 'u')
		{
			for (i = 1; i <= 4; i++)
				if (!strchr("0123456789abcdefABCDEF", p[i]) || p[i] == '\0')
					return NULL;
			p += 4;
		}
		else if (*p == '\0' || !strchr("\"\\/bfnrt", *p))
			return NULL;
	}
}

/* scan_number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static const char *
scan_number(const char *p)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.')
	{
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E')
	{
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

static const char *
scan_scalar(const char *p)
{
	if (*p == '"')
		return scan_string(p);
	if (strncmp(p, "true", 4) == 0)
		return p + 4;
	if (strncmp(p, "false", 5) == 0)
		return p + 5;
	if (strncmp(p, "null", 4) == 0)
		return p + 4;
	return scan_number(p);
}

/* scan_key: a member's name and its ':'; returns where the value starts. */
static const char *
scan_key(const char *p)
{
	p = scan_string(skip_ws(p));
	if (p == NULL)
		return NULL;
	p = skip_ws(p);
	return *p == ':' ? p + 1 : NULL;
}

/*
 * json_is_valid says whether s is exactly one JSON value.  It keeps the open
 * objects and arrays on an explicit stack rather than recursing, so no
 * argument, however deeply nested, can exhaust the C stack.
 */
bool
json_is_valid(const char *s)
{
	char	   *stack = cli_xmalloc(strlen(s) + 1);	/* '{' or '[' per level */
	int			depth = 0;
	bool		have_value = false;
	bool		ok = false;
	const char *p = s;

	for (;;)
	{
		p = skip_ws(p);
		if (!have_value)
		{
			if (*p == '{' || *p == '[')
			{
				stack[depth++] = *p++;
				p = skip_ws(p);
				if (*p == (stack[depth - 1] == '{' ? '}' : ']'))
				{
					p++;
					depth--;
					have_value = true;
				}
				else if (stack[depth - 1] == '{' && (p = scan_key(p)) == NULL)
					break;
				continue;
			}
			if ((p = scan_scalar(p)) == NULL)
				break;
			have_value = true;
			continue;
		}
		if (depth == 0)
		{
			ok = (*p == '\0');
			break;
		}
		if (*p == ',')
		{
			p++;
			have_value = false;
			if (stack[depth - 1] == '{' && (p = scan_key(p)) == NULL)
				break;
			continue;
		}
		if (*p != (stack[depth - 1] == '{' ? '}' : ']'))
			break;
		p++;
		depth--;
	}
	free(stack);
	return ok;
}

/*
 * text_array_literal builds a text[] literal such as {"a","b \"c\""}: every
 * element double-quoted with '"' and '\' escaped, a NULL item as NULL.
 */
char *
text_array_literal(char *const *items, int n)
{
	StrBuf		sb;
	int			i;
	const char *c;

	sb_init(&sb);
	sb_append(&sb, "{");
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			sb_append(&sb, ",");
		if (items[i] == NULL)
		{
			sb_append(&sb, "NULL");
			continue;
		}
		sb_append(&sb, "\"");
		for (c = items[i]; *c; c++)
		{
			if (*c == '"' || *c == '\\')
				sb_append(&sb, "\\");
			sb_appendn(&sb, c, 1);
		}
		sb_append(&sb, "\"");
	}
	sb_append(&sb, "}");
	return sb.data;
}
