/* cli — option table, parser and --help. */
#include "pytop/cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pytop/report.h"
#include "pytop/safefile.h"
#include "pytop/version.h"

#define RATE_MAX 100000.0
#define SECONDS_MAX 86400.0 * 365

typedef enum pt_err (*apply_fn)(struct pt_options *o, const char *arg, struct pt_sb *msg);

struct opt_row {
    char short_name; /* 0: long only */
    const char *long_name;
    const char *arg; /* NULL: takes no argument */
    apply_fn apply;
    const char *help;
};

/* ------------------------------------------------------------------------
 * Argument parsers.
 */
static enum pt_err parse_seconds(const char *name, const char *arg, double min, double max,
                                 double *out, struct pt_sb *msg)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || *end || !isfinite(v) || v < min || v > max) {
        pt_sb_printf(msg, "%s: '%s' is not a number from %g to %g", name, arg, min, max);
        return PT_EUSAGE;
    }
    *out = v;
    return PT_OK;
}

static enum pt_err parse_count(const char *name, const char *arg, long *out, struct pt_sb *msg)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < 1) {
        pt_sb_printf(msg, "%s: '%s' is not a whole number of at least 1", name, arg);
        return PT_EUSAGE;
    }
    *out = v;
    return PT_OK;
}

bool pt_cli_parse_pid(const char *s, pid_t *pid)
{
    if (!s || !*s)
        return false;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    errno = 0;
    long v = strtol(s, NULL, 10);
    if (errno || v <= 0 || v > INT_MAX)
        return false;
    *pid = (pid_t)v;
    return true;
}

/* ------------------------------------------------------------------------
 * One small function per option.
 */
static enum pt_err o_once(struct pt_options *o, const char *a, struct pt_sb *m)
{
    (void)a, (void)m;
    o->mode = PT_MODE_ONCE;
    return PT_OK;
}

static enum pt_err o_batch(struct pt_options *o, const char *a, struct pt_sb *m)
{
    (void)a, (void)m;
    o->mode = PT_MODE_BATCH;
    return PT_OK;
}

static enum pt_err o_help(struct pt_options *o, const char *a, struct pt_sb *m)
{
    (void)a, (void)m;
    o->mode = PT_MODE_HELP;
    return PT_OK;
}

static enum pt_err o_version(struct pt_options *o, const char *a, struct pt_sb *m)
{
    (void)a, (void)m;
    o->mode = PT_MODE_VERSION;
    return PT_OK;
}

static enum pt_err o_rate(struct pt_options *o, const char *a, struct pt_sb *m)
{
    return parse_seconds("--rate", a, 1, RATE_MAX, &o->rate, m);
}

static enum pt_err o_blocking(struct pt_options *o, const char *a, struct pt_sb *m)
{
    (void)a, (void)m;
    o->consistency = PT_CONS_BLOCKING;
    return PT_OK;
}

static enum pt_err o_nonblocking(struct pt_options *o, const char *a, struct pt_sb *m)
{
    (void)a, (void)m;
    o->consistency = PT_CONS_NONBLOCKING;
    return PT_OK;
}

static enum pt_err o_auto(struct pt_options *o, const char *a, struct pt_sb *m)
{
    (void)a, (void)m;
    o->consistency = PT_CONS_AUTO;
    return PT_OK;
}

static enum pt_err o_idle(struct pt_options *o, const char *a, struct pt_sb *m)
{
    (void)a, (void)m;
    o->idle = true;
    return PT_OK;
}

static enum pt_err o_gil(struct pt_options *o, const char *a, struct pt_sb *m)
{
    (void)a, (void)m;
    o->gil_only = true;
    return PT_OK;
}

static enum pt_err o_lines(struct pt_options *o, const char *a, struct pt_sb *m)
{
    (void)a, (void)m;
    o->lines = true;
    return PT_OK;
}

static enum pt_err o_window(struct pt_options *o, const char *a, struct pt_sb *m)
{
    if (strcmp(a, "all") == 0) {
        o->window = PT_WINDOW_ALL;
        return PT_OK;
    }
    return parse_seconds("--window", a, 0.001, SECONDS_MAX, &o->window, m);
}

