/*
 * ui_model — from the aggregate to what the viewer's table area shows.
 *
 * ui_model_build computes the view's table and, in a drill view, the
 * drilled function's row, callers and callees (pt_agg_drill), then lays
 * them out as lines. Callers and callees follow the view's sort: any
 * numeric column orders them by share (largest first), Function by name;
 * reverse flips either. The selection follows its key when the lines
 * change and only ever rests on a selectable line (not a section title).
 * It also keeps the state text ("FROZEN; drill: main > handle > query")
 * that the header and a dump show.
 *
 * ui_model_snapshot copies the session's header facts (rate, samples,
 * errors...) into the state at a refresh; frozen, the snapshot is held.
 */
#ifndef PYTOP_UI_MODEL_H
#define PYTOP_UI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pytop/ui_state.h"

enum pt_err ui_model_build(struct ui_state *u);
void ui_model_snapshot(struct ui_state *u);

/* The key a line shows (PT_NOID: none: a section, (self), (root)). */
uint32_t ui_model_key(const struct ui_state *u, size_t line);
bool ui_model_selectable(const struct ui_state *u, size_t line);
/* The drill step for a line (false if it cannot be drilled into). */
bool ui_model_crumb(const struct ui_state *u, size_t line, struct ui_crumb *out);
/* Move the selection by delta selectable lines (clamped at the ends). */
void ui_model_move(struct ui_state *u, long delta);
/* Select the first (last false) or the last selectable line. */
void ui_model_select_end(struct ui_state *u, bool last);
/* "main > handle > query" (line mode: "main:12 > ..."). */
void ui_model_drill_path(const struct ui_state *u, char *buf, size_t cap);

#endif
