/* check_aggregate — the numbers every view shows, from hand-made samples.
 *
 * Each test interns a few frames, feeds samples with known stacks
 * (written root first here, as one reads a traceback), threads, flags,
 * weights and times, closes buckets at chosen instants and checks the
 * counts, shares, seconds, windows, order, filters, drill-down and stacks
 * against values worked out by hand in the comments. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pytop/aggregate.h"
#include "pytop/intern.h"

#define NS 1000000000ull
#define MAXDEPTH 16

/* A stack literal, root first: STK(main, a, b) -> array, count. */
#define STK(...) (const uint32_t[]){__VA_ARGS__}, sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t)

struct fx {
    struct pt_intern *in;
    struct pt_agg *a;
    struct pt_table t;
    uint64_t now_ns; /* time of the next sample */
};

static void fx_init(struct fx *f)
{
    memset(f, 0, sizeof *f);
    f->in = calloc(1, sizeof *f->in);
    ck_assert_ptr_nonnull(f->in);
    ck_assert_int_eq(pt_intern_init(f->in), PT_OK);
    ck_assert_int_eq(pt_agg_new(f->in, &f->a), PT_OK);
    f->now_ns = NS / 100; /* the first 10 ms sample then starts the run at t = 0 */
}

static void fx_free(struct fx *f)
{
    pt_table_free(&f->t);
    pt_agg_free(f->a);
    pt_intern_free(f->in);
    free(f->in);
}

static uint32_t frame(struct fx *f, const char *name, const char *file, int line, int firstline)
{
    struct pt_frameinfo fi = {pt_intern_string(f->in, name), pt_intern_string(f->in, file), line, firstline};
    uint32_t id = pt_intern_frame(f->in, &fi);
    ck_assert_uint_ne(id, PT_NOID);
    return id;
}

/* A frame of a one-line function "name" in file, at line 1. */
static uint32_t fn(struct fx *f, const char *name, const char *file) { return frame(f, name, file, 1, 1); }

/* n samples of one stack (root first) on thread tid. */
static void add_n(struct fx *f, uint32_t tid, uint32_t flags, uint32_t weight_us, unsigned n,
                  const uint32_t *root_first, size_t depth)
{
    uint32_t leaf_first[MAXDEPTH];
    ck_assert_uint_le(depth, MAXDEPTH);
    for (size_t i = 0; i < depth; i++)
        leaf_first[i] = root_first[depth - 1 - i];
    for (unsigned k = 0; k < n; k++) {
        struct pt_sample s = {.tid = tid, .pid = 1, .flags = flags, .t_ns = f->now_ns,
                              .weight_us = weight_us, .depth = (uint32_t)depth, .frames = leaf_first};
        ck_assert_int_eq(pt_agg_add(f->a, &s), PT_OK);
    }
}

/* n samples on thread 1, running with the GIL, 10 ms each. */
static void add(struct fx *f, unsigned n, const uint32_t *root_first, size_t depth)
{
    add_n(f, 1, PT_SAMPLE_GIL, 10000, n, root_first, depth);
}

static void close_at(struct fx *f, double t_s)
{
    ck_assert_int_eq(pt_agg_close_bucket(f->a, (uint64_t)(t_s * NS)), PT_OK);
    f->now_ns = (uint64_t)(t_s * NS) + NS / 100;
}

static struct pt_view view(enum pt_keymode mode, double window_s)
{
    return (struct pt_view){.mode = mode, .sort = PT_SORT_OWN, .window_s = window_s};
}

static const struct pt_table *table(struct fx *f, const struct pt_view *v)
{
    ck_assert_int_eq(pt_agg_table(f->a, v, &f->t), PT_OK);
    return &f->t;
}

/* The row of the function called name (and at line, unless line < 0); NULL if absent. */
static const struct pt_row *row_at(struct fx *f, const char *name, int line)
{
    for (size_t i = 0; i < f->t.n; i++)
        if (strcmp(pt_intern_str(f->in, f->t.rows[i].name), name) == 0 && (line < 0 || f->t.rows[i].line == line))
            return &f->t.rows[i];
    return NULL;
}

static const struct pt_row *row(struct fx *f, const char *name)
{
    const struct pt_row *r = row_at(f, name, -1);
    ck_assert_msg(r != NULL, "no row for %s", name);
    return r;
}

/* "name(line)" of every row in table order, space separated. */
static const char *order(struct fx *f, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < f->t.n && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s:%s:%d", i ? " " : "", pt_intern_str(f->in, f->t.rows[i].name),
                              pt_intern_str(f->in, f->t.rows[i].file), f->t.rows[i].line);
    return buf;
}

#define EPS 1e-9

/* ---- counting ------------------------------------------------------------ */

START_TEST(own_and_total_counts)
{
    struct fx f;
    fx_init(&f);
    uint32_t main_ = fn(&f, "main", "/m.py"), a = fn(&f, "a", "/m.py"), b = fn(&f, "b", "/m.py");
    add(&f, 3, STK(main_, a, b));
    add(&f, 1, STK(main_, a));
    close_at(&f, 1);
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_LAST);
    const struct pt_table *t = table(&f, &v);
    ck_assert_uint_eq(t->window_samples, 4);
    ck_assert_uint_eq(t->n, 3);
    ck_assert_uint_eq(row(&f, "b")->own, 3);
    ck_assert_uint_eq(row(&f, "b")->total, 3);
    ck_assert_uint_eq(row(&f, "a")->own, 1);
    ck_assert_uint_eq(row(&f, "a")->total, 4);
    ck_assert_uint_eq(row(&f, "main")->own, 0);
    ck_assert_uint_eq(row(&f, "main")->total, 4);
    ck_assert_double_eq_tol(row(&f, "b")->pct_own, 75.0, EPS);
    ck_assert_double_eq_tol(row(&f, "a")->pct_own, 25.0, EPS);
    ck_assert_double_eq_tol(row(&f, "a")->pct_total, 100.0, EPS);
    ck_assert_double_eq_tol(row(&f, "main")->pct_total, 100.0, EPS);
    fx_free(&f);
}
END_TEST

START_TEST(recursion_counts_once)
{
    struct fx f;
    fx_init(&f);
    uint32_t a5 = frame(&f, "A", "/r.py", 5, 4), a7 = frame(&f, "A", "/r.py", 7, 4), b = fn(&f, "B", "/r.py");
    add(&f, 1, STK(a5, b, a7)); /* A -> B -> A */
    add(&f, 1, STK(a5, b));     /* A -> B */
    add(&f, 1, STK(a5, a5, a5)); /* A -> A -> A, direct recursion */
    close_at(&f, 1);
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_LAST);
    table(&f, &v);
    /* A is on all three stacks: total 3, not 6; it is the leaf of two */
    ck_assert_uint_eq(row(&f, "A")->total, 3);
    ck_assert_uint_eq(row(&f, "A")->own, 2);
    ck_assert_uint_eq(row(&f, "B")->total, 2);
    ck_assert_uint_eq(row(&f, "B")->own, 1);
    ck_assert_double_eq_tol(row(&f, "A")->pct_total, 100.0, EPS);
    /* per line, the outer A line 5 and the inner A line 7 are different keys */
    v.mode = PT_KEY_LINE;
    table(&f, &v);
    ck_assert_uint_eq(row_at(&f, "A", 5)->total, 3);
    ck_assert_uint_eq(row_at(&f, "A", 5)->own, 1);
    ck_assert_uint_eq(row_at(&f, "A", 7)->total, 1);
    ck_assert_uint_eq(row_at(&f, "A", 7)->own, 1);
    fx_free(&f);
}
END_TEST

