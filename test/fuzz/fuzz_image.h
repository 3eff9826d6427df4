/*
 * fuzz_image — the fuzz input format: a synthetic process image.
 *
 * Little-endian throughout, so a seed captured from a real process stays
 * meaningful and mutations land on structure:
 *
 *   offset  size  field
 *   0       1     version, 0xMm: 0x27 = 2.7, 0x36 = 3.6 ... 0x3e = 3.14;
 *                 a byte naming no supported version picks one (byte mod count)
 *   1       1     flags (FZ_*)
 *   2       2     reserved, ignored
 *   4       4     switch_after: the memory changes to its second state after
 *                 this many reads of the first walk (0: only between walks)
 *   8       8     entry: &_PyRuntime (3.7+) or &interp_head (2.7, 3.6)
 *   16      8     &_PyThreadState_Current (2.7, 3.6), else 0
 *   24      8     &PyUnicode_Type (&PyString_Type on 2.7), 0 = unknown
 *   32      8     &PyCode_Type, 0 = unknown
 *   40      ...   spans until the end: u64 addr, u32 len, len bytes. Bit 31
 *                 of len marks a span of the second state only, which shadows
 *                 the first state where they overlap. A last span cut short
 *                 keeps the bytes present.
 *
 * The first state is the phase-1 spans; the second is the phase-2 spans
 * laid over them: memory the target changed while pytop read it.
 */
#ifndef PYTOP_FUZZ_IMAGE_H
#define PYTOP_FUZZ_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pytop/mem.h"

#define FZ_HDR_SIZE 40
#define FZ_SPAN_HDR 12
#define FZ_PHASE2 0x80000000u
#define FZ_MAX_SPANS 65536

enum fz_flags {
    FZ_DEBUG_OFFSETS = 1, /* overlay the _Py_DebugOffsets at entry (3.13+), as attach does */
    FZ_VERIFY_TOP = 2,    /* walker re-reads each top frame after the walk */
    FZ_REREAD = 4,        /* the sink asks to re-read each thread state */
    FZ_SKIP_ODD = 8,      /* the sink skips every other thread */
};

struct fz_image {
    int major, minor;
    unsigned flags;
    uint32_t switch_after;
    uint64_t entry, tstate_current, str_type, code_type;
    struct pt_mem_span *first;  /* phase-1 spans */
    size_t nfirst;
    struct pt_mem_span *second; /* phase-2 spans, then the phase-1 ones */
    size_t nsecond;
};

/* Parse data (which must outlive img: spans point into it). False when it
 * is too short to hold a header or memory runs out. */
bool fz_image_parse(const uint8_t *data, size_t size, struct fz_image *img);
void fz_image_free(struct fz_image *img);

/* Writing, for the seed capture tool. */
void fz_write_header(FILE *f, const struct fz_image *img);
void fz_write_span(FILE *f, bool phase2, uint64_t addr, const void *data, uint32_t len);

#endif
