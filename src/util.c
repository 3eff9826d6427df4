/* util — whole-file reads and the growable string buffer. */
#include "pytop/util.h"

#include <time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static enum pt_err errno_to_err(int e)
{
    switch (e) {
    case ENOENT:
    case ESRCH:
        return PT_ENOPROC;
    case EACCES:
    case EPERM:
        return PT_EPERM;
    default:
        return PT_EIO;
    }
}

enum pt_err pt_read_file(const char *path, char **text, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno_to_err(errno);
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (cap - n < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - n - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return errno_to_err(e);
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    if (!buf)
        return PT_ENOMEM;
    buf[n] = '\0';
    *text = buf;
    if (len)
        *len = n;
    return PT_OK;
}

void pt_sb_init(struct pt_sb *sb)
{
    sb->s = NULL;
    sb->len = sb->cap = 0;
    sb->failed = false;
}

void pt_sb_free(struct pt_sb *sb)
{
    free(sb->s);
    pt_sb_init(sb);
}

void pt_sb_clear(struct pt_sb *sb)
{
    sb->len = 0;
    if (sb->s)
        sb->s[0] = '\0';
}

static bool reserve(struct pt_sb *sb, size_t extra)
{
    if (sb->failed)
        return false;
    if (sb->len + extra + 1 <= sb->cap)
        return true;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    char *s = realloc(sb->s, cap);
    if (!s) {
        sb->failed = true;
        return false;
    }
    sb->s = s;
    sb->cap = cap;
    return true;
}

void pt_sb_add(struct pt_sb *sb, const char *s, size_t n)
{
    if (!reserve(sb, n))
        return;
    memcpy(sb->s + sb->len, s, n);
    sb->len += n;
    sb->s[sb->len] = '\0';
}

char *pt_sb_room(struct pt_sb *sb, size_t n) { return reserve(sb, n) ? sb->s + sb->len : NULL; }

void pt_sb_commit(struct pt_sb *sb, size_t k)
{
    sb->len += k;
    sb->s[sb->len] = '\0';
}

void pt_sb_puts(struct pt_sb *sb, const char *s) { pt_sb_add(sb, s, strlen(s)); }

void pt_sb_printf(struct pt_sb *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0 || !reserve(sb, (size_t)need))
        return;
    va_start(ap, fmt);
    vsnprintf(sb->s + sb->len, (size_t)need + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)need;
}

bool pt_sb_failed(const struct pt_sb *sb) { return sb->failed; }

uint64_t pt_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
