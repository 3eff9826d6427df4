/*
 * check_torn — a stack that holds the same frame twice is never valid.
 *
 * addrset (the walker's set of a thread's frame addresses) on its own:
 * exact membership at any size, emptying, the stamp wrapping. Then the
 * walker on a live target (test/targets/stacks.py, whose "deep" thread
 * is parked under 1200 recursive frames) read through a reader that lies
 * about one frame: the link of frame 28 is made to point back to frame 16,
 * either on its first read only (a frame the target rewrote between two
 * reads: the walk meets frames 16-28 again, then carries on to the real
 * root, no loop) or on every read (a loop). Both must leave that
 * thread PT_EINVAL, while the same walk without the lie reads the stack
 * whole. A <= 3.10 interpreter (frame objects) and a 3.11+ one
 * (interpreter frames) each, when present. Last, a <= 3.10 chain spliced
 * onto another thread's: no repeat, but deeper than its thread's
 * recursion depth, so invalid too. And pytop -b on a 3.11+ thread that
 * tears most live reads: no stack cut short, few samples lost in --auto.
 */
#include "harness.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pytop/addrset.h"
#include "pytop/py_stack.h"

/* ------------------------------------------------------------------------
 * addrset.
 */
static uint64_t addr_of(uint64_t i) { return 0x7f0000000000ull + i * 0x58ull * 8; }

START_TEST(addrset_exact)
{
    struct pt_addrset s;
    pt_addrset_init(&s);
    const uint64_t n = 5000;
    for (int round = 0; round < 3; round++) {
        for (uint64_t i = 0; i < n; i++)
            ck_assert_int_eq(pt_addrset_add(&s, addr_of(i)), PT_OK);
        for (uint64_t i = 0; i < n; i++)
            ck_assert_int_eq(pt_addrset_add(&s, addr_of(i)), PT_EINVAL);
        ck_assert_int_eq(pt_addrset_add(&s, addr_of(n) + 8), PT_OK);
        pt_addrset_clear(&s); /* the next stack starts empty */
    }
    pt_addrset_free(&s);
}
END_TEST

START_TEST(addrset_zero_filled_and_wrap)
{
    struct pt_addrset s;
    memset(&s, 0, sizeof s);
    ck_assert_int_eq(pt_addrset_add(&s, 0x1000), PT_OK);
    ck_assert_int_eq(pt_addrset_add(&s, 0x1000), PT_EINVAL);
    /* the stamp wraps: slots of old stacks must not pass for current ones */
    s.now = UINT32_MAX;
    s.n = 0;
    ck_assert_int_eq(pt_addrset_add(&s, 0x2000), PT_OK);
    pt_addrset_clear(&s);
    ck_assert_int_eq(pt_addrset_add(&s, 0x2000), PT_OK);
    ck_assert_int_eq(pt_addrset_add(&s, 0x1000), PT_OK);
    ck_assert_int_eq(pt_addrset_add(&s, 0x2000), PT_EINVAL);
    pt_addrset_free(&s);
}
END_TEST

/* ------------------------------------------------------------------------
 * A reader that rewrites one frame's link.
 */
struct liar {
    struct pt_mem inner;
    uint64_t at, value; /* the 8 bytes at `at` read as value */
    bool always;        /* every read, or only the first */
    int lies;
};

static enum pt_err liar_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct liar *l = ctx;
    enum pt_err err = pt_mem_read(&l->inner, addr, buf, len);
    if (err == PT_OK && addr <= l->at && l->at + 8 <= addr + len && (l->always || l->lies == 0)) {
        memcpy((uint8_t *)buf + (l->at - addr), &l->value, 8);
        l->lies++;
    }
    return err;
}

static const struct py_interp *pick(bool modern)
{
    const struct py_interp *py;
    size_t n = harness_interps(&py);
    for (size_t i = n; i-- > 0;) /* newest of each kind first */
        if (py[i].path[0] && (py[i].major == 3 && py[i].minor >= 11) == modern)
            return &py[i];
    return NULL;
}

static uint64_t u64(const struct pt_target *t, uint64_t addr)
{
    uint64_t v = 0;
    return pt_mem_read_u64(&t->mem, addr, &v) == PT_OK ? v : 0;
}

/* The thread state with the longest (or the shortest non-empty) frame
 * chain, and that chain. */
static size_t pick_chain(const struct pt_target *t, bool longest, uint64_t *tstate,
                         uint64_t *chain, size_t cap)
{
    const struct pt_layout *L = &t->ctx.lay;
    bool objs = t->ctx.facts->chain == PT_CHAIN_FRAMEOBJ;
    int32_t link = objs ? L->frame_back : L->iframe_previous;
    uint64_t interp = 0;
    ck_assert_int_eq(pt_target_first_interp(t, &t->mem, &interp), PT_OK);
    size_t best = longest ? 0 : SIZE_MAX;
    uint64_t frames[4096];
    for (uint64_t ts = u64(t, interp + (uint64_t)L->interp_threads_head); ts;
         ts = u64(t, ts + (uint64_t)L->ts_next)) {
        uint8_t buf[4096];
        uint64_t fp = 0;
        ck_assert_int_eq(pt_mem_read(&t->mem, ts, buf, 1024), PT_OK);
        ck_assert_int_eq(pt_target_top_frame(t, &t->mem, buf, &fp), PT_OK);
        size_t n = 0;
        for (; fp && n < 4096; fp = u64(t, fp + (uint64_t)link))
            frames[n++] = fp;
        if (n && n <= cap && (longest ? n > best : n < best)) {
            best = n;
            *tstate = ts;
            memcpy(chain, frames, n * sizeof *chain);
        }
    }
    return best == SIZE_MAX ? 0 : best;
}

