/* sampler — the sampling thread: deadlines, per-thread walks, statistics. */
#include "pytop/sampler.h"

#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pytop/pause.h"
#include "pytop/proc_ident.h"
#include "pytop/py_stack.h"
#include "pytop/sample.h"
#include "pytop/tidcache.h"
#include "pytop/util.h"

#define NS_PER_S 1000000000ull
/* Forget threads not seen for this many ticks (they exited). */
#define EVICT_AFTER_TICKS 256
/* Confirm a process is still the one attached at least this often, and
 * after any failed walk. Its PID can name another process only once it
 * has exited, and then reads fail; this bounds the case where they do not
 * (the sampler was stopped or starved meanwhile). A tick's stat reads of
 * its threads confirm it for free (tidcache.h), after the tick's
 * vectored read; only after a tick where none could does a poll of its
 * pidfd, a few microseconds, do it. */
#define IDENT_CHECK_NS 10000000ull

/* One sampled process. Slot 0 is the target pytop was given; others are
 * descendants added while running (--subprocesses). */
struct slot {
    struct pt_target *t;
    struct pt_walker walker;
    struct pt_tidcache tids;
    uint64_t alive_ns, alive_tick; /* the tick it was last confirmed to be itself */
    bool gone;
    bool blocking; /* this process's mode: with -s, --auto can differ per version */
};

struct pt_sampler {
    struct slot slots[PT_SAMPLER_MAX_TARGETS];
    size_t nslots;
    struct slot *cur_slot;       /* the slot being walked */
    struct pt_target *_Atomic pending; /* handed over by pt_sampler_add_target */
    _Atomic uint32_t live;       /* slots not gone */
    enum pt_consistency mode;
    struct pt_ring *ring;
    struct pt_intern *in;
    pthread_t thread;
    bool started;
    _Atomic bool stop;
    _Atomic bool idle, gil_only;
    bool blocking, auto_mode;
    bool pause_torn; /* --auto, non-blocking: pause a thread whose live reads kept moving */
    uint64_t period_ns;
    struct pt_sampler_stats st;

    /* per tick state, touched only by the sampler thread */
    uint64_t tick, tick_ns, weight_us;
    unsigned tick_threads, tick_active;
    bool tick_gil;
    /* the thread being walked */
    struct pt_sample cur;
    struct pt_pause pause;
    bool cur_bad;
    bool cur_gone; /* the process being walked was found gone (still_itself) */
    struct pt_tident *cur_ent; /* idle thread read live: its run time must not move */
    uint64_t cur_runtime;
    uint32_t *words; /* header + PT_MAX_FRAMES frame ids */
};

static void count_error(struct pt_sampler *s, enum pt_err err)
{
    enum pt_serr kind = err == PT_EGONE ? PT_SERR_GONE : err == PT_EREAD ? PT_SERR_READ
                                                                       : PT_SERR_INVALID;
    atomic_fetch_add_explicit(&s->st.errors[kind], 1, memory_order_relaxed);
}

static void confirm_alive(const struct pt_sampler *s, struct slot *sl)
{
    sl->alive_ns = s->tick_ns;
    sl->alive_tick = s->tick;
}

/* Is what this tick read of the process still the process's? A stat file
 * opened while its PID was known to name it vouches for it by working
 * (tidcache.h); a newer one (a thread never met) proves nothing, so then,
 * unless this tick was confirmed already, a poll of its pidfd decides. */
static bool still_itself(struct pt_sampler *s, const struct pt_tident *e)
{
    struct slot *sl = s->cur_slot;
    if (e->opened < sl->alive_tick || sl->alive_tick == s->tick) {
        confirm_alive(s, sl);
        return true;
    }
    if (pt_ident_check(&sl->t->ident) != PT_OK)
        return false;
    confirm_alive(s, sl);
    return true;
}

/* ------------------------------------------------------------------------
 * The walk sink: one sample per thread.
 */
