/* proc_ident — a PID's identity: pidfd, else start time. */
#include "pytop/proc_ident.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pytop/util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same number on every architecture */
#endif

/* Fields of /proc/PID/stat after the ")" closing the command name: the
 * state is the first, the start time (field 22 overall) the 20th. */
#define STAT_START_FIELD 20

/* State letter and start time; robust to ')' and spaces in the name. */
static bool parse_stat(const char *stat, char *state, uint64_t *start)
{
    const char *p = stat ? strrchr(stat, ')') : NULL;
    if (!p)
        return false;
    p++;
    for (int field = 1; field <= STAT_START_FIELD; field++) {
        while (*p == ' ')
            p++;
        if (!*p)
            return false;
        if (field == 1)
            *state = *p;
        if (field == STAT_START_FIELD) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(p, &end, 10);
            if (end == p || errno)
                return false;
            *start = v;
            return true;
        }
        p += strcspn(p, " ");
    }
    return false;
}

static char *read_stat(pid_t pid)
{
    char path[64], *text = NULL;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    return pt_read_file(path, &text, NULL) == PT_OK ? text : NULL;
}

/* Has the pidfd's process exited? */
static bool pidfd_exited(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    int r;
    while ((r = poll(&p, 1, 0)) < 0 && errno == EINTR)
        ;
    return r != 0; /* readable: exited; an error: cannot vouch for it */
}

enum pt_err pt_ident_judge_stat(const struct pt_ident *id, const char *stat)
{
    char state;
    uint64_t start;
    if (!parse_stat(stat, &state, &start) || state == 'Z' || state == 'X')
        return PT_EGONE;
    return start == id->start ? PT_OK : PT_EGONE; /* another process under the old PID */
}

enum pt_err pt_ident_capture(pid_t pid, struct pt_ident *id)
{
    *id = (struct pt_ident){0, -1, 0};
    if (pid <= 0)
        return PT_ENOPROC;
    /* the pidfd first: the start time read next is then either this
     * process's, or the pidfd shows it gone */
    long fd = syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0 && errno == ESRCH)
        return PT_ENOPROC;
    char *stat = read_stat(pid);
    char state;
    bool ok = parse_stat(stat, &state, &id->start);
    free(stat);
    if (!ok) {
        if (fd >= 0)
            close((int)fd);
        return PT_ENOPROC;
    }
    id->pid = pid;
    id->pidfd = fd >= 0 ? (int)fd : -1; /* ENOSYS, EPERM (seccomp): start time only */
    enum pt_err err = pt_ident_check(id);
    if (err != PT_OK)
        pt_ident_close(id);
    return err;
}

enum pt_err pt_ident_check(const struct pt_ident *id)
{
    if (id->pid <= 0)
        return PT_EGONE;
    if (id->pidfd >= 0)
        return pidfd_exited(id->pidfd) ? PT_EGONE : PT_OK;
    char *stat = read_stat(id->pid);
    enum pt_err err = pt_ident_judge_stat(id, stat);
    free(stat);
    return err;
}

void pt_ident_close(struct pt_ident *id)
{
    if (id->pid > 0 && id->pidfd >= 0)
        close(id->pidfd);
    id->pidfd = -1;
    id->pid = 0;
}
