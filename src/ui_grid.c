/* ui_grid — the off-screen character grid (see ui_grid.h). */
#include "pytop/ui_grid.h"

#include <stdlib.h>
#include <string.h>

#include "pytop/ui_text.h"

static struct ui_cell *cell(struct ui_grid *g, int row, int col)
{
    if (row < 0 || col < 0 || row >= g->rows || col >= g->cols)
        return NULL;
    return &g->cells[(size_t)row * (size_t)g->cols + (size_t)col];
}

static void blank(struct ui_cell *c, int role)
{
    memset(c->ch, 0, sizeof c->ch);
    c->ch[0] = L' ';
    c->role = (unsigned char)role;
}

enum pt_err ui_grid_resize(struct ui_grid *g, int rows, int cols)
{
    rows = rows < 0 ? 0 : rows;
    cols = cols < 0 ? 0 : cols;
    size_t n = (size_t)rows * (size_t)cols;
    struct ui_cell *c = realloc(g->cells, (n ? n : 1) * sizeof *c);
    if (!c)
        return PT_ENOMEM;
    g->cells = c;
    g->rows = rows;
    g->cols = cols;
    ui_grid_clear(g);
    return PT_OK;
}

void ui_grid_free(struct ui_grid *g)
{
    free(g->cells);
    *g = (struct ui_grid){0};
}

void ui_grid_clear(struct ui_grid *g)
{
    for (size_t i = 0; i < (size_t)g->rows * (size_t)g->cols; i++)
        blank(&g->cells[i], 0);
}

/* Before overwriting a cell, blank the other half of a wide character it belongs to. */
static void unsplit(struct ui_grid *g, int row, int col)
{
    struct ui_cell *c = cell(g, row, col), *left = cell(g, row, col - 1), *right = cell(g, row, col + 1);
    if (!c)
        return;
    if (c->ch[0] == 0 && left)
        blank(left, left->role);
    else if (right && right->ch[0] == 0)
        blank(right, right->role);
}

/* A combining mark joins the character before it, if there is room in that cell. */
static void combine(struct ui_grid *g, int row, int col, wchar_t mark)
{
    struct ui_cell *c = cell(g, row, col - 1);
    if (c && c->ch[0] == 0)
        c = cell(g, row, col - 2);
    for (int i = 1; c && i < UI_CELL_CHARS; i++)
        if (c->ch[i] == 0) {
            c->ch[i] = mark;
            return;
        }
}

int ui_grid_put(struct ui_grid *g, int row, int col, const wchar_t *s, size_t n, int role)
{
    if (row < 0 || row >= g->rows)
        return col;
    for (size_t i = 0; i < n && col < g->cols; i++) {
        int w = ui_text_char_width(s[i]);
        if (w == 0) {
            combine(g, row, col, s[i]);
            continue;
        }
        if (col < 0) {
            col += w;
            continue;
        }
        struct ui_cell *c = cell(g, row, col);
        if (!c)
            break;
        unsplit(g, row, col);
        blank(c, role);
        if (w == 2 && col + 1 >= g->cols)
            return col + 1; /* straddles the edge: stays a space */
        c->ch[0] = s[i];
        if (w == 2) {
            unsplit(g, row, col + 1);
            struct ui_cell *half = cell(g, row, col + 1);
            if (half) {
                blank(half, role);
                half->ch[0] = 0;
            }
        }
        col += w;
    }
    return col;
}

int ui_grid_puts(struct ui_grid *g, int row, int col, const char *utf8, int role)
{
    wchar_t w[UI_TEXT_MAX];
    size_t n = ui_text_decode(utf8, w, UI_TEXT_MAX);
    return ui_grid_put(g, row, col, w, n, role);
}

void ui_grid_paint(struct ui_grid *g, int row, int col, int width, int role)
{
    for (int c = col < 0 ? 0 : col; c < col + width && c < g->cols; c++) {
        struct ui_cell *x = cell(g, row, c);
        if (x)
            x->role = (unsigned char)role;
    }
}

const struct ui_cell *ui_grid_at(const struct ui_grid *g, int row, int col)
{
    return cell((struct ui_grid *)g, row, col);
}

/* UTF-8 of one code point into p (room for 4); returns its length. */
static size_t utf8_put(char *p, wchar_t wc)
{
    unsigned long c = (unsigned long)wc;
    if (c < 0x80) {
        p[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        p[0] = (char)(0xC0 | c >> 6), p[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        p[0] = (char)(0xE0 | c >> 12), p[1] = (char)(0x80 | (c >> 6 & 0x3F)), p[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    p[0] = (char)(0xF0 | c >> 18), p[1] = (char)(0x80 | (c >> 12 & 0x3F));
    p[2] = (char)(0x80 | (c >> 6 & 0x3F)), p[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

size_t ui_grid_row_text(const struct ui_grid *g, int row, char *buf, size_t cap)
{
    size_t n = 0, keep = 0;
    if (cap == 0)
        return 0;
    for (int col = 0; col < g->cols && row >= 0 && row < g->rows; col++) {
        const struct ui_cell *c = ui_grid_at(g, row, col);
        for (int i = 0; i < UI_CELL_CHARS && c->ch[i] && n + 4 < cap; i++)
            n += utf8_put(buf + n, c->ch[i]);
        if (c->ch[0] != 0 && c->ch[0] != L' ')
            keep = n;
    }
    buf[keep] = '\0';
    return keep;
}
