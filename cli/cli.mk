# The command-line client, bin/hamilton (C over libpq).  Included by the
# top-level Makefile after PGXS, so PG_CONFIG, bindir, CFLAGS, INSTALL_PROGRAM,
# MKDIR_P and rpath are PostgreSQL's own.

CLI_SRCS = $(sort $(wildcard $(srcdir)/cli/*.c))
CLI_HDRS = $(wildcard $(srcdir)/cli/*.h)
CLI_VERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(srcdir)/hamilton.control)
CLI_CFLAGS = -std=c99 -D_GNU_SOURCE -Wall -Wextra -DHAMILTON_VERSION='"$(CLI_VERSION)"' \
	-I$(shell $(PG_CONFIG) --includedir)
CLI_LIBS = -L$(shell $(PG_CONFIG) --libdir) $(rpath) -lpq

all: bin/hamilton

# One compiler call for the whole client: it is small, and this leaves no
# objects behind for PGXS's clean to miss.
bin/hamilton: $(CLI_SRCS) $(CLI_HDRS) $(srcdir)/hamilton.control
	@mkdir -p bin
	$(CC) $(CFLAGS) $(CLI_CFLAGS) -o $@ $(CLI_SRCS) $(LDFLAGS) $(CLI_LIBS)

.PHONY: install-cli uninstall-cli clean-cli
install: install-cli
install-cli: bin/hamilton
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	$(INSTALL_PROGRAM) bin/hamilton '$(DESTDIR)$(bindir)/hamilton'

uninstall: uninstall-cli
uninstall-cli:
	rm -f '$(DESTDIR)$(bindir)/hamilton'

clean: clean-cli
clean-cli:
	rm -f bin/hamilton
	-rmdir bin 2>/dev/null
