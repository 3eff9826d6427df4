/*
 * check_accuracy — do pytop's shares match what the target really did?
 * On every interpreter present, in --auto mode (blocking on <= 3.10,
 * non-blocking on 3.11+, checked in the header).
 *
 * test/targets/acc_burn.py's main thread shares its real time 60/30/10
 * between burn60, burn30 and burn10, measuring it itself: it calls them
 * for random quanta of 0.5-3 ms (so calls cannot stay in step with the
 * sampler's period), always the one furthest behind its share, timing
 * each call. Time the machine takes from it (preemption on a loaded
 * machine, ptrace pauses) is counted to the function it happened in,
 * which is where a sampler sees it, and made up with the others; so the
 * shares of real time are right even on a loaded machine, and any error
 * is pytop's. A second thread sleeps in idle_sleeper().
 *
 * The target writes the time it has spent in each function to a file.
 * `pytop -b --window all -r 200 -d 0.25 -t 3.25 PID` runs in the
 * background and the test reads the target's counters as the first
 * table appears and as each later one does: the last table's counts
 * (window all, so cumulative: %Own x samples) minus the first's are what
 * pytop saw over those 3 s, the counters' difference what the target
 * really did over the same 3 s. pytop's shares of the three must be
 * within 5 points of the target's, which are 60/30/10 unless the machine
 * stalled the target for long inside one function.
 *
 * On a loaded machine the target can be stalled for hundreds of ms while
 * pytop is starved too (in blocking mode pytop may even hold it paused
 * meanwhile): the target counts that time, pytop cannot sample it, so a
 * window can disagree by more than 5 points without pytop being wrong.
 * Such a mismatch is measured again, up to 3 times in all; an error of
 * pytop's own (a misattributed frame, a wrong count) keeps failing.
 *
 * The shares are normalised to the samples that landed in the three: the
 * driver's own loop (choosing the next call, writing the counters) is
 * outside the time the target measures but takes real time too, so a few
 * samples land in driver itself; those must stay few (the three hold at
 * least 90% of the samples). Their common caller, driver, must have a
 * %Total equal to their %Own added up plus its own, up to rounding.
 * The idle thread never shows by default, shows with --idle, and with
 * --gil (even with --idle) only the GIL holder's stack shows.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_TIMEOUT_S 20
#define RUN_TIMEOUT_S 40
#define WHY_MAX 2048
#define TOLERANCE_PP 5.0
#define MIN_IN_THREE 90.0 /* % of the window the three functions must hold */
#define MIN_SAMPLES 100   /* a window smaller than this says nothing */
#define MIN_SHORT 20      /* samples a short run for --idle/--gil needs */
#define ATTEMPTS 3        /* share measurements before a mismatch fails */

/* One row of the final table. */
struct row {
    double own, total;
    char name[256], file[1024];
};

struct final_table {
    char mode[64], version[64], idle[8], gil_only[8];
    unsigned long long wsamples;
    struct row *rows;
    size_t n;
};

/* Table number `which` (0 first, -1 last) of a batch run: the header facts
 * we check and its rows (fixed columns: %6.1f %6.1f %7s %7s, two spaces,
 * "name (file:line)"). */