static enum pt_err o_sort(struct pt_options *o, const char *a, struct pt_sb *m)
{
    if (pt_sortcol_parse(a, &o->sort))
        return PT_OK;
    pt_sb_printf(m, "--sort: '%s' is not one of own, total, owntime, totaltime, name", a);
    return PT_EUSAGE;
}

static enum pt_err o_filter(struct pt_options *o, const char *a, struct pt_sb *m)
{
    (void)m;
    o->filter = *a ? a : NULL;
    return PT_OK;
}

static enum pt_err o_thread(struct pt_options *o, const char *a, struct pt_sb *m)
{
    if (pt_cli_parse_pid(a, &o->thread))
        return PT_OK;
    pt_sb_printf(m, "--thread: '%s' is not a thread id", a);
    return PT_EUSAGE;
}

static enum pt_err o_delay(struct pt_options *o, const char *a, struct pt_sb *m)
{
    return parse_seconds("--delay", a, 0.01, SECONDS_MAX, &o->delay, m);
}

static enum pt_err o_iterations(struct pt_options *o, const char *a, struct pt_sb *m)
{
    return parse_count("--iterations", a, &o->iterations, m);
}

static enum pt_err o_duration(struct pt_options *o, const char *a, struct pt_sb *m)
{
    return parse_seconds("--duration", a, 0.001, SECONDS_MAX, &o->duration, m);
}

static enum pt_err o_collapsed(struct pt_options *o, const char *a, struct pt_sb *m)
{
    (void)m;
    o->collapsed = a;
    return PT_OK;
}

static enum pt_err o_flamegraph(struct pt_options *o, const char *a, struct pt_sb *m)
{
    (void)m;
    o->flamegraph = a;
    return PT_OK;
}

static enum pt_err o_dump_dir(struct pt_options *o, const char *a, struct pt_sb *m)
{
    struct stat st;
    if (stat(a, &st) != 0 || !S_ISDIR(st.st_mode)) {
        pt_sb_printf(m, "--dump-dir: '%s' is not a directory", a);
        return PT_EUSAGE;
    }
    if (access(a, W_OK | X_OK) != 0) { /* EROFS too, even for root */
        pt_sb_printf(m, "--dump-dir: cannot write in '%s': %s", a, strerror(errno));
        return PT_EUSAGE;
    }
    o->dump_dir = a;
    return PT_OK;
}

static enum pt_err o_subprocesses(struct pt_options *o, const char *a, struct pt_sb *m)
{
    (void)a, (void)m;
    o->subprocesses = true;
    return PT_OK;
}

static enum pt_err o_force(struct pt_options *o, const char *a, struct pt_sb *m)
{
    (void)a, (void)m;
    o->force = true;
    return PT_OK;
}

static const struct opt_row options[] = {
    {0, "once", NULL, o_once, "print the Python stack of every thread once, then exit"},
    {'b', "batch", NULL, o_batch, "print the table as text every --delay seconds (like top -b)"},
    {'r', "rate", "HZ", o_rate, "samples per second (default 100, up to 100000; 10000 and up busy-wait on a core)"},
    {0, "blocking", NULL, o_blocking, "pause each Python thread (ptrace) while reading it: exact stacks"},
    {0, "nonblocking", NULL, o_nonblocking, "never pause the target; torn stacks are counted invalid"},
    {0, "auto", NULL, o_auto, "default: blocking on <= 3.10; 3.11+ pauses only threads whose reads tear"},
    {'i', "idle", NULL, o_idle, "keep samples of idle threads (dropped by default)"},
    {'g', "gil", NULL, o_gil, "keep only samples of the thread holding the GIL"},
    {'l', "lines", NULL, o_lines, "one row per line instead of per function"},
    {0, "window", "SECS", o_window, "percentages over the last SECS seconds, or 'all' (default: last refresh)"},
    {0, "sort", "COL", o_sort, "sort by own, total, owntime, totaltime or name (default own)"},
    {0, "filter", "TEXT", o_filter, "only functions whose name or file contains TEXT (any case)"},
    {0, "thread", "TID", o_thread, "only samples of thread TID"},
    {'d', "delay", "SECS", o_delay, "seconds between tables or screen refreshes (default 1)"},
    {'n', "iterations", "N", o_iterations, "with --batch: print N tables, then exit"},
    {'t', "duration", "SECS", o_duration, "stop after SECS seconds"},
    {'s', "subprocesses", NULL, o_subprocesses, "also sample every descendant Python process"},
    {0, "collapsed", "FILE", o_collapsed, "when done, write folded stacks (flamegraph.pl, speedscope)"},
    {0, "flamegraph", "FILE", o_flamegraph, "when done, write an interactive SVG flame graph"},
    {0, "force", NULL, o_force, "let --collapsed/--flamegraph overwrite an existing file"},
    {0, "dump-dir", "DIR", o_dump_dir, "viewer: directory for d (dump) and F (flame graph) files (default .)"},
    {'h', "help", NULL, o_help, "show this help and exit"},
    {'V', "version", NULL, o_version, "show pytop's version and exit"},
};
#define NOPTS (sizeof options / sizeof options[0])

