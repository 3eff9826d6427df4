/*
 * ui_threads — the thread picker (the t key): "all threads", then every
 * thread seen, by tid: its name (the threading module's, read from the
 * target once when the picker opens; else the kernel's comm), its state
 * (active, idle, or exited), and its share of the view's window. Enter
 * chooses (the view then counts only that thread's samples), Esc, Left,
 * q or t cancel; the movement keys move. Shares follow each refresh.
 */
#ifndef PYTOP_UI_THREADS_H
#define PYTOP_UI_THREADS_H

#include <stdint.h>

#include "pytop/ui_state.h"

void ui_threads_open(struct ui_state *u);
/* Shares and states again from the aggregate (names are kept). */
void ui_threads_refresh(struct ui_state *u);
void ui_threads_key(struct ui_state *u, int key);
/* Draw the picker over rows [top, top + rows) of the grid. */
void ui_threads_draw(struct ui_state *u, int top, int rows);
/* The name last read for tid, or "". */
const char *ui_threads_name(const struct ui_state *u, uint32_t tid);

#endif
