/* proc_info — existence, permission, cmdline, threads and their states. */
#include "pytop/proc_info.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PF_KTHREAD_FLAG 0x00200000UL
#define PF_EXITING_FLAG 0x00000004UL
#define CAP_SYS_PTRACE_BIT 19

bool pt_proc_parse_stat(const char *stat, char *state, unsigned long *flags)
{
    const char *rp = strrchr(stat, ')');
    if (!rp)
        return false;
    char st;
    unsigned long fl;
    /* fields after comm: state ppid pgrp session tty_nr tpgid flags */
    if (sscanf(rp + 1, " %c %*d %*d %*d %*d %*d %lu", &st, &fl) != 2)
        return false;
    *state = st;
    if (flags)
        *flags = fl;
    return true;
}

static enum pt_err read_stat(pid_t pid, pid_t tid, char *state, unsigned long *flags)
{
    char path[96];
    if (tid > 0)
        snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    else
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    char *text;
    enum pt_err err = pt_read_file(path, &text, NULL);
    if (err != PT_OK)
        return err;
    bool ok = pt_proc_parse_stat(text, state, flags);
    free(text);
    return ok ? PT_OK : PT_EIO;
}

enum pt_err pt_proc_probe(pid_t pid, struct pt_sb *why)
{
    if (pid <= 0)
        return PT_ENOPROC;
    if (pid == getpid())
        return PT_ESELF;
    char state;
    unsigned long flags;
    enum pt_err err = read_stat(pid, 0, &state, &flags);
    if (err != PT_OK)
        return err == PT_EPERM ? PT_EPERM : PT_ENOPROC;
    if (state == 'Z' || state == 'X')
        return PT_EZOMBIE;
    if (flags & PF_KTHREAD_FLAG)
        return PT_EKTHREAD;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    /* /proc/PID/maps and mem obey the same ptrace access check that
     * process_vm_readv does; asking now gives a clear message up front. */
    if (access(path, R_OK) != 0 && errno == EACCES) {
        if (why)
            pt_proc_perm_hint(pid, why);
        return PT_EPERM;
    }
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    char *maps;
    err = pt_read_file(path, &maps, NULL);
    if (err == PT_OK) {
        /* An unreadable maps file reads as empty for a foreign process. */
        bool empty = maps[0] == '\0';
        free(maps);
        if (empty) {
            /* No address space left: it is exiting (a process we may not
             * read fails to open maps instead). */
            if (read_stat(pid, 0, &state, &flags) != PT_OK)
                return PT_ENOPROC;
            if (state == 'Z' || state == 'X' || (flags & PF_EXITING_FLAG))
                return PT_EZOMBIE;
            if (why)
                pt_proc_perm_hint(pid, why);
            return PT_EPERM;
        }
        return PT_OK;
    }
    if (err == PT_EPERM && why)
        pt_proc_perm_hint(pid, why);
    return err;
}

enum pt_err pt_proc_cmdline(pid_t pid, struct pt_sb *out)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    char *text;
    size_t len;
    enum pt_err err = pt_read_file(path, &text, &len);
    if (err != PT_OK)
        return err;
    while (len > 0 && text[len - 1] == '\0')
        len--;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\0')
            text[i] = ' ';
    pt_sb_add(out, text, len);
    free(text);
    return pt_sb_failed(out) ? PT_ENOMEM : PT_OK;
}

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

enum pt_err pt_proc_tasks(pid_t pid, pid_t **tids, size_t *n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return errno == EACCES ? PT_EPERM : PT_EGONE;
    size_t cap = 16, cnt = 0;
    pid_t *v = malloc(cap * sizeof *v);
    struct dirent *e;
    while (v && (e = readdir(d))) {
        char *end;
        long t = strtol(e->d_name, &end, 10);
        if (*end || t <= 0)
            continue;
        if (cnt == cap) {
            pid_t *nv = realloc(v, cap * 2 * sizeof *v);
            if (!nv) {
                free(v);
                v = NULL;
                break;
            }
            v = nv;
            cap *= 2;
        }
        v[cnt++] = (pid_t)t;
    }
    closedir(d);
    if (!v)
        return PT_ENOMEM;
    qsort(v, cnt, sizeof *v, cmp_pid);
    *tids = v;
    *n = cnt;
    return PT_OK;
}

