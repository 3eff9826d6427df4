/*
 * check_chaos — pytop -b at 1 kHz against test/targets/chaos.py (threads
 * born and ended at a high rate, recursion swinging 0-2000 frames,
 * generators, coroutines, exceptions unwinding deep stacks, gc storms,
 * fork children, the process exiting at the end) on every interpreter
 * present, in every consistency mode (--auto with -s, so forked children
 * are adopted and lost too). Each run must end by itself when the target
 * exits: exit status 0 and "pytop: process PID exited" last, no crash, no
 * hang (killed and failed CHAOS_GRACE_S after the target's end), nothing
 * from a sanitizer on stderr (PYTOP_BIN may be the ASan build), the
 * target unharmed (exit status 0). The error counts of the final table
 * are printed per run, with the invalid rate.
 *
 * No impossible stack may be counted as valid. Every stack in the
 * --collapsed file must be one chaos.py can have:
 *   - no deeper than the deepest stack the target measured itself (it
 *     probes at every deepest point and writes the maximum to a file at
 *     its end), plus DEPTH_SLACK;
 *   - chaos.py's functions other than dive, probe and __del__ (the only
 *     ones that recur) at most once: a frame chain that loops or crosses
 *     into memory the target rewrote repeats them;
 *   - dive frames in one unbroken run (dive calls only dive or the action).
 *
 * CHAOS_SECONDS (default 1.5) is the target's run time, CHAOS_JOBS
 * (default 3) how many runs go at once; `make chaos` sets a long run.
 * CHAOS_PYTHONS (labels, e.g. "pyenv-3.13,debian-3.11") and CHAOS_MODES
 * ("blocking,nonblocking,auto") narrow a run down; unset, all are run.
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
#include <sys/wait.h>
#include <unistd.h>

#define START_TIMEOUT_S 30
#define CHAOS_GRACE_S 30  /* pytop must have ended this long after the target's run */
#define DEPTH_SLACK 3     /* frames a sample may have beyond the target's own probe */
#define DEPTH_REACHED 2000 /* the swing the target must have made */
#define PROBLEM_MAX 8192

static const char *const modes[] = {"--blocking", "--nonblocking", "--auto"};
#define NMODES (sizeof modes / sizeof modes[0])

struct counts {
    unsigned long long samples, errors, read, invalid, gone;
};

struct job {
    const struct py_interp *py;
    const char *mode;
    char dir[64], info[128], folded[128], out[128], err[128];
    pid_t target, pytop;
    int target_status, pytop_status;
    bool target_done, pytop_done, hung;
    long deadline_ms;
};

/* Problems of every run, reported together at the end. */
struct report {
    char text[PROBLEM_MAX];
    size_t len;
    int n;
};

static void problem(struct report *r, const struct job *j, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(struct report *r, const struct job *j, const char *fmt, ...)
{
    r->n++;
    if (r->len + 2 >= sizeof r->text)
        return;
    int w = snprintf(r->text + r->len, sizeof r->text - r->len, "\n  %s %s: ", j->py->label, j->mode);
    if (w > 0 && r->len + (size_t)w < sizeof r->text)
        r->len += (size_t)w;
    va_list ap;
    va_start(ap, fmt);
    w = vsnprintf(r->text + r->len, sizeof r->text - r->len, fmt, ap);
    va_end(ap);
    if (w > 0)
        r->len = r->len + (size_t)w < sizeof r->text ? r->len + (size_t)w : sizeof r->text - 1;
}

static double env_num(const char *name, double def, double min)
{
    const char *v = getenv(name);
    char *end;
    double d = v && *v ? strtod(v, &end) : def;
    return v && *v && (*end || d < min) ? def : d;
}

static double chaos_seconds(void) { return env_num("CHAOS_SECONDS", 1.5, 0.2); }
static int chaos_jobs(void) { return (int)env_num("CHAOS_JOBS", 3, 1); }

/* ------------------------------------------------------------------------
 * Running one job: the target, then pytop on it.
 */
static bool start_target(struct job *j)
{
    char root[PATH_MAX], script[PATH_MAX + 64], secs[32];
    if (!realpath(harness_root(), root))
        snprintf(root, sizeof root, "%s", harness_root());
    snprintf(script, sizeof script, "%s/test/targets/chaos.py", root);
    snprintf(secs, sizeof secs, "%.3f", chaos_seconds());
    char seed[32];
    snprintf(seed, sizeof seed, "%d", (int)(getpid() ^ harness_now_ms()) & 0xffff);
    /* under setpriv --pdeathsig KILL: a test killed by its timeout takes the target along */
    bool setpriv = access("/usr/bin/setpriv", X_OK) == 0;
    char *args[12];
    size_t n = 0;
    if (setpriv) {
        args[n++] = "--pdeathsig";
        args[n++] = "KILL";
        args[n++] = "--";
        args[n++] = (char *)j->py->path;
    }
    char *rest[] = {"-B", "-s", script, secs, j->info, seed, NULL};
    for (size_t i = 0; rest[i]; i++)
        args[n++] = rest[i];
    args[n] = NULL;
    j->target = harness_start_target(setpriv ? "/usr/bin/setpriv" : j->py->path, args,
                                     START_TIMEOUT_S);
    return j->target > 0;
}

static pid_t spawn_pytop(struct job *j)
{
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)j->target);
    bool follow = strcmp(j->mode, "--auto") == 0;
    char *argv[] = {(char *)harness_pytop(), "-b", "-i", "-r", "1000", (char *)j->mode,
                    "--window", "all", "-d", "1000", "--collapsed", j->folded,
                    follow ? "-s" : pid, follow ? pid : NULL, NULL};
    return harness_spawn_bg(argv, j->out, j->err);
}

