/* check_threadnames — threading names on every interpreter present, and
 * the cache rule: known names and failed lookups cost no reads later. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pytop/py_stack.h"
#include "pytop/py_target.h"
#include "pytop/py_threadnames.h"

#define START_TIMEOUT_S 20
#define RUN_TIMEOUT_S 20

/* Each thread of test/targets/names.py parks in its own function. */
struct expect {
    const char *park; /* leaf-most park_* frame of the thread */
    const char *name; /* NULL: the threading module does not know it */
};

static const struct expect expected[] = {
    {"park_main", "MainThread"},
    {"park_plain", "plain"},
    {"park_unicode", "w\xc3\xb6rker-\xe5\x90\x8d"}, /* wörker-名 */
    {"park_subclass", "subclass"},
    {"park_many", "many-attrs"},
    {"park_dict", "dict"},
    {"park_deleted", "deleted"},
    {"park_renamed", "after"},
    {"park_unnamed", "Thread-1"}, /* 3.10+ appends " (park_unnamed)" */
    {"park_dummy", "Dummy-2"},
    {"park_raw", NULL},
};
#define NEXPECTED (sizeof expected / sizeof expected[0])

static const struct py_interp *interp_at(int i)
{
    const struct py_interp *py;
    size_t n = harness_interps(&py);
    ck_assert_uint_lt((size_t)i, n);
    return &py[i];
}

static pid_t start_names(const struct py_interp *py)
{
    char script[1024];
    snprintf(script, sizeof script, "%s/test/targets/names.py", harness_root());
    char *args[] = {script, NULL};
    pid_t pid = harness_start_target(py->path, args, START_TIMEOUT_S);
    ck_assert_msg(pid > 0, "%s: names.py did not get ready", py->label);
    return pid;
}

/* The header line ("Thread ...") of the thread whose stack has frame. */
static bool header_of(const char *out, const char *frame, char *hdr, size_t cap)
{
    char needle[128];
    snprintf(needle, sizeof needle, "\n    %s (", frame);
    const char *at = strstr(out, needle);
    if (!at)
        return false;
    const char *start = at;
    while (start > out && strncmp(start, "\nThread ", 8) != 0)
        start--;
    start += *start == '\n';
    size_t len = strcspn(start, "\n");
    snprintf(hdr, cap, "%.*s", (int)len, start);
    return strncmp(hdr, "Thread ", 7) == 0;
}

static void expect_name(const struct py_interp *py, const char *out, const struct expect *e)
{
    char hdr[512], want[256];
    ck_assert_msg(header_of(out, e->park, hdr, sizeof hdr), "%s: no thread with %s in:\n%s",
                  py->label, e->park, out);
    if (!e->name) {
        ck_assert_msg(!strchr(hdr, '"'), "%s: %s: want no name, got: %s", py->label, e->park, hdr);
        return;
    }
    bool suffix = strcmp(e->park, "park_unnamed") == 0 && py->major == 3 && py->minor >= 10;
    snprintf(want, sizeof want, " \"%s%s\" (", e->name, suffix ? " (park_unnamed)" : "");
    ck_assert_msg(strstr(hdr, want), "%s: %s: want%s in: %s", py->label, e->park, want, hdr);
}

/* Run pytop --once on pid; its output (malloc'd) or NULL. */
static char *pytop_once(pid_t pid, int *rc)
{
    char pidtext[16], *out = NULL;
    snprintf(pidtext, sizeof pidtext, "%d", (int)pid);
    char *argv[] = {(char *)harness_pytop(), "--once", pidtext, NULL};
    *rc = harness_run(argv, &out, NULL, RUN_TIMEOUT_S);
    return out;
}

/* Without the threading module the main thread is still "MainThread". */
START_TEST(test_main_without_threading)
{
    const struct py_interp *py = interp_at(_i);
    if (!py->path[0]) {
        printf("skipped: %s (interpreter not installed)\n", py->label);
        return;
    }
    char *args[] = {"-S", "-c",
                    "import os, sys, time\n"
                    "assert 'threading' not in sys.modules\n"
                    "sys.stdout.write('READY\\n'); sys.stdout.flush()\n"
                    "parent = os.getppid()\n"
                    "while os.getppid() == parent: time.sleep(0.5)\n",
                    NULL};
    pid_t pid = harness_start_target(py->path, args, START_TIMEOUT_S);
    ck_assert_msg(pid > 0, "%s: target did not get ready", py->label);
    char want[64];
    snprintf(want, sizeof want, "Thread %d \"MainThread\" (", (int)pid);
    int rc;
    char *out = pytop_once(pid, &rc);
    harness_stop_target(pid);
    ck_assert_msg(rc == 0 && out && strstr(out, want), "%s: want %s in:\n%s", py->label, want,
                  out ? out : "(none)");
    free(out);
}
END_TEST

