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

#include "pytop/addrset.h"
#include "pytop/mem_snap.h"
#include "pytop/py_code.h"
#include "pytop/py_target.h"

/* Deeper than any recursion limit in practice, small enough to bound work. */
#define PT_MAX_FRAMES (1u << 17)
#define PT_MAX_THREADS 8192
#define PT_THREAD_NAME_MAX 64

struct pt_frame {
    uint64_t code;    /* code object address */
    /* Copies owned by the stacks, NULL when err != PT_OK: the code cache
     * decodes an entry afresh (freeing its strings) when the object at
     * that address changed, which can happen between two threads of one
     * walk. */
    char *name;
    char *file;
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

/* A frame as read, before its code object is decoded. */
struct pt_rawframe {
    uint64_t code;
    int64_t addrq; /* byte offset of the instruction */
    int owner;     /* 3.11+ frame owner; -1 for <= 3.10 frame objects */
};

struct pt_walker {
    const struct pt_target *t;
    /* Reads go through snap (one vectored read per walk of what the last
     * walk read); ctx is the target's context with that reader. A walker
     * refers to itself: it must not be moved once initialised. */
    struct pt_snap snap;
    struct pt_pyctx ctx;
    struct pt_codecache codes;
    /* After a thread's frames, re-read its top frame and report the stack
     * as PT_EINVAL if it moved meanwhile (live reads). Frames read while
     * the thread runs can join two of its stacks into one it never had: on
     * <= 3.10 through freed frame objects, on 3.11+ through data-stack
     * chunks freed and reallocated in another order, or generator frames
     * resumed elsewhere (test/check_chaos.c found both). */
    bool verify_top;
    /* The frame addresses of the thread being walked: one met twice makes
     * the stack PT_EINVAL (torn by the target, or a loop). */
    struct pt_addrset frames_seen;

    /* Reused between walks so the sampler's hot path does not allocate. */
    struct pt_rawframe *raw;
    size_t nraw, raw_cap;
    uint64_t *codes_of;
    uint32_t *map;
    struct pt_code **res;
    enum pt_err *errs;
    /* 3.11+: the last span of memory read around a frame */
    uint8_t span[2 * 4096 + 512];
    uint64_t span_base;
    size_t span_len;
    /* <= 3.10 keeps a thread's kernel id in glibc's struct pthread, on
     * the thread's own stack: a read (a piece of the vectored read) per
     * thread per walk for a number fixed for the thread's life. So it is
     * kept by thread state and identity, at the thread's place in the
     * list, until pt_walker_forget_tid says it went stale. */
    struct pt_tidmemo {
        uint64_t tstate, ident;
        pid_t tid;
    } *tids;
    size_t ntids, tids_cap, thread_pos;
    /* the GIL state block of the last interpreter walked */
    uint64_t gil_interp, gil_addr;
    /* The target's code-object count (py_code.h), where this walk reads
     * it (0: it has none, or more than one interpreter runs) and where the
     * last walk did, and the count as read after the frames of the thread
     * being decoded; the last such read of a walk is the stamp of entries
     * the next walk checks. */
    uint64_t count_addr, count_prev_addr;
    struct pt_code_epoch epoch;
};

/* What the walk says about a thread before its frames. */
struct pt_threadinfo {
    uint64_t tstate;
    uint64_t ident;  /* threading.get_ident() */
    pid_t ns_tid;    /* kernel tid as the target sees it (its PID namespace); 0 unknown */
    bool gil;
};

/*
 * The streaming form of the walk, for callers that must not allocate
 * (the sampler): thread() is called per thread state and chooses whether
 * to walk that thread's frames (idle, not the GIL holder, ...); frame() is
 * called per Python frame, leaf first — code is only valid during the
 * call, and is NULL when err says why the frame could not be decoded;
 * thread_end() closes the thread with the walk's verdict.
 */
enum pt_walk_choice {
    PT_WALK_SKIP,   /* not this thread's frames */
    PT_WALK,        /* walk them */
    PT_WALK_REREAD, /* re-read the thread state first (it was just paused) */
};

struct pt_walk_sink {
    enum pt_walk_choice (*thread)(void *arg, const struct pt_threadinfo *ti);
    enum pt_err (*frame)(void *arg, struct pt_code *code, uint64_t code_addr, int line,
                         enum pt_err err);
    void (*thread_end)(void *arg, enum pt_err err);
    void *arg;
    /* Optional (NULL: never): the thread's live reads did not hold together,
     * tries included. Return PT_WALK_REREAD after pausing it, for one more
     * read of it held still; anything else keeps the failure. */
    enum pt_walk_choice (*torn)(void *arg);
};

/* Walk every thread of every interpreter into sink. */
enum pt_err pt_walk(struct pt_walker *w, const struct pt_walk_sink *sink);

void pt_walker_init(struct pt_walker *w, const struct pt_target *t);
void pt_walker_free(struct pt_walker *w);

/* The kernel id the walk gave for the thread state at tstate named no
 * live thread: read it afresh next time (a new thread can reuse both the
 * thread state's memory and glibc's thread identity). */
void pt_walker_forget_tid(struct pt_walker *w, uint64_t tstate);

/* Read all threads of all interpreters into out (reset first). */
enum pt_err pt_stacks_read(struct pt_walker *w, struct pt_stacks *out);
void pt_stacks_free(struct pt_stacks *s);

#endif
