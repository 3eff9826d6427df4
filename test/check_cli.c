/*
 * check_cli — the command line: strict PID parsing, usage errors that say
 * what was wrong (and never exit), the help/version modes, and the options
 * the binary's --help lists being documented in man/pytop.1.
 */
#include "harness.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pytop/cli.h"
#include "pytop/error.h"
#include "pytop/util.h"
#include "pytop/version.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1) /* minus the NULL */

/* Parse argv; on PT_EUSAGE the message must be non-empty and name `names`
 * (the offending text) when given. */
static enum pt_err parse(int argc, char **argv, struct pt_options *opt, const char *names)
{
    struct pt_sb msg;
    pt_sb_init(&msg);
    enum pt_err err = pt_cli_parse(argc, argv, opt, &msg);
    if (err == PT_EUSAGE) {
        ck_assert_msg(msg.s && msg.len > 0, "usage error without a message");
        ck_assert_msg(!names || strstr(msg.s, names), "message \"%s\" does not name \"%s\"",
                      msg.s, names);
    }
    pt_sb_free(&msg);
    return err;
}

START_TEST(test_once_pid)
{
    struct pt_options opt;
    char *a[] = {"pytop", "--once", "123", NULL};
    ck_assert_int_eq(parse(ARGC(a), a, &opt, NULL), PT_OK);
    ck_assert_int_eq(opt.mode, PT_MODE_ONCE);
    ck_assert_int_eq(opt.pid, 123);
    char *b[] = {"pytop", "4194304", "--once", NULL}; /* options after operands */
    ck_assert_int_eq(parse(ARGC(b), b, &opt, NULL), PT_OK);
    ck_assert_int_eq(opt.pid, 4194304);
    char *c[] = {"pytop", "--once", "--", "2147483647", NULL};
    ck_assert_int_eq(parse(ARGC(c), c, &opt, NULL), PT_OK);
    ck_assert_int_eq(opt.pid, INT_MAX);
}
END_TEST

static void expect_usage(char *pidarg, const char *names)
{
    struct pt_options opt;
    char *a[] = {"pytop", "--once", pidarg, NULL};
    enum pt_err err = parse(ARGC(a), a, &opt, names);
    ck_assert_msg(err == PT_EUSAGE, "--once '%s' gave %s", pidarg, pt_err_name(err));
}

START_TEST(test_bad_pids)
{
    expect_usage("12x", "12x");
    expect_usage("0", "0");
    expect_usage("-5", "-5");
    expect_usage("99999999999", "99999999999");
    expect_usage("2147483648", "2147483648");
    expect_usage("", NULL);
    expect_usage("+5", "+5");
    expect_usage(" 5", " 5");
    expect_usage("0x10", "0x10");
}
END_TEST

START_TEST(test_usage_errors)
{
    struct pt_options opt;
    char *missing[] = {"pytop", "--once", NULL};
    ck_assert_int_eq(parse(ARGC(missing), missing, &opt, "PID"), PT_EUSAGE);
    char *two[] = {"pytop", "--once", "1", "2", NULL};
    ck_assert_int_eq(parse(ARGC(two), two, &opt, "2"), PT_EUSAGE);
    char *unknown[] = {"pytop", "--bogus", "--once", "1", NULL};
    ck_assert_int_eq(parse(ARGC(unknown), unknown, &opt, "--bogus"), PT_EUSAGE);
    char *shortopt[] = {"pytop", "-x", "--once", "1", NULL};
    ck_assert_int_eq(parse(ARGC(shortopt), shortopt, &opt, "-x"), PT_EUSAGE);
    char *nothing[] = {"pytop", NULL};
    ck_assert_int_eq(parse(ARGC(nothing), nothing, &opt, NULL), PT_EUSAGE);
}
END_TEST