/* A reader that counts the target reads it passes on. */
struct counting {
    struct pt_mem inner;
    size_t reads;
};

static enum pt_err counting_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct counting *c = ctx;
    c->reads++;
    return c->inner.read(c->inner.ctx, addr, buf, len);
}

static size_t named(const struct pt_stacks *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += s->threads[i].name[0] != '\0';
    return n;
}

static size_t fill_counting(struct pt_threadnames *tn, struct pt_target *t, struct pt_stacks *s,
                            struct counting *c)
{
    for (size_t i = 0; i < s->n; i++)
        s->threads[i].name[0] = '\0';
    c->reads = 0;
    pt_threadnames_fill(tn, t, s);
    return c->reads;
}

/* The first thread whose name fill did (or did not) find. */
static struct pt_thread *thread_named(struct pt_stacks *s, bool named_one)
{
    for (size_t i = 0; i < s->n; i++)
        if ((s->threads[i].name[0] != '\0') == named_one)
            return &s->threads[i];
    return &s->threads[0];
}

/* Names are read once; an ident that failed is not retried at once, a
 * new ident is looked up, and a reused ident with a new tid is re-read.
 * Returns what went wrong, or NULL. */
static const char *cache_fault(struct pt_target *t, struct pt_stacks *s, struct counting *c)
{
    struct pt_threadnames tn;
    const char *fault = NULL;
    size_t n = 0;
    pt_threadnames_init(&tn);
    if (fill_counting(&tn, t, s, c) == 0 || (n = named(s)) != NEXPECTED - 1)
        fault = "first fill: no reads, or not every known thread named";
    else if (fill_counting(&tn, t, s, c) != 0 || named(s) != n)
        fault = "second fill read the target, or lost names";
    if (!fault) {
        /* park_raw's thread, with an ident never seen: looked up, then backed off */
        thread_named(s, false)->ident ^= 0x10;
        if (fill_counting(&tn, t, s, c) == 0)
            fault = "a new ident was not looked up";
        else if (fill_counting(&tn, t, s, c) != 0)
            fault = "a failed ident was retried at once";
    }
    if (!fault) {
        struct pt_thread *th = thread_named(s, true);
        th->tid += 100000; /* its ident, reused by a new thread */
        if (fill_counting(&tn, t, s, c) == 0 || !th->name[0] || named(s) != n)
            fault = "a reused ident was not looked up again";
    }
    pt_threadnames_free(&tn);
    return fault;
}

/* Attach to pid in-process, read its stacks, check the cache rule. */
static const char *check_cache(pid_t pid, char *why, size_t cap)
{
    struct pt_target t;
    struct pt_sb sb;
    pt_sb_init(&sb);
    enum pt_err err = pt_target_attach(pid, &t, &sb);
    snprintf(why, cap, "attach: %s %s", pt_err_name(err), sb.s ? sb.s : "");
    pt_sb_free(&sb);
    if (err != PT_OK)
        return why;
    struct pt_walker w;
    struct pt_stacks s = {0};
    pt_walker_init(&w, &t);
    err = pt_stacks_read(&w, &s);
    snprintf(why, cap, "stacks: %s, %zu threads", pt_err_name(err), s.n);
    const char *fault = why;
    if (err == PT_OK && s.n == NEXPECTED) {
        struct counting c = {t.mem, 0};
        t.mem = (struct pt_mem){.read = counting_read, .readv = NULL, .ctx = &c};
        fault = cache_fault(&t, &s, &c);
        t.mem = c.inner;
    }
    pt_stacks_free(&s);
    pt_walker_free(&w);
    pt_target_detach(&t);
    return fault;
}

/* pytop --once shows every thread's threading name; in-process, the
 * cache reads names once and does not retry failures at once. One
 * target serves both, to keep the suite quick. */
START_TEST(test_names)
{
    const struct py_interp *py = interp_at(_i);
    if (!py->path[0]) {
        printf("skipped: %s (interpreter not installed)\n", py->label);
        return;
    }
    pid_t pid = start_names(py);
    int rc;
    char *out = pytop_once(pid, &rc), why[512];
    const char *fault = check_cache(pid, why, sizeof why);
    harness_stop_target(pid);
    ck_assert_msg(rc == 0 && out, "%s: pytop --once exited %d", py->label, rc);
    for (size_t i = 0; i < NEXPECTED; i++)
        expect_name(py, out, &expected[i]);
    free(out);
    ck_assert_msg(!fault, "%s: cache: %s", py->label, fault);
}
END_TEST

Suite *suite_threadnames(void)
{
    const struct py_interp *py;
    int n = (int)harness_interps(&py);
    Suite *s = suite_create("threadnames");
    TCase *tc = tcase_create("live");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_names, 0, n);
    tcase_add_loop_test(tc, test_main_without_threading, 0, n);
    suite_add_tcase(s, tc);
    return s;
}
