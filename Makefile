# pytop — top for Python processes.
#   make            build ./pytop
#   make check      build and run the whole test suite
#   make asan       the same suite built with AddressSanitizer + UBSan
#   make asan-check the unit and live suites under ASan+UBSan (part of make check)
#   make tsan       the threaded suites (ring, sampler) under ThreadSanitizer
#   make chaos      pytop at 1 kHz on a chaos target, every interpreter and mode, ASan (CHAOS_SECONDS)
#   make valgrind-check  pytop --once and a short batch run under valgrind
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

.PHONY: all check asan asan-check tsan valgrind-check demo install clean deps-check bench fuzz fuzz-bin fuzz-check fuzz-replay fuzz-seeds
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
	$(MAKE) --no-print-directory asan-check
	$(MAKE) --no-print-directory valgrind-check
	$(MAKE) --no-print-directory fuzz-check
	PYTOP_BIN=$(CURDIR)/pytop PYTOP_ROOT=$(CURDIR) $(BUILD)/check_pytop

ASAN_BUILD = $(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" build-asan/check_pytop build-asan/pytop

asan:
	$(ASAN_BUILD)
	PYTOP_BIN=$(CURDIR)/build-asan/pytop PYTOP_ROOT=$(CURDIR) ASAN_OPTIONS=detect_leaks=1 build-asan/check_pytop

# The unit and live suites again, built with ASan+UBSan (part of make
# check; make asan runs every suite). The slow end-to-end suites (batch,
# viewer, accuracy) run on the plain build only, to keep CI in minutes.
ASAN_SUITES ?= linetable string maps elf layout cli snap ring aggregate report ui_render \
	flamegraph attach live sampler threadnames errors subprocs hostile ident torn codecache chaos
asan-check:
	@$(ASAN_BUILD) >/dev/null
	@for s in $(ASAN_SUITES); do \
		if CK_RUN_SUITE=$$s PYTOP_BIN=$(CURDIR)/build-asan/pytop PYTOP_ROOT=$(CURDIR) \
			ASAN_OPTIONS=detect_leaks=1 build-asan/check_pytop > build-asan/$$s.log 2>&1; \
		then grep -E '^[0-9]+%:|skipped' build-asan/$$s.log | sed "s/^/asan $$s: /"; \
		else tail -n 60 build-asan/$$s.log; echo "asan-check: suite $$s failed"; exit 1; fi; done
	@echo "asan-check: suites passed under ASan+UBSan: $(ASAN_SUITES)"

# ThreadSanitizer over the suites where threads meet: ring, intern, sampler.
tsan:
	$(MAKE) BUILD=build-tsan CFLAGS="-O1 -g -fsanitize=thread -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=thread" build-tsan/check_pytop build-tsan/pytop
	for s in ring sampler; do \
		CK_RUN_SUITE=$$s PYTOP_BIN=$(CURDIR)/build-tsan/pytop PYTOP_ROOT=$(CURDIR) \
		TSAN_OPTIONS="halt_on_error=1 exitcode=66" build-tsan/check_pytop || exit 1; done

# Valgrind (memcheck) over --once, a short batch run writing --collapsed and
# --flamegraph, and the error paths, against live targets (a 3.11+
# interpreter and 2.7): any memory error or definite leak fails. ~15-40 s.
valgrind-check: pytop
	PYTOP_BIN=$(CURDIR)/pytop PYTOP_ROOT=$(CURDIR) sh test/valgrind-check.sh

# Chaos (issue 6): pytop -b at 1 kHz against test/targets/chaos.py on every
# interpreter present, in every consistency mode, built with ASan+UBSan,
# CHAOS_SECONDS per run, CHAOS_JOBS runs at once (test/check_chaos.c). The
# suite also runs in `make check` and `make asan`, for 1.5 s per run.
CHAOS_SECONDS ?= 60
CHAOS_JOBS    ?= 3
.PHONY: chaos
chaos:
	$(ASAN_BUILD)
	CK_RUN_SUITE=chaos CHAOS_SECONDS=$(CHAOS_SECONDS) CHAOS_JOBS=$(CHAOS_JOBS) \
		PYTOP_BIN=$(CURDIR)/build-asan/pytop PYTOP_ROOT=$(CURDIR) ASAN_OPTIONS=detect_leaks=1 \
		build-asan/check_pytop

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

# Fuzzing (issue 6): the whole decode path over synthetic process images
# built from the input (test/fuzz/). `fuzz` runs libFuzzer (clang) under
# ASan+UBSan for FUZZ_SECONDS; `fuzz-check` replays the committed corpus
# with a plain build (always) and, when clang's libFuzzer is installed,
# replays it instrumented and fuzzes FUZZ_CHECK_SECONDS; `fuzz-seeds`
# captures a fresh corpus from every interpreter present.
FUZZ_SECONDS       ?= 600
FUZZ_CHECK_SECONDS ?= 25
FUZZ_CORPUS := test/fuzz/corpus
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_ENV    := ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1
FUZZ_OPTS   := -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 -artifact_prefix=build-fuzz/
FUZZ_HAVE   := printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}' \
               | clang -fsanitize=fuzzer -x c - -o /dev/null >/dev/null 2>&1
