/* ui_draw — header, titles, table lines and status line into the grid. */
#include "pytop/ui_draw.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pytop/report.h"
#include "pytop/ui_colors.h"
#include "pytop/ui_help.h"
#include "pytop/ui_model.h"
#include "pytop/ui_prompt.h"
#include "pytop/ui_text.h"
#include "pytop/ui_threads.h"

#define HEADER_MAX 4

/* Where each column title starts; the cell before it holds the sort marker.
 * Rows: %Own 0-5, %Total 7-12, OwnTime 14-20, TotalTime 22-28, name from 31. */
static const int title_col[PT_SORT_COUNT] = {2, 7, 14, 22, 32};

struct ui_layout ui_draw_layout(int rows)
{
    struct ui_layout l = {0, -1, 0, 0, -1};
    if (rows <= 0)
        return l;
    l.status = rows - 1;
    int above = rows - 1; /* rows above the status line */
    if (above <= 0)
        return l;
    l.header = (above - 1) / 2 < HEADER_MAX ? (above - 1) / 2 : HEADER_MAX;
    l.title = l.header;
    l.body_top = l.title + 1;
    l.body_rows = above - l.body_top;
    return l;
}

/* ---- a pen that writes segments along one row ----------------------------------- */

struct pen {
    struct ui_grid *g;
    int row, col;
};

static void put(struct pen *p, int role, const char *text) { p->col = ui_grid_puts(p->g, p->row, p->col, text, role); }

