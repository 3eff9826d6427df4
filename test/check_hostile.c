/*
 * check_hostile — broken or hostile input beyond what check_errors (bad
 * targets, bad command lines) and check_batch (bad option values, files
 * and symlinks at the output name) cover:
 *
 *   unsupported_builds   fake libpython files loaded into a process (debug
 *                        by file name and by symbol, free-threaded, an
 *                        unknown minor version): exit 5, saying what was
 *                        found and what is supported
 *   deleted_interpreter  the executable and libpython of a running target
 *                        deleted, then replaced by another version's files:
 *                        as root still read through map_files (the right
 *                        version, the right stack)
 *   deleted_not_root     the same as a user who may not open map_files:
 *                        exit 4 naming map_files, never "not Python"
 *   output_dirs          --collapsed/--flamegraph/--dump-dir in a missing
 *                        directory, a read-only mount, or (as nobody) a
 *                        directory of root's: refused at the start, exit 2
 *   disk_full            the flame graph does not fit: exit 7, the reason,
 *                        and no file or temporary file left behind
 *   output_names         names with spaces and non-ASCII characters
 *   overhead_guard       an impossible rate: ticks are skipped and counted
 *                        late, and pytop uses less than one core
 *
 * Root-only cases (mounts, setpriv) say plainly when they are skipped.
 * Every process started here is stopped before any assertion runs.
 */
#include "harness.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define WHY_MAX 2048
#define RUN_S 30
#define NOBODY "65534"

struct ran {
    int rc;
    char *out, *err;
};

static struct ran run(char *const argv[])
{
    struct ran r = {0};
    r.rc = harness_run(argv, &r.out, &r.err, RUN_S);
    if (!r.out)
        r.out = strdup("");
    if (!r.err)
        r.err = strdup("");
    return r;
}

static void ran_free(struct ran *r) { free(r->out), free(r->err); }

/* Exit status rc, nothing on stdout, every needle on stderr. */
static bool refused(const struct ran *r, int rc, const char *const *needles, char *why)
{
    if (r->rc != rc)
        return harness_why(why, WHY_MAX, "exit %d, expected %d; stderr: %s", r->rc, rc, r->err);
    if (*r->out)
        return harness_why(why, WHY_MAX, "printed on stdout: %.300s", r->out);
    for (size_t i = 0; needles[i]; i++)
        if (!strstr(r->err, needles[i]))
            return harness_why(why, WHY_MAX, "stderr lacks \"%s\": %s", needles[i], r->err);
    return true;
}

static bool is_root(const char *test)
{
    if (geteuid() == 0 && access("/usr/bin/setpriv", X_OK) == 0)
        return true;
    printf("skipped: hostile/%s (needs root and setpriv)\n", test);
    return false;
}

static const struct py_interp *interp(const char *label)
{
    const struct py_interp *all;
    size_t n = harness_interps(&all);
    for (size_t i = 0; i < n; i++)
        if ((!label || strcmp(all[i].label, label) == 0) && all[i].path[0])
            return &all[i];
    return NULL;
}