static bool job_start(struct job *j, struct report *r)
{
    snprintf(j->dir, sizeof j->dir, "/tmp/pytop-chaos-XXXXXX");
    if (!mkdtemp(j->dir)) {
        problem(r, j, "cannot make a scratch directory");
        return false;
    }
    snprintf(j->info, sizeof j->info, "%s/info", j->dir);
    snprintf(j->folded, sizeof j->folded, "%s/folded", j->dir);
    snprintf(j->out, sizeof j->out, "%s/out", j->dir);
    snprintf(j->err, sizeof j->err, "%s/err", j->dir);
    if (!start_target(j)) {
        problem(r, j, "the chaos target did not start");
        return false;
    }
    j->pytop = spawn_pytop(j);
    j->deadline_ms = harness_now_ms() + (long)(chaos_seconds() * 1000) + CHAOS_GRACE_S * 1000L;
    return j->pytop > 0;
}

/* Reap what has ended; kill a pytop past its deadline. True when done. */
static bool job_poll(struct job *j)
{
    if (!j->target_done && waitpid(j->target, &j->target_status, WNOHANG) == j->target)
        j->target_done = true;
    if (!j->pytop_done && waitpid(j->pytop, &j->pytop_status, WNOHANG) == j->pytop)
        j->pytop_done = true;
    if (!j->pytop_done && harness_now_ms() > j->deadline_ms) {
        j->hung = true;
        kill(j->pytop, SIGKILL);
        waitpid(j->pytop, &j->pytop_status, 0);
        j->pytop_done = true;
    }
    if (j->pytop_done && !j->target_done && (j->hung || harness_now_ms() > j->deadline_ms)) {
        kill(j->target, SIGKILL); /* a target that never ends is a failure of its own */
        waitpid(j->target, &j->target_status, 0);
        j->target_done = true;
    }
    return j->pytop_done && j->target_done;
}

/* ------------------------------------------------------------------------
 * Checking one job's results.
 */
static const char *const sanitizer_marks[] = {"AddressSanitizer", "LeakSanitizer",
                                              "UndefinedBehaviorSanitizer", "runtime error:",
                                              "ThreadSanitizer", NULL};

static void check_stderr(const struct job *j, struct report *r)
{
    char *err = harness_read_file(j->err);
    for (size_t i = 0; err && sanitizer_marks[i]; i++) {
        const char *hit = strstr(err, sanitizer_marks[i]);
        if (hit) {
            problem(r, j, "sanitizer report on stderr: %.600s", hit);
            break;
        }
    }
    free(err);
}

/* The counts of the final table's second header line. */
static bool final_counts(const char *out, struct counts *c, char *mode, size_t cap)
{
    const char *line = NULL;
    for (const char *p = out; (p = strstr(p, "\nmode ")) != NULL; p++)
        line = p + 1;
    if (!line)
        return false;
    const char *comma = strstr(line, ", rate ");
    if (!comma || (size_t)(comma - line) - 5 >= cap)
        return false;
    snprintf(mode, cap, "%.*s", (int)(comma - line - 5), line + 5);
    *c = (struct counts){0};
    if (sscanf(comma, ", rate %*f/%*f Hz, %llu samples, late %*u, dropped %*u, errors %llu",
               &c->samples, &c->errors) != 2)
        return false;
    const char *kinds = strstr(comma, " (read ");
    if (c->errors && (!kinds || sscanf(kinds, " (read %llu, invalid %llu, gone %llu)", &c->read,
                                       &c->invalid, &c->gone) != 3))
        return false;
    return true;
}