static bool parse_table(const char *out, int which, struct final_table *t, char *why)
{
    memset(t, 0, sizeof *t);
    const char *last = NULL;
    int n = 0;
    for (const char *p = out; (p = strstr(p, "pytop: pid ")) != NULL; p++)
        if ((p == out || p[-1] == '\n') && (which < 0 || n++ <= which))
            last = p;
    if (!last || (which >= 0 && n <= which))
        return harness_why(why, WHY_MAX, "no table %d in the output", which);
    const char *l2 = strchr(last, '\n');
    const char *l3 = l2 ? strchr(l2 + 1, '\n') : NULL;
    const char *py = strstr(last, ") - Python ");
    if (!l2 || !l3 || !py || py > l2)
        return harness_why(why, WHY_MAX, "the final table's header is cut short");
    if (sscanf(py, ") - Python %63s", t->version) != 1 ||
        sscanf(l2 + 1, "mode %63[^,],", t->mode) != 1)
        return harness_why(why, WHY_MAX, "the final table's header does not parse");
    const char *w = strstr(l3 + 1, "), sort ");
    const char *ws = strstr(l3 + 1, ", window ");
    const char *id = strstr(l3 + 1, ", idle ");
    const char *gl = strstr(l3 + 1, ", gil-only ");
    if (!w || !ws || !id || !gl)
        return harness_why(why, WHY_MAX, "header line 3 does not parse");
    const char *cnt = w;
    while (cnt > ws && cnt[-1] != ',')
        cnt--;
    if (sscanf(cnt, " %llu samples)", &t->wsamples) != 1 || sscanf(id, ", idle %7[a-z]", t->idle) != 1 ||
        sscanf(gl, ", gil-only %7[a-z]", t->gil_only) != 1)
        return harness_why(why, WHY_MAX, "header line 3 does not parse");
    const char *titles = strstr(l3, "\n%Own %Total OwnTime TotalTime Function\n");
    if (!titles)
        return harness_why(why, WHY_MAX, "no titles line in the final table");
    const char *p = strchr(titles + 1, '\n') + 1;
    while (*p && *p != '\n') {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[2048];
        if (len >= sizeof line || len < 32 || p[6] != ' ' || p[13] != ' ' || p[29] != ' ' || p[30] != ' ')
            return harness_why(why, WHY_MAX, "row does not have the fixed columns: %.*s", (int)len, p);
        memcpy(line, p, len);
        line[len] = '\0';
        struct row r;
        const char *text = line + 31, *open = NULL;
        for (const char *q = strstr(text, " ("); q; q = strstr(q + 1, " ("))
            open = q;
        if (sscanf(line, "%lf %lf", &r.own, &r.total) != 2 || !open || line[len - 1] != ')')
            return harness_why(why, WHY_MAX, "row does not parse: %s", line);
        snprintf(r.name, sizeof r.name, "%.*s", (int)(open - text), text);
        snprintf(r.file, sizeof r.file, "%.*s", (int)(line + len - 1 - (open + 2)), open + 2);
        struct row *nr = realloc(t->rows, (t->n + 1) * sizeof *nr);
        if (!nr)
            return harness_why(why, WHY_MAX, "out of memory");
        t->rows = nr;
        t->rows[t->n++] = r;
        p += len + (nl != NULL);
    }
    return true;
}

static const char *const burns[] = {"burn60", "burn30", "burn10"};

static const struct row *find(const struct final_table *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->rows[i].name, name) == 0)
            return &t->rows[i];
    return NULL;
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
    return ok ? true : harness_why(why, WHY_MAX, "could not ask the interpreter its version");
}

static pid_t start_target(const struct py_interp *py, const char *counters)
{
    char root[PATH_MAX], script[PATH_MAX + 64];
    if (!realpath(harness_root(), root))
        snprintf(root, sizeof root, "%s", harness_root());
    snprintf(script, sizeof script, "%s/test/targets/acc_burn.py", root);
    if (access("/usr/bin/setpriv", X_OK) == 0) {
        char *args[] = {"--pdeathsig", "KILL", "--", (char *)py->path, "-B", "-s", script,
                        (char *)counters, NULL};
        return harness_start_target("/usr/bin/setpriv", args, START_TIMEOUT_S);
    }
    char *args[] = {"-B", "-s", script, (char *)counters, NULL};
    return harness_start_target(py->path, args, START_TIMEOUT_S);
}

/* The target's counters: read until two reads in a row agree (the target
 * rewrites them in place every few ms). */
static bool read_counters(const char *path, double c[3])
{
    double prev[3] = {-1, -1, -1};
    for (int tries = 0; tries < 200; tries++) {
        char *s = harness_read_file(path);
        double v[3];
        bool ok = s && sscanf(s, "%lf %lf %lf", &v[0], &v[1], &v[2]) == 3;
        free(s);
        if (ok && v[0] == prev[0] && v[1] == prev[1] && v[2] == prev[2]) {
            memcpy(c, v, sizeof v);
            return true;
        }
        if (ok)
            memcpy(prev, v, sizeof v);
        harness_sleep_ms(1);
    }
    return false;
}

/* How many tables the output file holds so far. */
static int tables_in(const char *path)
{
    char *s = harness_read_file(path);
    int n = 0;
    for (const char *p = s; p && (p = strstr(p, "\n%Own %Total OwnTime TotalTime Function\n")) != NULL; p++)
        n++;
    free(s);
    return n;
}


/* Samples of a function in a table: its %Own of the window's samples. */
static double own_count(const struct final_table *t, const char *name)
{
    const struct row *r = find(t, name);
    return r ? r->own * (double)t->wsamples / 100.0 : 0;
}

