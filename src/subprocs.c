/* subprocs — follow the target's descendants. */
#include "pytop/subprocs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pytop/util.h"

/* Attempts (one per scan) before a non-Python descendant is ignored. */
#define MAX_TRIES 4

void pt_subprocs_init(struct pt_subprocs *sp, pid_t root)
{
    memset(sp, 0, sizeof *sp);
    sp->root = root;
}

bool pt_subprocs_parse_stat(const char *stat, pid_t *pid, pid_t *ppid, uint64_t *start)
{
    const char *rp = strrchr(stat, ')');
    int p;
    if (!rp || sscanf(stat, "%d", &p) != 1)
        return false;
    /* after comm: state(3) ppid(4) ... starttime(22) */
    int pp;
    unsigned long long st;
    if (sscanf(rp + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
               &pp, &st) != 2)
        return false;
    *pid = p;
    *ppid = pp;
    *start = st;
    return true;
}

struct proc_row {
    pid_t pid, ppid;
    uint64_t start;
};

/* Every process's parent, from /proc. Caller frees. */
static struct proc_row *scan_proc(size_t *n)
{
    DIR *d = opendir("/proc");
    if (!d)
        return NULL;
    size_t cap = 256, cnt = 0;
    struct proc_row *v = malloc(cap * sizeof *v);
    struct dirent *e;
    while (v && (e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char path[300], *text;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        if (pt_read_file(path, &text, NULL) != PT_OK)
            continue;
        struct proc_row r;
        bool ok = pt_subprocs_parse_stat(text, &r.pid, &r.ppid, &r.start);
        free(text);
        if (!ok)
            continue;
        if (cnt == cap) {
            struct proc_row *nv = realloc(v, (cap *= 2) * sizeof *v);
            if (!nv) {
                free(v);
                v = NULL;
                break;
            }
            v = nv;
        }
        v[cnt++] = r;
    }
    closedir(d);
    *n = cnt;
    return v;
}

static int by_pid(const void *a, const void *b)
{
    pid_t x = ((const struct proc_row *)a)->pid, y = ((const struct proc_row *)b)->pid;
    return (x > y) - (x < y);
}

/* rows sorted by pid */
static bool is_descendant(const struct proc_row *rows, size_t n, pid_t pid, pid_t root)
{
    /* walk up the parent chain; bounded, since a chain cannot exceed n */
    for (size_t hops = 0; hops <= n && pid > 1; hops++) {
        struct proc_row key = {pid, 0, 0};
        const struct proc_row *r = bsearch(&key, rows, n, sizeof *rows, by_pid);
        if (!r)
            return false;
        pid = r->ppid;
        if (pid == root)
            return true;
    }
    return false;
}

static struct pt_subproc *find(struct pt_subprocs *sp, pid_t pid, uint64_t start)
{
    for (size_t i = 0; i < sp->n; i++)
        if (sp->v[i].pid == pid && sp->v[i].start == start)
            return &sp->v[i];
    return NULL;
}

static struct pt_subproc *add(struct pt_subprocs *sp, pid_t pid, uint64_t start)
{
    if (sp->n == sp->cap) {
        size_t cap = sp->cap ? sp->cap * 2 : 16;
        struct pt_subproc *v = realloc(sp->v, cap * sizeof *v);
        if (!v)
            return NULL;
        sp->v = v;
        sp->cap = cap;
    }
    struct pt_subproc *p = &sp->v[sp->n++];
    *p = (struct pt_subproc){pid, start, 0, NULL, false};
    return p;
}

/* Attach (quietly) and offer to the sampler; false to try again later. */
static void try_adopt(struct pt_subproc *p, struct pt_sampler *s)
{
    if (!p->t && p->tries < MAX_TRIES) {
        struct pt_target *t = malloc(sizeof *t);
        struct pt_sb ignore;
        pt_sb_init(&ignore);
        enum pt_err err = t ? pt_target_attach(p->pid, t, &ignore) : PT_ENOMEM;
        if (err == PT_OK && t->ident.start != p->start) {
            /* the PID now names a newer process than the one found */
            pt_target_detach(t);
            err = PT_EGONE;
            p->tries = MAX_TRIES;
        }
        if (err == PT_OK) {
            p->t = t;
        } else {
            free(t);
            p->tries++;
        }
        pt_sb_free(&ignore);
    }
    if (p->t && !p->handed)
        p->handed = pt_sampler_add_target(s, p->t);
}

void pt_subprocs_poll(struct pt_subprocs *sp, struct pt_sampler *s, uint64_t now_ns)
{
    if (!s || now_ns < sp->next_scan_ns)
        return;
    sp->next_scan_ns = now_ns + PT_SUBPROCS_SCAN_NS;
    size_t n = 0;
    struct proc_row *rows = scan_proc(&n);
    if (!rows)
        return;
    qsort(rows, n, sizeof *rows, by_pid);
    for (size_t i = 0; i < n; i++) {
        if (!is_descendant(rows, n, rows[i].pid, sp->root))
            continue;
        struct pt_subproc *p = find(sp, rows[i].pid, rows[i].start);
        if (!p)
            p = add(sp, rows[i].pid, rows[i].start);
        if (p)
            try_adopt(p, s);
    }
    free(rows);
}

size_t pt_subprocs_count(const struct pt_subprocs *sp)
{
    size_t k = 0;
    for (size_t i = 0; i < sp->n; i++)
        k += sp->v[i].handed;
    return k;
}

void pt_subprocs_free(struct pt_subprocs *sp)
{
    for (size_t i = 0; i < sp->n; i++) {
        if (sp->v[i].t) {
            pt_target_detach(sp->v[i].t);
            free(sp->v[i].t);
        }
    }
    free(sp->v);
    memset(sp, 0, sizeof *sp);
}
