# pg_hamilton: PGXS build.  `make && make install`, then `CREATE EXTENSION hamilton`.
# The test suites need a running cluster: see scripts/test.sh (or `make check-all`).

MODULE_big = hamilton
EXTENSION  = hamilton
# The extension script is assembled from one file per concern (src/sql/).
DATA_built = hamilton--1.0.sql
EXTENSION_SQL = $(sort $(wildcard $(srcdir)/src/sql/*.sql))
PGFILEDESC = "pg_hamilton - dataflows of functions and SQL inside PostgreSQL"

# Every C file of src/ and of its stage folders (see docs/architecture.md).
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/*/*.c)))

PG_CPPFLAGS = -I$(srcdir)/include

# pg_regress suites: one file per feature and per class of error.
REGRESS = \
	setup \
	register \
	define \
	define_errors \
	execute \
	execute_errors \
	scalars \
	overrides \
	failure \
	tags \
	introspection \
	lineage \
	quoting \
	security \
	scale \
	dot \
	dot_text \
	openlineage \
	schedule \
	function_variants \
	frames \
	frame_errors \
	checks \
	variants \
	parameterize
REGRESS_OPTS = --inputdir=$(srcdir) --outputdir=$(CURDIR)/build/regress

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

hamilton--1.0.sql: $(EXTENSION_SQL)
	cat $^ > $@

# The command-line client, hamilton: a PGXS program of its own in client/
# (client/Makefile), built, installed, uninstalled and cleaned with the extension.
.PHONY: client-all client-install client-uninstall client-clean
all: client-all
install: client-install
uninstall: client-uninstall
clean: client-clean
client-install: client-all
client-all client-install client-uninstall client-clean:
	$(MAKE) -C client $(patsubst client-%,%,$@) PG_CONFIG='$(PG_CONFIG)'

# Every object depends on the headers (PGXS does not track them by default).
$(OBJS): $(wildcard include/*.h)

# Everything: pg_regress, isolation specs, pgTAP, shell-level tests (pg_dump, ...).
# Expects PGHOST/PGPORT to point at a cluster where the extension is installed;
# scripts/test.sh starts such a throwaway cluster and calls this.
.PHONY: check-all
check-all:
	bash scripts/run-suites.sh