START_TEST(seconds_from_weights)
{
    struct fx f;
    fx_init(&f);
    uint32_t main_ = fn(&f, "main", "/m.py"), a = fn(&f, "a", "/m.py"), b = fn(&f, "b", "/m.py");
    add_n(&f, 1, 0, 10000, 2, STK(main_, a)); /* 2 x 10 ms */
    close_at(&f, 1);
    add_n(&f, 1, 0, 30000, 1, STK(main_, b)); /* 1 x 30 ms */
    close_at(&f, 2);
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_LAST);
    const struct pt_table *t = table(&f, &v);
    /* the newest bucket holds only b, but seconds run since the start */
    ck_assert_uint_eq(t->n, 2);
    ck_assert_ptr_null(row_at(&f, "a", -1));
    ck_assert_uint_eq(row(&f, "main")->total, 1);
    ck_assert_double_eq_tol(row(&f, "b")->own_s, 0.030, EPS);
    ck_assert_double_eq_tol(row(&f, "b")->total_s, 0.030, EPS);
    ck_assert_double_eq_tol(row(&f, "main")->own_s, 0.0, EPS);
    ck_assert_double_eq_tol(row(&f, "main")->total_s, 0.050, EPS);
    v.window_s = PT_WINDOW_ALL;
    t = table(&f, &v);
    ck_assert_uint_eq(t->window_samples, 3);
    ck_assert_uint_eq(row(&f, "a")->own, 2);
    ck_assert_double_eq_tol(row(&f, "a")->own_s, 0.020, EPS);
    ck_assert_double_eq_tol(row(&f, "a")->pct_own, 200.0 / 3, 1e-6);
    fx_free(&f);
}
END_TEST

START_TEST(samples_without_frames_count_in_the_window)
{
    struct fx f;
    fx_init(&f);
    uint32_t a = fn(&f, "a", "/m.py");
    add(&f, 1, STK(a));
    add_n(&f, 1, PT_SAMPLE_GIL, 10000, 1, NULL, 0); /* thread in C code, no Python frame */
    close_at(&f, 1);
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_LAST);
    const struct pt_table *t = table(&f, &v);
    ck_assert_uint_eq(t->window_samples, 2);
    ck_assert_uint_eq(t->n, 1);
    ck_assert_double_eq_tol(row(&f, "a")->pct_own, 50.0, EPS);
    fx_free(&f);
}
END_TEST

START_TEST(open_bucket_is_invisible_until_closed)
{
    struct fx f;
    fx_init(&f);
    uint32_t a = fn(&f, "a", "/m.py");
    add(&f, 2, STK(a));
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_ALL);
    ck_assert_uint_eq(table(&f, &v)->n, 0);
    ck_assert_uint_eq(f.t.window_samples, 0);
    close_at(&f, 1);
    ck_assert_uint_eq(table(&f, &v)->n, 1);
    ck_assert_uint_eq(row(&f, "a")->own, 2);
    fx_free(&f);
}
END_TEST

START_TEST(bad_frame_id_is_refused)
{
    struct fx f;
    fx_init(&f);
    uint32_t a = fn(&f, "a", "/m.py");
    uint32_t frames[2] = {a, pt_intern_nframes(f.in) + 5};
    struct pt_sample s = {.tid = 1, .t_ns = NS, .weight_us = 10000, .depth = 2, .frames = frames};
    ck_assert_int_eq(pt_agg_add(f.a, &s), PT_EINVAL);
    close_at(&f, 1);
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_ALL);
    ck_assert_uint_eq(table(&f, &v)->n, 0);
    ck_assert_uint_eq(f.t.window_samples, 0);
    fx_free(&f);
}
END_TEST

/* ---- keys ------------------------------------------------------------------ */

START_TEST(function_mode_merges_lines)
{
    struct fx f;
    fx_init(&f);
    uint32_t main_ = frame(&f, "main", "/m.py", 30, 28);
    uint32_t f12 = frame(&f, "f", "/m.py", 12, 10), f15 = frame(&f, "f", "/m.py", 15, 10);
    uint32_t other_file = frame(&f, "f", "/n.py", 12, 10); /* same name elsewhere: another function */
    uint32_t nested = frame(&f, "f", "/m.py", 41, 40);     /* same name, same file, other def */
    add(&f, 2, STK(main_, f12));
    add(&f, 1, STK(main_, f15));
    add(&f, 1, STK(main_, other_file));
    add(&f, 1, STK(main_, nested));
    close_at(&f, 1);
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_LAST);
    table(&f, &v);
    ck_assert_uint_eq(f.t.n, 4);
    const struct pt_row *r = row_at(&f, "f", 10);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->own, 3); /* lines 12 and 15 of one function */
    ck_assert_str_eq(pt_intern_str(f.in, r->file), "/m.py");
    ck_assert_uint_eq(row_at(&f, "f", 40)->own, 1);
    ck_assert_int_eq(row(&f, "main")->line, 28); /* function mode shows the first line */
    v.mode = PT_KEY_LINE;
    table(&f, &v);
    ck_assert_uint_eq(f.t.n, 5);
    ck_assert_uint_eq(row_at(&f, "f", 15)->own, 1);
    ck_assert_int_eq(row(&f, "main")->line, 30);
    /* two "f" rows at line 12: one per file */
    unsigned at12 = 0;
    for (size_t i = 0; i < f.t.n; i++)
        at12 += f.t.rows[i].line == 12;
    ck_assert_uint_eq(at12, 2);
    fx_free(&f);
}
END_TEST

START_TEST(key_text_forms)
{
    struct fx f;
    fx_init(&f);
    uint32_t a = frame(&f, "alpha", "/srv/work.py", 14, 12), nl = frame(&f, "mod", "/srv/x.py", -1, -1);
    uint32_t ctl = frame(&f, "bad\nname\x7f", "/srv/\tx.py", 3, 3), u = frame(&f, "\xc3\xa9t\xc3\xa9", "/f.py", 1, 1);
    add(&f, 1, STK(a));
    add(&f, 1, STK(nl));
    add(&f, 1, STK(ctl));
    add(&f, 1, STK(u));
    close_at(&f, 1);
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_ALL);
    table(&f, &v);
    char buf[256];
    pt_agg_key_text(f.a, PT_KEY_FUNCTION, row(&f, "alpha")->key, buf, sizeof buf);
    ck_assert_str_eq(buf, "alpha (/srv/work.py:12)");
    pt_agg_key_text(f.a, PT_KEY_FUNCTION, row(&f, "mod")->key, buf, sizeof buf);
    ck_assert_str_eq(buf, "mod (/srv/x.py)");
    size_t len = pt_agg_key_text(f.a, PT_KEY_FUNCTION, row(&f, "bad\nname\x7f")->key, buf, sizeof buf);
    ck_assert_str_eq(buf, "bad?name? (/srv/?x.py:3)");
    ck_assert_uint_eq(len, strlen(buf));
    pt_agg_key_text(f.a, PT_KEY_FUNCTION, PT_NOID, buf, sizeof buf);
    ck_assert_str_eq(buf, "(root)");
    pt_agg_key_text(f.a, PT_KEY_FUNCTION, 999999, buf, sizeof buf);
    ck_assert_str_eq(buf, "?");
    v.mode = PT_KEY_LINE;
    table(&f, &v);
    pt_agg_key_text(f.a, PT_KEY_LINE, row(&f, "alpha")->key, buf, sizeof buf);
    ck_assert_str_eq(buf, "alpha (/srv/work.py:14)");
    /* "été": cut inside a two-byte character, the whole character goes */
    uint32_t k = row(&f, "\xc3\xa9t\xc3\xa9")->key;
    pt_agg_key_text(f.a, PT_KEY_LINE, k, buf, 2);
    ck_assert_str_eq(buf, "");
    pt_agg_key_text(f.a, PT_KEY_LINE, k, buf, 3);
    ck_assert_str_eq(buf, "\xc3\xa9");
    ck_assert_uint_eq(pt_agg_key_text(f.a, PT_KEY_LINE, k, buf, 5), 3);
    ck_assert_str_eq(buf, "\xc3\xa9t");
    pt_agg_key_text(f.a, PT_KEY_LINE, k, buf, 6);
    ck_assert_str_eq(buf, "\xc3\xa9t\xc3\xa9");
    fx_free(&f);
}
END_TEST

