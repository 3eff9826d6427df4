/*
 * check_batch — the real `pytop -b` binary against live targets: the text
 * format of report.h parsed back field by field (header facts, titles,
 * fixed-column rows, order of every sort column, %Own adding up), the
 * options that shape a table (--sort, --filter, --thread, -l, --window
 * all), the end conditions (-n, -t, the target exiting, signals), the
 * --collapsed and --flamegraph files (read back and compared with the
 * table; never overwriting a file or following a symlink without and
 * with --force), launch mode (-- COMMAND), bad option values, and that a
 * --blocking pytop killed at any moment never leaves the target stopped.
 *
 * Targets (test/targets/batch_*.py) run under setpriv --pdeathsig KILL, so
 * a test killed by its timeout takes its target with it; each test stops
 * its target and removes its files before asserting. One or two
 * interpreters are used (a 3.11+ one and a <= 3.10 one, whose auto modes
 * differ); accuracy across every interpreter is check_accuracy's job.
 */
#include "harness.h"

#include <ctype.h>
#include <dirent.h>
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

#define START_TIMEOUT_S 20
#define RUN_TIMEOUT_S 30   /* a pytop run that should take a second or two */
#define WHY_MAX 2048
#define TCASE_TIMEOUT_S 90
#define MIN_WINDOW 10      /* samples a table needs to say anything */

/* ------------------------------------------------------------------------
 * Small helpers.
 */

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

static bool write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    bool ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

static bool same_text(const char *path, const char *want)
{
    char *got = harness_read_file(path);
    bool same = got && strcmp(got, want) == 0;
    free(got);
    return same;
}

static bool contains_ci(const char *hay, const char *needle)
{
    return strcasestr(hay, needle) != NULL;
}

/* A scratch directory per test, removed (one level deep) at the end. */
static bool make_dir(char *dir, size_t cap)
{
    snprintf(dir, cap, "/tmp/pytop-batch-XXXXXX");
    return mkdtemp(dir) != NULL;
}

/* Names in dir that start with ".": pytop's temporary files left behind. */
static bool no_temp_files(const char *dir, char *why)
{
    DIR *d = opendir(dir);
    if (!d)
        return harness_why(why, WHY_MAX, "cannot list %s", dir);
    struct dirent *e;
    bool ok = true;
    while (ok && (e = readdir(d)) != NULL)
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            ok = harness_why(why, WHY_MAX, "a temporary file was left behind: %s/%s", dir, e->d_name);
    closedir(d);
    return ok;
}

/* The line number of the single line of path ending in "# @marker"; -1 if
 * there is none or more than one. */
static int marker_line(const char *path, const char *marker)
{
    char *text = harness_read_file(path);
    if (!text)
        return -1;
    char want[128];
    snprintf(want, sizeof want, "# @%s", marker);
    size_t wl = strlen(want);
    int lineno = 0, found = -1, hits = 0;
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        lineno++;
        if (len >= wl && strncmp(line + len - wl, want, wl) == 0) {
            found = lineno;
            hits++;
        }
        line += len + (nl != NULL);
    }
    free(text);
    return hits == 1 ? found : -1;
}

/* ------------------------------------------------------------------------
 * Interpreters: a 3.11+ one (non-blocking in auto mode) and a <= 3.10 one
 * (blocking in auto mode), the first present of each list.
 */

static const char *const modern_pref[] = {"pyenv-3.12", "pyenv-3.11", "debian-3.11", "pyenv-3.13",
                                          "debian-sid-3.13", "debian-sid-3.14", NULL};
static const char *const legacy_pref[] = {"pyenv-3.10", "pyenv-3.9", "pyenv-3.8", "pyenv-3.7",
                                          "pyenv-3.6", "pyenv-2.7", NULL};

static const struct py_interp *pick(const char *const *pref)
{
    const struct py_interp *all;
    size_t n = harness_interps(&all);
    for (size_t k = 0; pref[k]; k++)
        for (size_t i = 0; i < n; i++)
            if (strcmp(all[i].label, pref[k]) == 0 && all[i].path[0])
                return &all[i];
    return NULL;
}

/* The modern interpreter, else the legacy one (and the other way round). */
static const struct py_interp *primary(void)
{
    const struct py_interp *py = pick(modern_pref);
    return py ? py : pick(legacy_pref);
}

static const struct py_interp *blocking_default(void)
{
    const struct py_interp *py = pick(legacy_pref);
    return py ? py : pick(modern_pref);
}

static bool auto_blocks(const struct py_interp *py)
{
    return py->major == 2 || (py->major == 3 && py->minor <= 10);
}

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
    return ok ? true : harness_why(why, WHY_MAX, "%s: could not ask the interpreter its version", py->label);
}

static void target_path(char *buf, size_t cap, const char *name)
{
    char root[PATH_MAX];
    if (!realpath(harness_root(), root))
        snprintf(root, sizeof root, "%s", harness_root());
    if ((size_t)snprintf(buf, cap, "%s/test/targets/%s", root, name) >= cap)
        buf[0] = '\0';
}

/* Start `python -B -s script args...` under setpriv --pdeathsig KILL where
 * there is one; *cmdline is what pytop should print for it. */
static pid_t start_script(const struct py_interp *py, const char *script, char *const extra[],
                          char **cmdline)
{
    char *args[16];
    size_t n = 0;
    bool setpriv = access("/usr/bin/setpriv", X_OK) == 0;
    if (setpriv) {
        args[n++] = "--pdeathsig";
        args[n++] = "KILL";
        args[n++] = "--";
        args[n++] = (char *)py->path;
    }
    args[n++] = "-B";
    args[n++] = "-s";
    args[n++] = (char *)script;
    size_t len = strlen(py->path) + strlen(script) + 16;
    for (size_t i = 0; extra && extra[i] && n < 15; i++) {
        args[n++] = extra[i];
        len += strlen(extra[i]) + 1;
    }
    args[n] = NULL;
    if (cmdline) {
        *cmdline = malloc(len);
        if (*cmdline) {
            snprintf(*cmdline, len, "%s -B -s %s", py->path, script);
            for (size_t i = 0; extra && extra[i]; i++) {
                strcat(*cmdline, " ");
                strcat(*cmdline, extra[i]);
            }
        }
    }
    return harness_start_target(setpriv ? "/usr/bin/setpriv" : py->path, args, START_TIMEOUT_S);
}

/* ------------------------------------------------------------------------
 * Running pytop in the background (for signals and kills).
 */

/* Wait for pid up to timeout_ms; kill it if it is still there. True with
 * *status when it ended by itself. */
static bool wait_bg(pid_t pid, long timeout_ms, int *status)
{
    long deadline = harness_now_ms() + timeout_ms;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return true;
        if (r < 0 && errno != EINTR)
            return false;
        if (harness_now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            return false;
        }
        harness_sleep_ms(10);
    }
}

/* Wait until the file holds text (a table has been printed), bounded. */
static bool wait_for_text(const char *path, const char *text, long timeout_ms)
{
    long deadline = harness_now_ms() + timeout_ms;
    while (harness_now_ms() < deadline) {
        char *s = harness_read_file(path);
        bool found = s && strstr(s, text);
        free(s);
        if (found)
            return true;
        harness_sleep_ms(20);
    }
    return false;
}

/* ------------------------------------------------------------------------
 * The batch text format, parsed back (report.h).
 */

struct row {
    double own, total, own_s, total_s;
    char *text, *name, *file;
    long line; /* -1: "name (file)" */
};

struct table {
    int pid;
    char *cmdline, *version, *elf, *mode;
    double rate_asked, rate_got;
    unsigned long long samples, late, dropped, errors, e_read, e_invalid, e_gone;
    double work_min, work_med, work_max;
    unsigned long long threads_active, threads_total, gil;
    char *window;
    double span_s;
    unsigned long long wsamples;
    char *sort, *filter, *thread, *keys, *idle, *gil_only;
    char *state; /* NULL: no state line */
    struct row *rows;
    size_t nrows;
};

struct output {
    struct table *t;
    size_t n;
    int exited_pid; /* "pytop: process N exited" last: N; else 0 */
    char **extra;   /* other lines outside tables */
    size_t nextra;
};

static void table_free(struct table *t)
{
    free(t->cmdline), free(t->version), free(t->elf), free(t->mode), free(t->window);
    free(t->sort), free(t->filter), free(t->thread), free(t->keys), free(t->idle);
    free(t->gil_only), free(t->state);
    for (size_t i = 0; i < t->nrows; i++)
        free(t->rows[i].text), free(t->rows[i].name), free(t->rows[i].file);
    free(t->rows);
}

static void output_free(struct output *o)
{
    for (size_t i = 0; i < o->n; i++)
        table_free(&o->t[i]);
    free(o->t);
    for (size_t i = 0; i < o->nextra; i++)
        free(o->extra[i]);
    free(o->extra);
    *o = (struct output){0};
}

/* A cursor over one line. */
struct cur {
    const char *p;
    bool ok;
};

static void lit(struct cur *c, const char *s)
{
    size_t n = strlen(s);
    if (c->ok && strncmp(c->p, s, n) == 0)
        c->p += n;
    else
        c->ok = false;
}

static unsigned long long ull(struct cur *c)
{
    if (!c->ok || *c->p < '0' || *c->p > '9') {
        c->ok = false;
        return 0;
    }
    char *end;
    unsigned long long v = strtoull(c->p, &end, 10);
    c->p = end;
    return v;
}

static double dbl(struct cur *c)
{
    if (!c->ok || !((*c->p >= '0' && *c->p <= '9') || *c->p == '.')) {
        c->ok = false;
        return 0;
    }
    char *end;
    double v = strtod(c->p, &end);
    c->p = end;
    return v;
}

/* The text up to (not including) delim, which must follow. */
static char *upto(struct cur *c, const char *delim)
{
    const char *e = c->ok ? strstr(c->p, delim) : NULL;
    if (!e) {
        c->ok = false;
        return NULL;
    }
    char *s = strndup(c->p, (size_t)(e - c->p));
    c->p = e;
    return s;
}

static char *rest(struct cur *c)
{
    if (!c->ok)
        return NULL;
    char *s = strdup(c->p);
    c->p += strlen(c->p);
    return s;
}

