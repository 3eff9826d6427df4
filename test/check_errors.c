/*
 * check_errors — every way `pytop --once` can be given a bad target or a
 * bad command line: the exit status (the table in src/error.c: usage 2,
 * no process / zombie / kernel thread 3, permission 4, not Python 5, the
 * read failed 6; 7, an output file, is check_hostile's), a message on
 * stderr that says what went wrong, and
 * nothing on stdout.
 *
 * Processes started here are stopped before any assertion runs, so that a
 * failing check never leaves one behind.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PYTOP_TIMEOUT_S 10
#define START_TIMEOUT_S 20
#define WAIT_MS 5000 /* bound on waiting for a process to change state */
#define WHY_MAX 1024
#define PF_KTHREAD 0x00200000UL /* include/linux/sched.h */
#define NOBODY 65534

struct result {
    int rc;
    char *out, *err;
};

static void result_free(struct result *r)
{
    free(r->out);
    free(r->err);
    *r = (struct result){0};
}

/* Run argv (NULL-terminated) and keep all of what it said. */
static void run(char *const argv[], struct result *r)
{
    r->out = r->err = NULL;
    r->rc = harness_run(argv, &r->out, &r->err, PYTOP_TIMEOUT_S);
}

/* Exit status want_rc, nothing on stdout, want_msg on stderr after the
 * "pytop: " prefix every message has. */
static bool fails_with(const struct result *r, int want_rc, const char *want_msg, char *why)
{
    const char *err = r->err ? r->err : "", *out = r->out ? r->out : "";
    if (r->rc != want_rc)
        return harness_why(why, WHY_MAX, "exit status %d, expected %d; stderr: %s", r->rc, want_rc, err);
    if (*out)
        return harness_why(why, WHY_MAX, "an error printed to stdout: %s", out);
    if (strncmp(err, "pytop: ", 7) != 0 || !strstr(err, want_msg))
        return harness_why(why, WHY_MAX, "stderr lacks \"%s\": %s", want_msg, err);
    return true;
}

/* `pytop --once PID` fails with want_rc and names the process and the
 * problem. */
static bool once_fails_with(pid_t pid, int want_rc, const char *want_msg, char *why)
{
    char pidarg[16], prefix[48];
    snprintf(pidarg, sizeof pidarg, "%d", (int)pid);
    snprintf(prefix, sizeof prefix, "pytop: process %d: ", (int)pid);
    char *argv[] = {(char *)harness_pytop(), "--once", pidarg, NULL};
    struct result r;
    run(argv, &r);
    bool ok = fails_with(&r, want_rc, want_msg, why);
    if (ok && !strstr(r.err, prefix))
        ok = harness_why(why, WHY_MAX, "stderr does not name the process (\"%s\"): %s", prefix, r.err);
    result_free(&r);
    return ok;
}

/* Scheduler state and flags of a process, from /proc/PID/stat. */
static bool proc_stat(pid_t pid, char *state, unsigned long *flags)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')'); /* comm may hold spaces and parens */
    return rp && sscanf(rp + 1, " %c %*d %*d %*d %*d %*d %lu", state, flags) == 2;
}

static void stop_child(pid_t pid)
{
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}

/* The first interpreter present, for tests where any Python will do. */
static const struct py_interp *any_python(void)
{
    const struct py_interp *py;
    size_t n = harness_interps(&py);
    for (size_t i = 0; i < n; i++)
        if (py[i].path[0])
            return &py[i];
    return NULL;
}

/* Start test/targets/vanish.py, which exits delay seconds after READY. */
static pid_t start_vanish(const struct py_interp *py, const char *delay)
{
    char script[PATH_MAX];
    int w = snprintf(script, sizeof script, "%s/test/targets/vanish.py", harness_root());
    if (w < 0 || (size_t)w >= sizeof script)
        return -1;
    char *args[] = {"-B", "-s", script, (char *)delay, NULL};
    return harness_start_target(py->path, args, START_TIMEOUT_S);
}

/* ------------------------------------------------------------------------
 * Bad command lines.
 */

static const struct usage_case {
    const char *args[4]; /* after argv[0]; NULL-terminated */
    const char *msg;
} usage_cases[] = {
    {{"--once", "abc"}, "'abc' is not a process ID"},
    {{"--once", "0"}, "'0' is not a process ID"},
    {{"--once", "12abc"}, "'12abc' is not a process ID"},
    {{"--once", ""}, "'' is not a process ID"},
    {{"--once", "99999999999999999999"}, "is not a process ID"}, /* overflows pid_t */
    {{"--once", "-5"}, "unknown option '-5'"},
    {{"--once"}, "missing PID"},
    {{"--once", "1", "2"}, "unexpected argument '2'"},
    {{"--bogus", "--once", "1"}, "unknown option '--bogus'"},
    {{"-x", "--once", "1"}, "unknown option '-x'"},
};
#define NUSAGE (int)(sizeof usage_cases / sizeof usage_cases[0])