/* ---- classes and threads ---------------------------------------------------- */

START_TEST(idle_and_gil_filtering)
{
    struct fx f;
    fx_init(&f);
    uint32_t main_ = fn(&f, "main", "/m.py"), work = fn(&f, "work", "/m.py"), wait = fn(&f, "wait", "/m.py");
    uint32_t spin = fn(&f, "spin", "/m.py");
    add_n(&f, 1, PT_SAMPLE_GIL, 10000, 3, STK(main_, work));
    add_n(&f, 1, PT_SAMPLE_IDLE, 10000, 2, STK(main_, wait));
    add_n(&f, 1, 0, 10000, 1, STK(main_, spin)); /* running, without the GIL */
    close_at(&f, 1);
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_LAST);
    const struct pt_table *t = table(&f, &v);
    ck_assert_uint_eq(t->window_samples, 4);
    ck_assert_ptr_null(row_at(&f, "wait", -1));
    ck_assert_double_eq_tol(row(&f, "work")->pct_own, 75.0, EPS);
    ck_assert_double_eq_tol(row(&f, "spin")->pct_own, 25.0, EPS);
    v.idle = true;
    t = table(&f, &v);
    ck_assert_uint_eq(t->window_samples, 6);
    ck_assert_double_eq_tol(row(&f, "wait")->pct_own, 100.0 / 3, 1e-6);
    ck_assert_double_eq_tol(row(&f, "main")->total_s, 0.060, EPS);
    v.idle = false;
    v.gil_only = true;
    t = table(&f, &v);
    ck_assert_uint_eq(t->window_samples, 3);
    ck_assert_uint_eq(t->n, 2);
    ck_assert_double_eq_tol(row(&f, "work")->pct_own, 100.0, EPS);
    ck_assert_double_eq_tol(row(&f, "main")->total_s, 0.030, EPS); /* seconds follow the class filter */
    fx_free(&f);
}
END_TEST

START_TEST(threads_and_restriction)
{
    struct fx f;
    fx_init(&f);
    uint32_t main_ = fn(&f, "main", "/m.py"), a = fn(&f, "a", "/m.py"), b = fn(&f, "b", "/m.py");
    uint32_t c = fn(&f, "c", "/m.py");
    add_n(&f, 100, PT_SAMPLE_GIL, 10000, 3, STK(main_, a));
    add_n(&f, 200, 0, 10000, 1, STK(main_, b));
    add_n(&f, 300, 0, 10000, 1, STK(main_, c));
    add_n(&f, 300, PT_SAMPLE_IDLE, 10000, 1, STK(main_, c)); /* 300's newest sample is idle */
    close_at(&f, 1);
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_LAST);
    const struct pt_table *t = table(&f, &v);
    ck_assert_uint_eq(t->window_samples, 5);
    double sum = 0;
    for (size_t i = 0; i < t->n; i++)
        sum += t->rows[i].pct_own;
    ck_assert_double_eq_tol(sum, 100.0, 1e-6); /* three threads, still 100 */
    ck_assert_double_eq_tol(row(&f, "main")->pct_total, 100.0, EPS);

    v.tid = 200;
    t = table(&f, &v);
    ck_assert_uint_eq(t->window_samples, 1);
    ck_assert_uint_eq(t->n, 2);
    ck_assert_double_eq_tol(row(&f, "b")->pct_own, 100.0, EPS);
    ck_assert_ptr_null(row_at(&f, "a", -1));
    v.tid = 999; /* never seen */
    t = table(&f, &v);
    ck_assert_uint_eq(t->n, 0);
    ck_assert_uint_eq(t->window_samples, 0);

    v.tid = 200; /* the picker ignores the restriction */
    struct pt_thread_share *ts;
    size_t n;
    ck_assert_int_eq(pt_agg_threads(f.a, &v, &ts, &n), PT_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(ts[0].tid, 100);
    ck_assert_uint_eq(ts[0].samples, 3);
    ck_assert(!ts[0].idle);
    ck_assert_uint_eq(ts[1].tid, 200);
    ck_assert_uint_eq(ts[1].samples, 1);
    ck_assert_uint_eq(ts[2].tid, 300);
    ck_assert_uint_eq(ts[2].samples, 1); /* its idle sample is not in this view */
    ck_assert(ts[2].idle);
    free(ts);
    v.idle = true;
    ck_assert_int_eq(pt_agg_threads(f.a, &v, &ts, &n), PT_OK);
    ck_assert_uint_eq(ts[2].samples, 2);
    free(ts);
    fx_free(&f);
}
END_TEST

/* ---- windows and time ---------------------------------------------------------- */

/* Buckets [0,1] x1 x2, [1,2] x2 x3, [2,3] x3 x1. */
static void three_buckets(struct fx *f)
{
    uint32_t x1 = fn(f, "x1", "/w.py"), x2 = fn(f, "x2", "/w.py"), x3 = fn(f, "x3", "/w.py");
    add(f, 2, STK(x1));
    close_at(f, 1);
    add(f, 3, STK(x2));
    close_at(f, 2);
    add(f, 1, STK(x3));
    close_at(f, 3);
}

START_TEST(windows)
{
    struct fx f;
    fx_init(&f);
    three_buckets(&f);
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_LAST);
    const struct pt_table *t = table(&f, &v);
    ck_assert_uint_eq(t->n, 1);
    ck_assert_uint_eq(t->window_samples, 1);
    ck_assert_double_eq_tol(t->window_span_s, 1.0, EPS);
    ck_assert_double_eq_tol(row(&f, "x3")->pct_own, 100.0, EPS);

    v.window_s = 1.5; /* buckets that ended after t = 1.5 */
    t = table(&f, &v);
    ck_assert_uint_eq(t->window_samples, 4);
    ck_assert_uint_eq(t->n, 2);
    ck_assert_double_eq_tol(t->window_span_s, 2.0, EPS);
    ck_assert_double_eq_tol(row(&f, "x2")->pct_own, 75.0, EPS);

    v.window_s = 2.0; /* the bucket that ended exactly 2 s before the newest is out */
    t = table(&f, &v);
    ck_assert_uint_eq(t->window_samples, 4);
    ck_assert_double_eq_tol(t->window_span_s, 2.0, EPS);

    v.window_s = 60;
    t = table(&f, &v);
    ck_assert_uint_eq(t->window_samples, 6);
    ck_assert_double_eq_tol(t->window_span_s, 3.0, EPS);

    v.window_s = PT_WINDOW_ALL;
    t = table(&f, &v);
    ck_assert_uint_eq(t->window_samples, 6);
    ck_assert_uint_eq(t->n, 3);
    ck_assert_double_eq_tol(t->window_span_s, 3.0, EPS); /* the first sample's interval starts the run */
    ck_assert_double_eq_tol(row(&f, "x1")->pct_own, 100.0 / 3, 1e-6);
    fx_free(&f);
}
END_TEST

START_TEST(empty_bucket_is_the_newest_window)
{
    struct fx f;
    fx_init(&f);
    three_buckets(&f);
    close_at(&f, 4); /* nothing sampled in (3, 4] */
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_LAST);
    const struct pt_table *t = table(&f, &v);
    ck_assert_uint_eq(t->n, 0);
    ck_assert_uint_eq(t->window_samples, 0);
    ck_assert_double_eq_tol(t->window_span_s, 1.0, EPS);
    v.window_s = PT_WINDOW_ALL;
    ck_assert_double_eq_tol(table(&f, &v)->window_span_s, 4.0, EPS);
    fx_free(&f);
}
END_TEST

