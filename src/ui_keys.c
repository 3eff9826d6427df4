/* ui_keys — the key table and the actions it names. */
#include "pytop/ui_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pytop/ui_dump.h"
#include "pytop/ui_model.h"
#include "pytop/ui_prompt.h"
#include "pytop/ui_threads.h"

/* The windows w cycles through, in order. */
static const double windows[] = {PT_WINDOW_LAST, 10.0, 60.0, PT_WINDOW_ALL};
#define NWINDOWS (sizeof windows / sizeof windows[0])

/* ---- moving ------------------------------------------------------------------ */

static long page(const struct ui_state *u) { return u->page > 1 ? u->page - 1 : 1; }

static void a_up(struct ui_state *u, int k) { (void)k, ui_model_move(u, -1); }
static void a_down(struct ui_state *u, int k) { (void)k, ui_model_move(u, 1); }
static void a_page_up(struct ui_state *u, int k) { (void)k, ui_model_move(u, -page(u)); }
static void a_page_down(struct ui_state *u, int k) { (void)k, ui_model_move(u, page(u)); }
static void a_top(struct ui_state *u, int k) { (void)k, ui_model_select_end(u, false); }
static void a_bottom(struct ui_state *u, int k) { (void)k, ui_model_select_end(u, true); }

/* ---- the view ----------------------------------------------------------------- */

static void set_sort(struct ui_state *u, enum pt_sortcol col, bool reverse)
{
    u->view.sort = col;
    u->view.reverse = reverse;
    ui_status(u, false, "sorted by %s%s", pt_sortcol_title(col), reverse ? ", reversed" : "");
}

static void a_sort(struct ui_state *u, int k)
{
    enum pt_sortcol col = (enum pt_sortcol)(k - '1');
    set_sort(u, col, u->view.sort == col ? !u->view.reverse : false);
}

static void a_sort_prev(struct ui_state *u, int k)
{
    (void)k;
    set_sort(u, (enum pt_sortcol)((u->view.sort + PT_SORT_COUNT - 1) % PT_SORT_COUNT), false);
}

static void a_sort_next(struct ui_state *u, int k)
{
    (void)k;
    set_sort(u, (enum pt_sortcol)((u->view.sort + 1) % PT_SORT_COUNT), false);
}

static void a_freeze(struct ui_state *u, int k)
{
    (void)k;
    if (u->exited) {
        ui_status(u, false, "the process exited: the view stays frozen (d dumps it, q quits)");
        return;
    }
    u->frozen = !u->frozen;
    if (u->frozen) {
        ui_status(u, false, "FROZEN: sampling goes on; f or p shows everything sampled meanwhile");
        return;
    }
    u->next_refresh_ns = 0; /* close the bucket now: everything sampled while frozen shows */
    ui_status(u, false, "unfrozen: showing everything sampled meanwhile");
}

static void a_filter(struct ui_state *u, int k) { (void)k, ui_prompt_open(u); }

static void a_clear_filter(struct ui_state *u, int k)
{
    (void)k;
    u->filter[0] = '\0';
    ui_status(u, false, "filter cleared");
}

static void a_drill(struct ui_state *u, int k)
{
    (void)k;
    struct ui_crumb c;
    if (u->depth == UI_DRILL_MAX) {
        ui_status(u, true, "drilled %d levels deep: go back (Esc) first", UI_DRILL_MAX);
        return;
    }
    if (!ui_model_crumb(u, u->sel, &c)) {
        ui_status(u, false, u->depth ? "select a caller or callee to drill into it" : "no function selected");
        return;
    }
    u->drill[u->depth++] = c;
    u->sel = 0;
    u->top = 0;
    u->sel_key = c.key;
}

static void a_back(struct ui_state *u, int k)
{
    (void)k;
    if (u->depth == 0) {
        u->status[0] = '\0';
        return;
    }
    u->sel_key = u->drill[--u->depth].key; /* come back onto the function we left */
    u->top = 0;
}

static void a_threads(struct ui_state *u, int k) { (void)k, ui_threads_open(u); }

static void a_lines(struct ui_state *u, int k)
{
    (void)k;
    enum pt_keymode other = u->view.mode == PT_KEY_LINE ? PT_KEY_FUNCTION : PT_KEY_LINE;
    if (pt_agg_set_modes(u->agg, 1u << other) != PT_OK) { /* its keys are made on first use */
        ui_status(u, true, "out of memory: staying with one row per %s",
                  u->view.mode == PT_KEY_LINE ? "line" : "function");
        return;
    }
    u->view.mode = other;
    bool drilled = u->depth > 0;
    u->depth = 0; /* keys differ between modes: a drill path cannot carry over */
    u->sel_key = PT_NOID;
    ui_status(u, false, "one row per %s%s", u->view.mode == PT_KEY_LINE ? "line" : "function",
              drilled ? " (drill view closed)" : "");
}

