/* launch — fork/exec a command and attach once Python is running in it. */
#include "pytop/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POLL_NS 1000000L /* 1 ms */
#define GRACE_MS 1000

/* The viewer owns the terminal: the child gets no keystrokes and writes
 * to out_fd instead (-1: keep pytop's stdin/stdout/stderr). */
static void child_redirect(int out_fd)
{
    if (out_fd < 0)
        return;
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0 && nul != 0) {
        dup2(nul, 0);
        close(nul);
    }
    dup2(out_fd, 1);
    dup2(out_fd, 2);
}

static void child_exec(char **argv, int report_fd, int out_fd)
{
    /* if pytop dies, the child must not linger as an orphan it started */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    child_redirect(out_fd);
    execvp(argv[0], argv);
    int e = errno;
    ssize_t w = write(report_fd, &e, sizeof e);
    (void)w;
    _exit(127);
}

/* Did exec fail? The pipe closes on a successful exec (O_CLOEXEC). */
static int exec_errno(int fd)
{
    int e = 0;
    ssize_t r;
    while ((r = read(fd, &e, sizeof e)) < 0 && errno == EINTR)
        ;
    return r == (ssize_t)sizeof e ? e : 0;
}

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool exited(pid_t child)
{
    int status;
    return waitpid(child, &status, WNOHANG) == child;
}

/* Errors that mean "not up yet": retry until the deadline. */
static bool not_yet(enum pt_err err)
{
    /* PT_EZOMBIE: exiting, not yet reapable; the next round reaps it */
    return err == PT_ENOTPY || err == PT_ENOINTERP || err == PT_EREAD || err == PT_EINVAL ||
           err == PT_EGONE || err == PT_EZOMBIE;
}

/* The output file, appended to; a symlink at its name is refused. */
static enum pt_err open_output(const char *output, int *fd, struct pt_sb *why)
{
    *fd = -1;
    if (!output)
        return PT_OK;
    *fd = open(output, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (*fd >= 0)
        return PT_OK;
    pt_sb_printf(why, "cannot open %s for the command's output: %s", output, strerror(errno));
    return PT_EIO;
}

enum pt_err pt_launch(char **argv, const char *output, pid_t *child, struct pt_target *t,
                      struct pt_sb *why)
{
    int p[2], out_fd;
    enum pt_err oerr = open_output(output, &out_fd, why);
    if (oerr != PT_OK)
        return oerr;
    if (pipe2(p, O_CLOEXEC) != 0) {
        if (out_fd >= 0)
            close(out_fd);
        return PT_EIO;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        if (out_fd >= 0)
            close(out_fd);
        return PT_ENOMEM;
    }
    if (pid == 0)
        child_exec(argv, p[1], out_fd); /* dup2 clears O_CLOEXEC on 1 and 2 */
    close(p[1]);
    if (out_fd >= 0)
        close(out_fd);
    int e = exec_errno(p[0]);
    close(p[0]);
    *child = pid;
    if (e) {
        waitpid(pid, NULL, 0);
        *child = 0;
        pt_sb_printf(why, "cannot run '%s': %s", argv[0], strerror(e));
        return PT_EUSAGE;
    }
    struct timespec step = {0, POLL_NS};
    /* a deadline on the clock: each attach attempt takes time too */
    for (long long deadline = mono_ns() + PT_LAUNCH_WAIT_S * 1000000000LL; mono_ns() < deadline;) {
        struct pt_sb ignore;
        pt_sb_init(&ignore);
        enum pt_err err = pt_target_attach(pid, t, &ignore);
        pt_sb_free(&ignore);
        if (err == PT_OK)
            return PT_OK;
        bool gone = exited(pid); /* reaps it: ask once */
        if (gone || !not_yet(err)) {
            if (gone)
                pt_sb_printf(why, "'%s' exited before a Python interpreter started in it", argv[0]);
            *child = gone ? 0 : pid;
            return gone ? PT_ENOTPY : err;
        }
        nanosleep(&step, NULL);
    }
    pt_sb_printf(why, "no Python interpreter started in '%s' within %d s", argv[0], PT_LAUNCH_WAIT_S);
    return PT_ENOTPY;
}

void pt_launch_end(pid_t child)
{
    if (child <= 0 || exited(child))
        return;
    kill(child, SIGTERM);
    struct timespec ms = {0, 1000000L};
    for (int i = 0; i < GRACE_MS; i++) {
        if (exited(child))
            return;
        nanosleep(&ms, NULL);
    }
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
}