static bool mode_matches(const char *flag, const char *shown)
{
    if (strcmp(flag, "--blocking") == 0)
        return strcmp(shown, "blocking") == 0;
    if (strcmp(flag, "--nonblocking") == 0)
        return strcmp(shown, "non-blocking") == 0;
    return strstr(shown, " (auto)") != NULL;
}

static bool check_output(const struct job *j, struct report *r, struct counts *c)
{
    char *out = harness_read_file(j->out);
    char mode[64], want[64];
    snprintf(want, sizeof want, "pytop: process %d exited\n", (int)j->target);
    size_t ol = out ? strlen(out) : 0, wl = strlen(want);
    bool ok = out != NULL;
    if (ok && (ol < wl || strcmp(out + ol - wl, want) != 0))
        ok = false, problem(r, j, "the last line is not \"%.*s\"", (int)wl - 1, want);
    if (ok && !final_counts(out, c, mode, sizeof mode))
        ok = false, problem(r, j, "no final table header with sample and error counts");
    if (ok && !mode_matches(j->mode, mode))
        ok = false, problem(r, j, "header says mode \"%s\"", mode);
    if (ok && c->samples == 0)
        ok = false, problem(r, j, "no samples at all");
    if (!out)
        problem(r, j, "no output");
    free(out);
    return ok;
}

