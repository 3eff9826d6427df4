/*
 * tidcache — the sampler's view of the target's kernel threads.
 *
 * Maps a thread id as the target numbers it (its PID namespace) to ours
 * and keeps /proc/PID/task/TID/stat open, so "is it running?" costs one
 * pread per sample instead of open+read+close. Unknown ids are resolved
 * once; an id that cannot be resolved is remembered as such for a while,
 * so it is not looked up again on every tick. Owned by one thread.
 *
 * An open stat file stays bound to the task it was opened for: once that
 * task has gone, reads of it fail, even when its number names another.
 * So a read that works proves the process alive (proc_ident.h) if the
 * file was opened while the PID was known to name it.
 */
#ifndef PYTOP_TIDCACHE_H
#define PYTOP_TIDCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pytop/error.h"

struct pt_tident {
    pid_t ns_tid;   /* key */
    pid_t tid;      /* ours; 0 = could not be resolved */
    int stat_fd;    /* -1 when closed */
    int sched_fd;   /* schedstat, opened on first use; -1 when closed */
    uint64_t seen;  /* tick of last use, for eviction */
    uint64_t retry; /* unresolved: do not retry before this tick */
    uint64_t opened; /* tick at which stat_fd was opened */
};

struct pt_tidcache {
    pid_t pid;
    struct pt_tident *v;
    size_t n, cap;
};

void pt_tidcache_init(struct pt_tidcache *c, pid_t pid);
void pt_tidcache_free(struct pt_tidcache *c);

/* The entry for ns_tid at tick now (resolving it if needed), or NULL. */
struct pt_tident *pt_tidcache_get(struct pt_tidcache *c, pid_t ns_tid, uint64_t now);

/* Scheduler state of the thread: PT_OK and *running, or PT_EGONE. */
enum pt_err pt_tidcache_running(struct pt_tident *e, bool *running);

/* CPU time the thread has run so far (ns, from schedstat). Unchanged
 * across a read means the thread did not run during it. */
enum pt_err pt_tidcache_runtime(struct pt_tidcache *c, struct pt_tident *e, uint64_t *ns);

/* Close entries not used since tick `before` (threads that exited). */
void pt_tidcache_evict(struct pt_tidcache *c, uint64_t before);

#endif