enum pt_err pt_proc_task_running(pid_t pid, pid_t tid, bool *running)
{
    char state;
    enum pt_err err = read_stat(pid, tid, &state, NULL);
    if (err == PT_OK)
        *running = state == 'R';
    return err;
}

/* Last number on the NSpid line = the id in the innermost namespace. */
static pid_t nspid_inner(const char *status)
{
    const char *line = strstr(status, "\nNSpid:");
    if (!line)
        return 0;
    line += 7;
    pid_t last = 0;
    char *end;
    for (;;) {
        long v = strtol(line, &end, 10);
        if (end == line)
            break;
        last = (pid_t)v;
        line = end;
        if (*line == '\n' || *line == '\0')
            break;
    }
    return last;
}

pid_t pt_proc_host_tid(pid_t pid, pid_t ns_tid)
{
    char path[96];
    /* Same namespace (the common case): the id names a task directly. */
    snprintf(path, sizeof path, "/proc/%d/task/%d/status", (int)pid, (int)ns_tid);
    char *text;
    if (pt_read_file(path, &text, NULL) == PT_OK) {
        pid_t inner = nspid_inner(text);
        free(text);
        if (inner == ns_tid)
            return ns_tid;
    }
    pid_t *tids;
    size_t n;
    if (pt_proc_tasks(pid, &tids, &n) != PT_OK)
        return 0;
    pid_t found = 0;
    for (size_t i = 0; i < n && !found; i++) {
        snprintf(path, sizeof path, "/proc/%d/task/%d/status", (int)pid, (int)tids[i]);
        if (pt_read_file(path, &text, NULL) != PT_OK)
            continue;
        if (nspid_inner(text) == ns_tid)
            found = tids[i];
        free(text);
    }
    free(tids);
    return found;
}

void pt_proc_root_path(pid_t pid, const char *path, char *buf, size_t cap)
{
    snprintf(buf, cap, "/proc/%d/root%s", (int)pid, path);
}

static bool have_cap_ptrace(void)
{
    char *text;
    if (pt_read_file("/proc/self/status", &text, NULL) != PT_OK)
        return false;
    const char *p = strstr(text, "\nCapEff:");
    unsigned long long caps = p ? strtoull(p + 8, NULL, 16) : 0;
    free(text);
    return (caps >> CAP_SYS_PTRACE_BIT) & 1;
}

static int yama_scope(void)
{
    char *text;
    if (pt_read_file("/proc/sys/kernel/yama/ptrace_scope", &text, NULL) != PT_OK)
        return -1;
    int v = atoi(text);
    free(text);
    return v;
}

void pt_proc_perm_hint(pid_t pid, struct pt_sb *why)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    char *text;
    long uid = -1;
    if (pt_read_file(path, &text, NULL) == PT_OK) {
        const char *p = strstr(text, "\nUid:");
        if (p)
            uid = strtol(p + 5, NULL, 10);
        free(text);
    }
    bool cap = have_cap_ptrace();
    int scope = yama_scope();
    if (uid >= 0 && (uid_t)uid != geteuid() && !cap)
        pt_sb_printf(why, "process %d belongs to uid %ld and pytop runs as uid %ld "
                     "without CAP_SYS_PTRACE", (int)pid, uid, (long)geteuid());
    else if (scope >= 1 && !cap)
        pt_sb_printf(why, "kernel.yama.ptrace_scope is %d and pytop lacks "
                     "CAP_SYS_PTRACE", scope);
    else
        pt_sb_printf(why, "the kernel refused access to process %d", (int)pid);
}
