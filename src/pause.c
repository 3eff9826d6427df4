/* pause — ptrace seize/interrupt/detach around one thread's walk. */
#include "pytop/pause.h"

#include <errno.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

enum pt_err pt_pause(struct pt_pause *p, pid_t tid)
{
    p->tid = 0;
    p->signal = 0;
    if (ptrace(PTRACE_SEIZE, tid, 0, 0) != 0)
        return errno == EPERM ? PT_EPERM : PT_EGONE;
    if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) != 0) {
        ptrace(PTRACE_DETACH, tid, 0, 0);
        return PT_EGONE;
    }
    for (;;) {
        int status;
        pid_t r = waitpid(tid, &status, __WALL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r != tid || !WIFSTOPPED(status))
            return PT_EGONE; /* exited (or was killed) while we waited */
        /* A signal-delivery stop can come before our interrupt's stop:
         * the thread is stopped either way; keep the signal for detach. */
        if ((status >> 16) == 0)
            p->signal = WSTOPSIG(status);
        p->tid = tid;
        return PT_OK;
    }
}

void pt_resume(struct pt_pause *p)
{
    if (!p->tid)
        return;
    /* Detaching a stopped tracee resumes it; the pending interrupt (if a
     * signal stop came first) is discarded with the tracing itself. */
    ptrace(PTRACE_DETACH, p->tid, 0, (void *)(long)p->signal);
    p->tid = 0;
}
