/*
 * check_live — `pytop --once` against a live target, on every interpreter.
 *
 * test/targets/stacks.py parks one thread per kind of stack pytop must read
 * (spinning with the GIL, sleeping, 1200-deep recursion, generator,
 * coroutine, Python -> C -> Python, non-ASCII names and paths) and then
 * prints READY. Each expected line number comes from a "# @marker" comment
 * in the target's source, read at test time, so the targets can be edited
 * without touching this file. The checks are exact: every header line,
 * every frame of ours, thread states, GIL, thread count and TIDs.
 *
 * A thread that has just arrived may not be parked yet, so pytop is run
 * until two snapshots in a row pass (bounded); a stack that is wrong and
 * stays wrong fails early.
 */
#include "harness.h"

#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define START_TIMEOUT_S 20
#define PYTOP_TIMEOUT_S 10
#define POLL_DEADLINE_MS 10000
#define POLL_PAUSE_US 30000
#define STABLE_PASSES 2   /* consecutive good snapshots needed */
#define STALE_FAILURES 8  /* identical bad snapshots: it is not transient */
#define MIN_DEPTH 1000    /* the recursion must stay deeper than this */
#define MAX_SPEC_FRAMES 6
#define WHY_MAX 1024
#define PATH_BUF (PATH_MAX + 128) /* room for test/targets/... under the root */

/* One expected frame. Line numbers come from the marker in the file. */
struct frame_spec {
    const char *name;     /* co_name */
    const char *qualname; /* co_qualname, printed on 3.11+; NULL: same as name */
    const char *file;     /* relative to test/targets */
    const char *marker;   /* the line ends in "# @marker" */
    bool recursive;       /* repeated DEPTH times (stacks.py's DEPTH) */
};

struct thread_spec {
    const char *name; /* threading name */
    int only_major;   /* 0: every version; 2 or 3: that major version only */
    bool main;        /* main thread: spins holding the GIL; whole stack known */
    struct frame_spec frames[MAX_SPEC_FRAMES]; /* leaf first; ends at name NULL */
};

/* What stacks.py runs, thread by thread. Frames below the ones listed are
 * threading.py's own (Thread.run and the bootstrap), except on the main
 * thread, whose stack is listed whole. */
static const struct thread_spec specs[] = {
    {"MainThread", 0, true,
     {{"spin", "Spinner.spin", "stacks.py", "spin", false},
      {"spin_mid", NULL, "stacks.py", "spin-mid", false},
      {"main", NULL, "stacks.py", "main-spin", false},
      {"<module>", NULL, "stacks.py", "module", false}}},
    {"sleeper", 0, false,
     {{"sleeper_leaf", NULL, "stacks.py", "sleeper-leaf", false},
      {"sleeper_mid", NULL, "stacks.py", "sleeper-mid", false}}},
    {"deep", 0, false,
     {{"deep", NULL, "stacks.py", "deep-leaf", false},
      {"deep", NULL, "stacks.py", "deep-call", true},
      {"deep_entry", NULL, "stacks.py", "deep-entry", false}}},
    {"generator", 0, false,
     {{"gen_body", NULL, "stacks.py", "gen-sleep", false},
      {"gen_consumer", NULL, "stacks.py", "gen-consume", false}}},
    /* sorted() calls the key from C: no frame may show up between the two */
    {"c-callback", 0, false,
     {{"c_callback", NULL, "stacks.py", "c-callback", false},
      {"c_caller", NULL, "stacks.py", "c-caller", false}}},
    /* str kinds: ünï is UCS1, 函数 UCS2, 方法_𠀀 (U+20000) UCS4 */
    {"unicode", 3, false,
     {{"方法_𠀀", "Ünïcode.方法_𠀀", "ünï/名前.py", "ucs4", false},
      {"函数", NULL, "ünï/名前.py", "ucs2", false},
      {"ünï", NULL, "ünï/名前.py", "ucs1", false},
      {"entry", NULL, "ünï/名前.py", "entry", false},
      {"unicode_entry", NULL, "stacks.py", "unicode-entry", false}}},
    {"unicode", 2, false,
     {{"leaf", NULL, "ünï/py2.py", "py2-leaf", false},
      {"entry", NULL, "ünï/py2.py", "py2-entry", false},
      {"unicode_entry", NULL, "stacks.py", "unicode-entry", false}}},
    {"coroutine", 3, false,
     {{"coro_body", NULL, "stacks3.py", "coro-sleep", false},
      {"driver", NULL, "stacks3.py", "coro-send", false},
      {"coroutine_entry", NULL, "stacks.py", "coroutine-entry", false}}},
};
#define NSPECS (sizeof specs / sizeof specs[0])

