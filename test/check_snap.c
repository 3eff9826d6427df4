/*
 * check_snap — the per-walk snapshot reader over a synthetic image whose
 * bytes the test changes between and during walks: what a walk read is
 * read again in one call at the next begin, served from that copy, never
 * older than the walk; everything else goes to the inner reader.
 */
#include "harness.h"

#include <string.h>

#include "pytop/mem_snap.h"

#define A 0x10000u
#define B 0x10100u   /* within the merge gap of A's read */
#define C 0x20000u   /* far away: a range of its own */
#define SPAN 0x1000u

struct image {
    uint8_t a[SPAN], c[SPAN];
    struct pt_mem_span spans[2];
    struct pt_mem_image img;
    struct pt_mem inner;
    struct pt_snap snap;
};

static void image_init(struct image *im)
{
    for (size_t i = 0; i < SPAN; i++) {
        im->a[i] = (uint8_t)i;
        im->c[i] = (uint8_t)(255 - i);
    }
    im->spans[0] = (struct pt_mem_span){A, im->a, SPAN};
    im->spans[1] = (struct pt_mem_span){C, im->c, SPAN};
    im->img = (struct pt_mem_image){im->spans, 2};
    pt_mem_image_init(&im->inner, &im->img);
    pt_snap_init(&im->snap, &im->inner);
}

static uint64_t rd(struct image *im, uint64_t addr)
{
    uint64_t v = 0;
    ck_assert_int_eq(pt_mem_read(&im->snap.mem, addr, &v, sizeof v), PT_OK);
    return v;
}

static uint64_t at(const uint8_t *base, size_t off)
{
    uint64_t v;
    memcpy(&v, base + off, sizeof v);
    return v;
}

/* One walk reading A, B and C. */
static void walk(struct image *im)
{
    pt_snap_begin(&im->snap);
    ck_assert_uint_eq(rd(im, A), at(im->a, 0));
    ck_assert_uint_eq(rd(im, B), at(im->a, B - A));
    ck_assert_uint_eq(rd(im, C + 8), at(im->c, 8));
    pt_snap_end(&im->snap);
}

START_TEST(snap_second_walk_is_one_call)
{
    struct image im;
    image_init(&im);
    walk(&im);
    ck_assert_uint_eq(im.snap.st.misses, 3); /* nothing known yet */
    ck_assert_uint_eq(im.snap.nranges, 2);   /* A and B merged; C alone */
    struct pt_snap_stats before = im.snap.st;
    walk(&im);
    ck_assert_uint_eq(im.snap.st.hits - before.hits, 3);
    ck_assert_uint_eq(im.snap.st.misses, before.misses);
    ck_assert_uint_eq(im.snap.st.calls - before.calls, 1);
    pt_snap_free(&im.snap);
}
END_TEST

START_TEST(snap_never_older_than_the_walk)
{
    struct image im;
    image_init(&im);
    walk(&im);
    memset(im.a, 0xab, SPAN); /* the target changes between walks */
    walk(&im);                /* asserts the new bytes are what it sees */
    pt_snap_begin(&im.snap);
    ck_assert_uint_eq(rd(&im, A), 0xababababababababull);
    memset(im.a, 0xcd, SPAN); /* ... and during one */
    ck_assert_uint_eq(rd(&im, A), 0xababababababababull); /* the copy of this walk */
    pt_snap_refresh(&im.snap);                            /* paused: read again */
    ck_assert_uint_eq(rd(&im, A), 0xcdcdcdcdcdcdcdcdull);
    pt_snap_end(&im.snap);
    /* outside a walk nothing is served from a copy */
    memset(im.a, 0x11, SPAN);
    ck_assert_uint_eq(rd(&im, A), 0x1111111111111111ull);
    pt_snap_free(&im.snap);
}
END_TEST

START_TEST(snap_unreadable_range_is_not_served)
{
    struct image im;
    image_init(&im);
    walk(&im);
    im.img.count = 1; /* C is unmapped now */
    pt_snap_begin(&im.snap);
    ck_assert_uint_eq(rd(&im, A), at(im.a, 0));
    uint64_t v;
    ck_assert_int_eq(pt_mem_read(&im.snap.mem, C + 8, &v, sizeof v), PT_EREAD);
    pt_snap_end(&im.snap);
    pt_snap_free(&im.snap);
}
END_TEST

