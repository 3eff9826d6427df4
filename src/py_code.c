/* py_code — decode code objects once, re-validate on every use. */
#include "pytop/py_code.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pytop/py_linetable.h"
#include "pytop/py_string.h"

#define CODE_HDR_MAX 512
#define LINES_MAX (1u << 20)

_Static_assert(offsetof(struct pt_code, name_ptr) <= 64, "the hot half of an entry fills one cache line");

void pt_codecache_init(struct pt_codecache *cc)
{
    cc->codes = NULL;
    cc->used = cc->codes_cap = 0;
    cc->index = NULL;
    cc->cap = 0;
    cc->scratch = NULL;
    cc->scratch_n = 0;
}

static void code_clear(struct pt_code *c)
{
    free(c->name);
    free(c->file);
    free(c->lines);
    memset(c, 0, sizeof *c);
}

void pt_codecache_free(struct pt_codecache *cc)
{
    for (size_t i = 0; i < cc->used; i++)
        code_clear(&cc->codes[i]);
    free(cc->codes);
    free(cc->index);
    free(cc->scratch);
    pt_codecache_init(cc);
}

static size_t slot_of(uint64_t addr, size_t cap)
{
    uint64_t h = (addr >> 4) * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 17) & (cap - 1);
}

/* The index slot holding addr's entry, or the empty slot where it goes. */
static uint32_t *find_slot(struct pt_codecache *cc, uint64_t addr)
{
    size_t i = slot_of(addr, cc->cap);
    while (cc->index[i] && cc->codes[cc->index[i] - 1].addr != addr)
        i = (i + 1) & (cc->cap - 1);
    return &cc->index[i];
}

static enum pt_err grow_index(struct pt_codecache *cc)
{
    size_t ncap = cc->cap ? cc->cap * 2 : 256;
    uint32_t *idx = calloc(ncap, sizeof *idx);
    if (!idx)
        return PT_ENOMEM;
    free(cc->index);
    cc->index = idx;
    cc->cap = ncap;
    for (size_t i = 0; i < cc->used; i++)
        *find_slot(cc, cc->codes[i].addr) = (uint32_t)i + 1;
    return PT_OK;
}

static enum pt_err grow_codes(struct pt_codecache *cc, size_t want)
{
    size_t ncap = cc->codes_cap ? cc->codes_cap : 64;
    while (ncap < want)
        ncap *= 2;
    /* aligned, so that each entry's hot half is one cache line */
    struct pt_code *c = aligned_alloc(_Alignof(struct pt_code), ncap * sizeof *c);
    if (!c)
        return PT_ENOMEM;
    if (cc->used)
        memcpy(c, cc->codes, cc->used * sizeof *c);
    free(cc->codes);
    cc->codes = c;
    cc->codes_cap = ncap;
    return PT_OK;
}

static uint64_t word_at(const uint8_t *hdr, int32_t off)
{
    uint64_t v;
    memcpy(&v, hdr + off, sizeof v);
    return v;
}

static int32_t int_at(const uint8_t *hdr, int32_t off)
{
    int32_t v;
    memcpy(&v, hdr + off, sizeof v);
    return v;
}

static char *read_name(const struct pt_pyctx *ctx, uint64_t addr, enum pt_err *err)
{
    char buf[PT_STR_MAX_CHARS * 4 + 1];
    *err = pt_str_read(ctx, addr, buf, sizeof buf);
    if (*err != PT_OK)
        return NULL;
    char *s = strdup(buf);
    if (!s)
        *err = PT_ENOMEM;
    return s;
}

static enum pt_err read_lines(const struct pt_pyctx *ctx, uint64_t addr, struct pt_code *c)
{
    int64_t len;
    enum pt_err err = pt_mem_read(ctx->mem, addr + (uint64_t)ctx->lay.var_size, &len, sizeof len);
    if (err != PT_OK)
        return err;
    if (len < 0 || len > LINES_MAX)
        return PT_EINVAL;
    c->lines = malloc((size_t)len + 1);
    if (!c->lines)
        return PT_ENOMEM;
    c->lines_len = (size_t)len;
    return pt_mem_read(ctx->mem, addr + (uint64_t)ctx->lay.bytes_sval, c->lines, (size_t)len);
}

