/* check_ui_render — the viewer's drawing, without a terminal.
 *
 * A fixed aggregate (hand-made samples of a known call graph, as in
 * check_aggregate) is drawn into the state's off-screen grid and read
 * back as text and colour roles: header, titles and sort marker, rows
 * equal to the dump's rows, heat colours and the selection, drill views,
 * every size down to 0 x 0, wide characters; then the text shortening,
 * the grid's edge cases, the key table (against itself and against
 * man/pytop.1), key actions, the filter prompt, and dump/flame files.
 *
 * The call graph, 100 samples on one thread, root first:
 *   60  <module> > main > handle > query
 *   25  <module> > main > handle > 計算 > query
 *   10  <module> > main > handle
 *    1  <module> > main > tiny
 *    4  <module> > main
 * so %Own: query 85, handle 10, main 4, tiny 1, 計算 0, <module> 0. */
#include <dirent.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "pytop/aggregate.h"
#include "pytop/intern.h"
#include "pytop/report.h"
#include "pytop/safefile.h"
#include "pytop/ui_colors.h"
#include "pytop/ui_draw.h"
#include "pytop/ui_dump.h"
#include "pytop/ui_grid.h"
#include "pytop/ui_help.h"
#include "pytop/ui_keys.h"
#include "pytop/ui_model.h"
#include "pytop/ui_prompt.h"
#include "pytop/ui_state.h"
#include "pytop/ui_text.h"
#include "pytop/ui_threads.h"

#define NS 1000000000ull
#define LONG_FILE "/srv/very/long/path/to/the/package/db/query_module.py"
#define MAXLINES 256
#define LINE_MAX_BYTES 4096

struct ufx {
    struct pt_intern *in;
    struct pt_agg *a;
    struct pt_options o;
    struct ui_state u;
    uint32_t mod, main_, handle, query, calc, tiny;
    char line[LINE_MAX_BYTES];
};

static uint32_t frame(struct ufx *f, const char *name, const char *file, int line, int firstline)
{
    struct pt_frameinfo fi = {pt_intern_string(f->in, name), pt_intern_string(f->in, file), line, firstline};
    return pt_intern_frame(f->in, &fi);
}

/* n samples of a stack given root first. */
static void add(struct ufx *f, unsigned n, const uint32_t *root_first, size_t depth)
{
    uint32_t leaf_first[8];
    for (size_t i = 0; i < depth; i++)
        leaf_first[i] = root_first[depth - 1 - i];
    for (unsigned k = 0; k < n; k++) {
        struct pt_sample s = {.tid = 1, .pid = 4242, .flags = PT_SAMPLE_GIL, .t_ns = NS / 100,
                              .weight_us = 10000, .depth = (uint32_t)depth, .frames = leaf_first};
        ck_assert_int_eq(pt_agg_add(f->a, &s), PT_OK);
    }
}
#define ADD(f, n, ...) add(f, n, (const uint32_t[]){__VA_ARGS__}, sizeof((const uint32_t[]){__VA_ARGS__}) / 4)

static void ufx_size(struct ufx *f, int rows, int cols)
{
    ck_assert_int_eq(ui_grid_resize(&f->u.grid, rows, cols), PT_OK);
}

static void draw(struct ufx *f)
{
    ck_assert_int_eq(ui_model_build(&f->u), PT_OK);
    ui_draw(&f->u);
}

static void ufx_init(struct ufx *f, int rows, int cols)
{
    setlocale(LC_ALL, "C.UTF-8");
    memset(f, 0, sizeof *f);
    f->in = calloc(1, sizeof *f->in);
    ck_assert_ptr_nonnull(f->in);
    ck_assert_int_eq(pt_intern_init(f->in), PT_OK);
    ck_assert_int_eq(pt_agg_new(f->in, &f->a), PT_OK);
    f->mod = frame(f, "<module>", "/srv/app.py", 1, 1);
    f->main_ = frame(f, "main", "/srv/app.py", 40, 38);
    f->handle = frame(f, "handle", "/srv/app.py", 27, 25);
    f->query = frame(f, "query", LONG_FILE, 16, 14);
    f->calc = frame(f, "計算", "/srv/app.py", 23, 22);
    f->tiny = frame(f, "tiny", "/srv/app.py", 50, 50);
    ADD(f, 60, f->mod, f->main_, f->handle, f->query);
    ADD(f, 25, f->mod, f->main_, f->handle, f->calc, f->query);
    ADD(f, 10, f->mod, f->main_, f->handle);
    ADD(f, 1, f->mod, f->main_, f->tiny);
    ADD(f, 4, f->mod, f->main_);
    ck_assert_int_eq(pt_agg_close_bucket(f->a, NS), PT_OK);
    f->o = (struct pt_options){.mode = PT_MODE_VIEW, .rate = 100, .delay = 1, .sort = PT_SORT_OWN,
                               .window = PT_WINDOW_LAST};
    ui_state_init(&f->u, NULL, f->a, f->in, &f->o);
    struct pt_report_header *h = &f->u.head;
    h->pid = 4242;
    h->cmdline = "python3 app.py --port 8000";
    h->python = "3.12.1 (/usr/lib/libpython3.12.so.1.0)";
    snprintf(f->u.mode_text, sizeof f->u.mode_text, "non-blocking");
    h->rate_asked = 100;
    h->rate_achieved = 99.5;
    h->samples = 100;
    h->threads_active = 1;
    h->threads_total = 2;
    h->gil_pct = 97;
    ufx_size(f, rows, cols);
}

