/*
 * util — small helpers every module may use: whole-file reads (for /proc,
 * whose files report size 0), a growable text buffer and the monotonic
 * clock. No global state.
 */
#ifndef PYTOP_UTIL_H
#define PYTOP_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pytop/error.h"

/* A cache hint (no effect on results): load p's line ahead of its use. */
#if defined(__GNUC__)
#define PT_PREFETCH(p) __builtin_prefetch(p)
#else
#define PT_PREFETCH(p) ((void)(p))
#endif

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t pt_now_ns(void);

/* Read a whole file into a NUL-terminated malloc'd buffer. len may be NULL.
 * Errors: PT_ENOPROC/PT_EPERM for ENOENT/EACCES-like failures, PT_EIO else. */
enum pt_err pt_read_file(const char *path, char **text, size_t *len);

/* A growable string. Appends never fail silently: on ENOMEM the buffer is
 * marked failed and pt_sb_failed() says so. */
struct pt_sb {
    char *s;
    size_t len, cap;
    bool failed;
};
void pt_sb_init(struct pt_sb *sb);
void pt_sb_free(struct pt_sb *sb);
/* Empty it, keeping its memory. */
void pt_sb_clear(struct pt_sb *sb);
void pt_sb_add(struct pt_sb *sb, const char *s, size_t n);
void pt_sb_puts(struct pt_sb *sb, const char *s);
/* Room for n more bytes and a NUL at the end, to write in place; NULL on
 * ENOMEM (marked failed). pt_sb_commit(sb, k), k <= n, then appends the
 * first k of them. */
char *pt_sb_room(struct pt_sb *sb, size_t n);
void pt_sb_commit(struct pt_sb *sb, size_t k);
void pt_sb_printf(struct pt_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool pt_sb_failed(const struct pt_sb *sb);

#endif
