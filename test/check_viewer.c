/* check_viewer — the interactive viewer end to end: the real binary on a
 * real Python target (test/targets/view_work.py: main > handle > query,
 * handle > 計算 > query, an idle thread "sleeper"), driven through a
 * private tmux server (send-keys) and read back from it (capture-pane),
 * always polling for the expected screen rather than sleeping.
 *
 * One interpreter (the first python3 present) keeps it quick. Each test
 * has its own tmux server, killed at the end of the test and again by
 * the tcase's teardown in the runner, so a failing test leaves none
 * behind; the target exits when its parent (the test) goes away.
 *
 *   tour      every key in the key table (checked against the table),
 *             NO_COLOR, freeze holding the screen still, the selection
 *             keys, sorting, filter narrowing rows, drill into callers
 *             and callees and back, dumps equal to the screen's rows, F,
 *             the thread picker, resize to 10x5 and back, q restoring the
 *             terminal with exit status 0
 *   exit      `pytop -- COMMAND` in colour: the command's output file,
 *             UTF-8 names, the target exiting while viewed (frozen,
 *             "process exited", keys still work), F10
 *   signals   SIGHUP and SIGTERM restore the terminal and release the
 *             target; SIGSEGV still restores the terminal
 *   noterm    no terminal, TERM unset, unknown or unable to move the
 *             cursor: exit status 2, a message naming -b
 *   storm     hundreds of resizes (1x1 to 250x80) while sampling: pytop
 *             survives, redraws at 100x30, q exits 0
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "pytop/ui_keys.h"
#include "pytop/util.h"

#define ROWS 30
#define COLS 100
#define WAIT_MS 15000
#define POLL_MS 50
#define MAXLINES 128
#define NSERVERS 5
#define TITLES "%Own %Total OwnTime TotalTime Function"

static pid_t runner; /* the check runner's pid: names the tmux servers */
static char server[64];

/* ---- tmux ----------------------------------------------------------------------- */

static void use_server(int k) { snprintf(server, sizeof server, "pytop-test-%d-%d", (int)runner, k); }