/* Remove dir and everything in it (one level of subdirectories). */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[PATH_MAX];
    while (d && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0)
            remove_tree(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* The names in dir other than those listed, space-separated ("" if none). */
static void strangers(const char *dir, const char *const *known, char *list, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    list[0] = '\0';
    while (d && (e = readdir(d)) != NULL) {
        bool ok = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
        for (size_t i = 0; known[i] && !ok; i++)
            ok = strcmp(e->d_name, known[i]) == 0;
        if (!ok)
            snprintf(list + strlen(list), cap - strlen(list), " '%s'", e->d_name);
    }
    if (d)
        closedir(d);
}

static pid_t start_spin(const char *python, const char *script)
{
    char path[PATH_MAX];
    if (!script)
        snprintf(path, sizeof path, "%s/test/targets/spin.py", harness_root());
    char *args[] = {"-B", "-s", (char *)(script ? script : path), NULL};
    return harness_start_target(python, args, RUN_S);
}

/* `pytop --once PID` (bin: NULL for the one under test; as_nobody: through
 * setpriv). */
static struct ran once(pid_t pid, const char *bin, bool as_nobody)
{
    char pidarg[16];
    snprintf(pidarg, sizeof pidarg, "%d", (int)pid);
    char *plain[] = {(char *)(bin ? bin : harness_pytop()), "--once", pidarg, NULL};
    char *nobody[] = {"/usr/bin/setpriv", "--reuid=" NOBODY, "--regid=" NOBODY, "--clear-groups",
                      "--inh-caps=-all", "--", plain[0], "--once", pidarg, NULL};
    return run(as_nobody ? nobody : plain);
}

/* A good snapshot: exit 0, the version and the hot function shown. */
static bool snapshot_ok(pid_t pid, const char *version, const char *step, char *why)
{
    struct ran r = once(pid, NULL, false);
    bool ok = r.rc == 0 && strstr(r.out, version) && strstr(r.out, "hot (");
    if (!ok)
        harness_why(why, WHY_MAX, "%s: exit %d, want \"%s\" and hot(); stdout: %.600s; stderr: %s",
                    step, r.rc, version, r.out, r.err);
    ran_free(&r);
    return ok;
}

/* ------------------------------------------------------------------------
 * Unsupported builds, through the real attach path: a small shared object
 * named and shaped like libpython (Py_Version, a debug-only symbol) loaded
 * into a process that is not Python otherwise. No debug CPython needs to
 * be installed.
 */
static const char fake_source[] = "const unsigned int Py_Version = PYV;\n"
                                   "#ifdef REFTOTAL\nlong _Py_RefTotal; /* Py_DEBUG only */\n#endif\n";

static const struct fake {
    const char *lib, *version, *refs, *says;
} fakes[] = {
    {"libpython3.12d.so", "-DPYV=0x030C01F0", NULL, "CPython 3.12.1 (debug build) in "},
    {"libpython3.11.so", "-DPYV=0x030B07F0", "-DREFTOTAL", "CPython 3.11.7 (debug build) in "},
    {"libpython3.13t.so", "-DPYV=0x030D00F0", NULL, "CPython 3.13.0 (free-threaded build) in "},
    {"libpython3.99.so", "-DPYV=0x036300F0", NULL, "CPython 3.99.0 in "},
};
#define NFAKES (int)(sizeof fakes / sizeof fakes[0])

/* rc of the compiler: 127 when there is none. */
static int build_fake(const struct fake *f, const char *dir, char *lib, size_t cap)
{
    char src[PATH_MAX];
    snprintf(src, sizeof src, "%s/fake.c", dir);
    snprintf(lib, cap, "%s/%s", dir, f->lib);
    FILE *fp = fopen(src, "w");
    if (!fp || fputs(fake_source, fp) < 0 || fclose(fp) != 0)
        return -1;
    const char *cc = getenv("CC") && *getenv("CC") ? getenv("CC") : "cc";
    char *argv[] = {(char *)cc, "-shared", "-fPIC", (char *)f->version, "-o", lib, src,
                    (char *)f->refs /* may be NULL: the end */, NULL};
    struct ran r = run(argv);
    int rc = r.rc;
    ran_free(&r);
    return rc;
}

/* A child of ours with lib loaded, sleeping; its pid, or -1. */
static pid_t host_fake(const char *lib)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        char ok = dlopen(lib, RTLD_NOW) ? 'R' : 'E';
        if (write(p[1], &ok, 1) != 1 || ok != 'R')
            _exit(1);
        for (;;)
            pause();
    }
    close(p[1]);
    char c = 0;
    struct pollfd pfd = {p[0], POLLIN, 0};
    bool ready = pid > 0 && poll(&pfd, 1, RUN_S * 1000) == 1 && read(p[0], &c, 1) == 1 && c == 'R';
    close(p[0]);
    if (!ready && pid > 0)
        harness_stop_target(pid);
    return ready ? pid : -1;
}

