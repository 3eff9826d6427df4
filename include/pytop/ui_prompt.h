/*
 * ui_prompt — the filter prompt in the status line (the / key). The text
 * is applied as it is typed (the event loop rebuilds the view after every
 * key); Enter keeps it (empty: no filter), Esc puts back the filter that
 * was in force before /. Backspace deletes a character, Ctrl-U the whole
 * text, Ctrl-W the last word. The text is UTF-8; control characters are
 * not taken, and text that would not fit (UI_FILTER_MAX) is refused.
 */
#ifndef PYTOP_UI_PROMPT_H
#define PYTOP_UI_PROMPT_H

#include "pytop/ui_state.h"

void ui_prompt_open(struct ui_state *u);
void ui_prompt_key(struct ui_state *u, int key);
/* Draw "Filter: text" and a cursor on row of the grid. */
void ui_prompt_draw(struct ui_state *u, int row);

#endif
