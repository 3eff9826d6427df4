/* check_attach — every way of finding the interpreter finds the same one.
 * For each interpreter present, attach normally, then again with the
 * symbol lookup (and the section and disassembly fall-backs) switched off:
 * the fall-backs must land on the same interpreter state, proven
 * independently of how it was found. */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "pytop/py_target.h"

static pid_t start_entry(const struct py_interp *py)
{
    char script[1024];
    snprintf(script, sizeof script, "%s/test/targets/entry.py", harness_root());
    char *args[] = {script, NULL};
    return harness_start_target(py->path, args, 20);
}

static uint64_t interp_via(pid_t pid, const struct pt_attach_opts *o, const char **how)
{
    struct pt_target t;
    struct pt_sb why;
    pt_sb_init(&why);
    enum pt_err err = pt_target_attach_with(pid, o, &t, &why);
    ck_assert_msg(err == PT_OK, "attach failed: %s (%s)", pt_err_name(err), why.s ? why.s : "");
    pt_sb_free(&why);
    uint64_t interp = 0;
    ck_assert_int_eq(pt_target_first_interp(&t, &t.mem, &interp), PT_OK);
    *how = t.entry_how;
    pt_target_detach(&t);
    return interp;
}

START_TEST(fallbacks_agree)
{
    const struct py_interp *all;
    size_t n = harness_interps(&all);
    ck_assert_uint_lt((size_t)_i, n);
    const struct py_interp *py = &all[_i];
    if (!py->path[0]) {
        printf("skipped: %s (interpreter not installed)\n", py->label);
        return;
    }
    pid_t pid = start_entry(py);
    ck_assert_msg(pid > 0, "%s: target did not start", py->label);
    const char *how0, *how1, *how2;
    struct pt_attach_opts plain = {0}, nosym = {.no_symbols = true},
                          scan = {.no_symbols = true, .no_section = true, .no_disasm = true};
    uint64_t a = interp_via(pid, &plain, &how0);
    uint64_t b = interp_via(pid, &nosym, &how1);
    uint64_t c = interp_via(pid, &scan, &how2);
    harness_stop_target(pid);
    ck_assert_msg(a && a == b && a == c, "%s: interp %llx (%s) / %llx (%s) / %llx (%s)", py->label,
                  (unsigned long long)a, how0, (unsigned long long)b, how1, (unsigned long long)c,
                  how2);
    ck_assert_msg(strcmp(how0, how1) != 0 && strcmp(how2, "scan of .data/.bss") == 0,
                  "%s: fall-backs not exercised: %s / %s / %s", py->label, how0, how1, how2);
}
END_TEST

Suite *suite_attach(void)
{
    Suite *s = suite_create("attach");
    TCase *tc = tcase_create("fallbacks");
    tcase_set_timeout(tc, 60);
    const struct py_interp *all;
    size_t n = harness_interps(&all);
    tcase_add_loop_test(tc, fallbacks_agree, 0, (int)n);
    suite_add_tcase(s, tc);
    return s;
}