START_TEST(bad_command_line)
{
    const struct usage_case *c = &usage_cases[_i];
    char *argv[6] = {(char *)harness_pytop()};
    for (size_t i = 0; i < 4 && c->args[i]; i++)
        argv[i + 1] = (char *)c->args[i];
    struct result r;
    run(argv, &r);
    char why[WHY_MAX] = "";
    bool ok = fails_with(&r, 2, c->msg, why);
    result_free(&r);
    ck_assert_msg(ok, "pytop %s %s %s: %s", c->args[0], c->args[1] ? c->args[1] : "",
                  c->args[1] && c->args[2] ? c->args[2] : "", why);
}
END_TEST

/* ------------------------------------------------------------------------
 * Targets that are not (readable) Python processes.
 */

/* A PID no process has: high up, where the kernel is least likely to hand
 * it out while the test runs. */
static pid_t free_pid(void)
{
    long max = 32768;
    FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
    if (f) {
        if (fscanf(f, "%ld", &max) != 1)
            max = 32768;
        fclose(f);
    }
    for (long p = max - 1; p > 1; p--)
        if (kill((pid_t)p, 0) != 0 && errno == ESRCH)
            return (pid_t)p;
    return -1;
}

START_TEST(no_such_process)
{
    pid_t pid = free_pid();
    ck_assert_msg(pid > 0, "no free PID found");
    char why[WHY_MAX] = "";
    ck_assert_msg(once_fails_with(pid, 3, "no such process", why), "PID %d: %s", (int)pid, why);
}
END_TEST

/* Wait (bounded) until pid has exec'd: its executable is no longer ours. */
static bool wait_exec(pid_t pid)
{
    char self[PATH_MAX], path[64], exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return false;
    self[n] = '\0';
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    for (long end = harness_now_ms() + WAIT_MS; harness_now_ms() < end; usleep(2000)) {
        n = readlink(path, exe, sizeof exe - 1);
        if (n > 0 && (exe[n] = '\0', strcmp(exe, self) != 0))
            return true;
    }
    return false;
}

START_TEST(not_python)
{
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        execlp("sleep", "sleep", "3600", (char *)NULL);
        _exit(127);
    }
    char why[WHY_MAX] = "";
    bool ok = wait_exec(pid) ? once_fails_with(pid, 5, "no CPython interpreter found", why)
                             : harness_why(why, WHY_MAX, "sleep did not start");
    stop_child(pid);
    ck_assert_msg(ok, "sleep (PID %d): %s", (int)pid, why);
}
END_TEST

START_TEST(zombie)
{
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0)
        _exit(0);
    /* Not reaped yet: it stays a zombie until waitpid below. */
    char state = 0;
    unsigned long flags;
    for (long end = harness_now_ms() + WAIT_MS; harness_now_ms() < end && state != 'Z'; usleep(1000))
        if (!proc_stat(pid, &state, &flags))
            state = 0;
    char why[WHY_MAX] = "";
    bool ok = state == 'Z' ? once_fails_with(pid, 3, "zombie", why)
                           : harness_why(why, WHY_MAX, "child never showed as a zombie");
    waitpid(pid, NULL, 0);
    ck_assert_msg(ok, "zombie (PID %d): %s", (int)pid, why);
}
END_TEST

/* A kernel thread: kthreadd (2) when this PID namespace shows it, else any. */
static pid_t find_kthread(void)
{
    char state;
    unsigned long flags;
    for (pid_t p = 2; p < 4096; p++)
        if (proc_stat(p, &state, &flags) && (flags & PF_KTHREAD))
            return p;
    return -1;
}

START_TEST(kernel_thread)
{
    pid_t pid = find_kthread();
    if (pid < 0) {
        printf("skipped: errors/kernel_thread (no kernel thread visible in this PID namespace)\n");
        return;
    }
    char why[WHY_MAX] = "";
    ck_assert_msg(once_fails_with(pid, 3, "kernel thread", why), "PID %d: %s", (int)pid, why);
}
END_TEST

START_TEST(itself)
{
    /* exec keeps the shell's PID: pytop is asked to read its own. */
    char *argv[] = {"/bin/sh", "-c", "exec \"$0\" --once \"$$\"", (char *)harness_pytop(), NULL};
    struct result r;
    run(argv, &r);
    char why[WHY_MAX] = "";
    bool ok = fails_with(&r, 2, "cannot profile itself", why);
    result_free(&r);
    ck_assert_msg(ok, "pytop --once <its own PID>: %s", why);
}
END_TEST

/* ------------------------------------------------------------------------
 * Permission: a root-owned Python process, read as user nobody.
 */

/* Copy the pytop binary where nobody can run it: the source tree may sit
 * under a directory nobody cannot enter. */
static bool copy_binary(const char *from, char *dir, char *to, size_t cap)
{
    if (!mkdtemp(dir) || chmod(dir, 0755) != 0)
        return false;
    snprintf(to, cap, "%s/pytop", dir);
    return harness_copy_file(from, to, 0755);
}

