/* ui_threads — the thread picker: list, names, choice. */
#include "pytop/ui_threads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pytop/py_stack.h"
#include "pytop/py_threadnames.h"
#include "pytop/ui_colors.h"
#include "pytop/ui_keys.h"

/* ---- the list -------------------------------------------------------------------- */

static struct ui_thread *find(struct ui_state *u, uint32_t tid)
{
    for (size_t i = 0; i < u->nthreads; i++)
        if (u->threads[i].tid == tid)
            return &u->threads[i];
    return NULL;
}

/* The kernel's name for a thread: /proc/TID/comm works for any thread id. */
static void comm_name(uint32_t tid, char *buf, size_t cap)
{
    char path[64], *text = NULL;
    snprintf(path, sizeof path, "/proc/%u/comm", (unsigned)tid);
    buf[0] = '\0';
    if (pt_read_file(path, &text, NULL) == PT_OK) {
        text[strcspn(text, "\n")] = '\0';
        snprintf(buf, cap, "%s", text);
    }
    free(text);
}

static struct ui_thread *find_or_add(struct ui_state *u, uint32_t tid)
{
    struct ui_thread *t = find(u, tid);
    if (t)
        return t;
    if (u->nthreads == u->threads_cap) {
        size_t cap = u->threads_cap ? u->threads_cap * 2 : 16;
        struct ui_thread *v = realloc(u->threads, cap * sizeof *v);
        if (!v)
            return NULL;
        u->threads = v;
        u->threads_cap = cap;
    }
    t = &u->threads[u->nthreads++];
    *t = (struct ui_thread){.tid = tid};
    comm_name(tid, t->name, sizeof t->name);
    return t;
}

/* Every thread of the target now, with the threading module's names
 * (idle threads too, which are not sampled unless i is on). */
static void read_names(struct ui_state *u)
{
    if (!u->session || u->exited)
        return;
    struct pt_walker w;
    struct pt_stacks st = {0};
    pt_walker_init(&w, &u->session->target);
    if (pt_stacks_read(&w, &st) == PT_OK) {
        struct pt_threadnames tn;
        pt_threadnames_init(&tn);
        pt_threadnames_fill(&tn, &u->session->target, &st);
        pt_threadnames_free(&tn);
        for (size_t i = 0; i < st.n; i++) {
            struct ui_thread *t = st.threads[i].tid > 0 ? find_or_add(u, (uint32_t)st.threads[i].tid) : NULL;
            if (t && st.threads[i].name[0])
                snprintf(t->name, sizeof t->name, "%s", st.threads[i].name);
            if (t && st.threads[i].running_known)
                t->idle = !st.threads[i].running;
        }
    }
    pt_stacks_free(&st);
    pt_walker_free(&w);
}

static int by_tid(const void *a, const void *b)
{
    const struct ui_thread *x = a, *y = b;
    return (x->tid > y->tid) - (x->tid < y->tid);
}

void ui_threads_refresh(struct ui_state *u)
{
    struct pt_thread_share *shares = NULL;
    size_t n = 0;
    if (pt_agg_threads(u->agg, &u->view, &shares, &n) != PT_OK)
        n = 0;
    for (size_t i = 0; i < u->nthreads; i++)
        u->threads[i].samples = 0;
    for (size_t i = 0; i < n; i++) {
        struct ui_thread *t = find_or_add(u, shares[i].tid);
        if (t) {
            t->samples = shares[i].samples;
            t->idle = shares[i].idle;
        }
    }
    free(shares);
    for (size_t i = 0; i < u->nthreads; i++) {
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/%u", (unsigned)u->threads[i].tid);
        u->threads[i].gone = access(proc, F_OK) != 0;
    }
    uint32_t chosen = u->thread_sel > 0 && u->thread_sel <= u->nthreads ? u->threads[u->thread_sel - 1].tid : 0;
    qsort(u->threads, u->nthreads, sizeof *u->threads, by_tid);
    struct ui_thread *t = chosen ? find(u, chosen) : NULL;
    u->thread_sel = t ? (size_t)(t - u->threads) + 1 : u->thread_sel > u->nthreads ? u->nthreads : u->thread_sel;
}