START_TEST(old_buckets_expire_but_totals_stay)
{
    struct fx f;
    fx_init(&f);
    pt_agg_set_retention(f.a, 5);
    char name[16];
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "f%d", i);
        add(&f, 1, STK(fn(&f, name, "/e.py")));
        close_at(&f, i + 1);
    }
    struct pt_view v = view(PT_KEY_FUNCTION, 60);
    const struct pt_table *t = table(&f, &v);
    /* buckets ending at 6..10 remain: f5..f9 */
    ck_assert_uint_eq(t->n, 5);
    ck_assert_uint_eq(t->window_samples, 5);
    ck_assert_double_eq_tol(t->window_span_s, 5.0, EPS);
    ck_assert_ptr_null(row_at(&f, "f4", -1));
    ck_assert_ptr_nonnull(row_at(&f, "f5", -1));
    v.window_s = PT_WINDOW_ALL;
    t = table(&f, &v);
    ck_assert_uint_eq(t->n, 10);
    ck_assert_double_eq_tol(row(&f, "f0")->own_s, 0.010, EPS);
    fx_free(&f);
}
END_TEST

START_TEST(reset_forgets_everything)
{
    struct fx f;
    fx_init(&f);
    uint32_t a = fn(&f, "a", "/m.py"), b = fn(&f, "b", "/m.py");
    add(&f, 3, STK(a));
    close_at(&f, 1);
    add(&f, 1, STK(a)); /* open bucket: forgotten too */
    pt_agg_reset(f.a);
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_ALL);
    const struct pt_table *t = table(&f, &v);
    ck_assert_uint_eq(t->n, 0);
    ck_assert_uint_eq(t->window_samples, 0);
    ck_assert_double_eq_tol(t->window_span_s, 0.0, EPS);
    struct pt_thread_share *ts;
    size_t n;
    ck_assert_int_eq(pt_agg_threads(f.a, &v, &ts, &n), PT_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(ts);

    f.now_ns = 5 * NS + NS / 100; /* its 10 ms interval starts at t = 5 */
    add(&f, 1, STK(a, b));
    close_at(&f, 6);
    t = table(&f, &v);
    ck_assert_uint_eq(t->window_samples, 1);
    ck_assert_uint_eq(row(&f, "a")->total, 1);
    ck_assert_double_eq_tol(row(&f, "a")->total_s, 0.010, EPS);
    ck_assert_double_eq_tol(t->window_span_s, 1.0, 1e-6); /* from the first sample after the reset */
    char buf[64];
    pt_agg_key_text(f.a, PT_KEY_FUNCTION, row(&f, "b")->key, buf, sizeof buf);
    ck_assert_str_eq(buf, "b (/m.py:1)");
    fx_free(&f);
}
END_TEST

/* ---- sorting and filtering ---------------------------------------------------- */

/* Single-frame stacks: gamma 5 samples, the rest 2 each; beta's weigh more. */
static void sort_fixture(struct fx *f)
{
    uint32_t alpha_a3 = frame(f, "alpha", "/a.py", 3, 3), alpha_a9 = frame(f, "alpha", "/a.py", 9, 9);
    uint32_t alpha_b = frame(f, "alpha", "/b.py", 1, 1);
    uint32_t beta = fn(f, "beta", "/a.py"), gamma = fn(f, "gamma", "/a.py");
    add(f, 5, STK(gamma));
    add(f, 2, STK(alpha_b));
    add_n(f, 1, 0, 100000, 2, STK(beta));
    add(f, 2, STK(alpha_a9));
    add(f, 2, STK(alpha_a3));
    close_at(f, 1);
}

static const char *sorted(struct fx *f, enum pt_sortcol col, bool reverse, char *buf, size_t cap)
{
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_LAST);
    v.sort = col;
    v.reverse = reverse;
    table(f, &v);
    return order(f, buf, cap);
}

START_TEST(sort_columns_and_ties)
{
    struct fx f;
    fx_init(&f);
    sort_fixture(&f);
    char buf[512];
    ck_assert_str_eq(sorted(&f, PT_SORT_OWN, false, buf, sizeof buf),
                     "gamma:/a.py:1 alpha:/a.py:3 alpha:/a.py:9 alpha:/b.py:1 beta:/a.py:1");
    ck_assert_str_eq(sorted(&f, PT_SORT_TOTAL, false, buf, sizeof buf),
                     "gamma:/a.py:1 alpha:/a.py:3 alpha:/a.py:9 alpha:/b.py:1 beta:/a.py:1");
    /* reversed: smallest first, ties still name, file, line ascending */
    ck_assert_str_eq(sorted(&f, PT_SORT_OWN, true, buf, sizeof buf),
                     "alpha:/a.py:3 alpha:/a.py:9 alpha:/b.py:1 beta:/a.py:1 gamma:/a.py:1");
    /* beta: 2 x 100 ms; gamma 5 x 10 ms; alphas 2 x 10 ms */
    ck_assert_str_eq(sorted(&f, PT_SORT_OWNTIME, false, buf, sizeof buf),
                     "beta:/a.py:1 gamma:/a.py:1 alpha:/a.py:3 alpha:/a.py:9 alpha:/b.py:1");
    ck_assert_str_eq(sorted(&f, PT_SORT_TOTALTIME, true, buf, sizeof buf),
                     "alpha:/a.py:3 alpha:/a.py:9 alpha:/b.py:1 gamma:/a.py:1 beta:/a.py:1");
    ck_assert_str_eq(sorted(&f, PT_SORT_NAME, false, buf, sizeof buf),
                     "alpha:/a.py:3 alpha:/a.py:9 alpha:/b.py:1 beta:/a.py:1 gamma:/a.py:1");
    ck_assert_str_eq(sorted(&f, PT_SORT_NAME, true, buf, sizeof buf),
                     "gamma:/a.py:1 beta:/a.py:1 alpha:/a.py:3 alpha:/a.py:9 alpha:/b.py:1");
    fx_free(&f);
}
END_TEST

START_TEST(rows_never_jump)
{
    struct fx f;
    fx_init(&f);
    /* many equal counts, interned in an order unlike the name order */
    const char *names[] = {"zeta", "eta", "Beta", "alpha", "_x", "beta", "\xc3\xa9t\xc3\xa9", "Zed", "a"};
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            add(&f, 1, STK(fn(&f, names[(i + (size_t)round * 4) % 9], "/j.py")));
        close_at(&f, round + 1);
        char buf[512];
        sorted(&f, PT_SORT_OWN, false, buf, sizeof buf);
        /* bytewise: uppercase before underscore before lowercase before UTF-8 */
        ck_assert_str_eq(buf, "Beta:/j.py:1 Zed:/j.py:1 _x:/j.py:1 a:/j.py:1 alpha:/j.py:1 beta:/j.py:1 "
                              "eta:/j.py:1 zeta:/j.py:1 \xc3\xa9t\xc3\xa9:/j.py:1");
    }
    fx_free(&f);
}
END_TEST

START_TEST(sort_column_names)
{
    static const struct {
        enum pt_sortcol col;
        const char *name, *title;
    } cols[] = {{PT_SORT_OWN, "own", "%Own"},
                {PT_SORT_TOTAL, "total", "%Total"},
                {PT_SORT_OWNTIME, "owntime", "OwnTime"},
                {PT_SORT_TOTALTIME, "totaltime", "TotalTime"},
                {PT_SORT_NAME, "name", "Function"}};
    ck_assert_uint_eq(sizeof cols / sizeof cols[0], PT_SORT_COUNT);
    for (size_t i = 0; i < PT_SORT_COUNT; i++) {
        enum pt_sortcol c = PT_SORT_COUNT;
        ck_assert_str_eq(pt_sortcol_name(cols[i].col), cols[i].name);
        ck_assert_str_eq(pt_sortcol_title(cols[i].col), cols[i].title);
        ck_assert(pt_sortcol_parse(cols[i].name, &c));
        ck_assert_int_eq(c, cols[i].col);
    }
    enum pt_sortcol c = PT_SORT_NAME;
    ck_assert(pt_sortcol_parse("TotalTime", &c));
    ck_assert_int_eq(c, PT_SORT_TOTALTIME);
    ck_assert(!pt_sortcol_parse("own2", &c));
    ck_assert(!pt_sortcol_parse("ow", &c));
    ck_assert(!pt_sortcol_parse("", &c));
    ck_assert(!pt_sortcol_parse(NULL, &c));
    ck_assert_int_eq(c, PT_SORT_TOTALTIME);
}
END_TEST