/* Run tmux -L server ARGS...; returns its stdout (free it). */
static char *tmux_v(const char *const *args)
{
    char *argv[32], *out = NULL;
    size_t n = 0;
    argv[n++] = "tmux";
    argv[n++] = "-u";
    argv[n++] = "-L";
    argv[n++] = server;
    argv[n++] = "-f";
    argv[n++] = "/dev/null";
    for (size_t i = 0; args[i] && n < 31; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    harness_run(argv, &out, NULL, 20);
    return out ? out : strdup("");
}
#define TMUX(...) tmux_v((const char *const[]){__VA_ARGS__, NULL})

static void tmux_do(const char *const *args) { free(tmux_v(args)); }
#define DO(...) tmux_do((const char *const[]){__VA_ARGS__, NULL})

/* tmux leaves its socket behind after kill-server: remove it too. */
static void kill_server(void)
{
    DO("kill-server");
    const char *tmp = getenv("TMUX_TMPDIR");
    char sock[512];
    snprintf(sock, sizeof sock, "%s/tmux-%d/%s", tmp && *tmp ? tmp : "/tmp", (int)getuid(), server);
    unlink(sock);
}


/* The dump directory of test k (fixed, so that the runner can remove it). */
static void test_dir(int k, char *buf, size_t cap)
{
    snprintf(buf, cap, "/tmp/pytop-view-%d-%d", (int)runner, k);
}

static void kill_servers(void)
{
    for (int k = 0; k < NSERVERS; k++) {
        char dir[64];
        use_server(k);
        kill_server();
        test_dir(k, dir, sizeof dir);
        harness_remove_dir(dir);
    }
}

static void unchecked_setup(void)
{
    runner = getpid();
    setenv("LANG", "C.UTF-8", 1);
}

static void unchecked_teardown(void) { kill_servers(); }

static void key(const char *k) { DO("send-keys", "-t", "main", k); }
static void text(const char *t) { DO("send-keys", "-t", "main", "-l", t); }

/* ---- screens ---------------------------------------------------------------------- */

struct screen {
    char *raw;  /* the capture as it came: for comparisons and messages */
    char *buf;  /* a copy cut into lines */
    char *line[MAXLINES];
    size_t n;
};

static void screen_free(struct screen *s)
{
    free(s->raw);
    free(s->buf);
    memset(s, 0, sizeof *s);
}

static void grab(struct screen *s, bool escapes)
{
    screen_free(s);
    s->raw = escapes ? TMUX("capture-pane", "-p", "-e", "-t", "main") : TMUX("capture-pane", "-p", "-t", "main");
    s->buf = strdup(s->raw);
    for (char *p = s->buf, *nl; (nl = strchr(p, '\n')) != NULL && s->n < MAXLINES; p = nl + 1) {
        *nl = '\0';
        s->line[s->n++] = p;
    }
}

static bool has(const struct screen *s, const char *needle)
{
    for (size_t i = 0; i < s->n; i++)
        if (strstr(s->line[i], needle))
            return true;
    return false;
}

static int line_with(const struct screen *s, const char *needle)
{
    for (size_t i = 0; i < s->n; i++)
        if (strstr(s->line[i], needle))
            return (int)i;
    return -1;
}

/* The titles line: the sort marker may sit anywhere in it, so look for two titles. */
static int titles(const struct screen *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (strstr(s->line[i], "OwnTime") && strstr(s->line[i], "Function"))
            return (int)i;
    return -1;
}

/* The status line: the last line that is not empty. */
static int status_at(const struct screen *s)
{
    int i = (int)s->n - 1;
    while (i > 0 && s->line[i][0] == '\0')
        i--;
    return i;
}

static const char *status(const struct screen *s) { return s->n ? s->line[status_at(s)] : ""; }

/* Table lines: the non-empty lines between the titles and the status line. */
static size_t rows(const struct screen *s, char **out)
{
    size_t n = 0;
    int t = titles(s), st = status_at(s);
    for (int i = t + 1; t >= 0 && i < st; i++)
        if (s->line[i][0])
            out[n++] = s->line[i];
    return n;
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

typedef bool (*screen_pred)(const struct screen *s, const void *arg);

/* Poll the screen until pred holds; fail with the last screen if it never does. */
static void wait_for(struct screen *s, bool escapes, screen_pred pred, const void *arg, const char *what)
{
    for (long end = harness_now_ms() + WAIT_MS;;) {
        grab(s, escapes);
        if (pred(s, arg))
            return;
        if (harness_now_ms() > end)
            break;
        nap_ms(POLL_MS);
    }
    ck_abort_msg("waited %d ms for %s; the screen:\n%s", WAIT_MS, what, s->raw ? s->raw : "");
}

static bool p_has(const struct screen *s, const void *arg) { return has(s, arg); }
static bool p_lacks(const struct screen *s, const void *arg) { return s->n && !has(s, arg); }
static bool p_status(const struct screen *s, const void *arg) { return strstr(status(s), arg) != NULL; }

/* Header line i (0-3) contains text. */
struct hdr {
    int i;
    const char *text;
    bool absent;
};
static bool p_header(const struct screen *s, const void *arg)
{
    const struct hdr *h = arg;
    bool in = (size_t)h->i < s->n && strstr(s->line[h->i], h->text);
    return h->absent ? !in && titles(s) > h->i : in;
}

static void until(struct screen *s, const char *needle) { wait_for(s, false, p_has, needle, needle); }
static void until_gone(struct screen *s, const char *needle) { wait_for(s, false, p_lacks, needle, needle); }
static void until_status(struct screen *s, const char *needle) { wait_for(s, false, p_status, needle, needle); }
static bool p_titles(const struct screen *s, const void *arg) { return (void)arg, titles(s) >= 0; }
static void until_titles(struct screen *s) { wait_for(s, false, p_titles, NULL, "the titles line"); }
static void until_header(struct screen *s, int i, const char *t, bool absent)
{
    struct hdr h = {i, t, absent};
    wait_for(s, false, p_header, &h, t);
}

/* ---- the selection (monochrome: the reverse-video line below the titles) ------------ */

/* SGR parameters of one "ESC [ ... m" at p: reverse video on (7) or off (0, 27). */
static const char *sgr(const char *p, bool *reverse)
{
    const char *q = p + 2;
    while ((*q >= '0' && *q <= '9') || *q == ';')
        q++;
    if (*q != 'm')
        return *q ? q + 1 : q;
    if (q == p + 2)
        *reverse = false; /* ESC [ m */
    for (const char *r = p + 2; r < q;) {
        long v = strtol(r, (char **)&r, 10);
        *reverse = v == 7 ? true : v == 0 || v == 27 ? false : *reverse;
        r += *r == ';';
    }
    return q + 1;
}

/* Which lines start in reverse video. tmux only writes attribute changes,
 * so the state is followed across the whole capture. */
static void reverse_lines(const char *raw, bool *rev, size_t max)
{
    bool on = false, start = true;
    size_t line = 0;
    memset(rev, 0, max * sizeof *rev);
    for (const char *p = raw; *p && line < max;) {
        if (p[0] == '\x1b' && p[1] == '[') {
            p = sgr(p, &on);
            continue;
        }
        if (*p == '\n')
            line++, start = true;
        else if (start)
            rev[line] = on, start = false;
        p++;
    }
}

static int selected(const struct screen *s)
{
    bool rev[MAXLINES];
    reverse_lines(s->raw, rev, MAXLINES);
    int t = titles(s), st = status_at(s);
    for (int i = t + 1; t >= 0 && i < st; i++)
        if (rev[i])
            return i - t - 1;
    return -1;
}

static bool p_selected(const struct screen *s, const void *arg) { return selected(s) == *(const int *)arg; }

static void until_selected(struct screen *s, int want, const char *after)
{
    char what[64];
    snprintf(what, sizeof what, "the selection on row %d after %s", want, after);
    wait_for(s, true, p_selected, &want, what);
}

/* ---- the run --------------------------------------------------------------------------- */

static const char *python3(void)
{
    const struct py_interp *py;
    size_t n = harness_interps(&py);
    for (size_t i = 0; i < n; i++)
        if (py[i].major == 3 && py[i].path[0])
            return py[i].path;
    return NULL;
}

static const char *script(void)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/test/targets/view_work.py", harness_root());
    return path;
}

struct run {
    char dir[64];      /* the dump directory, and the pane's working directory */
    pid_t target;      /* started here (attach mode), or 0 */
    const char *py;
};

static bool have_tmux(void)
{
    char *argv[] = {"tmux", "-V", NULL};
    return harness_run(argv, NULL, NULL, 10) == 0;
}

static bool run_init(struct run *r, int server_k)
{
    memset(r, 0, sizeof *r);
    r->py = python3();
    if (!r->py || !have_tmux()) {
        printf("viewer: skipped: %s\n", r->py ? "tmux is not installed" : "no python3 interpreter present");
        return false;
    }
    test_dir(server_k, r->dir, sizeof r->dir);
    harness_remove_dir(r->dir);
    ck_assert_msg(mkdir(r->dir, 0700) == 0, "mkdir %s: %s", r->dir, strerror(errno));
    use_server(server_k);
    kill_server();
    return true;
}

static void start_target(struct run *r)
{
    char *args[] = {(char *)script(), NULL};
    r->target = harness_start_target(r->py, args, 20);
    ck_assert_msg(r->target > 0, "target did not start");
}

/* A pane running cmd (a shell command line), then printing its exit status. */
static void start_pane(const char *cmd)
{
    char line[4096];
    snprintf(line, sizeof line, "%s; echo PYTOP-EXIT=$?; sleep 300", cmd);
    char x[16], y[16];
    snprintf(x, sizeof x, "%d", COLS);
    snprintf(y, sizeof y, "%d", ROWS);
    DO("new-session", "-d", "-s", "main", "-x", x, "-y", y, line);
}

static void run_end(struct run *r)
{
    kill_server();
    harness_stop_target(r->target);
    harness_remove_dir(r->dir);
}

/* The terminal is back to the shell: pytop printed its status, the alternate screen is off. */
static void until_exit(struct screen *s, const char *code)
{
    char want[32];
    snprintf(want, sizeof want, "PYTOP-EXIT=%s", code);
    until(s, want);
    char *alt = TMUX("display-message", "-p", "-t", "main", "#{alternate_on}");
    ck_assert_msg(alt[0] == '0', "alternate screen still on after exit (%s)", alt);
    free(alt);
}

/* ---- dumps ------------------------------------------------------------------------------- */

static const char *written(const struct screen *s)
{
    static char path[1024];
    const char *p = strstr(status(s), "written to ");
    ck_assert_msg(p, "status: %s", status(s));
    snprintf(path, sizeof path, "%s", p + strlen("written to "));
    return path;
}

/* The file's lines after its titles line equal the screen's table lines. */
static bool p_new_dump(const struct screen *s, const void *arg)
{
    return strstr(status(s), "written to ") && strcmp(status(s), arg) != 0;
}

static void dump_equals_screen(struct screen *s, size_t min_rows)
{
    char before[1024];
    snprintf(before, sizeof before, "%s", status(s));
    key("d");
    wait_for(s, false, p_new_dump, before, "a new dump");
    char *text = NULL;
    ck_assert_int_eq(pt_read_file(written(s), &text, NULL), PT_OK);
    char *p = strstr(text, TITLES "\n");
    ck_assert_msg(p, "no titles line in the dump:\n%s", text);
    p += strlen(TITLES) + 1;
    char *want[MAXLINES];
    size_t n = rows(s, want), i = 0;
    for (char *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1, i++) {
        *nl = '\0';
        ck_assert_msg(i < n, "dump has more lines than the screen: %s", p);
        ck_assert_str_eq(p, want[i]);
    }
    ck_assert_uint_eq(i, n);
    ck_assert_uint_ge(n, min_rows); /* the rows really were compared */
    free(text);
}

/* The pane at a size, redrawn: as many lines, the titles, and (wide) no shortened name. */
struct size {
    size_t rows;
    bool wide;
};
static bool p_size(const struct screen *s, const void *arg)
{
    const struct size *z = arg;
    char *r[MAXLINES];
    size_t n = s->n == z->rows && titles(s) >= 0 ? rows(s, r) : 0;
    bool whole = n > 0;
    for (size_t i = 0; i < n && z->wide; i++)
        whole = whole && !strstr(r[i], "\u2026");
    return whole;
}

static void wide(struct screen *s, bool on)
{
    DO("resize-window", "-t", "main", "-x", on ? "200" : "100", "-y", on ? "40" : "30");
    struct size z = {on ? 40 : 30, on};
    wait_for(s, false, p_size, &z, on ? "the pane at 200x40" : "the pane at 100x30");
}

/* ---- coverage of the key table -------------------------------------------------------------- */

#define MAX_LABELS 128
struct covered {
    const char *label[MAX_LABELS];
    size_t n;
};

static void mark(struct covered *c, const char *label) { c->label[c->n++] = label; }

static void check_coverage(const struct covered *c)
{
    size_t nrows;
    const struct ui_key *k = ui_keys_table(&nrows);
    for (size_t r = 0; r < nrows; r++) {
        char labels[128];
        ui_keys_labels(&k[r], labels, sizeof labels);
        for (char *save, *l = strtok_r(labels, ", ", &save); l; l = strtok_r(NULL, ", ", &save)) {
            bool done = false;
            for (size_t i = 0; i < c->n && !done; i++)
                done = strcmp(c->label[i], l) == 0;
            ck_assert_msg(done, "key %s of the key table was not exercised", l);
        }
    }
}

/* Send a key and wait for what it must show; remember its label. */
static void press(struct screen *s, struct covered *c, const char *label, const char *tmux_key,
                  const char *expect)
{
    mark(c, label);
    if (strlen(tmux_key) == 1)
        text(tmux_key);
    else
        key(tmux_key);
    if (expect)
        until(s, expect);
}

/* ---- tests ------------------------------------------------------------------------------------ */

/* No colour escape (30-37, 38, 40-48, 90-107) anywhere in an escaped capture. */
static bool colourless(const char *raw)
{
    for (const char *p = strstr(raw, "\x1b["); p; p = strstr(p + 1, "\x1b[")) {
        const char *q = p + 2;
        while (*q && *q != 'm' && (*q == ';' || (*q >= '0' && *q <= '9'))) {
            long v = strtol(q, (char **)&q, 10);
            if ((v >= 30 && v <= 38) || (v >= 40 && v <= 48) || (v >= 90 && v <= 107))
                return false;
            if (*q == ';')
                q++;
        }
    }
    return true;
}

static void check_sorted(const struct screen *s, int column, bool descending)
{
    char *r[MAXLINES];
    size_t n = rows(s, r);
    double prev = descending ? 1e18 : -1;
    for (size_t i = 0; i < n; i++) {
        double v[2];
        ck_assert_int_eq(sscanf(r[i], "%lf %lf", &v[0], &v[1]), 2);
        ck_assert_msg(descending ? v[column] <= prev : v[column] >= prev, "not sorted at: %s", r[i]);
        prev = v[column];
    }
}

static void tour_moves(struct screen *s, struct covered *c)
{
    char *r[MAXLINES];
    grab(s, false);
    int last = (int)rows(s, r) - 1;
    ck_assert_int_ge(last, 4);
    static const struct {
        const char *label, *key;
        bool to_last;
        int fixed;
    } moves[] = {
        {"K", "K", false, 0},      {"j", "j", false, 1},       {"k", "k", false, 0},
        {"Down", "Down", false, 1}, {"Up", "Up", false, 0},     {"G", "G", true, 0},
        {"Home", "Home", false, 0}, {"End", "End", true, 0},   {"PgUp", "PPage", false, 0},
        {"PgDn", "NPage", true, 0}, {"b", "b", false, 0},      {"Space", "Space", true, 0},
        {"Ctrl-B", "C-b", false, 0}, {"Ctrl-F", "C-f", true, 0},
    };
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++) {
        press(s, c, moves[i].label, moves[i].key, NULL);
        until_selected(s, moves[i].to_last ? last : moves[i].fixed, moves[i].label);
    }
}

