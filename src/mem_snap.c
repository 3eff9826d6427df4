/* mem_snap — one vectored read per walk instead of one read per structure. */
#include "pytop/mem_snap.h"

#include <stdlib.h>
#include <string.h>

/* Bounds: what one walk may put in the next walk's copy. Larger reads are
 * decode-once reads (strings, line tables) that the next walk will not
 * repeat; more than this many bytes would cost more to copy than it saves. */
#define REC_MAX_LEN (16u << 10)
#define REC_MAX 8192u
#define SNAP_MAX_BYTES (512u << 10)
/* Ranges closer than this are read as one piece: a piece costs the kernel
 * more than a few hundred bytes of copying. The gap lies between two
 * readable ranges less than a page apart, so it is readable too. */
#define MERGE_GAP 256u
/* Farther, up to the next page, when the walk read them one right after
 * the other: a piece costs about as much as a page (pinning it, walking
 * the target's page tables, cold), so the pair is cheaper as one. Only
 * then: merged, the later read is copied as early as the earlier, and a
 * read that must come before it (a thread state before its frames) must
 * not be overtaken. The gap lies in the two pages the reads touched. */
#define PAGE 4096u
/* Pieces that fail inside one vectored read before the rest is given up
 * (each failure costs a system call to read on after it). */
#define MAX_FAILED_PIECES 4

static bool holds(const struct pt_snap_range *r, uint64_t addr, size_t len)
{
    return r->ok && addr >= r->addr && addr - r->addr <= r->len && len <= r->len - (addr - r->addr);
}

/* The range that holds [addr, addr+len) whole, or NULL. */
static const struct pt_snap_range *find(const struct pt_snap *s, uint64_t addr, size_t len)
{
    /* a walk reads on where it left off: a stack's frames, one by one */
    if (s->hint < s->nranges && holds(&s->ranges[s->hint], addr, len))
        return &s->ranges[s->hint];
    size_t lo = 0, hi = s->nranges;
    while (lo < hi) { /* last range starting at or before addr */
        size_t mid = lo + (hi - lo) / 2;
        if (s->ranges[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const struct pt_snap_range *r = &s->ranges[lo - 1];
    return holds(r, addr, len) ? r : NULL;
}

bool pt_snap_has(const struct pt_snap *s, uint64_t addr, size_t len)
{
    return s->active && find(s, addr, len) != NULL;
}

static void record(struct pt_snap *s, uint64_t addr, size_t len)
{
    if (!s->active || len == 0 || len > REC_MAX_LEN || s->nrec >= REC_MAX)
        return;
    if (s->nrec == s->rec_cap) {
        size_t cap = s->rec_cap ? s->rec_cap * 2 : 64;
        struct pt_snap_rec *r = realloc(s->rec, cap * sizeof *r);
        if (!r)
            return; /* only the next walk's copy is smaller */
        s->rec = r;
        s->rec_cap = cap;
    }
    s->rec[s->nrec] = (struct pt_snap_rec){addr, len, s->nrec};
    s->nrec++;
}

static bool serve(struct pt_snap *s, uint64_t addr, void *buf, size_t len)
{
    const struct pt_snap_range *r = find(s, addr, len);
    if (!r) {
        s->st.misses++;
        return false;
    }
    memcpy(buf, s->buf + r->off + (addr - r->addr), len);
    s->hint = (size_t)(r - s->ranges);
    if (r->pos >= s->served_end)
        s->served_end = r->pos + 1;
    s->st.hits++;
    return true;
}

static enum pt_err snap_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct pt_snap *s = ctx;
    record(s, addr, len);
    return serve(s, addr, buf, len) ? PT_OK : pt_mem_read(s->inner, addr, buf, len);
}

static size_t snap_readv(void *ctx, const struct pt_mem_piece *pieces, size_t n)
{
    struct pt_snap *s = ctx;
    for (size_t i = 0; i < n; i++)
        record(s, pieces[i].addr, pieces[i].len);
    for (size_t i = 0; i < n; i++)
        if (!serve(s, pieces[i].addr, pieces[i].buf, pieces[i].len))
            return i + pt_mem_readv(s->inner, pieces + i, n - i);
    return n;
}

static enum pt_err tail_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct pt_snap *s = ctx;
    if (s->active && s->ntail_rec < PT_SNAP_TAILS && len > 0 && len <= REC_MAX_LEN)
        s->tail_rec[s->ntail_rec++] = (struct pt_snap_rec){addr, len, s->nrec};
    for (size_t i = 0; s->active && i < s->ntails; i++) {
        const struct pt_snap_tail *t = &s->tails[i];
        if (t->ok && t->pos >= s->served_end && addr >= t->addr && addr - t->addr <= t->len &&
            len <= t->len - (addr - t->addr)) {
            memcpy(buf, s->tail_buf + t->off + (addr - t->addr), len);
            s->st.tail_hits++;
            return PT_OK;
        }
    }
    return pt_mem_read(s->inner, addr, buf, len);
}

void pt_snap_init(struct pt_snap *s, const struct pt_mem *inner)
{
    memset(s, 0, sizeof *s);
    s->inner = inner;
    s->mem = (struct pt_mem){.read = snap_read, .readv = snap_readv, .ctx = s};
    s->tail = (struct pt_mem){.read = tail_read, .readv = NULL, .ctx = s};
}

void pt_snap_free(struct pt_snap *s)
{
    free(s->ranges);
    free(s->buf);
    free(s->rec);
    free(s->prev);
    free(s->pieces);
    free(s->order);
    free(s->by_seq);
    free(s->tail_buf);
    memset(s, 0, sizeof *s);
}

/* Read every range of the copy; a range that fails is marked and the rest
 * read on, a few times at most. */
static bool *piece_ok(struct pt_snap *s, size_t k)
{
    size_t i = s->order[k];
    return i < s->nranges ? &s->ranges[i].ok : &s->tails[i - s->nranges].ok;
}

static void fill(struct pt_snap *s)
{
    size_t n = s->nranges + s->ntails, failed = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = s->order[k];
        if (i < s->nranges)
            s->pieces[k] = (struct pt_mem_piece){s->ranges[i].addr, s->buf + s->ranges[i].off,
                                                 s->ranges[i].len};
        else
            s->pieces[k] = (struct pt_mem_piece){s->tails[i - s->nranges].addr,
                                                 s->tail_buf + s->tails[i - s->nranges].off,
                                                 s->tails[i - s->nranges].len};
        *piece_ok(s, k) = false;
    }
    for (size_t j = 0; j < n && failed <= MAX_FAILED_PIECES;) {
        size_t got = pt_mem_readv(s->inner, s->pieces + j, n - j);
        s->st.calls++;
        for (size_t q = j; q < j + got; q++)
            *piece_ok(s, q) = true;
        j += got + 1; /* past the piece that failed */
        failed += j <= n;
    }
}