/* `pytop -b --window all -r 200 -d 0.25 -t 3.25 PID` in the background.
 * The target's counters are read as the first table appears and as each
 * later one does; the difference of the first and the last table's
 * counts (window all: cumulative) is what pytop saw in between, the
 * difference of the counters what the target did. count[] gets pytop's
 * samples of the three in that interval, *wint all of its samples there,
 * truth[] the target's shares; t is the last table. */
static bool main_run(pid_t pid, const char *dir, const char *counters, struct final_table *t,
                     double count[3], unsigned long long *wint, double truth[3], char *why)
{
    memset(t, 0, sizeof *t);
    char pidarg[16], out[PATH_MAX], err[PATH_MAX];
    snprintf(pidarg, sizeof pidarg, "%d", (int)pid);
    snprintf(out, sizeof out, "%s/pytop.out", dir);
    snprintf(err, sizeof err, "%s/pytop.err", dir);
    char *argv[] = {(char *)harness_pytop(), "-b", "--window", "all", "-r", "200", "-d", "0.25",
                    "-t", "3.25", pidarg, NULL};
    pid_t p = harness_spawn_bg(argv, out, err);
    if (p < 0)
        return harness_why(why, WHY_MAX, "fork failed");
    double a[3] = {0}, b[3] = {0};
    int first = -1, last = -1, status = 0;
    bool ok = true, ended = false;
    long deadline = harness_now_ms() + RUN_TIMEOUT_S * 1000L;
    while (ok) {
        ended = waitpid(p, &status, WNOHANG) == p; /* then look once more */
        int n = tables_in(out);
        if (n > 0 && n - 1 > last) {
            bool at_first = first < 0;
            if (!read_counters(counters, at_first ? a : b))
                ok = harness_why(why, WHY_MAX, "cannot read the target's counters %s", counters);
            if (at_first)
                first = n - 1;
            last = n - 1;
        }
        if (ended)
            break;
        if (harness_now_ms() > deadline) {
            kill(p, SIGKILL);
            waitpid(p, &status, 0);
            ok = harness_why(why, WHY_MAX, "pytop -t 3.25 did not exit");
        }
        harness_sleep_ms(2);
    }
    if (!ended && ok)
        ok = harness_why(why, WHY_MAX, "pytop did not end");
    char *text = harness_read_file(out), *etext = harness_read_file(err);
    if (ok && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
        ok = harness_why(why, WHY_MAX, "pytop ended with status %#x: %s", status, etext ? etext : "");
    struct final_table t1 = {0};
    if (ok && (first < 0 || last <= first))
        ok = harness_why(why, WHY_MAX, "tables seen: first %d, last %d", first, last);
    if (ok)
        ok = parse_table(text ? text : "", first, &t1, why) && parse_table(text ? text : "", last, t, why);
    *wint = ok && t->wsamples > t1.wsamples ? t->wsamples - t1.wsamples : 0;
    if (ok && *wint < MIN_SAMPLES)
        ok = harness_why(why, WHY_MAX, "only %llu samples between the first and the last table", *wint);
    for (int k = 0; ok && k < 3; k++)
        count[k] = own_count(t, burns[k]) - own_count(&t1, burns[k]);
    free(t1.rows);
    double sum = 0;
    for (int k = 0; k < 3; k++)
        sum += truth[k] = b[k] - a[k];
    for (int k = 0; ok && k < 3; k++)
        truth[k] = sum > 0 ? truth[k] * 100.0 / sum : 0;
    if (ok && !(sum > 1.0))
        ok = harness_why(why, WHY_MAX, "the target spent %.3f s in the three during a 3 s window", sum);
    if (!ok)
        fprintf(stderr, "---- pytop output ----\n%s---- stderr ----\n%s----\n", text ? text : "",
                etext ? etext : "");
    free(text);
    free(etext);
    unlink(out);
    unlink(err);
    return ok;
}

/* pytop -b --window all -r 200 -t SECS [extra] PID: its final table. */
static bool run(pid_t pid, const char *secs, const char *extra1, const char *extra2,
                unsigned long long min_samples, struct final_table *t, char *why)
{
    memset(t, 0, sizeof *t);
    char pidarg[16];
    snprintf(pidarg, sizeof pidarg, "%d", (int)pid);
    char *argv[12] = {(char *)harness_pytop(), "-b", "--window", "all", "-r", "200", "-t",
                      (char *)secs};
    size_t n = 8;
    if (extra1)
        argv[n++] = (char *)extra1;
    if (extra2)
        argv[n++] = (char *)extra2;
    argv[n++] = pidarg;
    argv[n] = NULL;
    char *out = NULL, *err = NULL;
    bool ok = false;
    /* a loaded machine can keep the sampler thread from running for a
     * good part of a short run: too few samples is measured again */
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
        free(out), free(err), free(t->rows);
        memset(t, 0, sizeof *t);
        out = err = NULL;
        int rc = harness_run(argv, &out, &err, RUN_TIMEOUT_S);
        ok = rc == 0 ? parse_table(out ? out : "", -1, t, why)
                     : harness_why(why, WHY_MAX, "pytop exited with %d: %s", rc, err ? err : "");
        if (ok && t->wsamples < min_samples)
            ok = harness_why(why, WHY_MAX, "only %llu samples in the window", t->wsamples);
        else
            break;
        printf("accuracy: attempt %d of %d: %s\n", attempt, ATTEMPTS, why);
    }
    if (!ok)
        fprintf(stderr, "---- pytop output ----\n%s---- stderr ----\n%s----\n", out ? out : "",
                err ? err : "");
    free(out);
    free(err);
    return ok;
}