static void a_idle(struct ui_state *u, int k)
{
    (void)k;
    u->view.idle = !u->view.idle;
    /* turned on, the sampler keeps idle samples from now on; it goes on
     * keeping them after, so turning the view back on is instant */
    if (u->view.idle && u->session && u->session->sampler)
        pt_sampler_set_idle(u->session->sampler, true);
    ui_status(u, false, u->view.idle ? "idle threads included (sampled from now on)" : "idle threads hidden");
}

static void a_gil(struct ui_state *u, int k)
{
    (void)k;
    u->view.gil_only = !u->view.gil_only;
    /* every sample records the GIL, so the view filters; only a sampler
     * started with -g must start keeping the others */
    if (!u->view.gil_only && u->session && u->session->sampler)
        pt_sampler_set_gil_only(u->session->sampler, false);
    ui_status(u, false, u->view.gil_only ? "only samples of the GIL holder" : "all samples, GIL or not");
}

static size_t window_index(double w)
{
    if (w < 0)
        return NWINDOWS - 1;
    for (size_t i = 0; i < NWINDOWS - 1; i++)
        if (w <= windows[i])
            return i;
    return NWINDOWS - 2; /* longer than 60 s: treat as the last timed one */
}

static void a_window(struct ui_state *u, int k)
{
    (void)k;
    size_t i = window_index(u->view.window_s);
    if (windows[i] == u->view.window_s)
        i++;
    u->view.window_s = windows[i % NWINDOWS];
    double w = u->view.window_s;
    if (w < 0)
        ui_status(u, false, "window: since the start (or R)");
    else if (w == 0)
        ui_status(u, false, "window: the last refresh");
    else
        ui_status(u, false, "window: the last %g s", w);
}

static void a_reset(struct ui_state *u, int k)
{
    (void)k;
    pt_agg_reset(u->agg);
    if (u->session && u->session->sampler)
        pt_sampler_reset_stats(u->session->sampler);
    if (u->session)
        u->dropped_base = atomic_load(&u->session->ring.dropped);
    ui_model_snapshot(u);
    ui_status(u, false, "statistics reset");
}

static void a_dump(struct ui_state *u, int k) { (void)k, ui_dump_text(u); }
static void a_flame(struct ui_state *u, int k) { (void)k, ui_dump_flame(u); }
static void a_quit(struct ui_state *u, int k) { (void)k, u->quit = true; }

static void a_help(struct ui_state *u, int k)
{
    (void)k;
    u->mode = UI_MODE_HELP;
    u->help_top = 0;
}

static void a_repaint(struct ui_state *u, int k) { (void)k, u->repaint = true; }

/* ---- the table ------------------------------------------------------------------ */

#define ENTER_KEYS '\n', '\r', UI_K_ENTER
#define BACK_KEYS UI_ESC, UI_K_LEFT, UI_K_BACKSPACE, 127, 8

static const struct ui_key table[] = {
    {{'q', UI_K_F(10)}, "quit", "quit (the terminal is restored, the target released)", a_quit},
    {{'?', 'h', UI_K_F(1)}, "help", "show the keys", a_help},
    {{'k', UI_K_UP}, "up", "move the selection up", a_up},
    {{'j', UI_K_DOWN}, "down", "move the selection down", a_down},
    {{'b', UI_CTRL('b'), UI_K_PGUP}, "page up", "move the selection up a page", a_page_up},
    {{' ', UI_CTRL('f'), UI_K_PGDN}, "page down", "move the selection down a page", a_page_down},
    {{'K', UI_K_HOME}, "top", "select the first line (g is the GIL key)", a_top},
    {{'G', UI_K_END}, "bottom", "select the last line", a_bottom},
    {{'1', '2', '3', '4', '5'}, "sort", "sort by column 1-5 (%Own ... Function); again: reverse", a_sort},
    {{'<'}, "sort left", "sort by the previous column", a_sort_prev},
    {{'>'}, "sort right", "sort by the next column", a_sort_next},
    {{'f', 'p'}, "freeze", "freeze / unfreeze the view (sampling goes on meanwhile)", a_freeze},
    {{'/'}, "filter", "filter as you type (Enter keeps, Esc undoes)", a_filter},
    {{'='}, "clear filter", "clear the filter", a_clear_filter},
    {{ENTER_KEYS, UI_K_RIGHT}, "drill", "drill into the selected function: callers, callees", a_drill},
    {{BACK_KEYS}, "back", "back one drill level", a_back},
    {{'t'}, "thread", "choose a thread (name, tid, state, share) or all", a_threads},
    {{'L'}, "lines", "toggle one row per function / per line", a_lines},
    {{'i'}, "idle", "toggle idle threads", a_idle},
    {{'g'}, "GIL only", "toggle only samples of the thread holding the GIL", a_gil},
    {{'w'}, "window", "cycle the window: last refresh, 10 s, 60 s, since start", a_window},
    {{'R'}, "reset", "reset the statistics", a_reset},
    {{'d'}, "dump", "dump the view to pytop-PID-YYYYMMDD-HHMMSS.txt", a_dump},
    {{'F'}, "flame graph", "write an SVG flame graph of the view (.svg, named as d)", a_flame},
    {{UI_CTRL('l')}, "repaint", "repaint the screen", a_repaint},
};
#define NKEYS (sizeof table / sizeof table[0])