static void putf(struct pen *p, int role, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void putf(struct pen *p, int role, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    put(p, role, buf);
}

/* A counter that must stand out when it is not zero. */
static void counter(struct pen *p, const char *name, unsigned long long v)
{
    put(p, UI_ROLE_NORMAL, "  ");
    putf(p, v ? UI_ROLE_ALERT : UI_ROLE_NORMAL, "%s %llu", name, v);
}

/* ---- header ------------------------------------------------------------------------- */

static void line_process(struct ui_state *u, int row)
{
    const struct pt_report_header *h = &u->head;
    char python[64];
    const char *py = h->python ? h->python : "?";
    size_t vlen = strcspn(py, " ");
    snprintf(python, sizeof python, "Python %.*s", (int)(vlen < 40 ? vlen : 40), py);
    struct pen p = {&u->grid, row, 0};
    putf(&p, UI_ROLE_NORMAL, "pid %d  ", h->pid);
    int right = (int)strlen(python);
    wchar_t w[UI_TEXT_MAX];
    size_t n = ui_text_fit(h->cmdline ? h->cmdline : "?", u->grid.cols - p.col - right - 2, w, UI_TEXT_MAX);
    ui_grid_put(&u->grid, row, p.col, w, n, UI_ROLE_NORMAL);
    if (u->grid.cols - right > p.col)
        ui_grid_puts(&u->grid, row, u->grid.cols - right, python, UI_ROLE_NORMAL);
}

/* The error kinds that occurred: "(read 1, gone 2)". */
static void error_kinds(struct pen *p, const struct pt_report_header *h)
{
    const char *names[] = {"read", "invalid", "gone"};
    const uint64_t counts[] = {h->errors_read, h->errors_invalid, h->errors_gone};
    const char *sep = " (";
    for (size_t i = 0; i < 3; i++)
        if (counts[i]) {
            putf(p, UI_ROLE_ALERT, "%s%s %llu", sep, names[i], (unsigned long long)counts[i]);
            sep = ", ";
        }
    if (h->errors)
        put(p, UI_ROLE_ALERT, ")");
}

/* What must stand out comes first, so 80 columns show it: the counters, then the mode. */
static void line_sampling(struct ui_state *u, int row)
{
    const struct pt_report_header *h = &u->head;
    struct pen p = {&u->grid, row, 0};
    putf(&p, UI_ROLE_NORMAL, "rate %.3g of %g Hz  samples %llu", h->rate_achieved, h->rate_asked,
         (unsigned long long)h->samples);
    counter(&p, "late", h->late);
    counter(&p, "dropped", h->dropped);
    counter(&p, "errors", h->errors);
    error_kinds(&p, h);
    /* the median to a tenth: a tick costs a few microseconds */
    putf(&p, UI_ROLE_NORMAL, "  mode %s  work %.1f/%.1f/%.0f us", h->mode ? h->mode : "?",
         h->work_us_min, h->work_us_median, h->work_us_max);
}

static void window_text(const struct ui_state *u, char *buf, size_t cap)
{
    char span[32];
    pt_report_duration(u->table.window_span_s, span, sizeof span);
    double w = u->view.window_s;
    char what[32];
    if (w < 0)
        snprintf(what, sizeof what, "all");
    else if (!(w > 0))
        snprintf(what, sizeof what, "last");
    else
        snprintf(what, sizeof what, "%gs", w);
    snprintf(buf, cap, "window %s (%s, %llu samples)", what, span, (unsigned long long)u->table.window_samples);
}

static void line_view(struct ui_state *u, int row)
{
    const struct pt_report_header *h = &u->head;
    struct pen p = {&u->grid, row, 0};
    char win[128];
    window_text(u, win, sizeof win);
    putf(&p, UI_ROLE_NORMAL, "threads %u/%u active", h->threads_active, h->threads_total);
    if (h->processes)
        putf(&p, UI_ROLE_NORMAL, ", %u processes", h->processes);
    putf(&p, UI_ROLE_NORMAL, "  GIL %.0f%%  %s  sort %s%s", h->gil_pct, win, pt_sortcol_title(u->view.sort),
         u->view.reverse ? " reversed" : "");
}

static void line_state(struct ui_state *u, int row)
{
    struct pen p = {&u->grid, row, 0};
    if (u->frozen) {
        put(&p, UI_ROLE_STATE, "FROZEN");
        put(&p, UI_ROLE_NORMAL, "  ");
    }
    if (u->head.exited || u->exited) {
        put(&p, UI_ROLE_ALERT, "process exited");
        put(&p, UI_ROLE_NORMAL, "  ");
    }
    putf(&p, UI_ROLE_NORMAL, "keys %s  thread ", u->view.mode == PT_KEY_LINE ? "line" : "function");
    const char *name = u->view.tid ? ui_threads_name(u, u->view.tid) : "";
    if (u->view.tid)
        putf(&p, UI_ROLE_STATE, "%u%s%s%s", (unsigned)u->view.tid, name[0] ? " (" : "", name, name[0] ? ")" : "");
    else
        put(&p, UI_ROLE_NORMAL, "all");
    put(&p, UI_ROLE_NORMAL, "  filter ");
    if (u->filter[0])
        putf(&p, UI_ROLE_STATE, "\"%s\"", u->filter);
    else
        put(&p, UI_ROLE_NORMAL, "none");
    if (u->view.idle)
        put(&p, UI_ROLE_NORMAL, "  idle shown");
    if (u->view.gil_only)
        put(&p, UI_ROLE_STATE, "  GIL only");
    if (u->depth) {
        char path[UI_STATE_MAX];
        ui_model_drill_path(u, path, sizeof path);
        put(&p, UI_ROLE_NORMAL, "  drill: ");
        put(&p, UI_ROLE_STATE, path);
    }
}

/* Lines by priority (process first); shown in their natural order. */
static void draw_header(struct ui_state *u, int lines)
{
    static void (*const by_priority[HEADER_MAX])(struct ui_state *, int) = {line_process, line_state,
                                                                            line_sampling, line_view};
    static const int natural[HEADER_MAX] = {0, 3, 1, 2}; /* place of each among all four */
    int row = 0;
    for (int place = 0; place < HEADER_MAX; place++)
        for (int k = 0; k < lines; k++)
            if (natural[k] == place)
                by_priority[k](u, row++);
}

/* ---- titles ------------------------------------------------------------------------- */

/* ▼: largest first (or Z first for names), ▲ the other way. */
static wchar_t sort_marker(const struct pt_view *v)
{
    bool down = (v->sort == PT_SORT_NAME) == v->reverse;
    bool fancy = wcwidth(L'\u25bc') == 1;
    return down ? (fancy ? L'\u25bc' : L'v') : (fancy ? L'\u25b2' : L'^');
}

static void draw_titles(struct ui_state *u, int row)
{
    ui_grid_paint(&u->grid, row, 0, u->grid.cols, UI_ROLE_TITLE);
    for (int c = 0; c < PT_SORT_COUNT; c++) {
        bool sorted = (int)u->view.sort == c;
        ui_grid_puts(&u->grid, row, title_col[c], pt_sortcol_title((enum pt_sortcol)c),
                     sorted ? UI_ROLE_SORT : UI_ROLE_TITLE);
        if (sorted) {
            wchar_t m = sort_marker(&u->view);
            ui_grid_put(&u->grid, row, title_col[c] - 1, &m, 1, UI_ROLE_SORT);
        }
    }
}

/* ---- table lines -------------------------------------------------------------------- */

/* What a line shows: prefix, function (name/file/line ids, or fixed text) and heat. */
struct shown {
    char prefix[PT_REPORT_PREFIX_MAX];
    uint32_t name, file;
    int32_t line;
    const char *text; /* instead of a function */
    double heat;      /* share of the window */
};

static void shown_row(const struct pt_row *r, struct shown *s)
{
    pt_report_row_prefix(r, s->prefix);
    s->name = r->name, s->file = r->file, s->line = r->line;
    s->heat = r->pct_own;
}

static void shown_link(const struct ui_state *u, const struct pt_drill_link *k, struct shown *s)
{
    pt_report_link_prefix(k->pct, k->count, s->prefix);
    s->name = k->name, s->file = k->file, s->line = k->line;
    s->text = k->key == PT_NOID ? "(root)" : k->pruned ? PT_AGG_PRUNED_TEXT : NULL;
    s->heat = k->pct * u->drillv.row.pct_total / 100;
}

static void shown_of(const struct ui_state *u, const struct ui_line *l, struct shown *s)
{
    const struct pt_drill *d = &u->drillv;
    memset(s, 0, sizeof *s);
    if (l->kind == UI_LINE_ROW)
        shown_row(&u->table.rows[l->index], s);
    else if (l->kind == UI_LINE_FUNCTION)
        shown_row(&d->row, s);
    else if (l->kind == UI_LINE_CALLER)
        shown_link(u, &d->callers[l->index], s);
    else if (l->kind == UI_LINE_CALLEE)
        shown_link(u, &d->callees[l->index], s);
    else if (l->kind == UI_LINE_SELF) {
        pt_report_link_prefix(d->self_pct, d->row.own, s->prefix);
        s->text = PT_REPORT_SELF;
        s->heat = d->self_pct * d->row.pct_total / 100;
    } else
        s->text = l->index == 0 ? PT_REPORT_CALLERS : PT_REPORT_CALLEES;
}

static void draw_line(struct ui_state *u, int row, size_t i)
{
    const struct ui_line *l = &u->lines[i];
    struct shown s;
    shown_of(u, l, &s);
    int role = l->kind == UI_LINE_SECTION ? UI_ROLE_SECTION : (int)ui_colors_heat(s.heat);
    int col = ui_grid_puts(&u->grid, row, 0, s.prefix, role);
    wchar_t w[UI_TEXT_MAX];
    size_t n = s.text ? ui_text_fit(s.text, u->grid.cols - col, w, UI_TEXT_MAX)
                      : ui_text_function(pt_intern_str(u->intern, s.name), pt_intern_str(u->intern, s.file),
                                         s.line, u->grid.cols - col, w, UI_TEXT_MAX);
    ui_grid_put(&u->grid, row, col, w, n, role);
    if (i == u->sel && ui_model_selectable(u, i))
        ui_grid_paint(&u->grid, row, 0, u->grid.cols, UI_ROLE_SELECT);
}

/* Keep the selection on screen. */
static void scroll_to_selection(struct ui_state *u, int rows)
{
    size_t r = rows > 0 ? (size_t)rows : 1;
    if (u->sel < u->top)
        u->top = u->sel;
    if (u->sel >= u->top + r)
        u->top = u->sel - r + 1;
    if (u->top + r > u->nlines)
        u->top = u->nlines > r ? u->nlines - r : 0;
}

static void draw_body(struct ui_state *u, int top, int rows)
{
    if (rows <= 0)
        return;
    if (u->nlines == 0) {
        const char *why = u->filter[0]   ? "(no function matches the filter; = clears it)"
                          : u->frozen    ? "(no samples in this window)"
                                         : "(no samples in this window yet)";
        ui_grid_puts(&u->grid, top, 2, why, UI_ROLE_NORMAL);
        return;
    }
    scroll_to_selection(u, rows);
    for (int r = 0; r < rows && u->top + (size_t)r < u->nlines; r++)
        draw_line(u, top + r, u->top + (size_t)r);
}

/* ---- status line -------------------------------------------------------------------- */

static void draw_hints(struct ui_state *u, int row)
{
    static const char *const hints[][2] = {{"q", "quit"},   {"?", "help"},   {"/", "filter"},
                                           {"Enter", "drill"}, {"f", "freeze"}, {"t", "thread"},
                                           {"d", "dump"},   {"F", "flame"}};
    struct pen p = {&u->grid, row, 0};
    if (u->depth) {
        put(&p, UI_ROLE_KEY, "Esc");
        put(&p, UI_ROLE_NORMAL, " back  ");
    }
    for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++) {
        put(&p, UI_ROLE_KEY, hints[i][0]);
        putf(&p, UI_ROLE_NORMAL, " %s  ", hints[i][1]);
    }
}

static void draw_status(struct ui_state *u, int row)
{
    if (u->mode == UI_MODE_PROMPT)
        ui_prompt_draw(u, row);
    else if (u->status[0]) {
        int role = u->status_error ? UI_ROLE_ERROR : UI_ROLE_NORMAL;
        ui_grid_paint(&u->grid, row, 0, u->status_error ? u->grid.cols : 0, role);
        ui_grid_puts(&u->grid, row, 0, u->status, role);
    } else
        draw_hints(u, row);
}

void ui_draw(struct ui_state *u)
{
    struct ui_layout l = ui_draw_layout(u->grid.rows);
    ui_grid_clear(&u->grid);
    u->page = l.body_rows;
    draw_header(u, l.header);
    if (u->mode == UI_MODE_HELP)
        ui_help_draw(u, l.body_top - 1, l.body_rows + 1);
    else if (u->mode == UI_MODE_THREADS)
        ui_threads_draw(u, l.body_top - 1, l.body_rows + 1);
    else {
        if (l.title >= 0)
            draw_titles(u, l.title);
        draw_body(u, l.body_top, l.body_rows);
    }
    if (l.status >= 0)
        draw_status(u, l.status);
}
