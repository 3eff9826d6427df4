/*
 * ui_state — everything the viewer knows and may change, in one struct.
 * Apart from main.c's signal flag it is the viewer's only mutable state:
 * every ui_* function takes it, none keeps statics. Unit tests build one
 * around a hand-made aggregate (session NULL, screen NULL) and draw it
 * into its grid.
 *
 * Modes (the state machine; Esc or the mode's own key returns to TABLE):
 *   TABLE    the table or a drill view; the key table (ui_keys) applies
 *   HELP     the key list over the table (?, h, F1); most keys close it
 *   PROMPT   editing the filter in the status line (/); live, Enter keeps
 *   THREADS  choosing a thread (t); Enter chooses, Esc cancels
 * Orthogonal to the mode: frozen (buckets are not closed, so every number
 * holds still while sampling goes on), exited (the target is gone: frozen
 * for good) and the drill path (depth > 0: the drill view of its last
 * entry).
 */
#ifndef PYTOP_UI_STATE_H
#define PYTOP_UI_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pytop/aggregate.h"
#include "pytop/cli.h"
#include "pytop/intern.h"
#include "pytop/report.h"
#include "pytop/session.h"
#include "pytop/ui_grid.h"

#define UI_DRILL_MAX 32     /* drill levels kept */
#define UI_FILTER_MAX 256   /* bytes of filter text */
#define UI_STATUS_MAX 1024  /* bytes of a status message */
#define UI_STATE_MAX 2048   /* bytes of the state text (FROZEN, drill path) */
#define UI_NAME_MAX 64      /* bytes of a thread name */

enum ui_mode { UI_MODE_TABLE, UI_MODE_HELP, UI_MODE_PROMPT, UI_MODE_THREADS };

/* One line of the table area; index says which row or link it shows. */
enum ui_line_kind {
    UI_LINE_ROW,      /* table row index */
    UI_LINE_FUNCTION, /* the drilled function's own row */
    UI_LINE_SECTION,  /* "Callers:" (index 0) or "Callees:" (index 1): not selectable */
    UI_LINE_CALLER,   /* drill caller index */
    UI_LINE_SELF,     /* the drilled function's own code */
    UI_LINE_CALLEE,   /* drill callee index */
};
struct ui_line {
    enum ui_line_kind kind;
    size_t index;
};

/* One step of the drill path. */
struct ui_crumb {
    uint32_t key;  /* key in the view's mode */
    uint32_t name; /* its function name (string id), for the path text */
    int32_t line;  /* its line (line mode shows "name:line") */
};

/* One entry of the thread picker. */
struct ui_thread {
    uint32_t tid;
    uint64_t samples;         /* in the view's window and classes */
    bool idle, gone;          /* newest state seen; no longer in /proc */
    char name[UI_NAME_MAX];   /* threading name, else the kernel's comm, else "" */
};

struct ui_state {
    /* the run (borrowed, never freed here) */
    struct pt_session *session;    /* the profiling run; NULL in unit tests */
    struct pt_agg *agg;            /* the numbers: session->agg, or a test's aggregate */
    const struct pt_intern *intern;/* names behind string ids */
    const struct pt_options *opt;  /* the command line (rate, delay, dump dir, ...) */

    /* what the user asked for */
    enum ui_mode mode;             /* see the state machine above */
    struct pt_view view;           /* keys, sort, thread, window, classes; filter -> filter[] */
    char filter[UI_FILTER_MAX];    /* the text filter in force, "" for none */
    char filter_before[UI_FILTER_MAX]; /* the filter when / was pressed: Esc restores it */
    struct ui_crumb drill[UI_DRILL_MAX]; /* the drill path, outermost first */
    size_t depth;                  /* drill levels open; 0: the plain table */
    bool frozen;                   /* hold the view still: buckets are not closed */
    bool exited;                   /* the target has exited: frozen for good */

    /* what is shown, rebuilt by ui_model_build */
    struct pt_table table;         /* the view's rows; in a drill view, the header's window facts */
    struct pt_drill drillv;        /* the drill view of drill[depth - 1] */
    struct ui_line *lines;         /* the table area's lines, top to bottom */
    size_t nlines, lines_cap;
    size_t sel;                    /* selected line (a selectable one whenever there is one) */
    uint32_t sel_key;              /* its key, so the selection follows it across refreshes */
    size_t top;                    /* first line on screen */
    int page;                      /* lines the table area showed last time (PgUp/PgDn) */
    struct pt_report_header head;  /* header facts as of the last refresh (held while frozen) */
    char mode_text[64];            /* head.mode points here */
    char state_text[UI_STATE_MAX]; /* "FROZEN; drill: a > b": head.state in a dump */

    /* thread picker */
    struct ui_thread *threads;     /* "all threads" is the line before threads[0] */
    size_t nthreads, threads_cap;
    size_t thread_sel;             /* 0: all threads, i + 1: threads[i] */
    size_t thread_top;             /* first picker line on screen */

    size_t help_top;               /* first help line on screen */

    /* status line */
    char status[UI_STATUS_MAX];    /* a message; "" shows the key hints */
    bool status_error;             /* the message reports a failure */
    char child_log[1024];          /* where a launched command's output goes, "" if none */

    /* terminal */
    struct ui_grid grid;           /* the frame being composed */
    void *screen;                  /* curses SCREEN *, NULL when there is no terminal (tests) */
    bool colour;                   /* draw in colour (terminal has it, NO_COLOR unset) */
    bool repaint;                  /* repaint the whole terminal (Ctrl-L, resize) */
    bool quit;                     /* q: leave the loop */

    /* timing and counters */
    uint64_t next_refresh_ns;      /* when the next bucket closes (0: at once) */
    bool refreshed;                /* a bucket has been closed: there is a view to freeze on */
    uint64_t dropped_base;         /* ring drops counted before the last R */
};

/* Set up around an aggregate (session may be NULL), with the command
 * line's view. The grid starts 0 x 0. */
void ui_state_init(struct ui_state *u, struct pt_session *session, struct pt_agg *agg,
                   const struct pt_intern *intern, const struct pt_options *opt);
void ui_state_free(struct ui_state *u);
/* Put a message (printf-style) in the status line. */
void ui_status(struct ui_state *u, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
