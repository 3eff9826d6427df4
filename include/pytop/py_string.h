/*
 * py_string — a Python str (PEP 393, any kind) or 2.7 str read from the
 * target and turned into UTF-8. Strings longer than the caller's buffer are
 * cut at a character boundary and flagged; lone surrogates become U+FFFD;
 * control characters become '?', so a hostile name cannot drive the
 * terminal. The pure encoder is exposed for tests.
 */
#ifndef PYTOP_PY_STRING_H
#define PYTOP_PY_STRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pytop/py_ctx.h"

/* Longest string pytop reads (characters); longer ones are truncated. */
#define PT_STR_MAX_CHARS 4096

/* Encode nchars code units of width kind (1, 2 or 4 bytes) as UTF-8 into
 * out (always NUL-terminated). Returns bytes written, excluding the NUL;
 * sets *cut if out was too small. */
size_t pt_str_encode(int kind, const void *data, size_t nchars, char *out, size_t cap, bool *cut);

/* In place: every byte that is not part of valid UTF-8, and every
 * control character, becomes '?' (2.7 names are raw bytes). */
void pt_str_sanitize_utf8(char *s, size_t n);

/* Read the str object at addr into out as UTF-8. Type-checked when the
 * str type's address is known. */
enum pt_err pt_str_read(const struct pt_pyctx *ctx, uint64_t addr, char *out, size_t cap);

#endif