/* In a short window the driver may be making up for a stall in one
 * burner and run only the others: any of them shows it sampled. */
static bool any_burner(const struct final_table *t)
{
    return find(t, burns[0]) || find(t, burns[1]) || find(t, burns[2]);
}

/* The shares against the truth, the caller, the idle thread hidden.
 * share[] gets pytop's normalised shares. */
static bool check_shares(const struct final_table *t, const double count[3], unsigned long long wint,
                         const double truth[3], double share[3], bool *mismatch, char *why)
{
    double sum = count[0] + count[1] + count[2];
    *mismatch = false;
    for (int k = 0; k < 3; k++)
        share[k] = sum > 0 ? count[k] * 100.0 / sum : 0;
    if (sum < (double)wint * MIN_IN_THREE / 100.0) {
        /* a starved, slow (sanitizer) run can miss the burners' time: measure again */
        *mismatch = true;
        return harness_why(why, WHY_MAX, "the three burners hold %.0f of %llu samples, below %.0f%%", sum, wint,
                   MIN_IN_THREE);
    }
    for (int k = 0; k < 3; k++)
        if (share[k] < truth[k] - TOLERANCE_PP || share[k] > truth[k] + TOLERANCE_PP)
            return *mismatch = true, harness_why(why, WHY_MAX,
                       "%s: %.1f%% of the three, the target measured %.1f%% (+- %.0f allowed); "
                       "pytop %.1f/%.1f/%.1f of %.0f samples, target %.1f/%.1f/%.1f",
                       burns[k], share[k], truth[k], TOLERANCE_PP, share[0], share[1], share[2],
                       sum, truth[0], truth[1], truth[2]);
    /* the caller, over the whole run (the last table, window all) */
    double own3 = 0;
    for (int k = 0; k < 3; k++) {
        const struct row *r = find(t, burns[k]);
        own3 += r ? r->own : 0;
    }
    const struct row *d = find(t, "driver");
    if (!d)
        return harness_why(why, WHY_MAX, "driver (the common caller) is not in the table");
    /* total = the callees' own + its own, each shown to 0.05 */
    if (d->total < own3 - 0.2 || d->total > own3 + d->own + 0.25)
        return harness_why(why, WHY_MAX, "driver: %%Total %.1f, the burners' %%Own add up to %.1f (driver's own %.1f)",
                   d->total, own3, d->own);
    if (find(t, "idle_sleeper"))
        return harness_why(why, WHY_MAX, "idle_sleeper shows without --idle");
    return true;
}

