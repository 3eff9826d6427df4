/*
 * check_ident — pytop never reads a different process under the old PID.
 *
 * proc_ident's verdicts: the start-time judgement on /proc/PID/stat lines
 * (same start: the same process; another start, a zombie, nothing: gone);
 * a live child captured, checked, made a zombie, reaped, through the pidfd
 * and through the start time alone; a captured identity against a
 * different start time (what a reused PID looks like).
 *
 * Then real reuse, where the kernel lets us force it (root, a writable
 * /proc/sys/kernel/ns_last_pid): a process is killed and reaped and a new
 * one is started under the very same PID. proc_ident must call the old
 * identity gone by either means. And pytop itself: `pytop -b` samples
 * test/targets/reuse.py ("before_reuse") until it has seen it, is stopped
 * (SIGSTOP), the target is killed and reaped, the same script with
 * "after_reuse" is started under the same PID with address randomisation
 * off for both (the same addresses: a pytop reading by PID alone would
 * find the new interpreter where the old one was), and pytop is resumed.
 * It must report the target exited (its last line, status 0) and never
 * show after_reuse, in its tables or its --collapsed file: the new process
 * has a second thread, asleep, sampled with -i, whose stat file pytop
 * opens afresh (it once took that for proof the process was still its
 * own, and showed after_reuse_worker).
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pytop/proc_ident.h"

#define READY_TIMEOUT_MS 30000
#define REUSE_TRIES 500
#define PYTOP_END_MS 30000

/* ------------------------------------------------------------------------
 * The start-time verdict.
 */
static const char stat_tail[] = " S 1 1 1 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 ";

static char *stat_line(const char *comm, char state, unsigned long long start)
{
    static char buf[512];
    char tail[sizeof stat_tail];
    memcpy(tail, stat_tail, sizeof tail);
    tail[1] = state;
    snprintf(buf, sizeof buf, "4242 (%s)%s%llu 1000 200 18446744073709551615\n", comm, tail, start);
    return buf;
}

START_TEST(judge_start_time)
{
    struct pt_ident id = {4242, -1, 777123};
    ck_assert_int_eq(pt_ident_judge_stat(&id, stat_line("python3", 'S', 777123)), PT_OK);
    ck_assert_int_eq(pt_ident_judge_stat(&id, stat_line("python3", 'R', 777123)), PT_OK);
    /* the same PID, started later: another process */
    ck_assert_int_eq(pt_ident_judge_stat(&id, stat_line("python3", 'S', 777124)), PT_EGONE);
    ck_assert_int_eq(pt_ident_judge_stat(&id, stat_line("python3", 'S', 77712)), PT_EGONE);
    /* exited, not reaped yet */
    ck_assert_int_eq(pt_ident_judge_stat(&id, stat_line("python3", 'Z', 777123)), PT_EGONE);
    ck_assert_int_eq(pt_ident_judge_stat(&id, stat_line("python3", 'X', 777123)), PT_EGONE);
    /* a name with ") " and digits in it must not shift the fields */
    ck_assert_int_eq(pt_ident_judge_stat(&id, stat_line("a) S 1 2 (b", 'S', 777123)), PT_OK);
    ck_assert_int_eq(pt_ident_judge_stat(&id, stat_line("a) S 1 2 (b", 'S', 1)), PT_EGONE);
    /* unreadable or cut short: cannot vouch for it */
    ck_assert_int_eq(pt_ident_judge_stat(&id, NULL), PT_EGONE);
    ck_assert_int_eq(pt_ident_judge_stat(&id, "4242 (python3) S 1 1 1 0"), PT_EGONE);
    ck_assert_int_eq(pt_ident_judge_stat(&id, "garbage"), PT_EGONE);
}
END_TEST

/* ------------------------------------------------------------------------
 * Live identities.
 */
static pid_t sleeper(void)
{
    pid_t p = fork();
    if (p == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;)
            pause();
    }
    return p;
}

/* The same identity, decided by the start time alone. */
static struct pt_ident by_start(const struct pt_ident *id)
{
    struct pt_ident s = *id;
    s.pidfd = -1;
    return s;
}

/* Kill p and wait until it is a zombie, without reaping it. */
static void make_zombie(pid_t p)
{
    kill(p, SIGKILL);
    siginfo_t si;
    ck_assert_int_eq(waitid(P_PID, (id_t)p, &si, WEXITED | WNOWAIT), 0);
}

