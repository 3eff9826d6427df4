/* ui_screen — curses set-up, drawing a grid, keys, and terminal rescue. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "pytop/ui_screen.h"

#include <curses.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pytop/ui_colors.h"
#include "pytop/ui_keys.h"

#include <term.h> /* last: it defines macros such as "lines" */

#define ESC_DELAY_MS 25 /* Esc alone vs an escape sequence: long enough over SSH, short to the eye */

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define NFATAL (sizeof fatal_signals / sizeof fatal_signals[0])

/* A crash must not leave the user's terminal in raw mode on the alternate
 * screen: restore it, then die of the same signal (SA_RESETHAND). endwin
 * is not async-signal-safe, but the process is dying anyway and a usable
 * terminal is worth the risk. */
static void on_fatal(int sig)
{
    endwin();
    raise(sig);
}

static void fatal_handlers(bool install)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = install ? on_fatal : SIG_DFL;
    sa.sa_flags = install ? SA_RESETHAND | SA_NODEFER : 0;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NFATAL; i++)
        sigaction(fatal_signals[i], &sa, NULL);
}

enum pt_err ui_screen_check(struct pt_sb *why)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        pt_sb_puts(why, "standard input or output is not a terminal");
        return PT_ENOTTY;
    }
    const char *term = getenv("TERM");
    int err = 0;
    if (!term || !*term) {
        pt_sb_puts(why, "TERM is not set");
        return PT_ENOTTY;
    }
    if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
        pt_sb_printf(why, "TERM=%s is not a terminal type this system knows", term);
        return PT_ENOTTY;
    }
    char cup[] = "cup";
    char *move = tigetstr(cup);
    bool can_move = move && move != (char *)-1;
    del_curterm(cur_term);
    if (!can_move) {
        pt_sb_printf(why, "TERM=%s cannot move the cursor", term);
        return PT_ENOTTY;
    }
    return PT_OK;
}

enum pt_err ui_screen_start(void **screen, bool *colour, struct pt_sb *why)
{
    SCREEN *s = newterm(NULL, stdout, stdin);
    if (!s) {
        pt_sb_puts(why, "the terminal could not be set up");
        return PT_ENOTTY;
    }
    *screen = s;
    fatal_handlers(true);
    set_escdelay(ESC_DELAY_MS);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    intrflush(stdscr, FALSE);
    leaveok(stdscr, TRUE);
    curs_set(0);
    *colour = has_colors() && !ui_colors_refused() && start_color() == OK;
    if (*colour)
        ui_colors_start();
    return PT_OK;
}

void ui_screen_end(void **screen)
{
    if (!*screen)
        return;
    curs_set(1);
    endwin();
    delscreen(*screen);
    *screen = NULL;
    fatal_handlers(false);
}

void ui_screen_size(int *rows, int *cols)
{
    getmaxyx(stdscr, *rows, *cols);
}

/* One run of cells of the same role, starting at col. */
static int show_run(const struct ui_grid *g, int row, int col, bool colour)
{
    wchar_t buf[1024];
    size_t n = 0;
    int role = ui_grid_at(g, row, col)->role, c = col;
    for (; c < g->cols && n + UI_CELL_CHARS < sizeof buf / sizeof buf[0]; c++) {
        const struct ui_cell *x = ui_grid_at(g, row, c);
        if (x->ch[0] == 0)
            continue; /* right half of a wide character */
        if (x->role != role)
            break;
        for (int i = 0; i < UI_CELL_CHARS && x->ch[i]; i++)
            buf[n++] = x->ch[i];
    }
    attrset((attr_t)ui_colors_attr((enum ui_role)role, colour));
    mvaddnwstr(row, col, buf, (int)n); /* the bottom-right cell reports ERR, yet is drawn */
    return c;
}

void ui_screen_show(const struct ui_grid *g, bool colour, bool repaint)
{
    if (repaint)
        clearok(curscr, TRUE);
    for (int row = 0; row < g->rows; row++)
        for (int col = 0; col < g->cols;)
            col = show_run(g, row, col, colour);
    attrset(A_NORMAL);
    refresh();
}

static const struct {
    int curses, ui;
} special[] = {
    {KEY_UP, UI_K_UP},       {KEY_DOWN, UI_K_DOWN}, {KEY_LEFT, UI_K_LEFT},   {KEY_RIGHT, UI_K_RIGHT},
    {KEY_PPAGE, UI_K_PGUP},  {KEY_NPAGE, UI_K_PGDN}, {KEY_HOME, UI_K_HOME},  {KEY_END, UI_K_END},
    {KEY_ENTER, UI_K_ENTER}, {KEY_BACKSPACE, UI_K_BACKSPACE}, {KEY_RESIZE, UI_K_RESIZE},
};

static int translate(int code)
{
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        if (special[i].curses == code)
            return special[i].ui;
    if (code >= KEY_F(1) && code <= KEY_F(63))
        return UI_K_F(code - KEY_F0);
    return UI_K_OTHER;
}

int ui_screen_key(int timeout_ms)
{
    wint_t ch;
    timeout(timeout_ms);
    int r = get_wch(&ch);
    if (r == KEY_CODE_YES)
        return translate((int)ch);
    return r == OK ? (int)ch : UI_KEY_NONE;
}
