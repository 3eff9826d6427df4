/* check_ring — the SPSC ring under a real producer and consumer thread.
 * Every record carries a sequence number and a checksum of its words: the
 * consumer proves that nothing arrives twice, out of order or torn, and
 * that everything missing was counted as dropped. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "pytop/intern.h"
#include "pytop/ring.h"

#define ITEMS 400000u
#define MAXLEN 40u

/* The two sides pace each other so the test stresses the same way however
 * the machine schedules them: the consumer stalls every STALL_EVERY records
 * until the producer has hit a full ring, and the producer, after each
 * drop, waits until the consumer has drained it. Both full and flowing
 * rings therefore occur on every run, not only on an idle machine. */
#define STALL_EVERY 4096u

struct stress {
    struct pt_ring ring;
    _Atomic bool done;
    _Atomic uint64_t got;   /* records the consumer has taken */
    _Atomic uint64_t drops; /* pushes the producer saw refused */
    _Atomic bool draining;  /* the producer waits for the consumer */
};

static void wait_drained(struct stress *s)
{
    atomic_store(&s->draining, true);
    while (atomic_load(&s->got) < atomic_load(&s->ring.pushed))
        sched_yield();
    atomic_store(&s->draining, false);
}

/* Record: seq, len-dependent payload, checksum. Length varies with seq so
 * records wrap around the ring's end at every possible offset. */
static size_t make_record(uint32_t seq, uint32_t *w)
{
    size_t n = 3 + seq % MAXLEN;
    w[0] = seq;
    uint32_t sum = seq;
    for (size_t i = 1; i + 1 < n; i++) {
        w[i] = seq * 2654435761u + (uint32_t)i;
        sum ^= w[i];
    }
    w[n - 1] = sum;
    return n;
}

static bool record_ok(const uint32_t *w, size_t n)
{
    if (n < 3 || n != 3 + w[0] % MAXLEN)
        return false;
    uint32_t sum = w[0];
    for (size_t i = 1; i + 1 < n; i++) {
        if (w[i] != w[0] * 2654435761u + (uint32_t)i)
            return false;
        sum ^= w[i];
    }
    return w[n - 1] == sum;
}

static void *producer(void *arg)
{
    struct stress *s = arg;
    uint32_t w[MAXLEN + 3];
    for (uint32_t seq = 0; seq < ITEMS; seq++) {
        size_t n = make_record(seq, w);
        if (!pt_ring_push(&s->ring, w, n)) {
            atomic_fetch_add(&s->drops, 1);
            wait_drained(s);
        }
    }
    atomic_store(&s->done, true);
    return NULL;
}

START_TEST(ring_stress)
{
    struct stress s;
    ck_assert_int_eq(pt_ring_init(&s.ring, 4096), PT_OK); /* small: forces drops and wraps */
    atomic_init(&s.done, false);
    atomic_init(&s.got, 0);
    atomic_init(&s.drops, 0);
    atomic_init(&s.draining, false);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, producer, &s), 0);
    uint32_t w[MAXLEN + 3];
    uint64_t got = 0;
    int64_t last = -1;
    for (;;) {
        /* done is read before popping: once it is set, an empty pop means
         * the producer's last record has been taken too */
        bool finished = atomic_load(&s.done);
        size_t n = pt_ring_pop(&s.ring, w, MAXLEN + 3);
        if (n == 0) {
            if (finished)
                break;
            continue;
        }
        ck_assert_msg(n != SIZE_MAX && record_ok(w, n), "torn record after seq %lld", (long long)last);
        ck_assert_msg((int64_t)w[0] > last, "seq %u after %lld: duplicate or reordered", w[0],
                      (long long)last);
        last = w[0];
        got++;
        atomic_store(&s.got, got);
        if (got % STALL_EVERY == 0) {
            uint64_t seen = atomic_load(&s.drops);
            while (atomic_load(&s.drops) == seen && !atomic_load(&s.draining) &&
                   !atomic_load(&s.done))
                sched_yield();
        }
    }
    pthread_join(th, NULL);
    uint64_t dropped = atomic_load(&s.ring.dropped), pushed = atomic_load(&s.ring.pushed);
    ck_assert_uint_eq(got, pushed);
    ck_assert_uint_eq(got + dropped, ITEMS);
    fprintf(stderr, "ring stress: got %llu dropped %llu\n", (unsigned long long)got, (unsigned long long)dropped);
    ck_assert_msg(dropped > 0 && got > 10000, "got %llu dropped %llu: the test did not stress",
                  (unsigned long long)got, (unsigned long long)dropped);
    pt_ring_free(&s.ring);
}
END_TEST

START_TEST(ring_full_and_oversize)
{
    struct pt_ring r;
    ck_assert_int_eq(pt_ring_init(&r, 1024), PT_OK);
    uint32_t w[2048] = {0};
    ck_assert(!pt_ring_push(&r, w, 1024)); /* needs 1025 words with its length */
    ck_assert(pt_ring_push(&r, w, 1023));
    ck_assert(!pt_ring_push(&r, w, 1));
    ck_assert_uint_eq(atomic_load(&r.dropped), 2);
    ck_assert_uint_eq(pt_ring_pop(&r, w, 10), SIZE_MAX); /* too long for the caller: skipped */
    ck_assert_uint_eq(pt_ring_pop(&r, w, 10), 0);
    ck_assert(pt_ring_push(&r, w, 5));
    ck_assert_uint_eq(pt_ring_pop(&r, w, 10), 5);
    pt_ring_free(&r);
}
END_TEST

/* Intern: a reader thread checks every published id while the writer adds. */
struct intern_race {
    struct pt_intern *in;
    _Atomic bool done;
    _Atomic int bad;
};

static void *intern_reader(void *arg)
{
    struct intern_race *r = arg;
    while (!atomic_load(&r->done)) {
        uint32_t n = pt_intern_nframes(r->in);
        for (uint32_t i = n > 64 ? n - 64 : 0; i < n; i++) {
            const struct pt_frameinfo *f = pt_intern_frameinfo(r->in, i);
            if (!f || f->line != (int32_t)i)
                atomic_fetch_add(&r->bad, 1);
        }
    }
    return NULL;
}

START_TEST(intern_concurrent_readers)
{
    struct pt_intern *in = malloc(sizeof *in);
    ck_assert_int_eq(pt_intern_init(in), PT_OK);
    struct intern_race r = {in, false, 0};
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, intern_reader, &r), 0);
    uint32_t name = pt_intern_string(in, "fn"), file = pt_intern_string(in, "f.py");
    for (int32_t i = 0; i < 300000; i++) {
        struct pt_frameinfo f = {name, file, i, 1};
        ck_assert_uint_eq(pt_intern_frame(in, &f), (uint32_t)i);
    }
    struct pt_frameinfo again = {name, file, 1234, 1};
    ck_assert_uint_eq(pt_intern_frame(in, &again), 1234);
    ck_assert_uint_eq(pt_intern_string(in, "fn"), name);
    atomic_store(&r.done, true);
    pthread_join(th, NULL);
    ck_assert_int_eq(atomic_load(&r.bad), 0);
    pt_intern_free(in);
    free(in);
}
END_TEST

Suite *suite_ring(void)
{
    Suite *s = suite_create("ring");
    TCase *tc = tcase_create("ring");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, ring_stress);
    tcase_add_test(tc, ring_full_and_oversize);
    tcase_add_test(tc, intern_concurrent_readers);
    suite_add_tcase(s, tc);
    return s;
}