START_TEST(snap_readv_mixes_hits_and_misses)
{
    struct image im;
    image_init(&im);
    walk(&im);
    pt_snap_begin(&im.snap);
    uint64_t x[4] = {0};
    struct pt_mem_piece p[4] = {{A, &x[0], 8}, {C + 0x800, &x[1], 8}, {B, &x[2], 8}, {0x30000, &x[3], 8}};
    ck_assert_uint_eq(pt_mem_readv(&im.snap.mem, p, 4), 3); /* the fourth is unmapped */
    ck_assert_uint_eq(x[0], at(im.a, 0));
    ck_assert_uint_eq(x[1], at(im.c, 0x800));
    ck_assert_uint_eq(x[2], at(im.a, B - A));
    pt_snap_end(&im.snap);
    /* the piece read this time is in the next copy; the failed one too,
     * and it fails there without harming the others */
    pt_snap_begin(&im.snap);
    uint64_t before = im.snap.st.hits;
    ck_assert_uint_eq(rd(&im, C + 0x800), at(im.c, 0x800));
    ck_assert_uint_eq(im.snap.st.hits, before + 1);
    pt_snap_end(&im.snap);
    pt_snap_free(&im.snap);
}
END_TEST

START_TEST(snap_big_reads_are_not_copied_again)
{
    static uint8_t big[64 << 10], out[64 << 10];
    struct pt_mem_span span = {0x100000, big, sizeof big};
    struct pt_mem_image img = {&span, 1};
    struct pt_mem inner;
    struct pt_snap snap;
    pt_mem_image_init(&inner, &img);
    pt_snap_init(&snap, &inner);
    for (int walk = 0; walk < 2; walk++) {
        pt_snap_begin(&snap);
        ck_assert_int_eq(pt_mem_read(&snap.mem, 0x100000, out, sizeof out), PT_OK);
        pt_snap_end(&snap);
    }
    ck_assert_uint_eq(snap.nranges, 0); /* a decode-once read, not a walk's structure */
    ck_assert_uint_eq(snap.st.hits, 0);
    pt_snap_free(&snap);
}
END_TEST

/* A reader that stamps every read with its order: the n-th read fills its
 * buffer with the byte n. */
struct stamper {
    uint8_t n;
};

static enum pt_err stamp_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct stamper *st = ctx;
    (void)addr;
    memset(buf, ++st->n, len);
    return PT_OK;
}

/* The copy is read in walk order, whatever the addresses: a thread state
 * before the frames it points to; a tail read where the walk made it,
 * after what came before and before what came after. */
START_TEST(snap_pieces_in_walk_order)
{
    struct stamper st = {0};
    struct pt_mem inner = {.read = stamp_read, .readv = NULL, .ctx = &st};
    struct pt_snap snap;
    pt_snap_init(&snap, &inner);
    uint8_t a, b, c, tail;
    pt_snap_begin(&snap);
    ck_assert_int_eq(pt_mem_read(&snap.mem, 0x9000, &a, 1), PT_OK);
    ck_assert_int_eq(pt_mem_read(&snap.mem, 0x5000, &b, 1), PT_OK);
    ck_assert_int_eq(pt_mem_read(&snap.tail, 0x9000, &tail, 1), PT_OK); /* nothing copied: live */
    ck_assert_int_eq(pt_mem_read(&snap.mem, 0x1000, &c, 1), PT_OK);
    ck_assert_uint_eq(snap.st.tail_hits, 0);
    pt_snap_end(&snap);
    /* next walk: one vectored read, pieces in the order the walk made them */
    pt_snap_begin(&snap);
    ck_assert_int_eq(pt_mem_read(&snap.mem, 0x9000, &a, 1), PT_OK);
    ck_assert_int_eq(pt_mem_read(&snap.mem, 0x5000, &b, 1), PT_OK);
    ck_assert_int_eq(pt_mem_read(&snap.tail, 0x9000, &tail, 1), PT_OK);
    ck_assert_int_eq(pt_mem_read(&snap.mem, 0x1000, &c, 1), PT_OK);
    ck_assert_uint_eq(snap.st.tail_hits, 1);
    ck_assert_uint_eq(snap.st.misses, 3); /* only the first walk's */
    ck_assert_uint_lt(a, b);    /* 0x9000 before 0x5000: walk order, not address order */
    ck_assert_uint_lt(b, tail); /* the tail after the reads before it... */
    ck_assert_uint_lt(tail, c); /* ...and before the reads after it */
    pt_snap_end(&snap);
    /* outside a walk the tail reader reads live */
    uint8_t live;
    ck_assert_int_eq(pt_mem_read(&snap.tail, 0x1000, &live, 1), PT_OK);
    ck_assert_uint_gt(live, c);
    pt_snap_free(&snap);
}
END_TEST

Suite *suite_snap(void)
{
    Suite *s = suite_create("snap");
    TCase *tc = tcase_create("snap");
    tcase_add_test(tc, snap_second_walk_is_one_call);
    tcase_add_test(tc, snap_never_older_than_the_walk);
    tcase_add_test(tc, snap_unreadable_range_is_not_served);
    tcase_add_test(tc, snap_readv_mixes_hits_and_misses);
    tcase_add_test(tc, snap_big_reads_are_not_copied_again);
    tcase_add_test(tc, snap_pieces_in_walk_order);
    suite_add_tcase(s, tc);
    return s;
}