static bool accuracy(const struct py_interp *py, const char *dir, double share[3], double truth[3],
                     char *why)
{
    char version[64], counters[PATH_MAX];
    if (!interp_version(py, version, sizeof version, why))
        return false;
    bool blocks = py->major == 2 || py->minor <= 10;
    const char *mode = blocks ? "blocking (auto)" : "non-blocking (auto)";
    snprintf(counters, sizeof counters, "%s/counters", dir);
    pid_t pid = start_target(py, counters);
    if (pid <= 0)
        return harness_why(why, WHY_MAX, "acc_burn.py did not print READY within %d s", START_TIMEOUT_S);
    struct final_table t = {0};
    bool ok = false;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
        bool mismatch = false;
        double count[3] = {0, 0, 0};
        unsigned long long wint = 0;
        ok = main_run(pid, dir, counters, &t, count, &wint, truth, why);
        if (ok && strcmp(t.version, version) != 0)
            ok = harness_why(why, WHY_MAX, "header says Python %s, the interpreter is %s", t.version, version);
        if (ok && strcmp(t.mode, mode) != 0)
            ok = harness_why(why, WHY_MAX, "mode \"%s\", expected \"%s\"", t.mode, mode);
        if (ok)
            ok = check_shares(&t, count, wint, truth, share, &mismatch, why);
        free(t.rows);
        t.rows = NULL;
        if (ok || !mismatch || attempt == ATTEMPTS)
            break;
        /* the time pytop could not sample (both starved) is in the
         * target's count: on a loaded machine, measure again */
        printf("accuracy: %s attempt %d of %d: %s\n", py->label, attempt, ATTEMPTS, why);
    }

    /* --idle: the sleeping thread's function is there */
    if (ok)
        ok = run(pid, "0.7", "--idle", NULL, MIN_SHORT, &t, why);
    if (ok && strcmp(t.idle, "yes") != 0)
        ok = harness_why(why, WHY_MAX, "--idle: header says idle %s", t.idle);
    if (ok && !find(&t, "idle_sleeper"))
        ok = harness_why(why, WHY_MAX, "--idle: idle_sleeper is not in the table");
    if (ok && !any_burner(&t))
        ok = harness_why(why, WHY_MAX, "--idle: none of the burners is in the table");
    free(t.rows);
    t.rows = NULL;

    /* --gil, with --idle so that the sleeper would be kept if --gil did
     * nothing: only the driver's stack (it holds the GIL) */
    if (ok)
        ok = run(pid, "0.7", "--gil", "--idle", MIN_SHORT, &t, why);
    if (ok && (strcmp(t.gil_only, "yes") != 0 || strcmp(t.idle, "yes") != 0))
        ok = harness_why(why, WHY_MAX, "--gil --idle: header says gil-only %s, idle %s", t.gil_only, t.idle);
    if (ok && !any_burner(&t))
        ok = harness_why(why, WHY_MAX, "--gil: none of the burners (the GIL holder's) is in the table");
    for (size_t i = 0; ok && i < t.n; i++) {
        bool threading = strstr(t.rows[i].file, "/threading.py:") != NULL;
        if (strcmp(t.rows[i].name, "idle_sleeper") == 0 || threading)
            ok = harness_why(why, WHY_MAX, "--gil: %s (%s) of the sleeping thread shows", t.rows[i].name, t.rows[i].file);
    }
    free(t.rows);
    t.rows = NULL;
    harness_stop_target(pid);
    return ok;
}

START_TEST(accuracy_shares)
{
    const struct py_interp *all;
    size_t n = harness_interps(&all);
    ck_assert((size_t)_i < n);
    const struct py_interp *py = &all[_i];
    if (!py->path[0]) {
        printf("skipped: %s (accuracy: interpreter not installed)\n", py->label);
        return;
    }
    char why[WHY_MAX] = "", dir[64] = "/tmp/pytop-acc-XXXXXX";
    double share[3] = {0, 0, 0}, truth[3] = {0, 0, 0};
    bool ok = mkdtemp(dir) ? accuracy(py, dir, share, truth, why) : harness_why(why, WHY_MAX, "mkdtemp failed");
    harness_remove_dir(dir);
    if (ok)
        printf("accuracy: %-16s pytop %4.1f/%4.1f/%4.1f  target %4.1f/%4.1f/%4.1f (burn60/30/10 %%)\n",
               py->label, share[0], share[1], share[2], truth[0], truth[1], truth[2]);
    fflush(stdout);
    ck_assert_msg(ok, "%s: %s", py->label, why);
}
END_TEST

Suite *suite_accuracy(void)
{
    const struct py_interp *py;
    int n = (int)harness_interps(&py);
    Suite *s = suite_create("accuracy");
    TCase *tc = tcase_create("shares");
    tcase_set_timeout(tc, 90);
    tcase_add_loop_test(tc, accuracy_shares, 0, n);
    suite_add_tcase(s, tc);
    return s;
}