static enum pt_walk_choice on_thread(void *arg, const struct pt_threadinfo *ti)
{
    struct pt_sampler *s = arg;
    if (s->cur_gone)
        return PT_WALK_SKIP;
    s->tick_threads++;
    s->tick_gil |= ti->gil;
    struct pt_tident *e = pt_tidcache_get(&s->cur_slot->tids, ti->ns_tid, s->tick);
    bool running = false;
    if (!e || pt_tidcache_running(e, &running) != PT_OK) {
        count_error(s, PT_EGONE); /* a thread state whose kernel thread is gone */
        pt_walker_forget_tid(&s->cur_slot->walker, ti->tstate); /* or a new one in its place */
        return PT_WALK_SKIP;
    }
    if (!still_itself(s, e)) {
        s->cur_gone = true; /* exited, maybe its PID reused: this walk read another's memory */
        return PT_WALK_SKIP;
    }
    s->tick_active += running;
    if ((!running && !atomic_load_explicit(&s->idle, memory_order_relaxed)) ||
        (!ti->gil && atomic_load_explicit(&s->gil_only, memory_order_relaxed)))
        return PT_WALK_SKIP;
    s->cur = (struct pt_sample){.tid = (uint32_t)e->tid, .pid = (uint32_t)s->cur_slot->t->pid,
                                .flags = (running ? 0 : PT_SAMPLE_IDLE) | (ti->gil ? PT_SAMPLE_GIL : 0),
                                .tick = (uint32_t)s->tick, .t_ns = s->tick_ns,
                                .weight_us = (uint32_t)s->weight_us, .depth = 0,
                                .frames = s->words + PT_SAMPLE_HDR_WORDS};
    s->cur_bad = false;
    s->cur_ent = NULL;
    if (!s->cur_slot->blocking)
        return PT_WALK;
    /* A thread blocked in the kernel cannot change its stack. Pausing it
     * would wake it (the syscall restarts), so read it live and prove it
     * did not run meanwhile by its CPU time. */
    if (!running && pt_tidcache_runtime(&s->cur_slot->tids, e, &s->cur_runtime) == PT_OK) {
        s->cur_ent = e;
        return PT_WALK_REREAD;
    }
    enum pt_err err = pt_pause(&s->pause, e->tid);
    if (err != PT_OK) {
        count_error(s, err == PT_EPERM ? PT_EREAD : err);
        return PT_WALK_SKIP;
    }
    return PT_WALK_REREAD;
}

/* Interned ids of a code object's name and file, kept in the code cache. */
static bool code_ids(struct pt_sampler *s, struct pt_code *c)
{
    if (!c->user_set) {
        c->user[0] = pt_intern_string(s->in, c->name);
        c->user[1] = pt_intern_string(s->in, c->file);
        c->user_set = c->user[0] != PT_NOID && c->user[1] != PT_NOID;
    }
    return c->user_set;
}

static enum pt_err on_frame(void *arg, struct pt_code *code, uint64_t code_addr, int line,
                            enum pt_err err)
{
    struct pt_sampler *s = arg;
    (void)code_addr;
    if (err != PT_OK || !code || !code_ids(s, code)) {
        s->cur_bad = true; /* an unreadable frame: the sample cannot be trusted */
        return PT_OK;
    }
    /* user[2], user[4]: two lines (plus one; 0: none) whose frame ids are
     * user[3], user[5], newest first: a loop often runs two in turn */
    uint32_t key = (uint32_t)line + 1u, id;
    if (code->user[2] == key) {
        id = code->user[3];
    } else if (code->user[4] == key) {
        id = code->user[5];
    } else {
        struct pt_frameinfo fi = {code->user[0], code->user[1], line, code->firstlineno};
        id = pt_intern_frame(s->in, &fi);
        code->user[4] = code->user[2];
        code->user[5] = code->user[3];
        code->user[2] = id == PT_NOID ? 0 : key;
        code->user[3] = id;
    }
    if (id == PT_NOID || s->cur.depth >= PT_MAX_FRAMES) {
        s->cur_bad = true;
        return PT_OK;
    }
    s->words[PT_SAMPLE_HDR_WORDS + s->cur.depth++] = id;
    return PT_OK;
}

