/*
 * fuzz_decode — the fuzz entry point (libFuzzer's name) and the same run
 * with its findings, for the corpus replay: how many threads and frames
 * the first walk of an input found, how many frames decoded to a name and
 * how many threads got their threading name, and whether attach's proof
 * accepted the interpreter. A seed captured from a real process must still decode to real
 * stacks; a crash or a broken contract aborts instead of returning.
 */
#ifndef PYTOP_FUZZ_DECODE_H
#define PYTOP_FUZZ_DECODE_H

#include <stddef.h>
#include <stdint.h>

struct fz_result {
    size_t threads, frames, decoded, named_threads;
    int proven; /* attach's structural proof (strict) accepted the interpreter */
};

void fz_run(const uint8_t *data, size_t size, struct fz_result *res);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