static void ufx_free(struct ufx *f)
{
    ui_state_free(&f->u);
    pt_agg_free(f->a);
    pt_intern_free(f->in);
    free(f->in);
}

static const char *row_text(struct ufx *f, int row)
{
    ui_grid_row_text(&f->u.grid, row, f->line, sizeof f->line);
    return f->line;
}

/* First row containing needle, or -1. */
static int find_row(struct ufx *f, const char *needle)
{
    for (int r = 0; r < f->u.grid.rows; r++)
        if (strstr(row_text(f, r), needle))
            return r;
    return -1;
}

/* Column (in cells) where needle starts on row, or -1. */
static int find_col(struct ufx *f, int row, const char *needle)
{
    const char *t = row_text(f, row), *p = strstr(t, needle);
    if (!p)
        return -1;
    /* count cells up to p: wide characters take two */
    wchar_t w[UI_TEXT_MAX];
    char prefix[LINE_MAX_BYTES];
    memcpy(prefix, t, (size_t)(p - t));
    prefix[p - t] = '\0';
    size_t n = ui_text_decode(prefix, w, UI_TEXT_MAX);
    return ui_text_width(w, n);
}

static int role_at(struct ufx *f, int row, int col) { return ui_grid_at(&f->u.grid, row, col)->role; }

/* The dump (ui_dump_render) split into lines, in out[]; returns the count. */
static size_t dump_lines(struct ufx *f, struct pt_sb *sb, char **out)
{
    pt_sb_init(sb);
    ui_dump_render(&f->u, sb);
    ck_assert(!pt_sb_failed(sb));
    size_t n = 0;
    for (char *p = sb->s, *nl; p && (nl = strchr(p, '\n')) != NULL && n < MAXLINES; p = nl + 1) {
        *nl = '\0';
        out[n++] = p;
    }
    return n;
}

static size_t index_of(char **lines, size_t n, const char *exact)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(lines[i], exact) == 0)
            return i;
    ck_abort_msg("no line \"%s\"", exact);
    return 0;
}

/* ---- screen ------------------------------------------------------------------------ */

START_TEST(header_titles_at_80x24)
{
    struct ufx f;
    ufx_init(&f, 24, 80);
    draw(&f);
    ck_assert_msg(strstr(row_text(&f, 0), "pid 4242  python3 app.py --port 8000"), "%s", row_text(&f, 0));
    ck_assert_int_eq(find_col(&f, 0, "Python 3.12.1"), 80 - (int)strlen("Python 3.12.1"));
    ck_assert_msg(strstr(row_text(&f, 1), "rate 99.5 of 100 Hz  samples 100  late 0  dropped 0  errors 0  mode "
                                          "non-blocking"),
                  "%s", row_text(&f, 1));
    ck_assert_msg(strstr(row_text(&f, 2), "threads 1/2 active  GIL 97%  window last (1.00s, 100 samples)"),
                  "%s", row_text(&f, 2));
    ck_assert_msg(strstr(row_text(&f, 3), "keys function  thread all  filter none"), "%s", row_text(&f, 3));
    ck_assert_str_eq(row_text(&f, 4), " \u25bc%Own %Total OwnTime TotalTime Function");
    ck_assert_int_eq(role_at(&f, 4, 40), UI_ROLE_TITLE);
    ck_assert_int_eq(role_at(&f, 4, 2), UI_ROLE_SORT);
    /* the status line: key hints */
    ck_assert_msg(strstr(row_text(&f, 23), "q quit  ? help  / filter"), "%s", row_text(&f, 23));
    ufx_free(&f);
}
END_TEST

/* Every row on the screen is the dump's row, to the byte, where it fits;
 * a row that does not fit keeps its numbers and its file name. */
START_TEST(rows_equal_the_dump)
{
    for (int cols = 80; cols <= 140; cols += 60) {
        struct ufx f;
        ufx_init(&f, 24, cols);
        draw(&f);
        struct pt_sb sb;
        char *lines[MAXLINES];
        size_t n = dump_lines(&f, &sb, lines);
        size_t at = index_of(lines, n, "%Own %Total OwnTime TotalTime Function");
        ck_assert_uint_eq(n - at - 1, 6);
        for (size_t i = at + 1; i < n; i++) {
            const char *screen = row_text(&f, 5 + (int)(i - at - 1));
            if (cols >= 100 || !strstr(lines[i], "query")) {
                ck_assert_str_eq(screen, lines[i]);
                continue;
            }
            ck_assert_msg(strncmp(screen, lines[i], 31) == 0, "numbers differ: %s / %s", screen, lines[i]);
            ck_assert_msg(strstr(screen, "query (\u2026/") && strstr(screen, "/query_module.py:14)"), "%s", screen);
            ck_assert_uint_le(strlen(screen), strlen(lines[i]));
        }
        pt_sb_free(&sb);
        ufx_free(&f);
    }
}
END_TEST

