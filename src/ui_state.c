/* ui_state — the viewer's state: set up, status messages, tear down. */
#include "pytop/ui_state.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ui_state_init(struct ui_state *u, struct pt_session *session, struct pt_agg *agg,
                   const struct pt_intern *intern, const struct pt_options *opt)
{
    memset(u, 0, sizeof *u);
    u->session = session;
    u->agg = agg;
    u->intern = intern;
    u->opt = opt;
    pt_session_view(opt, &u->view);
    if (opt->filter)
        snprintf(u->filter, sizeof u->filter, "%s", opt->filter);
    u->view.filter = u->filter[0] ? u->filter : NULL;
    u->sel_key = PT_NOID;
    u->head.cmdline = "?";
    u->head.python = "?";
    u->head.mode = u->mode_text;
}

void ui_state_free(struct ui_state *u)
{
    pt_table_free(&u->table);
    pt_drill_free(&u->drillv);
    free(u->lines);
    free(u->threads);
    ui_grid_free(&u->grid);
    u->lines = NULL;
    u->threads = NULL;
}

void ui_status(struct ui_state *u, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->status, sizeof u->status, fmt, ap);
    va_end(ap);
    u->status_error = error;
}