START_TEST(bad_view_is_refused)
{
    struct fx f;
    fx_init(&f);
    add(&f, 1, STK(fn(&f, "a", "/m.py")));
    close_at(&f, 1);
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_ALL);
    ck_assert_uint_eq(table(&f, &v)->n, 1);
    v.sort = PT_SORT_COUNT;
    ck_assert_int_eq(pt_agg_table(f.a, &v, &f.t), PT_EINVAL);
    ck_assert_uint_eq(f.t.n, 0);
    v.sort = PT_SORT_OWN;
    v.mode = PT_KEY_COUNT;
    ck_assert_int_eq(pt_agg_table(f.a, &v, &f.t), PT_EINVAL);
    fx_free(&f);
}
END_TEST

START_TEST(text_filter)
{
    struct fx f;
    fx_init(&f);
    uint32_t main_ = fn(&f, "main", "/srv/run.py"), h = fn(&f, "HandleRequest", "/srv/App.py");
    uint32_t p = fn(&f, "parse", "/srv/util.py"), m = fn(&f, "M\xc3\xbcnchen", "/srv/\xc3\xbc.py");
    add(&f, 2, STK(main_, h));
    add(&f, 1, STK(main_, p));
    add(&f, 1, STK(main_, m));
    close_at(&f, 1);
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_LAST);
    v.filter = "hANDLE";
    const struct pt_table *t = table(&f, &v);
    ck_assert_uint_eq(t->n, 1);
    ck_assert_uint_eq(t->window_samples, 4); /* the filter hides rows, never samples */
    ck_assert_double_eq_tol(row(&f, "HandleRequest")->pct_own, 50.0, EPS);
    v.filter = "app.PY"; /* matches the file */
    ck_assert_uint_eq(table(&f, &v)->n, 1);
    v.filter = "/srv/";
    ck_assert_uint_eq(table(&f, &v)->n, 4);
    v.filter = "\xc3\xbc"; /* UTF-8 bytes match as they are */
    ck_assert_uint_eq(table(&f, &v)->n, 1);
    v.filter = "M\xc3\x9c"; /* only ASCII letters fold: Ü is not ü */
    ck_assert_uint_eq(table(&f, &v)->n, 0);
    v.filter = "nothing-like-it";
    ck_assert_uint_eq(table(&f, &v)->n, 0);
    v.filter = "";
    ck_assert_uint_eq(table(&f, &v)->n, 4);
    fx_free(&f);
}
END_TEST

/* ---- drill-down -------------------------------------------------------------- */

struct drill_fx {
    struct fx f;
    uint32_t main_, handler, parse, render, cli;
};

/* main>handler>parse x2, main>handler>render x1, main>handler x1 (thread 1);
 * cli>parse x1 (thread 2). */
static void drill_init(struct drill_fx *d)
{
    fx_init(&d->f);
    d->main_ = fn(&d->f, "main", "/m.py");
    d->handler = fn(&d->f, "handler", "/h.py");
    d->parse = fn(&d->f, "parse", "/p.py");
    d->render = fn(&d->f, "render", "/r.py");
    d->cli = fn(&d->f, "cli", "/c.py");
    add(&d->f, 2, STK(d->main_, d->handler, d->parse));
    add(&d->f, 1, STK(d->main_, d->handler, d->render));
    add(&d->f, 1, STK(d->main_, d->handler));
    add_n(&d->f, 2, PT_SAMPLE_GIL, 10000, 1, STK(d->cli, d->parse));
    close_at(&d->f, 1);
}

static uint32_t key_of(struct fx *f, const struct pt_view *v, const char *name)
{
    table(f, v);
    return row(f, name)->key;
}

static const char *link_name(struct fx *f, const struct pt_drill_link *l)
{
    return l->key == PT_NOID ? "(root)" : pt_intern_str(f->in, l->name);
}

START_TEST(drill_callers_and_callees)
{
    struct drill_fx d;
    drill_init(&d);
    struct fx *f = &d.f;
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_LAST);
    struct pt_drill dr = {0};

    ck_assert_int_eq(pt_agg_drill(f->a, &v, key_of(f, &v, "parse"), &dr), PT_OK);
    ck_assert_uint_eq(dr.row.total, 3);
    ck_assert_uint_eq(dr.row.own, 3);
    ck_assert_double_eq_tol(dr.row.pct_total, 60.0, EPS);
    ck_assert_double_eq_tol(dr.self_pct, 100.0, EPS);
    ck_assert_uint_eq(dr.ncallers, 2);
    ck_assert_str_eq(link_name(f, &dr.callers[0]), "handler");
    ck_assert_uint_eq(dr.callers[0].count, 2);
    ck_assert_double_eq_tol(dr.callers[0].pct, 200.0 / 3, 1e-6);
    ck_assert_str_eq(link_name(f, &dr.callers[1]), "cli");
    ck_assert_double_eq_tol(dr.callers[1].pct, 100.0 / 3, 1e-6);
    ck_assert_uint_eq(dr.ncallees, 0);

    ck_assert_int_eq(pt_agg_drill(f->a, &v, key_of(f, &v, "handler"), &dr), PT_OK);
    ck_assert_uint_eq(dr.row.total, 4);
    ck_assert_double_eq_tol(dr.self_pct, 25.0, EPS);
    ck_assert_uint_eq(dr.ncallers, 1);
    ck_assert_str_eq(link_name(f, &dr.callers[0]), "main");
    ck_assert_double_eq_tol(dr.callers[0].pct, 100.0, EPS);
    ck_assert_uint_eq(dr.ncallees, 2);
    ck_assert_str_eq(link_name(f, &dr.callees[0]), "parse");
    ck_assert_double_eq_tol(dr.callees[0].pct, 50.0, EPS);
    ck_assert_str_eq(link_name(f, &dr.callees[1]), "render");
    ck_assert_double_eq_tol(dr.callees[1].pct, 25.0, EPS);
    /* without recursion, callees and self account for the whole total */
    ck_assert_double_eq_tol(dr.callees[0].pct + dr.callees[1].pct + dr.self_pct, 100.0, 1e-6);

    ck_assert_int_eq(pt_agg_drill(f->a, &v, key_of(f, &v, "main"), &dr), PT_OK);
    ck_assert_uint_eq(dr.ncallers, 1);
    ck_assert_uint_eq(dr.callers[0].key, PT_NOID); /* main is where the stacks start */
    ck_assert_uint_eq(dr.callers[0].count, 4);
    ck_assert_double_eq_tol(dr.callers[0].pct, 100.0, EPS);
    pt_drill_free(&dr);
    fx_free(f);
}
END_TEST

START_TEST(drill_respects_the_view)
{
    struct drill_fx d;
    drill_init(&d);
    struct fx *f = &d.f;
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_LAST);
    uint32_t parse = key_of(f, &v, "parse");
    struct pt_drill dr = {0};

    v.tid = 2;
    ck_assert_int_eq(pt_agg_drill(f->a, &v, parse, &dr), PT_OK);
    ck_assert_uint_eq(dr.row.total, 1);
    ck_assert_double_eq_tol(dr.row.pct_total, 100.0, EPS);
    ck_assert_uint_eq(dr.ncallers, 1);
    ck_assert_str_eq(link_name(f, &dr.callers[0]), "cli");
    ck_assert_double_eq_tol(dr.callers[0].pct, 100.0, EPS);

    v.tid = 0;
    v.filter = "CLI"; /* hides the handler link; the numbers stay shares of the whole */
    ck_assert_int_eq(pt_agg_drill(f->a, &v, parse, &dr), PT_OK);
    ck_assert_uint_eq(dr.row.total, 3);
    ck_assert_uint_eq(dr.ncallers, 1);
    ck_assert_double_eq_tol(dr.callers[0].pct, 100.0 / 3, 1e-6);

    v.filter = NULL;
    v.gil_only = true; /* the cli sample held the GIL as well: nothing changes */
    ck_assert_int_eq(pt_agg_drill(f->a, &v, parse, &dr), PT_OK);
    ck_assert_uint_eq(dr.row.total, 3);

    close_at(f, 2); /* an empty newest bucket */
    ck_assert_int_eq(pt_agg_drill(f->a, &v, parse, &dr), PT_OK);
    ck_assert_uint_eq(dr.row.total, 0);
    ck_assert_uint_eq(dr.ncallers, 0);
    v.window_s = PT_WINDOW_ALL;
    ck_assert_int_eq(pt_agg_drill(f->a, &v, parse, &dr), PT_OK);
    ck_assert_uint_eq(dr.row.total, 3);
    ck_assert_double_eq_tol(dr.row.total_s, 0.030, EPS);

    ck_assert_int_eq(pt_agg_drill(f->a, &v, 12345, &dr), PT_EINVAL);
    pt_drill_free(&dr);
    fx_free(f);
}
END_TEST