START_TEST(sort_marker_follows_the_column)
{
    static const struct {
        enum pt_sortcol col;
        bool reverse;
        const char *title;
    } cases[] = {
        {PT_SORT_OWN, false, " \u25bc%Own %Total"},      {PT_SORT_OWN, true, " \u25b2%Own %Total"},
        {PT_SORT_TOTAL, false, "  %Own\u25bc%Total"},    {PT_SORT_OWNTIME, false, "%Total\u25bcOwnTime"},
        {PT_SORT_TOTALTIME, true, "OwnTime\u25b2TotalTime"}, {PT_SORT_NAME, false, "TotalTime\u25b2Function"},
        {PT_SORT_NAME, true, "TotalTime\u25bcFunction"},
    };
    struct ufx f;
    ufx_init(&f, 24, 80);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        f.u.view.sort = cases[i].col;
        f.u.view.reverse = cases[i].reverse;
        draw(&f);
        ck_assert_msg(strstr(row_text(&f, 4), cases[i].title), "case %zu: %s", i, row_text(&f, 4));
        int at = find_col(&f, 4, pt_sortcol_title(cases[i].col));
        ck_assert_int_eq(role_at(&f, 4, at), UI_ROLE_SORT);
        ck_assert_int_eq(role_at(&f, 4, at - 1), UI_ROLE_SORT);
    }
    /* sorted by %Total: main and <module> (100) come before handle (95) */
    f.u.view.sort = PT_SORT_TOTAL;
    f.u.view.reverse = false;
    draw(&f);
    ck_assert_int_lt(find_row(&f, "  <module> ("), find_row(&f, "  handle ("));
    ck_assert_int_lt(find_row(&f, "  handle ("), find_row(&f, "  query ("));
    ufx_free(&f);
}
END_TEST

START_TEST(heat_selection_and_alerts)
{
    struct ufx f;
    ufx_init(&f, 24, 140);
    f.u.head.late = 3;
    f.u.head.errors = 2;
    f.u.head.errors_invalid = 2;
    draw(&f);
    int query = find_row(&f, "  query ("), handle = find_row(&f, "  handle ("), tiny = find_row(&f, "  tiny (");
    int calc = find_row(&f, "  計算 (");
    ck_assert_int_eq(query, 5); /* the first row is selected */
    ck_assert_int_eq(role_at(&f, query, 0), UI_ROLE_SELECT);
    ck_assert_int_eq(role_at(&f, query, 139), UI_ROLE_SELECT);
    ck_assert_int_eq(role_at(&f, handle, 3), UI_ROLE_HOT);
    ck_assert_int_eq(role_at(&f, tiny, 3), UI_ROLE_WARM);
    ck_assert_int_eq(role_at(&f, calc, 3), UI_ROLE_NORMAL);
    ui_model_move(&f.u, 1);
    draw(&f);
    ck_assert_int_eq(role_at(&f, query, 3), UI_ROLE_HOT);
    ck_assert_int_eq(role_at(&f, handle, 3), UI_ROLE_SELECT);
    /* non-zero counters stand out, zero ones do not */
    ck_assert_int_eq(role_at(&f, 1, find_col(&f, 1, "late 3")), UI_ROLE_ALERT);
    ck_assert_int_eq(role_at(&f, 1, find_col(&f, 1, "dropped 0")), UI_ROLE_NORMAL);
    ck_assert_int_eq(role_at(&f, 1, find_col(&f, 1, "errors 2")), UI_ROLE_ALERT);
    ck_assert_msg(strstr(row_text(&f, 1), "errors 2 (invalid 2)  mode"), "%s", row_text(&f, 1));
    ufx_free(&f);
}
END_TEST

