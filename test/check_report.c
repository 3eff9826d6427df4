/* check_report — the text report, read back the way a script would: the
 * header's facts, the exact titles line, and every row's numbers and
 * function name parsed and compared with the table it was printed from. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pytop/aggregate.h"
#include "pytop/intern.h"
#include "pytop/report.h"
#include "pytop/util.h"

#define NS 1000000000ull
#define TITLES "%Own %Total OwnTime TotalTime Function"
#define MAXLINES 256

struct rfx {
    struct pt_intern *in;
    struct pt_agg *a;
    struct pt_table t;
    struct pt_sb sb;
    char *lines[MAXLINES]; /* the report split at '\n' (pointers into sb) */
    size_t nlines;
};

static void rfx_init(struct rfx *f)
{
    memset(f, 0, sizeof *f);
    f->in = calloc(1, sizeof *f->in);
    ck_assert_ptr_nonnull(f->in);
    ck_assert_int_eq(pt_intern_init(f->in), PT_OK);
    ck_assert_int_eq(pt_agg_new(f->in, &f->a), PT_OK);
    pt_sb_init(&f->sb);
}

static void rfx_free(struct rfx *f)
{
    pt_sb_free(&f->sb);
    pt_table_free(&f->t);
    pt_agg_free(f->a);
    pt_intern_free(f->in);
    free(f->in);
}

static uint32_t frame(struct rfx *f, const char *name, const char *file, int line, int firstline)
{
    struct pt_frameinfo fi = {pt_intern_string(f->in, name), pt_intern_string(f->in, file), line, firstline};
    return pt_intern_frame(f->in, &fi);
}

/* n samples of a two-frame stack (or one frame when leaf is PT_NOID) at t_s. */
static void add(struct rfx *f, uint32_t root, uint32_t leaf, unsigned n, uint32_t weight_us, double t_s)
{
    uint32_t frames[2] = {leaf, root};
    bool one = leaf == PT_NOID;
    for (unsigned i = 0; i < n; i++) {
        struct pt_sample s = {.tid = 7, .pid = 4242, .flags = PT_SAMPLE_GIL, .t_ns = (uint64_t)(t_s * NS),
                              .weight_us = weight_us, .depth = one ? 1 : 2, .frames = one ? frames + 1 : frames};
        ck_assert_int_eq(pt_agg_add(f->a, &s), PT_OK);
    }
}

static struct pt_report_header header(void)
{
    return (struct pt_report_header){.pid = 4242,
                                     .cmdline = "python3 app.py",
                                     .python = "3.12.1 (/usr/lib/libpython3.12.so.1.0)",
                                     .mode = "non-blocking",
                                     .rate_asked = 100,
                                     .rate_achieved = 99.5,
                                     .samples = 1234,
                                     .late = 1,
                                     .dropped = 2,
                                     .errors = 3,
                                     .errors_read = 1,
                                     .errors_invalid = 2,
                                     .work_us_min = 12.2,
                                     .work_us_median = 14,
                                     .work_us_max = 40,
                                     .threads_active = 2,
                                     .threads_total = 5,
                                     .gil_pct = 87.4};
}

static struct pt_view view(void)
{
    return (struct pt_view){.mode = PT_KEY_FUNCTION, .sort = PT_SORT_OWN, .window_s = PT_WINDOW_ALL};
}

/* Table and report for v, split into lines. */
static void report(struct rfx *f, const struct pt_report_header *h, const struct pt_view *v)
{
    ck_assert_int_eq(pt_agg_table(f->a, v, &f->t), PT_OK);
    pt_sb_free(&f->sb);
    pt_sb_init(&f->sb);
    pt_report_text(h, f->a, v, &f->t, &f->sb);
    ck_assert(!pt_sb_failed(&f->sb));
    ck_assert_uint_gt(f->sb.len, 0);
    ck_assert_int_eq(f->sb.s[f->sb.len - 1], '\n');
    f->nlines = 0;
    for (char *p = f->sb.s, *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        ck_assert_uint_lt(f->nlines, MAXLINES);
        *nl = '\0';
        f->lines[f->nlines++] = p;
    }
}

/* Index of the titles line; it must occur exactly once. */
static size_t titles_at(const struct rfx *f)
{
    size_t at = SIZE_MAX;
    for (size_t i = 0; i < f->nlines; i++)
        if (strcmp(f->lines[i], TITLES) == 0) {
            ck_assert_msg(at == SIZE_MAX, "titles line twice");
            at = i;
        }
    ck_assert_msg(at != SIZE_MAX, "no titles line");
    return at;
}