START_TEST(drill_recursion)
{
    struct fx f;
    fx_init(&f);
    uint32_t a = fn(&f, "A", "/r.py"), b = fn(&f, "B", "/r.py");
    add(&f, 1, STK(a, b, a)); /* edges root>A, A>B, B>A */
    add(&f, 1, STK(a, b));    /* edges root>A, A>B */
    add(&f, 1, STK(a, a, a)); /* edges root>A, A>A (once) */
    close_at(&f, 1);
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_LAST);
    struct pt_drill dr = {0};
    ck_assert_int_eq(pt_agg_drill(f.a, &v, key_of(&f, &v, "A"), &dr), PT_OK);
    ck_assert_uint_eq(dr.row.total, 3);
    ck_assert_uint_eq(dr.row.own, 2);
    /* callers: (root) 3, A 1, B 1 */
    ck_assert_uint_eq(dr.ncallers, 3);
    ck_assert_uint_eq(dr.callers[0].key, PT_NOID);
    ck_assert_uint_eq(dr.callers[0].count, 3);
    ck_assert_str_eq(link_name(&f, &dr.callers[1]), "A");
    ck_assert_uint_eq(dr.callers[1].count, 1);
    ck_assert_str_eq(link_name(&f, &dr.callers[2]), "B");
    ck_assert_uint_eq(dr.callers[2].count, 1);
    /* callees: B 2, A 1 */
    ck_assert_uint_eq(dr.ncallees, 2);
    ck_assert_str_eq(link_name(&f, &dr.callees[0]), "B");
    ck_assert_uint_eq(dr.callees[0].count, 2);
    ck_assert_double_eq_tol(dr.callees[0].pct, 200.0 / 3, 1e-6);
    ck_assert_str_eq(link_name(&f, &dr.callees[1]), "A");
    ck_assert_uint_eq(dr.callees[1].count, 1);
    pt_drill_free(&dr);
    fx_free(&f);
}
END_TEST

/* ---- stacks ------------------------------------------------------------------- */

struct folded {
    struct fx *f;
    enum pt_keymode mode;
    char lines[16][256];
    size_t n;
    size_t stop_after; /* 0: never */
};

static enum pt_err fold_one(void *arg, const uint32_t *keys, size_t depth, uint64_t count)
{
    struct folded *c = arg;
    if (c->stop_after && c->n == c->stop_after)
        return PT_EIO;
    ck_assert_uint_lt(c->n, 16);
    char *line = c->lines[c->n++];
    size_t len = 0;
    for (size_t i = 0; i < depth; i++) {
        char name[64];
        pt_agg_key_text(c->f->a, c->mode, keys[i], name, sizeof name);
        len += (size_t)snprintf(line + len, 256 - len, "%s%s", i ? ";" : "", name);
    }
    snprintf(line + len, 256 - len, " %llu", (unsigned long long)count);
    return PT_OK;
}

static int by_text(const void *x, const void *y) { return strcmp(x, y); }

/* The folded stacks of v, sorted, joined by '|'. */
static const char *fold(struct fx *f, const struct pt_view *v, uint32_t through, char *buf, size_t cap)
{
    struct folded c = {.f = f, .mode = v->mode};
    ck_assert_int_eq(pt_agg_stacks_through(f->a, v, through, fold_one, &c), PT_OK);
    qsort(c.lines, c.n, sizeof c.lines[0], by_text);
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c.n; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? "|" : "", c.lines[i]);
    return buf;
}

START_TEST(stacks_enumeration)
{
    struct fx f;
    fx_init(&f);
    uint32_t main_ = frame(&f, "main", "/m.py", 5, 1), g12 = frame(&f, "g", "/g.py", 12, 10);
    uint32_t g15 = frame(&f, "g", "/g.py", 15, 10), h = frame(&f, "h", "/h.py", 2, 1);
    add(&f, 2, STK(main_, g12));
    add(&f, 1, STK(main_, g15));
    add(&f, 1, STK(main_, g12, h));
    add_n(&f, 7, 0, 10000, 4, STK(main_, h));
    add_n(&f, 1, PT_SAMPLE_IDLE, 10000, 5, STK(h));
    add(&f, 1, NULL, 0); /* no frames: no stack */
    close_at(&f, 1);
    char buf[1024];
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_LAST);
    ck_assert_str_eq(fold(&f, &v, PT_NOID, buf, sizeof buf),
                     "main (/m.py:1);g (/g.py:10) 3|main (/m.py:1);g (/g.py:10);h (/h.py:1) 1|"
                     "main (/m.py:1);h (/h.py:1) 4");
    v.mode = PT_KEY_LINE;
    ck_assert_str_eq(fold(&f, &v, PT_NOID, buf, sizeof buf),
                     "main (/m.py:5);g (/g.py:12) 2|main (/m.py:5);g (/g.py:12);h (/h.py:2) 1|"
                     "main (/m.py:5);g (/g.py:15) 1|main (/m.py:5);h (/h.py:2) 4");
    v.mode = PT_KEY_FUNCTION;
    v.tid = 7;
    v.idle = true;
    ck_assert_str_eq(fold(&f, &v, PT_NOID, buf, sizeof buf), "main (/m.py:1);h (/h.py:1) 4");
    v.tid = 0;
    v.filter = "G.PY"; /* stacks through a matching frame, whole */
    ck_assert_str_eq(fold(&f, &v, PT_NOID, buf, sizeof buf),
                     "main (/m.py:1);g (/g.py:10) 3|main (/m.py:1);g (/g.py:10);h (/h.py:1) 1");
    v.filter = NULL;
    uint32_t hk = key_of(&f, &v, "h");
    ck_assert_str_eq(fold(&f, &v, hk, buf, sizeof buf),
                     "h (/h.py:1) 5|main (/m.py:1);g (/g.py:10);h (/h.py:1) 1|main (/m.py:1);h (/h.py:1) 4");
    fx_free(&f);
}
END_TEST

START_TEST(stacks_callback_error_stops)
{
    struct fx f;
    fx_init(&f);
    uint32_t a = fn(&f, "a", "/m.py"), b = fn(&f, "b", "/m.py");
    add(&f, 1, STK(a));
    add(&f, 1, STK(b));
    add(&f, 1, STK(a, b));
    close_at(&f, 1);
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_ALL);
    struct folded c = {.f = &f, .mode = PT_KEY_FUNCTION, .stop_after = 1};
    ck_assert_int_eq(pt_agg_stacks(f.a, &v, fold_one, &c), PT_EIO);
    ck_assert_uint_eq(c.n, 1);
    fx_free(&f);
}
END_TEST

/* ---- scale ------------------------------------------------------------------------ */

/* Many keys and stacks (hash growth, rank merging over several closes):
 * every count must still add up. */
