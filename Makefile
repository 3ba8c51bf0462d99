# pg_hamilton: PGXS build.  `make && make install`, then `CREATE EXTENSION hamilton`.
# The test suites need a running cluster: see scripts/test.sh (or `make check-all`).

MODULE_big = hamilton
EXTENSION  = hamilton
# Versions (docs/versions.md).  The install script of the current version is
# assembled from one file per concern (src/sql/); each upgrade step from the
# pieces of its folder (src/upgrade/A--B/); the install scripts of earlier
# versions are frozen in versions/.
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(srcdir)/hamilton.control)
EXTENSION_SQL = $(sort $(wildcard $(srcdir)/src/sql/*.sql))
UPGRADE_STEPS = $(notdir $(wildcard $(srcdir)/src/upgrade/*--*))
DATA_built = hamilton--$(EXTVERSION).sql $(patsubst %,hamilton--%.sql,$(UPGRADE_STEPS))
DATA = $(wildcard $(srcdir)/versions/hamilton--*.sql)
PGFILEDESC = "pg_hamilton - dataflows of functions and SQL inside PostgreSQL"

# Every C file of src/ and of its stage folders (see docs/architecture.md).
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/*/*.c)))

PG_CPPFLAGS = -I$(srcdir)/include
# (servers) placed nodes talk to other servers with libpq, as contrib/dblink does
PG_CPPFLAGS += -I$(libpq_srcdir)
SHLIB_LINK_INTERNAL = $(libpq)

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
	names \
	capture \
	capture_values \
	capture_groups \
	user_schema \
	scale \
	dot \
	dot_text \
	openlineage \
	schedule \
	schedule_path \
	function_variants \
	frames \
	frame_errors \
	frame_paths \
	checks \
	variants \
	parameterize \
	checks_nodes \
	checks_define \
	materialize_tag \
	result_trust \
	variant_owners \
	schema_events \
	splicing \
	compile_size \
	nested_runs \
	validate_arguments \
	swap \
	refresh_concurrent \
	frame_outputs \
	scalar_batch \
	graph_cache \
	incremental \
	config_operators \
	type_checks \
	function_templates \
	extract_fields \
	does \
	parallel \
	cache \
	chain_cost \
	hooks \
	column_lineage \
	files \
	pipes \
	cache_interplay \
	parallel_cache \
	parallel_cache_interplay \
	subdag \
	frames_shape \
	frames_join \
	cache_writers \
	cache_declared \
	review_interplay \
	cache_probes \
	cache_rerun \
	shard_key \
	chain_fingerprint \
	frame_direct \
	review_s19 \
	chain_fast \
	review_s19b
REGRESS_OPTS = --inputdir=$(srcdir) --outputdir=$(CURDIR)/build/regress

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

hamilton--$(EXTVERSION).sql: $(EXTENSION_SQL) $(srcdir)/hamilton.control
	cat $(EXTENSION_SQL) > $@

# An upgrade step: its pieces, in order, after the guard every script has.
define upgrade_step
hamilton--$(1).sql: $$(sort $$(wildcard $$(srcdir)/src/upgrade/$(1)/*.sql))
	{ printf '%s\n\n' '\echo Use "ALTER EXTENSION hamilton UPDATE" to load this file. \quit'; cat $$^; } > $$@
endef
$(foreach step,$(UPGRADE_STEPS),$(eval $(call upgrade_step,$(step))))

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