/* Walk every thread; the error and frame count of the thread at tstate. */
static enum pt_err walk_thread_of(struct pt_target *t, uint64_t tstate, size_t *nframes)
{
    struct pt_walker w;
    pt_walker_init(&w, t);
    struct pt_stacks s = {0};
    ck_assert_int_eq(pt_stacks_read(&w, &s), PT_OK);
    enum pt_err err = PT_ENOPROC;
    for (size_t i = 0; i < s.n; i++)
        if (s.threads[i].tstate == tstate) {
            err = s.threads[i].err;
            *nframes = s.threads[i].nframes;
        }
    pt_stacks_free(&s);
    pt_walker_free(&w);
    return err;
}

/* stacks.py started under py and attached; its pid. */
static pid_t attach_stacks(const struct py_interp *py, struct pt_target *t)
{
    char script[PATH_MAX];
    snprintf(script, sizeof script, "%s/test/targets/stacks.py", harness_root());
    char *args[] = {script, NULL};
    pid_t pid = harness_start_target(py->path, args, 30);
    ck_assert_msg(pid > 0, "%s: stacks.py did not start", py->label);
    struct pt_sb why;
    pt_sb_init(&why);
    enum pt_err err = pt_target_attach(pid, t, &why);
    ck_assert_msg(err == PT_OK, "%s: attach: %s %s", py->label, pt_err_name(err), why.s ? why.s : "");
    pt_sb_free(&why);
    return pid;
}

static void torn_on(const struct py_interp *py, const char *kind)
{
    if (!py) {
        printf("torn: skipped the %s interpreter test (none installed)\n", kind);
        return;
    }
    struct pt_target t;
    pid_t pid = attach_stacks(py, &t);
    enum pt_err err;

    uint64_t tstate = 0, chain[4096];
    size_t n = pick_chain(&t, true, &tstate, chain, 4096);
    ck_assert_msg(n >= 1000, "%s: the deep thread has %zu frames", py->label, n);
    size_t whole = 0;
    ck_assert_int_eq(walk_thread_of(&t, tstate, &whole), PT_OK);

    const struct pt_layout *L = &t.ctx.lay;
    int32_t link = t.ctx.facts->chain == PT_CHAIN_FRAMEOBJ ? L->frame_back : L->iframe_previous;
    /* frames 16-28 met twice: a cycle check comparing with the addresses at
     * steps 2^m - 2 (Brent's) would not notice this repeat if it ends */
    struct liar liar = {.inner = t.mem, .at = chain[28] + (uint64_t)link, .value = chain[16]};
    t.mem = (struct pt_mem){liar_read, NULL, &liar};
    for (int always = 0; always <= 1; always++) {
        liar.always = always;
        liar.lies = 0;
        size_t got = 0;
        err = walk_thread_of(&t, tstate, &got);
        ck_assert_msg(liar.lies > 0, "%s: the frame link was never read", py->label);
        ck_assert_msg(err == PT_EINVAL,
                      "%s: frames 16-28 met twice (%s) gave %s with %zu frames (whole: %zu)",
                      py->label, always ? "a loop" : "rewritten once", pt_err_name(err), got, whole);
    }
    t.mem = liar.inner;
    pt_target_detach(&t);
    harness_stop_target(pid);
}

/* <= 3.10: a shallow thread's root frame linked on to the top of the deep
 * thread's 1,200 frames. No frame repeats, yet the chain is far deeper
 * than the shallow thread's recursion depth: frames freed and reused while
 * a walk crosses them make exactly such chains, and they must not count.
 * (3.11+ frames live in each thread's own data stack, read in one piece.) */
static void spliced_on(const struct py_interp *py)
{
    if (!py) {
        printf("torn: skipped the spliced-chain test (no <= 3.10 interpreter installed)\n");
        return;
    }
    struct pt_target t;
    pid_t pid = attach_stacks(py, &t);
    enum pt_err err;

    static uint64_t deep[4096], shallow[4096];
    uint64_t deep_ts = 0, shallow_ts = 0;
    size_t nd = pick_chain(&t, true, &deep_ts, deep, 4096);
    size_t ns = pick_chain(&t, false, &shallow_ts, shallow, 4096);
    ck_assert_msg(nd >= 1000 && ns > 0 && ns < 100, "%s: chains of %zu and %zu frames", py->label, nd, ns);
    size_t got = 0;
    ck_assert_int_eq(walk_thread_of(&t, shallow_ts, &got), PT_OK);
    ck_assert_uint_eq(got, ns);

    struct liar liar = {.inner = t.mem, .at = shallow[ns - 1] + (uint64_t)t.ctx.lay.frame_back,
                        .value = deep[0], .always = true};
    t.mem = (struct pt_mem){liar_read, NULL, &liar};
    err = walk_thread_of(&t, shallow_ts, &got);
    ck_assert_msg(liar.lies > 0, "%s: the root frame's link was never read", py->label);
    ck_assert_msg(err == PT_EINVAL, "%s: %zu + %zu spliced frames gave %s with %zu frames", py->label,
                  ns, nd, pt_err_name(err), got);
    t.mem = liar.inner;
    pt_target_detach(&t);
    harness_stop_target(pid);
}

