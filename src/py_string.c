/* py_string — decode PEP 393 and 2.7 strings from the target to UTF-8. */
#include "pytop/py_string.h"

#include <string.h>

#define STATE_KIND(s) (((s) >> 2) & 7)
#define STATE_COMPACT 0x20u
#define STATE_ASCII 0x40u

static size_t utf8_len(uint32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

static void put_utf8(uint32_t c, char *o)
{
    if (c < 0x80) {
        o[0] = (char)c;
    } else if (c < 0x800) {
        o[0] = (char)(0xc0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
        o[0] = (char)(0xe0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        o[2] = (char)(0x80 | (c & 0x3f));
    } else {
        o[0] = (char)(0xf0 | (c >> 18));
        o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
        o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
        o[3] = (char)(0x80 | (c & 0x3f));
    }
}

static uint32_t unit_at(int kind, const void *data, size_t i)
{
    if (kind == 1)
        return ((const uint8_t *)data)[i];
    if (kind == 2) {
        uint16_t v;
        memcpy(&v, (const char *)data + 2 * i, 2);
        return v;
    }
    uint32_t v;
    memcpy(&v, (const char *)data + 4 * i, 4);
    return v;
}

size_t pt_str_encode(int kind, const void *data, size_t nchars, char *out, size_t cap, bool *cut)
{
    size_t n = 0;
    *cut = false;
    if (cap == 0) {
        *cut = nchars > 0;
        return 0;
    }
    for (size_t i = 0; i < nchars; i++) {
        uint32_t c = unit_at(kind, data, i);
        /* C0, DEL and C1 (U+0080-U+009F: U+009B is an 8-bit CSI) */
        if (c < 0x20 || (c >= 0x7f && c < 0xa0))
            c = '?';
        else if ((c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
            c = 0xfffd;
        size_t w = utf8_len(c);
        if (n + w + 1 > cap) {
            *cut = true;
            break;
        }
        put_utf8(c, out + n);
        n += w;
    }
    out[n] = '\0';
    return n;
}

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0. Rejects
 * overlong forms, surrogates and code points past U+10FFFF. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    size_t len = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3
                : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    uint32_t c = len == 1 ? p[0] : p[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3f);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    return len;
}

void pt_str_sanitize_utf8(char *s, size_t n)
{
    unsigned char *p = (unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq(p + i, n - i);
        uint32_t c = len == 2 ? (uint32_t)((p[i] & 0x1f) << 6 | (p[i + 1] & 0x3f)) : p[i];
        /* invalid bytes, C0/DEL and C1 controls (U+0080-U+009F) become '?' */
        if (len == 0 || c < 0x20 || c == 0x7f || (len == 2 && c < 0xa0)) {
            size_t bad = len ? len : 1;
            for (size_t k = 0; k < bad; k++)
                p[i + k] = '?';
            i += bad;
            continue;
        }
        i += len;
    }
}

static enum pt_err check_type(const struct pt_pyctx *ctx, uint64_t addr)
{
    if (!ctx->str_type)
        return PT_OK;
    uint64_t type;
    enum pt_err err = pt_mem_read_u64(ctx->mem, addr + (uint64_t)ctx->lay.ob_type, &type);
    if (err != PT_OK)
        return err;
    return type == ctx->str_type ? PT_OK : PT_EINVAL;
}

/* 2.7: bytes as the interpreter holds them; sanitised, assumed UTF-8. */
static enum pt_err read_bytes27(const struct pt_pyctx *ctx, uint64_t addr, char *out, size_t cap)
{
    int64_t len;
    enum pt_err err = pt_mem_read(ctx->mem, addr + (uint64_t)ctx->lay.var_size, &len, sizeof len);
    if (err != PT_OK)
        return err;
    if (len < 0)
        return PT_EINVAL;
    size_t max = cap - 1 < PT_STR_MAX_CHARS ? cap - 1 : PT_STR_MAX_CHARS;
    size_t n = (size_t)len < max ? (size_t)len : max;
    /* one byte more when cut, to see whether the cut splits a character */
    size_t want = n < (size_t)len ? n + 1 : n; /* n + 1 <= cap */
    err = pt_mem_read(ctx->mem, addr + (uint64_t)ctx->lay.bytes_sval, out, want);
    if (err != PT_OK)
        return err;
    while (want > n && n > 0 && ((unsigned char)out[n] & 0xc0) == 0x80)
        n--; /* back to the start of the split UTF-8 sequence */
    out[n] = '\0';
    pt_str_sanitize_utf8(out, n);
    return PT_OK;
}

static enum pt_err read_pep393(const struct pt_pyctx *ctx, uint64_t addr, char *out, size_t cap)
{
    const struct pt_layout *L = &ctx->lay;
    uint8_t hdr[128];
    if (L->unicode_ascii_size <= L->unicode_state || (size_t)L->unicode_ascii_size > sizeof hdr)
        return PT_EINVAL;
    enum pt_err err = pt_mem_read(ctx->mem, addr, hdr, (size_t)L->unicode_ascii_size);
    if (err != PT_OK)
        return err;
    int64_t len;
    uint32_t state;
    memcpy(&len, hdr + L->unicode_length, sizeof len);
    memcpy(&state, hdr + L->unicode_state, sizeof state);
    int kind = (int)STATE_KIND(state);
    if (len < 0 || (kind != 1 && kind != 2 && kind != 4))
        return PT_EINVAL;
    uint64_t data;
    if ((state & STATE_COMPACT) && (state & STATE_ASCII)) {
        data = addr + (uint64_t)L->unicode_ascii_size;
    } else if (state & STATE_COMPACT) {
        data = addr + (uint64_t)L->unicode_compact_size;
    } else {
        err = pt_mem_read_u64(ctx->mem, addr + (uint64_t)L->unicode_data, &data);
        if (err != PT_OK)
            return err;
    }
    size_t n = len > PT_STR_MAX_CHARS ? PT_STR_MAX_CHARS : (size_t)len;
    uint8_t raw[PT_STR_MAX_CHARS * 4];
    err = pt_mem_read(ctx->mem, data, raw, n * (size_t)kind);
    if (err != PT_OK)
        return err;
    bool cut;
    pt_str_encode(kind, raw, n, out, cap, &cut);
    return PT_OK;
}

enum pt_err pt_str_read(const struct pt_pyctx *ctx, uint64_t addr, char *out, size_t cap)
{
    if (cap == 0)
        return PT_EINVAL;
    out[0] = '\0';
    enum pt_err err = check_type(ctx, addr);
    if (err != PT_OK)
        return err;
    if (ctx->facts->str == PT_STR_BYTES27)
        return read_bytes27(ctx, addr, out, cap);
    return read_pep393(ctx, addr, out, cap);
}
