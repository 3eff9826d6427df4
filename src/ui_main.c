/* ui_main — the viewer's entry point and event loop. */
#include "pytop/ui_main.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "pytop/outputs.h"
#include "pytop/session.h"
#include "pytop/ui_draw.h"
#include "pytop/ui_dump.h"
#include "pytop/ui_help.h"
#include "pytop/ui_keys.h"
#include "pytop/ui_model.h"
#include "pytop/ui_prompt.h"
#include "pytop/ui_screen.h"
#include "pytop/ui_state.h"
#include "pytop/ui_threads.h"
#include "pytop/util.h"

/* ---- one turn of the loop ------------------------------------------------------------ */

static void on_key(struct ui_state *u, int key)
{
    if (ui_key_is_resize(key)) {
        u->repaint = true;
        return;
    }
    if (u->mode != UI_MODE_PROMPT)
        u->status[0] = '\0'; /* a message lasts until the next key */
    switch (u->mode) {
    case UI_MODE_TABLE:
        if (!ui_keys_dispatch(u, key))
            ui_status(u, false, "no action on that key; ? lists the keys");
        break;
    case UI_MODE_HELP:
        ui_help_key(u, key);
        break;
    case UI_MODE_PROMPT:
        ui_prompt_key(u, key);
        break;
    case UI_MODE_THREADS:
        ui_threads_key(u, key);
        break;
    }
}

/* Close a bucket (unless frozen) and take the header's facts. */
static enum pt_err next_refresh(struct ui_state *u)
{
    enum pt_err err = PT_OK;
    if (!u->frozen) {
        err = pt_agg_close_bucket(u->agg, pt_now_ns());
        ui_model_snapshot(u);
        u->refreshed = true;
    }
    uint64_t delay = (uint64_t)(u->opt->delay * 1e9);
    u->next_refresh_ns = pt_now_ns() + delay;
    return err;
}

/* The target has gone: frozen for good, on the last full refresh (the
 * tail since then would make a window "last" of a few samples; it still
 * reaches --collapsed/--flamegraph). A run that ends before its first
 * refresh shows its tail: there is nothing else. */
static enum pt_err notice_exit(struct ui_state *u)
{
    if (u->exited || !u->session->exited)
        return PT_OK;
    enum pt_err err = PT_OK;
    if (!u->refreshed && !u->frozen)
        err = pt_agg_close_bucket(u->agg, pt_now_ns());
    ui_model_snapshot(u);
    u->exited = u->frozen = true;
    ui_status(u, false, "process %d exited: the view is frozen; d dumps it, q quits", u->head.pid);
    return err;
}

static enum pt_err redraw(struct ui_state *u)
{
    int rows, cols;
    ui_screen_size(&rows, &cols);
    if ((rows != u->grid.rows || cols != u->grid.cols) && ui_grid_resize(&u->grid, rows, cols) != PT_OK)
        return PT_ENOMEM;
    enum pt_err err = ui_model_build(u);
    if (err != PT_OK)
        return err;
    if (u->mode == UI_MODE_THREADS)
        ui_threads_refresh(u);
    ui_draw(u);
    ui_screen_show(&u->grid, u->colour, u->repaint);
    u->repaint = false;
    return PT_OK;
}

/* A key ends the wait at once; otherwise wake for the next refresh or the
 * next drain of the ring, whichever comes first (every wake-up costs CPU). */
static int input_wait_ms(const struct ui_state *u)
{
    uint64_t now = pt_now_ns(), wait = pt_session_drain_interval_ns(u->session);
    if (u->next_refresh_ns > now && u->next_refresh_ns - now < wait)
        wait = u->next_refresh_ns - now;
    else if (u->next_refresh_ns <= now)
        wait = 0;
    int ms = (int)((wait + 999999) / 1000000);
    return ms < UI_INPUT_MS_MIN ? UI_INPUT_MS_MIN : ms;
}