/* alpha (first line 12, at line 14) called from beta: 3 x 1 s; beta alone 1 x 1 s. */
static void small_run(struct rfx *f)
{
    uint32_t beta = frame(f, "beta", "/srv/main.py", 3, 1), alpha = frame(f, "alpha", "/srv/work.py", 14, 12);
    add(f, beta, alpha, 3, 1000000, 1.0);
    add(f, beta, PT_NOID, 1, 1000000, 1.0);
    ck_assert_int_eq(pt_agg_close_bucket(f->a, 4 * NS), PT_OK);
}

START_TEST(report_exact_text)
{
    struct rfx f;
    rfx_init(&f);
    small_run(&f);
    struct pt_report_header h = header();
    struct pt_view v = view();
    report(&f, &h, &v);
    ck_assert_uint_eq(f.nlines, 6);
    ck_assert_str_eq(f.lines[0],
                     "pytop: pid 4242 (python3 app.py) - Python 3.12.1 (/usr/lib/libpython3.12.so.1.0)");
    ck_assert_str_eq(f.lines[1], "mode non-blocking, rate 100/99.5 Hz, 1234 samples, late 1, dropped 2, errors 3 "
                                 "(read 1, invalid 2, gone 0), work 12.2/14.0/40.0 us");
    ck_assert_str_eq(f.lines[2], "threads 2/5 active, GIL 87%, window all (4.00s, 4 samples), sort own, filter none, "
                                 "thread all, keys function, idle no, gil-only no");
    ck_assert_str_eq(f.lines[3], TITLES);
    ck_assert_str_eq(f.lines[4], "  75.0   75.0   3.00s   3.00s  alpha (/srv/work.py:12)");
    ck_assert_str_eq(f.lines[5], "  25.0  100.0   1.00s   4.00s  beta (/srv/main.py:1)");
    rfx_free(&f);
}
END_TEST

START_TEST(report_line_mode_and_settings)
{
    struct rfx f;
    rfx_init(&f);
    small_run(&f);
    struct pt_report_header h = header();
    struct pt_view v = view();
    v.mode = PT_KEY_LINE;
    v.sort = PT_SORT_TOTAL;
    v.reverse = true;
    v.filter = "Work";
    v.tid = 7;
    v.idle = true;
    v.gil_only = true;
    v.window_s = 10;
    report(&f, &h, &v);
    ck_assert_str_eq(f.lines[2], "threads 2/5 active, GIL 87%, window 10s (4.00s, 4 samples), sort total reversed, "
                                 "filter \"Work\", thread 7, keys line, idle yes, gil-only yes");
    size_t at = titles_at(&f);
    ck_assert_uint_eq(at, 3);
    ck_assert_uint_eq(f.nlines, at + 2); /* the filter leaves alpha only */
    ck_assert_str_eq(f.lines[at + 1], "  75.0   75.0   3.00s   3.00s  alpha (/srv/work.py:14)");
    v.window_s = PT_WINDOW_LAST;
    v.filter = NULL;
    report(&f, &h, &v);
    ck_assert_ptr_nonnull(strstr(f.lines[2], ", window last (4.00s, 4 samples), "));
    rfx_free(&f);
}
END_TEST

START_TEST(report_state_line)
{
    static const struct {
        bool exited;
        const char *state, *line; /* NULL: no state line */
    } cases[] = {{false, NULL, NULL},
                 {false, "", NULL},
                 {true, NULL, "state: process exited"},
                 {false, "FROZEN", "state: FROZEN"},
                 {true, "FROZEN", "state: process exited; FROZEN"}};
    struct rfx f;
    rfx_init(&f);
    small_run(&f);
    struct pt_view v = view();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pt_report_header h = header();
        h.exited = cases[i].exited;
        h.state = cases[i].state;
        report(&f, &h, &v);
        size_t at = titles_at(&f);
        if (cases[i].line) {
            ck_assert_uint_eq(at, 4);
            ck_assert_str_eq(f.lines[3], cases[i].line);
        } else
            ck_assert_uint_eq(at, 3);
    }
    rfx_free(&f);
}
END_TEST