static void tour_sort(struct screen *s, struct covered *c)
{
    press(s, c, "2", "2", "\u25bc%Total");
    check_sorted(s, 1, true);
    press(s, c, "2", "2", "\u25b2%Total");
    check_sorted(s, 1, false);
    press(s, c, "3", "3", "\u25bcOwnTime");
    press(s, c, "4", "4", "\u25bcTotalTime");
    press(s, c, "5", "5", "\u25b2Function");
    press(s, c, "<", "<", "\u25bcTotalTime");
    press(s, c, ">", ">", "\u25b2Function");
    press(s, c, "1", "1", "\u25bc%Own");
    check_sorted(s, 0, true);
}

static void tour_filter(struct screen *s, struct covered *c)
{
    char *r[MAXLINES];
    press(s, c, "/", "/", "Filter:");
    text("query");
    until_status(s, "Filter: query");
    press(s, c, "Enter", "Enter", NULL);
    until_status(s, "filter \"query\"");
    ck_assert_uint_eq(rows(s, r), 1);
    ck_assert_msg(strstr(r[0], "  query ("), "%s", r[0]);
    press(s, c, "=", "=", NULL);
    until_status(s, "filter cleared");
    ck_assert_uint_gt(rows(s, r), 4);
    text("/");
    text("zzz");
    until(s, "no function matches the filter");
    press(s, c, "Esc", "Escape", NULL);
    until_gone(s, "no function matches");
    ck_assert_uint_gt(rows(s, r), 4);
}

