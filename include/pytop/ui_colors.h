/*
 * ui_colors — what each part of the viewer's screen looks like, from one
 * table: per role (what a cell is, not how it looks) a colour pair for
 * colour terminals and attributes for monochrome ones. Colours are used
 * only when the terminal has them and NO_COLOR is unset or empty
 * (https://no-color.org); without colours the table's monochrome
 * attributes (bold, reverse, underline) still mark the selection, the
 * titles and anything that needs attention.
 */
#ifndef PYTOP_UI_COLORS_H
#define PYTOP_UI_COLORS_H

#include <stdbool.h>

enum ui_role {
    UI_ROLE_NORMAL,  /* plain text */
    UI_ROLE_ALERT,   /* non-zero late/dropped/errors, "process exited" */
    UI_ROLE_STATE,   /* FROZEN, an active filter, the drill path */
    UI_ROLE_TITLE,   /* the column titles line */
    UI_ROLE_SORT,    /* the sort column's title */
    UI_ROLE_HOT,     /* a row with >= 5% of the window */
    UI_ROLE_WARM,    /* a row with >= 0.5% of the window */
    UI_ROLE_SECTION, /* "Callers:" / "Callees:" lines of a drill view */
    UI_ROLE_SELECT,  /* the selection bar */
    UI_ROLE_ERROR,   /* an error message in the status line */
    UI_ROLE_KEY,     /* a key name in hints and help */
    UI_ROLE_COUNT
};

/* Heat thresholds, in percent of the window's samples. */
#define UI_HOT_PCT 5.0
#define UI_WARM_PCT 0.5

/* NO_COLOR is set to something. */
bool ui_colors_refused(void);
/* Set up the colour pairs (curses running, start_color done). */
void ui_colors_start(void);
/* The curses attributes (attr_t) to draw a role with. */
unsigned long ui_colors_attr(enum ui_role role, bool colour);
/* The role for a share of the window: hot, warm or normal. */
enum ui_role ui_colors_heat(double pct);

#endif