/* handle: callers main 100%; callees query 60, 計算 25, self 10 (of 95). */
START_TEST(drill_view_and_its_dump)
{
    struct ufx f;
    ufx_init(&f, 24, 120);
    draw(&f);
    ui_model_move(&f.u, 1); /* handle */
    ck_assert_uint_eq(ui_model_key(&f.u, f.u.sel), f.u.table.rows[1].key);
    ck_assert(ui_keys_dispatch(&f.u, '\r'));
    draw(&f);
    ck_assert_msg(strstr(row_text(&f, 3), "drill: handle"), "%s", row_text(&f, 3));
    ck_assert_str_eq(row_text(&f, 6), PT_REPORT_CALLERS);
    ck_assert_str_eq(row_text(&f, 7), " 100.0      95  main (/srv/app.py:38)");
    ck_assert_str_eq(row_text(&f, 8), PT_REPORT_CALLEES);
    ck_assert_str_eq(row_text(&f, 9), "  10.5      10  (self)");
    ck_assert_str_eq(row_text(&f, 10), "  63.2      60  query (" LONG_FILE ":14)");
    ck_assert_str_eq(row_text(&f, 11), "  26.3      25  計算 (/srv/app.py:22)");
    ck_assert_int_eq(role_at(&f, 6, 0), UI_ROLE_SECTION);
    /* the dump has the same lines after the titles, and the path in its state line */
    struct pt_sb sb;
    char *lines[MAXLINES];
    size_t n = dump_lines(&f, &sb, lines);
    size_t at = index_of(lines, n, "%Own %Total OwnTime TotalTime Function");
    ck_assert_str_eq(lines[at - 1], "state: drill: handle");
    ck_assert_uint_eq(n - at - 1, 7);
    for (size_t i = at + 1; i < n; i++)
        ck_assert_str_eq(row_text(&f, 5 + (int)(i - at - 1)), lines[i]);
    pt_sb_free(&sb);
    /* the section titles are skipped: down from the function lands on main */
    ui_model_move(&f.u, 1);
    ck_assert_uint_eq(f.u.sel, 2);
    ui_model_move(&f.u, 1);
    ck_assert_uint_eq(f.u.sel, 4); /* (self) */
    /* Function order: by name; reversed, the other way */
    f.u.view.sort = PT_SORT_NAME;
    draw(&f);
    ck_assert_int_lt(find_row(&f, "  query ("), find_row(&f, "  計算 ("));
    f.u.view.reverse = true;
    draw(&f);
    ck_assert_int_gt(find_row(&f, "  query ("), find_row(&f, "  計算 ("));
    /* deeper: query's callers are handle and 計算; Esc comes back onto query */
    ui_model_select_end(&f.u, true);
    ck_assert(ui_keys_dispatch(&f.u, UI_K_RIGHT));
    draw(&f);
    ck_assert_msg(strstr(row_text(&f, 3), "drill: handle > query"), "%s", row_text(&f, 3));
    ck_assert_int_gt(find_row(&f, "  handle ("), 6);
    ck_assert_int_gt(find_row(&f, "  計算 ("), 6);
    ck_assert(ui_keys_dispatch(&f.u, UI_ESC));
    draw(&f);
    struct ui_crumb back;
    ck_assert(ui_model_crumb(&f.u, f.u.sel, &back));
    ck_assert_str_eq(pt_intern_str(f.in, back.name), "query"); /* back onto the function we left */
    ck_assert(ui_keys_dispatch(&f.u, 127));
    draw(&f);
    ck_assert_uint_eq(f.u.depth, 0);
    ufx_free(&f);
}
END_TEST

START_TEST(state_line_and_filter)
{
    struct ufx f;
    ufx_init(&f, 24, 100);
    snprintf(f.u.filter, sizeof f.u.filter, "QUE");
    f.u.frozen = true;
    f.u.head.exited = true;
    f.u.view.idle = true;
    f.u.view.gil_only = true;
    draw(&f);
    ck_assert_str_eq(row_text(&f, 3),
                     "FROZEN  process exited  keys function  thread all  filter \"QUE\"  idle shown  GIL only");
    ck_assert_int_eq(role_at(&f, 3, 0), UI_ROLE_STATE);
    ck_assert_int_eq(role_at(&f, 3, 8), UI_ROLE_ALERT);
    ck_assert_uint_eq(f.u.nlines, 1); /* query: by name or file, any case */
    ck_assert_int_eq(find_row(&f, "  query ("), 5);
    struct pt_sb sb;
    char *lines[MAXLINES];
    size_t n = dump_lines(&f, &sb, lines);
    ck_assert_str_eq(lines[index_of(lines, n, "%Own %Total OwnTime TotalTime Function") - 1],
                     "state: process exited; FROZEN");
    pt_sb_free(&sb);
    snprintf(f.u.filter, sizeof f.u.filter, "nothing-like-it");
    draw(&f);
    ck_assert_int_eq(find_row(&f, "no function matches the filter"), 5);
    ufx_free(&f);
}
END_TEST

/* Every size from 0 x 0 up, in every mode: nothing crashes, nothing is
 * written outside the grid, and the status line stays at the bottom. */
START_TEST(any_size_draws)
{
    struct ufx f;
    ufx_init(&f, 1, 1);
    enum ui_mode modes[] = {UI_MODE_TABLE, UI_MODE_HELP, UI_MODE_PROMPT, UI_MODE_THREADS};
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
        for (int rows = 0; rows <= 12; rows++)
            for (int cols = 0; cols <= 40; cols++) {
                ufx_size(&f, rows, cols);
                f.u.mode = modes[m];
                f.u.depth = 0;
                draw(&f);
                f.u.drill[0] = (struct ui_crumb){f.u.table.rows[0].key, f.u.table.rows[0].name, 0};
                f.u.depth = 1;
                draw(&f);
            }
    ufx_size(&f, 5, 10);
    f.u.mode = UI_MODE_TABLE;
    f.u.depth = 0;
    draw(&f);
    ck_assert_str_eq(row_text(&f, 0), "pid 4242");
    ck_assert_str_eq(row_text(&f, 1), " \u25bc%Own %To");
    ck_assert_str_eq(row_text(&f, 2), "  85.0   8");
    ck_assert_str_eq(row_text(&f, 4), "q quit  ?");
    struct ui_layout l = ui_draw_layout(24);
    ck_assert_int_eq(l.header, 4);
    ck_assert_int_eq(l.body_rows, 18);
    ck_assert_int_eq(l.status, 23);
    l = ui_draw_layout(1);
    ck_assert_int_eq(l.status, 0);
    ck_assert_int_eq(l.body_rows, 0);
    ufx_free(&f);
}
END_TEST