START_TEST(live_exit_and_reap)
{
    pid_t p = sleeper();
    ck_assert_int_gt(p, 0);
    struct pt_ident id;
    ck_assert_int_eq(pt_ident_capture(p, &id), PT_OK);
    if (id.pidfd < 0)
        printf("ident: no pidfd here (kernel < 5.3 or filtered): the start time decides\n");
    struct pt_ident st = by_start(&id);
    ck_assert_int_eq(pt_ident_check(&id), PT_OK);
    ck_assert_int_eq(pt_ident_check(&st), PT_OK);
    /* what a reused PID looks like: the same number, another start time */
    struct pt_ident other = st;
    other.start++;
    ck_assert_int_eq(pt_ident_check(&other), PT_EGONE);
    make_zombie(p);
    ck_assert_int_eq(pt_ident_check(&id), PT_EGONE);
    ck_assert_int_eq(pt_ident_check(&st), PT_EGONE);
    waitpid(p, NULL, 0);
    ck_assert_int_eq(pt_ident_check(&id), PT_EGONE);
    ck_assert_int_eq(pt_ident_check(&st), PT_EGONE);
    pt_ident_close(&id);
    pt_ident_close(&id); /* twice is harmless */
    struct pt_ident zero;
    memset(&zero, 0, sizeof zero);
    pt_ident_close(&zero); /* never captured: must not close descriptor 0 */
    ck_assert_int_ne(fcntl(0, F_GETFD), -1);
    ck_assert_int_eq(pt_ident_capture(p, &id), PT_ENOPROC);
}
END_TEST

/* ------------------------------------------------------------------------
 * Forcing a PID to be reused.
 */

/* Make the next PID the kernel hands out `want`; false if not permitted. */
static bool next_pid_is(pid_t want)
{
    int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d", (int)want - 1);
    bool ok = write(fd, buf, (size_t)n) == n;
    close(fd);
    return ok;
}

static bool can_force_pids(void)
{
    int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    close(fd);
    return geteuid() == 0;
}

struct spawn {
    char *const *argv;  /* NULL: a sleeper */
    bool no_aslr;
    int ready_fd;       /* read end of the child's stdout, or -1 */
};

static void child_exec(const struct spawn *sp, int out)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (!sp->argv)
        for (;;)
            pause();
    if (sp->no_aslr)
        personality(ADDR_NO_RANDOMIZE);
    dup2(out, 1);
    execv(sp->argv[0], sp->argv);
    _exit(127);
}

/* Fork a child under exactly PID want (0: any). -1 when it cannot be had. */
static pid_t spawn_at(pid_t want, struct spawn *sp)
{
    for (int i = 0; i < REUSE_TRIES; i++) {
        int p[2];
        if (pipe(p) != 0)
            return -1;
        if (want && !next_pid_is(want)) {
            close(p[0]), close(p[1]);
            return -1;
        }
        pid_t c = fork();
        if (c == 0) {
            close(p[0]);
            if (want && getpid() != want)
                _exit(99); /* someone else's fork got there first */
            child_exec(sp, p[1]);
        }
        close(p[1]);
        if (c > 0 && (!want || c == want)) {
            sp->ready_fd = p[0];
            return c;
        }
        close(p[0]);
        if (c > 0)
            waitpid(c, NULL, 0);
    }
    return -1;
}

static bool wait_ready(int fd)
{
    char buf[256];
    size_t n = 0;
    struct pollfd pfd = {fd, POLLIN, 0};
    for (long end = harness_now_ms() + READY_TIMEOUT_MS; harness_now_ms() < end;) {
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        ssize_t got = read(fd, buf + n, sizeof buf - 1 - n);
        if (got <= 0)
            return false;
        n += (size_t)got;
        buf[n] = '\0';
        if (strstr(buf, "READY"))
            return true;
    }
    return false;
}

static void end_child(pid_t p)
{
    if (p > 0) {
        kill(p, SIGKILL);
        waitpid(p, NULL, 0);
    }
}

START_TEST(forced_reuse_ident)
{
    if (!can_force_pids()) {
        printf("ident: skipped forced PID reuse (needs root and a writable "
               "/proc/sys/kernel/ns_last_pid)\n");
        return;
    }
    struct spawn sa = {NULL, false, -1}, sb = {NULL, false, -1};
    pid_t a = spawn_at(0, &sa);
    ck_assert_int_gt(a, 0);
    struct pt_ident id;
    ck_assert_int_eq(pt_ident_capture(a, &id), PT_OK);
    struct pt_ident st = by_start(&id);
    /* a start time is in clock ticks (10 ms): let the next one begin later */
    harness_sleep_ms(50);
    end_child(a);
    pid_t b = spawn_at(a, &sb);
    if (b < 0) {
        printf("ident: skipped forced PID reuse (PID %d was taken by others %d times)\n", (int)a,
               REUSE_TRIES);
        pt_ident_close(&id);
        return;
    }
    ck_assert_int_eq(b, a);
    struct pt_ident now;
    ck_assert_int_eq(pt_ident_capture(b, &now), PT_OK);
    ck_assert_msg(now.start != id.start, "the new process has the old start time %llu",
                  (unsigned long long)id.start);
    ck_assert_int_eq(pt_ident_check(&id), PT_EGONE);
    ck_assert_int_eq(pt_ident_check(&st), PT_EGONE);
    ck_assert_int_eq(pt_ident_check(&now), PT_OK);
    pt_ident_close(&now);
    pt_ident_close(&id);
    close(sa.ready_fd), close(sb.ready_fd);
    end_child(b);
}
END_TEST

/* ------------------------------------------------------------------------
 * pytop across a reused PID.
 */