/* Decode everything about the code object whose header is hdr. */
static enum pt_err decode(const struct pt_pyctx *ctx, const uint8_t *hdr, struct pt_code *c)
{
    const struct pt_layout *L = &ctx->lay;
    c->name_ptr = word_at(hdr, L->code_qualname >= 0 ? L->code_qualname : L->code_name);
    c->file_ptr = word_at(hdr, L->code_filename);
    c->lines_ptr = word_at(hdr, L->code_linetable);
    c->firstlineno = int_at(hdr, L->code_firstlineno);
    c->firsttraceable = L->code_firsttraceable >= 0 ? int_at(hdr, L->code_firsttraceable) : 0;
    if (c->firstlineno < 0)
        return PT_EINVAL;
    enum pt_err err;
    c->name = read_name(ctx, c->name_ptr, &err);
    if (!c->name)
        return err;
    c->file = read_name(ctx, c->file_ptr, &err);
    if (!c->file)
        return err;
    return read_lines(ctx, c->lines_ptr, c);
}

static bool still_same(const struct pt_pyctx *ctx, const uint8_t *hdr, const struct pt_code *c)
{
    const struct pt_layout *L = &ctx->lay;
    return c->name_ptr == word_at(hdr, L->code_qualname >= 0 ? L->code_qualname : L->code_name) &&
           c->file_ptr == word_at(hdr, L->code_filename) &&
           c->lines_ptr == word_at(hdr, L->code_linetable) &&
           c->firstlineno == int_at(hdr, L->code_firstlineno);
}

/* The entry checked while the target's count stood where it stands now:
 * nothing can have replaced its object since (py_code.h). */
static struct pt_code *trusted(struct pt_codecache *cc, const struct pt_code_epoch *ep,
                               uint64_t addr)
{
    if (!ep || !ep->now_ok)
        return NULL;
    uint32_t slot = *find_slot(cc, addr);
    struct pt_code *c = slot ? &cc->codes[slot - 1] : NULL;
    return c && c->decoded && c->epoch_set && c->epoch == ep->now ? c : NULL;
}

static void checked(struct pt_code *c, const struct pt_code_epoch *ep)
{
    c->epoch_set = ep && ep->stamp_ok;
    c->epoch = c->epoch_set ? ep->stamp : 0;
}

/* Slot for a code object at addr whose header bytes are hdr: a cache hit
 * when its identity still holds, else decoded afresh. Capacity must have
 * been reserved by the caller (no grow happens here). */
static enum pt_err resolve(struct pt_codecache *cc, const struct pt_pyctx *ctx,
                           const struct pt_code_epoch *ep, uint64_t addr, const uint8_t *hdr,
                           struct pt_code **out)
{
    const struct pt_layout *L = &ctx->lay;
    if (ctx->code_type && word_at(hdr, L->ob_type) != ctx->code_type)
        return PT_EINVAL;
    uint32_t *slot = find_slot(cc, addr);
    struct pt_code *c;
    if (*slot) {
        c = &cc->codes[*slot - 1];
        if (still_same(ctx, hdr, c)) {
            checked(c, ep);
            *out = c;
            return PT_OK;
        }
        code_clear(c);
    } else {
        c = &cc->codes[cc->used++];
        memset(c, 0, sizeof *c);
        *slot = (uint32_t)cc->used;
    }
    c->addr = addr;
    enum pt_err err = decode(ctx, hdr, c);
    if (err != PT_OK) {
        /* Keep the entry (probe chains must not break) but make it never
         * match, so the next lookup decodes again. */
        free(c->name);
        free(c->file);
        free(c->lines);
        c->name = c->file = NULL;
        c->lines = NULL;
        c->name_ptr = c->file_ptr = c->lines_ptr = 0;
        c->firstlineno = -1;
        c->decoded = false;
        return err;
    }
    c->decoded = true;
    checked(c, ep);
    *out = c;
    return PT_OK;
}

/* Room for `more` new entries without moving any entry. */
static enum pt_err reserve(struct pt_codecache *cc, size_t more)
{
    if (cc->used + more > UINT32_MAX / 2)
        return PT_ENOMEM;
    if (cc->used + more > cc->codes_cap && grow_codes(cc, cc->used + more) != PT_OK)
        return PT_ENOMEM;
    while ((cc->used + more) * 2 > cc->cap) {
        enum pt_err err = grow_index(cc);
        if (err != PT_OK)
            return err;
    }
    return PT_OK;
}

