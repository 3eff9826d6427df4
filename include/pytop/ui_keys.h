/*
 * ui_keys — the viewer's keys, as one table of data: for each action the
 * keys that do it, a short name, the help text and the function that
 * does it. The help screen is drawn from this table, man/pytop.1's KEYS
 * section lists the same rows (labels and help text, checked by a test),
 * and the status line's hints name keys from it.
 *
 * Key codes: a character is its code point; a key that is not a
 * character is one of UI_K_* (ui_screen translates the terminal's codes),
 * so nothing but ui_screen depends on curses. Every action has at least
 * one key that is neither a
 * function key nor an arrow, so nothing depends on the terminal sending
 * those. Actions change the state only; the event loop rebuilds and
 * redraws after every key.
 */
#ifndef PYTOP_UI_KEYS_H
#define PYTOP_UI_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "pytop/ui_state.h"

#define UI_KEY_NONE (-1)
#define UI_FN 0x40000000        /* above every code point */
enum ui_special_key {
    UI_K_UP = UI_FN + 1, UI_K_DOWN, UI_K_LEFT, UI_K_RIGHT, UI_K_PGUP, UI_K_PGDN, UI_K_HOME, UI_K_END,
    UI_K_ENTER, UI_K_BACKSPACE, UI_K_RESIZE,
    UI_K_F0 = UI_FN + 0x100,    /* UI_K_F(n): function key n */
    UI_K_OTHER = UI_FN + 0x200, /* any other key the terminal has */
};
#define UI_K_F(n) (UI_K_F0 + (n))
#define UI_CTRL(c) ((c) & 0x1f) /* Ctrl-letter */
#define UI_ESC 27
#define UI_KEYS_PER_ROW 6
#define UI_HELP_COLS 56 /* a help text's width: the help screen fits 80 columns */

struct ui_key {
    int keys[UI_KEYS_PER_ROW]; /* 0-terminated when fewer */
    const char *name;          /* one or two words, for hints */
    const char *help;          /* at most UI_HELP_COLS, as the help screen and man page show it */
    void (*act)(struct ui_state *u, int key);
};

/* The table. */
const struct ui_key *ui_keys_table(size_t *n);
/* A key's printed name: "q", "F10", "Up", "PgDn", "Enter", "Esc", "Space", "Ctrl-L". */
void ui_key_label(int key, char *buf, size_t cap);
/* A row's keys as the help screen and man page print them: "q, F10". */
void ui_keys_labels(const struct ui_key *row, char *buf, size_t cap);
/* The row a key belongs to, or NULL. */
const struct ui_key *ui_keys_find(int key);
/* TABLE mode: do what key means; false if it means nothing. */
bool ui_keys_dispatch(struct ui_state *u, int key);

/* Keys that several modes share (picker, help). */
bool ui_key_is_enter(int key);
bool ui_key_is_back(int key); /* Esc, Left, Backspace */
bool ui_key_is_backspace(int key);
bool ui_key_is_resize(int key); /* the terminal changed size */

#endif
