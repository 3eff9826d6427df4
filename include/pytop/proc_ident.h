/*
 * proc_ident — which process a PID stands for, and whether it still does.
 *
 * A PID names a process only until the process exits and is reaped; then
 * the kernel may give the number to a new process (after the PID counter
 * wraps at kernel.pid_max, which can be as low as 32768, or at once when
 * someone sets ns_last_pid). pytop reads by PID (process_vm_readv,
 * /proc/PID/...), so the identity of the target is captured when pytop
 * attaches and checked before reading it again:
 *
 *  - a pidfd (pidfd_open, Linux 5.3+) refers to that one process for good;
 *    it polls readable once the process has exited (zombie or reaped), so
 *    "not readable" proves the PID still names it: one poll, no /proc;
 *  - where there is no pidfd (older kernel, seccomp), the start time
 *    (field 22 of /proc/PID/stat, clock ticks since boot) is compared
 *    with the one read at capture: a new process under the same PID
 *    started later.
 *
 * Either way a process that exited, or whose PID now names another, is
 * PT_EGONE. Capture never leaves a descriptor open on failure; an
 * identity that was never captured (zero-filled) is closed harmlessly.
 */
#ifndef PYTOP_PROC_IDENT_H
#define PYTOP_PROC_IDENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "pytop/error.h"

struct pt_ident {
    pid_t pid;      /* 0: never captured */
    int pidfd;      /* -1: no pidfd, the start time decides */
    uint64_t start; /* start time, clock ticks after boot */
};

/* Capture pid's identity now. PT_ENOPROC when there is no such process,
 * PT_EGONE when it exits meanwhile. */
enum pt_err pt_ident_capture(pid_t pid, struct pt_ident *id);

/* PT_OK while pid still names the captured process and it has not
 * exited; PT_EGONE once it exited or the PID names another process. */
enum pt_err pt_ident_check(const struct pt_ident *id);

/* The start-time verdict on stat, the text of /proc/PID/stat as read now
 * (NULL: it could not be read): PT_OK only for the same start time and a
 * state other than zombie/dead. No system calls. */
enum pt_err pt_ident_judge_stat(const struct pt_ident *id, const char *stat);

/* Close the pidfd (if any). Safe on a zero-filled or closed identity. */
void pt_ident_close(struct pt_ident *id);

#endif
