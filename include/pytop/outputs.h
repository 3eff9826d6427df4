/*
 * outputs — the files written when sampling ends: --collapsed (folded
 * stacks) and --flamegraph (SVG). Never overwrite an existing file unless
 * --force; never follow a symlink at the output name.
 */
#ifndef PYTOP_OUTPUTS_H
#define PYTOP_OUTPUTS_H

#include "pytop/aggregate.h"
#include "pytop/cli.h"
#include "pytop/error.h"
#include "pytop/util.h"

enum pt_err pt_outputs_write(const struct pt_agg *a, const struct pt_view *v,
                             const struct pt_options *o, struct pt_sb *why);

#endif