static bool addr_ok(const struct pt_pyctx *ctx, uint64_t addr)
{
    return addr && !(addr & 7) && ctx->lay.code_size > 0 && ctx->lay.code_size <= CODE_HDR_MAX;
}

/* The distinct addresses of addrs (first occurrence order) into uniq;
 * map[i] = index in uniq. Quadratic only in the distinct count of one
 * stack, which recursion keeps small. */
static size_t distinct(const uint64_t *addrs, size_t n, uint64_t *uniq, uint32_t *map)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        /* recursion repeats the previous address: check it first */
        if (k && uniq[k - 1] == addrs[i])
            j = k - 1;
        else
            while (j < k && uniq[j] != addrs[i])
                j++;
        if (j == k)
            uniq[k++] = addrs[i];
        map[i] = (uint32_t)j;
    }
    return k;
}

static enum pt_err scratch_reserve(struct pt_codecache *cc, size_t n)
{
    if (n <= cc->scratch_n)
        return PT_OK;
    size_t want = n < 64 ? 64 : n;
    uint8_t *b = realloc(cc->scratch, want * (CODE_HDR_MAX + sizeof(uint64_t) * 2 +
                                              sizeof(struct pt_mem_piece) + sizeof(enum pt_err) +
                                              sizeof(struct pt_code *) + sizeof(uint32_t)));
    if (!b)
        return PT_ENOMEM;
    cc->scratch = b;
    cc->scratch_n = want;
    return PT_OK;
}

enum pt_err pt_code_get_many(struct pt_codecache *cc, const struct pt_pyctx *ctx,
                             const struct pt_code_epoch *ep, const uint64_t *addrs, size_t n,
                             uint32_t *map, struct pt_code **out, enum pt_err *errs)
{
    if (n == 0)
        return PT_OK; /* a thread with no frames: no scratch may exist yet */
    enum pt_err err = scratch_reserve(cc, n);
    if (err == PT_OK)
        err = reserve(cc, n);
    if (err != PT_OK)
        return err;
    /* scratch layout: headers | uniq addrs | pieces | which uniq each piece is */
    size_t hlen = (size_t)ctx->lay.code_size;
    uint8_t *hdrs = cc->scratch;
    uint64_t *uniq = (uint64_t *)(void *)(hdrs + cc->scratch_n * CODE_HDR_MAX);
    struct pt_mem_piece *pieces = (struct pt_mem_piece *)(void *)(uniq + cc->scratch_n);
    uint32_t *need = (uint32_t *)(void *)(pieces + cc->scratch_n);
    size_t k = distinct(addrs, n, uniq, map), m = 0;
    for (size_t j = 0; j < k; j++) {
        if ((out[j] = trusted(cc, ep, uniq[j])) != NULL) {
            errs[j] = PT_OK;
            continue;
        }
        need[m] = (uint32_t)j;
        pieces[m++] = (struct pt_mem_piece){uniq[j], hdrs + j * CODE_HDR_MAX, hlen};
    }
    /* one system call for every header to check; a piece that fails (a
     * code object freed meanwhile) is marked and the rest read on */
    for (size_t q = 0; q < m;) {
        size_t got = addr_ok(ctx, pieces[q].addr) ? pt_mem_readv(ctx->mem, pieces + q, m - q) : 0;
        for (size_t i = q; i < q + got; i++)
            errs[need[i]] = resolve(cc, ctx, ep, pieces[i].addr, pieces[i].buf, &out[need[i]]);
        q += got;
        if (q < m) {
            errs[need[q]] = addr_ok(ctx, pieces[q].addr) ? PT_EREAD : PT_EINVAL;
            out[need[q]] = NULL;
            q++;
        }
    }
    return PT_OK;
}

int pt_code_line(struct pt_code *code, const struct pt_pyctx *ctx, int64_t addrq)
{
    for (unsigned i = 0; i < code->memo_n; i++)
        if (code->memo_addrq[i] == addrq)
            return code->memo_line[i];
    int line = pt_line_lookup(ctx->facts->lines, code->lines, code->lines_len, code->firstlineno, addrq);
    if (addrq >= INT32_MIN && addrq <= INT32_MAX) { /* newest first */
        code->memo_addrq[1] = code->memo_addrq[0];
        code->memo_line[1] = code->memo_line[0];
        code->memo_addrq[0] = (int32_t)addrq;
        code->memo_line[0] = line;
        code->memo_n += code->memo_n < 2;
    }
    return line;
}
