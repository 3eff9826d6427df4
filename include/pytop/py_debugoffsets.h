/*
 * py_debugoffsets — the _Py_DebugOffsets block CPython 3.13+ puts at the
 * start of _PyRuntime for tools like this one. Given the block's raw bytes
 * (from the target's memory or the ELF file) it checks the cookie and
 * version and overlays every offset it carries onto a pt_layout. The block
 * layout differs per minor version, so each supported minor has its own
 * declaration here; what the block lacks stays as the generated table has it.
 */
#ifndef PYTOP_PY_DEBUGOFFSETS_H
#define PYTOP_PY_DEBUGOFFSETS_H

#include <stddef.h>
#include <stdint.h>

#include "pytop/error.h"
#include "pytop/py_layout.h"

/* Bytes to read: enough for the largest declaration we know. */
#define PT_DEBUG_OFFSETS_MAX 1024

/* Size of the block for this declaration (313 or 314); 0 if unknown. */
size_t pt_debugoffsets_size(int decl);

/* Overlay the block onto lay. decl picks the declaration. Returns
 * PT_EINVAL on a bad cookie, a version of another minor, or implausible
 * values; PT_EUNSUPPORTED for a free-threaded build. *differs counts the
 * offsets that disagreed with lay's previous (generated) values. */
enum pt_err pt_debugoffsets_apply(const uint8_t *block, size_t len, int decl,
                                  struct pt_layout *lay, int *differs);

#endif
