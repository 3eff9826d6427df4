/* ui_prompt — editing the filter in the status line. */
#include "pytop/ui_prompt.h"

#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "pytop/ui_colors.h"
#include "pytop/ui_keys.h"
#include "pytop/ui_text.h"

#define LABEL "Filter: "

void ui_prompt_open(struct ui_state *u)
{
    memcpy(u->filter_before, u->filter, sizeof u->filter);
    u->mode = UI_MODE_PROMPT;
}

/* Drop the last UTF-8 character. */
static void delete_char(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && ((unsigned char)s[n - 1] & 0xC0) == 0x80)
        n--;
    s[n > 0 ? n - 1 : 0] = '\0';
}

/* Drop trailing spaces, then the word before them. */
static void delete_word(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    while (n > 0 && s[n - 1] != ' ')
        n--;
    s[n] = '\0';
}

static void insert(struct ui_state *u, int key)
{
    char mb[8];
    wchar_t w[2] = {(wchar_t)key, 0};
    size_t n = wcstombs(mb, w, sizeof mb), len = strlen(u->filter);
    if (n == (size_t)-1 || len + n + 1 > sizeof u->filter) {
        ui_status(u, true, n == (size_t)-1 ? "that character cannot be typed here" : "the filter is full");
        return;
    }
    memcpy(u->filter + len, mb, n + 1);
}

static void finish(struct ui_state *u, bool keep)
{
    if (!keep)
        memcpy(u->filter, u->filter_before, sizeof u->filter);
    u->mode = UI_MODE_TABLE;
    if (keep && u->filter[0])
        ui_status(u, false, "filter \"%s\"; = clears it", u->filter);
    else if (keep)
        ui_status(u, false, "no filter");
}

void ui_prompt_key(struct ui_state *u, int key)
{
    if (ui_key_is_enter(key))
        finish(u, true);
    else if (key == UI_ESC)
        finish(u, false);
    else if (ui_key_is_backspace(key))
        delete_char(u->filter);
    else if (key == UI_CTRL('u'))
        u->filter[0] = '\0';
    else if (key == UI_CTRL('w'))
        delete_word(u->filter);
    else if (!(key & UI_FN) && key >= ' ' && iswprint((wint_t)key))
        insert(u, key);
}

void ui_prompt_draw(struct ui_state *u, int row)
{
    wchar_t w[UI_TEXT_MAX];
    int label = ui_grid_puts(&u->grid, row, 0, LABEL, UI_ROLE_KEY);
    size_t n = ui_text_decode(u->filter, w, UI_TEXT_MAX);
    /* keep the end of the text, where typing happens, in view */
    int room = u->grid.cols - label - 1;
    size_t from = 0;
    while (from < n && ui_text_width(w + from, n - from) > room)
        from++;
    int end = ui_grid_put(&u->grid, row, label, w + from, n - from, UI_ROLE_NORMAL);
    ui_grid_paint(&u->grid, row, end, 1, UI_ROLE_SELECT); /* the cursor */
}