/* Callers and callees of the known call graph, two levels deep, and back. */
static void tour_drill(struct screen *s, struct covered *c)
{
    text("/");
    text("handle");
    key("Enter");
    until_status(s, "filter \"handle\"");
    key("Enter");
    until_header(s, 3, "drill: handle", false);
    text("=");
    until(s, "  (self)");
    until(s, "計算 (");
    int callers = line_with(s, "Callers: %Share Samples Function"), callees = line_with(s, "Callees:");
    ck_assert_int_gt(callers, 0);
    ck_assert_int_eq(line_with(s, "  main ("), callers + 1);
    ck_assert_int_gt(line_with(s, "  query ("), callees);
    ck_assert_int_gt(line_with(s, "計算 ("), callees);
    wide(s, true);
    dump_equals_screen(s, 5);
    wide(s, false);
    text("/");
    text("query");
    key("Enter");
    until_status(s, "filter \"query\"");
    text("G");
    press(s, c, "Right", "Right", NULL);
    until_header(s, 3, "drill: handle > query", false);
    text("=");
    until(s, "計算 (");
    callers = line_with(s, "Callers:");
    callees = line_with(s, "Callees:");
    ck_assert_int_gt(line_with(s, "  handle ("), callers);
    ck_assert_int_lt(line_with(s, "  handle ("), callees);
    ck_assert_int_lt(line_with(s, "計算 ("), callees);
    press(s, c, "Backspace", "BSpace", NULL);
    until_header(s, 3, "> query", true);
    until_header(s, 3, "drill: handle", false);
    press(s, c, "Left", "Left", NULL);
    until_header(s, 3, "drill:", true);
}

