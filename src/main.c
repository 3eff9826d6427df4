/* main — parse the command line, run the mode, turn errors into messages
 * and exit codes. The only place that prints errors, decides the exit
 * status or holds process-wide state (the signal flag). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "pytop/batch.h"
#include "pytop/cli.h"
#include "pytop/error.h"
#include "pytop/once.h"
#include "pytop/ui_main.h"
#include "pytop/util.h"
#include "pytop/version.h"

/* Set by SIGINT/SIGTERM/SIGHUP: every mode polls it and winds down, which
 * resumes anything paused and detaches before exit. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    stop_requested = sig;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a closed pipe is a write error, not a death */
}

static int fail(enum pt_err err, pid_t pid, const struct pt_sb *why)
{
    if (err == PT_EUSAGE && pid == 0) {
        fprintf(stderr, "pytop: %s\nTry 'pytop --help'.\n", why->s ? why->s : pt_err_text(err));
        return pt_err_exit(err);
    }
    if (pid)
        fprintf(stderr, "pytop: process %d: %s\n", (int)pid, pt_err_text(err));
    else
        fprintf(stderr, "pytop: %s\n", pt_err_text(err));
    if (why->s && why->len)
        fprintf(stderr, "pytop: %s\n", why->s);
    return pt_err_exit(err);
}

static enum pt_err run(const struct pt_options *opt, struct pt_sb *why)
{
    switch (opt->mode) {
    case PT_MODE_HELP:
        pt_cli_help(stdout);
        return PT_OK;
    case PT_MODE_VERSION:
        printf("pytop %s\n", PYTOP_VERSION);
        return PT_OK;
    case PT_MODE_ONCE:
        return pt_once_run(opt->pid, why);
    case PT_MODE_BATCH:
        return pt_batch_run(opt, &stop_requested, why);
    case PT_MODE_VIEW:
        return pt_ui_run(opt, &stop_requested, why);
    }
    return PT_EUSAGE;
}

int main(int argc, char **argv)
{
    struct pt_options opt;
    struct pt_sb why;
    pt_sb_init(&why);
    install_signals();
    enum pt_err cli = pt_cli_parse(argc, argv, &opt, &why);
    enum pt_err err = cli == PT_OK ? run(&opt, &why) : cli;
    /* a usage error, a missing terminal or an unwritable output file is
     * about the command line, not the process */
    bool general = cli != PT_OK || (err == PT_EUSAGE && !why.len) || err == PT_ENOTTY ||
                   err == PT_EWRITE;
    int rc = err == PT_OK ? 0 : fail(err, general ? 0 : opt.pid, &why);
    pt_sb_free(&why);
    return rc;
}
