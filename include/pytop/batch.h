/*
 * batch — `pytop -b`: a text table every --delay seconds on stdout, like
 * `top -b`, for scripts and incident logs. Stops after --iterations
 * tables, after --duration, when *stop becomes non-zero (a signal), or
 * when the target exits — then it prints the final table and says so.
 * Writes the --collapsed and --flamegraph files at the end.
 */
#ifndef PYTOP_BATCH_H
#define PYTOP_BATCH_H

#include <signal.h>

#include "pytop/cli.h"
#include "pytop/error.h"
#include "pytop/util.h"

enum pt_err pt_batch_run(const struct pt_options *o, volatile sig_atomic_t *stop, struct pt_sb *why);

#endif