START_TEST(wide_characters_take_two_cells)
{
    struct ufx f;
    ufx_init(&f, 24, 100);
    draw(&f);
    int r = find_row(&f, "  計算 (");
    const struct ui_cell *c = ui_grid_at(&f.u.grid, r, 31);
    ck_assert_int_eq(c[0].ch[0], L'計');
    ck_assert_int_eq(c[1].ch[0], 0);
    ck_assert_int_eq(c[2].ch[0], L'算');
    ck_assert_int_eq(c[4].ch[0], L' ');
    ck_assert_int_eq(c[5].ch[0], L'(');
    /* cut at a width that would split 算: it is not split */
    wchar_t w[64];
    size_t n = ui_text_function("計算", "/srv/app.py", 22, 3, w, 64);
    ck_assert_int_le(ui_text_width(w, n), 3);
    ck_assert_int_eq(w[0], L'計');
    ck_assert_int_eq(w[1], ui_text_ellipsis());
    ufx_free(&f);
}
END_TEST

/* ---- text and grid ------------------------------------------------------------------ */

static const char *fitted(const char *name, const char *file, int line, int width)
{
    static char out[1024];
    wchar_t w[UI_TEXT_MAX];
    size_t n = ui_text_function(name, file, line, width, w, UI_TEXT_MAX);
    ck_assert_int_le(ui_text_width(w, n), width < 0 ? 0 : width);
    w[n] = 0;
    ck_assert(wcstombs(out, w, sizeof out) != (size_t)-1);
    return out;
}

START_TEST(function_text_shortens_paths_from_the_left)
{
    setlocale(LC_ALL, "C.UTF-8");
    const char *file = "/usr/lib/python3.12/site-packages/requests/adapters.py";
    ck_assert_str_eq(fitted("send", file, 40, 200), "send (/usr/lib/python3.12/site-packages/requests/adapters.py:40)");
    ck_assert_str_eq(fitted("send", file, 40, 50), "send (\u2026/site-packages/requests/adapters.py:40)");
    ck_assert_str_eq(fitted("send", file, 40, 32), "send (\u2026/requests/adapters.py:40)");
    ck_assert_str_eq(fitted("send", file, 40, 31), "send (\u2026/adapters.py:40)");
    ck_assert_str_eq(fitted("send", file, 40, 23), "send (\u2026/adapters.py:40)");
    ck_assert_str_eq(fitted("send", file, 40, 21), "send (adapters.py:40)");
    ck_assert_str_eq(fitted("send", file, 40, 20), "send (adapters.py:4\u2026");
    ck_assert_str_eq(fitted("HTTPAdapter.send_request_now", file, 40, 36),
                     "HTTPAdapter.send_r\u2026 (adapters.py:40)");
    ck_assert_str_eq(fitted("HTTPAdapter.send_request_now", file, 40, 20), "HTTPAdapter.send_re\u2026");
    ck_assert_str_eq(fitted("f", "x.py", -1, 20), "f (x.py)");
    ck_assert_str_eq(fitted("f", "x.py", 3, 1), "\u2026");
    ck_assert_str_eq(fitted("f", "x.py", 3, 0), "");
    ck_assert_str_eq(fitted("f", NULL, 3, 5), "f");
}
END_TEST

