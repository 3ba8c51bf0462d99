/*
 * output.c
 *	  What hamilton prints: one-line messages on stderr ("hamilton: error:
 *	  ..."), aligned tables on stdout, durations, and the single progress
 *	  line that is redrawn in place on a terminal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "client.h"

static void vmessage(const char *label, const char *fmt, va_list ap) CLI_PRINTF(2, 0);

/* Whether a progress line is on the terminal and must be erased first. */
static bool line_active = false;

static void
vmessage(const char *label, const char *fmt, va_list ap)
{
	status_line_clear();
	fflush(stdout);
	fprintf(stderr, "hamilton: %s: ", label);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* cli_error prints "hamilton: error: ..." as one line. */
void
cli_error(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vmessage("error", fmt, ap);
	va_end(ap);
}

/* cli_hint prints "hamilton: hint: ..." after an error that has one. */
void
cli_hint(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vmessage("hint", fmt, ap);
	va_end(ap);
}

/*
 * cli_message_lines prints a server text that may span lines (a HINT, a
 * DETAIL) as one "hamilton: <label>: ..." line per line, so every line of
 * stderr says where it comes from.
 */
void
cli_message_lines(const char *label, const char *text)
{
	const char *start = text;

	status_line_clear();
	fflush(stdout);
	while (*start)
	{
		const char *end = strchr(start, '\n');
		int			len = end ? (int) (end - start) : (int) strlen(start);

		fprintf(stderr, "hamilton: %s: %.*s\n", label, len, start);
		if (end == NULL)
			break;
		start = end + 1;
	}
}

/*
 * display_width counts the characters (UTF-8 code points) of s, which is
 * what lines up in a terminal for the names and values we print.
 */
int
display_width(const char *s)
{
	int			n = 0;

	for (; *s; s++)
		if (((unsigned char) *s & 0xC0) != 0x80)
			n++;
	return n;
}

/*
 * display_text copies s with control characters (a newline in a doc, a tab
 * in a node's name) shown as spaces, so one value stays on one line.
 */
char *
display_text(const char *s)
{
	char	   *copy = cli_xstrdup(s);
	char	   *p;

	for (p = copy; *p; p++)
		if ((unsigned char) *p < 0x20 || *p == 0x7f)
			*p = ' ';
	return copy;
}

/* format_ms writes a duration for people: 0.3 ms, 812.5 ms, 4.21 s, 2m05s. */
void
format_ms(char *buf, size_t size, double ms)
{
	if (ms < 1000.0)
		snprintf(buf, size, "%.1f ms", ms);
	else if (ms < 60000.0)
		snprintf(buf, size, "%.2f s", ms / 1000.0);
	else
		snprintf(buf, size, "%dm%02ds", (int) (ms / 60000.0),
				 (int) (ms / 1000.0) % 60);
}

/*
 * print_table prints a query result as aligned columns under upper-case
 * headers, two spaces apart.  align has one letter per column: 'l' or 'r'.
 */
void
print_table(const PGresult *res, const char *const *headers, const char *align)
{
	int			ncols = PQnfields(res);
	int			nrows = PQntuples(res);
	int		   *width = cli_xmalloc(sizeof(int) * (size_t) ncols);
	char	  **cells = cli_xmalloc(sizeof(char *) * (size_t) (ncols * (nrows + 1)));
	int			r,
				c;

	for (c = 0; c < ncols; c++)
	{
		cells[c] = cli_xstrdup(headers[c]);
		width[c] = display_width(headers[c]);
	}
	for (r = 0; r < nrows; r++)
		for (c = 0; c < ncols; c++)
		{
			char	   *v = display_text(PQgetvalue(res, r, c));
			int			w = display_width(v);

			cells[(r + 1) * ncols + c] = v;
			if (w > width[c])
				width[c] = w;
		}
	for (r = 0; r <= nrows; r++)
	{
		StrBuf		line;

		sb_init(&line);
		for (c = 0; c < ncols; c++)
		{
			const char *v = cells[r * ncols + c];
			int			pad = width[c] - display_width(v);

			if (c > 0)
				sb_append(&line, "  ");
			if (align[c] == 'r')
				sb_printf(&line, "%*s", pad, "");
			sb_append(&line, v);
			if (align[c] != 'r')
				sb_printf(&line, "%*s", pad, "");
			free(cells[r * ncols + c]);
		}
		/* empty cells at the end of a row leave no trailing blanks */
		while (line.len > 0 && line.data[line.len - 1] == ' ')
			line.data[--line.len] = '\0';
		puts(line.data);
		sb_free(&line);
	}
	free(cells);
	free(width);
}

/*
 * status_line_draw replaces the terminal's progress line with line, cut to
 * the terminal's width: a line that wrapped could not be redrawn with '\r'.
 */
void
status_line_draw(const char *line)
{
	struct winsize ws;
	int			cols = 80;
	int			n = 0;
	const char *p;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		cols = ws.ws_col;
	for (p = line; *p; p++)
	{
		if (((unsigned char) *p & 0xC0) != 0x80 && ++n >= cols)
			break;
	}
	printf("\r\033[K%.*s", (int) (p - line), line);
	fflush(stdout);
	line_active = true;
}

/* status_line_clear erases the progress line, if one is shown. */
void
status_line_clear(void)
{
	if (!line_active)
		return;
	fputs("\r\033[K", stdout);
	fflush(stdout);
	line_active = false;
}