const char *ui_threads_name(const struct ui_state *u, uint32_t tid)
{
    for (size_t i = 0; i < u->nthreads; i++)
        if (u->threads[i].tid == tid)
            return u->threads[i].name;
    return "";
}

void ui_threads_open(struct ui_state *u)
{
    read_names(u);
    u->thread_sel = 0;
    ui_threads_refresh(u);
    struct ui_thread *t = u->view.tid ? find(u, u->view.tid) : NULL;
    u->thread_sel = t ? (size_t)(t - u->threads) + 1 : 0;
    u->thread_top = 0;
    u->mode = UI_MODE_THREADS;
}

/* ---- keys --------------------------------------------------------------------------- */

static void choose(struct ui_state *u)
{
    const struct ui_thread *t = u->thread_sel ? &u->threads[u->thread_sel - 1] : NULL;
    u->view.tid = t ? t->tid : 0;
    u->mode = UI_MODE_TABLE;
    if (t)
        ui_status(u, false, "thread %u%s%s%s only", (unsigned)t->tid, t->name[0] ? " (" : "", t->name,
                  t->name[0] ? ")" : "");
    else
        ui_status(u, false, "all threads");
}

static void move(struct ui_state *u, long delta)
{
    long last = (long)u->nthreads, to = (long)u->thread_sel + delta;
    u->thread_sel = (size_t)(to < 0 ? 0 : to > last ? last : to);
}

void ui_threads_key(struct ui_state *u, int key)
{
    long page = u->page > 1 ? u->page - 1 : 1;
    if (ui_key_is_enter(key) || key == UI_K_RIGHT)
        choose(u);
    else if (ui_key_is_back(key) || key == 'q' || key == 't')
        u->mode = UI_MODE_TABLE;
    else if (key == 'k' || key == UI_K_UP)
        move(u, -1);
    else if (key == 'j' || key == UI_K_DOWN)
        move(u, 1);
    else if (key == 'b' || key == UI_CTRL('b') || key == UI_K_PGUP)
        move(u, -page);
    else if (key == ' ' || key == UI_CTRL('f') || key == UI_K_PGDN)
        move(u, page);
    else if (key == 'K' || key == UI_K_HOME)
        u->thread_sel = 0;
    else if (key == 'G' || key == UI_K_END)
        u->thread_sel = u->nthreads;
}

/* ---- drawing -------------------------------------------------------------------------- */

static void draw_line(struct ui_state *u, int row, size_t i, uint64_t all)
{
    char text[256];
    if (i == 0)
        snprintf(text, sizeof text, "  %-9s %-24s %-8s %6.1f", "all", "(every thread)", "", all ? 100.0 : 0.0);
    else {
        const struct ui_thread *t = &u->threads[i - 1];
        const char *state = t->gone ? "exited" : t->idle ? "idle" : "active";
        double share = all ? 100.0 * (double)t->samples / (double)all : 0.0;
        snprintf(text, sizeof text, "  %-9u %-24.60s %-8s %6.1f", (unsigned)t->tid, t->name, state, share);
    }
    bool sel = i == u->thread_sel;
    ui_grid_puts(&u->grid, row, 0, text, sel ? UI_ROLE_SELECT : UI_ROLE_NORMAL);
    if (sel)
        ui_grid_paint(&u->grid, row, 0, u->grid.cols, UI_ROLE_SELECT);
}

void ui_threads_draw(struct ui_state *u, int top, int rows)
{
    if (rows <= 0)
        return;
    uint64_t all = 0;
    for (size_t i = 0; i < u->nthreads; i++)
        all += u->threads[i].samples;
    ui_grid_paint(&u->grid, top, 0, u->grid.cols, UI_ROLE_TITLE);
    ui_grid_puts(&u->grid, top, 0, "  TID       Name                     State     Share  (Enter: choose, Esc: cancel)",
                 UI_ROLE_TITLE);
    int body = rows - 1;
    if (body <= 0)
        return;
    size_t n = u->nthreads + 1;
    if (u->thread_sel < u->thread_top)
        u->thread_top = u->thread_sel;
    if (u->thread_sel >= u->thread_top + (size_t)body)
        u->thread_top = u->thread_sel - (size_t)body + 1;
    for (int r = 0; r < body && u->thread_top + (size_t)r < n; r++)
        draw_line(u, top + 1 + r, u->thread_top + (size_t)r, all);
}