START_TEST(unsupported_builds)
{
    const struct fake *f = &fakes[_i];
    char dir[] = "/tmp/pytop-fakepy-XXXXXX", lib[PATH_MAX], why[WHY_MAX] = "";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    int rc = build_fake(f, dir, lib, sizeof lib);
    if (rc == 127) {
        printf("skipped: hostile/unsupported_builds %s (no C compiler to build the fake)\n", f->lib);
        remove_tree(dir);
        return;
    }
    pid_t pid = rc == 0 ? host_fake(lib) : -1;
    bool ok = false;
    if (rc != 0)
        harness_why(why, WHY_MAX, "could not build %s (cc exit %d)", lib, rc);
    else if (pid < 0)
        harness_why(why, WHY_MAX, "could not load %s", lib);
    else {
        struct ran r = once(pid, NULL, false);
        const char *needles[] = {"not supported", f->says, lib, "pytop supports release", NULL};
        ok = refused(&r, 5, needles, why);
        ran_free(&r);
    }
    harness_stop_target(pid);
    remove_tree(dir);
    ck_assert_msg(ok, "%s: %s", f->lib, why);
}
END_TEST

/* ------------------------------------------------------------------------
 * The interpreter's files deleted or replaced under a running target.
 */

/* pyenv layout: VERSION/bin/pythonX.Y and VERSION/lib/libpythonX.Y.so.1.0. */
#define FILE_NAME_CAP 64
static bool pyenv_files(const struct py_interp *py, char home[PATH_MAX], char exe[FILE_NAME_CAP],
                        char lib[FILE_NAME_CAP])
{
    snprintf(home, PATH_MAX, "%s", py->path);
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(home, '/');
        if (!slash)
            return false;
        *slash = '\0';
    }
    snprintf(exe, FILE_NAME_CAP, "python%d.%d", py->major, py->minor);
    snprintf(lib, FILE_NAME_CAP, "libpython%d.%d.so.1.0", py->major, py->minor);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/lib/%s", home, lib);
    return access(py->path, R_OK) == 0 && access(path, R_OK) == 0;
}

static bool maps_has(pid_t pid, const char *needle)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    char *maps = harness_read_file(path);
    bool yes = maps && strstr(maps, needle);
    free(maps);
    return yes;
}

/* home's bin/EXE and lib/LIB copied to dir's bin/AS_EXE and lib/AS_LIB. */
static bool pyenv_copy(const char *home, const char *exe, const char *lib, const char *dir,
                       const char *as_exe, const char *as_lib)
{
    char from[PATH_MAX], to[PATH_MAX];
    snprintf(from, sizeof from, "%s/bin/%s", home, exe);
    snprintf(to, sizeof to, "%s/bin/%s", dir, as_exe);
    bool ok = harness_copy_file(from, to, 0755);
    snprintf(from, sizeof from, "%s/lib/%s", home, lib);
    snprintf(to, sizeof to, "%s/lib/%s", dir, as_lib);
    return ok && harness_copy_file(from, to, 0755);
}

