/*
 * collapsed — folded stacks, the text format flamegraph.pl, inferno and
 * speedscope read: one line per distinct stack, frames root first joined
 * by ';', then a space and the sample count. Frame text is
 * "name (file:line)" with ';' and newlines replaced so a line always
 * parses back into the same stack.
 */
#ifndef PYTOP_COLLAPSED_H
#define PYTOP_COLLAPSED_H

#include "pytop/aggregate.h"
#include "pytop/util.h"

enum pt_err pt_collapsed_render(const struct pt_agg *a, const struct pt_view *v, struct pt_sb *out);

#endif