/* Markers of frames that must never be printed. */
static const char *const forbidden[] = {"<interpreter trampoline>", "<shim>", "<unreadable frame",
                                        "<stack cut short", "(no Python frames)"};

/* ------------------------------------------------------------------------
 * Small helpers.
 */

/* A growing array of malloc'd strings. */
struct strv {
    char **v;
    size_t n, cap;
};

static bool strv_push(struct strv *s, char *str)
{
    if (!str)
        return false;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        char **v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            free(str);
            return false;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = str;
    return true;
}

static void strv_free(struct strv *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    *s = (struct strv){0};
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

/* Record why a check failed; always returns false. */
static bool bad(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool bad(char *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, WHY_MAX, fmt, ap);
    va_end(ap);
    return false;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* buf = a/b; false if it does not fit. */
static bool join_path(char *buf, size_t cap, const char *a, const char *b)
{
    int n = snprintf(buf, cap, "%s/%s", a, b);
    return n > 0 && (size_t)n < cap;
}

/* The line number of the single line of path that ends in "# @marker";
 * -1 if there is none or more than one (a typo must not pass silently). */
static int marker_line(const char *path, const char *marker)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char want[128];
    snprintf(want, sizeof want, "# @%s", marker);
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, found = -1, hits = 0;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (ends_with(line, want)) {
            found = lineno;
            hits++;
        }
    }
    free(line);
    fclose(f);
    return hits == 1 ? found : -1;
}

/* stacks.py's "DEPTH = N": how deep the recursive thread goes. */
static int target_depth(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    int depth = -1;
    while (depth < 0 && getline(&line, &cap, f) >= 0)
        if (sscanf(line, "DEPTH = %d", &depth) != 1)
            depth = -1;
    free(line);
    fclose(f);
    return depth;
}

/* ------------------------------------------------------------------------
 * What pytop must print for one interpreter and target.
 */

struct want_thread {
    const struct thread_spec *spec;
    struct strv frames; /* expected frame lines, leaf first */
    int seen;           /* how many output threads matched (must be 1) */
};

struct expect {
    pid_t pid;
    char *process_line, *python_line;
    struct want_thread th[NSPECS];
    size_t nth;
};

static void expect_free(struct expect *e)
{
    free(e->process_line);
    free(e->python_line);
    for (size_t i = 0; i < e->nth; i++)
        strv_free(&e->th[i].frames);
    memset(e, 0, sizeof *e);
}

static bool spec_applies(const struct thread_spec *s, const struct py_interp *py)
{
    return s->only_major == 0 || s->only_major == py->major;
}

/* Expand one thread's frame specs into the exact lines pytop must print. */
static bool expand_frames(const struct thread_spec *s, const struct py_interp *py,
                          const char *dir, int depth, struct strv *out, char *why)
{
    bool qualnames = py->major > 3 || (py->major == 3 && py->minor >= 11);
    for (const struct frame_spec *f = s->frames; f < s->frames + MAX_SPEC_FRAMES && f->name; f++) {
        char path[PATH_BUF];
        int line = join_path(path, sizeof path, dir, f->file) ? marker_line(path, f->marker) : -1;
        if (line < 0)
            return bad(why, "%s: marker '# @%s' missing or not unique", path, f->marker);
        const char *name = qualnames && f->qualname ? f->qualname : f->name;
        for (int k = 0; k < (f->recursive ? depth : 1); k++)
            if (!strv_push(out, xprintf("    %s (%s:%d)", name, path, line)))
                return bad(why, "out of memory");
    }
    return true;
}

