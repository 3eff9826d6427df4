/* fuzz_image — parse and write the fuzz input format (see fuzz_image.h). */
#include "fuzz_image.h"

#include <stdlib.h>
#include <string.h>

#include "pytop/py_layout.h"

static uint64_t le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

static void put_le(FILE *f, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fputc((int)(v >> (8 * i) & 0xff), f);
}

/* The version byte names a row of the layout table; any other byte still
 * picks one, so every input exercises some layout. */
static void pick_version(uint8_t b, struct fz_image *img)
{
    for (size_t i = 0; i < pt_layout_count; i++) {
        const struct pt_layout *L = &pt_layout_table[i];
        if (b == (uint8_t)(L->major << 4 | L->minor)) {
            img->major = L->major;
            img->minor = L->minor;
            return;
        }
    }
    const struct pt_layout *L = &pt_layout_table[b % pt_layout_count];
    img->major = L->major;
    img->minor = L->minor;
}

bool fz_image_parse(const uint8_t *data, size_t size, struct fz_image *img)
{
    memset(img, 0, sizeof *img);
    if (size < FZ_HDR_SIZE)
        return false;
    pick_version(data[0], img);
    img->flags = data[1];
    img->switch_after = (uint32_t)le(data + 4, 4);
    img->entry = le(data + 8, 8);
    img->tstate_current = le(data + 16, 8);
    img->str_type = le(data + 24, 8);
    img->code_type = le(data + 32, 8);
    /* two passes: count, then fill (phase 2 first in the second state) */
    size_t n1 = 0, n2 = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t i1 = 0, i2 = 0;
        for (size_t off = FZ_HDR_SIZE; off + FZ_SPAN_HDR <= size && i1 + i2 < FZ_MAX_SPANS;) {
            uint64_t addr = le(data + off, 8);
            uint32_t lenw = (uint32_t)le(data + off + 8, 4);
            size_t len = lenw & ~FZ_PHASE2;
            off += FZ_SPAN_HDR;
            if (len > size - off)
                len = size - off;
            struct pt_mem_span s = {addr, data + off, len};
            off += len;
            if (pass == 0) {
                i1 += !(lenw & FZ_PHASE2);
                i2 += !!(lenw & FZ_PHASE2);
            } else if (lenw & FZ_PHASE2) {
                img->second[i2++] = s;
            } else {
                img->first[i1] = s;
                img->second[n2 + i1++] = s;
            }
        }
        if (pass == 0) {
            n1 = i1;
            n2 = i2;
            img->first = calloc(n1 + 1, sizeof *img->first);
            img->second = calloc(n1 + n2 + 1, sizeof *img->second);
            if (!img->first || !img->second) {
                fz_image_free(img);
                return false;
            }
        }
    }
    img->nfirst = n1;
    img->nsecond = n1 + n2;
    return true;
}

void fz_image_free(struct fz_image *img)
{
    free(img->first);
    free(img->second);
    img->first = img->second = NULL;
    img->nfirst = img->nsecond = 0;
}

void fz_write_header(FILE *f, const struct fz_image *img)
{
    put_le(f, (uint64_t)(img->major << 4 | img->minor), 1);
    put_le(f, img->flags, 1);
    put_le(f, 0, 2);
    put_le(f, img->switch_after, 4);
    put_le(f, img->entry, 8);
    put_le(f, img->tstate_current, 8);
    put_le(f, img->str_type, 8);
    put_le(f, img->code_type, 8);
}

void fz_write_span(FILE *f, bool phase2, uint64_t addr, const void *data, uint32_t len)
{
    put_le(f, addr, 8);
    put_le(f, len | (phase2 ? FZ_PHASE2 : 0), 4);
    fwrite(data, 1, len, f);
}
