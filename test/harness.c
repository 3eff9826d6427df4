/* harness — the test runner's main, interpreter discovery, process helpers. */
#include "harness.h"

#include "pytop/util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct py_interp interps[] = {
    {"pyenv-2.7", "", 2, 7},   {"pyenv-3.6", "", 3, 6},   {"pyenv-3.7", "", 3, 7},
    {"pyenv-3.8", "", 3, 8},   {"pyenv-3.9", "", 3, 9},   {"pyenv-3.10", "", 3, 10},
    {"pyenv-3.11", "", 3, 11}, {"pyenv-3.12", "", 3, 12}, {"pyenv-3.13", "", 3, 13},
    {"debian-3.11", "", 3, 11}, {"debian-sid-3.13", "", 3, 13}, {"debian-sid-3.14", "", 3, 14},
};
#define NINTERPS (sizeof interps / sizeof interps[0])

static bool executable(const char *p) { return access(p, X_OK) == 0; }

static void find_pyenv(struct py_interp *py)
{
    const char *root = getenv("PYENV_ROOT");
    char rootbuf[512];
    if (!root || !*root) {
        snprintf(rootbuf, sizeof rootbuf, "%s/.pyenv", getenv("HOME") ? getenv("HOME") : "/root");
        root = rootbuf;
    }
    char dir[600];
    snprintf(dir, sizeof dir, "%s/versions", root);
    char pattern[32];
    snprintf(pattern, sizeof pattern, "%d.%d.", py->major, py->minor);
    FILE *ls;
    char cmd[700];
    snprintf(cmd, sizeof cmd, "ls -1 '%s' 2>/dev/null", dir);
    if (!(ls = popen(cmd, "r")))
        return;
    char name[256];
    while (fgets(name, sizeof name, ls)) {
        name[strcspn(name, "\n")] = '\0';
        if (strncmp(name, pattern, strlen(pattern)) != 0)
            continue;
        char path[sizeof py->path];
        int w = snprintf(path, sizeof path, "%s/%s/bin/python%d.%d", dir, name, py->major, py->minor);
        if (w > 0 && (size_t)w < sizeof path && executable(path))
            memcpy(py->path, path, sizeof path);
    }
    pclose(ls);
}

static void find_cached(struct py_interp *py)
{
    const char *cache = getenv("PYTOP_PY_CACHE");
    char buf[512];
    if (!cache || !*cache) {
        const char *xdg = getenv("XDG_CACHE_HOME");
        if (xdg && *xdg)
            snprintf(buf, sizeof buf, "%s/pytop-pythons", xdg);
        else
            snprintf(buf, sizeof buf, "%s/.cache/pytop-pythons", getenv("HOME") ? getenv("HOME") : "/root");
        cache = buf;
    }
    char list[600];
    snprintf(list, sizeof list, "%s/interpreters.txt", cache);
    FILE *f = fopen(list, "r");
    if (!f)
        return;
    char label[128], path[512];
    while (fscanf(f, "%127s %511s", label, path) == 2)
        if (strcmp(label, py->label) == 0 && executable(path))
            snprintf(py->path, sizeof py->path, "%s", path);
    fclose(f);
}

static void discover(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    for (size_t i = 0; i < NINTERPS; i++) {
        struct py_interp *py = &interps[i];
        if (strncmp(py->label, "pyenv-", 6) == 0)
            find_pyenv(py);
        else if (strcmp(py->label, "debian-3.11") == 0 && executable("/usr/bin/python3.11"))
            snprintf(py->path, sizeof py->path, "/usr/bin/python3.11");
        else
            find_cached(py);
    }
}

size_t harness_interps(const struct py_interp **out)
{
    discover();
    *out = interps;
    return NINTERPS;
}

const char *harness_root(void)
{
    const char *r = getenv("PYTOP_ROOT");
    return r && *r ? r : ".";
}

const char *harness_pytop(void)
{
    const char *b = getenv("PYTOP_BIN");
    return b && *b ? b : "./pytop";
}

/* Read everything from fd until EOF or the deadline. */
static char *slurp(int fd)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    ssize_t got;
    while (buf && (got = read(fd, buf + n, cap - n - 1)) != 0) {
        if (got < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        n += (size_t)got;
        if (cap - n < 2) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
        }
    }
    if (buf)
        buf[n] = '\0';
    return buf;
}