/* --auto on 3.11+: a thread calling and returning faster than its reads
 * (tries included) is paused for one exact read, only then and only it.
 * Not allowed to trace: its torn reads stay counted invalid. */
static enum pt_walk_choice on_torn(void *arg)
{
    struct pt_sampler *s = arg;
    if (!s->pause_torn || s->cur_slot->blocking || s->pause.tid)
        return PT_WALK;
    enum pt_err err = pt_pause(&s->pause, (pid_t)s->cur.tid);
    if (err == PT_EPERM)
        s->pause_torn = false;
    return err == PT_OK ? PT_WALK_REREAD : PT_WALK;
}

static void on_thread_end(void *arg, enum pt_err err)
{
    struct pt_sampler *s = arg;
    pt_resume(&s->pause);
    uint64_t runtime;
    if (err == PT_OK && s->cur_ent &&
        (pt_tidcache_runtime(&s->cur_slot->tids, s->cur_ent, &runtime) != PT_OK ||
         runtime != s->cur_runtime))
        err = PT_EINVAL; /* it ran while we read it: not a stack we can vouch for */
    if (err != PT_OK || s->cur_bad) {
        count_error(s, err != PT_OK ? err : PT_EINVAL);
        return;
    }
    size_t n = pt_sample_encode(&s->cur, s->words);
    pt_ring_push(s->ring, s->words, n);
    atomic_fetch_add_explicit(&s->st.samples, 1, memory_order_relaxed);
}

/* ------------------------------------------------------------------------
 * Ticks and statistics.
 */
void pt_sampler_record_work(struct pt_sampler_stats *st, uint64_t ns)
{
    uint64_t units = ns / PT_WORK_BUCKET_NS, b = units;
    if (units >= PT_WORK_LINEAR) {
        uint64_t octave = 0, base = PT_WORK_LINEAR;
        while (units / base >= 2 && octave < PT_WORK_OCTAVES - 1) {
            base *= 2;
            octave++;
        }
        /* below 2 * base unless the last octave caught everything above */
        uint64_t sub = units / base >= 2 ? PT_WORK_SUB - 1 : (units - base) * PT_WORK_SUB / base;
        b = PT_WORK_LINEAR + octave * PT_WORK_SUB + (sub < PT_WORK_SUB ? sub : PT_WORK_SUB - 1);
    }
    atomic_fetch_add_explicit(&st->work_hist[b], 1, memory_order_relaxed);
    uint64_t min = atomic_load_explicit(&st->work_min_ns, memory_order_relaxed);
    if (min == 0 || ns < min)
        atomic_store_explicit(&st->work_min_ns, ns, memory_order_relaxed);
    if (ns > atomic_load_explicit(&st->work_max_ns, memory_order_relaxed))
        atomic_store_explicit(&st->work_max_ns, ns, memory_order_relaxed);
}

/* Walk one process; false when it has gone. */
static bool tick_slot(struct pt_sampler *s, struct slot *sl)
{
    s->cur_slot = sl;
    /* the last tick's stat reads came after all of its memory reads */
    if (sl->alive_tick + 1 < s->tick && s->tick_ns - sl->alive_ns >= IDENT_CHECK_NS) {
        if (pt_ident_check(&sl->t->ident) != PT_OK)
            return false; /* exited, maybe its PID reused: never read it again */
        confirm_alive(s, sl);
    }
    struct pt_walk_sink sink = {on_thread, on_frame, on_thread_end, s, on_torn};
    s->cur_gone = false;
    enum pt_err err = pt_walk(&sl->walker, &sink);
    if (s->cur_gone)
        return false;
    if (err != PT_OK) {
        count_error(s, err);
        if (pt_ident_check(&sl->t->ident) != PT_OK)
            return false;
    }
    if (s->tick % EVICT_AFTER_TICKS == 0)
        pt_tidcache_evict(&sl->tids, s->tick - EVICT_AFTER_TICKS);
    return true;
}