static void tour_threads(struct screen *s, struct covered *c)
{
    press(s, c, "t", "t", "(every thread)");
    until(s, "MainThread");
    until(s, "sleeper");
    text("G");
    key("Enter");
    until_header(s, 3, "(sleeper)", false);
    text("t");
    until(s, "(every thread)");
    text("K");
    key("Enter");
    until_header(s, 3, "thread all", false);
}

static void tour_toggles(struct screen *s, struct covered *c)
{
    press(s, c, "L", "L", NULL);
    until_header(s, 3, "keys line", false);
    text("L");
    until_header(s, 3, "keys function", false);
    press(s, c, "i", "i", NULL);
    until_header(s, 3, "idle shown", false);
    text("i");
    until_header(s, 3, "idle shown", true);
    press(s, c, "g", "g", NULL);
    until_header(s, 3, "GIL only", false);
    text("g");
    until_header(s, 3, "GIL only", true);
    press(s, c, "w", "w", NULL); /* started with --window all */
    until_header(s, 2, "window last (", false);
    text("w");
    until_header(s, 2, "window 10s (", false);
    text("w");
    until_header(s, 2, "window 60s (", false);
    text("w");
    until_header(s, 2, "window all (", false);
    press(s, c, "R", "R", NULL);
    until_status(s, "statistics reset");
    press(s, c, "Ctrl-L", "C-l", NULL);
    until_titles(s);
}