/* A duration as pt_report_duration prints it, back to seconds. */
static bool parse_duration(const char *s, double *out)
{
    size_t n = strlen(s);
    if (n < 2)
        return false;
    char *end;
    if (s[n - 1] == 's' && strchr(s, '.')) { /* 1.23s, 12.3s */
        const char *dot = strchr(s, '.');
        size_t frac = (size_t)(s + n - 1 - dot - 1);
        double v = strtod(s, &end);
        if (end != s + n - 1 || (frac != 1 && frac != 2) || dot == s)
            return false;
        *out = v;
        return true;
    }
    unsigned long a, b;
    char u1, u2;
    int used = 0;
    if (sscanf(s, "%lu%c%2lu%c%n", &a, &u1, &b, &u2, &used) == 4 && (size_t)used == n &&
        isdigit((unsigned char)s[n - 2]) && isdigit((unsigned char)s[n - 3]) && b < 60) {
        if (u1 == 'm' && u2 == 's') {
            *out = (double)a * 60 + (double)b;
            return true;
        }
        if (u1 == 'h' && u2 == 'm') {
            *out = (double)a * 3600 + (double)b * 60;
            return true;
        }
        return false;
    }
    if (s[n - 1] == 'h' && sscanf(s, "%lu%n", &a, &used) == 1 && (size_t)used == n - 1) {
        *out = (double)a * 3600;
        return true;
    }
    return false;
}

/* A percentage column: right-aligned "%6.1f" of 0..100. */
static bool parse_pct(const char *field, double *out)
{
    const char *p = field;
    while (*p == ' ')
        p++;
    size_t n = strlen(p);
    if (n < 3 || p[n - 2] != '.' || !isdigit((unsigned char)p[n - 1]))
        return false;
    for (size_t i = 0; i + 2 < n; i++)
        if (!isdigit((unsigned char)p[i]))
            return false;
    *out = strtod(p, NULL);
    return *out >= 0 && *out <= 100.0;
}

/* "name (file:line)" or "name (file)". */
static bool parse_key_text(const char *text, char **name, char **file, long *line)
{
    size_t n = strlen(text);
    const char *open = NULL;
    for (const char *p = strstr(text, " ("); p; p = strstr(p + 1, " ("))
        open = p;
    if (!open || open == text || n < 4 || text[n - 1] != ')')
        return false;
    const char *in = open + 2, *close = text + n - 1;
    const char *colon = NULL;
    for (const char *p = in; p < close; p++)
        if (*p == ':')
            colon = p;
    *line = -1;
    const char *file_end = close;
    if (colon && colon + 1 < close) {
        bool digits = true;
        for (const char *p = colon + 1; p < close; p++)
            digits &= isdigit((unsigned char)*p) != 0;
        if (digits) {
            *line = strtol(colon + 1, NULL, 10);
            file_end = colon;
        }
    }
    if (file_end == in)
        return false;
    *name = strndup(text, (size_t)(open - text));
    *file = strndup(in, (size_t)(file_end - in));
    return *name && *file;
}

static bool parse_row(const char *line, struct row *r, char *why)
{
    size_t n = strlen(line);
    char f[4][8];
    if (n < 32 || line[6] != ' ' || line[13] != ' ' || line[21] != ' ' || line[29] != ' ' ||
        line[30] != ' ' || line[31] == ' ')
        return harness_why(why, WHY_MAX, "row does not have the fixed columns: \"%s\"", line);
    memcpy(f[0], line, 6), f[0][6] = '\0';
    memcpy(f[1], line + 7, 6), f[1][6] = '\0';
    memcpy(f[2], line + 14, 7), f[2][7] = '\0';
    memcpy(f[3], line + 22, 7), f[3][7] = '\0';
    const char *d1 = f[2], *d2 = f[3];
    while (*d1 == ' ')
        d1++;
    while (*d2 == ' ')
        d2++;
    if (!parse_pct(f[0], &r->own) || !parse_pct(f[1], &r->total))
        return harness_why(why, WHY_MAX, "bad percentage in row \"%s\"", line);
    if (!parse_duration(d1, &r->own_s) || !parse_duration(d2, &r->total_s))
        return harness_why(why, WHY_MAX, "bad duration in row \"%s\"", line);
    r->text = strdup(line + 31);
    if (!r->text || !parse_key_text(r->text, &r->name, &r->file, &r->line))
        return harness_why(why, WHY_MAX, "row's function is not \"name (file:line)\": \"%s\"", line);
    return true;
}

static bool parse_header(const char *l1, const char *l2, const char *l3, struct table *t, char *why)
{
    struct cur c = {l1, true};
    lit(&c, "pytop: pid ");
    t->pid = (int)ull(&c);
    lit(&c, " (");
    t->cmdline = upto(&c, ") - Python ");
    lit(&c, ") - Python ");
    t->version = upto(&c, " (");
    lit(&c, " (");
    t->elf = rest(&c);
    size_t el = t->elf ? strlen(t->elf) : 0;
    if (!c.ok || el < 3 || t->elf[0] != '/' || t->elf[el - 1] != ')')
        return harness_why(why, WHY_MAX, "header line 1 does not parse: \"%s\"", l1);
    t->elf[el - 1] = '\0';

    c = (struct cur){l2, true};
    lit(&c, "mode ");
    t->mode = upto(&c, ", rate ");
    lit(&c, ", rate ");
    t->rate_asked = dbl(&c);
    lit(&c, "/");
    t->rate_got = dbl(&c);
    lit(&c, " Hz, ");
    t->samples = ull(&c);
    lit(&c, " samples, late ");
    t->late = ull(&c);
    lit(&c, ", dropped ");
    t->dropped = ull(&c);
    lit(&c, ", errors ");
    t->errors = ull(&c);
    bool kinds = c.ok && c.p[0] == ' ';
    if (kinds) {
        lit(&c, " (read ");
        t->e_read = ull(&c);
        lit(&c, ", invalid ");
        t->e_invalid = ull(&c);
        lit(&c, ", gone ");
        t->e_gone = ull(&c);
        lit(&c, ")");
    }
    lit(&c, ", work ");
    t->work_min = dbl(&c);
    lit(&c, "/");
    t->work_med = dbl(&c);
    lit(&c, "/");
    t->work_max = dbl(&c);
    lit(&c, " us");
    if (!c.ok || *c.p)
        return harness_why(why, WHY_MAX, "header line 2 does not parse: \"%s\"", l2);
    if (kinds != (t->errors != 0))
        return harness_why(why, WHY_MAX, "error kinds shown iff errors: \"%s\"", l2);
    if (kinds && t->e_read + t->e_invalid + t->e_gone != t->errors)
        return harness_why(why, WHY_MAX, "error kinds do not add up: \"%s\"", l2);

    c = (struct cur){l3, true};
    lit(&c, "threads ");
    t->threads_active = ull(&c);
    lit(&c, "/");
    t->threads_total = ull(&c);
    lit(&c, " active, ");
    if (c.ok && isdigit((unsigned char)*c.p)) { /* --subprocesses: ", N processes" */
        ull(&c);
        lit(&c, " processes, ");
    }
    lit(&c, "GIL ");
    t->gil = ull(&c);
    lit(&c, "%, window ");
    t->window = upto(&c, " (");
    lit(&c, " (");
    char *span = upto(&c, ", ");
    lit(&c, ", ");
    t->wsamples = ull(&c);
    lit(&c, " samples), sort ");
    t->sort = upto(&c, ", filter ");
    lit(&c, ", filter ");
    t->filter = upto(&c, ", thread ");
    lit(&c, ", thread ");
    t->thread = upto(&c, ", keys ");
    lit(&c, ", keys ");
    t->keys = upto(&c, ", idle ");
    lit(&c, ", idle ");
    t->idle = upto(&c, ", gil-only ");
    lit(&c, ", gil-only ");
    t->gil_only = rest(&c);
    bool span_ok = span && parse_duration(span, &t->span_s);
    free(span);
    if (!c.ok || !span_ok)
        return harness_why(why, WHY_MAX, "header line 3 does not parse: \"%s\"", l3);
    return true;
}

static char **split_lines(const char *text, size_t *n, bool *final_newline)
{
    size_t cap = 64;
    char **v = malloc(cap * sizeof *v);
    *n = 0;
    const char *p = text;
    while (v && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (*n == cap) {
            char **nv = realloc(v, (cap *= 2) * sizeof *v);
            if (!nv)
                break;
            v = nv;
        }
        v[(*n)++] = strndup(p, len);
        p += len + (nl != NULL);
    }
    *final_newline = !*text || text[strlen(text) - 1] == '\n';
    return v;
}