START_TEST(text_is_made_safe)
{
    setlocale(LC_ALL, "C.UTF-8");
    wchar_t w[32];
    size_t n = ui_text_decode("a\x01\x7f\xc3(\xe2\x82\xac\xed\xa0\x80\xf0\x9f\x98", w, 32);
    const wchar_t want[] = {L'a', L'?', L'?', 0xFFFD, L'(', L'€', 0xFFFD, 0xFFFD};
    ck_assert_uint_eq(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(w[i] == want[i], "char %zu: %x", i, (unsigned)w[i]);
    n = ui_text_decode("e\xcc\x81", w, 32); /* e + combining acute: one column */
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(ui_text_width(w, n), 1);
    n = ui_text_fit("abcdef", 4, w, 32);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(w[3], ui_text_ellipsis());
    n = ui_text_decode("x", w, 1); /* no room: empty */
    ck_assert_uint_eq(n, 0);
    setlocale(LC_ALL, "C");
    n = ui_text_decode("\xc3\xa9t\xc3\xa9", w, 32); /* outside UTF-8: ? for what cannot be shown */
    ck_assert_int_eq(w[0], L'?');
    ck_assert_int_eq(w[1], L't');
    ck_assert_int_eq(ui_text_ellipsis(), L'~');
}
END_TEST

START_TEST(grid_clips_wide_characters)
{
    setlocale(LC_ALL, "C.UTF-8");
    struct ui_grid g = {0};
    ck_assert_int_eq(ui_grid_resize(&g, 2, 5), PT_OK);
    ck_assert_int_eq(ui_grid_puts(&g, 0, 3, "計算", 1), 5);
    char buf[64];
    ui_grid_row_text(&g, 0, buf, sizeof buf);
    ck_assert_str_eq(buf, "   計"); /* 算 would straddle the edge */
    ui_grid_puts(&g, 0, 4, "x", 0); /* over the right half of 計 */
    ui_grid_row_text(&g, 0, buf, sizeof buf);
    ck_assert_str_eq(buf, "    x");
    ui_grid_puts(&g, 1, 0, "計", 0);
    ui_grid_puts(&g, 1, 0, "a", 0); /* over the left half */
    ck_assert_int_eq(ui_grid_at(&g, 1, 1)->ch[0], L' ');
    ck_assert_int_eq(ui_grid_puts(&g, 5, 0, "off the grid", 0), 0);
    ck_assert_int_eq(ui_grid_puts(&g, 1, -3, "abcd", 0), 1);
    ck_assert_int_eq(ui_grid_at(&g, 1, 0)->ch[0], L'd');
    ui_grid_puts(&g, 1, 2, "e\xcc\x81", 0);
    ck_assert_int_eq(ui_grid_at(&g, 1, 2)->ch[1], 0x301);
    ck_assert_ptr_null(ui_grid_at(&g, 2, 0));
    ck_assert_int_eq(ui_grid_resize(&g, 0, 0), PT_OK);
    ui_grid_puts(&g, 0, 0, "x", 0);
    ui_grid_free(&g);
}
END_TEST

/* ---- keys ------------------------------------------------------------------------------ */

START_TEST(key_table_is_consistent)
{
    setlocale(LC_ALL, "C.UTF-8");
    size_t n;
    const struct ui_key *k = ui_keys_table(&n);
    ck_assert_uint_ge(n, 20);
    for (size_t r = 0; r < n; r++) {
        bool plain = false;
        char labels[128];
        ui_keys_labels(&k[r], labels, sizeof labels);
        ck_assert_msg(strlen(k[r].help) <= UI_HELP_COLS, "help of %s is too wide for 80 columns", labels);
        ck_assert_msg(strlen(labels) <= 20, "keys %s are too wide for the help screen", labels);
        ck_assert_ptr_nonnull(k[r].act);
        for (size_t i = 0; i < UI_KEYS_PER_ROW && k[r].keys[i]; i++) {
            plain = plain || k[r].keys[i] < UI_FN;
            ck_assert_msg(ui_keys_find(k[r].keys[i]) == &k[r], "key %s is in two rows", labels);
        }
        ck_assert_msg(plain, "%s: every action needs a key that is a plain character", labels);
    }
    char label[32];
    ui_key_label(UI_K_F(10), label, sizeof label);
    ck_assert_str_eq(label, "F10");
    ui_key_label(UI_CTRL('l'), label, sizeof label);
    ck_assert_str_eq(label, "Ctrl-L");
    ui_key_label(' ', label, sizeof label);
    ck_assert_str_eq(label, "Space");
    ck_assert_ptr_null(ui_keys_find('Z'));
}
END_TEST

/* man text with roff's escaped hyphens ("\-") made plain. */
__attribute__((noinline)) static char *man_text(void)
{
    char path[1024], *text = NULL;
    snprintf(path, sizeof path, "%s/man/pytop.1", harness_root());
    ck_assert_int_eq(pt_read_file(path, &text, NULL), PT_OK);
    char *w = text;
    for (const char *r = text; *r; r++)
        if (!(r[0] == '\\' && r[1] == '-'))
            *w++ = *r;
    *w = '\0';
    return text;
}

START_TEST(every_key_is_in_the_man_page)
{
    setlocale(LC_ALL, "C.UTF-8");
    char *man = man_text();
    const char *keys = strstr(man, ".SS Keys");
    ck_assert_msg(keys != NULL, "man/pytop.1 has no Keys section");
    size_t n;
    const struct ui_key *k = ui_keys_table(&n);
    for (size_t r = 0; r < n; r++) {
        char labels[128], entry[512];
        ui_keys_labels(&k[r], labels, sizeof labels);
        snprintf(entry, sizeof entry, ".TP\n.B \"%s\"\n%s\n", labels, k[r].help);
        ck_assert_msg(strstr(keys, entry), "man/pytop.1 (Keys) lacks, exactly (hyphens as \\-):\n%s", entry);
    }
    free(man);
    printf("ui_render: all %zu rows of the key table are in man/pytop.1\n", n);
}
END_TEST

START_TEST(key_actions_change_the_view)
{
    struct ufx f;
    ufx_init(&f, 24, 100);
    draw(&f);
    struct ui_state *u = &f.u;
    ck_assert(ui_keys_dispatch(u, '2'));
    ck_assert(u->view.sort == PT_SORT_TOTAL && !u->view.reverse);
    ck_assert(ui_keys_dispatch(u, '2'));
    ck_assert(u->view.reverse);
    ck_assert(ui_keys_dispatch(u, '<'));
    ck_assert(u->view.sort == PT_SORT_OWN && !u->view.reverse);
    ck_assert(ui_keys_dispatch(u, '<'));
    ck_assert(u->view.sort == PT_SORT_NAME);
    ck_assert(ui_keys_dispatch(u, '>'));
    ck_assert(u->view.sort == PT_SORT_OWN);
    ck_assert(ui_keys_dispatch(u, 'f'));
    ck_assert(u->frozen);
    ck_assert(ui_keys_dispatch(u, 'p'));
    ck_assert(!u->frozen && u->next_refresh_ns == 0);
    u->exited = u->frozen = true;
    ck_assert(ui_keys_dispatch(u, 'f'));
    ck_assert(u->frozen); /* stays frozen once the process exited */
    double seen[5];
    for (int i = 0; i < 5; i++) {
        seen[i] = u->view.window_s;
        ck_assert(ui_keys_dispatch(u, 'w'));
    }
    ck_assert(seen[0] == PT_WINDOW_LAST && seen[1] == 10 && seen[2] == 60 && seen[3] < 0 && seen[4] == 0);
    ck_assert(ui_keys_dispatch(u, 'L'));
    ck_assert_int_eq(u->view.mode, PT_KEY_LINE);
    draw(&f);
    ck_assert_int_gt(find_row(&f, "  main (/srv/app.py:40)"), 4); /* the line executing, not the first */
    ck_assert(ui_keys_dispatch(u, 'L'));
    ck_assert(ui_keys_dispatch(u, 'i') && u->view.idle);
    ck_assert(ui_keys_dispatch(u, 'g') && u->view.gil_only);
    ck_assert(ui_keys_dispatch(u, 'g') && !u->view.gil_only);
    ck_assert(ui_keys_dispatch(u, 'G'));
    ck_assert_uint_eq(u->sel, u->nlines - 1);
    ck_assert(ui_keys_dispatch(u, 'K'));
    ck_assert_uint_eq(u->sel, 0);
    ck_assert(ui_keys_dispatch(u, ' '));
    ck_assert_uint_eq(u->sel, u->nlines - 1); /* the page is longer than the table */
    ck_assert(ui_keys_dispatch(u, '?') && u->mode == UI_MODE_HELP);
    ui_help_key(u, 'j');
    ui_help_key(u, 'x');
    ck_assert_int_eq(u->mode, UI_MODE_TABLE);
    ck_assert(ui_keys_dispatch(u, 'R'));
    draw(&f);
    ck_assert_uint_eq(u->nlines, 0);
    ck_assert_str_eq(u->status, "statistics reset");
    ck_assert(!ui_keys_dispatch(u, 'Z'));
    ck_assert(ui_keys_dispatch(u, 'q') && u->quit);
    ufx_free(&f);
}
END_TEST

START_TEST(filter_prompt_edits_live)
{
    struct ufx f;
    ufx_init(&f, 24, 100);
    struct ui_state *u = &f.u;
    snprintf(u->filter, sizeof u->filter, "old");
    ck_assert(ui_keys_dispatch(u, '/'));
    ck_assert_int_eq(u->mode, UI_MODE_PROMPT);
    const int typed[] = {'q', 0xFC /* ü */, ' ', 'z', 'z'};
    for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++)
        ui_prompt_key(u, typed[i]);
    ck_assert_str_eq(u->filter, "oldq\xc3\xbc zz");
    ui_prompt_key(u, UI_CTRL('w'));
    ck_assert_str_eq(u->filter, "oldq\xc3\xbc ");
    ui_prompt_key(u, 127);
    ui_prompt_key(u, 127);
    ck_assert_str_eq(u->filter, "oldq");
    ui_prompt_key(u, 1); /* control characters are not taken */
    draw(&f);
    ck_assert_msg(strstr(row_text(&f, 23), "Filter: oldq"), "%s", row_text(&f, 23));
    ui_prompt_key(u, UI_ESC);
    ck_assert_str_eq(u->filter, "old");
    ck_assert_int_eq(u->mode, UI_MODE_TABLE);
    ui_keys_dispatch(u, '/');
    ui_prompt_key(u, UI_CTRL('u'));
    const char *q = "query";
    for (const char *p = q; *p; p++)
        ui_prompt_key(u, *p);
    ui_prompt_key(u, '\r');
    draw(&f);
    ck_assert_str_eq(u->filter, "query");
    ck_assert_uint_eq(u->nlines, 1);
    ck_assert(ui_keys_dispatch(u, '='));
    draw(&f);
    ck_assert_uint_eq(u->nlines, 6);
    ufx_free(&f);
}
END_TEST

