/*
 * py_threadnames — thread names as the threading module knows them
 * (threading._active: ident -> Thread, Thread._name), read from outside.
 * Names are cached by thread ident; an ident whose lookup failed is not
 * looked up again on every call, so a missing name never slows sampling.
 *
 * The chain, per interpreter (the main one first):
 *   interp->modules (sys.modules) ["threading"] -> md_dict ["_active"]
 *   -> entry whose int key == ident -> the Thread's "_name"
 *   ("_Thread__name" on 2.7), from its instance __dict__ (<= 3.10), or its
 *   managed dict / values keyed by the type's shared keys (3.11+).
 */
#ifndef PYTOP_PY_THREADNAMES_H
#define PYTOP_PY_THREADNAMES_H

#include <stdint.h>

#include "pytop/py_stack.h"
#include "pytop/py_target.h"

/* Interpreters whose threading._active address is remembered. */
#define PT_TN_INTERPS 4

struct pt_tn_active {
    uint64_t interp, active; /* where that interpreter's _active dict is */
};

struct pt_threadnames {
    struct pt_tname *v;  /* one per (ident, tid) seen last call, sorted */
    size_t n, cap;
    struct pt_tn_active act[PT_TN_INTERPS];
    uint64_t name_key;   /* the interned "_name" str last matched: later
                            lookups compare its address, not its text */
};

void pt_threadnames_init(struct pt_threadnames *tn);
void pt_threadnames_free(struct pt_threadnames *tn);

/* Fill th->name for every thread in s whose name is known. Best effort:
 * a thread whose name cannot be read keeps an empty name. */
void pt_threadnames_fill(struct pt_threadnames *tn, const struct pt_target *t, struct pt_stacks *s);

#endif
