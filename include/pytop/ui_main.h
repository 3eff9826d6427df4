/*
 * ui_main — the interactive viewer (`pytop PID`, `pytop -- COMMAND`):
 * its entry point and event loop.
 *
 * Checks for a terminal first (PT_ENOTTY: use -b), then attaches (or
 * launches the command with its output going to a new
 * pytop-output-*.log, named in the status line) and starts the screen.
 * The loop waits for a key at most UI_INPUT_MS, so keys answer at once;
 * it drains the sampler's ring every turn (the sampler never waits for
 * the screen), closes a bucket every --delay unless frozen, and rebuilds
 * and redraws after every key and refresh. When the target exits the
 * view freezes for good and says so; the keys still work. It returns on
 * q, on --duration, or when *stop is set (SIGINT, SIGTERM, SIGHUP), always
 * through the same path: the terminal restored, the session closed
 * (which resumes and releases the target), --collapsed/--flamegraph
 * written. A failure is returned as a value after the terminal is back.
 */
#ifndef PYTOP_UI_MAIN_H
#define PYTOP_UI_MAIN_H

#include <signal.h>

#include "pytop/cli.h"
#include "pytop/error.h"
#include "pytop/util.h"

#define UI_INPUT_MS 50

enum pt_err pt_ui_run(const struct pt_options *o, volatile sig_atomic_t *stop, struct pt_sb *why);

#endif
