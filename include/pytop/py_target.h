/*
 * py_target — attach to a running CPython: find the ELF object holding the
 * interpreter (libpython if mapped, else the executable or whatever mapped
 * file has the runtime), tell its exact version, pick that version's
 * layout and facts, and locate the interpreter list — by symbol, by the
 * .PyRuntime section, or by a validated scan of .data/.bss. Every
 * candidate is proven by structure (its first thread state points back to
 * its interpreter) before it is used. Reads only; never stops the target.
 */
#ifndef PYTOP_PY_TARGET_H
#define PYTOP_PY_TARGET_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "pytop/mem.h"
#include "pytop/proc_ident.h"
#include "pytop/proc_maps.h"
#include "pytop/py_ctx.h"
#include "pytop/py_version.h"
#include "pytop/util.h"

struct pt_target {
    pid_t pid;
    struct pt_ident ident;   /* the process pid named at attach (see proc_ident.h) */
    struct pt_maps maps;
    struct pt_mem mem;
    struct pt_mem_proc memproc;
    char elf_path[PATH_MAX]; /* as the target sees it */
    uint64_t bias;           /* load bias of that object */
    struct pt_pyversion ver;
    struct pt_pyctx ctx;
    uint64_t interp_head;    /* address of the variable holding the first interpreter */
    uint64_t tstate_current; /* &_PyThreadState_Current (2.7, 3.6) or 0 */
    uint64_t runtime;        /* &_PyRuntime (3.7+) or 0 */
    uint64_t code_counter;   /* &_Py_next_func_version (3.12, by symbol) or 0 */
    const char *entry_how;   /* "symbol _PyRuntime", ".PyRuntime section", ... */
    int debug_offsets_differ;/* debug offsets that disagreed with the table */
};

/* Which ways of finding the interpreter to skip. Only tests set these, to
 * prove that each fall-back finds the same interpreter on its own. */
struct pt_attach_opts {
    bool no_symbols;   /* ignore _PyRuntime / interp_head symbols */
    bool no_section;   /* ignore the .PyRuntime section */
    bool no_disasm;    /* ignore the PyInterpreterState_Head code (2.7, 3.6) */
};

/* Attach (read-only). On failure why gets a specific detail line. */
enum pt_err pt_target_attach(pid_t pid, struct pt_target *t, struct pt_sb *why);
enum pt_err pt_target_attach_with(pid_t pid, const struct pt_attach_opts *opts,
                                  struct pt_target *t, struct pt_sb *why);
void pt_target_detach(struct pt_target *t);

/* Could p point to an object? Non-NULL, 8-aligned, in user space. The
 * memory map taken at attach time is not consulted: the target maps new
 * memory (arenas, libraries) all the time, and the read itself is the
 * final word on whether an address is mapped. */
bool pt_target_ptr_plausible(const struct pt_target *t, uint64_t p);

/* Does the word at head_addr point to a proven interpreter: its thread
 * states point back at it (strict: and one of them runs a code object)?
 * Attach checks every candidate so; public for the fuzz target, which
 * feeds it the same hostile memory as the walk. */
bool pt_target_head_valid(const struct pt_target *t, uint64_t head_addr, bool strict);

/* First interpreter state (re-read each time: it can change at exit),
 * read through mem (the target's own reader or one that wraps it). */
enum pt_err pt_target_first_interp(const struct pt_target *t, const struct pt_mem *mem,
                                   uint64_t *interp);

/* The innermost frame of the thread state whose bytes (from offset 0) are
 * in ts: a PyFrameObject (<= 3.10) or a _PyInterpreterFrame (3.11+). */
enum pt_err pt_target_top_frame(const struct pt_target *t, const struct pt_mem *mem,
                                const uint8_t *ts, uint64_t *fp);

#endif
