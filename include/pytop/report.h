/*
 * report — the text form of a table: batch mode (-b), the viewer's dump
 * key and any later dump all print through pt_report_text, so they can
 * never disagree. A header of facts about the run, then exactly the
 * column titles line "%Own %Total OwnTime TotalTime Function", then one
 * row per key: "  45.2   60.0   4.52s   6.01s  alpha (/srv/work.py:12)".
 */
#ifndef PYTOP_REPORT_H
#define PYTOP_REPORT_H

#include <stdbool.h>
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
    double work_us_min, work_us_median, work_us_max; /* sampling work per tick */
    unsigned threads_active, threads_total;
    double gil_pct;           /* share of ticks in which some thread held the GIL */
    bool exited;              /* the process has exited */
    const char *state;        /* extra state ("FROZEN", drill path...), or NULL */
};

/* Append header and table for view v to out. */
void pt_report_text(const struct pt_report_header *h, const struct pt_agg *a,
                    const struct pt_view *v, const struct pt_table *t, struct pt_sb *out);

/* Names for the view's settings, as the header and --help spell them. */
const char *pt_sortcol_name(enum pt_sortcol c);
bool pt_sortcol_parse(const char *s, enum pt_sortcol *out);

#endif
