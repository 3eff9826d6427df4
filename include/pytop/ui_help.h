/*
 * ui_help — the help screen (?, h, F1), drawn from the key table
 * (ui_keys) plus what the prompt and the thread picker take. j/k, the
 * arrows and PgUp/PgDn scroll it; any other key closes it.
 */
#ifndef PYTOP_UI_HELP_H
#define PYTOP_UI_HELP_H

#include "pytop/ui_state.h"

void ui_help_key(struct ui_state *u, int key);
/* Draw the help over rows [top, top + rows) of the grid. */
void ui_help_draw(struct ui_state *u, int top, int rows);

#endif