static const struct py_interp *any_python(void)
{
    const struct py_interp *py;
    size_t n = harness_interps(&py);
    for (size_t i = n; i-- > 0;)
        if (py[i].path[0])
            return &py[i];
    return NULL;
}

static bool file_has(const char *path, const char *needle)
{
    char *text = harness_read_file(path);
    bool has = text && strstr(text, needle);
    free(text);
    return has;
}

static pid_t run_pytop(pid_t target, const char *out, const char *folded)
{
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)target);
    /* -i: the new process's sleeping thread would be sampled too */
    char *argv[] = {(char *)harness_pytop(), "-b", "--nonblocking", "-i", "-r", "200", "-d", "0.2",
                    "--window", "all", "--collapsed", (char *)folded, pid, NULL};
    return harness_spawn_bg(argv, out, NULL);
}

/* Wait for pytop to exit; its status, or -1 after PYTOP_END_MS (killed). */
static int pytop_end(pid_t p)
{
    int st;
    for (long end = harness_now_ms() + PYTOP_END_MS; harness_now_ms() < end;) {
        if (waitpid(p, &st, WNOHANG) == p)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        harness_sleep_ms(20);
    }
    end_child(p);
    return -1;
}

START_TEST(pytop_never_reads_the_new_process)
{
    const struct py_interp *py = any_python();
    if (!can_force_pids() || !py) {
        printf("ident: skipped pytop across a reused PID (%s)\n",
               py ? "needs root and a writable /proc/sys/kernel/ns_last_pid" : "no Python");
        return;
    }
    char script[PATH_MAX], out[] = "/tmp/pytop-reuse-outXXXXXX", folded[64];
    snprintf(script, sizeof script, "%s/test/targets/reuse.py", harness_root());
    int ofd = mkstemp(out);
    ck_assert_int_ge(ofd, 0);
    close(ofd);
    snprintf(folded, sizeof folded, "%s.folded", out);
    char *before[] = {(char *)py->path, "-B", "-s", script, "before", NULL};
    char *after[] = {(char *)py->path, "-B", "-s", script, "after", NULL};
    struct spawn sa = {before, true, -1}, sb = {after, true, -1};
    pid_t a = spawn_at(0, &sa);
    ck_assert_msg(a > 0 && wait_ready(sa.ready_fd), "%s: reuse.py did not start", py->label);
    pid_t pt = run_pytop(a, out, folded);
    ck_assert_int_gt(pt, 0);
    for (long end = harness_now_ms() + READY_TIMEOUT_MS;
         harness_now_ms() < end && !file_has(out, "before_reuse");)
        harness_sleep_ms(50);
    bool saw_a = file_has(out, "before_reuse");
    /* pytop frozen; the old process gone and reaped; a new one under its PID */
    kill(pt, SIGSTOP);
    int st;
    waitpid(pt, &st, WUNTRACED);
    harness_sleep_ms(30); /* a later start time, in clock ticks */
    end_child(a);
    pid_t b = spawn_at(a, &sb);
    bool b_ready = b > 0 && wait_ready(sb.ready_fd);
    kill(pt, SIGCONT);
    int rc = pytop_end(pt);
    char want[64];
    snprintf(want, sizeof want, "pytop: process %d exited\n", (int)a);
    char *text = harness_read_file(out);
    size_t tl = text ? strlen(text) : 0, wl = strlen(want);
    bool last = text && tl >= wl && strcmp(text + tl - wl, want) == 0;
    bool read_b = (text && strstr(text, "after_reuse")) || file_has(folded, "after_reuse");
    bool folded_a = file_has(folded, "before_reuse");
    free(text);
    end_child(b);
    close(sa.ready_fd);
    if (sb.ready_fd >= 0)
        close(sb.ready_fd);
    unlink(out);
    unlink(folded);
    if (b < 0) {
        printf("ident: skipped pytop across a reused PID (PID %d was taken by others)\n", (int)a);
        return;
    }
    ck_assert_msg(saw_a, "%s: pytop never showed before_reuse", py->label);
    ck_assert_msg(b_ready, "%s: the second reuse.py did not start", py->label);
    ck_assert_msg(rc == 0, "%s: pytop ended with %d (-1: still running after %d ms)", py->label, rc,
                  PYTOP_END_MS);
    ck_assert_msg(!read_b, "%s: pytop read the new process under PID %d", py->label, (int)a);
    ck_assert_msg(last, "%s: the last line is not \"%.*s\"", py->label, (int)wl - 1, want);
    ck_assert_msg(folded_a, "%s: the --collapsed file lacks before_reuse", py->label);
}
END_TEST

Suite *suite_ident(void)
{
    Suite *s = suite_create("ident");
    TCase *unit = tcase_create("verdicts");
    tcase_add_test(unit, judge_start_time);
    tcase_add_test(unit, live_exit_and_reap);
    suite_add_tcase(s, unit);
    TCase *reuse = tcase_create("reuse");
    tcase_set_timeout(reuse, 120);
    tcase_add_test(reuse, forced_reuse_ident);
    tcase_add_test(reuse, pytop_never_reads_the_new_process);
    suite_add_tcase(s, reuse);
    return s;
}