static void tour_help(struct screen *s, struct covered *c)
{
    press(s, c, "?", "?", "pytop keys");
    until(s, "sort by the previous column");
    text("x"); /* any other key closes it */
    until_gone(s, "pytop keys");
    press(s, c, "h", "h", "pytop keys");
    text("q"); /* closes the help, does not quit */
    until_gone(s, "pytop keys");
    press(s, c, "F1", "F1", "pytop keys");
    key("Escape");
    until_gone(s, "pytop keys");
    until_titles(s);
}

static void tour_resize(struct screen *s)
{
    DO("resize-window", "-t", "main", "-x", "10", "-y", "5");
    for (long end = harness_now_ms() + WAIT_MS; harness_now_ms() < end; nap_ms(POLL_MS)) {
        grab(s, false);
        if (s->n == 5 && strncmp(s->line[0], "pid ", 4) == 0 && strlen(s->line[0]) <= 10)
            break;
    }
    ck_assert_msg(s->n == 5 && strncmp(s->line[0], "pid ", 4) == 0, "at 10x5:\n%s", s->raw);
    DO("resize-window", "-t", "main", "-x", "3", "-y", "2");
    DO("resize-window", "-t", "main", "-x", "100", "-y", "30");
    until_titles(s);
    until(s, "  query (");
}

/* Freeze: the whole screen holds still over several refreshes. */
static void tour_freeze(struct screen *s, struct covered *c)
{
    press(s, c, "f", "f", NULL);
    until_header(s, 3, "FROZEN", false);
    struct screen a = {0};
    grab(&a, false);
    for (long end = harness_now_ms() + 1500; harness_now_ms() < end; nap_ms(100)) { /* three refreshes at -d 0.5 */
        grab(s, false);
        ck_assert_str_eq(s->raw, a.raw);
    }
    screen_free(&a);
}

START_TEST(tour)
{
    struct run r;
    if (!run_init(&r, 0))
        return;
    start_target(&r);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd %s && env NO_COLOR=1 LC_ALL=C.UTF-8 %s -d 0.5 --window all --dump-dir %s %d",
             r.dir, harness_pytop(), r.dir, (int)r.target);
    start_pane(cmd);
    struct screen s = {0};
    struct covered c = {0};
    until(&s, "  handle (");
    until(&s, "計算 (");
    until(&s, "  query (");
    grab(&s, true);
    ck_assert_msg(colourless(s.raw), "NO_COLOR set, yet colours:\n%s", s.raw);
    ck_assert_msg(selected(&s) == 0, "no reverse video for the selection:\n%s", s.raw);
    tour_freeze(&s, &c);
    tour_moves(&s, &c);
    tour_sort(&s, &c);
    wide(&s, true);
    dump_equals_screen(&s, 5); /* query, <module>, main, handle, 計算 at least */
    wide(&s, false);
    tour_filter(&s, &c);
    tour_drill(&s, &c);
    press(&s, &c, "F", "F", NULL);
    until_status(&s, "flame graph written to ");
    char *svg = NULL;
    ck_assert_int_eq(pt_read_file(written(&s), &svg, NULL), PT_OK);
    ck_assert_msg(strncmp(svg, "<?xml", 5) == 0 && strstr(svg, "<svg"), "not an SVG");
    free(svg);
    tour_threads(&s, &c);
    tour_toggles(&s, &c);
    tour_help(&s, &c);
    press(&s, &c, "p", "p", NULL); /* unfreezes */
    until_header(&s, 3, "FROZEN", true);
    tour_resize(&s);
    mark(&c, "d");     /* dump_equals_screen */
    mark(&c, "F10");   /* the exit test quits with it */
    mark(&c, "q");
    check_coverage(&c);
    text("q");
    until_exit(&s, "0");
    screen_free(&s);
    run_end(&r);
}
END_TEST

