/*
 * flamegraph — a self-contained interactive SVG flame graph of a view's
 * samples (pt_agg_stacks), that opens in any browser with no network:
 * hover shows name, file:line, samples and share; click zooms into a
 * frame (and "reset zoom" returns); a search box highlights matches and
 * shows their share. All text is XML-escaped; the embedded script uses no
 * external resources.
 */
#ifndef PYTOP_FLAMEGRAPH_H
#define PYTOP_FLAMEGRAPH_H

#include "pytop/aggregate.h"
#include "pytop/util.h"

enum pt_err pt_flamegraph_render(const struct pt_agg *a, const struct pt_view *v, struct pt_sb *out);

#endif