void pt_snap_begin(struct pt_snap *s)
{
    s->nrec = 0;
    s->ntail_rec = 0;
    s->active = true;
    fill(s);
    s->served_end = 0;
}

/* What was served before is older than all of the new copy. */
void pt_snap_refresh(struct pt_snap *s)
{
    fill(s);
    s->served_end = 0;
}

static int by_addr(const void *a, const void *b)
{
    uint64_t x = ((const struct pt_snap_rec *)a)->addr, y = ((const struct pt_snap_rec *)b)->addr;
    return x < y ? -1 : x > y;
}

static bool reserve(void **p, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap)
        return true;
    void *q = realloc(*p, n * size);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

/* The sorted, merged, bounded ranges that cover this walk's reads; their
 * count, and their size in *total. */
static size_t plan(struct pt_snap *s, size_t *total)
{
    if (s->nrec) /* a walk that read nothing has no records (rec may be NULL) */
        qsort(s->rec, s->nrec, sizeof *s->rec, by_addr);
    size_t n = 0, bytes = 0;
    for (size_t i = 0; i < s->nrec; i++) {
        uint64_t a = s->rec[i].addr, e = a + s->rec[i].len;
        if (e < a)
            continue;
        struct pt_snap_range *last = n ? &s->ranges[n - 1] : NULL;
        uint64_t last_end = last ? last->addr + last->len : 0;
        size_t seq = s->rec[i].seq;
        bool in_turn = last && (seq == last->seq_max + 1 || seq + 1 == last->seq);
        if (last && (a <= last_end + MERGE_GAP || (in_turn && a / PAGE <= (last_end - 1) / PAGE + 1))) {
            if (seq < last->seq)
                last->seq = seq;
            if (seq > last->seq_max)
                last->seq_max = seq;
            if (e > last_end) {
                if (bytes + (e - last_end) > SNAP_MAX_BYTES)
                    break;
                bytes += e - last_end;
                last->len = e - last->addr;
            }
            continue;
        }
        if (bytes + (e - a) > SNAP_MAX_BYTES)
            break;
        s->ranges[n++] = (struct pt_snap_range){a, e - a, bytes, seq, seq, 0, false};
        bytes += e - a;
    }
    *total = bytes;
    return n;
}

