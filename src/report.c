/* report — header and rows of a table as stable, greppable text. */
#include "pytop/report.h"

#include <stdio.h>
#include <string.h>

#define KEY_TEXT_MAX 4096
#define ROW_BYTES_GUESS 96 /* a row line is ~85 bytes in a typical table; more only costs address space */
#define PREFETCH_ROWS 8 /* rows between the stages of pt_agg_key_prefetch */
#define DURATION_MAX 1e15 /* far beyond any run; keeps the integer casts defined */

/* ---- numbers, by hand: a full dump formats every row -------------------- */

/* Numbers are written backwards from the end of a small buffer: digits
 * come out lowest first, and a right-aligned column wants them so. */
#define NUM_MAX 32

/* v in decimal, at least `width` digits (zero-padded), ending at end;
 * returns where the text starts. */
static char *digits_back(char *end, unsigned long long v, size_t width)
{
    char *p = end;
    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while ((size_t)(end - p) < width)
        *--p = '0';
    return p;
}

/* "<major><sep><minor, minor_width digits><unit>" (e.g. 4.52s or 1m02s)
 * ending at end; returns where it starts. */
static char *pair_back(char *end, unsigned long long major, char sep, unsigned long long minor,
                       size_t minor_width, char unit)
{
    char *p = end;
    *--p = unit;
    if (sep) {
        p = digits_back(p, minor, minor_width);
        *--p = sep;
    }
    return digits_back(p, major, 1);
}

/* (no libm: rounding half up is all non-negative values need) */
static unsigned long long round_half_up(double x) { return (unsigned long long)(x + 0.5); }

/* Each unit is chosen on the value rounded to that unit's precision, so
 * 9.996 s becomes "10.0s", never "10.00s": the width bound holds. */
static char *duration_back(char *end, double seconds)
{
    double s = seconds >= 0 ? seconds : 0; /* NaN fails >= too */
    if (s > DURATION_MAX)
        s = DURATION_MAX;
    unsigned long long centis = round_half_up(s * 100);
    if (centis < 1000)
        return pair_back(end, centis / 100, '.', centis % 100, 2, 's');
    unsigned long long decis = round_half_up(s * 10);
    if (decis < 600)
        return pair_back(end, decis / 10, '.', decis % 10, 1, 's');
    unsigned long long secs = round_half_up(s);
    if (secs < 3600)
        return pair_back(end, secs / 60, 'm', secs % 60, 2, 's');
    unsigned long long mins = round_half_up(s / 60);
    if (mins < 6000)
        return pair_back(end, mins / 60, 'h', mins % 60, 2, 'm');
    return pair_back(end, round_half_up(s / 3600), 0, 0, 0, 'h');
}

void pt_report_duration(double seconds, char *buf, size_t cap)
{
    char tmp[NUM_MAX];
    const char *text = duration_back(tmp + sizeof tmp, seconds);
    size_t n = (size_t)(tmp + sizeof tmp - text);
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, text, n);
    buf[n] = '\0';
}

/* [text, end) right-aligned in width columns at p (longer text is not
 * cut); returns the length. */
static size_t put_right(char *p, const char *text, const char *end, size_t width)
{
    size_t n = (size_t)(end - text), pad = n < width ? width - n : 0;
    memset(p, ' ', pad);
    memcpy(p + pad, text, n);
    return pad + n;
}

/* A percentage as "%6.1f" would print it for 0..100 (half up). */
static size_t put_pct(char *p, double v)
{
    char tmp[NUM_MAX], *end = tmp + sizeof tmp, *q = end;
    unsigned long long tenths = round_half_up(v > 0 ? v * 10 : 0);
    *--q = (char)('0' + tenths % 10);
    *--q = '.';
    return put_right(p, digits_back(q, tenths / 10, 1), end, 6);
}

static size_t put_duration(char *p, double seconds, size_t width)
{
    char tmp[NUM_MAX], *end = tmp + sizeof tmp;
    return put_right(p, duration_back(end, seconds), end, width);
}

/* ---- header ------------------------------------------------------------- */

/* Text from outside (command lines, filters) must not break the line structure. */
/* Microseconds: a tenth where a tick's few microseconds need it. */
static void add_us(struct pt_sb *out, double us)
{
    pt_sb_printf(out, us < 100 ? "%.1f" : "%.0f", us);
}

