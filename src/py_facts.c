/* py_facts — the hand-written per-version behaviour table. Sources: CPython
 * headers of each version and ../shared/reference/cpython-internals.md. */
#include "pytop/py_facts.h"

#include <stddef.h>

#define NOTAG 0
/* 3.14 _PyStackRef: low bits tag the reference (deferred / no refcount). */
#define STACKREF_TAGS 3

static const struct pt_pyfacts facts[] = {
    {2, 7, PT_ENTRY_INTERP_HEAD, PT_CHAIN_FRAMEOBJ, PT_LINES_LNOTAB_U8, PT_INSTR_LASTI_BYTES,
     PT_GIL_TSTATE_CURRENT, PT_STR_BYTES27, -1, -1, NOTAG, 0, false, 0,
     PT_CODECOUNT_NONE},
    {3, 6, PT_ENTRY_INTERP_HEAD, PT_CHAIN_FRAMEOBJ, PT_LINES_LNOTAB_S8, PT_INSTR_LASTI_BYTES,
     PT_GIL_TSTATE_CURRENT, PT_STR_PEP393, -1, -1, NOTAG, 0, false, 0,
     PT_CODECOUNT_NONE},
    {3, 7, PT_ENTRY_RUNTIME, PT_CHAIN_FRAMEOBJ, PT_LINES_LNOTAB_S8, PT_INSTR_LASTI_BYTES,
     PT_GIL_RUNTIME, PT_STR_PEP393, -1, -1, NOTAG, 0, false, 0,
     PT_CODECOUNT_NONE},
    {3, 8, PT_ENTRY_RUNTIME, PT_CHAIN_FRAMEOBJ, PT_LINES_LNOTAB_S8, PT_INSTR_LASTI_BYTES,
     PT_GIL_RUNTIME, PT_STR_PEP393, -1, -1, NOTAG, 0, false, 0,
     PT_CODECOUNT_NONE},
    {3, 9, PT_ENTRY_RUNTIME, PT_CHAIN_FRAMEOBJ, PT_LINES_LNOTAB_S8, PT_INSTR_LASTI_BYTES,
     PT_GIL_RUNTIME, PT_STR_PEP393, -1, -1, NOTAG, 0, false, 0,
     PT_CODECOUNT_NONE},
    {3, 10, PT_ENTRY_RUNTIME, PT_CHAIN_FRAMEOBJ, PT_LINES_PEP626, PT_INSTR_LASTI_UNITS,
     PT_GIL_RUNTIME, PT_STR_PEP393, -1, -1, NOTAG, 0, false, 0,
     PT_CODECOUNT_NONE},
    {3, 11, PT_ENTRY_RUNTIME, PT_CHAIN_CFRAME, PT_LINES_LOCATIONS, PT_INSTR_PREV_PTR,
     PT_GIL_RUNTIME, PT_STR_PEP393, -1, 1, NOTAG, 0, true, 0,
     PT_CODECOUNT_NONE},
    {3, 12, PT_ENTRY_RUNTIME, PT_CHAIN_CFRAME, PT_LINES_LOCATIONS, PT_INSTR_PREV_PTR,
     PT_GIL_PER_INTERP, PT_STR_PEP393, 3, 1, NOTAG, 0, true, 0,
     PT_CODECOUNT_GLOBAL32},
    {3, 13, PT_ENTRY_RUNTIME, PT_CHAIN_CURRENT_FRAME, PT_LINES_LOCATIONS, PT_INSTR_NEXT_PTR,
     PT_GIL_PER_INTERP, PT_STR_PEP393, 3, 1, NOTAG, 0x20, true, 313,
     PT_CODECOUNT_INTERP32},
    {3, 14, PT_ENTRY_RUNTIME, PT_CHAIN_CURRENT_FRAME, PT_LINES_LOCATIONS, PT_INSTR_NEXT_PTR,
     PT_GIL_PER_INTERP, PT_STR_PEP393, 3, 1, STACKREF_TAGS, 0, true, 314,
     PT_CODECOUNT_INTERP64},
};

const struct pt_pyfacts *pt_facts_find(int major, int minor)
{
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++)
        if (facts[i].major == major && facts[i].minor == minor)
            return &facts[i];
    return NULL;
}

const char *pt_facts_supported_range(void) { return "2.7 and 3.6 to 3.14"; }
