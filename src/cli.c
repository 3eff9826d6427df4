/* cli — option table, parser and --help. */
#include "pytop/cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "pytop/version.h"

enum opt_id { OPT_ONCE, OPT_HELP, OPT_VERSION, OPT_COUNT };

struct opt_row {
    enum opt_id id;
    char short_name; /* 0: long only */
    const char *long_name;
    const char *arg; /* NULL: takes no argument */
    const char *help;
};

static const struct opt_row options[OPT_COUNT] = {
    {OPT_ONCE, 0, "once", NULL, "print the Python stack of every thread of PID once, then exit"},
    {OPT_HELP, 'h', "help", NULL, "show this help and exit"},
    {OPT_VERSION, 'V', "version", NULL, "show pytop's version and exit"},
};

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

static void build_getopt(struct option *lo, char *so)
{
    size_t s = 0;
    so[s++] = ':'; /* report a missing argument distinctly */
    for (size_t i = 0; i < OPT_COUNT; i++) {
        lo[i] = (struct option){options[i].long_name, options[i].arg ? required_argument : no_argument,
                                NULL, (int)(256 + options[i].id)};
        if (options[i].short_name) {
            so[s++] = options[i].short_name;
            if (options[i].arg)
                so[s++] = ':';
        }
    }
    lo[OPT_COUNT] = (struct option){0, 0, 0, 0};
    so[s] = '\0';
}

static int id_of_short(int c)
{
    for (size_t i = 0; i < OPT_COUNT; i++)
        if (options[i].short_name == c)
            return (int)options[i].id;
    return -1;
}

enum pt_err pt_cli_parse(int argc, char **argv, struct pt_options *opt, struct pt_sb *msg)
{
    struct option lo[OPT_COUNT + 1];
    char so[2 * OPT_COUNT + 2];
    build_getopt(lo, so);
    memset(opt, 0, sizeof *opt);
    opt->mode = PT_MODE_ONCE;
    bool once = false;
    optind = 0; /* glibc: 0, unlike 1, also drops a previous parse's leftovers ("-xh") */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
        int id = c >= 256 ? c - 256 : id_of_short(c);
        if (c == '?' || c == ':' || id < 0) {
            pt_sb_printf(msg, "unknown option '%s'", argv[optind - 1]);
            return PT_EUSAGE;
        }
        if (id == OPT_HELP)
            opt->mode = PT_MODE_HELP;
        else if (id == OPT_VERSION)
            opt->mode = PT_MODE_VERSION;
        else if (id == OPT_ONCE)
            once = true;
    }
    if (opt->mode != PT_MODE_ONCE)
        return PT_OK;
    if (optind >= argc) {
        pt_sb_puts(msg, "missing PID");
        return PT_EUSAGE;
    }
    if (argc - optind > 1) {
        pt_sb_printf(msg, "unexpected argument '%s' (one PID only)", argv[optind + 1]);
        return PT_EUSAGE;
    }
    if (!pt_cli_parse_pid(argv[optind], &opt->pid)) {
        pt_sb_printf(msg, "'%s' is not a process ID (a positive whole number)", argv[optind]);
        return PT_EUSAGE;
    }
    if (!once) {
        pt_sb_puts(msg, "the live viewer is not built yet; use --once PID");
        return PT_EUSAGE;
    }
    return PT_OK;
}

void pt_cli_help(FILE *out)
{
    fprintf(out, "Usage: pytop --once PID\n"
                 "Show what a running CPython process (2.7, 3.6-3.14) is doing, from outside:\n"
                 "no restart, no code change.\n\nOptions:\n");
    for (size_t i = 0; i < OPT_COUNT; i++) {
        char names[64];
        if (options[i].short_name)
            snprintf(names, sizeof names, "-%c, --%s%s%s", options[i].short_name,
                     options[i].long_name, options[i].arg ? " " : "",
                     options[i].arg ? options[i].arg : "");
        else
            snprintf(names, sizeof names, "    --%s%s%s", options[i].long_name,
                     options[i].arg ? " " : "", options[i].arg ? options[i].arg : "");
        fprintf(out, "  %-22s %s\n", names, options[i].help);
    }
    fprintf(out, "\nExit status: 0 success, 1 internal error, 2 usage, 3 no such process\n"
                 "(or zombie, kernel thread), 4 permission denied, 5 not a supported Python,\n"
                 "6 the target exited or could not be read. See pytop(1).\n");
}
