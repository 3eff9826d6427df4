/*
 * py_threadnames — thread names as the threading module knows them
 * (threading._active: ident -> Thread, Thread._name), read from outside.
 * Names are cached by thread ident; an ident whose lookup failed is not
 * looked up again on every call, so a missing name never slows sampling.
 */
#ifndef PYTOP_PY_THREADNAMES_H
#define PYTOP_PY_THREADNAMES_H

#include "pytop/py_stack.h"
#include "pytop/py_target.h"

struct pt_threadnames {
    struct pt_tname *v;
    size_t n, cap;
};

void pt_threadnames_init(struct pt_threadnames *tn);
void pt_threadnames_free(struct pt_threadnames *tn);

/* Fill th->name for every thread in s whose name is known. Best effort:
 * a thread whose name cannot be read keeps an empty name. */
void pt_threadnames_fill(struct pt_threadnames *tn, const struct pt_target *t, struct pt_stacks *s);

#endif