int harness_run(char *const argv[], char **out, char **err, int timeout_s)
{
    char outname[] = "/tmp/pytop-test-outXXXXXX", errname[] = "/tmp/pytop-test-errXXXXXX";
    int ofd = mkstemp(outname), efd = mkstemp(errname);
    if (ofd < 0 || efd < 0)
        return -1;
    unlink(outname);
    unlink(errname);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(ofd, 1);
        dup2(efd, 2);
        int nul = open("/dev/null", O_RDONLY);
        dup2(nul, 0);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    for (int waited = 0;; waited++) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (waited >= timeout_s * 100) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        usleep(10000);
    }
    lseek(ofd, 0, SEEK_SET);
    lseek(efd, 0, SEEK_SET);
    if (out)
        *out = slurp(ofd);
    if (err)
        *err = slurp(efd);
    close(ofd);
    close(efd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

pid_t harness_start_target(const char *python, char *const args[], int timeout_s)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], 1);
        char *argv[32];
        size_t n = 0;
        argv[n++] = (char *)python;
        for (size_t i = 0; args && args[i] && n < 31; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        execv(python, argv);
        _exit(127);
    }
    close(p[1]);
    char buf[4096];
    size_t n = 0;
    struct pollfd pfd = {p[0], POLLIN, 0};
    bool ready = false;
    while (!ready && poll(&pfd, 1, timeout_s * 1000) > 0) {
        ssize_t got = read(p[0], buf + n, sizeof buf - n - 1);
        if (got <= 0)
            break;
        n += (size_t)got;
        buf[n] = '\0';
        ready = strstr(buf, "READY") != NULL;
    }
    close(p[0]);
    if (!ready) {
        harness_stop_target(pid);
        return -1;
    }
    return pid;
}

void harness_stop_target(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

long harness_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void harness_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

char *harness_read_file(const char *path)
{
    char *text = NULL;
    return pt_read_file(path, &text, NULL) == PT_OK ? text : NULL;
}

bool harness_why(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return false;
}

bool harness_copy_file(const char *from, const char *to, unsigned mode)
{
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, (mode_t)mode);
    bool ok = in >= 0 && out >= 0;
    char buf[65536];
    ssize_t n;
    while (ok && (n = read(in, buf, sizeof buf)) > 0)
        ok = write(out, buf, (size_t)n) == n;
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0)
        ok = false;
    return ok && chmod(to, (mode_t)mode) == 0;
}

int main(void)
{
    const struct py_interp *py;
    size_t n = harness_interps(&py);
    int missing = 0;
    for (size_t i = 0; i < n; i++)
        if (!py[i].path[0]) {
            printf("skipped: %s (interpreter not installed)\n", py[i].label);
            missing++;
        }
    printf("interpreters: %zu of %zu present\n", n - (size_t)missing, n);
    fflush(stdout);

    Suite *(*const suites[])(void) = {suite_linetable, suite_string, suite_maps, suite_elf,
                                      suite_layout,    suite_cli,    suite_live, suite_errors, suite_hostile,
                                      suite_threadnames, suite_attach, suite_ring, suite_snap, suite_sampler, suite_subprocs,
                                      suite_aggregate, suite_report,
                                      suite_ui_render, suite_viewer,
                                      suite_flamegraph, suite_batch, suite_accuracy,
                                      suite_ident, suite_torn, suite_codecache, suite_chaos};
    SRunner *sr = srunner_create(suites[0]());
    for (size_t i = 1; i < sizeof suites / sizeof suites[0]; i++)
        srunner_add_suite(sr, suites[i]());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

pid_t harness_spawn_bg(char *const argv[], const char *outpath, const char *errpath)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* Check's handlers (a SIGTERM handler kills the process group) must
     * not run in here before the exec */
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGALRM, SIGCHLD};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
    if (getppid() != parent)
        _exit(127);
    int out = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = errpath ? open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644) : 2;
    int nul = open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || nul < 0)
        _exit(127);
    dup2(out, 1);
    dup2(err, 2);
    dup2(nul, 0);
    execvp(argv[0], argv);
    _exit(127);
}

void harness_remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char p[PATH_MAX];
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            (size_t)snprintf(p, sizeof p, "%s/%s", dir, e->d_name) < sizeof p)
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* Calls fn for every row of out whose line holds needle, until it says stop. */
static void each_row(const char *out, const char *needle, bool (*fn)(void *, double, double), void *arg)
{
    for (const char *l = out; l && *l;) {
        const char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) : strlen(l);
        const char *hit = strstr(l, needle);
        double own, total;
        if (hit && hit + strlen(needle) <= l + n && sscanf(l, "%lf %lf", &own, &total) == 2 && !fn(arg, own, total))
            return;
        l = nl ? nl + 1 : NULL;
    }
}

static bool first_row(void *arg, double own, double total)
{
    double *p = arg;
    p[0] = own, p[1] = total, p[2] = 1;
    return false;
}

bool harness_row_pcts(const char *out, const char *needle, double *own, double *total)
{
    double p[3] = {0, 0, 0};
    each_row(out, needle, first_row, p);
    *own = p[0];
    *total = p[1];
    return p[2] != 0;
}

static bool add_own(void *arg, double own, double total)
{
    (void)total;
    *(double *)arg += own;
    return true;
}

double harness_rows_own(const char *out, const char *needle)
{
    double sum = 0;
    each_row(out, needle, add_own, &sum);
    return sum;
}