static bool deleted_steps(pid_t pid, const char *dir, const char *exe, const char *lib,
                          const struct py_interp *other, char *why)
{
    char version[32], deleted[PATH_MAX + 16], path[PATH_MAX];
    snprintf(deleted, sizeof deleted, "%s/lib/%s (deleted)", dir, lib);
    snprintf(path, sizeof path, "%s/lib/%s", dir, lib);
    if (!maps_has(pid, path))
        return harness_why(why, WHY_MAX, "the target does not map the copy %s", path);
    /* the version as pytop reads it while the files are there */
    struct ran r = once(pid, NULL, false);
    const char *v = strstr(r.out, "\nPython ");
    if (v)
        snprintf(version, sizeof version, "Python %.*s", (int)strcspn(v + 8, " ("), v + 8);
    ran_free(&r);
    if (!v || !snapshot_ok(pid, version, "files in place", why))
        return v ? false : harness_why(why, WHY_MAX, "files in place: no version in pytop --once");
    char bin[PATH_MAX];
    snprintf(bin, sizeof bin, "%s/bin/%s", dir, exe);
    if (unlink(bin) != 0 || unlink(path) != 0 || !maps_has(pid, deleted))
        return harness_why(why, WHY_MAX, "could not delete %s and %s", bin, path);
    if (!snapshot_ok(pid, version, "files deleted", why))
        return false;
    char home[PATH_MAX], oexe[FILE_NAME_CAP], olib[FILE_NAME_CAP];
    if (!other || !pyenv_files(other, home, oexe, olib)) {
        printf("skipped: hostile/deleted_interpreter, replaced files (no second pyenv Python)\n");
        return true;
    }
    if (!pyenv_copy(home, oexe, olib, dir, exe, lib))
        return harness_why(why, WHY_MAX, "could not put %s's files in place of %s's", other->label, lib);
    return snapshot_ok(pid, version, "files replaced by another version's", why);
}

START_TEST(deleted_interpreter)
{
    const struct py_interp *py = interp("pyenv-3.12"), *other = interp("pyenv-3.11");
    char home[PATH_MAX], exe[FILE_NAME_CAP], lib[FILE_NAME_CAP];
    if (!py || !pyenv_files(py, home, exe, lib)) {
        printf("skipped: hostile/deleted_interpreter (pyenv 3.12 with libpython not present)\n");
        return;
    }
    char dir[] = "/tmp/pytop-deleted-XXXXXX", sub[PATH_MAX], why[WHY_MAX] = "";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/bin", dir);
    mkdir(sub, 0755);
    snprintf(sub, sizeof sub, "%s/lib", dir);
    mkdir(sub, 0755);
    bool ok = pyenv_copy(home, exe, lib, dir, exe, lib);
    pid_t pid = -1;
    if (ok) {
        char python[PATH_MAX];
        snprintf(python, sizeof python, "%s/bin/%s", dir, exe);
        setenv("LD_LIBRARY_PATH", sub, 1);
        setenv("PYTHONHOME", home, 1);
        pid = start_spin(python, NULL);
        unsetenv("LD_LIBRARY_PATH");
        unsetenv("PYTHONHOME");
    }
    if (!ok)
        harness_why(why, WHY_MAX, "could not copy %s's files to %s", py->label, dir);
    else if (pid < 0)
        ok = harness_why(why, WHY_MAX, "the copied %s did not start", py->label);
    else
        ok = deleted_steps(pid, dir, exe, lib, other, why);
    harness_stop_target(pid);
    remove_tree(dir);
    ck_assert_msg(ok, "%s: %s", py->label, why);
}
END_TEST

/* Non-root: map_files is closed to it, so a deleted interpreter cannot be
 * read; pytop must say so (exit 4), not claim the process has no Python. */
START_TEST(deleted_not_root)
{
    const struct py_interp *py = interp("debian-3.11");
    if (!is_root("deleted_not_root"))
        return;
    if (!py) {
        printf("skipped: hostile/deleted_not_root (/usr/bin/python3.11, readable by nobody, not present)\n");
        return;
    }
    char dir[] = "/tmp/pytop-nobody-XXXXXX", python[PATH_MAX], script[PATH_MAX], bin[PATH_MAX],
         src[PATH_MAX], why[WHY_MAX] = "";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    chmod(dir, 0755);
    snprintf(python, sizeof python, "%s/python", dir);
    snprintf(script, sizeof script, "%s/spin.py", dir);
    snprintf(bin, sizeof bin, "%s/pytop", dir);
    snprintf(src, sizeof src, "%s/test/targets/spin.py", harness_root());
    bool ok = harness_copy_file(py->path, python, 0755) && harness_copy_file(src, script, 0644) &&
              harness_copy_file(harness_pytop(), bin, 0755);
    char *args[] = {"--reuid=" NOBODY, "--regid=" NOBODY, "--clear-groups", "--inh-caps=-all",
                    "--", python, "-B", "-s", script, NULL};
    pid_t pid = ok ? harness_start_target("/usr/bin/setpriv", args, RUN_S) : -1;
    struct ran r = {0};
    if (!ok || pid < 0)
        ok = harness_why(why, WHY_MAX, "could not start %s as nobody", python);
    else if ((r = once(pid, bin, true)).rc != 0)
        ok = harness_why(why, WHY_MAX, "nobody cannot read its own process (ptrace_scope?): exit %d: %s",
                         r.rc, r.err);
    ran_free(&r);
    if (ok && unlink(python) != 0)
        ok = harness_why(why, WHY_MAX, "cannot delete %s: %s", python, strerror(errno));
    if (ok) {
        r = once(pid, bin, true);
        const char *needles[] = {"permission denied", "deleted or replaced", "map_files", "run pytop as root",
                                 python, NULL};
        ok = refused(&r, 4, needles, why);
        ran_free(&r);
    }
    if (ok)
        ok = snapshot_ok(pid, "Python 3.11", "as root after the deletion", why);
    harness_stop_target(pid);
    remove_tree(dir);
    ck_assert_msg(ok, "%s", why);
}
END_TEST

