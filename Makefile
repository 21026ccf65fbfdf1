# pg_orgs: organizations, members, teams and a C permission engine for
# row-level security.  Built with PGXS; see README.md.

EXTENSION    = pg_orgs
EXTVERSION   = 0.2.0
MODULE_big   = pg_orgs
PGFILEDESC   = "pg_orgs - organizations, teams and app permissions"

OBJS = \
	src/acting.o \
	src/cache.o \
	src/catalog.o \
	src/check.o \
	src/inval.o \
	src/jwt.o \
	src/matrix.o \
	src/pg_orgs.o \
	src/support.o \
	src/token.o

# The install script of this version is assembled from the pieces in
# extension/: the schema pieces (extension/schema/: types, tables, the
# installed model), then the code pieces (extension/NN_*.sql: functions,
# triggers, views, policies, grants, comments, all written so that they can
# be run again over an older version: CREATE OR REPLACE, DROP POLICY IF
# EXISTS before CREATE POLICY).  The upgrade script from the previous
# release is the upgrade's own pieces (extension/upgrade/A--B/NN_*.sql, in
# name order, split around the code pieces at 50: those below 50 run
# before them, the rest after).  Released install and upgrade scripts are
# frozen as extension/pg_orgs--*.sql.
SCHEMA_PIECES = $(sort $(wildcard extension/schema/*.sql))
CODE_PIECES   = $(sort $(wildcard extension/[0-9]*.sql))
UPGRADE_FROM  = 0.1.0
UPGRADE_DIR   = extension/upgrade/$(UPGRADE_FROM)--$(EXTVERSION)
UPGRADE_PRE   = $(sort $(wildcard $(UPGRADE_DIR)/[0-4][0-9]_*.sql))
UPGRADE_POST  = $(sort $(wildcard $(UPGRADE_DIR)/[5-9][0-9]_*.sql))
UPGRADE_BUILT = $(EXTENSION)--$(UPGRADE_FROM)--$(EXTVERSION).sql
DATA_built   = $(EXTENSION)--$(EXTVERSION).sql $(UPGRADE_BUILT)
DATA         = $(wildcard extension/$(EXTENSION)--*.sql)
# The reference schema: a second extension, pg_orgs_example (examples/).
DATA        += pg_orgs_example.control $(wildcard examples/pg_orgs_example--*.sql)

# pg_regress tests (sql/, expected/) in contrib layout.
REGRESS      = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --load-extension=$(EXTENSION)

# Isolation specs live in test/specs with expected output in test/expected.
ISOLATION    = $(patsubst test/specs/%.spec,%,$(sort $(wildcard test/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test --load-extension=$(EXTENSION)

# OpenSSL's libcrypto verifies RS256 and ES256 tokens (src/jwt.c); Debian:
# libssl-dev.
SHLIB_LINK  += -lcrypto

PG_CFLAGS   += -Wall -Wextra -Werror -Wno-unused-parameter \
               -Wno-missing-field-initializers -Wno-sign-compare
ifeq ($(ASSERTS),1)
PG_CPPFLAGS += -DUSE_ASSERT_CHECKING
endif

EXTRA_CLEAN  = $(DATA_built) results regression.diffs regression.out \
               output_iso tmp_check bench/out

# No JIT bitcode: it needs clang, and the checks are not JIT material.
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(EXTENSION)--$(EXTVERSION).sql: $(SCHEMA_PIECES) $(CODE_PIECES)
	cat $^ > $@

# An upgrade piece may consist of the line "-- @include FILE" (a schema
# piece the upgrade shares with the install script); it is replaced by
# that file.
UPGRADE_INCLUDES = $(shell sed -n 's/^-- @include //p' $(UPGRADE_PRE) $(UPGRADE_POST) /dev/null)

$(UPGRADE_BUILT): $(UPGRADE_PRE) $(CODE_PIECES) $(UPGRADE_POST) $(UPGRADE_INCLUDES)
	for f in $(UPGRADE_PRE) $(CODE_PIECES) $(UPGRADE_POST); do \
		awk '/^-- @include / { while ((getline l < $$3) > 0) print l; close($$3); next } { print }' "$$f" || exit 1; \
	done > $@

.PHONY: test check-docs test-all-versions test-chroot test-valgrind test-discard-caches test-citus demo bench
# The whole test suite on a throw-away cluster (see test/run.sh), against the
# installation of PG_CONFIG when it is given (make test PG_CONFIG=...), else
# PostgreSQL 15.
test:
	bash test/run.sh

# The documentation checks alone (group "docs" of test/run.sh): every
# function, view and table of schema orgs is in docs/reference.md, every
# relative link of README.md, CHANGELOG.md and docs/*.md resolves, and no
# tracked file points outside the repository.
check-docs:
	bash test/run.sh docs

# The suite on PostgreSQL 15 (this host), 17 (Debian trixie chroot) and 18
# (Debian sid chroot), as root; see test/all-versions.sh.
# The regression suite with the server under valgrind memcheck (slow).
test-valgrind:
	VALGRIND=1 bash test/run.sh regress

# The regression suite with debug_discard_caches = 1 (needs a PostgreSQL
# built with --enable-cassert: make test-discard-caches PG_CONFIG=...).
test-discard-caches:
	DISCARD_CACHES=1 bash test/run.sh regress

test-all-versions:
	bash test/all-versions.sh

# pg_orgs on a throw-away Citus cluster (a coordinator and two workers),
# against the installation of PG_CONFIG (default PostgreSQL 15), where Citus
# must already be installed: skipped, with a message, when it is not.  Not
# part of "make test".  See test/citus.sh and test/citus/citus.pl.
test-citus:
	bash test/citus.sh

# One version in a chroot, as root: make test-chroot SUITE=trixie MAJOR=17
test-chroot:
	@test -n "$(SUITE)" && test -n "$(MAJOR)" || { echo "usage: make test-chroot SUITE=trixie MAJOR=17" >&2; exit 2; }
	bash test/chroot.sh $(SUITE) $(MAJOR)

demo:
	bash examples/demo.sh

bench:
	bash bench/run.sh