static bool perm_as_nobody(pid_t pid, const char *bin, char *why)
{
    char pidarg[16];
    snprintf(pidarg, sizeof pidarg, "%d", (int)pid);
    char *argv[] = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "--inh-caps=-all", "--", (char *)bin, "--once", pidarg, NULL};
    struct result r;
    run(argv, &r);
    bool ok = fails_with(&r, 4, "CAP_SYS_PTRACE", why);
    if (ok && (!strstr(r.err, "permission denied") || !strstr(r.err, "ptrace_scope")))
        ok = harness_why(why, WHY_MAX, "message does not say permission denied and name ptrace_scope: %s", r.err);
    result_free(&r);
    return ok;
}

START_TEST(permission_denied)
{
    const struct py_interp *py = any_python();
    if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK) != 0 || !py) {
        printf("skipped: errors/permission_denied (needs root, setpriv and a Python)\n");
        return;
    }
    char dir[] = "/tmp/pytop-nobody-XXXXXX", bin[sizeof dir + 16];
    char why[WHY_MAX] = "";
    pid_t pid = -1;
    bool ok = copy_binary(harness_pytop(), dir, bin, sizeof bin);
    if (!ok)
        harness_why(why, WHY_MAX, "could not copy %s to %s", harness_pytop(), dir);
    else if ((pid = start_vanish(py, "60")) <= 0)
        ok = harness_why(why, WHY_MAX, "%s: target did not start", py->label);
    else
        ok = perm_as_nobody(pid, bin, why);
    harness_stop_target(pid);
    unlink(bin);
    rmdir(dir);
    ck_assert_msg(ok, "%s", why);
}
END_TEST

/* ------------------------------------------------------------------------
 * The process exits while pytop reads it.
 */

/* One run of pytop against a process that is exiting: a full snapshot (0),
 * "gone"/zombie (3) or a failed read (6), each properly reported; never a
 * crash, a hang or another error. Sets *gone once the process is a zombie. */
static bool one_racing_run(pid_t pid, bool *gone, char *why)
{
    char pidarg[16], want[48];
    snprintf(pidarg, sizeof pidarg, "%d", (int)pid);
    char *argv[] = {(char *)harness_pytop(), "--once", pidarg, NULL};
    struct result r;
    run(argv, &r);
    const char *out = r.out ? r.out : "", *err = r.err ? r.err : "";
    bool ok = true;
    if (r.rc == 0) {
        snprintf(want, sizeof want, "Process %d: ", (int)pid);
        if (strncmp(out, want, strlen(want)) != 0)
            ok = harness_why(why, WHY_MAX, "exit 0 but stdout is: %.200s", out);
    } else if (r.rc == 3 || r.rc == 6) {
        snprintf(want, sizeof want, "pytop: process %d: ", (int)pid);
        if (*out || strncmp(err, want, strlen(want)) != 0)
            ok = harness_why(why, WHY_MAX, "exit %d; stdout: %.200s; stderr: %s", r.rc, out, err);
        *gone = r.rc == 3;
    } else {
        ok = harness_why(why, WHY_MAX, "exit %d (-1: killed by a signal or hung); stderr: %s", r.rc, err);
    }
    result_free(&r);
    return ok;
}

static bool race_exit(const struct py_interp *py, const char *delay, char *why)
{
    pid_t pid = start_vanish(py, delay);
    if (pid <= 0)
        return harness_why(why, WHY_MAX, "vanish.py did not start");
    bool gone = false, ok = true;
    long end = harness_now_ms() + WAIT_MS;
    while (ok && !gone && harness_now_ms() < end)
        ok = one_racing_run(pid, &gone, why);
    harness_stop_target(pid);
    return ok && !gone ? harness_why(why, WHY_MAX, "the target never showed as gone") : ok;
}

START_TEST(exits_while_read)
{
    const struct py_interp *all;
    size_t n = harness_interps(&all);
    ck_assert((size_t)_i < n);
    const struct py_interp *py = &all[_i];
    if (!py->path[0]) {
        printf("skipped: %s (errors/exits_while_read: interpreter not installed)\n", py->label);
        return;
    }
    /* Delays spread the exit over different moments of a read. */
    const char *delays[] = {"0", "0.05", "0.15"};
    char why[WHY_MAX] = "";
    bool ok = true;
    for (size_t i = 0; ok && i < sizeof delays / sizeof delays[0]; i++)
        ok = race_exit(py, delays[i], why);
    ck_assert_msg(ok, "%s: %s", py->label, why);
}
END_TEST

Suite *suite_errors(void)
{
    const struct py_interp *py;
    int n = (int)harness_interps(&py);
    Suite *s = suite_create("errors");
    TCase *tc = tcase_create("errors");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, bad_command_line, 0, NUSAGE);
    tcase_add_test(tc, no_such_process);
    tcase_add_test(tc, not_python);
    tcase_add_test(tc, zombie);
    tcase_add_test(tc, kernel_thread);
    tcase_add_test(tc, itself);
    tcase_add_test(tc, permission_denied);
    tcase_add_loop_test(tc, exits_while_read, 0, n);
    suite_add_tcase(s, tc);
    return s;
}