static bool expect_threads(struct expect *e, const struct py_interp *py, const char *dir,
                           char *why)
{
    char script[PATH_BUF];
    int depth = join_path(script, sizeof script, dir, "stacks.py") ? target_depth(script) : -1;
    if (depth < MIN_DEPTH)
        return bad(why, "%s: DEPTH is %d; the deep-stack test needs at least %d", script, depth,
                    MIN_DEPTH);
    for (size_t i = 0; i < NSPECS; i++) {
        if (!spec_applies(&specs[i], py))
            continue;
        struct want_thread *w = &e->th[e->nth++];
        w->spec = &specs[i];
        if (!expand_frames(&specs[i], py, dir, depth, &w->frames, why))
            return false;
    }
    return true;
}

/* "X.Y.Z" as the interpreter itself reports it. */
static bool interp_version(const struct py_interp *py, char *ver, size_t cap, char *why)
{
    char *argv[] = {(char *)py->path, "-c",
                    "import sys; sys.stdout.write('%d.%d.%d' % sys.version_info[:3])", NULL};
    char *out = NULL;
    int rc = harness_run(argv, &out, NULL, 20);
    bool ok = rc == 0 && out && *out;
    if (ok)
        snprintf(ver, cap, "%s", out);
    free(out);
    return ok ? true : bad(why, "%s: could not ask the interpreter its version", py->label);
}

/* The ELF file holding the Python runtime, as the kernel names it: the
 * mapped libpython for pyenv's shared builds, else the executable. */
