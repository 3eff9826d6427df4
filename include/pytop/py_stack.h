/*
 * py_stack — every thread's Python stack, read from outside.
 *
 * Walks interpreters -> thread states -> frames with the layout and facts
 * of the attached version. Every pointer is checked before it is followed;
 * every list is bounded and cycle-checked. Interpreter shim frames (3.12+
 * entry frames) and frames whose prologue has not run yet are skipped, as
 * CPython's own tracebacks skip them. A frame that cannot be decoded is
 * kept, with its error, never replaced by a guess.
 */
#ifndef PYTOP_PY_STACK_H
#define PYTOP_PY_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pytop/py_code.h"
#include "pytop/py_target.h"

/* Deeper than any recursion limit in practice, small enough to bound work. */
#define PT_MAX_FRAMES (1u << 17)
#define PT_MAX_THREADS 8192
#define PT_THREAD_NAME_MAX 64

struct pt_frame {
    uint64_t code;    /* code object address */
    const char *name; /* owned by the code cache; NULL when err != PT_OK */
    const char *file;
    int line;         /* PT_NOLINE when the table has none */
    enum pt_err err;  /* why this frame could not be decoded */
};

struct pt_thread {
    uint64_t tstate;
    uint64_t ident;   /* threading.get_ident(): pthread_self() */
    pid_t tid;        /* kernel thread id in our namespace; 0 unknown */
    bool gil;         /* holds the GIL now */
    bool running;     /* scheduler state R */
    bool running_known;
    char name[PT_THREAD_NAME_MAX]; /* threading name, "" unknown */
    struct pt_frame *frames;       /* leaf first */
    size_t nframes, cap;
    enum pt_err err;  /* the walk stopped early for this reason */
};

struct pt_stacks {
    struct pt_thread *threads;
    size_t n, cap;
};

struct pt_walker {
    const struct pt_target *t;
    struct pt_codecache codes;
};

void pt_walker_init(struct pt_walker *w, const struct pt_target *t);
void pt_walker_free(struct pt_walker *w);

/* Read all threads of all interpreters into out (reset first). */
enum pt_err pt_stacks_read(struct pt_walker *w, struct pt_stacks *out);
void pt_stacks_free(struct pt_stacks *s);

#endif