START_TEST(test_help_version)
{
    struct pt_options opt;
    char *h[] = {"pytop", "-h", NULL}, *help[] = {"pytop", "--help", NULL};
    char *v[] = {"pytop", "-V", NULL}, *ver[] = {"pytop", "--version", NULL};
    char *mixed[] = {"pytop", "--once", "12x", "--help", NULL}; /* help wins */
    ck_assert_int_eq(parse(ARGC(h), h, &opt, NULL), PT_OK);
    ck_assert_int_eq(opt.mode, PT_MODE_HELP);
    ck_assert_int_eq(parse(ARGC(help), help, &opt, NULL), PT_OK);
    ck_assert_int_eq(opt.mode, PT_MODE_HELP);
    ck_assert_int_eq(parse(ARGC(v), v, &opt, NULL), PT_OK);
    ck_assert_int_eq(opt.mode, PT_MODE_VERSION);
    ck_assert_int_eq(parse(ARGC(ver), ver, &opt, NULL), PT_OK);
    ck_assert_int_eq(opt.mode, PT_MODE_VERSION);
    ck_assert_int_eq(parse(ARGC(mixed), mixed, &opt, NULL), PT_OK);
    ck_assert_int_eq(opt.mode, PT_MODE_HELP);
}
END_TEST

/* The parser is called more than once per process (here; later by a
 * config reload): an error in the middle of "-xh" must not leave getopt
 * state that the next parse picks up. */
START_TEST(test_reparse)
{
    struct pt_options opt;
    char *bad[] = {"pytop", "-xh", NULL};
    ck_assert_int_eq(parse(ARGC(bad), bad, &opt, NULL), PT_EUSAGE);
    char *good[] = {"pytop", "--once", "77", NULL};
    ck_assert_int_eq(parse(ARGC(good), good, &opt, NULL), PT_OK);
    ck_assert_msg(opt.mode == PT_MODE_ONCE && opt.pid == 77, "second parse: mode %d pid %d",
                  (int)opt.mode, (int)opt.pid);
}
END_TEST

START_TEST(test_parse_pid)
{
    static const struct {
        const char *s;
        bool ok;
        pid_t pid;
    } cases[] = {
        {"1", true, 1},        {"2147483647", true, INT_MAX}, {"2147483648", false, 0},
        {"0", false, 0},       {"", false, 0},                {"-1", false, 0},
        {"12 ", false, 0},     {"1e3", false, 0},             {"99999999999999999999", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pid_t pid = -7;
        bool ok = pt_cli_parse_pid(cases[i].s, &pid);
        ck_assert_msg(ok == cases[i].ok && (!ok || pid == cases[i].pid), "\"%s\": %d, pid %d",
                      cases[i].s, ok, (int)pid);
    }
    pid_t pid;
    ck_assert(!pt_cli_parse_pid(NULL, &pid));
}
END_TEST

/* ---- the binary ---- */

static char *run_pytop(char *arg, int *rc, char **err)
{
    char *argv[] = {(char *)harness_pytop(), arg, NULL}, *out = NULL;
    *rc = harness_run(argv, &out, err, 10);
    ck_assert_msg(out != NULL, "could not run %s", harness_pytop());
    return out;
}

START_TEST(test_binary_modes)
{
    int rc;
    char *err = NULL, *out = run_pytop("--help", &rc, &err);
    char *mine = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&mine, &len);
    ck_assert(mem != NULL);
    pt_cli_help(mem);
    fclose(mem);
    ck_assert_msg(rc == 0 && strcmp(out, mine) == 0, "pytop --help (exit %d):\n%s", rc, out);
    free(mine);
    free(out);
    free(err);
    out = run_pytop("-V", &rc, &err);
    ck_assert_msg(rc == 0 && strstr(out, PYTOP_VERSION), "pytop -V (exit %d): %s", rc, out);
    free(out);
    free(err);
    out = run_pytop("--bogus", &rc, &err);
    ck_assert_msg(rc == pt_err_exit(PT_EUSAGE) && out[0] == '\0' && err && strstr(err, "--bogus"),
                  "pytop --bogus: exit %d, stderr: %s", rc, err ? err : "");
    free(out);
    free(err);
}
END_TEST

/* man text with roff's escaped hyphens ("\-") made plain. */
static char *man_text(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/man/pytop.1", harness_root());
    char *text = NULL;
    enum pt_err e = pt_read_file(path, &text, NULL);
    ck_assert_msg(e == PT_OK, "cannot read %s: %s", path, pt_err_name(e));
    char *w = text;
    for (const char *r = text; *r; r++)
        if (!(r[0] == '\\' && r[1] == '-'))
            *w++ = *r;
    *w = '\0';
    return text;
}

