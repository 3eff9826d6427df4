/*
 * safefile — write a whole file so that a reader sees either nothing or
 * all of it. The bytes go to a fresh temporary file beside the target
 * (O_EXCL, mode 0644), are flushed, and then published: by link(2) when
 * the name must not exist yet (never overwriting, and never following a
 * symlink planted there), or by rename(2) when overwriting is allowed. A
 * failure (disk full, read-only directory) removes the temporary file and
 * says what happened.
 */
#ifndef PYTOP_SAFEFILE_H
#define PYTOP_SAFEFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "pytop/error.h"
#include "pytop/util.h"

enum pt_err pt_safefile_write(const char *path, const char *data, size_t len, bool overwrite,
                              struct pt_sb *why);

/* Could path be written now? Its directory exists and is writable, and
 * the name is free (or, with overwrite, not a directory). Creates nothing;
 * on false, why says what is wrong. For refusing a run at its start
 * rather than losing its samples at the end (the write itself still
 * reports whatever happens later, a full disk above all). */
bool pt_safefile_writable(const char *path, bool overwrite, struct pt_sb *why);

/* Numbered series (the viewer's dumps): a new file named dir/stem+ext, or
 * when that name is taken (by anything, a symlink included)
 * dir/stem-1+ext, dir/stem-2+ext, ...: the first free one, up to
 * PT_SAFEFILE_MAX_SUFFIX. Never overwrites, never follows a symlink.
 * path receives the name used (cleared first). */
#define PT_SAFEFILE_MAX_SUFFIX 999u
/* Written whole or not at all (temporary file, then link(2); EEXIST
 * moves on to the next name). */
enum pt_err pt_safefile_write_new(const char *dir, const char *stem, const char *ext, const char *data,
                                  size_t len, struct pt_sb *path, struct pt_sb *why);
/* Created empty (open O_CREAT|O_EXCL|O_NOFOLLOW), for a file another
 * process then appends to. */
enum pt_err pt_safefile_create_new(const char *dir, const char *stem, const char *ext,
                                   struct pt_sb *path, struct pt_sb *why);

#endif
