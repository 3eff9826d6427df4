/*
 * cli — the command line, as a table. Each option is one row (names,
 * argument, help text, and the function that applies it); getopt's tables
 * and the --help text are built from it, and man/pytop.1 lists the same
 * rows (a test keeps them in step). Parsing never exits: it returns
 * PT_EUSAGE with a message saying what was wrong.
 */
#ifndef PYTOP_CLI_H
#define PYTOP_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "pytop/aggregate.h"
#include "pytop/error.h"
#include "pytop/sampler.h"
#include "pytop/util.h"

enum pt_mode {
    PT_MODE_ONCE,  /* print every thread's stack once and exit */
    PT_MODE_BATCH, /* tables as text, every --delay seconds */
    PT_MODE_VIEW,  /* the interactive viewer */
    PT_MODE_HELP,
    PT_MODE_VERSION,
};

struct pt_options {
    enum pt_mode mode;
    pid_t pid;            /* 0 when a command is launched instead */
    char **command;       /* argv after "--", NULL-terminated; NULL when a PID is given */
    double rate;          /* Hz */
    enum pt_consistency consistency;
    bool idle, gil_only, lines, force, subprocesses;
    double window;        /* PT_WINDOW_LAST, PT_WINDOW_ALL or seconds */
    enum pt_sortcol sort;
    const char *filter;   /* NULL: none */
    pid_t thread;         /* 0: all */
    double delay;         /* seconds between tables/refreshes */
    long iterations;      /* batch tables to print; 0: no limit */
    double duration;      /* seconds to run; 0: no limit */
    const char *collapsed, *flamegraph; /* output files, or NULL */
    const char *dump_dir; /* --dump-dir: where the viewer's d and F keys write; NULL: "." */
    const char *child_output; /* not an option: set by the viewer so that a launched
                                 command's stdout/stderr go to this file; NULL: pass through */
};

/* Parse argv. On PT_EUSAGE, msg says what was wrong. */
enum pt_err pt_cli_parse(int argc, char **argv, struct pt_options *opt, struct pt_sb *msg);
/* The --help text. */
void pt_cli_help(FILE *out);

/* Parse a PID argument strictly: digits only, 1..INT_MAX. */
bool pt_cli_parse_pid(const char *s, pid_t *pid);

#endif