static void add_clean(struct pt_sb *out, const char *s)
{
    if (!s) {
        pt_sb_puts(out, "?");
        return;
    }
    for (const char *p = s; *p; p++) {
        char c = ((unsigned char)*p < 0x20 || *p == 0x7f) ? '?' : *p;
        pt_sb_add(out, &c, 1);
    }
}

static void header_process(const struct pt_report_header *h, struct pt_sb *out)
{
    pt_sb_printf(out, "pytop: pid %d (", h->pid);
    add_clean(out, h->cmdline);
    pt_sb_puts(out, ") - Python ");
    add_clean(out, h->python);
    pt_sb_puts(out, "\n");
}

static void header_sampling(const struct pt_report_header *h, struct pt_sb *out)
{
    pt_sb_puts(out, "mode ");
    add_clean(out, h->mode);
    pt_sb_printf(out, ", rate %g/%.3g Hz, %llu samples, late %llu, dropped %llu, errors %llu",
                 h->rate_asked, h->rate_achieved, (unsigned long long)h->samples,
                 (unsigned long long)h->late, (unsigned long long)h->dropped,
                 (unsigned long long)h->errors);
    if (h->errors)
        pt_sb_printf(out, " (read %llu, invalid %llu, gone %llu)", (unsigned long long)h->errors_read,
                     (unsigned long long)h->errors_invalid, (unsigned long long)h->errors_gone);
    pt_sb_puts(out, ", work ");
    add_us(out, h->work_us_min);
    pt_sb_puts(out, "/");
    add_us(out, h->work_us_median);
    pt_sb_puts(out, "/");
    add_us(out, h->work_us_max);
    pt_sb_puts(out, " us\n");
}

static void header_window(const struct pt_view *v, const struct pt_table *t, struct pt_sb *out)
{
    char span[32];
    pt_report_duration(t->window_span_s, span, sizeof span);
    if (v->window_s < 0)
        pt_sb_puts(out, "window all");
    else if (!(v->window_s > 0)) /* 0, or NaN, which the aggregate treats as 0 */
        pt_sb_puts(out, "window last");
    else
        pt_sb_printf(out, "window %gs", v->window_s);
    pt_sb_printf(out, " (%s, %llu samples)", span, (unsigned long long)t->window_samples);
}

static const char *yes_no(bool b) { return b ? "yes" : "no"; }

static void header_view(const struct pt_report_header *h, const struct pt_view *v, const struct pt_table *t,
                        struct pt_sb *out)
{
    pt_sb_printf(out, "threads %u/%u active, ", h->threads_active, h->threads_total);
    if (h->processes)
        pt_sb_printf(out, "%u processes, ", h->processes);
    pt_sb_printf(out, "GIL %.0f%%, ", h->gil_pct);
    header_window(v, t, out);
    pt_sb_printf(out, ", sort %s%s, filter ", pt_sortcol_name(v->sort), v->reverse ? " reversed" : "");
    if (v->filter && *v->filter) {
        pt_sb_puts(out, "\"");
        add_clean(out, v->filter);
        pt_sb_puts(out, "\"");
    } else
        pt_sb_puts(out, "none");
    if (v->tid)
        pt_sb_printf(out, ", thread %u", v->tid);
    else
        pt_sb_puts(out, ", thread all");
    pt_sb_printf(out, ", keys %s, idle %s, gil-only %s\n", v->mode == PT_KEY_LINE ? "line" : "function",
                 yes_no(v->idle), yes_no(v->gil_only));
}

static void header_split(const struct pt_report_header *h, struct pt_sb *out)
{
    if (!h->split)
        return;
    pt_sb_puts(out, "processes: ");
    add_clean(out, *h->split ? h->split : "none");
    pt_sb_puts(out, "\n");
}

static void header_state(const struct pt_report_header *h, struct pt_sb *out)
{
    bool state = h->state && *h->state;
    if (!h->exited && !state)
        return;
    pt_sb_puts(out, "state: ");
    if (h->exited)
        pt_sb_puts(out, state ? "process exited; " : "process exited");
    if (state)
        add_clean(out, h->state);
    pt_sb_puts(out, "\n");
}

/* ---- rows ----------------------------------------------------------------- */