START_TEST(torn_frameobjs) { torn_on(pick(false), "<= 3.10"); }
END_TEST

START_TEST(torn_iframes) { torn_on(pick(true), "3.11+"); }
END_TEST

START_TEST(spliced_frameobjs) { spliced_on(pick(false)); }
END_TEST

/* 3.11+: a thread that calls and returns faster than a live read (a
 * generator in a loop) tears most reads of it. No sample may show a stack
 * cut short: each must reach <module> (a generator's frame, read as it
 * yields, links to nothing, which once passed for a whole stack). --auto
 * loses at most a fifth of its reads (torn reads are tried again, then
 * the thread is paused for one exact read); both shares are printed. */
static unsigned long long errors_of(const char *out)
{
    const char *e = out ? strstr(out, ", errors ") : NULL;
    return e ? strtoull(e + 9, NULL, 10) : ~0ull;
}

static unsigned long long samples_of(const char *out)
{
    const char *e = out ? strstr(out, " Hz, ") : NULL;
    return e ? strtoull(e + 5, NULL, 10) : 0;
}

START_TEST(tearing_thread_whole_stacks)
{
    const struct py_interp *py;
    size_t n = harness_interps(&py), tried = 0;
    char script[PATH_MAX];
    snprintf(script, sizeof script, "%s/test/targets/churn.py", harness_root());
    for (size_t i = 0; i < n; i++) {
        if (!py[i].path[0] || py[i].major != 3 || py[i].minor < 11)
            continue;
        char *args[] = {script, NULL};
        pid_t pid = harness_start_target(py[i].path, args, 30);
        ck_assert_msg(pid > 0, "%s: churn.py did not start", py[i].label);
        char pidstr[16];
        snprintf(pidstr, sizeof pidstr, "%d", (int)pid);
        const char *modes[] = {"--auto", "--nonblocking"};
        unsigned long long errs[2], samples[2];
        for (int m = 0; m < 2; m++) {
            char *argv[] = {(char *)harness_pytop(), "-b", (char *)modes[m], "-r", "200", "-d", "1", "-n", "1",
                            pidstr, NULL};
            char *out = NULL;
            int st = harness_run(argv, &out, NULL, 30);
            ck_assert_msg(st == 0, "%s %s: pytop exited %d", py[i].label, modes[m], st);
            errs[m] = errors_of(out);
            samples[m] = samples_of(out);
            char module_row[PATH_MAX + 16];
            snprintf(module_row, sizeof module_row, "<module> (%s:", script);
            double own, total = -1;
            if (!harness_row_pcts(out, module_row, &own, &total))
                total = -1;
            ck_assert_msg(total == 100.0, "%s %s: <module> is in %.1f%% of the samples, not all:\n%s", py[i].label,
                          modes[m], total, out ? out : "");
            free(out);
        }
        printf("torn: %s churn.py, 1 s at 200 Hz: --auto %llu invalid of %llu, --nonblocking %llu of %llu\n",
               py[i].label, errs[0], errs[0] + samples[0], errs[1], errs[1] + samples[1]);
        /* 3.14's paused reads sometimes show a leaf whose code pointer is
         * NULL (counted invalid): its share is printed, not judged */
        ck_assert_msg(samples[0] > 0 && (py[i].minor >= 14 || errs[0] * 5 <= samples[0] + errs[0]),
                      "%s --auto: %llu of %llu reads invalid (more than a fifth)", py[i].label, errs[0],
                      samples[0] + errs[0]);
        harness_stop_target(pid);
        tried++;
    }
    if (!tried)
        printf("torn: skipped the tearing-thread test (no 3.11+ interpreter installed)\n");
}
END_TEST

Suite *suite_torn(void)
{
    Suite *s = suite_create("torn");
    TCase *unit = tcase_create("addrset");
    tcase_add_test(unit, addrset_exact);
    tcase_add_test(unit, addrset_zero_filled_and_wrap);
    suite_add_tcase(s, unit);
    TCase *live = tcase_create("walker");
    tcase_set_timeout(live, 60);
    tcase_add_test(live, torn_frameobjs);
    tcase_add_test(live, torn_iframes);
    tcase_add_test(live, spliced_frameobjs);
    tcase_add_test(live, tearing_thread_whole_stacks);
    suite_add_tcase(s, live);
    return s;
}