# The decoders and what they stand on (proc -> python), nothing above: a
# link error here means a decoder reached up the data flow.
FUZZ_LIB    := $(filter $(BUILD)/py_%.o $(BUILD)/mem%.o $(BUILD)/proc_%.o $(BUILD)/elf_image.o \
                        $(BUILD)/addrset.o $(BUILD)/util.o $(BUILD)/error.o,$(LIB_OBJ))
FUZZ_COMMON := $(BUILD)/fuzz/fuzz_image.o $(FUZZ_LIB)

$(BUILD)/fuzz/%.o: test/fuzz/%.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/fuzz_replay: $(BUILD)/fuzz/replay.o $(BUILD)/fuzz/fuzz_decode.o $(FUZZ_COMMON)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/fuzz_capture: $(BUILD)/fuzz/capture.o $(FUZZ_COMMON)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Only in the clang build: CFLAGS carry -fsanitize=fuzzer-no-link.
$(BUILD)/fuzz_decode: $(BUILD)/fuzz/fuzz_decode.o $(FUZZ_COMMON)
	$(CC) $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(LDLIBS)

fuzz-bin:
	@$(FUZZ_HAVE) || { echo "fuzz: clang with libFuzzer is missing: apt-get install -y clang libclang-rt-dev" >&2; exit 1; }
	$(MAKE) BUILD=build-fuzz CC=clang LDFLAGS="$(FUZZ_SAN)" build-fuzz/fuzz_decode \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link -fsanitize-coverage-ignorelist=test/fuzz/coverage-ignore.txt $(FUZZ_SAN)"

# New inputs go to build-fuzz/corpus (the committed corpus is only read);
# crashes to build-fuzz/crash-*. libFuzzer's last line counts executions.
fuzz: fuzz-bin
	@mkdir -p build-fuzz/corpus
	$(FUZZ_ENV) build-fuzz/fuzz_decode $(FUZZ_OPTS) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		build-fuzz/corpus $(FUZZ_CORPUS)

fuzz-replay: $(BUILD)/fuzz_replay
	$(FUZZ_ENV) $(BUILD)/fuzz_replay $(FUZZ_CORPUS)

# Quiet on success (the executions count), the log's tail on any failure.
FUZZ_QUIET := > build-fuzz/fuzz-check.log 2>&1 || { tail -n 60 build-fuzz/fuzz-check.log; exit 1; }
fuzz-check: fuzz-replay
	@if $(FUZZ_HAVE); then \
		$(MAKE) --no-print-directory fuzz-bin >/dev/null && \
		{ $(FUZZ_ENV) build-fuzz/fuzz_decode $(FUZZ_OPTS) $(FUZZ_CORPUS)/* $(FUZZ_QUIET); } && \
		echo "fuzz-check: corpus replayed under libFuzzer+ASan+UBSan: $$(ls $(FUZZ_CORPUS) | wc -l) inputs" && \
		rm -rf build-fuzz/check-corpus && mkdir -p build-fuzz/check-corpus && \
		{ $(FUZZ_ENV) build-fuzz/fuzz_decode $(FUZZ_OPTS) -max_total_time=$(FUZZ_CHECK_SECONDS) \
			-print_final_stats=1 build-fuzz/check-corpus $(FUZZ_CORPUS) $(FUZZ_QUIET); } && \
		grep -E '^(Done|stat::(number_of_executed_units|new_units_added))' build-fuzz/fuzz-check.log; \
	else \
		echo "fuzz-check: libFuzzer run SKIPPED: clang with libFuzzer is not installed" \
		     "(apt-get install -y clang libclang-rt-dev); the corpus replay above did run"; \
	fi

fuzz-seeds: $(BUILD)/fuzz_capture
	sh test/fuzz/seeds.sh $(BUILD)/fuzz_capture $(FUZZ_CORPUS)

clean:
	rm -rf build build-asan build-tsan build-fuzz pytop

-include $(wildcard $(BUILD)/*.d $(BUILD)/test/*.d $(BUILD)/fuzz/*.d)
