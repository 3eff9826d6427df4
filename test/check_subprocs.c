/* check_subprocs — --subprocesses follows multiprocessing.Pool workers:
 * with it, the workers' function dominates the table and the header
 * counts the processes; without it, the parent (which only waits) shows
 * nothing of theirs. Parent and child of different versions each read in
 * their own version's mode. Also the /proc stat parser on hostile names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pytop/subprocs.h"

static const struct py_interp *first_python3(void)
{
    const struct py_interp *all;
    size_t n = harness_interps(&all);
    for (size_t i = 0; i < n; i++)
        if (all[i].path[0] && all[i].major == 3)
            return &all[i];
    return NULL;
}

/* Run pytop -b over a freshly launched pool; return its stdout. */
static char *run_pool(const struct py_interp *py, bool follow, int *rc)
{
    char script[1024];
    snprintf(script, sizeof script, "%s/test/targets/pool.py", harness_root());
    char *argv[] = {(char *)harness_pytop(), "-b", "--window", "all", "-t", "3", "-d", "3",
                    follow ? "-s" : "-i", "--", (char *)py->path, script, "5", NULL};
    char *out = NULL;
    *rc = harness_run(argv, &out, NULL, 60);
    return out;
}

START_TEST(pool_workers_followed)
{
    const struct py_interp *py = first_python3();
    if (!py) {
        printf("skipped: subprocesses (no Python 3 interpreter)\n");
        return;
    }
    int rc;
    char *out = run_pool(py, true, &rc);
    ck_assert_msg(rc == 0 && out, "pytop -s exit %d", rc);
    ck_assert_msg(strstr(out, "pool_worker_burn ("), "workers not sampled:\n%s", out);
    const char *procs = strstr(out, " processes, ");
    ck_assert_msg(procs, "header does not count processes:\n%s", out);
    const char *p = procs;
    while (p > out && p[-1] >= '0' && p[-1] <= '9')
        p--;
    ck_assert_msg(atoi(p) >= 3, "expected the parent and 2 workers:\n%s", out);
    /* the per-process split: one entry per process, shares adding to 100 */
    const char *split = strstr(out, "\nprocesses: ");
    ck_assert_msg(split, "no per-process split line:\n%s", out);
    double sum = 0;
    int entries = 0;
    for (const char *q = split + 13; *q && *q != '\n';) {
        unsigned pid;
        double pct;
        int used = 0;
        if (sscanf(q, "%u %lf%%%n", &pid, &pct, &used) != 2 || used == 0)
            break;
        sum += pct;
        entries++;
        q += used;
        while (*q == ',' || *q == ' ')
            q++;
    }
    ck_assert_msg(entries >= 2 && sum > 99.0 && sum < 101.0, "split: %d entries, %.1f%%:\n%s",
                  entries, sum, out);
    free(out);

    out = run_pool(py, false, &rc);
    ck_assert_msg(rc == 0 && out, "pytop without -s exit %d", rc);
    ck_assert_msg(!strstr(out, "pool_worker_burn ("), "workers sampled without -s:\n%s", out);
    free(out);
}
END_TEST

START_TEST(stat_parse)
{
    pid_t pid, ppid;
    uint64_t start;
    const char *line = "4242 (evil) name) S 17 4242 4242 0 -1 4194560 100 0 0 0 5 1 0 0 20 0 1 0 "
                       "987654 1000 200 18446744073709551615\n";
    ck_assert(pt_subprocs_parse_stat(line, &pid, &ppid, &start));
    ck_assert_int_eq(pid, 4242);
    ck_assert_int_eq(ppid, 17);
    ck_assert_uint_eq(start, 987654);
    ck_assert(!pt_subprocs_parse_stat("4242 no parenthesis", &pid, &ppid, &start));
    ck_assert(!pt_subprocs_parse_stat("4242 (short) S 1", &pid, &ppid, &start));
}
END_TEST

/* -s --auto where parent and child run different versions: each process
 * gets its own version's mode. A 3.11+ parent (read live) with a <= 3.10
 * child calling in a tight loop (test/targets/churn.py): the child must be
 * paused for its reads (blocking), or its torn reads, which are not
 * checked in that mode, would count stacks cut short. Every sample of
 * the child's thread must reach its <module>. */
static const struct py_interp *find_py(bool modern)
{
    const struct py_interp *all;
    size_t n = harness_interps(&all);
    for (size_t i = 0; i < n; i++)
        if (all[i].path[0] && all[i].major == 3 && (all[i].minor >= 11) == modern)
            return &all[i];
    return NULL;
}

START_TEST(mixed_versions_each_own_mode)
{
    const struct py_interp *parent = find_py(true), *child = find_py(false);
    if (!parent || !child) {
        printf("skipped: mixed-version subprocesses (need a 3.11+ and a <= 3.10 interpreter)\n");
        return;
    }
    char script[1024];
    snprintf(script, sizeof script, "%s/test/targets/mixed.py", harness_root());
    char *argv[] = {(char *)harness_pytop(), "-b", "-s", "-r", "200", "-d", "2", "-n", "1", "--",
                    (char *)parent->path, script, (char *)child->path, "4", NULL};
    char *out = NULL;
    int rc = harness_run(argv, &out, NULL, 60);
    ck_assert_msg(rc == 0 && out, "pytop -s exit %d", rc);
    /* every child sample ends in one of churn.py's functions (%Own) and,
     * whole, starts at its <module> (%Total): the two must agree */
    char module_row[1100];
    snprintf(module_row, sizeof module_row, "<module> (%s/test/targets/churn.py:", harness_root());
    double own_sum = harness_rows_own(out, "churn.py:"), own, module = -1;
    if (!harness_row_pcts(out, module_row, &own, &module))
        module = -1;
    char head[1500];
    snprintf(head, sizeof head, "%s", out ? out : "");
    ck_assert_msg(module > 50, "the %s child was not sampled:\n%s", child->label, head);
    ck_assert_msg(own_sum - module < 0.6 && module - own_sum < 0.6,
                  "%s child under %s: its functions hold %.1f%% of the samples, its <module> only %.1f%%:\n%s",
                  child->label, parent->label, own_sum, module, head);
    free(out);
}
END_TEST

Suite *suite_subprocs(void)
{
    Suite *s = suite_create("subprocs");
    TCase *tc = tcase_create("subprocs");
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, stat_parse);
    tcase_add_test(tc, pool_workers_followed);
    tcase_add_test(tc, mixed_versions_each_own_mode);
    suite_add_tcase(s, tc);
    return s;
}
