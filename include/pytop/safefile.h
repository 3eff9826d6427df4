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

#endif