static void init_slot(struct pt_sampler *s, struct slot *sl, struct pt_target *t)
{
    sl->t = t;
    sl->gone = false;
    pt_walker_init(&sl->walker, t);
    pt_tidcache_init(&sl->tids, t->pid);
    sl->blocking = s->mode == PT_CONS_BLOCKING ||
                   (s->mode == PT_CONS_AUTO && t->ctx.facts->chain == PT_CHAIN_FRAMEOBJ);
    /* live reads: reject stacks whose top moved meanwhile (py_stack.h) */
    sl->walker.verify_top = !sl->blocking;
    atomic_fetch_add(&s->live, 1);
}

/* Take over a target handed in by the consumer thread, if any. */
static void adopt_pending(struct pt_sampler *s)
{
    struct pt_target *t = atomic_exchange(&s->pending, NULL);
    if (t && s->nslots < PT_SAMPLER_MAX_TARGETS)
        init_slot(s, &s->slots[s->nslots++], t);
}

/* One tick: walk every live process. False when all are gone. */
static bool do_tick(struct pt_sampler *s, uint64_t tick_ns, uint64_t prev_ns)
{
    adopt_pending(s);
    s->tick++;
    s->tick_ns = tick_ns;
    s->weight_us = prev_ns ? (tick_ns - prev_ns) / 1000 : s->period_ns / 1000;
    s->tick_threads = s->tick_active = 0;
    s->tick_gil = false;
    uint64_t t0 = pt_now_ns();
    for (size_t i = 0; i < s->nslots; i++) {
        struct slot *sl = &s->slots[i];
        if (!sl->gone && !tick_slot(s, sl)) {
            sl->gone = true;
            atomic_fetch_sub(&s->live, 1);
        }
    }
    pt_sampler_record_work(&s->st, pt_now_ns() - t0);
    atomic_fetch_add_explicit(&s->st.ticks, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->st.gil_ticks, s->tick_gil, memory_order_relaxed);
    atomic_store_explicit(&s->st.threads_total, s->tick_threads, memory_order_relaxed);
    atomic_store_explicit(&s->st.threads_active, s->tick_active, memory_order_relaxed);
    uint64_t zero = 0;
    atomic_compare_exchange_strong(&s->st.start_ns, &zero, tick_ns);
    atomic_store_explicit(&s->st.last_ns, tick_ns, memory_order_relaxed);
    return atomic_load(&s->live) > 0;
}

static void sleep_until(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / NS_PER_S), (long)(ns % NS_PER_S)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
        ; /* EINTR: sleep the rest */
}

/* The kernel may wake a sleeper up to its timer slack late (50 us by
 * default): harmless at 100 Hz, a missed deadline at 20 kHz. A tenth of
 * the period keeps wake-ups on time without asking for more precision
 * than the rate needs. */
static void set_slack(uint64_t period_ns)
{
    unsigned long slack = (unsigned long)(period_ns / 10);
    if (slack < 50000)
        prctl(PR_SET_TIMERSLACK, slack ? slack : 1ul, 0, 0, 0);
}

/* A sleep and its wake-up cost tens of microseconds of CPU and come late
 * by as much again (timer interrupt, scheduler; more in a VM): at 10 kHz
 * and up that is most of a period, so the sampler waits for its next tick
 * by watching the clock instead, on a core of its own, as often as the
 * rate asked for it anyway. */
#define SPIN_PERIOD_NS 100000ull

