/*
 * once — `pytop --once PID`: every thread's stack as text, leaf first.
 * The renderer builds the whole report in memory (pt_once_render) so that
 * it can be tested without a terminal and written with one call.
 */
#ifndef PYTOP_ONCE_H
#define PYTOP_ONCE_H

#include "pytop/py_stack.h"
#include "pytop/py_target.h"
#include "pytop/util.h"

void pt_once_render(const struct pt_target *t, const char *cmdline, const struct pt_stacks *s,
                    struct pt_sb *out);

/* Attach, read, print to stdout, detach. why gets the detail on failure. */
enum pt_err pt_once_run(pid_t pid, struct pt_sb *why);

#endif