START_TEST(target_exits_while_viewed)
{
    struct run r;
    if (!run_init(&r, 1))
        return;
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd %s && env -u NO_COLOR LC_ALL=C.UTF-8 %s -d 0.3 --dump-dir %s -- %s %s %s/stop",
             r.dir, harness_pytop(), r.dir, r.py, script(), r.dir);
    start_pane(cmd);
    struct screen s = {0};
    until(&s, "  query (");
    until(&s, "計算 (");
    /* the command's output went to the file the status line names */
    until_status(&s, "the command's output goes to ");
    char log[512], *out = NULL;
    snprintf(log, sizeof log, "%s", strstr(status(&s), " to ") + 4);
    for (long end = harness_now_ms() + WAIT_MS; harness_now_ms() < end && !(out && strstr(out, "READY")); nap_ms(POLL_MS)) {
        free(out);
        out = NULL;
        pt_read_file(log, &out, NULL);
    }
    ck_assert_msg(out && strstr(out, "READY"), "%s: %s", log, out ? out : "(unreadable)");
    free(out);
    grab(&s, true);
    ck_assert_msg(!colourless(s.raw), "no colours on a colour terminal:\n%s", s.raw);
    char stop[128];
    snprintf(stop, sizeof stop, "%s/stop", r.dir);
    int fd = open(stop, O_CREAT | O_WRONLY, 0644);
    ck_assert_int_ge(fd, 0);
    close(fd);
    until_header(&s, 3, "process exited", false);
    until_header(&s, 3, "FROZEN", false);
    until_status(&s, "exited: the view is frozen");
    struct screen a = {0};
    grab(&a, false);
    for (long end = harness_now_ms() + 1000; harness_now_ms() < end; nap_ms(100)) {
        grab(&s, false);
        ck_assert_str_eq(s.raw, a.raw);
    }
    screen_free(&a);
    text("/");
    text("query");
    key("Enter");
    until_status(&s, "filter \"query\"");
    key("Enter");
    until_header(&s, 3, "drill: query", false);
    text("d");
    until_status(&s, "written to ");
    char *dump = NULL;
    ck_assert_int_eq(pt_read_file(written(&s), &dump, NULL), PT_OK);
    ck_assert_msg(strstr(dump, "state: process exited; FROZEN; drill: query\n"), "%s", dump);
    free(dump);
    key("F10");
    until_exit(&s, "0");
    screen_free(&s);
    run_end(&r);
}
END_TEST

/* The pane's shell's child: pytop. */
static pid_t pytop_pid(void)
{
    char *pane = TMUX("display-message", "-p", "-t", "main", "#{pane_pid}");
    pid_t shell = (pid_t)atoi(pane);
    free(pane);
    DIR *d = opendir("/proc");
    struct dirent *e;
    pid_t found = 0;
    while (d && !found && (e = readdir(d)) != NULL) {
        char path[600], *stat = NULL;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        if (pt_read_file(path, &stat, NULL) != PT_OK)
            continue;
        const char *close_paren = strrchr(stat, ')');
        int ppid = 0;
        if (close_paren && sscanf(close_paren + 2, "%*c %d", &ppid) == 1 && ppid == shell)
            found = (pid_t)atoi(e->d_name);
        free(stat);
    }
    if (d)
        closedir(d);
    return found;
}

/* No thread of pid is stopped (t or T). */
static bool running(pid_t pid)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    struct dirent *e;
    bool ok = d != NULL;
    while (d && (e = readdir(d)) != NULL) {
        char path[600], *stat = NULL;
        snprintf(path, sizeof path, "%s/%s/stat", dir, e->d_name);
        if (e->d_name[0] == '.' || pt_read_file(path, &stat, NULL) != PT_OK)
            continue;
        const char *p = strrchr(stat, ')');
        ok = ok && p && p[2] != 't' && p[2] != 'T';
        free(stat);
    }
    if (d)
        closedir(d);
    return ok;
}

static void signal_pytop(struct run *r, int sig, const char *code)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd %s && env LC_ALL=C.UTF-8 %s -d 0.3 --blocking --dump-dir %s %d", r->dir,
             harness_pytop(), r->dir, (int)r->target);
    start_pane(cmd);
    struct screen s = {0};
    until(&s, "  query (");
    pid_t p = pytop_pid();
    ck_assert_int_gt(p, 0);
    ck_assert_int_eq(kill(p, sig), 0);
    until_exit(&s, code);
    ck_assert_msg(running(r->target), "the target was left stopped after signal %d", sig);
    ck_assert_int_eq(kill(r->target, 0), 0);
    screen_free(&s);
    kill_server();
}