static void spin_until(const struct pt_sampler *s, uint64_t ns)
{
    while (pt_now_ns() < ns && !atomic_load_explicit(&s->stop, memory_order_relaxed))
        ;
}

static void *run(void *arg)
{
    struct pt_sampler *s = arg;
    set_slack(s->period_ns);
    bool spin = s->period_ns <= SPIN_PERIOD_NS;
    uint64_t next = pt_now_ns(), prev = 0;
    while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
        if (spin)
            spin_until(s, next);
        else
            sleep_until(next);
        uint64_t tick_ns = pt_now_ns();
        if (!do_tick(s, tick_ns, prev))
            break;
        prev = tick_ns;
        next += s->period_ns;
        /* A deadline already passed is skipped and counted, never made up:
         * ticks never run back to back, so a tick that costs more than the
         * period lowers the rate instead of taking a whole core. */
        uint64_t now = pt_now_ns();
        if (now >= next) {
            uint64_t missed = (now - next) / s->period_ns + 1;
            atomic_fetch_add_explicit(&s->st.late, missed, memory_order_relaxed);
            next += missed * s->period_ns;
        }
    }
    atomic_store(&s->st.gone, !atomic_load(&s->stop));
    return NULL;
}

/* ------------------------------------------------------------------------
 * Life cycle.
 */
static void choose_mode(struct pt_sampler *s, enum pt_consistency mode, const struct pt_target *t)
{
    s->mode = mode;
    s->auto_mode = mode == PT_CONS_AUTO;
    if (mode == PT_CONS_AUTO)
        s->blocking = t->ctx.facts->chain == PT_CHAIN_FRAMEOBJ;
    else
        s->blocking = mode == PT_CONS_BLOCKING;
    s->pause_torn = s->auto_mode;
}

/* Blocking needs ptrace rights beyond reading memory; find out now. */
static enum pt_err probe_blocking(pid_t pid, struct pt_sb *why)
{
    struct pt_pause p;
    enum pt_err err = pt_pause(&p, pid);
    pt_resume(&p);
    if (err == PT_EPERM)
        pt_sb_puts(why, "--blocking needs ptrace: run as root or grant CAP_SYS_PTRACE, and check "
                        "kernel.yama.ptrace_scope (or use --nonblocking)");
    return err;
}

enum pt_err pt_sampler_start(struct pt_sampler **out, struct pt_target *t, struct pt_ring *ring,
                             struct pt_intern *in, const struct pt_sampler_opts *opts,
                             struct pt_sb *why)
{
    struct pt_sampler *s = calloc(1, sizeof *s);
    if (!s)
        return PT_ENOMEM;
    s->words = malloc((PT_SAMPLE_HDR_WORDS + PT_MAX_FRAMES) * sizeof *s->words);
    if (!s->words) {
        free(s);
        return PT_ENOMEM;
    }
    s->ring = ring;
    s->in = in;
    s->period_ns = (uint64_t)(NS_PER_S / opts->rate_hz);
    if (s->period_ns == 0)
        s->period_ns = 1;
    atomic_init(&s->idle, opts->idle);
    atomic_init(&s->gil_only, opts->gil_only);
    atomic_init(&s->pending, NULL);
    atomic_init(&s->live, 0);
    choose_mode(s, opts->mode, t);
    init_slot(s, &s->slots[s->nslots++], t);
    enum pt_err err = s->blocking ? probe_blocking(t->pid, why) : PT_OK;
    if (err == PT_OK) {
        /* the sampler takes no signals: they are the main thread's business */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        err = pthread_create(&s->thread, NULL, run, s) == 0 ? PT_OK : PT_ENOMEM;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        s->started = err == PT_OK;
    }
    if (err != PT_OK) {
        pt_sampler_stop(s, NULL);
        return err;
    }
    *out = s;
    return PT_OK;
}