static void build_getopt(struct option *lo, char *so)
{
    size_t s = 0;
    so[s++] = ':'; /* report a missing argument distinctly */
    for (size_t i = 0; i < NOPTS; i++) {
        lo[i] = (struct option){options[i].long_name, options[i].arg ? required_argument : no_argument,
                                NULL, (int)(256 + i)};
        if (options[i].short_name) {
            so[s++] = options[i].short_name;
            if (options[i].arg)
                so[s++] = ':';
        }
    }
    lo[NOPTS] = (struct option){0, 0, 0, 0};
    so[s] = '\0';
}

static int row_of_short(int c)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (options[i].short_name && options[i].short_name == c)
            return (int)i;
    return -1;
}

static void defaults(struct pt_options *o)
{
    memset(o, 0, sizeof *o);
    o->mode = PT_MODE_VIEW;
    o->rate = 100;
    o->consistency = PT_CONS_AUTO;
    o->window = PT_WINDOW_LAST;
    o->sort = PT_SORT_OWN;
    o->delay = 1;
}

static enum pt_err bad_option(int c, char **argv, struct pt_sb *msg)
{
    const char *what = argv[optind - 1];
    if (c == ':')
        pt_sb_printf(msg, "option '%s' needs an argument", what);
    else
        pt_sb_printf(msg, "unknown option '%s'", what);
    return PT_EUSAGE;
}

/* The first "--" in the command line as given, or -1. getopt permutes
 * argv (so "pytop 1234 -b" works) and moves operands given before "--"
 * next to the command, so the command's length is taken from here. */
static int dashdash_at(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--") == 0)
            return i;
    return -1;
}

/* What follows the options: one PID, or "-- COMMAND ARGS...". cmd_n is
 * the number of words after "--" (-1: no "--"). */
static enum pt_err target_args(int argc, char **argv, int cmd_n, struct pt_options *o,
                               struct pt_sb *msg)
{
    int operands = argc - optind - (cmd_n > 0 ? cmd_n : 0);
    if (cmd_n == 0) {
        pt_sb_puts(msg, "'--' must be followed by a command to run");
        return PT_EUSAGE;
    }
    if (cmd_n > 0 && operands > 0) {
        pt_sb_printf(msg, "give either a PID or '-- COMMAND', not both (PID '%s')", argv[optind]);
        return PT_EUSAGE;
    }
    if (cmd_n > 0) {
        o->command = argv + argc - cmd_n;
        return PT_OK;
    }
    if (operands <= 0) {
        pt_sb_puts(msg, "missing PID (or '-- COMMAND' to launch one)");
        return PT_EUSAGE;
    }
    if (!pt_cli_parse_pid(argv[optind], &o->pid)) {
        pt_sb_printf(msg, "'%s' is not a process ID (a positive whole number)", argv[optind]);
        return PT_EUSAGE;
    }
    if (operands > 1) {
        pt_sb_printf(msg, "unexpected argument '%s' (one PID only)", argv[optind + 1]);
        return PT_EUSAGE;
    }
    return PT_OK;
}

/* An output file that cannot be written is refused now, not after a long
 * run whose samples it was meant to keep. */
