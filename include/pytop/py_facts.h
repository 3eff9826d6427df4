/*
 * py_facts — per-minor-version behaviour that no offsetof() can express:
 * how the interpreter is entered, how frames chain, which line-table
 * format and instruction unit are in use, which frames are interpreter
 * shims, how the GIL holder and a thread's kernel id are found, and how
 * strings are laid out. One row per supported minor version (src/py_facts.c);
 * a version without a row is unsupported, and says so.
 */
#ifndef PYTOP_PY_FACTS_H
#define PYTOP_PY_FACTS_H

#include <stdbool.h>
#include <stdint.h>

enum pt_entry {
    PT_ENTRY_INTERP_HEAD, /* static interp_head (2.7, 3.6) */
    PT_ENTRY_RUNTIME,     /* _PyRuntime (3.7+) */
};

enum pt_chain {
    PT_CHAIN_FRAMEOBJ,      /* ts->frame, f_back: PyFrameObject (<= 3.10) */
    PT_CHAIN_CFRAME,        /* ts->cframe->current_frame, previous (3.11, 3.12) */
    PT_CHAIN_CURRENT_FRAME, /* ts->current_frame, previous (3.13+) */
};

enum pt_linefmt {
    PT_LINES_LNOTAB_U8, /* 2.7: co_lnotab, unsigned line deltas */
    PT_LINES_LNOTAB_S8, /* 3.6-3.9: co_lnotab, signed line deltas */
    PT_LINES_PEP626,    /* 3.10: co_linetable (byte delta, line delta) */
    PT_LINES_LOCATIONS, /* 3.11+: location table */
};

enum pt_instr {
    PT_INSTR_LASTI_BYTES, /* f_lasti counts bytes (<= 3.9) */
    PT_INSTR_LASTI_UNITS, /* f_lasti counts 2-byte code units (3.10) */
    PT_INSTR_PREV_PTR,    /* prev_instr: last instruction started (3.11, 3.12) */
    PT_INSTR_NEXT_PTR,    /* instr_ptr: instruction executing now (3.13+) */
};

enum pt_gilsrc {
    PT_GIL_TSTATE_CURRENT, /* exported _PyThreadState_Current (2.7, 3.6) */
    PT_GIL_RUNTIME,        /* _PyRuntime.ceval.gil (3.7-3.11) */
    PT_GIL_PER_INTERP,     /* *interp->ceval.gil (3.12+) */
};

enum pt_strfmt {
    PT_STR_BYTES27, /* PyStringObject: ob_size + ob_sval */
    PT_STR_PEP393,  /* PyASCIIObject / PyCompactUnicodeObject */
};

/* A count the target moves whenever a code object may have been replaced
 * at its address (py_code.h: cached code objects are trusted while it
 * holds). */
enum pt_codecount {
    PT_CODECOUNT_NONE,     /* none (<= 3.11): every use re-reads the header */
    PT_CODECOUNT_GLOBAL32, /* _Py_next_func_version, code objects created (3.12) */
    PT_CODECOUNT_INTERP32, /* interp->func_state.next_version, created (3.13) */
    PT_CODECOUNT_INTERP64, /* interp->_code_object_generation, deallocated (3.14) */
};

struct pt_pyfacts {
    int major, minor;
    enum pt_entry entry;
    enum pt_chain chain;
    enum pt_linefmt lines;
    enum pt_instr instr;
    enum pt_gilsrc gil;
    enum pt_strfmt str;
    int owner_shim_min;     /* frames with owner >= this are shims; -1: none */
    int owner_generator;    /* owner value of generator frames; -1: n/a */
    uint64_t code_tag_mask; /* bits to clear from the frame's code pointer */
    uint32_t status_holds_gil; /* bit in ts->_status meaning "holds the GIL"; 0: none */
    bool native_tid;        /* ts->native_thread_id exists (3.11+) */
    int debug_offsets;      /* 0, or the _Py_DebugOffsets declaration (313, 314) */
    enum pt_codecount codecount;
};

/* The facts for major.minor, or NULL: unsupported. */
const struct pt_pyfacts *pt_facts_find(int major, int minor);
/* Oldest and newest supported, for messages. */
const char *pt_facts_supported_range(void);

#endif