/* ------------------------------------------------------------------------
 * Output files.
 */

/* pytop -b with extra arguments (NULL-terminated) against pid. */
static struct ran batch(pid_t pid, const char *const *extra, bool as_nobody, const char *bin)
{
    char pidarg[16];
    snprintf(pidarg, sizeof pidarg, "%d", (int)pid);
    char *argv[24];
    size_t n = 0;
    if (as_nobody) {
        const char *pre[] = {"/usr/bin/setpriv", "--reuid=" NOBODY, "--regid=" NOBODY, "--clear-groups",
                             "--inh-caps=-all", "--"};
        for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
            argv[n++] = (char *)pre[i];
    }
    argv[n++] = (char *)(bin ? bin : harness_pytop());
    argv[n++] = "-b";
    argv[n++] = "-t";
    argv[n++] = "0.5";
    argv[n++] = "-d";
    argv[n++] = "0.5";
    for (size_t i = 0; extra[i] && n < 22; i++)
        argv[n++] = (char *)extra[i];
    argv[n++] = pidarg;
    argv[n] = NULL;
    return run(argv);
}

/* Refused at the start with exit 2, the option and the reason named, and
 * nothing created at path. */
static bool refused_at_start(pid_t pid, const char *opt, const char *path, const char *reason,
                             bool as_nobody, const char *bin, char *why)
{
    const char *extra[] = {opt, path, NULL};
    struct ran r = batch(pid, extra, as_nobody, bin);
    const char *needles[] = {opt, reason, NULL};
    bool ok = refused(&r, 2, needles, why);
    ran_free(&r);
    struct stat st;
    if (ok && strcmp(opt, "--dump-dir") != 0 && lstat(path, &st) == 0)
        ok = harness_why(why, WHY_MAX, "%s %s: refused, yet the file exists", opt, path);
    return ok;
}

/* Fork; in a private mount namespace (so no mount outlives the test) run
 * body; its verdict and reason come back through a pipe. */
static bool in_mount_ns(bool (*body)(void *, char *), void *arg, char *why)
{
    int p[2];
    if (pipe(p) != 0)
        return harness_why(why, WHY_MAX, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        char mine[WHY_MAX] = "";
        bool ok = unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0
                      ? body(arg, mine)
                      : harness_why(mine, WHY_MAX, "no private mount namespace: %s", strerror(errno));
        ssize_t w = write(p[1], mine, strlen(mine));
        (void)w;
        _exit(ok ? 0 : 1);
    }
    close(p[1]);
    ssize_t n = pid > 0 ? read(p[0], why, WHY_MAX - 1) : -1;
    why[n > 0 ? n : 0] = '\0';
    close(p[0]);
    int status = 1;
    if (pid > 0)
        waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    return why[0] ? false : harness_why(why, WHY_MAX, "the namespace child failed (status %#x)", status);
}