static bool check_exits(const struct job *j, struct report *r)
{
    int st = j->pytop_status;
    if (j->hung)
        problem(r, j, "hang: pytop still ran %d s after the target's end; killed", CHAOS_GRACE_S);
    else if (WIFSIGNALED(st))
        problem(r, j, "pytop died of signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
    else if (WEXITSTATUS(st) != 0)
        problem(r, j, "pytop exited with status %d when the target exited", WEXITSTATUS(st));
    int ts = j->target_status;
    if (!WIFEXITED(ts) || WEXITSTATUS(ts) != 0)
        problem(r, j, "the chaos target did not exit cleanly (wait status 0x%x)", ts);
    return !j->hung && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* One frame of a folded stack: "name (file:line)". */
struct frame_text {
    const char *name, *file; /* name: after the last '.' of a qualified name */
    size_t name_len, file_len;
};

static bool split_frame(const char *f, size_t len, struct frame_text *out)
{
    const char *open = memmem(f, len, " (", 2);
    const char *colon = NULL;
    for (const char *p = f + len; p-- > f;)
        if (*p == ':') {
            colon = p;
            break;
        }
    if (!open || !colon || colon < open)
        return false;
    const char *name = f;
    for (const char *p = f; p < open; p++)
        if (*p == '.')
            name = p + 1;
    const char *file = open + 2;
    for (const char *p = file; p < colon; p++)
        if (*p == '/')
            file = p + 1;
    *out = (struct frame_text){name, file, (size_t)(open - name), (size_t)(colon - file)};
    return true;
}

static bool is(const char *s, size_t len, const char *lit)
{
    return len == strlen(lit) && memcmp(s, lit, len) == 0;
}

/* Functions of chaos.py seen in one stack (at most once each, unless they recur). */
#define SEEN_MAX 64
struct stack_facts {
    size_t depth;
    bool repeat, broken_dive;
    char repeated[64];
};

static void stack_facts(const char *line, size_t len, struct stack_facts *sf)
{
    *sf = (struct stack_facts){0};
    const char *seen[SEEN_MAX];
    size_t seen_len[SEEN_MAX], nseen = 0;
    int dive_state = 0; /* 0 before any dive, 1 inside the run, 2 after it */
    for (const char *p = line, *end = line + len; p < end;) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        size_t flen = semi ? (size_t)(semi - p) : (size_t)(end - p);
        struct frame_text ft = {0};
        sf->depth++;
        bool ours = split_frame(p, flen, &ft) && is(ft.file, ft.file_len, "chaos.py");
        bool dive = ours && is(ft.name, ft.name_len, "dive");
        if (dive && dive_state == 2)
            sf->broken_dive = true;
        dive_state = dive ? 1 : dive_state == 1 ? 2 : dive_state;
        bool recurs = dive || (ours && (is(ft.name, ft.name_len, "probe") ||
                                        is(ft.name, ft.name_len, "__del__")));
        for (size_t i = 0; ours && !recurs && i < nseen; i++)
            if (seen_len[i] == ft.name_len && memcmp(seen[i], ft.name, ft.name_len) == 0 &&
                !sf->repeat) {
                sf->repeat = true;
                snprintf(sf->repeated, sizeof sf->repeated, "%.*s", (int)ft.name_len, ft.name);
            }
        if (ours && !recurs && nseen < SEEN_MAX) {
            seen[nseen] = ft.name;
            seen_len[nseen++] = ft.name_len;
        }
        p += flen + 1;
    }
}

/* Every folded stack against the target's own bound. Returns the deepest. */
static size_t check_stacks(const struct job *j, struct report *r, unsigned bound, size_t *nstacks)
{
    char *text = harness_read_file(j->folded);
    size_t deepest = 0;
    *nstacks = 0;
    if (!text) {
        problem(r, j, "no --collapsed file");
        return 0;
    }
    int reported = 0;
    for (char *line = text; *line && reported < 3;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char *sp = memrchr(line, ' ', len);
        struct stack_facts sf;
        stack_facts(line, sp ? (size_t)(sp - line) : len, &sf);
        (*nstacks)++;
        deepest = sf.depth > deepest ? sf.depth : deepest;
        const char *what = sf.depth > bound + DEPTH_SLACK ? "deeper than the target ever was"
                           : sf.repeat                      ? "a non-recursive function twice"
                           : sf.broken_dive                 ? "dive frames split by others"
                                                            : NULL;
        if (what) {
            reported++;
            problem(r, j, "impossible stack counted as valid (%s%s%s; %zu frames, bound %u): %.300s",
                    what, sf.repeat ? ": " : "", sf.repeat ? sf.repeated : "", sf.depth, bound,
                    line);
        }
        line += len + (nl != NULL);
    }
    free(text);
    return deepest;
}

static unsigned target_bound(const struct job *j, struct report *r)
{
    char *info = harness_read_file(j->info);
    unsigned bound = 0;
    if (!info || sscanf(info, "max_depth %u", &bound) != 1)
        problem(r, j, "the chaos target wrote no max_depth");
    else if (bound < DEPTH_REACHED)
        problem(r, j, "the chaos target's deepest stack was %u frames, not %d+", bound,
                DEPTH_REACHED);
    free(info);
    return bound;
}

static void remove_job_files(struct job *j)
{
    const char *files[] = {j->info, j->folded, j->out, j->err};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(files[i]);
    rmdir(j->dir);
}

static void job_check(struct job *j, struct report *r)
{
    int before = r->n;
    check_stderr(j, r);
    bool ran = check_exits(j, r);
    struct counts c = {0};
    bool counted = ran && check_output(j, r, &c);
    unsigned bound = target_bound(j, r);
    size_t nstacks = 0, deepest = bound ? check_stacks(j, r, bound, &nstacks) : 0;
    unsigned long long reads = c.samples + c.errors;
    if (counted)
        printf("chaos %-16s %-13s %7llu samples, errors %llu (read %llu, invalid %llu, gone %llu), "
               "invalid %.2f%%, %zu stacks, deepest %zu of %u%s\n",
               j->py->label, j->mode, c.samples, c.errors, c.read, c.invalid, c.gone,
               reads ? 100.0 * (double)c.invalid / (double)reads : 0.0, nstacks, deepest, bound,
               r->n > before ? "  FAILED" : "");
    else
        printf("chaos %-16s %-13s FAILED\n", j->py->label, j->mode);
    fflush(stdout);
    if (r->n == before)
        remove_job_files(j);
    else
        printf("chaos: files of the failed run kept in %s\n", j->dir);
}

/* ------------------------------------------------------------------------
 * Every interpreter present x every mode, CHAOS_JOBS at a time.
 */
/* Is name in the comma-separated list held by env var (unset: everything)? */
static bool chosen(const char *var, const char *name)
{
    const char *list = getenv(var);
    size_t len = strlen(name);
    for (const char *p = list; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
        if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
            return true;
    }
    return !list || !*list;
}

static size_t make_jobs(struct job **out)
{
    const struct py_interp *py;
    size_t n = harness_interps(&py), k = 0;
    struct job *jobs = calloc(n * NMODES, sizeof *jobs);
    for (size_t i = 0; jobs && i < n; i++) {
        if (!py[i].path[0]) {
            printf("chaos: skipped %s (interpreter not installed)\n", py[i].label);
            continue;
        }
        for (size_t m = 0; m < NMODES; m++)
            if (chosen("CHAOS_PYTHONS", py[i].label) && chosen("CHAOS_MODES", modes[m] + 2))
                jobs[k++] = (struct job){.py = &py[i], .mode = modes[m]};
    }
    *out = jobs;
    return k;
}

START_TEST(chaos_every_interpreter_and_mode)
{
    struct job *jobs;
    size_t n = make_jobs(&jobs), next = 0, running = 0;
    ck_assert_ptr_nonnull(jobs);
    struct report r = {.len = 0};
    bool *active = calloc(n ? n : 1, sizeof *active);
    ck_assert_ptr_nonnull(active);
    while (next < n || running) {
        while (next < n && running < (size_t)chaos_jobs()) {
            struct job *j = &jobs[next++];
            if (job_start(j, &r)) {
                active[j - jobs] = true;
                running++;
            } else {
                if (j->target > 0)
                    harness_stop_target(j->target);
                printf("chaos %-16s %-13s FAILED to start\n", j->py->label, j->mode);
            }
        }
        for (size_t i = 0; i < n; i++)
            if (active[i] && job_poll(&jobs[i])) {
                active[i] = false;
                running--;
                job_check(&jobs[i], &r);
            }
        harness_sleep_ms(20);
    }
    free(active);
    free(jobs);
    if (n == 0)
        printf("chaos: skipped (no interpreter present)\n");
    ck_assert_msg(r.n == 0, "%d problem(s) in %zu chaos runs:%s", r.n, n, r.text);
}
END_TEST

/* The stack checks themselves, on stacks made up to break each rule. */
static struct stack_facts facts_of(const char *const *frames)
{
    char line[2048] = "";
    for (size_t i = 0; frames[i]; i++) {
        strcat(line, i ? ";" : "");
        strcat(line, frames[i]);
    }
    struct stack_facts sf;
    stack_facts(line, strlen(line), &sf);
    return sf;
}

#define F(name) name " (/t/test/targets/chaos.py:10)"
START_TEST(checker_flags_impossible_stacks)
{
    const char *good[] = {"Thread._bootstrap (/py/threading.py:9)", F("swinger"), F("swing"),
                          F("dive"), F("dive"), F("dive"), F("act_gc"), F("garbage"),
                          F("Finalized.__del__"), F("probe"), NULL};
    struct stack_facts sf = facts_of(good);
    ck_assert_uint_eq(sf.depth, 10);
    ck_assert(!sf.repeat && !sf.broken_dive);
    const char *recurring[] = {F("<module>"), F("main"), F("swing"), F("dive"), F("act_plain"),
                               F("probe"), F("__del__"), F("probe"), F("__del__"), NULL};
    sf = facts_of(recurring);
    ck_assert(!sf.repeat && !sf.broken_dive);
    const char *looped[] = {F("<module>"), F("main"), F("swing"), F("dive"), F("dive"),
                            F("main"), F("swing"), F("dive"), NULL};
    sf = facts_of(looped);
    ck_assert(sf.repeat && sf.broken_dive);
    ck_assert_str_eq(sf.repeated, "main");
    const char *split[] = {F("swinger"), F("swing"), F("dive"), F("act_raise"), F("dive"), NULL};
    sf = facts_of(split);
    ck_assert(!sf.repeat && sf.broken_dive);
    /* another file's functions may recur */
    const char *other[] = {"run (/py/threading.py:9)", "run (/py/threading.py:9)", NULL};
    sf = facts_of(other);
    ck_assert(!sf.repeat && !sf.broken_dive && sf.depth == 2);
}
END_TEST
#undef F

Suite *suite_chaos(void)
{
    Suite *s = suite_create("chaos");
    TCase *unit = tcase_create("checker");
    tcase_add_test(unit, checker_flags_impossible_stacks);
    suite_add_tcase(s, unit);
    TCase *tc = tcase_create("chaos");
    const struct py_interp *py;
    size_t n = harness_interps(&py), present = 0;
    for (size_t i = 0; i < n; i++)
        present += py[i].path[0] != '\0';
    size_t waves = (present * NMODES + (size_t)chaos_jobs() - 1) / (size_t)chaos_jobs();
    double per_wave = chaos_seconds() + START_TIMEOUT_S + CHAOS_GRACE_S;
    tcase_set_timeout(tc, (double)(waves + 1) * per_wave + 60);
    tcase_add_test(tc, chaos_every_interpreter_and_mode);
    suite_add_tcase(s, tc);
    return s;
}