static bool runtime_elf(const struct py_interp *py, pid_t pid, char *path, size_t cap, char *why)
{
    char maps[64];
    snprintf(maps, sizeof maps, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(maps, "r");
    if (!f)
        return bad(why, "cannot read %s", maps);
    char *line = NULL;
    size_t lcap = 0;
    path[0] = '\0';
    while (!path[0] && getline(&line, &lcap, f) >= 0) {
        char *file = strchr(line, '/');
        line[strcspn(line, "\n")] = '\0';
        const char *base = file ? strrchr(file, '/') + 1 : NULL;
        if (base && strncmp(base, "libpython", 9) == 0)
            snprintf(path, cap, "%s", file);
    }
    free(line);
    fclose(f);
    bool pyenv = strncmp(py->label, "pyenv-", 6) == 0;
    if (pyenv != (path[0] != '\0'))
        return bad(why, "%s: libpython %s mapped", py->label, pyenv ? "not" : "unexpectedly");
    if (pyenv) {
        char want[64];
        snprintf(want, sizeof want, "/libpython%d.%d", py->major, py->minor);
        if (!strstr(path, want) || !ends_with(path, ".so.1.0"))
            return bad(why, "%s: unexpected libpython %s", py->label, path);
        return true;
    }
    snprintf(maps, sizeof maps, "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(maps, path, cap - 1);
    if (n <= 0)
        return bad(why, "cannot readlink %s", maps);
    path[n] = '\0';
    return true;
}

/* ------------------------------------------------------------------------
 * Checking one snapshot.
 */

struct header {
    int tid;
    bool has_name;
    char name[128];
    char state[32];
};

/* `Thread TID[ "NAME"] (STATE)` */
static bool parse_header(const char *line, struct header *h)
{
    int pos = 0;
    memset(h, 0, sizeof *h);
    if (sscanf(line, "Thread %d%n", &h->tid, &pos) != 1 || pos == 0)
        return false;
    const char *rest = line + pos, *open = strrchr(rest, '(');
    size_t len = strlen(line);
    if (!open || open == rest || open[-1] != ' ' || line[len - 1] != ')')
        return false;
    snprintf(h->state, sizeof h->state, "%.*s", (int)(line + len - 1 - (open + 1)), open + 1);
    if (open - 1 == rest)
        return true;
    size_t nlen = (size_t)(open - 1 - rest);
    if (nlen < 4 || rest[0] != ' ' || rest[1] != '"' || open[-2] != '"')
        return false;
    h->has_name = true;
    snprintf(h->name, sizeof h->name, "%.*s", (int)(nlen - 3), rest + 2);
    return true;
}

/* "    NAME (/.../threading.py:LINE)" */
static bool is_threading_frame(const char *line)
{
    const char *p = strstr(line, "/threading.py:");
    if (strncmp(line, "    ", 4) != 0 || !p)
        return false;
    p += strlen("/threading.py:");
    size_t digits = strspn(p, "0123456789");
    return digits > 0 && strcmp(p + digits, ")") == 0;
}

/* Split text at newlines, in place. */
static void split_lines(char *text, struct strv *lines)
{
    for (char *p = text; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        if (!strv_push(lines, strdup(p)))
            return;
        p = nl ? nl + 1 : NULL;
    }
}

static struct want_thread *match_thread(struct expect *e, const char *leaf)
{
    for (size_t i = 0; i < e->nth; i++)
        if (leaf && strcmp(e->th[i].frames.v[0], leaf) == 0)
            return &e->th[i];
    return NULL;
}

static bool check_state(const struct header *h, const struct want_thread *w, char *why)
{
    const char *want = w->spec->main ? "active, gil" : "idle";
    if (strcmp(h->state, want) != 0)
        return bad(why, "thread %d (%s): state '%s', expected '%s'", h->tid, w->spec->name,
                    h->state, want);
    return true;
}

static bool check_name(const struct header *h, const struct want_thread *w, bool need_names,
                       char *why)
{
    if (h->has_name && strcmp(h->name, w->spec->name) != 0)
        return bad(why, "thread %d: named \"%s\", expected \"%s\"", h->tid, h->name,
                    w->spec->name);
    if (need_names && !h->has_name)
        return bad(why, "thread %d: no name shown, expected \"%s\"", h->tid, w->spec->name);
    return true;
}

/* The frames of one thread: ours exactly, then only threading.py's. */
static bool check_frames(const struct header *h, const struct want_thread *w, char *const *got,
                         size_t n, char *why)
{
    const struct strv *want = &w->frames;
    for (size_t i = 0; i < want->n; i++) {
        if (i >= n)
            return bad(why, "thread %d (%s): %zu frames, expected %zu or more; missing '%s'",
                        h->tid, w->spec->name, n, want->n, want->v[i]);
        if (strcmp(got[i], want->v[i]) != 0)
            return bad(why, "thread %d (%s): frame %zu is '%s', expected '%s'", h->tid,
                        w->spec->name, i, got[i], want->v[i]);
    }
    if (w->spec->main && n != want->n)
        return bad(why, "thread %d (main): %zu frames, expected exactly %zu", h->tid, n, want->n);
    if (!w->spec->main && n == want->n)
        return bad(why, "thread %d (%s): threading.py's frames are missing", h->tid,
                    w->spec->name);
    for (size_t i = want->n; i < n; i++)
        if (!is_threading_frame(got[i]))
            return bad(why, "thread %d (%s): frame %zu '%s' is not threading.py's", h->tid,
                        w->spec->name, i, got[i]);
    return true;
}

static bool check_tid(const struct expect *e, const struct header *h, int prev_tid,
                      const struct want_thread *w, char *why)
{
    char task[64];
    snprintf(task, sizeof task, "/proc/%d/task/%d", (int)e->pid, h->tid);
    if (h->tid <= prev_tid)
        return bad(why, "thread %d listed after thread %d: not sorted by TID", h->tid, prev_tid);
    if (access(task, F_OK) != 0)
        return bad(why, "thread %d (%s): no such task %s", h->tid, w->spec->name, task);
    if (w->spec->main && h->tid != (int)e->pid)
        return bad(why, "main thread has TID %d, expected the PID %d", h->tid, (int)e->pid);
    return true;
}

/* One thread block: header at lines[0], frames after it. */
static bool check_block(struct expect *e, char *const *lines, size_t n, int prev_tid,
                        bool need_names, char *why)
{
    struct header h;
    if (!parse_header(lines[0], &h))
        return bad(why, "bad thread header '%s'", lines[0]);
    struct want_thread *w = match_thread(e, n > 1 ? lines[1] : NULL);
    if (!w)
        return bad(why, "thread %d: unexpected stack, leaf frame '%s'", h.tid,
                    n > 1 ? lines[1] : "(none)");
    w->seen++;
    return check_tid(e, &h, prev_tid, w, why) && check_state(&h, w, why) &&
           check_name(&h, w, need_names, why) && check_frames(&h, w, lines + 1, n - 1, why);
}

static bool check_forbidden(const char *out, char *why)
{
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
        if (strstr(out, forbidden[i]))
            return bad(why, "output contains '%s'", forbidden[i]);
    return true;
}

static size_t count_tasks(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    size_t n = 0;
    for (struct dirent *de; d && (de = readdir(d));)
        n += de->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static bool check_threads(struct expect *e, const struct strv *L, bool need_names, char *why)
{
    int prev_tid = 0;
    size_t nblocks = 0;
    for (size_t i = 2; i < L->n;) {
        if (L->v[i][0] != '\0' || i + 1 >= L->n)
            return bad(why, "line %zu: expected a blank line before a thread", i + 1);
        size_t start = ++i;
        while (i < L->n && L->v[i][0] != '\0')
            i++;
        if (!check_block(e, L->v + start, i - start, prev_tid, need_names, why))
            return false;
        sscanf(L->v[start], "Thread %d", &prev_tid);
        nblocks++;
    }
    if (nblocks != e->nth)
        return bad(why, "%zu threads shown, expected %zu", nblocks, e->nth);
    size_t tasks = count_tasks(e->pid);
    if (tasks != nblocks) /* every thread of the target runs Python */
        return bad(why, "%zu threads shown, the kernel lists %zu", nblocks, tasks);
    for (size_t i = 0; i < e->nth; i++)
        if (e->th[i].seen != 1)
            return bad(why, "thread '%s' shown %d times", e->th[i].spec->name, e->th[i].seen);
    return true;
}

static bool check_snapshot(struct expect *e, int rc, const char *out, bool need_names, char *why)
{
    if (rc != 0)
        return bad(why, "pytop exited with %d", rc);
    if (!check_forbidden(out, why))
        return false;
    struct strv L = {0};
    char *copy = strdup(out);
    split_lines(copy, &L);
    free(copy);
    for (size_t i = 0; i < e->nth; i++)
        e->th[i].seen = 0;
    bool ok = false;
    if (L.n < 3)
        bad(why, "output has %zu lines", L.n);
    else if (strcmp(L.v[0], e->process_line) != 0)
        bad(why, "first line '%s', expected '%s'", L.v[0], e->process_line);
    else if (strcmp(L.v[1], e->python_line) != 0)
        bad(why, "second line '%s', expected '%s'", L.v[1], e->python_line);
    else
        ok = check_threads(e, &L, need_names, why);
    strv_free(&L);
    return ok;
}

/* ------------------------------------------------------------------------
 * Running it.
 */

/* Print output to stderr, runs of identical lines collapsed (the deep
 * thread has 1200 of them). */
static void dump_output(const char *label, const char *out)
{
    fprintf(stderr, "---- %s: last pytop output ----\n", label);
    struct strv L = {0};
    char *copy = strdup(out ? out : "");
    split_lines(copy, &L);
    free(copy);
    for (size_t i = 0; i < L.n;) {
        size_t j = i + 1;
        while (j < L.n && strcmp(L.v[j], L.v[i]) == 0)
            j++;
        fprintf(stderr, "%s\n", L.v[i]);
        if (j - i > 1)
            fprintf(stderr, "    ... the line above %zu more times\n", j - i - 1);
        i = j;
    }
    strv_free(&L);
}

/* Run pytop until STABLE_PASSES snapshots in a row pass. Returns the last
 * output (caller frees) and whether it passed. */
static bool poll_until_stable(struct expect *e, char *why, char **last)
{
    char pidarg[16];
    snprintf(pidarg, sizeof pidarg, "%d", (int)e->pid);
    char *argv[] = {(char *)harness_pytop(), "--once", pidarg, NULL};
    long deadline = harness_now_ms() + POLL_DEADLINE_MS;
    int passes = 0, stale = 0;
    *last = NULL;
    for (;;) {
        char *out = NULL;
        int rc = harness_run(argv, &out, NULL, PYTOP_TIMEOUT_S);
        bool ok = check_snapshot(e, rc, out ? out : "", false, why);
        stale = !ok && *last && out && strcmp(*last, out) == 0 ? stale + 1 : 0;
        free(*last);
        *last = out;
        passes = ok ? passes + 1 : 0;
        if (passes >= STABLE_PASSES)
            return true;
        if (stale >= STALE_FAILURES || harness_now_ms() > deadline)
            return false;
        usleep(POLL_PAUSE_US);
    }
}

/* Start stacks.py. Through setpriv --pdeathsig where there is one: should
 * Check's timeout kill this test, the spinning target dies with it. */
static pid_t start_target(const struct py_interp *py, const char *script, char **cmdline)
{
    /* Python 3.6 would use ASCII for file names in the C locale. */
    setenv("LC_ALL", "C.UTF-8", 1);
    *cmdline = xprintf("%s -B -s %s", py->path, script);
    if (access("/usr/bin/setpriv", X_OK) == 0) {
        char *args[] = {"--pdeathsig", "KILL", "--", (char *)py->path, "-B", "-s",
                        (char *)script, NULL};
        return harness_start_target("/usr/bin/setpriv", args, START_TIMEOUT_S);
    }
    char *args[] = {"-B", "-s", (char *)script, NULL};
    return harness_start_target(py->path, args, START_TIMEOUT_S);
}

/* Everything that needs the running target; the caller stops it. */
static bool check_target(struct expect *e, const struct py_interp *py, const char *version,
                         bool need_names, char *why)
{
    char elf[PATH_MAX];
    if (!runtime_elf(py, e->pid, elf, sizeof elf, why))
        return false;
    e->python_line = xprintf("Python %s (%s)", version, elf);
    char *out = NULL;
    bool ok = poll_until_stable(e, why, &out);
    if (!ok)
        dump_output(py->label, out);
    /* Names are there or not: checked once the stacks are stable, so that
     * missing names fail fast, and without the noise of the dump. */
    else if (need_names)
        ok = check_snapshot(e, 0, out, true, why);
    free(out);
    return ok;
}

static bool run_live(const struct py_interp *py, bool need_names, char *why)
{
    char root[PATH_MAX], dir[PATH_BUF], script[PATH_BUF], version[32];
    if (!realpath(harness_root(), root))
        return bad(why, "cannot resolve PYTOP_ROOT %s", harness_root());
    if (!join_path(dir, sizeof dir, root, "test/targets") ||
        !join_path(script, sizeof script, dir, "stacks.py"))
        return bad(why, "path too long: %s", root);
    struct expect e = {0};
    char *cmdline = NULL;
    bool ok = interp_version(py, version, sizeof version, why) &&
              expect_threads(&e, py, dir, why);
    if (ok && (e.pid = start_target(py, script, &cmdline)) <= 0)
        ok = bad(why, "%s did not print READY within %d s", script, START_TIMEOUT_S);
    if (ok) {
        e.process_line = xprintf("Process %d: %s", (int)e.pid, cmdline);
        ok = check_target(&e, py, version, need_names, why);
        harness_stop_target(e.pid);
    }
    free(cmdline);
    expect_free(&e);
    return ok;
}

static void live_test(int i, bool need_names)
{
    const struct py_interp *all;
    size_t n = harness_interps(&all);
    ck_assert((size_t)i < n);
    const struct py_interp *py = &all[i];
    if (!py->path[0]) {
        printf("skipped: %s (live test: interpreter not installed)\n", py->label);
        return;
    }
    char why[WHY_MAX] = "";
    bool ok = run_live(py, need_names, why);
    ck_assert_msg(ok, "%s: %s", py->label, why);
}

START_TEST(stacks_exact) { live_test(_i, false); }
END_TEST

/* The same, and every thread must show its threading name (the other test
 * only checks names that are shown). */
START_TEST(thread_names_shown) { live_test(_i, true); }
END_TEST

Suite *suite_live(void)
{
    const struct py_interp *py;
    int n = (int)harness_interps(&py);
    Suite *s = suite_create("live");
    TCase *tc = tcase_create("stacks");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, stacks_exact, 0, n);
    tcase_add_loop_test(tc, thread_names_shown, 0, n);
    suite_add_tcase(s, tc);
    return s;
}
