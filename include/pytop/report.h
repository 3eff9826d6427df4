/*
 * report — the text form of a table: batch mode (-b), the viewer's dump
 * key and any later dump all print through pt_report_text, so they can
 * never disagree. A header of facts about the run, then exactly the
 * column titles line "%Own %Total OwnTime TotalTime Function", then one
 * row per key: "  45.2   60.0   4.52s   6.01s  alpha (/srv/work.py:12)".
 *
 * The format is stable; scripts may rely on it. Every line ends in '\n'.
 *
 *   pytop: pid 4242 (python3 app.py) - Python 3.12.1 (/usr/lib/libpython3.12.so.1.0)
 *   mode non-blocking, rate 100/99.8 Hz, 1234 samples, late 0, dropped 0, errors 0, work 12/14/40 us
 *   threads 2/5 active, GIL 87%, window last (1.00s, 98 samples), sort own, filter none, thread all,
 *     keys function, idle no, gil-only no          <- (one line)
 *   state: process exited; FROZEN
 *   %Own %Total OwnTime TotalTime Function
 *     45.2   60.0   4.52s   6.01s  alpha (/srv/work.py:12)
 *
 * Line 1: pid, command line (a missing one prints "?"), Python version
 *   and library path as given.
 * Line 2: sampling mode, rate asked/achieved (%g Hz), thread samples,
 *   late ticks, dropped samples, errors (when not zero followed by the
 *   kinds: "errors 5 (read 1, invalid 3, gone 1)"), work per tick
 *   min/median/max in whole microseconds.
 * Line 3: threads active/total (with --subprocesses followed by
 *   ", N processes" across all of them), share of ticks with the GIL held, window
 *   ("last", "all" or "<N>s") with the real time it covers and its sample
 *   count (the denominator of every percentage), sort column name (see
 *   pt_sortcol_name, " reversed" appended when reversed), filter (quoted,
 *   or none), thread (tid or all), key mode (function/line), idle and
 *   gil-only (yes/no).
 * With --subprocesses, a line "processes: 4242 61.0%, 4250 39.0%": each
 *   sampled process and its share of the window's samples, largest first.
 * Then, only when the process exited or a state is given: "state: "
 *   then "process exited" and/or the state, joined by "; ".
 * Titles: the sort columns' titles (pt_sortcol_title) in column order.
 * Rows: %Own and %Total as %6.1f (half up), OwnTime and TotalTime right-aligned in
 *   7 columns (pt_report_duration), two spaces, then the key's text
 *   (pt_agg_key_text: in function mode the line shown is the function's
 *   first line). Control characters in any name print as '?'.
 *
 * A drill-down view (the viewer's dump while drilled: h->drill set)
 * prints, after the titles, the function's own row, then
 *   Callers: %Share Samples Function
 *   <one line per caller: "(root)" when the function was outermost>
 *   Callees: %Share Samples Function
 *   <"(self)": samples in the function's own code, then one line per callee>
 * where a link line is %Share as %6.1f (share of the function's total),
 * the sample count right-aligned in 7 columns, two spaces and the key's
 * text: "  66.7      80  query (/srv/db.py:20)". The viewer draws the
 * same lines with the same prefixes (pt_report_row_prefix,
 * pt_report_link_prefix), so a dump and the screen agree to the byte
 * wherever the screen did not have to shorten a name.
 */
#ifndef PYTOP_REPORT_H
#define PYTOP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pytop/aggregate.h"
#include "pytop/util.h"

/* Everything the header states; filled by whoever owns the run. */
struct pt_report_header {
    int pid;
    const char *cmdline;
    const char *python;       /* "3.12.1 (/path/libpython3.12.so.1.0)" */
    const char *mode;         /* "blocking" / "non-blocking" (+ " (auto)") */
    double rate_asked, rate_achieved; /* Hz */
    uint64_t samples;         /* thread samples taken since start/reset */
    uint64_t late, dropped, errors;
    uint64_t errors_read, errors_invalid, errors_gone; /* errors by kind (sum = errors) */
    double work_us_min, work_us_median, work_us_max; /* sampling work per tick */
    unsigned threads_active, threads_total;
    unsigned processes;       /* with --subprocesses: processes sampled; 0 otherwise */
    double gil_pct;           /* share of ticks in which some thread held the GIL */
    bool exited;              /* the process has exited */
    const char *state;        /* extra state ("FROZEN", drill path...), or NULL */
    const char *split;        /* per-process shares ("4242 61.0%, ..."), or NULL */
    const struct pt_drill *drill; /* a drill view: print it instead of the table's rows */
};

/* Append header and table for view v to out (t from pt_agg_table(a, v)). */
void pt_report_text(const struct pt_report_header *h, const struct pt_agg *a,
                    const struct pt_view *v, const struct pt_table *t, struct pt_sb *out);

/* The text before the name on a row line ("  45.2   60.0   4.52s   6.01s  ",
 * 31 characters) and on a drill link line ("  66.7      80  ", 16).
 * buf holds at least PT_REPORT_PREFIX_MAX bytes; NUL-terminated. Both
 * return the text's length. */
#define PT_REPORT_PREFIX_MAX 64
size_t pt_report_row_prefix(const struct pt_row *r, char *buf);
size_t pt_report_link_prefix(double pct, uint64_t count, char *buf);
#define PT_REPORT_CALLERS "Callers: %Share Samples Function"
#define PT_REPORT_CALLEES "Callees: %Share Samples Function"
#define PT_REPORT_SELF "(self)"

/* A duration as the OwnTime/TotalTime columns show it, at most 6
 * characters below 100 hours: "0.00s".."9.99s", "10.0s".."59.9s",
 * "1m00s".."59m59s", "1h00m".."99h59m", then "123h". Negative or NaN
 * prints as 0. Always NUL-terminated (cap >= 1). */
void pt_report_duration(double seconds, char *buf, size_t cap);

/* The sort column names (pt_sortcol_name, pt_sortcol_title,
 * pt_sortcol_parse) come from aggregate.h, next to the comparators. */

#endif
