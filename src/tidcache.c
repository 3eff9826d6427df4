/* tidcache — ns tid -> host tid, with the stat file kept open. */
#include "pytop/tidcache.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pytop/proc_info.h"

/* Ticks to wait before resolving an unknown id again. */
#define RETRY_TICKS 64

void pt_tidcache_init(struct pt_tidcache *c, pid_t pid)
{
    c->pid = pid;
    c->v = NULL;
    c->n = c->cap = 0;
}

static void close_entry(struct pt_tident *e)
{
    if (e->stat_fd >= 0)
        close(e->stat_fd);
    if (e->sched_fd >= 0)
        close(e->sched_fd);
    e->stat_fd = e->sched_fd = -1;
}

void pt_tidcache_free(struct pt_tidcache *c)
{
    for (size_t i = 0; i < c->n; i++)
        close_entry(&c->v[i]);
    free(c->v);
    c->v = NULL;
    c->n = c->cap = 0;
}

static void resolve(struct pt_tidcache *c, struct pt_tident *e, uint64_t now)
{
    e->tid = pt_proc_host_tid(c->pid, e->ns_tid);
    e->retry = now + RETRY_TICKS;
    if (!e->tid)
        return;
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)c->pid, (int)e->tid);
    e->stat_fd = open(path, O_RDONLY | O_CLOEXEC);
    e->opened = now;
    if (e->stat_fd < 0)
        e->tid = 0;
}

struct pt_tident *pt_tidcache_get(struct pt_tidcache *c, pid_t ns_tid, uint64_t now)
{
    if (ns_tid <= 0)
        return NULL;
    for (size_t i = 0; i < c->n; i++) {
        struct pt_tident *e = &c->v[i];
        if (e->ns_tid != ns_tid)
            continue;
        e->seen = now;
        if (!e->tid && now >= e->retry)
            resolve(c, e, now);
        return e->tid ? e : NULL;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        struct pt_tident *v = realloc(c->v, cap * sizeof *v);
        if (!v)
            return NULL;
        c->v = v;
        c->cap = cap;
    }
    struct pt_tident *e = &c->v[c->n++];
    *e = (struct pt_tident){ns_tid, 0, -1, -1, now, 0, now};
    resolve(c, e, now);
    return e->tid ? e : NULL;
}

enum pt_err pt_tidcache_running(struct pt_tident *e, bool *running)
{
    char buf[128];
    ssize_t n = pread(e->stat_fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return PT_EGONE;
    buf[n] = '\0';
    /* "tid (comm) S ...": the state follows the last ')' (comm may hold ')') */
    const char *rp = strrchr(buf, ')');
    if (!rp || rp[1] != ' ' || !rp[2])
        return PT_EGONE;
    *running = rp[2] == 'R';
    return PT_OK;
}

enum pt_err pt_tidcache_runtime(struct pt_tidcache *c, struct pt_tident *e, uint64_t *ns)
{
    if (e->sched_fd < 0) {
        char path[96];
        snprintf(path, sizeof path, "/proc/%d/task/%d/schedstat", (int)c->pid, (int)e->tid);
        e->sched_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (e->sched_fd < 0)
            return PT_EGONE;
    }
    char buf[96];
    ssize_t n = pread(e->sched_fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return PT_EGONE;
    buf[n] = '\0';
    char *end;
    *ns = strtoull(buf, &end, 10);
    return end != buf ? PT_OK : PT_EGONE;
}

void pt_tidcache_evict(struct pt_tidcache *c, uint64_t before)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->v[i].seen < before) {
            close_entry(&c->v[i]);
            continue;
        }
        c->v[k++] = c->v[i];
    }
    c->n = k;
}