struct mounted {
    pid_t target;
    char dir[64];
};

/* A read-only mount: refused before sampling, for files and --dump-dir. */
static bool ro_body(void *arg, char *why)
{
    struct mounted *m = arg;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/stacks.folded", m->dir);
    if (mount("tmpfs", m->dir, "tmpfs", MS_RDONLY, "size=64k") != 0)
        return harness_why(why, WHY_MAX, "mount -o ro %s: %s", m->dir, strerror(errno));
    return refused_at_start(m->target, "--collapsed", path, "Read-only file system", false, NULL, why) &&
           refused_at_start(m->target, "--dump-dir", m->dir, "Read-only file system", false, NULL, why);
}

/* Fill the file system at dir until `room` bytes are left. */
static bool fill(const char *dir, unsigned long room, char *why)
{
    struct statvfs vfs;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/filler", dir);
    if (statvfs(dir, &vfs) != 0)
        return harness_why(why, WHY_MAX, "statvfs %s: %s", dir, strerror(errno));
    unsigned long left = vfs.f_bavail * vfs.f_frsize - room;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    static const char zeros[4096];
    while (fd >= 0 && left > 0) {
        ssize_t w = write(fd, zeros, left < sizeof zeros ? left : sizeof zeros);
        if (w <= 0)
            break;
        left -= (unsigned long)w;
    }
    if (fd < 0 || close(fd) != 0 || left)
        return harness_why(why, WHY_MAX, "could not fill %s", dir);
    return true;
}

/* 4 KiB left: the flame graph (its script alone is larger) starts being
 * written and then runs out of room. */
static bool full_body(void *arg, char *why)
{
    struct mounted *m = arg;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/flame graph ü.svg", m->dir);
    if (mount("tmpfs", m->dir, "tmpfs", 0, "size=64k") != 0)
        return harness_why(why, WHY_MAX, "mount %s: %s", m->dir, strerror(errno));
    if (!fill(m->dir, 4096, why))
        return false;
    const char *extra[] = {"--flamegraph", path, NULL};
    struct ran r = batch(m->target, extra, false, NULL);
    bool ok = true;
    if (r.rc != 7 || !strstr(r.err, "could not be written") || !strstr(r.err, "No space left") ||
        !strstr(r.err, path))
        ok = harness_why(why, WHY_MAX, "exit %d (want 7), stderr: %s", r.rc, r.err);
    else if (!strstr(r.out, "%Own"))
        ok = harness_why(why, WHY_MAX, "the run itself printed no table: %.300s", r.out);
    ran_free(&r);
    char left[1024];
    const char *known[] = {"filler", NULL};
    strangers(m->dir, known, left, sizeof left);
    return ok && left[0] ? harness_why(why, WHY_MAX, "left behind on the full disk:%s", left) : ok;
}

/* spin.py on pyenv 3.12, else the first interpreter present; when there
 * is none, says that test was skipped. */
static pid_t start_primary(const struct py_interp **py, const char *test)
{
    *py = interp("pyenv-3.12");
    if (!*py)
        *py = interp(NULL);
    if (!*py && test)
        printf("skipped: hostile/%s (no interpreter present)\n", test);
    return *py ? start_spin((*py)->path, NULL) : -1;
}

