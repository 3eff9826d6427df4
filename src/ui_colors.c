/* ui_colors — the one table of colours and monochrome attributes. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "pytop/ui_colors.h"

#include <curses.h>
#include <stdlib.h>

#define DEFAULT_COLOUR (-1) /* the terminal's own foreground/background */

struct look {
    short fg, bg;       /* colour pair */
    attr_t colour_attr; /* added to the pair */
    attr_t mono_attr;   /* without colours */
};

static const struct look looks[UI_ROLE_COUNT] = {
    [UI_ROLE_NORMAL] = {DEFAULT_COLOUR, DEFAULT_COLOUR, A_NORMAL, A_NORMAL},
    [UI_ROLE_ALERT] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_REVERSE},
    [UI_ROLE_STATE] = {COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_REVERSE},
    [UI_ROLE_TITLE] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
    [UI_ROLE_SORT] = {COLOR_BLACK, COLOR_WHITE, A_BOLD | A_UNDERLINE, A_REVERSE | A_BOLD | A_UNDERLINE},
    [UI_ROLE_HOT] = {COLOR_RED, DEFAULT_COLOUR, A_BOLD, A_BOLD},
    [UI_ROLE_WARM] = {COLOR_GREEN, DEFAULT_COLOUR, A_NORMAL, A_NORMAL},
    [UI_ROLE_SECTION] = {COLOR_CYAN, DEFAULT_COLOUR, A_BOLD, A_BOLD | A_UNDERLINE},
    [UI_ROLE_SELECT] = {COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_REVERSE},
    [UI_ROLE_ERROR] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD},
    [UI_ROLE_KEY] = {COLOR_CYAN, DEFAULT_COLOUR, A_BOLD, A_BOLD},
};

bool ui_colors_refused(void)
{
    const char *no = getenv("NO_COLOR");
    return no && *no;
}

void ui_colors_start(void)
{
    /* without default-colour support, -1 is not a colour: use white on black */
    bool defaults = use_default_colors() == OK;
    for (int r = 0; r < UI_ROLE_COUNT; r++) {
        short fg = looks[r].fg, bg = looks[r].bg;
        if (!defaults) {
            fg = fg == DEFAULT_COLOUR ? COLOR_WHITE : fg;
            bg = bg == DEFAULT_COLOUR ? COLOR_BLACK : bg;
        }
        init_pair((short)(r + 1), fg, bg);
    }
}

unsigned long ui_colors_attr(enum ui_role role, bool colour)
{
    if ((unsigned)role >= UI_ROLE_COUNT)
        role = UI_ROLE_NORMAL;
    if (!colour)
        return looks[role].mono_attr;
    return COLOR_PAIR(role + 1) | looks[role].colour_attr;
}

enum ui_role ui_colors_heat(double pct)
{
    return pct >= UI_HOT_PCT ? UI_ROLE_HOT : pct >= UI_WARM_PCT ? UI_ROLE_WARM : UI_ROLE_NORMAL;
}