static void free_lines(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

#define TITLES "%Own %Total OwnTime TotalTime Function"

/* Parse all of a batch run's stdout. Lines outside tables are kept in
 * o->extra (a launched child's output); "pytop: process N exited" must be
 * the last line. */
static bool parse_output(const char *text, struct output *o, char *why)
{
    *o = (struct output){0};
    size_t n;
    bool nl;
    char **L = split_lines(text ? text : "", &n, &nl);
    bool ok = L != NULL;
    if (ok && !nl)
        ok = harness_why(why, WHY_MAX, "output does not end in a newline");
    for (size_t i = 0; ok && i < n;) {
        int pid;
        char tail;
        if (strncmp(L[i], "pytop: pid ", 11) != 0) {
            if (sscanf(L[i], "pytop: process %d exite%c", &pid, &tail) == 2 &&
                strcmp(strstr(L[i], " exited"), " exited") == 0) {
                if (i + 1 != n)
                    ok = harness_why(why, WHY_MAX, "\"%s\" is not the last line", L[i]);
                o->exited_pid = pid;
            } else if (L[i][0]) {
                char **ne = realloc(o->extra, (o->nextra + 1) * sizeof *ne);
                if (ne) {
                    o->extra = ne;
                    o->extra[o->nextra++] = strdup(L[i]);
                }
            }
            i++;
            continue;
        }
        struct table *nt = realloc(o->t, (o->n + 1) * sizeof *nt);
        if (!nt)
            return harness_why(why, WHY_MAX, "out of memory");
        o->t = nt;
        struct table *t = &o->t[o->n++];
        memset(t, 0, sizeof *t);
        if (i + 3 >= n) {
            ok = harness_why(why, WHY_MAX, "table %zu is cut short", o->n);
            break;
        }
        ok = parse_header(L[i], L[i + 1], L[i + 2], t, why);
        i += 3;
        if (ok && strncmp(L[i], "state: ", 7) == 0)
            t->state = strdup(L[i++] + 7);
        if (ok && (i >= n || strcmp(L[i], TITLES) != 0))
            ok = harness_why(why, WHY_MAX, "table %zu: titles line is \"%s\", not \"%s\"", o->n,
                     i < n ? L[i] : "(end of output)", TITLES);
        for (i++; ok && i < n && L[i][0]; i++) {
            struct row *nr = realloc(t->rows, (t->nrows + 1) * sizeof *nr);
            if (!nr)
                return harness_why(why, WHY_MAX, "out of memory");
            t->rows = nr;
            memset(&t->rows[t->nrows], 0, sizeof t->rows[0]);
            ok = parse_row(L[i], &t->rows[t->nrows++], why);
        }
        if (ok && i >= n)
            ok = harness_why(why, WHY_MAX, "table %zu is not followed by a blank line", o->n);
        i++; /* the blank line */
    }
    free_lines(L, n);
    return ok;
}

static const struct row *find_row(const struct table *t, const char *name)
{
    for (size_t i = 0; i < t->nrows; i++)
        if (strcmp(t->rows[i].name, name) == 0)
            return &t->rows[i];
    return NULL;
}

static size_t count_rows(const struct table *t, const char *name)
{
    size_t k = 0;
    for (size_t i = 0; i < t->nrows; i++)
        k += strcmp(t->rows[i].name, name) == 0;
    return k;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* ------------------------------------------------------------------------
 * What every table must satisfy, and what the run's options say.
 */

struct expect {
    int pid;
    const char *cmdline;   /* NULL: any */
    const char *version;
    const char *mode;      /* "blocking (auto)", ... */
    double rate;
    const char *window;    /* "last", "all" */
    const char *sort, *filter, *thread, *keys, *idle, *gil_only;
    unsigned threads_total; /* 0: any */
    bool sleeper;           /* one of them only sleeps: never active */
    bool empty;             /* the view is empty by design: no re-run for few samples */
};

/* Tie order of report.h: name, then file, then line, ascending (bytes). */
static int tie_cmp(const struct row *a, const struct row *b)
{
    int r = strcmp(a->name, b->name);
    if (!r)
        r = strcmp(a->file, b->file);
    return r ? r : (a->line > b->line) - (a->line < b->line);
}

/* Rows in the order of the sort column. Exact ties of %Own/%Total (equal
 * counts) must be in name order; with fewer than 1000 samples in the
 * window equal shown percentages mean equal counts. Times are shown
 * rounded, so only their order is checked. */
static bool check_order(const struct table *t, const char *sort, char *why)
{
    bool exact = t->wsamples < 1000;
    for (size_t i = 1; i < t->nrows; i++) {
        const struct row *a = &t->rows[i - 1], *b = &t->rows[i];
        double x, y;
        bool ties_by_name = exact;
        if (strcmp(sort, "name") == 0) {
            if (tie_cmp(a, b) >= 0)
                return harness_why(why, WHY_MAX, "--sort name: \"%s\" before \"%s\"", a->text, b->text);
            continue;
        } else if (strcmp(sort, "own") == 0)
            x = a->own, y = b->own;
        else if (strcmp(sort, "total") == 0)
            x = a->total, y = b->total;
        else if (strcmp(sort, "owntime") == 0)
            x = a->own_s, y = b->own_s, ties_by_name = false;
        else
            x = a->total_s, y = b->total_s, ties_by_name = false;
        if (x < y)
            return harness_why(why, WHY_MAX, "--sort %s: \"%s\" (%g) before \"%s\" (%g)", sort, a->text, x, b->text, y);
        if (x == y && ties_by_name && tie_cmp(a, b) >= 0)
            return harness_why(why, WHY_MAX, "--sort %s: tie not in name order: \"%s\" before \"%s\"", sort, a->text,
                       b->text);
    }
    return true;
}

/* Own counts from the shares: with W < 1000 samples each share is a
 * distinct tenth, so the count is recovered exactly and must print back as
 * the share shown (half up); the counts may not exceed W. Otherwise the
 * shown shares, each up to 0.05 high, bound the sum. */
static bool check_shares(const struct table *t, char *why)
{
    double sum = 0;
    unsigned long long counts = 0;
    size_t nonzero = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        const struct row *r = &t->rows[i];
        if (r->own > r->total)
            return harness_why(why, WHY_MAX, "%%Own %.1f above %%Total %.1f: %s", r->own, r->total, r->text);
        if (r->own_s > r->total_s + 1e-9)
            return harness_why(why, WHY_MAX, "OwnTime above TotalTime: %s", r->text);
        sum += r->own;
        nonzero += r->own > 0;
        if (t->wsamples > 0 && t->wsamples < 1000) {
            double w = (double)t->wsamples;
            unsigned long long c = (unsigned long long)(r->own * w / 100.0 + 0.5);
            unsigned long long shown = (unsigned long long)((double)c * 100.0 / w * 10.0 + 0.5);
            if ((double)shown / 10.0 != r->own)
                return harness_why(why, WHY_MAX, "%%Own %.1f is no count out of %llu samples: %s", r->own, t->wsamples,
                           r->text);
            counts += c;
        }
    }
    if (t->wsamples == 0 && t->nrows)
        return harness_why(why, WHY_MAX, "rows in a window of 0 samples");
    if (sum > 100.0 + 0.05 * (double)nonzero + 1e-9)
        return harness_why(why, WHY_MAX, "%%Own adds up to %.1f", sum);
    if (t->wsamples < 1000 && counts > t->wsamples)
        return harness_why(why, WHY_MAX, "own counts add up to %llu of %llu samples", counts, t->wsamples);
    return true;
}

static bool check_table(const struct table *t, const struct expect *e, char *why)
{
    char want_thread[32];
    if (t->pid != e->pid)
        return harness_why(why, WHY_MAX, "pid %d, expected %d", t->pid, e->pid);
    if (e->cmdline && strcmp(t->cmdline, e->cmdline) != 0)
        return harness_why(why, WHY_MAX, "command line \"%s\", expected \"%s\"", t->cmdline, e->cmdline);
    if (e->version && strcmp(t->version, e->version) != 0)
        return harness_why(why, WHY_MAX, "Python %s, the interpreter is %s", t->version, e->version);
    if (access(t->elf, R_OK) != 0)
        return harness_why(why, WHY_MAX, "runtime ELF %s does not exist", t->elf);
    if (e->mode && strcmp(t->mode, e->mode) != 0)
        return harness_why(why, WHY_MAX, "mode \"%s\", expected \"%s\"", t->mode, e->mode);
    if (t->rate_asked != e->rate)
        return harness_why(why, WHY_MAX, "rate asked %g, expected %g", t->rate_asked, e->rate);
    /* (no rate before two ticks: the sampler thread may start late) */
    if (t->rate_got > e->rate * 1.5 || (t->samples >= 10 && !(t->rate_got > 0)))
        return harness_why(why, WHY_MAX, "achieved rate %g for %g asked (%llu samples)", t->rate_got, e->rate,
                   t->samples);
    /* 0.1: printing rounds each to a tenth */
    if (t->work_min > t->work_max + 0.1 || t->work_med + 0.1 < t->work_min ||
        t->work_med > t->work_max + 0.1)
        return harness_why(why, WHY_MAX, "work min/median/max %g/%g/%g out of order", t->work_min, t->work_med,
                   t->work_max);
    if (t->threads_active > t->threads_total)
        return harness_why(why, WHY_MAX, "threads %llu/%llu active", t->threads_active, t->threads_total);
    if (e->threads_total && t->threads_total != e->threads_total)
        return harness_why(why, WHY_MAX, "%llu threads, the target has %u", t->threads_total, e->threads_total);
    if (e->sleeper && t->threads_active >= t->threads_total)
        return harness_why(why, WHY_MAX, "%llu of %llu threads active, but one only sleeps", t->threads_active,
                   t->threads_total);
    if (t->gil > 100)
        return harness_why(why, WHY_MAX, "GIL %llu%%", t->gil);
    if (strcmp(t->window, e->window) != 0)
        return harness_why(why, WHY_MAX, "window \"%s\", expected \"%s\"", t->window, e->window);
    if (t->wsamples > t->samples)
        return harness_why(why, WHY_MAX, "window of %llu samples out of %llu", t->wsamples, t->samples);
    snprintf(want_thread, sizeof want_thread, "%s", e->thread ? e->thread : "all");
    const char *want[][3] = {{"sort", t->sort, e->sort ? e->sort : "own"},
                             {"filter", t->filter, e->filter ? e->filter : "none"},
                             {"thread", t->thread, want_thread},
                             {"keys", t->keys, e->keys ? e->keys : "function"},
                             {"idle", t->idle, e->idle ? e->idle : "no"},
                             {"gil-only", t->gil_only, e->gil_only ? e->gil_only : "no"}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (strcmp(want[i][1], want[i][2]) != 0)
            return harness_why(why, WHY_MAX, "header says %s %s, expected %s", want[i][0], want[i][1], want[i][2]);
    return check_shares(t, why) && check_order(t, e->sort ? e->sort : "own", why);
}

/* Every table of a strict run (nothing else printed) passes check_table;
 * samples grow from table to table. */
static bool check_output(const struct output *o, const struct expect *e, bool allow_extra, char *why)
{
    if (o->nextra && !allow_extra)
        return harness_why(why, WHY_MAX, "unexpected line outside the tables: \"%s\"", o->extra[0]);
    for (size_t i = 0; i < o->n; i++) {
        char sub[WHY_MAX];
        if (!check_table(&o->t[i], e, sub))
            return harness_why(why, WHY_MAX, "table %zu of %zu: %s", i + 1, o->n, sub);
        /* the table after the target exited may have nothing new */
        bool final_exited = i + 1 == o->n && o->exited_pid;
        if (i > 0 && (o->t[i].samples < o->t[i - 1].samples ||
                      (!final_exited && o->t[i].samples == o->t[i - 1].samples)))
            return harness_why(why, WHY_MAX, "samples %llu then %llu: not increasing", o->t[i - 1].samples,
                       o->t[i].samples);
        if (o->t[i].state && !(i + 1 == o->n && o->exited_pid))
            return harness_why(why, WHY_MAX, "table %zu has a state line \"%s\"", i + 1, o->t[i].state);
    }
    return true;
}

/* Dump a run's output when a check fails. */
static void dump(const char *what, const char *out, const char *err)
{
    fprintf(stderr, "---- %s: stdout ----\n%s---- stderr ----\n%s----\n", what, out ? out : "(none)",
            err ? err : "(none)");
}

/* ------------------------------------------------------------------------
 * The main target: test/targets/batch_work.py.
 */

struct work {
    const struct py_interp *py;
    char dir[64], tids[PATH_MAX], beat[PATH_MAX], script[PATH_MAX];
    char version[32];
    char *cmdline;
    pid_t pid;
    int main_tid, worker_tid;
};

static bool work_start(struct work *w, const struct py_interp *py, char *why)
{
    memset(w, 0, sizeof *w);
    w->py = py;
    if (!make_dir(w->dir, sizeof w->dir))
        return harness_why(why, WHY_MAX, "mkdtemp failed");
    snprintf(w->tids, sizeof w->tids, "%s/tids", w->dir);
    snprintf(w->beat, sizeof w->beat, "%s/beat", w->dir);
    target_path(w->script, sizeof w->script, "batch_work.py");
    if (!interp_version(py, w->version, sizeof w->version, why))
        return false;
    char *extra[] = {w->tids, w->beat, NULL};
    w->pid = start_script(py, w->script, extra, &w->cmdline);
    if (w->pid <= 0)
        return harness_why(why, WHY_MAX, "%s: batch_work.py did not print READY", py->label);
    char *t = harness_read_file(w->tids);
    bool ok = t && sscanf(t, "main %d\nworker %d", &w->main_tid, &w->worker_tid) == 2;
    free(t);
    return ok ? true : harness_why(why, WHY_MAX, "batch_work.py wrote no thread ids");
}

static void work_stop(struct work *w)
{
    harness_stop_target(w->pid);
    w->pid = 0;
    free(w->cmdline);
    w->cmdline = NULL;
    if (w->dir[0])
        harness_remove_dir(w->dir);
}

static struct expect work_expect(const struct work *w)
{
    return (struct expect){.pid = w->pid,
                           .cmdline = w->cmdline,
                           .version = w->version,
                           .mode = auto_blocks(w->py) ? "blocking (auto)" : "non-blocking (auto)",
                           .rate = 100,
                           .window = "last",
                           .threads_total = 3,
                           .sleeper = true};
}

/* Run pytop with the given arguments (then the target's PID), parse. */
static bool run_batch(const struct work *w, const char *const args[], struct output *o, char **out_keep,
                      char *why)
{
    char pidarg[16];
    snprintf(pidarg, sizeof pidarg, "%d", (int)w->pid);
    char *argv[32] = {(char *)harness_pytop()};
    size_t n = 1;
    for (size_t i = 0; args[i] && n < 30; i++)
        argv[n++] = (char *)args[i];
    argv[n++] = pidarg;
    argv[n] = NULL;
    char *out = NULL, *err = NULL;
    *o = (struct output){0};
    int rc = harness_run(argv, &out, &err, RUN_TIMEOUT_S);
    bool ok = rc == 0 ? true : harness_why(why, WHY_MAX, "pytop exited with %d: %s", rc, err ? err : "");
    if (ok)
        ok = parse_output(out, o, why);
    if (!ok)
        dump("pytop -b", out, err);
    if (out_keep)
        *out_keep = out;
    else
        free(out);
    free(err);
    return ok;
}

/* Run and check every table against e; at least min_tables of them. */
static bool run_checked(const struct work *w, const char *const args[], const struct expect *e,
                        size_t min_tables, struct output *o, char *why)
{
    char *out = NULL;
    bool ok = run_batch(w, args, o, &out, why);
    /* A loaded machine can keep the sampler thread from running for the
     * better part of a short run (seen: no tick in the first 0.45 s).
     * A last table with (almost) no samples says nothing: run again. */
    for (int attempt = 2; ok && !e->empty && attempt <= 3 && o->n && o->t[o->n - 1].wsamples < MIN_WINDOW;
         attempt++) {
        printf("batch: last table has %llu samples; running again (attempt %d of 3)\n",
               o->t[o->n - 1].wsamples, attempt);
        output_free(o);
        free(out);
        out = NULL;
        ok = run_batch(w, args, o, &out, why);
    }
    if (ok && o->n < min_tables)
        ok = harness_why(why, WHY_MAX, "%zu tables, expected at least %zu", o->n, min_tables);
    if (ok)
        ok = check_output(o, e, false, why);
    if (!ok && out && o->n)
        dump("pytop -b (failed check)", out, NULL);
    free(out);
    return ok;
}

typedef bool (*work_fn)(struct work *w, char *why);

/* Start batch_work.py on py, run fn, stop the target, then assert. */
static void with_work(const struct py_interp *py, work_fn fn, const char *name)
{
    if (!py) {
        printf("skipped: %s (no interpreter present)\n", name);
        return;
    }
    struct work w;
    char why[WHY_MAX] = "";
    bool ok = work_start(&w, py, why) && fn(&w, why);
    work_stop(&w);
    ck_assert_msg(ok, "%s (%s): %s", name, py->label, why);
}

/* ------------------------------------------------------------------------
 * The format: two tables, every field.
 */

static bool t_format(struct work *w, char *why)
{
    const char *args[] = {"-b", "-n", "2", "-d", "0.5", NULL};
    struct expect e = work_expect(w);
    struct output o;
    bool ok = run_checked(w, args, &e, 2, &o, why);
    if (ok && o.n != 2)
        ok = harness_why(why, WHY_MAX, "-n 2 printed %zu tables", o.n);
    if (ok && o.exited_pid)
        ok = harness_why(why, WHY_MAX, "says the process exited");
    /* the windows of "last" do not overlap */
    if (ok && o.t[0].wsamples + o.t[1].wsamples > o.t[1].samples)
        ok = harness_why(why, WHY_MAX, "windows of %llu and %llu samples out of %llu: last windows overlap",
                 o.t[0].wsamples, o.t[1].wsamples, o.t[1].samples);
    const char *hot[] = {"alpha_burn", "two_lines", "beta_burn"};
    for (size_t k = 0; ok && k < 3; k++)
        if (!find_row(&o.t[0], hot[k]) && !find_row(&o.t[1], hot[k]))
            ok = harness_why(why, WHY_MAX, "hot function %s is in neither table", hot[k]);
    for (size_t i = 0; ok && i < o.n; i++)
        if (find_row(&o.t[i], "gamma_nap"))
            ok = harness_why(why, WHY_MAX, "the sleeping thread's gamma_nap shows without --idle");
    output_free(&o);
    return ok;
}

START_TEST(batch_format)
{
    const struct py_interp *py = _i == 0 ? pick(modern_pref) : pick(legacy_pref);
    if (!py) {
        printf("skipped: %s (batch format: no such interpreter present)\n",
               _i == 0 ? "3.11+" : "<= 3.10");
        return;
    }
    with_work(py, t_format, "batch format");
}
END_TEST

/* ------------------------------------------------------------------------
 * Sort columns.
 */

static bool t_sort(struct work *w, char *why)
{
    /* spelt in mixed case: column names parse in any case */
    static const char *const cols[][2] = {
        {"name", "name"}, {"Total", "total"}, {"owntime", "owntime"}, {"TotalTime", "totaltime"}};
    bool ok = true;
    for (size_t k = 0; ok && k < 4; k++) {
        const char *args[] = {"-b", "-n", "1", "-d", "0.6", "--window", "all", "--sort", cols[k][0], NULL};
        struct expect e = work_expect(w);
        e.window = "all";
        e.sort = cols[k][1];
        struct output o;
        ok = run_checked(w, args, &e, 1, &o, why);
        if (ok && o.t[0].nrows < 5)
            ok = harness_why(why, WHY_MAX, "--sort %s: only %zu rows", cols[k][0], o.t[0].nrows);
        /* the order differs from %Own's: callers with 0 own sort first by total */
        if (ok && k == 1 && o.t[0].rows[0].own == o.t[0].rows[0].total)
            ok = harness_why(why, WHY_MAX, "--sort total: first row %s is a leaf, not a caller", o.t[0].rows[0].text);
        output_free(&o);
    }
    return ok;
}

START_TEST(batch_sort) { with_work(primary(), t_sort, "batch --sort"); }
END_TEST

/* ------------------------------------------------------------------------
 * --filter and --thread.
 */

static bool all_rows_match(const struct table *t, const char *text, char *why)
{
    for (size_t i = 0; i < t->nrows; i++)
        if (!contains_ci(t->rows[i].name, text) && !contains_ci(t->rows[i].file, text))
            return harness_why(why, WHY_MAX, "--filter %s shows %s", text, t->rows[i].text);
    return true;
}

static bool t_filter(struct work *w, char *why)
{
    struct expect e = work_expect(w);
    e.window = "all";
    /* unfiltered: threading.py frames of the worker are there */
    const char *a0[] = {"-b", "-n", "1", "-d", "0.6", "--window", "all", NULL};
    struct output o;
    bool ok = run_checked(w, a0, &e, 1, &o, why);
    bool threading_rows = false;
    for (size_t i = 0; ok && i < o.t[0].nrows; i++)
        threading_rows |= ends_with(o.t[0].rows[i].file, "threading.py");
    if (ok && !threading_rows)
        ok = harness_why(why, WHY_MAX, "no threading.py rows without a filter: the file filter would prove nothing");
    output_free(&o);

    /* by name, any case: only alpha_burn; the shares stay shares of all */
    const char *a1[] = {"-b", "-n", "1", "-d", "0.6", "--window", "all", "--filter", "ALPHA", NULL};
    e.filter = "\"ALPHA\"";
    if (ok)
        ok = run_checked(w, a1, &e, 1, &o, why);
    if (ok) {
        const struct table *t = &o.t[0];
        const struct row *a = find_row(t, "alpha_burn");
        ok = all_rows_match(t, "alpha", why);
        if (ok && (!a || t->nrows != 1))
            ok = harness_why(why, WHY_MAX, "--filter ALPHA: %zu rows, alpha_burn %s", t->nrows, a ? "shown" : "missing");
        if (ok && !(a->own < 90.0))
            ok = harness_why(why, WHY_MAX, "--filter ALPHA: alpha_burn at %.1f%%: the filter renormalised the shares",
                     a->own);
        output_free(&o);
    }

    /* by file, any case: every function of batch_work.py, no threading.py */
    const char *a2[] = {"-b", "-n", "1", "-d", "0.6", "--window", "all", "--filter", "BATCH_WORK.PY", NULL};
    e.filter = "\"BATCH_WORK.PY\"";
    if (ok)
        ok = run_checked(w, a2, &e, 1, &o, why);
    if (ok) {
        const struct table *t = &o.t[0];
        ok = all_rows_match(t, "batch_work.py", why);
        const char *want[] = {"alpha_burn", "two_lines", "beta_burn", "driver", "main", "<module>"};
        for (size_t k = 0; ok && k < 6; k++)
            if (!find_row(t, want[k]))
                ok = harness_why(why, WHY_MAX, "--filter BATCH_WORK.PY: %s missing", want[k]);
        output_free(&o);
    }

    /* matching nothing: an empty table, the header still counts samples */
    const char *a3[] = {"-b", "-n", "1", "-d", "0.4", "--filter", "no-such-function-xyz", NULL};
    e.window = "last";
    e.filter = "\"no-such-function-xyz\"";
    if (ok)
        ok = run_checked(w, a3, &e, 1, &o, why);
    if (ok) {
        if (o.t[0].nrows || !o.t[0].wsamples)
            ok = harness_why(why, WHY_MAX, "filter matching nothing: %zu rows, %llu samples", o.t[0].nrows,
                     o.t[0].wsamples);
        output_free(&o);
    }
    return ok;
}

START_TEST(batch_filter) { with_work(primary(), t_filter, "batch --filter"); }
END_TEST

static bool t_thread(struct work *w, char *why)
{
    static const char *const main_fns[] = {"alpha_burn", "two_lines", "driver", "main", "<module>"};
    bool ok = true;
    for (int k = 0; ok && k < 3; k++) {
        char tid[16];
        snprintf(tid, sizeof tid, "%d", k == 0 ? w->worker_tid : k == 1 ? w->main_tid : 1);
        const char *args[] = {"-b", "-n", "1", "-d", "0.6", "--window", "all", "--thread", tid, NULL};
        struct expect e = work_expect(w);
        e.window = "all";
        e.thread = tid;
        e.empty = k == 2;
        struct output o;
        ok = run_checked(w, args, &e, 1, &o, why);
        if (!ok)
            break;
        const struct table *t = &o.t[0];
        if (k == 0) { /* the worker: beta_burn under threading.py, nothing of main's */
            if (!find_row(t, "beta_burn"))
                ok = harness_why(why, WHY_MAX, "--thread %s (worker): beta_burn missing", tid);
            for (size_t i = 0; ok && i < 5; i++)
                if (find_row(t, main_fns[i]))
                    ok = harness_why(why, WHY_MAX, "--thread %s (worker) shows the main thread's %s", tid, main_fns[i]);
            if (ok && t->rows[0].own != 100.0)
                ok = harness_why(why, WHY_MAX, "--thread %s (worker): top row %s at %.1f%%, not 100%%", tid,
                         t->rows[0].text, t->rows[0].own);
        } else if (k == 1) {
            for (size_t i = 0; ok && i < 5; i++)
                if (!find_row(t, main_fns[i]))
                    ok = harness_why(why, WHY_MAX, "--thread %s (main): %s missing", tid, main_fns[i]);
            if (ok && find_row(t, "beta_burn"))
                ok = harness_why(why, WHY_MAX, "--thread %s (main) shows the worker's beta_burn", tid);
        } else if (t->nrows || t->wsamples) {
            ok = harness_why(why, WHY_MAX, "--thread 1 (not the target's): %zu rows, %llu samples", t->nrows, t->wsamples);
        }
        output_free(&o);
    }
    return ok;
}

START_TEST(batch_thread) { with_work(primary(), t_thread, "batch --thread"); }
END_TEST

/* ------------------------------------------------------------------------
 * Line mode, windows.
 */

static bool t_lines(struct work *w, char *why)
{
    int def = marker_line(w->script, "two-lines-def"), first = marker_line(w->script, "line-first"),
        second = marker_line(w->script, "line-second");
    if (def < 0 || first < 0 || second < 0)
        return harness_why(why, WHY_MAX, "markers missing in %s", w->script);
    const char *a1[] = {"-b", "-n", "1", "-d", "0.8", "--window", "all", "-l", NULL};
    struct expect e = work_expect(w);
    e.window = "all";
    e.keys = "line";
    struct output o;
    bool ok = run_checked(w, a1, &e, 1, &o, why);
    if (ok) {
        const struct table *t = &o.t[0];
        bool seen_first = false, seen_second = false;
        for (size_t i = 0; i < t->nrows; i++)
            if (strcmp(t->rows[i].name, "two_lines") == 0) {
                seen_first |= t->rows[i].line == first;
                seen_second |= t->rows[i].line == second;
                if (t->rows[i].line != first && t->rows[i].line != second && t->rows[i].own > 5.0)
                    ok = harness_why(why, WHY_MAX, "-l: two_lines burns on line %ld, not %d or %d", t->rows[i].line,
                             first, second);
            }
        if (ok && !(seen_first && seen_second))
            ok = harness_why(why, WHY_MAX, "-l: two_lines not shown on both lines %d and %d", first, second);
        output_free(&o);
    }
    /* function mode: one row, at the function's first line */
    const char *a2[] = {"-b", "-n", "1", "-d", "0.6", "--window", "all", NULL};
    e.keys = "function";
    if (ok)
        ok = run_checked(w, a2, &e, 1, &o, why);
    if (ok) {
        const struct row *r = find_row(&o.t[0], "two_lines");
        if (count_rows(&o.t[0], "two_lines") != 1 || !r || r->line != def)
            ok = harness_why(why, WHY_MAX, "function mode: two_lines in %zu rows, line %ld (def at %d)",
                     count_rows(&o.t[0], "two_lines"), r ? r->line : -1L, def);
        output_free(&o);
    }
    return ok;
}

START_TEST(batch_lines) { with_work(primary(), t_lines, "batch -l"); }
END_TEST

static bool t_window(struct work *w, char *why)
{
    const char *args[] = {"-b", "-n", "2", "-d", "0.5", "--window", "all", NULL};
    struct expect e = work_expect(w);
    e.window = "all";
    struct output o;
    bool ok = run_checked(w, args, &e, 2, &o, why);
    if (ok && o.n != 2)
        ok = harness_why(why, WHY_MAX, "-n 2 printed %zu tables", o.n);
    /* all: the second window holds everything the first table had counted */
    if (ok && !(o.t[1].wsamples > o.t[0].wsamples &&
                o.t[1].wsamples + o.t[0].dropped >= o.t[0].samples))
        ok = harness_why(why, WHY_MAX, "--window all: windows of %llu then %llu samples (%llu taken by the first)",
                 o.t[0].wsamples, o.t[1].wsamples, o.t[0].samples);
    if (ok && !(o.t[1].span_s > o.t[0].span_s))
        ok = harness_why(why, WHY_MAX, "--window all: span %.2fs then %.2fs", o.t[0].span_s, o.t[1].span_s);
    output_free(&o);
    return ok;
}

START_TEST(batch_window_all) { with_work(primary(), t_window, "batch --window all"); }
END_TEST

/* ------------------------------------------------------------------------
 * End conditions: -t, the target exiting.
 */

static bool t_duration(struct work *w, char *why)
{
    const char *args[] = {"-b", "-t", "1.5", "-d", "0.4", NULL};
    struct expect e = work_expect(w);
    struct output o;
    bool ok = run_checked(w, args, &e, 1, &o, why);
    if (ok && o.exited_pid)
        ok = harness_why(why, WHY_MAX, "-t: says the process exited");
    output_free(&o);
    return ok;
}

START_TEST(batch_duration) { with_work(primary(), t_duration, "batch -t"); }
END_TEST

START_TEST(batch_target_exits)
{
    const struct py_interp *py = primary();
    if (!py) {
        printf("skipped: batch target exits (no interpreter present)\n");
        return;
    }
    char script[PATH_MAX], version[32], why[WHY_MAX] = "", *cmdline = NULL;
    target_path(script, sizeof script, "batch_exit.py");
    bool ok = interp_version(py, version, sizeof version, why);
    char *extra[] = {"1.0", NULL};
    pid_t pid = ok ? start_script(py, script, extra, &cmdline) : -1;
    if (ok && pid <= 0)
        ok = harness_why(why, WHY_MAX, "batch_exit.py did not print READY");
    char pidarg[16], *out = NULL, *err = NULL;
    snprintf(pidarg, sizeof pidarg, "%d", (int)pid);
    char *argv[] = {(char *)harness_pytop(), "-b", "-d", "0.3", pidarg, NULL};
    int rc = ok ? harness_run(argv, &out, &err, RUN_TIMEOUT_S) : -1;
    /* the target is ours: reap it (it exited by itself, or is killed now) */
    harness_stop_target(pid);
    struct output o = {0};
    if (ok && rc != 0)
        ok = harness_why(why, WHY_MAX, "pytop exited with %d when the target exited: %s", rc, err ? err : "");
    if (ok)
        ok = parse_output(out, &o, why);
    struct expect e = {.pid = pid, .cmdline = cmdline, .version = version,
                       .mode = auto_blocks(py) ? "blocking (auto)" : "non-blocking (auto)",
                       .rate = 100, .window = "last"};
    if (ok)
        ok = check_output(&o, &e, false, why);
    if (ok && (o.n == 0 || o.exited_pid != pid))
        ok = harness_why(why, WHY_MAX, "%zu tables; last line does not say process %d exited", o.n, (int)pid);
    if (ok && (!o.t[o.n - 1].state || strcmp(o.t[o.n - 1].state, "process exited") != 0))
        ok = harness_why(why, WHY_MAX, "final table's state line is \"%s\", not \"process exited\"",
                 o.t[o.n - 1].state ? o.t[o.n - 1].state : "(none)");
    bool burned = false;
    for (size_t i = 0; ok && i < o.n; i++)
        burned |= find_row(&o.t[i], "exit_soon_burn") != NULL;
    if (ok && !burned)
        ok = harness_why(why, WHY_MAX, "exit_soon_burn is in no table");
    if (!ok)
        dump("target exits", out, err);
    output_free(&o);
    free(out), free(err), free(cmdline);
    ck_assert_msg(ok, "%s: %s", py->label, why);
}
END_TEST

/* ------------------------------------------------------------------------
 * --collapsed.
 */

struct stack {
    char **frames; /* root first */
    size_t depth;
    unsigned long long count;
};

struct folded {
    struct stack *s;
    size_t n;
    unsigned long long sum;
};

static void folded_free(struct folded *f)
{
    for (size_t i = 0; i < f->n; i++) {
        for (size_t k = 0; k < f->s[i].depth; k++)
            free(f->s[i].frames[k]);
        free(f->s[i].frames);
    }
    free(f->s);
    *f = (struct folded){0};
}

/* "root;...;leaf COUNT" lines, every frame "name (file:line)", no stack
 * twice, counts >= 1. */
static bool parse_folded(const char *path, struct folded *f, char *why)
{
    *f = (struct folded){0};
    char *text = harness_read_file(path);
    if (!text)
        return harness_why(why, WHY_MAX, "cannot read %s", path);
    size_t n;
    bool nl;
    char **L = split_lines(text, &n, &nl);
    bool ok = L && nl ? true : harness_why(why, WHY_MAX, "%s does not end in a newline", path);
    if (ok && n == 0)
        ok = harness_why(why, WHY_MAX, "%s is empty", path);
    for (size_t i = 0; ok && i < n; i++) {
        char *sp = strrchr(L[i], ' ');
        char *end = NULL;
        unsigned long long c = sp ? strtoull(sp + 1, &end, 10) : 0;
        if (!sp || sp == L[i] || !isdigit((unsigned char)sp[1]) || *end || c == 0) {
            ok = harness_why(why, WHY_MAX, "line %zu is not \"stack COUNT\": \"%s\"", i + 1, L[i]);
            break;
        }
        *sp = '\0';
        for (size_t j = 0; j < i; j++)
            if (strcmp(L[j], L[i]) == 0)
                ok = harness_why(why, WHY_MAX, "stack repeated on lines %zu and %zu: %s", j + 1, i + 1, L[i]);
        struct stack *ns = realloc(f->s, (f->n + 1) * sizeof *ns);
        if (!ns)
            break;
        f->s = ns;
        struct stack *s = &f->s[f->n++];
        *s = (struct stack){NULL, 0, c};
        f->sum += c;
        for (char *fr = L[i]; ok && fr;) {
            char *semi = strchr(fr, ';');
            if (semi)
                *semi = '\0';
            char *name = NULL, *file = NULL;
            long line;
            if (!parse_key_text(fr, &name, &file, &line) || line < 0)
                ok = harness_why(why, WHY_MAX, "line %zu: frame \"%s\" is not \"name (file:line)\"", i + 1, fr);
            free(name), free(file);
            char **nf = realloc(s->frames, (s->depth + 1) * sizeof *nf);
            if (!nf)
                break;
            s->frames = nf;
            s->frames[s->depth++] = strdup(fr);
            fr = semi ? semi + 1 : NULL;
        }
    }
    if (L)
        free_lines(L, n);
    free(text);
    return ok;
}

static bool stack_has(const struct stack *s, const char *text)
{
    for (size_t k = 0; k < s->depth; k++)
        if (strcmp(s->frames[k], text) == 0)
            return true;
    return false;
}

/* The file against the final --window all table: the file also holds the
 * samples drained after that table (tail = file total - table window,
 * small and never negative). For each row: the stacks whose leaf it is
 * add up to its own count, the stacks holding it to its total count,
 * within the rounding of the shown share and the tail. Stacks read root
 * first: the main thread's start at <module>. */
static bool compare_folded(const struct folded *f, const struct table *t, char *why)
{
    double w = (double)t->wsamples;
    long long tail = (long long)f->sum - (long long)t->wsamples;
    if (tail < 0 || (double)tail > 10 + w / 20)
        return harness_why(why, WHY_MAX, "collapsed total %llu against %llu samples in the table's window", f->sum,
                   t->wsamples);
    double slack = w * 0.0005 + 0.5;
    for (size_t i = 0; i < t->nrows; i++) {
        const struct row *r = &t->rows[i];
        unsigned long long leaf = 0, through = 0;
        for (size_t k = 0; k < f->n; k++) {
            const struct stack *s = &f->s[k];
            leaf += strcmp(s->frames[s->depth - 1], r->text) == 0 ? s->count : 0;
            through += stack_has(s, r->text) ? s->count : 0;
        }
        double own = r->own * w / 100.0, total = r->total * w / 100.0;
        if ((double)leaf < own - slack || (double)leaf > own + slack + (double)tail)
            return harness_why(why, WHY_MAX, "%s: %llu samples as leaf in the file, %.1f%% of %llu in the table",
                       r->text, leaf, r->own, t->wsamples);
        if ((double)through < total - slack || (double)through > total + slack + (double)tail)
            return harness_why(why, WHY_MAX, "%s: in %llu sampled stacks in the file, %.1f%% of %llu in the table",
                       r->text, through, r->total, t->wsamples);
    }
    for (size_t k = 0; k < f->n; k++) {
        const struct stack *s = &f->s[k];
        bool found = false;
        for (size_t i = 0; i < t->nrows; i++)
            found |= strcmp(t->rows[i].text, s->frames[s->depth - 1]) == 0;
        if (!found && (unsigned long long)tail < s->count)
            return harness_why(why, WHY_MAX, "leaf %s (%llu samples) is not in the table", s->frames[s->depth - 1],
                       s->count);
        if (strncmp(s->frames[s->depth - 1], "alpha_burn (", 12) == 0 &&
            strncmp(s->frames[0], "<module> (", 10) != 0)
            return harness_why(why, WHY_MAX, "stack of alpha_burn does not start at <module>: %s first", s->frames[0]);
    }
    return true;
}

static bool t_collapsed(struct work *w, char *why)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/stacks.folded", w->dir);
    const char *args[] = {"-b", "--window", "all", "-t", "2", "-d", "0.5", "--collapsed", path, NULL};
    struct expect e = work_expect(w);
    e.window = "all";
    struct output o;
    bool ok = run_checked(w, args, &e, 1, &o, why);
    struct folded f = {0};
    if (ok)
        ok = parse_folded(path, &f, why);
    if (ok)
        ok = compare_folded(&f, &o.t[o.n - 1], why);
    if (ok)
        ok = no_temp_files(w->dir, why);
    output_free(&o);
    folded_free(&f);
    return ok;
}

START_TEST(batch_collapsed) { with_work(primary(), t_collapsed, "batch --collapsed"); }
END_TEST

/* Run a short batch writing --collapsed/--flamegraph to path. */
static int run_output(const struct work *w, const char *opt, const char *path, bool force, char **err)
{
    char pidarg[16];
    snprintf(pidarg, sizeof pidarg, "%d", (int)w->pid);
    char *argv[] = {(char *)harness_pytop(), "-b", "-n", "1", "-d", "0.3", (char *)opt, (char *)path,
                    force ? "--force" : pidarg, force ? pidarg : NULL, NULL};
    return harness_run(argv, NULL, err, RUN_TIMEOUT_S);
}

/* A file at the name: kept without --force, replaced with it. A symlink
 * at the name (to a file, or dangling): never followed either way. */
static bool t_no_overwrite(struct work *w, char *why)
{
    static const char precious[] = "precious: not pytop's\n";
    char file[PATH_MAX], link_to_file[PATH_MAX], victim[PATH_MAX], dangling[PATH_MAX],
        nowhere[PATH_MAX], svglink[PATH_MAX];
    snprintf(file, sizeof file, "%s/out.folded", w->dir);
    snprintf(link_to_file, sizeof link_to_file, "%s/link.folded", w->dir);
    snprintf(victim, sizeof victim, "%s/victim", w->dir);
    snprintf(dangling, sizeof dangling, "%s/dangling.folded", w->dir);
    snprintf(nowhere, sizeof nowhere, "%s/created-through-link", w->dir);
    snprintf(svglink, sizeof svglink, "%s/graph.svg", w->dir);
    if (!write_text(file, precious) || !write_text(victim, precious) ||
        symlink(victim, link_to_file) != 0 || symlink(nowhere, dangling) != 0 ||
        symlink(victim, svglink) != 0)
        return harness_why(why, WHY_MAX, "cannot set up files in %s", w->dir);
    struct {
        const char *opt, *path;
        bool force;
    } cases[] = {
        {"--collapsed", file, false},         {"--collapsed", link_to_file, false},
        {"--collapsed", dangling, false},     {"--collapsed", file, true},
        {"--collapsed", link_to_file, true},  {"--collapsed", dangling, true},
        {"--flamegraph", svglink, true},
    };
    bool ok = true;
    for (size_t i = 0; ok && i < sizeof cases / sizeof cases[0]; i++) {
        char *err = NULL;
        int rc = run_output(w, cases[i].opt, cases[i].path, cases[i].force, &err);
        const char *what = cases[i].path;
        struct stat st;
        if (!cases[i].force) {
            if (rc == 0 || !err || !strstr(err, "already exists") || !strstr(err, what))
                ok = harness_why(why, WHY_MAX, "%s %s without --force: exit %d, stderr: %s", cases[i].opt, what, rc,
                         err ? err : "");
            else if (lstat(what, &st) != 0 || (what != file && !S_ISLNK(st.st_mode)))
                ok = harness_why(why, WHY_MAX, "%s without --force: the name was replaced", what);
        } else if (rc != 0) {
            ok = harness_why(why, WHY_MAX, "%s %s --force: exit %d, stderr: %s", cases[i].opt, what, rc, err ? err : "");
        } else if (lstat(what, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
                   same_text(what, precious)) {
            ok = harness_why(why, WHY_MAX, "%s %s --force: not replaced by a regular file with the output", cases[i].opt,
                     what);
        }
        free(err);
        /* through all of it: what the links point at never changes, nothing
         * is created through a dangling link, the kept file stays */
        if (ok && !same_text(victim, precious))
            ok = harness_why(why, WHY_MAX, "after %s %s%s: the symlink's target was written", cases[i].opt, what,
                     cases[i].force ? " --force" : "");
        if (ok && access(nowhere, F_OK) == 0)
            ok = harness_why(why, WHY_MAX, "after %s %s: a file was created through the dangling symlink", cases[i].opt,
                     what);
        if (ok && i < 3 && !same_text(file, precious))
            ok = harness_why(why, WHY_MAX, "after %s %s: the existing file changed without --force", cases[i].opt, what);
    }
    struct folded f = {0};
    if (ok)
        ok = parse_folded(file, &f, why); /* --force wrote real output */
    folded_free(&f);
    if (ok)
        ok = no_temp_files(w->dir, why);
    return ok;
}

START_TEST(batch_no_overwrite) { with_work(primary(), t_no_overwrite, "batch output files"); }
END_TEST

/* ------------------------------------------------------------------------
 * --flamegraph.
 */

static const char svg_titles[] =
    "import sys, xml.dom.minidom as M\n"
    "svg = M.parse(sys.argv[1]).documentElement\n"
    "assert svg.tagName == 'svg', svg.tagName\n"
    "for t in svg.getElementsByTagName('title'):\n"
    "    if t.firstChild is not None:\n"
    "        sys.stdout.write(t.firstChild.data + '\\n')\n";

static bool t_flamegraph(struct work *w, char *why)
{
    if (access("/usr/bin/python3", X_OK) != 0) {
        printf("skipped: /usr/bin/python3 (flame graph XML check)\n");
        return true;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/graph.svg", w->dir);
    const char *args[] = {"-b", "-t", "1.2", "-d", "0.6", "--flamegraph", path, NULL};
    struct expect e = work_expect(w);
    struct output o;
    bool ok = run_checked(w, args, &e, 1, &o, why);
    output_free(&o);
    char *argv[] = {"/usr/bin/python3", "-c", (char *)svg_titles, path, NULL};
    char *out = NULL, *err = NULL;
    setenv("PYTHONIOENCODING", "utf-8", 1);
    int rc = ok ? harness_run(argv, &out, &err, 60) : -1;
    if (ok && rc != 0)
        ok = harness_why(why, WHY_MAX, "the SVG is not well-formed XML: %s", err ? err : "");
    const char *hot[] = {"alpha_burn (", "two_lines (", "beta_burn (", "driver ("};
    for (size_t k = 0; ok && k < 4; k++) {
        bool found = false;
        for (const char *p = out; p && (p = strstr(p, hot[k])) != NULL; p++)
            found |= p == out || p[-1] == '\n';
        if (!found)
            ok = harness_why(why, WHY_MAX, "no frame titled %s...) in the flame graph; titles:\n%s", hot[k], out);
    }
    free(out), free(err);
    return ok;
}

START_TEST(batch_flamegraph) { with_work(primary(), t_flamegraph, "batch --flamegraph"); }
END_TEST

/* ------------------------------------------------------------------------
 * Launch mode.
 */

static bool pid_is_script(pid_t pid, const char *script)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    for (size_t i = 0; i < n; i++)
        if (!buf[i])
            buf[i] = ' ';
    buf[n] = '\0';
    return strstr(buf, script) != NULL;
}

/* Is a process with exactly this argv (NUL-separated) running? */
static pid_t find_argv(const char *const argv[])
{
    char want[512];
    size_t wl = 0;
    for (size_t i = 0; argv[i]; i++) {
        size_t l = strlen(argv[i]) + 1;
        memcpy(want + wl, argv[i], l);
        wl += l;
    }
    DIR *d = opendir("/proc");
    pid_t found = 0;
    struct dirent *e;
    while (d && !found && (e = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, buf, sizeof buf);
        close(fd);
        if (n == (ssize_t)wl && memcmp(buf, want, wl) == 0)
            found = (pid_t)atoi(e->d_name);
    }
    if (d)
        closedir(d);
    return found;
}

START_TEST(batch_launch)
{
    const struct py_interp *py = primary();
    if (!py) {
        printf("skipped: batch launch (no interpreter present)\n");
        return;
    }
    char dir[64], script[PATH_MAX], pidfile[PATH_MAX], version[32], why[WHY_MAX] = "";
    bool ok = make_dir(dir, sizeof dir) ? interp_version(py, version, sizeof version, why)
                                        : harness_why(why, WHY_MAX, "mkdtemp failed");
    target_path(script, sizeof script, "batch_launch.py");
    snprintf(pidfile, sizeof pidfile, "%s/child.pid", dir);
    char word[32];
    snprintf(word, sizeof word, "w%d", (int)getpid());
    char *argv[] = {(char *)harness_pytop(), "-b", "-t", "3", "-d", "1", "--window", "all", "--",
                    (char *)py->path, "-B", "-s", script, pidfile, word, NULL};
    char *out = NULL, *err = NULL;
    int rc = ok ? harness_run(argv, &out, &err, RUN_TIMEOUT_S) : -1;
    char *pidtext = harness_read_file(pidfile);
    pid_t child = pidtext ? (pid_t)atoi(pidtext) : 0;
    free(pidtext);
    /* the child must be gone now that pytop has returned; give the kernel
     * a moment to remove it, then clean up whatever is left */
    bool lingered = false;
    if (child > 0) {
        long deadline = harness_now_ms() + 5000;
        while (pid_is_script(child, "batch_launch.py") && harness_now_ms() < deadline)
            harness_sleep_ms(20);
        lingered = pid_is_script(child, "batch_launch.py");
        if (lingered)
            kill(child, SIGKILL);
    }
    struct output o = {0};
    if (ok && rc != 0)
        ok = harness_why(why, WHY_MAX, "pytop -- %s exited with %d: %s", script, rc, err ? err : "");
    if (ok && child <= 0)
        ok = harness_why(why, WHY_MAX, "the launched script did not write its pid");
    if (ok && lingered)
        ok = harness_why(why, WHY_MAX, "launched child %d still runs after pytop ended", (int)child);
    if (ok)
        ok = parse_output(out, &o, why);
    char hello[64];
    snprintf(hello, sizeof hello, "launched %s", word);
    if (ok && (o.nextra != 1 || strcmp(o.extra[0], hello) != 0))
        ok = harness_why(why, WHY_MAX, "the child's stdout did not pass through as \"%s\" (%zu other lines)", hello,
                 o.nextra);
    if (ok) {
        char *cmd = xprintf("%s -B -s %s %s %s", py->path, script, pidfile, word);
        struct expect e = {.pid = child, .cmdline = cmd, .version = version,
                           .mode = auto_blocks(py) ? "blocking (auto)" : "non-blocking (auto)",
                           .rate = 100, .window = "all", .threads_total = 1};
        ok = check_output(&o, &e, true, why);
        free(cmd);
    }
    if (ok && o.n == 0)
        ok = harness_why(why, WHY_MAX, "no table");
    /* sampled from the start: the first second's function is there */
    if (ok && !find_row(&o.t[o.n - 1], "launch_start"))
        ok = harness_why(why, WHY_MAX, "launch_start (the script's first second) was not sampled");
    if (ok && !find_row(&o.t[o.n - 1], "launch_steady"))
        ok = harness_why(why, WHY_MAX, "launch_steady was not sampled");
    if (!ok)
        dump("launch", out, err);
    output_free(&o);
    free(out), free(err);
    harness_remove_dir(dir);
    ck_assert_msg(ok, "%s: %s", py->label, why);
}
END_TEST

/* A command that is not Python fails with exit 5 and a message: one that
 * exits by itself (sleep 5) and one pytop must give up on and end (a long
 * sleep); both run at the same time. A command that cannot run: exit 2.
 * No child is left behind. */
START_TEST(batch_launch_errors)
{
    char dir[64], why[WHY_MAX] = "";
    bool ok = make_dir(dir, sizeof dir) ? true : harness_why(why, WHY_MAX, "mkdtemp failed");
    /* unique arguments, so the children can be found in /proc */
    char short_arg[32], long_arg[32];
    snprintf(short_arg, sizeof short_arg, "5.%06d", (int)getpid() % 1000000);
    snprintf(long_arg, sizeof long_arg, "120.%06d", (int)getpid() % 1000000);
    const char *short_cmd[] = {"sleep", short_arg, NULL}, *long_cmd[] = {"sleep", long_arg, NULL};
    char *a1[] = {(char *)harness_pytop(), "-b", "-t", "30", "--", "sleep", short_arg, NULL};
    char *a2[] = {(char *)harness_pytop(), "-b", "-t", "30", "--", "sleep", long_arg, NULL};
    char o1[PATH_MAX], e1[PATH_MAX], o2[PATH_MAX], e2[PATH_MAX];
    snprintf(o1, sizeof o1, "%s/o1", dir), snprintf(e1, sizeof e1, "%s/e1", dir);
    snprintf(o2, sizeof o2, "%s/o2", dir), snprintf(e2, sizeof e2, "%s/e2", dir);
    pid_t p1 = ok ? harness_spawn_bg(a1, o1, e1) : -1, p2 = ok ? harness_spawn_bg(a2, o2, e2) : -1;
    if (ok && (p1 < 0 || p2 < 0))
        ok = harness_why(why, WHY_MAX, "fork failed");

    char *a3[] = {(char *)harness_pytop(), "-b", "--", "/nonexistent/pytop-test-command", "x", NULL};
    char *err3 = NULL, *out3 = NULL;
    int rc3 = ok ? harness_run(a3, &out3, &err3, RUN_TIMEOUT_S) : -1;
    if (ok && (rc3 != 2 || !err3 || !strstr(err3, "/nonexistent/pytop-test-command") ||
               !strstr(err3, "No such file")))
        ok = harness_why(why, WHY_MAX, "-- /nonexistent...: exit %d, stderr: %s", rc3, err3 ? err3 : "");
    if (ok && out3 && *out3)
        ok = harness_why(why, WHY_MAX, "-- /nonexistent...: printed to stdout: %s", out3);
    free(err3), free(out3);

    int st1 = 0, st2 = 0;
    bool end1 = p1 > 0 && wait_bg(p1, 60000, &st1), end2 = p2 > 0 && wait_bg(p2, 60000, &st2);
    pid_t left1 = find_argv(short_cmd), left2 = find_argv(long_cmd);
    if (left1 > 0)
        kill(left1, SIGKILL);
    if (left2 > 0)
        kill(left2, SIGKILL);
    char *err1 = harness_read_file(e1), *err2 = harness_read_file(e2), *out1 = harness_read_file(o1), *out2 = harness_read_file(o2);
    if (ok && (!end1 || !WIFEXITED(st1) || WEXITSTATUS(st1) != 5))
        ok = harness_why(why, WHY_MAX, "-- sleep %s: did not exit with 5 (%s, status %d); stderr: %s", short_arg,
                 end1 ? "ended" : "had to be killed", st1, err1 ? err1 : "");
    if (ok && (!err1 || !strstr(err1, "'sleep'") || !strstr(err1, "Python")))
        ok = harness_why(why, WHY_MAX, "-- sleep %s: the message does not say 'sleep' is no Python: %s", short_arg,
                 err1 ? err1 : "");
    if (ok && (!end2 || !WIFEXITED(st2) || WEXITSTATUS(st2) != 5))
        ok = harness_why(why, WHY_MAX, "-- sleep %s: did not exit with 5 (%s, status %d); stderr: %s", long_arg,
                 end2 ? "ended" : "had to be killed", st2, err2 ? err2 : "");
    if (ok && (!err2 || !strstr(err2, "no Python interpreter started in 'sleep'")))
        ok = harness_why(why, WHY_MAX, "-- sleep %s: the message does not say no Python started: %s", long_arg,
                 err2 ? err2 : "");
    if (ok && ((out1 && *out1) || (out2 && *out2)))
        ok = harness_why(why, WHY_MAX, "a failed launch printed to stdout: %s%s", out1 ? out1 : "", out2 ? out2 : "");
    if (ok && (left1 > 0 || left2 > 0))
        ok = harness_why(why, WHY_MAX, "the non-Python child 'sleep %s' was left running after pytop exited",
                 left2 > 0 ? long_arg : short_arg);
    free(err1), free(err2), free(out1), free(out2);
    harness_remove_dir(dir);
    ck_assert_msg(ok, "%s", why);
}
END_TEST

/* ------------------------------------------------------------------------
 * Signals and --blocking: the target is never left stopped.
 */

/* Any thread of pid in a stopped state (t: traced, T: stopped)? Returns
 * its state letter and tid, or 0. */
static char stopped_thread(pid_t pid, int *tid)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    char found = 0;
    while (!found && (e = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char path[384], buf[1024];
        snprintf(path, sizeof path, "%s/%.255s/stat", dir, e->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0)
            continue;
        buf[n] = '\0';
        const char *rp = strrchr(buf, ')');
        if (rp && (rp[2] == 't' || rp[2] == 'T')) {
            found = rp[2];
            *tid = atoi(e->d_name);
        }
    }
    closedir(d);
    return found;
}

static long read_beat(const char *path)
{
    char *s = harness_read_file(path);
    long v = s ? strtol(s, NULL, 10) : -1;
    free(s);
    return v;
}

/* After pytop is gone: no thread of the target stopped, now or over the
 * next 300 ms, and its heartbeat moves on (bounded wait). */
static bool target_runs(const struct work *w, const char *after, char *why)
{
    long until = harness_now_ms() + 300;
    do {
        int tid = 0;
        char st = stopped_thread(w->pid, &tid);
        if (st)
            return harness_why(why, WHY_MAX, "after %s: thread %d of the target is in state '%c'", after, tid, st);
        harness_sleep_ms(10);
    } while (harness_now_ms() < until);
    long b0 = read_beat(w->beat), deadline = harness_now_ms() + 15000;
    while (read_beat(w->beat) <= b0 && harness_now_ms() < deadline)
        harness_sleep_ms(20);
    if (read_beat(w->beat) <= b0)
        return harness_why(why, WHY_MAX, "after %s: the target made no progress for 15 s (heartbeat stuck at %ld)", after,
                   b0);
    if (kill(w->pid, 0) != 0)
        return harness_why(why, WHY_MAX, "after %s: the target is gone", after);
    return true;
}

static bool t_signals(struct work *w, char *why)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    char pidarg[16], out[PATH_MAX], err[PATH_MAX], folded[PATH_MAX];
    snprintf(pidarg, sizeof pidarg, "%d", (int)w->pid);
    bool ok = true;
    for (size_t k = 0; ok && k < 3; k++) {
        /* new names each time: the last run's table must not be taken for this one's */
        snprintf(out, sizeof out, "%s/sig%zu.out", w->dir, k);
        snprintf(err, sizeof err, "%s/sig%zu.err", w->dir, k);
        snprintf(folded, sizeof folded, "%s/sig%zu.folded", w->dir, k);
        char *argv[] = {(char *)harness_pytop(), "-b", "--blocking", "-r", "1000", "-d", "0.2",
                        "--collapsed", folded, pidarg, NULL};
        pid_t p = harness_spawn_bg(argv, out, err);
        if (p < 0)
            return harness_why(why, WHY_MAX, "fork failed");
        bool sampling = wait_for_text(out, TITLES, 20000);
        harness_sleep_ms(rand() % 200);
        kill(p, sigs[k]);
        int status = 0;
        bool ended = wait_bg(p, 15000, &status);
        const char *name = strsignal(sigs[k]);
        char *e = harness_read_file(err);
        if (!sampling)
            ok = harness_why(why, WHY_MAX, "pytop --blocking printed no table within 20 s: %s", e ? e : "");
        else if (!ended)
            ok = harness_why(why, WHY_MAX, "%s: pytop did not exit within 15 s", name);
        else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            ok = harness_why(why, WHY_MAX, "%s: pytop ended with status %#x: %s", name, status, e ? e : "");
        free(e);
        struct folded f = {0};
        char sub[WHY_MAX];
        if (ok && !parse_folded(folded, &f, sub))
            ok = harness_why(why, WHY_MAX, "%s: --collapsed: %s", name, sub);
        folded_free(&f);
        if (ok) {
            char *text = harness_read_file(out);
            struct output o;
            if (!parse_output(text, &o, sub) || o.n == 0)
                ok = harness_why(why, WHY_MAX, "%s: the output does not parse: %s", name, sub);
            else if (strcmp(o.t[0].mode, "blocking") != 0)
                ok = harness_why(why, WHY_MAX, "--blocking: mode \"%s\"", o.t[0].mode);
            output_free(&o);
            free(text);
        }
        if (!ok) {
            char *text = harness_read_file(out), *etext = harness_read_file(err), *ftext = harness_read_file(folded);
            dump(name, text, etext);
            fprintf(stderr, "---- %s ----\n%s----\n", folded, ftext ? ftext : "(none)");
            free(text), free(etext), free(ftext);
        }
        if (ok)
            ok = target_runs(w, name, why);
    }
    return ok;
}

START_TEST(batch_signals) { with_work(blocking_default(), t_signals, "batch signals"); }
END_TEST

/* SIGKILL cannot be caught: the kernel must let go of the target. Half
 * the kills land at a random moment from the start (attach, the ptrace
 * probe, the first ticks), half at a random moment once tables flow. */
static bool t_sigkill(struct work *w, char *why)
{
    char pidarg[16], out[PATH_MAX], err[PATH_MAX];
    snprintf(pidarg, sizeof pidarg, "%d", (int)w->pid);
    unsigned seed = (unsigned)getpid() ^ (unsigned)harness_now_ms();
    srand(seed);
    printf("batch sigkill: seed %u\n", seed);
    bool ok = true;
    int tables_seen = 0;
    for (int i = 0; ok && i < 10; i++) {
        char *argv[] = {(char *)harness_pytop(), "-b", "--blocking", "-r", "1000", "-d", "0.1",
                        pidarg, NULL};
        snprintf(out, sizeof out, "%s/kill%d.out", w->dir, i);
        snprintf(err, sizeof err, "%s/kill%d.err", w->dir, i);
        pid_t p = harness_spawn_bg(argv, out, err);
        if (p < 0)
            return harness_why(why, WHY_MAX, "fork failed");
        int delay = rand() % 400;
        if (i % 2)
            tables_seen += wait_for_text(out, TITLES, 20000), delay = rand() % 150;
        harness_sleep_ms(delay);
        kill(p, SIGKILL);
        int status;
        waitpid(p, &status, 0);
        char after[96];
        snprintf(after, sizeof after, "SIGKILL %d of 10 (%d ms after %s)", i + 1, delay,
                 i % 2 ? "the first table" : "the start");
        ok = target_runs(w, after, why);
    }
    if (ok && tables_seen < 5)
        ok = harness_why(why, WHY_MAX, "pytop --blocking printed a table only %d times of 5", tables_seen);
    return ok;
}

START_TEST(batch_blocking_sigkill) { with_work(blocking_default(), t_sigkill, "batch --blocking SIGKILL"); }
END_TEST

/* ------------------------------------------------------------------------
 * Bad option values.
 */

static const struct bad_case {
    const char *args[4];
    const char *msg;
} bad_cases[] = {
    {{"-r", "0"}, "--rate: '0' is not a number"},
    {{"-r", "-5"}, "--rate: '-5' is not a number"},
    {{"-r", "1e9"}, "--rate: '1e9' is not a number"},
    {{"-r", "nan"}, "--rate: 'nan' is not a number"},
    {{"-r", "inf"}, "--rate: 'inf' is not a number from 1 to 100000"},
    {{"-r", "abc"}, "--rate: 'abc' is not a number"},
    {{"-d", "0"}, "--delay: '0' is not a number"},
    {{"-d", "-1"}, "--delay: '-1' is not a number"},
    {{"-d", "1e12"}, "--delay: '1e12' is not a number"},
    {{"-d", "1,5"}, "--delay: '1,5' is not a number"},
    {{"-n", "0"}, "--iterations: '0' is not a whole number"},
    {{"-n", "99999999999999999999"}, "--iterations: '99999999999999999999' is not a whole number"},
    {{"-t", "0"}, "--duration: '0' is not a number"},
    {{"-t", "-3"}, "--duration: '-3' is not a number"},
    {{"--window", "0"}, "--window: '0' is not a number"},
    {{"--sort", "bogus"}, "--sort: 'bogus' is not one of"},
    {{"--window", "-1"}, "--window: '-1' is not a number"},
    {{"--thread", "x1"}, "--thread: 'x1' is not a thread id"},
    {{"-n"}, "option '-n' needs an argument"},
};
#define NBAD (int)(sizeof bad_cases / sizeof bad_cases[0])

START_TEST(batch_bad_options)
{
    const struct bad_case *c = &bad_cases[_i];
    char pidarg[16];
    snprintf(pidarg, sizeof pidarg, "%d", (int)getpid()); /* a real process, not Python */
    char *argv[8] = {(char *)harness_pytop(), "-b"};
    size_t n = 2;
    for (size_t i = 0; i < 4 && c->args[i]; i++)
        argv[n++] = (char *)c->args[i];
    if (c->args[1])
        argv[n++] = pidarg;
    argv[n] = NULL;
    char *out = NULL, *err = NULL;
    int rc = harness_run(argv, &out, &err, RUN_TIMEOUT_S);
    bool ok = rc == 2 && out && !*out && err && strncmp(err, "pytop: ", 7) == 0 && strstr(err, c->msg);
    ck_assert_msg(ok, "pytop -b %s %s: exit %d (want 2), stdout \"%s\", stderr \"%s\" (want \"%s\")",
                  c->args[0], c->args[1] ? c->args[1] : "", rc, out ? out : "", err ? err : "", c->msg);
    free(out), free(err);
}
END_TEST

START_TEST(batch_pid_and_command)
{
    char pidarg[16];
    snprintf(pidarg, sizeof pidarg, "%d", (int)getpid());
    char *argv[] = {(char *)harness_pytop(), "-b", pidarg, "--", "sleep", "1", NULL};
    char *out = NULL, *err = NULL;
    int rc = harness_run(argv, &out, &err, RUN_TIMEOUT_S);
    bool ok = rc == 2 && out && !*out && err && strstr(err, "either a PID or '-- COMMAND', not both");
    ck_assert_msg(ok, "pytop -b PID -- sleep 1: exit %d, stderr \"%s\"", rc, err ? err : "");
    free(out), free(err);
}
END_TEST

Suite *suite_batch(void)
{
    Suite *s = suite_create("batch");
    TCase *tc = tcase_create("format");
    tcase_set_timeout(tc, TCASE_TIMEOUT_S);
    tcase_add_loop_test(tc, batch_format, 0, 2);
    tcase_add_test(tc, batch_sort);
    tcase_add_test(tc, batch_filter);
    tcase_add_test(tc, batch_thread);
    tcase_add_test(tc, batch_lines);
    tcase_add_test(tc, batch_window_all);
    suite_add_tcase(s, tc);

    tc = tcase_create("run");
    tcase_set_timeout(tc, TCASE_TIMEOUT_S);
    tcase_add_test(tc, batch_duration);
    tcase_add_test(tc, batch_target_exits);
    tcase_add_test(tc, batch_collapsed);
    tcase_add_test(tc, batch_no_overwrite);
    tcase_add_test(tc, batch_flamegraph);
    tcase_add_test(tc, batch_launch);
    tcase_add_test(tc, batch_launch_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("stop");
    tcase_set_timeout(tc, TCASE_TIMEOUT_S);
    tcase_add_test(tc, batch_signals);
    tcase_add_test(tc, batch_blocking_sigkill);
    tcase_add_loop_test(tc, batch_bad_options, 0, NBAD);
    tcase_add_test(tc, batch_pid_and_command);
    suite_add_tcase(s, tc);
    return s;
}