START_TEST(output_dirs)
{
    char why[WHY_MAX] = "";
    pid_t self = getpid(); /* refused before any attach: the PID does not matter */
    bool ok = refused_at_start(self, "--flamegraph", "/nonexistent-pytop/graph.svg",
                               "No such file or directory", false, NULL, why) &&
              refused_at_start(self, "--collapsed", "/etc/passwd/x.folded", "Not a directory", false,
                               NULL, why);
    ck_assert_msg(ok, "%s", why);
    if (!is_root("output_dirs as nobody and on a read-only mount"))
        return;
    /* as nobody: a directory of root's; the binary copied where nobody can run it */
    char dir[] = "/tmp/pytop-outdir-XXXXXX", bin[PATH_MAX], path[PATH_MAX];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    chmod(dir, 0755);
    snprintf(bin, sizeof bin, "%s/pytop", dir);
    snprintf(path, sizeof path, "%s/stacks.folded", dir);
    if (!harness_copy_file(harness_pytop(), bin, 0755))
        ok = harness_why(why, WHY_MAX, "cannot copy pytop to %s", dir);
    else
        ok = refused_at_start(self, "--collapsed", path, "Permission denied", true, bin, why) &&
             refused_at_start(self, "--dump-dir", dir, "Permission denied", true, bin, why);
    struct mounted m = {self, ""};
    snprintf(m.dir, sizeof m.dir, "%s/ro", dir);
    mkdir(m.dir, 0755);
    if (ok)
        ok = in_mount_ns(ro_body, &m, why);
    remove_tree(dir);
    ck_assert_msg(ok, "%s", why);
}
END_TEST

START_TEST(disk_full)
{
    if (!is_root("disk_full (mounts a small tmpfs)"))
        return;
    const struct py_interp *py;
    struct mounted m = {start_primary(&py, "disk_full"), "/tmp/pytop-full-XXXXXX"};
    if (!py)
        return;
    char why[WHY_MAX] = "";
    bool ok = false;
    if (!mkdtemp(m.dir))
        harness_why(why, WHY_MAX, "mkdtemp: %s", strerror(errno));
    else if (m.target <= 0)
        harness_why(why, WHY_MAX, "no target started");
    else
        ok = in_mount_ns(full_body, &m, why);
    harness_stop_target(m.target);
    remove_tree(m.dir);
    ck_assert_msg(ok, "%s: %s", py->label, why);
}
END_TEST

START_TEST(output_names)
{
    const struct py_interp *py;
    pid_t pid = start_primary(&py, "output_names");
    if (!py)
        return;
    char dir[] = "/tmp/pytop-names-XXXXXX", sub[64], folded[PATH_MAX], svg[PATH_MAX];
    char why[WHY_MAX] = "";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/a dir ö", dir);
    mkdir(sub, 0755);
    snprintf(folded, sizeof folded, "%s/stacks é 計算.folded", sub);
    snprintf(svg, sizeof svg, "%s/flame graph 'ü\".svg", sub);
    const char *extra[] = {"--collapsed", folded, "--flamegraph", svg, NULL};
    struct ran r = pid > 0 ? batch(pid, extra, false, NULL) : (struct ran){-1, strdup(""), strdup("")};
    char *text = harness_read_file(folded), *graph = harness_read_file(svg), left[1024];
    bool ok = r.rc == 0 ? true : harness_why(why, WHY_MAX, "exit %d: %s", r.rc, r.err);
    if (ok && !(text && strstr(text, "hot (") && strstr(text, "spin.py")))
        ok = harness_why(why, WHY_MAX, "%s: %.300s", folded, text ? text : "(missing)");
    if (ok && !(graph && strncmp(graph, "<?xml", 5) == 0 && strstr(graph, "hot (")))
        ok = harness_why(why, WHY_MAX, "%s: not the flame graph", svg);
    const char *known[] = {"stacks é 計算.folded", "flame graph 'ü\".svg", NULL};
    strangers(sub, known, left, sizeof left);
    if (ok && left[0])
        ok = harness_why(why, WHY_MAX, "left behind:%s", left);
    free(text), free(graph), ran_free(&r);
    harness_stop_target(pid);
    remove_tree(dir);
    ck_assert_msg(ok, "%s: %s", py->label, why);
}
END_TEST

/* ------------------------------------------------------------------------
 * Overhead guard: at a rate no machine sustains, the sampler skips the
 * deadlines it missed (counting them late) instead of running flat out to
 * catch up. Behaviour, not speed: late ticks are counted, and pytop's
 * CPU time (user + system, from the kernel's accounting of its reaped
 * child) stays below the wall time, i.e. under one core.
 */
static double children_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

