/*
 * mem — reading another process's memory.
 *
 * Everything that decodes the target reads through a pt_mem, never through
 * process_vm_readv directly, so the same decoders run on a live process
 * and on a synthetic image (tests, fuzzing). A read either fills the whole
 * buffer or fails: a short read is an error, never half a struct.
 * pytop only ever reads; there is deliberately no write operation.
 */
#ifndef PYTOP_MEM_H
#define PYTOP_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pytop/error.h"

/* One piece of a vectored read: len bytes at addr into buf. */
struct pt_mem_piece {
    uint64_t addr;
    void *buf;
    size_t len;
};

struct pt_mem {
    /* Fill buf with len bytes at addr in the target; PT_OK or why not. */
    enum pt_err (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
    /* Fill as many whole pieces as possible, in order, in one go; the
     * number filled is returned (a piece that fails ends the run).
     * NULL: pt_mem_readv falls back to one read per piece. */
    size_t (*readv)(void *ctx, const struct pt_mem_piece *pieces, size_t n);
    void *ctx;
};

enum pt_err pt_mem_read(const struct pt_mem *mem, uint64_t addr, void *buf, size_t len);
/* Read many pieces at once (one system call for a live process). Returns
 * how many leading pieces were filled whole; the caller retries or gives
 * up on the rest. */
size_t pt_mem_readv(const struct pt_mem *mem, const struct pt_mem_piece *pieces, size_t n);
/* Convenience: one little-endian pointer-sized word. */
enum pt_err pt_mem_read_u64(const struct pt_mem *mem, uint64_t addr, uint64_t *out);

/* A reader for a live process (process_vm_readv). ctx is the pid. */
struct pt_mem_proc {
    pid_t pid;
};
void pt_mem_proc_init(struct pt_mem *mem, struct pt_mem_proc *ctx, pid_t pid);

/* A reader over a synthetic image: a set of (address, bytes) spans. */
struct pt_mem_span {
    uint64_t addr;
    const void *data;
    size_t len;
};
struct pt_mem_image {
    const struct pt_mem_span *spans;
    size_t count;
};
void pt_mem_image_init(struct pt_mem *mem, struct pt_mem_image *img);

#endif
