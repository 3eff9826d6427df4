/* sample — the ring record format. */
#include "pytop/sample.h"

#include <string.h>

size_t pt_sample_words(uint32_t depth) { return PT_SAMPLE_HDR_WORDS + (size_t)depth; }

size_t pt_sample_encode(const struct pt_sample *s, uint32_t *out)
{
    out[0] = s->tid;
    out[1] = s->pid;
    out[2] = s->flags;
    out[3] = s->tick;
    out[4] = (uint32_t)s->t_ns;
    out[5] = (uint32_t)(s->t_ns >> 32);
    out[6] = s->weight_us;
    out[7] = s->depth;
    if (s->depth && out + PT_SAMPLE_HDR_WORDS != s->frames)
        memcpy(out + PT_SAMPLE_HDR_WORDS, s->frames, s->depth * sizeof *s->frames);
    return pt_sample_words(s->depth);
}

bool pt_sample_decode(const uint32_t *rec, size_t n, struct pt_sample *s)
{
    if (n < PT_SAMPLE_HDR_WORDS || n != pt_sample_words(rec[7]))
        return false;
    s->tid = rec[0];
    s->pid = rec[1];
    s->flags = rec[2];
    s->tick = rec[3];
    s->t_ns = (uint64_t)rec[4] | ((uint64_t)rec[5] << 32);
    s->weight_us = rec[6];
    s->depth = rec[7];
    s->frames = rec + PT_SAMPLE_HDR_WORDS;
    return true;
}
