/* pause — ptrace seize/interrupt/detach around one thread's walk. */
#include "pytop/pause.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "pytop/util.h"

/* The stop follows the interrupt within microseconds, but a waiter asleep
 * in waitpid is woken tens of microseconds after it (a cross-CPU wake-up,
 * dearer still in a VM), and the thread stays stopped all that while. So
 * the wait polls first, for this long at most (a thread in an
 * uninterruptible sleep stops only when that ends), then sleeps. Measured
 * here at 1 kHz: 39 us from interrupt to stop seen asleep, 8 us polling. */
#define POLL_STOP_NS 200000

static pid_t wait_stop(pid_t tid, int *status)
{
    uint64_t end = pt_now_ns() + POLL_STOP_NS;
    pid_t r;
    while ((r = waitpid(tid, status, __WALL | WNOHANG)) == 0 && pt_now_ns() < end)
        ;
    while (r == 0 || (r < 0 && errno == EINTR))
        r = waitpid(tid, status, __WALL);
    return r;
}

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
    int status;
    pid_t r = wait_stop(tid, &status);
    if (r != tid || !WIFSTOPPED(status))
        return PT_EGONE; /* exited (or was killed) while we waited */
    /* A signal-delivery stop can come before our interrupt's stop: the
     * thread is stopped either way; keep the signal for detach. */
    if ((status >> 16) == 0)
        p->signal = WSTOPSIG(status);
    p->tid = tid;
    return PT_OK;
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