static enum pt_err loop(struct ui_state *u, volatile sig_atomic_t *stop)
{
    uint64_t end = u->opt->duration > 0 ? pt_now_ns() + (uint64_t)(u->opt->duration * 1e9) : UINT64_MAX;
    enum pt_err err = redraw(u);
    while (err == PT_OK && !u->quit && !*stop && pt_now_ns() < end) {
        int key = ui_screen_key(input_wait_ms(u));
        if (key != UI_KEY_NONE)
            on_key(u, key);
        pt_session_drain(u->session);
        err = notice_exit(u);
        bool due = pt_now_ns() >= u->next_refresh_ns;
        if (err == PT_OK && due)
            err = next_refresh(u);
        if (err == PT_OK && (due || key != UI_KEY_NONE))
            err = redraw(u);
    }
    return err;
}

/* ---- set-up and tear-down -------------------------------------------------------------- */

/* A launched command must not write over the screen: its output goes to a file. */
static enum pt_err child_log(const struct pt_options *o, struct pt_options *mine, char *path, size_t cap,
                             struct pt_sb *why)
{
    *mine = *o;
    path[0] = '\0';
    if (!o->command)
        return PT_OK;
    struct pt_sb p;
    pt_sb_init(&p);
    enum pt_err err = ui_dump_child_log(o->dump_dir, &p, why);
    if (err == PT_OK)
        snprintf(path, cap, "%s", p.s);
    pt_sb_free(&p);
    mine->child_output = path;
    return err;
}

static void start_state(struct ui_state *u, struct pt_session *s, const struct pt_options *o, bool colour,
                        void *screen)
{
    ui_state_init(u, s, s->agg, s->intern, o);
    u->colour = colour;
    u->screen = screen;
    if (o->window > 0)
        pt_agg_set_retention(s->agg, o->window > PT_RETENTION_DEFAULT_S ? o->window : PT_RETENTION_DEFAULT_S);
    /* the other key mode is prepared when l asks for it (ui_keys.c) */
    pt_agg_set_modes(s->agg, 1u << u->view.mode);
    ui_model_snapshot(u);
    u->next_refresh_ns = pt_now_ns() + (uint64_t)(o->delay * 1e9);
}

/* The tail since the last refresh goes into --collapsed/--flamegraph too. */
static enum pt_err finish(struct pt_session *s, const struct pt_options *o, const struct pt_view *v,
                          struct pt_sb *why)
{
    if (!o->collapsed && !o->flamegraph)
        return PT_OK;
    pt_session_drain(s);
    enum pt_err err = pt_agg_close_bucket(s->agg, pt_now_ns());
    return err == PT_OK ? pt_outputs_write(s->agg, v, o, why) : err;
}

static enum pt_err view(struct pt_session *s, const struct pt_options *o, const char *log,
                        volatile sig_atomic_t *stop, struct pt_sb *why)
{
    void *screen = NULL;
    bool colour = false;
    enum pt_err err = ui_screen_start(&screen, &colour, why);
    if (err != PT_OK)
        return err;
    struct ui_state u;
    start_state(&u, s, o, colour, screen);
    snprintf(u.child_log, sizeof u.child_log, "%s", log);
    if (log[0])
        ui_status(&u, false, "the command's output goes to %s", log);
    err = loop(&u, stop);
    ui_screen_end(&u.screen);
    struct pt_view v; /* the files cover the run as the command line asked, like -b's */
    pt_session_view(o, &v);
    if (err == PT_OK)
        err = finish(s, o, &v, why);
    ui_state_free(&u);
    return err;
}

enum pt_err pt_ui_run(const struct pt_options *o, volatile sig_atomic_t *stop, struct pt_sb *why)
{
    setlocale(LC_ALL, "");
    enum pt_err err = ui_screen_check(why);
    struct pt_options mine;
    char log[1024];
    if (err == PT_OK)
        err = child_log(o, &mine, log, sizeof log, why);
    if (err != PT_OK)
        return err;
    struct pt_session s;
    err = pt_session_open(&s, &mine, why);
    if (err != PT_OK)
        return err;
    err = view(&s, &mine, log, stop, why);
    pt_session_close(&s);
    return err;
}
