/*
 * py_linetable — which source line an instruction offset belongs to.
 *
 * Pure functions over a copy of a code object's line table: no reads, no
 * allocation, so they are cheap on the hot path and exhaustively testable
 * against each interpreter's own answers. addrq is a byte offset into the
 * bytecode; a negative addrq (frame not started) yields firstlineno, as
 * the interpreter itself reports. PT_NOLINE means the table says the
 * instruction has no line (or the table is malformed for that offset).
 */
#ifndef PYTOP_PY_LINETABLE_H
#define PYTOP_PY_LINETABLE_H

#include <stddef.h>
#include <stdint.h>

#include "pytop/py_facts.h"

#define PT_NOLINE (-1)

int pt_line_lookup(enum pt_linefmt fmt, const uint8_t *tab, size_t len, int firstlineno,
                   int64_t addrq);

#endif