const struct ui_key *ui_keys_table(size_t *n)
{
    *n = NKEYS;
    return table;
}

/* ---- names of keys --------------------------------------------------------------- */

static const struct {
    int key;
    const char *label;
} named[] = {
    {'\n', "Enter"},           {'\r', "Enter"},         {UI_K_ENTER, "Enter"}, {UI_ESC, "Esc"},
    {127, "Backspace"},        {8, "Backspace"},        {UI_K_BACKSPACE, "Backspace"},
    {' ', "Space"},            {UI_K_UP, "Up"},      {UI_K_DOWN, "Down"},   {UI_K_LEFT, "Left"},
    {UI_K_RIGHT, "Right"},  {UI_K_PGUP, "PgUp"}, {UI_K_PGDN, "PgDn"},  {UI_K_HOME, "Home"},
    {UI_K_END, "End"},      {UI_K_RESIZE, "Resize"},
};

void ui_key_label(int key, char *buf, size_t cap)
{
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (named[i].key == key) {
            snprintf(buf, cap, "%s", named[i].label);
            return;
        }
    if (key > UI_K_F0 && key < UI_K_OTHER)
        snprintf(buf, cap, "F%d", key - UI_K_F0);
    else if (key & UI_FN)
        snprintf(buf, cap, "key %d", key & ~UI_FN);
    else if (key >= 1 && key < 32)
        snprintf(buf, cap, "Ctrl-%c", key + '@');
    else {
        wchar_t w[2] = {(wchar_t)key, 0};
        if (wcstombs(buf, w, cap) == (size_t)-1)
            snprintf(buf, cap, "U+%04X", (unsigned)key);
    }
}

void ui_keys_labels(const struct ui_key *row, char *buf, size_t cap)
{
    size_t n = 0;
    char seen[UI_KEYS_PER_ROW][16];
    size_t nseen = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < UI_KEYS_PER_ROW && row->keys[i]; i++) {
        char label[16];
        ui_key_label(row->keys[i], label, sizeof label);
        bool dup = false;
        for (size_t j = 0; j < nseen; j++)
            dup = dup || strcmp(seen[j], label) == 0;
        if (dup) /* Enter is three codes, Backspace three: printed once */
            continue;
        memcpy(seen[nseen++], label, sizeof label);
        int w = snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", label);
        n = w < 0 || (size_t)w >= cap - n ? cap - 1 : n + (size_t)w;
    }
}

const struct ui_key *ui_keys_find(int key)
{
    for (size_t r = 0; r < NKEYS; r++)
        for (size_t i = 0; i < UI_KEYS_PER_ROW && table[r].keys[i]; i++)
            if (table[r].keys[i] == key)
                return &table[r];
    return NULL;
}

bool ui_keys_dispatch(struct ui_state *u, int key)
{
    const struct ui_key *row = ui_keys_find(key);
    if (!row)
        return false;
    row->act(u, key);
    return true;
}

bool ui_key_is_enter(int key) { return key == '\n' || key == '\r' || key == UI_K_ENTER; }

bool ui_key_is_back(int key)
{
    return key == UI_ESC || key == UI_K_LEFT || key == UI_K_BACKSPACE || key == 127 || key == 8;
}

bool ui_key_is_resize(int key) { return key == UI_K_RESIZE; }

bool ui_key_is_backspace(int key) { return key == 127 || key == 8 || key == UI_K_BACKSPACE; }