/* Did this walk read exactly what the last one did? Then its plan stands
 * (the common case: a steady stack). Otherwise remember this walk's. */
static bool same_as_last(struct pt_snap *s)
{
    if (s->nrec == s->nprev && memcmp(s->rec, s->prev, s->nrec * sizeof *s->rec) == 0)
        return true;
    s->nprev = 0;
    if (reserve((void **)&s->prev, &s->prev_cap, s->nrec, sizeof *s->prev)) {
        memcpy(s->prev, s->rec, s->nrec * sizeof *s->rec);
        s->nprev = s->nrec;
    }
    return false;
}

/* The tail reads of this walk become the next walk's tail copies. */
static void plan_tails(struct pt_snap *s)
{
    size_t bytes = 0, n = 0;
    for (size_t i = 0; i < s->ntail_rec; i++)
        bytes += s->tail_rec[i].len;
    s->ntails = 0;
    if (!reserve((void **)&s->tail_buf, &s->tail_buf_cap, bytes, 1))
        return;
    bytes = 0;
    for (size_t i = 0; i < s->ntail_rec; i++) {
        const struct pt_snap_rec *r = &s->tail_rec[i];
        s->tails[n++] = (struct pt_snap_tail){r->addr, r->len, bytes, r->seq, 0, false};
        bytes += r->len;
    }
    s->ntails = n;
}

static int by_key(const void *a, const void *b)
{
    size_t x = ((const struct pt_snap_order *)a)->key, y = ((const struct pt_snap_order *)b)->key;
    return x < y ? -1 : x > y;
}

static void replan(struct pt_snap *s)
{
    /* ranges and pieces hold at most one entry per record */
    if (!reserve((void **)&s->ranges, &s->ranges_cap, s->nrec, sizeof *s->ranges) ||
        !reserve((void **)&s->pieces, &s->pieces_cap, s->nrec + PT_SNAP_TAILS, sizeof *s->pieces)) {
        s->nranges = s->ntails = 0;
        return;
    }
    size_t bytes;
    size_t n = plan(s, &bytes);
    if (!reserve((void **)&s->buf, &s->buf_cap, bytes, 1) ||
        !reserve((void **)&s->by_seq, &s->by_seq_cap, n, sizeof *s->by_seq))
        n = 0;
    for (size_t i = 0; i < n; i++)
        s->by_seq[i] = (struct pt_snap_order){s->ranges[i].seq, i};
    if (n)
        qsort(s->by_seq, n, sizeof *s->by_seq, by_key);
    s->nranges = n;
}

/* Each piece after every read its walk made before it: the ranges in walk
 * order, and each tail (recorded in walk order too) before the first range
 * whose first read came after it. One pass: the sort is the plan's. */
static void order_pieces(struct pt_snap *s)
{
    if (!reserve((void **)&s->order, &s->order_cap, s->nranges + s->ntails, sizeof *s->order)) {
        s->nranges = s->ntails = 0;
        return;
    }
    size_t r = 0, k = 0;
    for (size_t t = 0; t < s->ntails; t++) {
        for (; r < s->nranges && s->by_seq[r].key < s->tails[t].seq; r++, k++)
            s->ranges[s->order[k] = s->by_seq[r].idx].pos = k;
        s->tails[t].pos = k;
        s->order[k++] = s->nranges + t;
    }
    for (; r < s->nranges; r++, k++)
        s->ranges[s->order[k] = s->by_seq[r].idx].pos = k;
}

void pt_snap_end(struct pt_snap *s)
{
    s->active = false;
    plan_tails(s);
    if (!s->nranges || !same_as_last(s))
        replan(s);
    order_pieces(s);
}