START_TEST(overhead_guard)
{
    const struct py_interp *py;
    pid_t pid = start_primary(&py, "overhead_guard");
    if (!py)
        return;
    char pidarg[16];
    snprintf(pidarg, sizeof pidarg, "%d", (int)pid);
    char *argv[] = {(char *)harness_pytop(), "-b", "-r", "100000", "-t", "2", "-d", "2", pidarg, NULL};
    double cpu0 = children_cpu_s();
    long t0 = harness_now_ms();
    struct ran r = pid > 0 ? run(argv) : (struct ran){-1, strdup(""), strdup("")};
    double wall = (double)(harness_now_ms() - t0) / 1000, cpu = children_cpu_s() - cpu0;
    harness_stop_target(pid); /* reaped after the measurement */
    unsigned long long samples = 0, late = 0;
    const char *at = strstr(r.out, " Hz, ");
    bool parsed = at && sscanf(at, " Hz, %llu samples, late %llu", &samples, &late) == 2;
    char why[WHY_MAX] = "";
    bool ok = true;
    if (r.rc != 0)
        ok = harness_why(why, WHY_MAX, "exit %d: %s", r.rc, r.err);
    else if (!parsed)
        ok = harness_why(why, WHY_MAX, "no \"N samples, late N\" in: %.400s", r.out);
    else if (late == 0)
        ok = harness_why(why, WHY_MAX, "no tick counted late at 100 kHz: %.400s", r.out);
    else if (late > 100000ull * (unsigned long long)(wall + 1))
        ok = harness_why(why, WHY_MAX, "%llu late: more than were due in %.1f s", late, wall);
    else if (cpu >= wall)
        ok = harness_why(why, WHY_MAX, "pytop used %.2f s of CPU in %.2f s: more than one core", cpu, wall);
    printf("hostile/overhead_guard: %s at -r 100000: %llu samples, %llu late, %.2f s CPU in %.2f s\n",
           py->label, samples, late, cpu, wall);
    ran_free(&r);
    ck_assert_msg(ok, "%s: %s", py->label, why);
}
END_TEST

/* pytop only reads its targets: the binary links no call that writes
 * another process's memory. (ptrace itself is linked for --blocking; the
 * source is checked for the requests that write.) */
START_TEST(never_writes_the_target)
{
    char *out = NULL, *err = NULL;
    char *const nm[] = {"nm", "-D", "--undefined-only", (char *)harness_pytop(), NULL};
    int st = harness_run(nm, &out, &err, 30);
    ck_assert_msg(st == 0 && out && strstr(out, "process_vm_readv"), "nm -D failed (%d): %s", st,
                  err ? err : "");
    ck_assert_msg(!strstr(out, "process_vm_writev"), "pytop links process_vm_writev");
    free(out);
    free(err);
    char path[4096];
    snprintf(path, sizeof path, "%s/src", harness_root());
    char *const grep[] = {"grep", "-rlE", "process_vm_writev|PTRACE_POKE|PTRACE_SET(REGS|FPREGS|REGSET)", path,
                          NULL};
    st = harness_run(grep, &out, &err, 30);
    ck_assert_msg(st == 1 && (!out || !*out), "source that writes to a target: %s", out ? out : "");
    free(out);
    free(err);
}
END_TEST

Suite *suite_hostile(void)
{
    Suite *s = suite_create("hostile");
    TCase *tc = tcase_create("targets");
    tcase_set_timeout(tc, 90);
    tcase_add_loop_test(tc, unsupported_builds, 0, NFAKES);
    tcase_add_test(tc, deleted_interpreter);
    tcase_add_test(tc, deleted_not_root);
    suite_add_tcase(s, tc);
    tc = tcase_create("files");
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, output_dirs);
    tcase_add_test(tc, disk_full);
    tcase_add_test(tc, output_names);
    suite_add_tcase(s, tc);
    tc = tcase_create("overhead");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, overhead_guard);
    tcase_add_test(tc, never_writes_the_target);
    suite_add_tcase(s, tc);
    return s;
}
