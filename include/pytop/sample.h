/*
 * sample — one thread's stack at one tick, as it travels through the ring.
 *
 * A record is a run of 32-bit words: a fixed header, then the interned
 * frame ids (intern.h), leaf first. The sampler encodes; every consumer
 * decodes with pt_sample_decode, which checks the record's shape, so a
 * record is never misread even if the format grows.
 */
#ifndef PYTOP_SAMPLE_H
#define PYTOP_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_SAMPLE_IDLE 0x1u /* the thread was not running (scheduler state) */
#define PT_SAMPLE_GIL 0x2u  /* the thread held the GIL */

#define PT_SAMPLE_HDR_WORDS 8

struct pt_sample {
    uint32_t tid;        /* kernel thread id (our PID namespace) */
    uint32_t pid;        /* process the thread belongs to */
    uint32_t flags;      /* PT_SAMPLE_* */
    uint32_t tick;       /* sampler tick number (wraps); samples of one tick share it */
    uint64_t t_ns;       /* CLOCK_MONOTONIC time of the tick */
    uint32_t weight_us;  /* real time this sample stands for: the interval since the previous tick */
    uint32_t depth;      /* number of frames */
    const uint32_t *frames; /* depth frame ids, leaf first (points into the record) */
};

/* Words needed for a sample of depth frames. */
size_t pt_sample_words(uint32_t depth);

/* Write s (frames from s->frames) into out; returns words written. */
size_t pt_sample_encode(const struct pt_sample *s, uint32_t *out);
/* Read a record of n words; false if it is malformed. s->frames points into rec. */
bool pt_sample_decode(const uint32_t *rec, size_t n, struct pt_sample *s);

#endif
