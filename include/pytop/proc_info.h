/*
 * proc_info — what /proc says about the target: does it exist, may we read
 * it, its command line, its threads, which of them are running, and how
 * its PID-namespace thread ids map to ours. Files are opened per call; the
 * sampler (not this module) keeps descriptors open for the hot path.
 */
#ifndef PYTOP_PROC_INFO_H
#define PYTOP_PROC_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "pytop/error.h"
#include "pytop/util.h"

/* Can this PID be profiled at all? PT_OK, or ENOPROC / EZOMBIE / EKTHREAD /
 * ESELF / EPERM (with the reason appended to why, if given). */
enum pt_err pt_proc_probe(pid_t pid, struct pt_sb *why);

/* Command line, arguments joined by single spaces. */
enum pt_err pt_proc_cmdline(pid_t pid, struct pt_sb *out);

/* Parse the state letter and flags out of a /proc stat line.
 * Robust to ')' and spaces inside the command name. */
bool pt_proc_parse_stat(const char *stat, char *state, unsigned long *flags);

/* All thread ids (host namespace) of pid, sorted ascending. Caller frees. */
enum pt_err pt_proc_tasks(pid_t pid, pid_t **tids, size_t *n);

/* Is the thread on a CPU or runnable ('R')? */
enum pt_err pt_proc_task_running(pid_t pid, pid_t tid, bool *running);

/* Map a thread id as the target sees it (its innermost PID namespace) to
 * ours, via NSpid in /proc/PID/task/TID/status. Returns 0 if not found. */
pid_t pt_proc_host_tid(pid_t pid, pid_t ns_tid);

/* path as the target sees it, reachable from here (container-safe). */
void pt_proc_root_path(pid_t pid, const char *path, char *buf, size_t cap);

/* Explain, in one sentence, why reading pid is not permitted. */
void pt_proc_perm_hint(pid_t pid, struct pt_sb *why);

#endif
