/*
 * ui_screen — the terminal, through curses (ncursesw): checks that there
 * is one, starts and ends full-screen mode, copies a grid onto it and
 * reads keys. Nothing else in the viewer calls curses to draw.
 *
 * ui_screen_check: standard input and output are terminals and TERM
 * names a terminal this system can address (no exit, no output, unlike
 * initscr); PT_ENOTTY otherwise. ui_screen_start: wide characters,
 * cbreak (Ctrl-C stays a signal), no echo, keypad codes, a short Esc
 * delay, hidden cursor, colours unless NO_COLOR or the terminal has
 * none; and handlers for fatal signals (SEGV, BUS, FPE, ILL, ABRT) that
 * restore the terminal before the process dies with the same signal.
 * ui_screen_end undoes all of it and is safe to call twice.
 */
#ifndef PYTOP_UI_SCREEN_H
#define PYTOP_UI_SCREEN_H

#include <stdbool.h>

#include "pytop/error.h"
#include "pytop/ui_grid.h"
#include "pytop/util.h"

enum pt_err ui_screen_check(struct pt_sb *why);
/* *screen receives the curses SCREEN (opaque), *colour whether colours are on. */
enum pt_err ui_screen_start(void **screen, bool *colour, struct pt_sb *why);
void ui_screen_end(void **screen);
/* The terminal's size now. */
void ui_screen_size(int *rows, int *cols);
/* Show g; repaint redraws every cell (after Ctrl-L or damage). */
void ui_screen_show(const struct ui_grid *g, bool colour, bool repaint);
/* The next key within timeout_ms: a character, UI_FN | KEY_xxx, or UI_KEY_NONE. */
int ui_screen_key(int timeout_ms);

#endif