START_TEST(help_screen_comes_from_the_table)
{
    struct ufx f;
    ufx_init(&f, 60, 80);
    f.u.mode = UI_MODE_HELP;
    draw(&f);
    size_t n;
    const struct ui_key *k = ui_keys_table(&n);
    for (size_t r = 0; r < n; r++) {
        char labels[128];
        ui_keys_labels(&k[r], labels, sizeof labels);
        int row = find_row(&f, k[r].help);
        ck_assert_msg(row >= 0, "help screen lacks: %s", k[r].help);
        ck_assert_int_eq(find_col(&f, row, labels), 2);
        ck_assert_int_eq(find_col(&f, row, k[r].help), 24);
    }
    ufx_free(&f);
}
END_TEST

START_TEST(thread_picker_without_a_session)
{
    struct ufx f;
    ufx_init(&f, 24, 100);
    ui_keys_dispatch(&f.u, 't');
    ck_assert_int_eq(f.u.mode, UI_MODE_THREADS);
    draw(&f);
    ck_assert_int_ge(find_row(&f, "(every thread)"), 5);
    ck_assert_msg(strstr(row_text(&f, 6), "  1 "), "%s", row_text(&f, 6)); /* tid 1 has the samples */
    ck_assert_msg(strstr(row_text(&f, 6), "100.0"), "%s", row_text(&f, 6));
    ui_threads_key(&f.u, 'j');
    ui_threads_key(&f.u, '\r');
    ck_assert_uint_eq(f.u.view.tid, 1);
    ck_assert_int_eq(f.u.mode, UI_MODE_TABLE);
    ufx_free(&f);
}
END_TEST