/* opt appears in text as a whole option (not the prefix of a longer one). */
static bool mentions(const char *text, const char *opt)
{
    size_t n = strlen(opt);
    for (const char *p = strstr(text, opt); p; p = strstr(p + 1, opt)) {
        char after = p[n];
        bool before_ok = p == text || !(p[-1] == '-' || (p[-1] >= 'a' && p[-1] <= 'z'));
        if (before_ok && !(after == '-' || (after >= 'a' && after <= 'z') ||
                           (after >= 'A' && after <= 'Z')))
            return true;
    }
    return false;
}

START_TEST(test_help_options_in_man)
{
    int rc;
    char *err = NULL, *help = run_pytop("--help", &rc, &err);
    ck_assert_int_eq(rc, 0);
    char *man = man_text();
    char seen[1024] = "";
    size_t found = 0;
    for (const char *p = help; (p = strchr(p, '-')); p++) {
        if (p != help && p[-1] != ' ' && p[-1] != ',')
            continue; /* a hyphen inside a word */
        char opt[64];
        size_t n = 0;
        while (n + 1 < sizeof opt && (p[n] == '-' || (p[n] >= 'a' && p[n] <= 'z') ||
                                      (p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9')))
            opt[n] = p[n], n++;
        opt[n] = '\0';
        bool is_long = strncmp(opt, "--", 2) == 0 && n > 2;
        bool is_short = opt[0] == '-' && n == 2 && opt[1] != '-';
        if (!is_long && !is_short)
            continue;
        ck_assert_msg(mentions(man, opt), "pytop --help lists %s, man/pytop.1 does not", opt);
        found += is_long && !mentions(seen, opt); /* count each once */
        strncat(seen, " ", sizeof seen - strlen(seen) - 1);
        strncat(seen, opt, sizeof seen - strlen(seen) - 1);
    }
    ck_assert_msg(found >= 3, "only %zu long options in --help", found);
    printf("cli: all %zu long options of pytop --help are in man/pytop.1\n", found);
    fflush(stdout);
    free(man);
    free(help);
    free(err);
}
END_TEST

/* Every exit status in the error table (src/error.c) is explained in the
 * man page's EXIT STATUS section and listed in --help. */
START_TEST(test_exit_codes_documented)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/man/pytop.1", harness_root());
    char *man = NULL, *help = NULL;
    size_t len = 0;
    ck_assert_int_eq(pt_read_file(path, &man, NULL), PT_OK);
    const char *sec = strstr(man, ".SH EXIT STATUS\n"), *end = sec ? strstr(sec + 1, "\n.SH ") : NULL;
    ck_assert_msg(sec && end, "man/pytop.1 has no EXIT STATUS section");
    FILE *mem = open_memstream(&help, &len);
    ck_assert(mem != NULL);
    pt_cli_help(mem);
    fclose(mem);
    for (char *p = help; *p; p++)
        *p = *p == '\n' ? ' ' : *p; /* a status may start a line */
    const char *status = strstr(help, "Exit status:");
    ck_assert_msg(status, "--help has no exit statuses");
    for (int e = PT_OK + 1; e < PT_ERR_COUNT; e++) {
        char item[32], listed[16];
        snprintf(item, sizeof item, ".TP\n.B %d\n", pt_err_exit((enum pt_err)e));
        snprintf(listed, sizeof listed, " %d ", pt_err_exit((enum pt_err)e));
        const char *at = strstr(sec, item);
        ck_assert_msg(at && at < end, "%s exits %d: not in man/pytop.1 EXIT STATUS",
                      pt_err_name((enum pt_err)e), pt_err_exit((enum pt_err)e));
        ck_assert_msg(strstr(status, listed), "%s exits %d: not in --help's exit statuses",
                      pt_err_name((enum pt_err)e), pt_err_exit((enum pt_err)e));
    }
    free(man);
    free(help);
}
END_TEST

Suite *suite_cli(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_once_pid);
    tcase_add_test(tc, test_bad_pids);
    tcase_add_test(tc, test_usage_errors);
    tcase_add_test(tc, test_help_version);
    tcase_add_test(tc, test_reparse);
    tcase_add_test(tc, test_parse_pid);
    tcase_add_test(tc, test_exit_codes_documented);
    suite_add_tcase(s, tc);
    TCase *bin = tcase_create("binary");
    tcase_set_timeout(bin, 30);
    tcase_add_test(bin, test_binary_modes);
    tcase_add_test(bin, test_help_options_in_man);
    suite_add_tcase(s, bin);
    return s;
}
