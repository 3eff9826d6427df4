/*
 * ui_dump — the d and F keys. d writes exactly what the screen shows:
 * the header, then every row of the current view (not only the visible
 * ones) with its sort, filter, thread, window and drill path, through
 * pt_report_text, the renderer batch mode prints with. F writes an SVG
 * flame graph of the samples behind the current view (in a drill view,
 * the stacks through the drilled function).
 *
 * Files go to --dump-dir (default: the current directory) as
 * pytop-PID-YYYYMMDD-HHMMSS.txt (.svg), local time; when that name is
 * taken, -1, -2, ... is added: an existing file is never overwritten, a
 * symbolic link never followed (pt_safefile_write_new). The status line
 * gets the path written, or the exact error.
 */
#ifndef PYTOP_UI_DUMP_H
#define PYTOP_UI_DUMP_H

#include <time.h>

#include "pytop/ui_state.h"
#include "pytop/util.h"

void ui_dump_text(struct ui_state *u);
void ui_dump_flame(struct ui_state *u);
/* The text d writes, appended to out. */
void ui_dump_render(const struct ui_state *u, struct pt_sb *out);
/* "pytop-<what>-YYYYMMDD-HHMMSS" for a time (local time). */
void ui_dump_stem(const char *what, time_t when, char *buf, size_t cap);
/* A new, empty pytop-output-YYYYMMDD-HHMMSS.log in dir (first free
 * suffix), for a launched command's output; path gets its name. */
enum pt_err ui_dump_child_log(const char *dir, struct pt_sb *path, struct pt_sb *why);

#endif