START_TEST(many_keys_add_up)
{
    struct fx f;
    fx_init(&f);
    uint32_t root = fn(&f, "root", "/m.py");
    char name[32];
    enum { N = 3000 };
    for (int round = 0; round < 3; round++) {
        for (int i = round * N / 3; i < (round + 1) * N / 3; i++) {
            snprintf(name, sizeof name, "f%05d", (i * 7919) % N);
            add_n(&f, (uint32_t)(1 + i % 5), 0, 1000, (unsigned)(1 + i % 3), STK(root, fn(&f, name, "/many.py")));
        }
        close_at(&f, round + 1);
    }
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_ALL);
    v.sort = PT_SORT_NAME;
    const struct pt_table *t = table(&f, &v);
    ck_assert_uint_eq(t->n, N + 1);
    uint64_t own = 0;
    for (size_t i = 0; i < t->n; i++) {
        own += t->rows[i].own;
        if (i > 0)
            ck_assert_int_lt(strcmp(pt_intern_str(f.in, t->rows[i - 1].name), pt_intern_str(f.in, t->rows[i].name)),
                             0);
    }
    /* sum over i of 1 + i % 3 */
    ck_assert_uint_eq(own, N / 3 * (1 + 2 + 3));
    ck_assert_uint_eq(t->window_samples, own);
    ck_assert_uint_eq(row(&f, "root")->total, own);
    ck_assert_double_eq_tol(row(&f, "root")->total_s, (double)own / 1000, 1e-9);
    fx_free(&f);
}
END_TEST

/* ---- bounding the since-start stacks ------------------------------------------------ */

/* Two aggregates fed the same samples: ref keeps every stack, the other
 * prunes past a cap of 16 stacks (and keeps only the newest bucket, so
 * little is held back from pruning). */
struct twin {
    struct fx ref, cut;
    uint64_t rng;
};

static uint32_t twin_rand(struct twin *w, uint32_t n)
{
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return (uint32_t)(w->rng % n);
}

/* Frame i of 24 functions (3 files), in one of 3 lines, in both aggregates'
 * intern tables (each its own: ids can differ, text cannot). */
static void twin_frames(struct twin *w, uint32_t fn_i, uint32_t line, uint32_t *in_ref, uint32_t *in_cut)
{
    char name[32], file[16];
    snprintf(name, sizeof name, "fn_%02u_long_enough_name", fn_i % 8 * 3 + fn_i / 8);
    snprintf(file, sizeof file, "/m%u.py", fn_i / 8);
    *in_ref = frame(&w->ref, name, file, (int)(10 * fn_i + line), (int)(10 * fn_i));
    *in_cut = frame(&w->cut, name, file, (int)(10 * fn_i + line), (int)(10 * fn_i));
}

/* rounds of samples with random stacks (root first, depth 1..6; with
 * recursion, a function may come back), threads 1..3, any class, weights
 * 100..2099 us; a bucket closed each round. */
static void twin_feed(struct twin *w, int rounds, bool recursion)
{
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < 40; k++) {
            uint32_t depth = 1 + twin_rand(w, 6), used = 0, sr[8], sc[8];
            for (uint32_t d = 0; d < depth; d++) {
                uint32_t g;
                do
                    g = twin_rand(w, 24);
                while (!recursion && (used >> g & 1u));
                used |= 1u << g;
                twin_frames(w, g, twin_rand(w, 3), &sr[d], &sc[d]);
            }
            uint32_t tid = 1 + twin_rand(w, 3), flags = twin_rand(w, 4), us = 100 + twin_rand(w, 2000);
            unsigned n = 1 + twin_rand(w, 3);
            add_n(&w->ref, tid, flags, us, n, sr, depth);
            add_n(&w->cut, tid, flags, us, n, sc, depth);
        }
        close_at(&w->ref, r + 1);
        close_at(&w->cut, r + 1);
    }
}

static void twin_init(struct twin *w)
{
    fx_init(&w->ref);
    fx_init(&w->cut);
    w->rng = 88172645463325252ull;
    pt_agg_set_stack_cap(w->cut.a, 16);
    pt_agg_set_retention(w->ref.a, 0);
    pt_agg_set_retention(w->cut.a, 0);
}

static void twin_free(struct twin *w)
{
    fx_free(&w->ref);
    fx_free(&w->cut);
}

/* Both tables of v agree row by row (key text, counts, shares, seconds). */
static void same_tables(struct twin *w, const struct pt_view *v)
{
    const struct pt_table *a = table(&w->ref, v), *b = table(&w->cut, v);
    ck_assert_uint_eq(a->window_samples, b->window_samples);
    ck_assert_uint_eq(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        char ka[128], kb[128];
        pt_agg_key_text(w->ref.a, v->mode, a->rows[i].key, ka, sizeof ka);
        pt_agg_key_text(w->cut.a, v->mode, b->rows[i].key, kb, sizeof kb);
        ck_assert_str_eq(ka, kb);
        ck_assert_uint_eq(a->rows[i].own, b->rows[i].own);
        ck_assert_uint_eq(a->rows[i].total, b->rows[i].total);
        ck_assert_double_eq_tol(a->rows[i].own_s, b->rows[i].own_s, 1e-9);
        ck_assert_double_eq_tol(a->rows[i].total_s, b->rows[i].total_s, 1e-9);
    }
}

static void same_tables_every_view(struct twin *w)
{
    for (int m = 0; m < PT_KEY_COUNT; m++)
        for (int k = 0; k < 8; k++) {
            struct pt_view v = view((enum pt_keymode)m, k & 1 ? PT_WINDOW_LAST : PT_WINDOW_ALL);
            v.idle = (k & 2) != 0;
            v.gil_only = (k & 4) != 0;
            same_tables(w, &v);
            v.tid = 2;
            same_tables(w, &v);
        }
}

struct stack_sum {
    struct fx *f;
    enum pt_keymode mode;
    uint64_t samples, pruned;
};

static enum pt_err sum_stack(void *arg, const uint32_t *keys, size_t depth, uint64_t count)
{
    struct stack_sum *c = arg;
    char leaf[128];
    pt_agg_key_text(c->f->a, c->mode, keys[depth - 1], leaf, sizeof leaf);
    c->samples += count;
    if (strcmp(leaf, PT_AGG_PRUNED_TEXT) == 0)
        c->pruned += count;
    for (size_t i = 0; i + 1 < depth; i++) { /* (pruned) is only ever a leaf */
        pt_agg_key_text(c->f->a, c->mode, keys[i], leaf, sizeof leaf);
        ck_assert_str_ne(leaf, PT_AGG_PRUNED_TEXT);
    }
    return PT_OK;
}

START_TEST(pruning_keeps_every_number)
{
    for (int recursion = 0; recursion < 2; recursion++) {
        struct twin w;
        twin_init(&w);
        twin_feed(&w, 30, recursion);
        ck_assert_uint_eq(pt_agg_pruned_stacks(w.ref.a), 0);
        ck_assert_uint_gt(pt_agg_pruned_stacks(w.cut.a), 0);
        same_tables_every_view(&w);
        /* stacks since the start: the same samples, some under "(pruned)" */
        for (int m = 0; m < PT_KEY_COUNT; m++) {
            struct pt_view v = view((enum pt_keymode)m, PT_WINDOW_ALL);
            v.idle = true;
            struct stack_sum a = {&w.ref, v.mode, 0, 0}, b = {&w.cut, v.mode, 0, 0};
            ck_assert_int_eq(pt_agg_stacks(w.ref.a, &v, sum_stack, &a), PT_OK);
            ck_assert_int_eq(pt_agg_stacks(w.cut.a, &v, sum_stack, &b), PT_OK);
            ck_assert_uint_eq(a.samples, b.samples);
            ck_assert_uint_eq(a.pruned, 0);
            ck_assert_uint_gt(b.pruned, 0);
        }
        /* more samples after pruning count as before */
        twin_feed(&w, 5, recursion);
        same_tables_every_view(&w);
        twin_free(&w);
    }
}
END_TEST

