/*
 * harness — shared by every test file: the list of suites, the CPython
 * interpreters present on this machine (each missing one is reported as
 * skipped, by name, once per run), and helpers to start a Python target
 * and run the pytop binary capturing its output and exit status.
 */
#ifndef PYTOP_TEST_HARNESS_H
#define PYTOP_TEST_HARNESS_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Each test file exports one or more suite constructors, listed in harness.c. */
Suite *suite_linetable(void);
Suite *suite_string(void);
Suite *suite_maps(void);
Suite *suite_elf(void);
Suite *suite_layout(void);
Suite *suite_cli(void);
Suite *suite_live(void);
Suite *suite_errors(void);
Suite *suite_hostile(void);
Suite *suite_threadnames(void);
Suite *suite_attach(void);
Suite *suite_aggregate(void), *suite_report(void);
Suite *suite_ring(void);
Suite *suite_snap(void);
Suite *suite_sampler(void);
Suite *suite_subprocs(void);
Suite *suite_flamegraph(void);
Suite *suite_ui_render(void);
Suite *suite_viewer(void);
Suite *suite_batch(void);
Suite *suite_accuracy(void);
Suite *suite_ident(void), *suite_torn(void), *suite_chaos(void);
Suite *suite_codecache(void);

struct py_interp {
    const char *label; /* "pyenv-3.12", "debian-3.11", "debian-sid-3.14", ... */
    char path[512];    /* executable; "" when not present */
    int major, minor;
};

/* All interpreters pytop must support on this machine, present or not. */
size_t harness_interps(const struct py_interp **out);

/* Root of the source tree (for test/targets/...) and the pytop binary. */
const char *harness_root(void);
const char *harness_pytop(void);

/* Run argv (NULL-terminated) to completion, capturing stdout and stderr
 * (malloc'd, NUL-terminated; pass NULL to discard). Returns the exit
 * status, or -1 if it could not run / was killed by a signal. Kills the
 * child after timeout_s seconds. */
int harness_run(char *const argv[], char **out, char **err, int timeout_s);

/* Start `python script args...` in the background; wait until it writes a
 * line "READY" to its stdout (or timeout_s passes). Returns the pid, or -1.
 * Anything the target prints after READY is discarded. */
pid_t harness_start_target(const char *python, char *const args[], int timeout_s);
void harness_stop_target(pid_t pid);

/* Run argv in the background with stdin from /dev/null, stdout to outpath
 * and stderr to errpath (NULL: the test's own), killed if the test dies.
 * Returns its pid (-1 if fork failed); the caller waits for it. */
pid_t harness_spawn_bg(char *const argv[], const char *outpath, const char *errpath);

/* CLOCK_MONOTONIC in milliseconds; sleep that resumes after signals. */
long harness_now_ms(void);
void harness_sleep_ms(long ms);
/* A whole file, NUL-terminated, malloc'd; NULL if it cannot be read. */
char *harness_read_file(const char *path);

/* Format why (cap bytes) and return false: for checks that note why they
 * failed, clean up (stop targets, remove files), and only then assert. */
bool harness_why(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Remove dir and the files in it (one level: the tests' scratch dirs). */
void harness_remove_dir(const char *dir);
/* Copy the file from to to (created or truncated), then give it mode. */
bool harness_copy_file(const char *from, const char *to, unsigned mode);

/* In pytop's text output, the rows (lines starting "%Own %Total") whose
 * line contains needle: the first one's %Own and %Total (false: none), and
 * the sum of their %Own. */
bool harness_row_pcts(const char *out, const char *needle, double *own, double *total);
double harness_rows_own(const char *out, const char *needle);

#endif