/* The columns are the sort columns, in their order: one table names both. */
static void add_titles(struct pt_sb *out)
{
    for (int c = 0; c < PT_SORT_COUNT; c++) {
        pt_sb_puts(out, pt_sortcol_title((enum pt_sortcol)c));
        pt_sb_puts(out, c + 1 < PT_SORT_COUNT ? " " : "\n");
    }
}

size_t pt_report_row_prefix(const struct pt_row *r, char *buf)
{
    size_t n = put_pct(buf, r->pct_own);
    buf[n++] = ' ';
    n += put_pct(buf + n, r->pct_total);
    buf[n++] = ' ';
    n += put_duration(buf + n, r->own_s, 7);
    buf[n++] = ' ';
    n += put_duration(buf + n, r->total_s, 7);
    buf[n++] = ' ';
    buf[n++] = ' ';
    buf[n] = '\0';
    return n;
}

size_t pt_report_link_prefix(double pct, uint64_t count, char *buf)
{
    char digits[NUM_MAX], *end = digits + sizeof digits;
    size_t n = put_pct(buf, pct);
    buf[n++] = ' ';
    n += put_right(buf + n, digits_back(end, count, 1), end, 7);
    buf[n++] = ' ';
    buf[n++] = ' ';
    buf[n] = '\0';
    return n;
}

/* A line is written in place, as a full dump writes every row: room for
 * the longest, its prefix there, then the key's text and a newline. */
static char *line_room(struct pt_sb *out) { return pt_sb_room(out, PT_REPORT_PREFIX_MAX + KEY_TEXT_MAX + 1); }

static void line_end(const struct pt_agg *a, enum pt_keymode mode, char *p, size_t plen, uint32_t key,
                     struct pt_sb *out)
{
    size_t n = plen + pt_agg_key_text(a, mode, key, p + plen, KEY_TEXT_MAX);
    p[n++] = '\n';
    pt_sb_commit(out, n);
}

static void add_row(const struct pt_agg *a, enum pt_keymode mode, const struct pt_row *r, struct pt_sb *out)
{
    char *p = line_room(out);
    if (p)
        line_end(a, mode, p, pt_report_row_prefix(r, p), r->key, out);
}

static void add_links(const struct pt_agg *a, enum pt_keymode mode, const struct pt_drill_link *l, size_t n,
                      struct pt_sb *out)
{
    for (size_t i = 0; i < n; i++) {
        char *p = line_room(out);
        if (p)
            line_end(a, mode, p, pt_report_link_prefix(l[i].pct, l[i].count, p), l[i].key, out);
    }
}

/* The drill view: the function's row, its callers, then (self) and its callees. */
static void add_drill(const struct pt_agg *a, enum pt_keymode mode, const struct pt_drill *d, struct pt_sb *out)
{
    char prefix[PT_REPORT_PREFIX_MAX];
    add_row(a, mode, &d->row, out);
    pt_sb_puts(out, PT_REPORT_CALLERS "\n");
    add_links(a, mode, d->callers, d->ncallers, out);
    pt_sb_puts(out, PT_REPORT_CALLEES "\n");
    pt_report_link_prefix(d->self_pct, d->row.own, prefix);
    pt_sb_puts(out, prefix);
    pt_sb_puts(out, PT_REPORT_SELF "\n");
    add_links(a, mode, d->callees, d->ncallees, out);
}

void pt_report_text(const struct pt_report_header *h, const struct pt_agg *a, const struct pt_view *v,
                    const struct pt_table *t, struct pt_sb *out)
{
    header_process(h, out);
    header_sampling(h, out);
    header_view(h, v, t, out);
    header_split(h, out);
    header_state(h, out);
    add_titles(out);
    if (h->drill) {
        add_drill(a, v->mode, h->drill, out);
        return;
    }
    /* one allocation for the whole table, not a copy at every doubling */
    pt_sb_room(out, t->n * ROW_BYTES_GUESS);
    /* rows come in sort order, their keys' data scattered in memory */
    for (size_t i = 0; i < t->n; i++) {
        for (int stage = 0; stage < 3; stage++)
            if (i + (size_t)(3 - stage) * PREFETCH_ROWS < t->n)
                pt_agg_key_prefetch(a, v->mode, t->rows[i + (size_t)(3 - stage) * PREFETCH_ROWS].key, stage);
        add_row(a, v->mode, &t->rows[i], out);
    }
}
