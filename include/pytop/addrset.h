/*
 * addrset — a set of addresses that is emptied in constant time.
 *
 * The stack walker adds every frame address of one thread's stack and
 * treats a repeat as a stack that cannot be: each frame is a distinct
 * live object, so a frame met twice means the walk crossed memory the
 * target changed under it, or a loop. This is exact, where a cycle check
 * only catches a chain that loops for good (a frame read again after the
 * target rewrote it can lead somewhere else). Open addressing with a
 * stamp per slot: emptying bumps the stamp, so starting the next stack
 * costs nothing however deep the last one was. Owned by one thread.
 */
#ifndef PYTOP_ADDRSET_H
#define PYTOP_ADDRSET_H

#include <stddef.h>
#include <stdint.h>

#include "pytop/error.h"

struct pt_addrset {
    uint64_t *keys;
    uint32_t *stamp; /* a slot holds a key when its stamp is now */
    size_t cap, n;   /* cap: 0 or a power of two */
    uint32_t now;
};

/* A zero-filled set is a valid empty set too. */
void pt_addrset_init(struct pt_addrset *s);
void pt_addrset_free(struct pt_addrset *s);
void pt_addrset_clear(struct pt_addrset *s);

/* PT_OK when addr was not in the set (it is now), PT_EINVAL when it
 * already was, PT_ENOMEM when the set could not grow. */
enum pt_err pt_addrset_add(struct pt_addrset *s, uint64_t addr);

#endif
