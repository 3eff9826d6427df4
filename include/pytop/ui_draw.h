/*
 * ui_draw — composes one whole frame into the state's grid (sized by the
 * caller): the header, up to four lines (the process and its Python; the
 * sampling: mode, rate achieved of asked, samples, late/dropped/errors in
 * the alert colour when not zero; the view: threads, GIL, window, sort;
 * the state: FROZEN, process exited, keys, thread, filter, idle, GIL only,
 * drill path); the column titles with the sort column marked (▼ largest
 * first, ▲ reversed); the table area; and the status line (a message, the
 * filter prompt, or key hints). Help and the thread picker take the
 * table area.
 *
 * Table lines are the dump's lines: the same prefixes from report.c
 * (pt_report_row_prefix, pt_report_link_prefix), then the function's
 * text, shortened only when it does not fit (ui_text_function). Rows are
 * coloured by heat (ui_colors_heat of their share of the window); the
 * selection bar covers the selected line.
 *
 * Any size works, 0 x 0 included. Short screens drop header lines in the
 * order view, sampling, state, process (the process line goes last).
 */
#ifndef PYTOP_UI_DRAW_H
#define PYTOP_UI_DRAW_H

#include "pytop/ui_state.h"

struct ui_layout {
    int header;    /* header lines shown, from row 0 */
    int title;     /* row of the titles line; -1: none */
    int body_top;  /* first row of the table area */
    int body_rows; /* rows of the table area (0 or more) */
    int status;    /* row of the status line; -1: none */
};

struct ui_layout ui_draw_layout(int rows);
void ui_draw(struct ui_state *u);

#endif