void pt_sampler_stop(struct pt_sampler *s, struct pt_sampler_stats *final)
{
    if (!s)
        return;
    atomic_store(&s->stop, true);
    if (s->started)
        pthread_join(s->thread, NULL);
    pt_resume(&s->pause);
    if (final)
        memcpy(final, &s->st, sizeof *final); /* the thread is gone: a plain copy is safe */
    for (size_t i = 0; i < s->nslots; i++) {
        pt_tidcache_free(&s->slots[i].tids);
        pt_walker_free(&s->slots[i].walker);
    }
    free(s->words);
    free(s);
}

const struct pt_sampler_stats *pt_sampler_stats(const struct pt_sampler *s) { return &s->st; }

void pt_sampler_reset_stats(struct pt_sampler *s)
{
    struct pt_sampler_stats *st = &s->st;
    atomic_store(&st->ticks, 0);
    atomic_store(&st->late, 0);
    atomic_store(&st->samples, 0);
    atomic_store(&st->gil_ticks, 0);
    for (int i = 0; i < PT_SERR_COUNT; i++)
        atomic_store(&st->errors[i], 0);
    for (int i = 0; i < PT_WORK_BUCKETS; i++)
        atomic_store(&st->work_hist[i], 0);
    atomic_store(&st->work_min_ns, 0);
    atomic_store(&st->work_max_ns, 0);
    atomic_store(&st->start_ns, 0);
}

bool pt_sampler_add_target(struct pt_sampler *s, struct pt_target *t)
{
    struct pt_target *expected = NULL;
    if (s->nslots >= PT_SAMPLER_MAX_TARGETS)
        return false;
    return atomic_compare_exchange_strong(&s->pending, &expected, t);
}

size_t pt_sampler_targets(const struct pt_sampler *s) { return atomic_load(&s->live); }

void pt_sampler_set_idle(struct pt_sampler *s, bool idle) { atomic_store(&s->idle, idle); }
void pt_sampler_set_gil_only(struct pt_sampler *s, bool g) { atomic_store(&s->gil_only, g); }
bool pt_sampler_blocking(const struct pt_sampler *s) { return s->blocking; }
bool pt_sampler_auto(const struct pt_sampler *s) { return s->auto_mode; }

static double bucket_us(int b)
{
    double unit_us = PT_WORK_BUCKET_NS / 1000.0;
    if (b < PT_WORK_LINEAR)
        return (b + 0.5) * unit_us;
    int octave = (b - PT_WORK_LINEAR) / PT_WORK_SUB, sub = (b - PT_WORK_LINEAR) % PT_WORK_SUB;
    double base = PT_WORK_LINEAR * unit_us * (double)(1u << octave);
    return base * (1.0 + (sub + 0.5) / PT_WORK_SUB);
}

void pt_sampler_work_us(const struct pt_sampler_stats *st, double *min, double *median, double *max)
{
    uint64_t total = 0, seen = 0;
    for (int b = 0; b < PT_WORK_BUCKETS; b++)
        total += atomic_load_explicit(&st->work_hist[b], memory_order_relaxed);
    *median = 0;
    for (int b = 0; b < PT_WORK_BUCKETS && total; b++) {
        seen += atomic_load_explicit(&st->work_hist[b], memory_order_relaxed);
        if (seen * 2 >= total) {
            *median = bucket_us(b);
            break;
        }
    }
    *min = (double)atomic_load(&st->work_min_ns) / 1000.0;
    *max = (double)atomic_load(&st->work_max_ns) / 1000.0;
    /* a bucket's middle can lie outside what was really seen */
    if (total && *median < *min)
        *median = *min;
    if (total && *median > *max)
        *median = *max;
}

double pt_sampler_rate(const struct pt_sampler_stats *st)
{
    uint64_t ticks = atomic_load(&st->ticks), a = atomic_load(&st->start_ns),
             b = atomic_load(&st->last_ns);
    if (ticks < 2 || b <= a)
        return 0;
    return (double)(ticks - 1) * 1e9 / (double)(b - a);
}