START_TEST(report_hostile_text)
{
    struct rfx f;
    rfx_init(&f);
    small_run(&f);
    struct pt_report_header h = header();
    h.cmdline = "evil\ncmd\r";
    h.python = NULL;
    h.mode = "blocking (auto)";
    struct pt_view v = view();
    v.filter = "a\nb";
    report(&f, &h, &v);
    ck_assert_str_eq(f.lines[0], "pytop: pid 4242 (evil?cmd?) - Python ?");
    ck_assert_ptr_nonnull(strstr(f.lines[1], "mode blocking (auto), "));
    ck_assert_ptr_nonnull(strstr(f.lines[2], "filter \"a?b\""));
    ck_assert_str_eq(f.lines[f.nlines - 1], TITLES); /* nothing matches "a\nb" */
    rfx_free(&f);
}
END_TEST

/* Names are checked for control characters once, when interned: a row
 * shows a name holding one with '?' in its place, and a clean one as it
 * is, whatever the other strings of the table hold. */
START_TEST(report_hostile_names)
{
    struct rfx f;
    rfx_init(&f);
    uint32_t root = frame(&f, "main", "/srv/ok.py", 3, 1), bad = frame(&f, "ev\x1b[2Jil", "/srv/t\tab.py", 9, 8);
    add(&f, root, bad, 2, 1000000, 1.0);
    ck_assert_int_eq(pt_agg_close_bucket(f.a, 4 * NS), PT_OK);
    struct pt_report_header h = header();
    struct pt_view v = view();
    report(&f, &h, &v);
    size_t t = titles_at(&f);
    ck_assert_uint_eq(f.nlines, t + 3);
    ck_assert_ptr_nonnull(strstr(f.lines[t + 1], "  ev?[2Jil (/srv/t?ab.py:8)"));
    ck_assert_ptr_nonnull(strstr(f.lines[t + 2], "  main (/srv/ok.py:1)"));
    /* the lengths and flags behind it, a string with a block of its own too */
    bool control;
    ck_assert_uint_eq(pt_intern_str_len(f.in, pt_intern_string(f.in, "ev\x1b[2Jil"), &control), 8);
    ck_assert(control);
    ck_assert_uint_eq(pt_intern_str_len(f.in, pt_intern_string(f.in, "main"), &control), 4);
    ck_assert(!control);
    size_t big = 40000;
    char *s = malloc(big + 1);
    ck_assert_ptr_nonnull(s);
    memset(s, 'x', big);
    s[big] = '\0';
    uint32_t id = pt_intern_string(f.in, s);
    ck_assert_uint_eq(pt_intern_str_len(f.in, id, &control), big);
    ck_assert(!control);
    ck_assert_str_eq(pt_intern_str(f.in, id), s);
    ck_assert_uint_eq(pt_intern_str_len(f.in, PT_NOID, &control), 1); /* "?" */
    free(s);
    rfx_free(&f);
}
END_TEST

START_TEST(report_empty)
{
    struct rfx f;
    rfx_init(&f);
    struct pt_report_header h = header();
    struct pt_view v = view();
    report(&f, &h, &v);
    ck_assert_str_eq(f.lines[f.nlines - 1], TITLES);
    ck_assert_ptr_nonnull(strstr(f.lines[2], "window all (0.00s, 0 samples)"));
    rfx_free(&f);
}
END_TEST

START_TEST(durations)
{
    static const struct {
        double s;
        const char *text;
    } cases[] = {{0, "0.00s"},        {0.004, "0.00s"},     {0.005, "0.01s"},    {4.52, "4.52s"},
                 {9.994, "9.99s"},    {9.996, "10.0s"},     {45.2, "45.2s"},     {59.94, "59.9s"},
                 {59.96, "1m00s"},    {62, "1m02s"},        {62.4, "1m02s"},     {3599.4, "59m59s"},
                 {3599.6, "1h00m"},   {7500, "2h05m"},      {359969, "99h59m"},  {359999, "100h"},
                 {3.6e6, "1000h"},    {-1, "0.00s"},        {NAN, "0.00s"}};
    char buf[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pt_report_duration(cases[i].s, buf, sizeof buf);
        ck_assert_msg(strcmp(buf, cases[i].text) == 0, "%g s: got %s, want %s", cases[i].s, buf, cases[i].text);
    }
    /* below 100 hours the column never needs more than 6 characters */
    for (double s = 0; s < 360000; s = s * 1.37 + 0.0037) {
        pt_report_duration(s, buf, sizeof buf);
        ck_assert_msg(strlen(buf) <= 6, "%g s: %s", s, buf);
    }
    pt_report_duration(4.52, buf, 3);
    ck_assert_str_eq(buf, "4.");
}
END_TEST