static uint64_t links_sum(const struct pt_drill_link *l, size_t n, uint64_t *pruned)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++) {
        s += l[i].count;
        if (l[i].pruned) {
            ck_assert_uint_eq(l[i].name, PT_NOID);
            *pruned += l[i].count;
        }
    }
    return s;
}

/* Without recursion a drill's callers sum to its total, and its callees
 * plus self too: pruned stacks' edges show as "(pruned)" and the sums hold. */
START_TEST(pruning_drill_sums_hold)
{
    struct twin w;
    twin_init(&w);
    twin_feed(&w, 30, false);
    struct pt_view v = view(PT_KEY_FUNCTION, PT_WINDOW_ALL);
    v.idle = true;
    const struct pt_table *t = table(&w.cut, &v);
    uint64_t pruned = 0;
    ck_assert_uint_gt(t->n, 10);
    for (size_t i = 0; i < t->n; i++) {
        struct pt_drill d = {0};
        ck_assert_int_eq(pt_agg_drill(w.cut.a, &v, t->rows[i].key, &d), PT_OK);
        ck_assert_uint_eq(d.row.total, t->rows[i].total);
        ck_assert_uint_eq(d.row.own, t->rows[i].own);
        ck_assert_uint_eq(links_sum(d.callers, d.ncallers, &pruned), d.row.total);
        ck_assert_uint_eq(links_sum(d.callees, d.ncallees, &pruned) + d.row.own, d.row.total);
        pt_drill_free(&d);
    }
    ck_assert_uint_gt(pruned, 0);
    /* a window inside the kept buckets has no "(pruned)" link */
    v.window_s = PT_WINDOW_LAST;
    t = table(&w.cut, &v);
    for (size_t i = 0; i < t->n; i++) {
        struct pt_drill d = {0};
        uint64_t none = 0;
        ck_assert_int_eq(pt_agg_drill(w.cut.a, &v, t->rows[i].key, &d), PT_OK);
        ck_assert_uint_eq(links_sum(d.callers, d.ncallers, &none), d.row.total);
        ck_assert_uint_eq(none, 0);
        pt_drill_free(&d);
    }
    twin_free(&w);
}
END_TEST

/* ---- key modes prepared on demand ------------------------------------------------------ */

START_TEST(mode_prepared_later_is_complete)
{
    struct twin w;
    twin_init(&w);
    pt_agg_set_stack_cap(w.cut.a, 1u << 20); /* no pruning here */
    ck_assert_int_eq(pt_agg_set_modes(w.cut.a, 1u << PT_KEY_FUNCTION), PT_OK);
    twin_feed(&w, 4, true);
    struct pt_view lines = view(PT_KEY_LINE, PT_WINDOW_ALL);
    ck_assert_int_eq(pt_agg_table(w.cut.a, &lines, &w.cut.t), PT_EINVAL);
    struct pt_drill d = {0};
    ck_assert_int_eq(pt_agg_drill(w.cut.a, &lines, 0, &d), PT_EINVAL);
    struct stack_sum sum = {&w.cut, PT_KEY_LINE, 0, 0};
    ck_assert_int_eq(pt_agg_stacks(w.cut.a, &lines, sum_stack, &sum), PT_EINVAL);
    ck_assert_int_eq(pt_agg_set_modes(w.cut.a, 1u << PT_KEY_LINE), PT_OK);
    same_tables_every_view(&w); /* both modes, as if prepared from the start */
    twin_feed(&w, 2, true);
    same_tables_every_view(&w);
    twin_free(&w);
}
END_TEST

/* ---- name order of many keys ----------------------------------------------------------- */

static int by_key_text(const void *x, const void *y)
{
    const char *const *a = x, *const *b = y;
    return strcmp(*a, *b);
}

/* Names that agree on 7, 14 or more bytes, end exactly there or go on,
 * and one name in several files and lines: sorting by name puts rows in
 * bytewise order of name, then file, then line, however the keys came. */
START_TEST(name_order_of_many_keys)
{
    struct fx f;
    fx_init(&f);
    static const char *const stems[] = {"", "a", "abcdefg", "abcdefgh", "abcdefghijklmn", "abcdefghijklmno",
                                        "abcdefghijklmnopqrstuvwxyz", "\xc3\xa9t\xc3\xa9", "Z", "abcdefg\x7f"};
    enum { NSTEMS = sizeof stems / sizeof stems[0] };
    char name[64], file[16];
    char *expect[NSTEMS * 6];
    size_t n = 0;
    uint32_t root = fn(&f, "~root", "/0.py");
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < NSTEMS; i++)
            for (int k = 0; k < 3; k++) {
                int j = round * 3 + k; /* file and line vary with j, in no particular order */
                snprintf(name, sizeof name, "%s%s", stems[(i * 7 + (size_t)j) % NSTEMS], j % 2 ? "" : "_x");
                snprintf(file, sizeof file, "/%d.py", (j * 5) % 3);
                add(&f, 1, STK(root, frame(&f, name, file, 100 - j, 100 - j)));
                char text[128];
                snprintf(text, sizeof text, "%s\x01%s\x01%03d", name, file, 100 - j);
                expect[n++] = strdup(text);
            }
        close_at(&f, round + 1); /* the second round merges into the first's order */
    }
    qsort(expect, n, sizeof *expect, by_key_text);
    struct pt_view v = view(PT_KEY_LINE, PT_WINDOW_ALL);
    v.sort = PT_SORT_NAME;
    const struct pt_table *t = table(&f, &v);
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        char text[128];
        if (strcmp(pt_intern_str(f.in, t->rows[i].name), "~root") == 0)
            continue;
        snprintf(text, sizeof text, "%s\x01%s\x01%03d", pt_intern_str(f.in, t->rows[i].name),
                 pt_intern_str(f.in, t->rows[i].file), t->rows[i].line);
        while (k + 1 < n && strcmp(expect[k], expect[k + 1]) == 0)
            k++; /* the same key twice in expect: one row */
        ck_assert_str_eq(text, expect[k]);
        k++;
    }
    ck_assert_uint_eq(k, n);
    for (size_t i = 0; i < n; i++)
        free(expect[i]);
    fx_free(&f);
}
END_TEST

Suite *suite_aggregate(void)
{
    Suite *s = suite_create("aggregate");
    TCase *tc = tcase_create("aggregate");
    tcase_add_test(tc, own_and_total_counts);
    tcase_add_test(tc, recursion_counts_once);
    tcase_add_test(tc, seconds_from_weights);
    tcase_add_test(tc, samples_without_frames_count_in_the_window);
    tcase_add_test(tc, open_bucket_is_invisible_until_closed);
    tcase_add_test(tc, bad_frame_id_is_refused);
    tcase_add_test(tc, function_mode_merges_lines);
    tcase_add_test(tc, key_text_forms);
    tcase_add_test(tc, idle_and_gil_filtering);
    tcase_add_test(tc, threads_and_restriction);
    tcase_add_test(tc, windows);
    tcase_add_test(tc, empty_bucket_is_the_newest_window);
    tcase_add_test(tc, old_buckets_expire_but_totals_stay);
    tcase_add_test(tc, reset_forgets_everything);
    tcase_add_test(tc, sort_columns_and_ties);
    tcase_add_test(tc, rows_never_jump);
    tcase_add_test(tc, sort_column_names);
    tcase_add_test(tc, bad_view_is_refused);
    tcase_add_test(tc, text_filter);
    tcase_add_test(tc, drill_callers_and_callees);
    tcase_add_test(tc, drill_respects_the_view);
    tcase_add_test(tc, drill_recursion);
    tcase_add_test(tc, stacks_enumeration);
    tcase_add_test(tc, stacks_callback_error_stops);
    tcase_add_test(tc, many_keys_add_up);
    tcase_add_test(tc, pruning_keeps_every_number);
    tcase_add_test(tc, pruning_drill_sums_hold);
    tcase_add_test(tc, mode_prepared_later_is_complete);
    tcase_add_test(tc, name_order_of_many_keys);
    suite_add_tcase(s, tc);
    return s;
}
