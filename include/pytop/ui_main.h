/*
 * ui_main — the interactive viewer (`pytop PID`, `pytop -- COMMAND`):
 * its entry point and event loop.
 *
 * Checks for a terminal first (PT_ENOTTY: use -b), then attaches (or
 * launches the command with its output going to a new
 * pytop-output-*.log, named in the status line) and starts the screen.
 * The loop waits for a key until the next refresh or the next drain of
 * the sampler's ring (pt_session_drain_interval_ns: up to 250 ms), so keys
 * answer at once and an idle viewer wakes only a few times a second; it
 * drains the ring every turn (the sampler never waits for the screen),
 * closes a bucket every --delay unless frozen, and rebuilds
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

#define UI_INPUT_MS_MIN 1 /* the shortest wait for a key (ms) */

enum pt_err pt_ui_run(const struct pt_options *o, volatile sig_atomic_t *stop, struct pt_sb *why);

#endif