/* Seconds from a duration as printed (by its last unit letter); its precision into *unit. */
static double parse_duration(const char *s, double *unit)
{
    unsigned a = 0, b = 0;
    size_t n = strlen(s);
    ck_assert_uint_gt(n, 1);
    if (s[n - 1] == 'h') {
        ck_assert_int_eq(sscanf(s, "%u", &a), 1);
        *unit = 3600;
        return a * 3600.0;
    }
    if (strchr(s, 'h')) {
        ck_assert_int_eq(sscanf(s, "%uh%um", &a, &b), 2);
        *unit = 60;
        return a * 3600.0 + b * 60.0;
    }
    if (strchr(s, 'm')) {
        ck_assert_int_eq(sscanf(s, "%um%us", &a, &b), 2);
        *unit = 1;
        return a * 60.0 + b;
    }
    double x;
    ck_assert_int_eq(sscanf(s, "%lf", &x), 1);
    ck_assert_int_eq(s[n - 1], 's');
    *unit = strlen(strchr(s, '.')) == 4 ? 0.01 : 0.1;
    return x;
}

/* Every row, read back, says what the table says; columns line up. */
START_TEST(report_parses_back)
{
    struct rfx f;
    rfx_init(&f);
    uint32_t root = frame(&f, "root", "/srv/main.py", 1, 1);
    char name[32];
    for (unsigned i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "fn_%u", i);
        uint32_t leaf = frame(&f, name, i % 2 ? "/srv/odd.py" : "/srv/even.py", (int)i + 2, (int)i + 1);
        /* weights from 10 ms to 148 s a sample: root's total passes an hour */
        add(&f, root, leaf, 1 + i % 7, 10000u + i * i * i * 2500u, 1.0);
    }
    ck_assert_int_eq(pt_agg_close_bucket(f.a, 2 * NS), PT_OK);
    struct pt_report_header h = header();
    struct pt_view v = view();
    v.sort = PT_SORT_TOTALTIME;
    report(&f, &h, &v);
    size_t at = titles_at(&f);
    ck_assert_uint_eq(f.nlines - at - 1, f.t.n);
    ck_assert_uint_eq(f.t.n, 41);
    for (size_t i = 0; i < f.t.n; i++) {
        const char *line = f.lines[at + 1 + i];
        const struct pt_row *r = &f.t.rows[i];
        double own_pct, total_pct, unit;
        char own[16], total[16], key[256];
        int fn_at = 0;
        ck_assert_int_eq(sscanf(line, "%lf %lf %15s %15s %n", &own_pct, &total_pct, own, total, &fn_at), 4);
        ck_assert_int_eq(fn_at, 31); /* 6+1+6+1+7+1+7+2: right-aligned columns */
        ck_assert(line[29] == ' ' && line[30] == ' ' && line[31] != ' ');
        ck_assert_double_eq_tol(own_pct, r->pct_own, 0.05 + 1e-9);
        ck_assert_double_eq_tol(total_pct, r->pct_total, 0.05 + 1e-9);
        double s = parse_duration(own, &unit);
        ck_assert_double_eq_tol(s, r->own_s, unit / 2 + 1e-9);
        s = parse_duration(total, &unit);
        ck_assert_double_eq_tol(s, r->total_s, unit / 2 + 1e-9);
        pt_agg_key_text(f.a, v.mode, r->key, key, sizeof key);
        ck_assert_str_eq(line + fn_at, key);
        if (i > 0) /* sorted by TotalTime, as asked */
            ck_assert(f.t.rows[i - 1].total_s >= r->total_s);
    }
    rfx_free(&f);
}
END_TEST

Suite *suite_report(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("report");
    tcase_add_test(tc, report_exact_text);
    tcase_add_test(tc, report_line_mode_and_settings);
    tcase_add_test(tc, report_state_line);
    tcase_add_test(tc, report_hostile_text);
    tcase_add_test(tc, report_hostile_names);
    tcase_add_test(tc, report_empty);
    tcase_add_test(tc, durations);
    tcase_add_test(tc, report_parses_back);
    suite_add_tcase(s, tc);
    return s;
}