static enum pt_err check_output(const char *opt, const char *path, bool force, struct pt_sb *msg)
{
    struct pt_sb why;
    pt_sb_init(&why);
    enum pt_err err = PT_OK;
    if (path && !pt_safefile_writable(path, force, &why)) {
        pt_sb_printf(msg, "%s: %s", opt, why.s ? why.s : "cannot be written");
        err = PT_EUSAGE;
    }
    pt_sb_free(&why);
    return err;
}

static enum pt_err check_outputs(const struct pt_options *o, struct pt_sb *msg)
{
    if (o->collapsed && o->flamegraph && strcmp(o->collapsed, o->flamegraph) == 0) {
        pt_sb_printf(msg, "--collapsed and --flamegraph both name '%s'", o->collapsed);
        return PT_EUSAGE;
    }
    enum pt_err err = check_output("--collapsed", o->collapsed, o->force, msg);
    return err != PT_OK ? err : check_output("--flamegraph", o->flamegraph, o->force, msg);
}

static enum pt_err check_combination(const struct pt_options *o, struct pt_sb *msg)
{
    if (o->mode == PT_MODE_ONCE && o->command) {
        pt_sb_puts(msg, "--once reads a running process: give its PID");
        return PT_EUSAGE;
    }
    if (o->mode == PT_MODE_VIEW && o->iterations) {
        pt_sb_puts(msg, "--iterations counts --batch tables; the viewer runs until q (or --duration)");
        return PT_EUSAGE;
    }
    return o->mode == PT_MODE_ONCE ? PT_OK : check_outputs(o, msg);
}

enum pt_err pt_cli_parse(int argc, char **argv, struct pt_options *opt, struct pt_sb *msg)
{
    struct option lo[NOPTS + 1];
    char so[2 * NOPTS + 3];
    build_getopt(lo, so);
    defaults(opt);
    int dd = dashdash_at(argc, argv);
    int cmd_n = dd < 0 ? -1 : argc - dd - 1;
    pid_t ignored;
    if (cmd_n == 1 && pt_cli_parse_pid(argv[dd + 1], &ignored))
        cmd_n = -1; /* "-- 1234": the usual end of options before a PID, not a command */
    optind = 0; /* 0, not 1: glibc then also forgets a half-parsed option group */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
        int row = c >= 256 ? c - 256 : row_of_short(c);
        if (c == '?' || c == ':' || row < 0)
            return bad_option(c, argv, msg);
        enum pt_err err = options[row].apply(opt, optarg, msg);
        if (err != PT_OK)
            return err;
    }
    if (opt->mode == PT_MODE_HELP || opt->mode == PT_MODE_VERSION)
        return PT_OK;
    enum pt_err err = target_args(argc, argv, cmd_n, opt, msg);
    return err != PT_OK ? err : check_combination(opt, msg);
}

void pt_cli_help(FILE *out)
{
    fprintf(out, "Usage: pytop [OPTIONS] PID\n"
                 "       pytop [OPTIONS] -- COMMAND [ARGS...]\n"
                 "       pytop --once PID\n"
                 "Show where a running CPython process (2.7, 3.6-3.14) spends its time, from\n"
                 "outside: no restart, no code change. Without -b or --once: a full-screen\n"
                 "viewer (press ? in it for its keys).\n\nOptions:\n");
    for (size_t i = 0; i < NOPTS; i++) {
        char names[64];
        const struct opt_row *r = &options[i];
        char shortpart[8] = "    ";
        if (r->short_name)
            snprintf(shortpart, sizeof shortpart, "-%c, ", r->short_name);
        snprintf(names, sizeof names, "%s--%s%s%s", shortpart, r->long_name, r->arg ? " " : "",
                 r->arg ? r->arg : "");
        fprintf(out, "  %-24s %s\n", names, r->help);
    }
    fprintf(out, "\nExit status: 0 success, 1 internal error, 2 usage (or no terminal for the\n"
                 "viewer), 3 no such process (or zombie, kernel thread), 4 permission denied,\n"
                 "5 not a supported Python, 6 the target exited or could not be read,\n"
                 "7 a --collapsed or --flamegraph file could not be written. See pytop(1).\n");
}
