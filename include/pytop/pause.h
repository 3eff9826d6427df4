/*
 * pause — hold one thread of the target still for the length of a read.
 *
 * PTRACE_SEIZE (no signal sent, nothing visible to the target), then
 * PTRACE_INTERRUPT and a wait for the stop; release with PTRACE_DETACH,
 * which resumes it and re-delivers any signal that arrived meanwhile. The
 * thread is traced only between the two calls, so signals sent to the
 * target between samples are never held up. If pytop dies in between, the
 * kernel detaches and resumes the thread by itself.
 */
#ifndef PYTOP_PAUSE_H
#define PYTOP_PAUSE_H

#include <sys/types.h>

#include "pytop/error.h"

struct pt_pause {
    pid_t tid;  /* 0: nothing held */
    int signal; /* a signal the thread stopped with, to re-deliver */
};

/* Stop tid. PT_OK and p holds it; PT_EPERM (not allowed to trace),
 * PT_EGONE (the thread exited). */
enum pt_err pt_pause(struct pt_pause *p, pid_t tid);
/* Resume and detach (no-op when nothing is held). */
void pt_resume(struct pt_pause *p);

#endif