/* ---- files -------------------------------------------------------------------------------- */

/* The path the status line names after "written to ". */
static const char *written_path(const struct ui_state *u)
{
    const char *p = strstr(u->status, "written to ");
    ck_assert_msg(p != NULL, "status: %s", u->status);
    return p + strlen("written to ");
}

START_TEST(dump_writes_new_files_only)
{
    struct ufx f;
    ufx_init(&f, 24, 100);
    char dir[] = "/tmp/pytop-ui-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    f.o.dump_dir = dir;
    draw(&f);
    char first[1024], *text = NULL;
    ui_dump_text(&f.u);
    snprintf(first, sizeof first, "%s", written_path(&f.u));
    ck_assert_int_eq(pt_read_file(first, &text, NULL), PT_OK);
    struct pt_sb sb;
    pt_sb_init(&sb);
    ui_dump_render(&f.u, &sb);
    ck_assert_str_eq(text, sb.s);
    free(text);
    pt_sb_free(&sb);
    ui_dump_text(&f.u); /* never the same name */
    ck_assert_str_ne(written_path(&f.u), first);
    /* the series: a symlink at a name is a taken name, never followed */
    char link_at[1200], victim[1200];
    snprintf(link_at, sizeof link_at, "%s/series.txt", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    ck_assert_int_eq(symlink(victim, link_at), 0);
    struct pt_sb path, why;
    pt_sb_init(&path);
    pt_sb_init(&why);
    ck_assert_int_eq(pt_safefile_write_new(dir, "series", ".txt", "x", 1, &path, &why), PT_OK);
    ck_assert(strstr(path.s, "/series-1.txt"));
    ck_assert_int_eq(pt_safefile_write_new(dir, "series", ".txt", "y", 1, &path, &why), PT_OK);
    ck_assert(strstr(path.s, "/series-2.txt"));
    ck_assert_int_ne(access(victim, F_OK), 0);
    ck_assert_int_eq(pt_safefile_create_new(dir, "series", ".txt", &path, &why), PT_OK);
    ck_assert(strstr(path.s, "/series-3.txt"));
    /* an error says exactly what and where */
    f.o.dump_dir = "/nonexistent-pytop-dir";
    ui_dump_text(&f.u);
    ck_assert(f.u.status_error);
    ck_assert_msg(strstr(f.u.status, "/nonexistent-pytop-dir") && strstr(f.u.status, "No such file"), "%s",
                  f.u.status);
    pt_sb_free(&path);
    pt_sb_free(&why);
    harness_remove_dir(dir);
    ufx_free(&f);
}
END_TEST

START_TEST(flame_graph_of_a_drill_view)
{
    struct ufx f;
    ufx_init(&f, 24, 100);
    char dir[] = "/tmp/pytop-ui-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    f.o.dump_dir = dir;
    draw(&f);
    ui_model_move(&f.u, 1);
    ui_keys_dispatch(&f.u, '\n'); /* handle */
    draw(&f);
    ui_keys_dispatch(&f.u, 'F');
    char *svg = NULL;
    ck_assert_msg(strstr(written_path(&f.u), ".svg"), "%s", f.u.status);
    ck_assert_int_eq(pt_read_file(written_path(&f.u), &svg, NULL), PT_OK);
    ck_assert(strncmp(svg, "<?xml", 5) == 0);
    ck_assert_msg(strstr(svg, "95 samples") && strstr(svg, "stacks through handle"), "subtitle");
    ck_assert(strstr(svg, "tiny") == NULL); /* not through handle */
    free(svg);
    harness_remove_dir(dir);
    ufx_free(&f);
}
END_TEST

Suite *suite_ui_render(void)
{
    Suite *s = suite_create("ui_render");
    TCase *screen = tcase_create("screen");
    tcase_add_test(screen, header_titles_at_80x24);
    tcase_add_test(screen, rows_equal_the_dump);
    tcase_add_test(screen, sort_marker_follows_the_column);
    tcase_add_test(screen, heat_selection_and_alerts);
    tcase_add_test(screen, drill_view_and_its_dump);
    tcase_add_test(screen, state_line_and_filter);
    tcase_add_test(screen, any_size_draws);
    tcase_add_test(screen, wide_characters_take_two_cells);
    suite_add_tcase(s, screen);
    TCase *text = tcase_create("text");
    tcase_add_test(text, function_text_shortens_paths_from_the_left);
    tcase_add_test(text, text_is_made_safe);
    tcase_add_test(text, grid_clips_wide_characters);
    suite_add_tcase(s, text);
    TCase *keys = tcase_create("keys");
    tcase_add_test(keys, key_table_is_consistent);
    tcase_add_test(keys, every_key_is_in_the_man_page);
    tcase_add_test(keys, key_actions_change_the_view);
    tcase_add_test(keys, filter_prompt_edits_live);
    tcase_add_test(keys, help_screen_comes_from_the_table);
    tcase_add_test(keys, thread_picker_without_a_session);
    suite_add_tcase(s, keys);
    TCase *files = tcase_create("files");
    tcase_add_test(files, dump_writes_new_files_only);
    tcase_add_test(files, flame_graph_of_a_drill_view);
    suite_add_tcase(s, files);
    return s;
}
