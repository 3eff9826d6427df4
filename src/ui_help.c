/* ui_help — the help screen, drawn from the key table. */
#include "pytop/ui_help.h"

#include <stdio.h>

#include "pytop/ui_colors.h"
#include "pytop/ui_keys.h"

#define LABEL_COLS 24 /* the keys column: help texts fit 80 columns */

static const char *const footer[] = {
    "",
    "In the filter prompt: Enter keeps the text, Esc undoes, Backspace deletes, Ctrl-U clears, Ctrl-W a word.",
    "In the thread list: Enter chooses, Esc, Left, q or t cancel; the movement keys move.",
    "In a drill view: callers with the share of the function's total that came through each; callees",
    "with the share spent in each, (self) its own code. Enter drills further, Esc goes back.",
    "Rows: red at 5% or more of the window, green at 0.5% or more (NO_COLOR=1 turns colours off).",
};
#define NFOOTER (sizeof footer / sizeof footer[0])

/* Lines: title, blank, one per key row, the footer, the command's output file. */
static size_t line_count(const struct ui_state *u)
{
    size_t nkeys;
    ui_keys_table(&nkeys);
    return 2 + nkeys + NFOOTER + (u->child_log[0] ? 1 : 0);
}

static void draw_key_row(struct ui_state *u, int row, const struct ui_key *k)
{
    char labels[128];
    ui_keys_labels(k, labels, sizeof labels);
    ui_grid_puts(&u->grid, row, 2, labels, UI_ROLE_KEY);
    ui_grid_puts(&u->grid, row, LABEL_COLS, k->help, UI_ROLE_NORMAL);
}

static void draw_line(struct ui_state *u, int row, size_t i)
{
    size_t nkeys;
    const struct ui_key *keys = ui_keys_table(&nkeys);
    if (i == 0) {
        ui_grid_paint(&u->grid, row, 0, u->grid.cols, UI_ROLE_TITLE);
        ui_grid_puts(&u->grid, row, 0, "pytop keys: j/k scroll, any other key closes this help", UI_ROLE_TITLE);
    } else if (i >= 2 && i < 2 + nkeys)
        draw_key_row(u, row, &keys[i - 2]);
    else if (i >= 2 + nkeys && i < 2 + nkeys + NFOOTER)
        ui_grid_puts(&u->grid, row, 0, footer[i - 2 - nkeys], UI_ROLE_NORMAL);
    else if (i == 2 + nkeys + NFOOTER) {
        char text[1200];
        snprintf(text, sizeof text, "The command's output goes to %s", u->child_log);
        ui_grid_puts(&u->grid, row, 0, text, UI_ROLE_NORMAL);
    }
}

void ui_help_draw(struct ui_state *u, int top, int rows)
{
    size_t n = line_count(u);
    if (rows > 0 && u->help_top + (size_t)rows > n)
        u->help_top = n > (size_t)rows ? n - (size_t)rows : 0;
    for (int r = 0; r < rows && u->help_top + (size_t)r < n; r++)
        draw_line(u, top + r, u->help_top + (size_t)r);
}

void ui_help_key(struct ui_state *u, int key)
{
    long page = u->page > 1 ? u->page - 1 : 1;
    if (key == 'j' || key == UI_K_DOWN)
        u->help_top++;
    else if ((key == 'k' || key == UI_K_UP) && u->help_top > 0)
        u->help_top--;
    else if (key == ' ' || key == UI_K_PGDN)
        u->help_top += (size_t)page;
    else if (key == 'b' || key == UI_K_PGUP)
        u->help_top = u->help_top > (size_t)page ? u->help_top - (size_t)page : 0;
    else
        u->mode = UI_MODE_TABLE;
}