START_TEST(signals_restore_the_terminal)
{
    struct run r;
    if (!run_init(&r, 2))
        return;
    start_target(&r);
    signal_pytop(&r, SIGHUP, "0"); /* the SSH connection dropped */
    signal_pytop(&r, SIGTERM, "0");
    signal_pytop(&r, SIGSEGV, "139"); /* dies of it, but the terminal is back */
    run_end(&r);
}
END_TEST

START_TEST(no_terminal_suggests_batch)
{
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    char *argv[] = {(char *)harness_pytop(), pid, NULL}, *out = NULL, *err = NULL;
    int rc = harness_run(argv, &out, &err, 10); /* stdin is /dev/null */
    ck_assert_msg(rc == 2 && err && strstr(err, "-b") && strstr(err, "terminal"), "exit %d: %s", rc, err);
    ck_assert_str_eq(out, "");
    free(out);
    free(err);
    struct run r;
    if (!run_init(&r, 3))
        return;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "env TERM=pytop-no-such-terminal %s 1", harness_pytop());
    start_pane(cmd);
    struct screen s = {0};
    until(&s, "PYTOP-EXIT=2");
    ck_assert_msg(has(&s, "pytop-no-such-terminal") && has(&s, "-b"), "%s", s.raw);
    /* TERM unset, and a known terminal that cannot address the cursor */
    static const struct {
        const char *env, *says;
    } terms[] = {{"-u TERM", "TERM is not set"}, {"TERM=dumb", "TERM=dumb cannot move the cursor"}};
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
        kill_server();
        snprintf(cmd, sizeof cmd, "env %s %s 1", terms[i].env, harness_pytop());
        start_pane(cmd);
        until(&s, "PYTOP-EXIT=2");
        ck_assert_msg(has(&s, terms[i].says) && has(&s, "-b"), "env %s:\n%s", terms[i].env, s.raw);
    }
    screen_free(&s);
    run_end(&r);
}
END_TEST

/* Resize storm: the window changes size (down to 1x1, up to 250x80)
 * hundreds of times while pytop samples and redraws; it must survive,
 * draw the table again at a normal size, and quit cleanly on q. */
START_TEST(resize_storm)
{
    static const int sizes[][2] = {{10, 5}, {1, 1}, {250, 80}, {3, 2}, {80, 24}, {37, 11},
                                   {250, 3}, {5, 80}, {2, 40}, {120, 1}, {100, 30}, {11, 7}};
    struct run r;
    if (!run_init(&r, 4))
        return;
    start_target(&r);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd %s && env LC_ALL=C.UTF-8 %s -d 0.1 -r 500 --dump-dir %s %d", r.dir,
             harness_pytop(), r.dir, (int)r.target);
    start_pane(cmd);
    struct screen s = {0};
    until(&s, "  query (");
    pid_t p = pytop_pid();
    ck_assert_int_gt(p, 0);
    const size_t n = sizeof sizes / sizeof sizes[0];
    for (size_t i = 0; i < 20 * n; i++) {
        char x[16], y[16];
        snprintf(x, sizeof x, "%d", sizes[(i * 7) % n][0]); /* 7 and n coprime: every size, mixed order */
        snprintf(y, sizeof y, "%d", sizes[(i * 7) % n][1]);
        DO("resize-window", "-t", "main", "-x", x, "-y", y);
        if (i % 16 == 0)
            text(i % 32 ? "j" : "k"); /* keys in between */
    }
    ck_assert_msg(kill(p, 0) == 0, "pytop died in the resize storm");
    DO("resize-window", "-t", "main", "-x", "100", "-y", "30");
    struct size z = {30, false};
    wait_for(&s, false, p_size, &z, "the table at 100x30 after the storm");
    until(&s, "  query (");
    text("q");
    until_exit(&s, "0");
    screen_free(&s);
    run_end(&r);
}
END_TEST

Suite *suite_viewer(void)
{
    Suite *s = suite_create("viewer");
    TCase *tc = tcase_create("tmux");
    tcase_add_unchecked_fixture(tc, unchecked_setup, unchecked_teardown);
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, tour);
    tcase_add_test(tc, target_exits_while_viewed);
    tcase_add_test(tc, signals_restore_the_terminal);
    tcase_add_test(tc, no_terminal_suggests_batch);
    tcase_add_test(tc, resize_storm);
    suite_add_tcase(s, tc);
    return s;
}
