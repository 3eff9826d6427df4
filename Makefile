# pytop — top for Python processes.
#   make            build ./pytop
#   make check      build and run the whole test suite
#   make asan       the same suite built with AddressSanitizer + UBSan
#   make tsan       the threaded suites (ring, sampler) under ThreadSanitizer
#   make demo       install build deps if needed, build, show pytop on a demo workload
#   make install    PREFIX=/usr/local DESTDIR=

CC      ?= cc
PKGS    := ncursesw libelf
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man/man1
PYTHON  ?= python3

WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
CPPFLAGS += -Iinclude -D_DEFAULT_SOURCE -D_GNU_SOURCE
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)
LDLIBS  += $(PKG_LIBS) -lpthread

BUILD   ?= build
LIB_SRC := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/%.o)
TEST_SRC := $(wildcard test/check_*.c) test/harness.c
TEST_OBJ := $(TEST_SRC:test/%.c=$(BUILD)/test/%.o)

.PHONY: all check asan tsan demo install clean deps-check bench
all: pytop

pytop: $(BUILD)/pytop
	cp $< $@.tmp && mv -f $@.tmp $@

$(BUILD)/pytop: $(BUILD)/main.o $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: src/%.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/test/%.o: test/%.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(WARN) -Wno-missing-prototypes $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/check_pytop: $(TEST_OBJ) $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

deps-check:
	@pkg-config --exists $(PKGS) || { echo "missing build dependencies: run 'make demo' or: apt-get install -y pkg-config libelf-dev libncursesw5-dev check" >&2; exit 1; }

# The suite: unit tests, then live tests against every interpreter present.
# PYTOP_PYTHONS lists them (test/pythons.sh); missing ones are reported as skipped.
check: pytop $(BUILD)/check_pytop
	@pkg-config --exists check || { echo "missing 'check' test framework: apt-get install -y check" >&2; exit 1; }
	@bash test/fetch-unstable.sh >/dev/null || echo "note: could not fetch CPython 3.13/3.14 from Debian unstable; those live tests will be skipped"
	PYTOP_BIN=$(CURDIR)/pytop PYTOP_ROOT=$(CURDIR) $(BUILD)/check_pytop

asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" build-asan/check_pytop build-asan/pytop
	PYTOP_BIN=$(CURDIR)/build-asan/pytop PYTOP_ROOT=$(CURDIR) ASAN_OPTIONS=detect_leaks=1 build-asan/check_pytop

# ThreadSanitizer over the suites where threads meet: ring, intern, sampler.
tsan:
	$(MAKE) BUILD=build-tsan CFLAGS="-O1 -g -fsanitize=thread -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=thread" build-tsan/check_pytop build-tsan/pytop
	for s in ring sampler; do \
		CK_RUN_SUITE=$$s PYTOP_BIN=$(CURDIR)/build-tsan/pytop PYTOP_ROOT=$(CURDIR) \
		TSAN_OPTIONS="halt_on_error=1 exitcode=66" build-tsan/check_pytop || exit 1; done

demo:
	@sh tools/demo.sh

install: pytop
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)
	install -m 755 pytop $(DESTDIR)$(BINDIR)/pytop
	install -m 644 man/pytop.1 $(DESTDIR)$(MANDIR)/pytop.1

# Benchmarks (issue 5), not tests: one table of medians and ratios to the
# floor program, every interpreter present. Settings: bench/README.md.
bench: pytop
	python3 bench/run

clean:
	rm -rf build build-asan build-tsan pytop

-include $(wildcard $(BUILD)/*.d $(BUILD)/test/*.d)
