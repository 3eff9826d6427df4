/*
 * ui_grid — an off-screen screen: rows x cols cells, each one printable
 * character (plus up to two combining marks) and a colour role
 * (ui_colors.h). The viewer composes every frame into a grid; ui_screen
 * copies it to the terminal, and tests read it back as text, so all of
 * the drawing code runs without a terminal.
 *
 * Writing is clipped at the edges, never an error: text past the right
 * edge is dropped, a wide character that would straddle the edge becomes
 * a space, and overwriting half of a wide character blanks its other
 * half. A cell whose ch[0] is 0 is the right half of the wide character
 * to its left. Any size works, 0 x 0 included.
 */
#ifndef PYTOP_UI_GRID_H
#define PYTOP_UI_GRID_H

#include <stddef.h>
#include <wchar.h>

#include "pytop/error.h"

#define UI_CELL_CHARS 3 /* one spacing character and up to two combining marks */

struct ui_cell {
    wchar_t ch[UI_CELL_CHARS]; /* NUL-padded; ch[0] == 0: right half of a wide character */
    unsigned char role;        /* enum ui_role */
};

struct ui_grid {
    int rows, cols;
    struct ui_cell *cells; /* rows * cols, row-major */
};

/* Resize (contents become blank); negative sizes count as 0. */
enum pt_err ui_grid_resize(struct ui_grid *g, int rows, int cols);
void ui_grid_free(struct ui_grid *g);
/* Every cell a blank of role 0. */
void ui_grid_clear(struct ui_grid *g);
/* Write n characters (from ui_text) at row, col; returns the column after them. */
int ui_grid_put(struct ui_grid *g, int row, int col, const wchar_t *s, size_t n, int role);
/* Decode UTF-8 and write it, clipped at the right edge (no ellipsis). */
int ui_grid_puts(struct ui_grid *g, int row, int col, const char *utf8, int role);
/* Set the role of width cells (the selection bar, a title line). */
void ui_grid_paint(struct ui_grid *g, int row, int col, int width, int role);
/* The cell at row, col, or NULL outside the grid. */
const struct ui_cell *ui_grid_at(const struct ui_grid *g, int row, int col);
/* A row as UTF-8, trailing blanks removed; returns the length. */
size_t ui_grid_row_text(const struct ui_grid *g, int row, char *buf, size_t cap);

#endif
