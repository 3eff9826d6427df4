/* main — parse the command line, run the mode, turn errors into messages
 * and exit codes. The only place that prints errors or decides the exit. */
#include <stdio.h>

#include "pytop/cli.h"
#include "pytop/error.h"
#include "pytop/once.h"
#include "pytop/util.h"
#include "pytop/version.h"

static int fail(enum pt_err err, pid_t pid, const struct pt_sb *why)
{
    if (err == PT_EUSAGE) {
        fprintf(stderr, "pytop: %s\nTry 'pytop --help'.\n", why->s ? why->s : pt_err_text(err));
        return pt_err_exit(err);
    }
    fprintf(stderr, "pytop: process %d: %s\n", (int)pid, pt_err_text(err));
    if (why->s && why->len)
        fprintf(stderr, "pytop: %s\n", why->s);
    return pt_err_exit(err);
}

int main(int argc, char **argv)
{
    struct pt_options opt;
    struct pt_sb why;
    pt_sb_init(&why);
    enum pt_err err = pt_cli_parse(argc, argv, &opt, &why);
    int rc = 0;
    if (err != PT_OK) {
        rc = fail(err, 0, &why);
    } else if (opt.mode == PT_MODE_HELP) {
        pt_cli_help(stdout);
    } else if (opt.mode == PT_MODE_VERSION) {
        printf("pytop %s\n", PYTOP_VERSION);
    } else {
        err = pt_once_run(opt.pid, &why);
        if (err != PT_OK)
            rc = fail(err, opt.pid, &why);
    }
    pt_sb_free(&why);
    return rc;
}
