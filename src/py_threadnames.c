/* py_threadnames — threading._active read from outside: ident -> Thread -> name. */
#include "pytop/py_threadnames.h"

#include <stdlib.h>
#include <string.h>

#include "pytop/py_string.h"
#include "pytop/util.h"

/* Py_TPFLAGS_* bits: public API, the same value in every version that has
 * them (checked against 2.7, 3.6-3.14 object.h). */
#define TPF_INLINE_VALUES (1ull << 2) /* 3.13+ */
#define TPF_MANAGED_DICT (1ull << 4)  /* 3.11+ */
#define TPF_HEAPTYPE (1ull << 9)
#define TPF_INT_SUBCLASS (1ull << 23) /* 2.7 */
#define TPF_LONG_SUBCLASS (1ull << 24)
#define TPF_DICT_SUBCLASS (1ull << 29)

/* PEP 393 state bits (as in py_string.c): only compact ASCII str can equal
 * the ASCII names looked up here. */
#define STATE_COMPACT 0x20u
#define STATE_ASCII 0x40u

#define MAX_INTERPS 64
#define MAX_LOG2_SLOTS 17           /* bigger dicts are not sys.modules or _active */
#define CHUNK_BYTES 3072            /* entries read per call */
#define KEY_MAX 32                  /* longest name looked up, with room */
#define TYPE_BUF 1024               /* PyHeapTypeObject up to ht_cached_keys */
/* A failed lookup is retried after this, doubling, so threads the threading
 * module does not know (started by _thread, or C) cost nothing per sample. */
#define BACKOFF_MIN_NS 250000000ull
#define BACKOFF_MAX_NS 30000000000ull

struct pt_tname {
    uint64_t ident;
    pid_t tid;        /* a new thread reusing an ident has a new tid */
    bool known;       /* name is threading's name for it */
    bool pending;     /* to be looked up in this call */
    bool tried;       /* looked up in the _active dict being scanned */
    uint64_t retry_ns, backoff_ns;
    char name[PT_THREAD_NAME_MAX];
};

/* What one instance's type says about where its attributes are. */
struct typeinfo {
    uint64_t addr, flags, cached_keys;
    int64_t basicsize, dictoffset;
};

/* One call's lookups: memos valid for this call only. */
struct scan {
    const struct pt_target *t;
    const struct pt_layout *L;
    struct pt_threadnames *tn;
    size_t pending;
    uint64_t dict_type, int_type, long_type; /* types proven by their flags */
    struct typeinfo ty;                      /* last instance type read */
};

/* A dict's entry table, located: entry i is at entries + i * esize. */
struct dview {
    uint64_t entries, n;
    int32_t esize, koff, voff, hoff; /* hoff < 0: entries hold no hash */
    uint64_t values;                 /* split table: &values[0]; 0: in entries */
};

static uint64_t word(const uint8_t *buf, int32_t off)
{
    uint64_t v;
    memcpy(&v, buf + off, sizeof v);
    return v;
}

static bool ptr_ok(const struct pt_target *t, uint64_t p)
{
    return pt_target_ptr_plausible(t, p);
}

/* Read at base + off (off may be negative: 3.11+ pre-header), base checked. */
static enum pt_err read_at(const struct pt_target *t, uint64_t base, int64_t off, void *buf,
                           size_t len)
{
    if (!ptr_ok(t, base))
        return PT_EINVAL;
    return pt_mem_read(&t->mem, base + (uint64_t)off, buf, len);
}

/* Bytes to read to cover every offset listed (PT_NOFIELD ones ignored). */
static size_t span(const int32_t *offs, size_t n)
{
    int32_t max = 0;
    for (size_t i = 0; i < n; i++)
        if (offs[i] > max)
            max = offs[i];
    return (size_t)max + 8;
}

/* ------------------------------------------------------------------------
 * Objects: type checks, ints, ASCII str comparison.
 */
static enum pt_err type_has(struct scan *sc, uint64_t type, uint64_t flag, uint64_t *memo)
{
    if (type && type == *memo)
        return PT_OK;
    uint64_t flags;
    enum pt_err err = read_at(sc->t, type, sc->L->type_flags, &flags, sizeof flags);
    if (err != PT_OK)
        return err;
    if (!(flags & flag))
        return PT_EINVAL;
    *memo = type;
    return PT_OK;
}

/* Digits (PyLong_SHIFT bits each, least significant first) to a u64. */
static enum pt_err long_digits(struct scan *sc, uint64_t obj, uint64_t nd, uint64_t *out)
{
    uint32_t d[3]; /* 3 * 30 bits hold any u64 */
    int shift = sc->L->long_shift;
    *out = 0;
    if (nd > sizeof d / sizeof d[0] || shift <= 0 || shift > 30)
        return PT_EINVAL;
    if (nd == 0)
        return PT_OK;
    enum pt_err err = read_at(sc->t, obj, sc->L->long_digits, d, nd * sizeof d[0]);
    if (err != PT_OK)
        return err;
    for (uint64_t i = 0; i < nd; i++) {
        unsigned at = (unsigned)shift * (unsigned)i;
        if (d[i] >> shift)
            return PT_EINVAL; /* not a digit */
        if (at >= 64 ? d[i] != 0 : at > 0 && (uint64_t)d[i] >> (64 - at) != 0)
            return PT_EINVAL; /* more than 64 bits: not a thread ident */
        if (at < 64)
            *out |= (uint64_t)d[i] << at;
    }
    return PT_OK;
}

/* Digit count of a non-negative int from its size word (ob_size, or the
 * 3.12+ lv_tag: count above the non-size bits, sign 0 +, 1 zero, 2 -). */
static enum pt_err long_ndigits(const struct pt_layout *L, const uint8_t *hdr, uint64_t *nd)
{
    if (L->long_lv_tag == PT_NOFIELD) {
        int64_t size = (int64_t)word(hdr, L->var_size);
        *nd = (uint64_t)size;
        return size < 0 ? PT_EINVAL : PT_OK;
    }
    uint64_t tag = word(hdr, L->long_lv_tag);
    *nd = tag >> L->long_nonsize_bits;
    return (tag & 3) == 2 ? PT_EINVAL : PT_OK;
}

/* The value of an int key (2.7 int or long; 3.x int). */
static enum pt_err int_value(struct scan *sc, uint64_t obj, uint64_t *out)
{
    const struct pt_layout *L = sc->L;
    const int32_t offs[] = {L->ob_type, L->var_size, L->long_lv_tag, L->int_ival};
    uint8_t hdr[64];
    size_t len = span(offs, sizeof offs / sizeof offs[0]);
    if (len > sizeof hdr)
        return PT_EINVAL;
    enum pt_err err = read_at(sc->t, obj, 0, hdr, len);
    if (err != PT_OK)
        return err;
    uint64_t type = word(hdr, L->ob_type), nd;
    if (L->int_ival != PT_NOFIELD && type_has(sc, type, TPF_INT_SUBCLASS, &sc->int_type) == PT_OK) {
        *out = word(hdr, L->int_ival);
        return PT_OK;
    }
    if ((err = type_has(sc, type, TPF_LONG_SUBCLASS, &sc->long_type)) != PT_OK ||
        (err = long_ndigits(L, hdr, &nd)) != PT_OK)
        return err;
    return long_digits(sc, obj, nd, out);
}

/* Does the str at obj hold exactly the ASCII text? */
static bool str_eq(struct scan *sc, uint64_t obj, const char *text)
{
    const struct pt_layout *L = sc->L;
    const struct pt_pyctx *ctx = &sc->t->ctx;
    bool b27 = ctx->facts->str == PT_STR_BYTES27;
    size_t n = strlen(text), hlen = (size_t)(b27 ? L->bytes_sval : L->unicode_ascii_size);
    uint8_t hdr[128];
    char data[KEY_MAX];
    if (n > sizeof data || hlen > sizeof hdr || read_at(sc->t, obj, 0, hdr, hlen) != PT_OK)
        return false;
    if (ctx->str_type && word(hdr, L->ob_type) != ctx->str_type)
        return false;
    if (b27 && word(hdr, L->var_size) != n)
        return false;
    if (!b27) {
        uint32_t state;
        memcpy(&state, hdr + L->unicode_state, sizeof state);
        if (word(hdr, L->unicode_length) != n || !(state & STATE_COMPACT) || !(state & STATE_ASCII))
            return false;
    }
    return pt_mem_read(&sc->t->mem, obj + hlen, data, n) == PT_OK && memcmp(data, text, n) == 0;
}

/* ------------------------------------------------------------------------
 * Dicts: 2.7 open table, 3.6-3.10 and 3.11+ compact tables, split values.
 */

/* <= 3.10 ma_values is the values array itself; 3.11+ a struct holding it. */
static int32_t values_base(const struct pt_layout *L)
{
    return L->dictvalues_values == PT_NOFIELD ? 0 : L->dictvalues_values;
}

static void general_entries(const struct pt_layout *L, struct dview *v)
{
    v->esize = L->dictentry_size;
    v->koff = L->dictentry_key;
    v->voff = L->dictentry_value;
    v->hoff = L->dictentry_hash;
}

/* 2.7: ma_table of mask + 1 slots. */
static enum pt_err table27_view(struct scan *sc, uint64_t table, uint64_t mask, struct dview *v)
{
    if (!ptr_ok(sc->t, table) || mask >> MAX_LOG2_SLOTS || (mask & (mask + 1)))
        return PT_EINVAL;
    *v = (struct dview){.entries = table, .n = mask + 1};
    general_entries(sc->L, v);
    return PT_OK;
}

/* Index bytes per slot for 3.6-3.10 (DK_IXSIZE; its 8 needs > 2**32 slots). */
static uint64_t ixsize(uint64_t size) { return size <= 0xff ? 1 : size <= 0xffff ? 2 : 4; }

/* Where the entries start, past the index table, and which entry layout. */
static enum pt_err keys_geometry(struct scan *sc, const uint8_t *hdr, uint64_t *slots,
                                 uint64_t *index_bytes, struct dview *v)
{
    const struct pt_layout *L = sc->L;
    general_entries(L, v);
    if (L->dictkeys_size != PT_NOFIELD) { /* 3.6-3.10 */
        *slots = word(hdr, L->dictkeys_size);
        *index_bytes = *slots * ixsize(*slots);
    } else { /* 3.11+ */
        unsigned log2 = hdr[L->dictkeys_log2_size], log2ib = hdr[L->dictkeys_log2_index_bytes];
        if (log2 > MAX_LOG2_SLOTS || log2ib > log2 + 3)
            return PT_EINVAL;
        *slots = 1ull << log2;
        *index_bytes = 1ull << log2ib;
        if (hdr[L->dictkeys_kind] != 0) { /* DICT_KEYS_UNICODE / SPLIT: no hash */
            *v = (struct dview){.esize = L->dictuentry_size, .koff = L->dictuentry_key,
                                .voff = L->dictuentry_value, .hoff = -1};
        }
    }
    if (!*slots || *slots >> MAX_LOG2_SLOTS || (*slots & (*slots - 1)))
        return PT_EINVAL;
    return PT_OK;
}

/* 3.6+: a keys object; values = &values[0] of a split table, or 0. */
static enum pt_err keys_view(struct scan *sc, uint64_t keys, uint64_t values, struct dview *v)
{
    const struct pt_layout *L = sc->L;
    uint8_t hdr[64];
    size_t len = (size_t)L->dictkeys_indices;
    uint64_t slots, index_bytes;
    if (len > sizeof hdr)
        return PT_EINVAL;
    enum pt_err err = read_at(sc->t, keys, 0, hdr, len);
    if (err != PT_OK || (err = keys_geometry(sc, hdr, &slots, &index_bytes, v)) != PT_OK)
        return err;
    v->n = word(hdr, L->dictkeys_nentries);
    if (v->n > slots)
        return PT_EINVAL;
    v->entries = keys + (uint64_t)L->dictkeys_indices + index_bytes;
    v->values = values;
    return PT_OK;
}

static enum pt_err dict_view(struct scan *sc, uint64_t dict, struct dview *v)
{
    const struct pt_layout *L = sc->L;
    const int32_t offs[] = {L->ob_type, L->dict_keys, L->dict_values, L->dict_table, L->dict_mask};
    uint8_t hdr[64];
    size_t len = span(offs, sizeof offs / sizeof offs[0]);
    if (len > sizeof hdr)
        return PT_EINVAL;
    enum pt_err err = read_at(sc->t, dict, 0, hdr, len);
    if (err != PT_OK ||
        (err = type_has(sc, word(hdr, L->ob_type), TPF_DICT_SUBCLASS, &sc->dict_type)) != PT_OK)
        return err;
    if (L->dict_table != PT_NOFIELD)
        return table27_view(sc, word(hdr, L->dict_table), word(hdr, L->dict_mask), v);
    uint64_t values = word(hdr, L->dict_values);
    return keys_view(sc, word(hdr, L->dict_keys), values ? values + (uint64_t)values_base(L) : 0, v);
}

/* Value of entry i: from the entry, or from the split table's values. */
static enum pt_err entry_value(struct scan *sc, const struct dview *v, uint64_t i,
                               const uint8_t *e, uint64_t *val)
{
    if (!v->values) {
        *val = word(e, v->voff);
        return PT_OK;
    }
    return read_at(sc->t, v->values, (int64_t)(i * 8), val, sizeof *val);
}

/* Called for each live entry; sets *stop to end the walk early. */
typedef enum pt_err (*entry_fn)(struct scan *sc, const struct dview *v, uint64_t i,
                                const uint8_t *e, bool *stop, void *arg);

static enum pt_err view_each(struct scan *sc, const struct dview *v, entry_fn fn, void *arg)
{
    uint8_t buf[CHUNK_BYTES];
    uint64_t per = v->esize > 0 ? sizeof buf / (uint64_t)v->esize : 0;
    bool stop = false;
    if (!per)
        return PT_EINVAL;
    for (uint64_t i = 0; i < v->n && !stop; i += per) {
        uint64_t k = v->n - i < per ? v->n - i : per;
        enum pt_err err = read_at(sc->t, v->entries + i * (uint64_t)v->esize, 0, buf,
                                  (size_t)(k * (uint64_t)v->esize));
        for (uint64_t j = 0; err == PT_OK && j < k && !stop; j++) {
            const uint8_t *e = buf + j * (uint64_t)v->esize;
            /* empty or deleted slot; 2.7 dummies keep a key but no value */
            if (word(e, v->koff) && (v->values || word(e, v->voff)))
                err = fn(sc, v, i + j, e, &stop, arg);
        }
        if (err != PT_OK)
            return err;
    }
    return PT_OK;
}

struct find {
    const char *text;
    uint64_t *memo; /* a key object known to hold text, or NULL */
    bool by_text;   /* compare text, not just the memo's address */
    bool found;
    uint64_t val;
};

static enum pt_err find_one(struct scan *sc, const struct dview *v, uint64_t i, const uint8_t *e,
                            bool *stop, void *arg)
{
    struct find *f = arg;
    uint64_t key = word(e, v->koff);
    if (!f->by_text ? key != *f->memo : !str_eq(sc, key, f->text))
        return PT_OK;
    if (f->memo)
        *f->memo = key;
    f->found = *stop = true;
    return entry_value(sc, v, i, e, &f->val);
}

/* The value under the str key text, 0 when absent. Attribute names are
 * interned, so with a memo a first pass compares addresses only: no read
 * per key; text is compared only when that finds nothing. */
static enum pt_err view_find(struct scan *sc, const struct dview *v, const char *text,
                             uint64_t *memo, uint64_t *val)
{
    struct find f = {text, memo, !memo || !*memo, false, 0};
    enum pt_err err = view_each(sc, v, find_one, &f);
    if (err == PT_OK && !f.found && !f.by_text) {
        f.by_text = true;
        err = view_each(sc, v, find_one, &f);
    }
    *val = f.val;
    return err;
}

static enum pt_err dict_find(struct scan *sc, uint64_t dict, const char *text, uint64_t *memo,
                             uint64_t *val)
{
    struct dview v;
    enum pt_err err = dict_view(sc, dict, &v);
    *val = 0;
    return err != PT_OK ? err : view_find(sc, &v, text, memo, val);
}

/* ------------------------------------------------------------------------
 * Instance attributes: __dict__ at tp_dictoffset, or 3.11+ managed dicts.
 */
static enum pt_err type_info(struct scan *sc, uint64_t type)
{
    const struct pt_layout *L = sc->L;
    const int32_t offs[] = {L->type_flags, L->type_basicsize, L->type_dictoffset,
                            L->heaptype_cached_keys};
    uint8_t buf[TYPE_BUF];
    size_t len = span(offs, sizeof offs / sizeof offs[0]);
    if (type && type == sc->ty.addr)
        return PT_OK;
    if (len > sizeof buf)
        return PT_EINVAL;
    enum pt_err err = read_at(sc->t, type, 0, buf, len);
    if (err != PT_OK)
        return err;
    struct typeinfo *ty = &sc->ty;
    ty->addr = type;
    ty->flags = word(buf, L->type_flags);
    ty->basicsize = (int64_t)word(buf, L->type_basicsize);
    ty->dictoffset = (int64_t)word(buf, L->type_dictoffset);
    /* only heap types (classes) have ht_cached_keys */
    bool heap = (ty->flags & TPF_HEAPTYPE) && L->heaptype_cached_keys != PT_NOFIELD;
    ty->cached_keys = heap ? word(buf, L->heaptype_cached_keys) : 0;
    return PT_OK;
}

/* 3.11+: where a managed-dict object's attributes are: values (keyed by
 * the type's shared keys) or a dict. *cap bounds the values read. */
static enum pt_err managed_where(struct scan *sc, uint64_t obj, uint64_t *values, uint64_t *dict,
                                 uint64_t *cap)
{
    const struct pt_layout *L = sc->L;
    uint64_t w;
    *values = *dict = 0;
    *cap = UINT64_MAX;
    if (L->obj_values_ptr != PT_NOFIELD) { /* 3.11: values pointer, else dict */
        enum pt_err err = read_at(sc->t, obj, L->obj_values_ptr, values, sizeof *values);
        if (err != PT_OK || *values)
            return err;
    } else if (L->dictvalues_valid == PT_NOFIELD) { /* 3.12: one word, values tagged */
        enum pt_err err = read_at(sc->t, obj, L->obj_managed_dict, &w, sizeof w);
        if (err == PT_OK && (w & 1))
            *values = w + 1; /* _PyDictOrValues_GetValues */
        else
            *dict = w;
        return err;
    } else if (sc->ty.flags & TPF_INLINE_VALUES) { /* 3.13+: inline, after the object */
        uint8_t hdr[16];
        uint64_t at = obj + (uint64_t)sc->ty.basicsize;
        if (sc->ty.basicsize <= 0 || (size_t)L->dictvalues_values > sizeof hdr ||
            read_at(sc->t, obj, sc->ty.basicsize, hdr, (size_t)L->dictvalues_values) != PT_OK)
            return PT_EINVAL;
        if (hdr[L->dictvalues_valid]) { /* else the dict holds a copy */
            *values = at;
            *cap = hdr[L->dictvalues_capacity];
            return PT_OK;
        }
    }
    return read_at(sc->t, obj, L->obj_managed_dict, dict, sizeof *dict);
}

static enum pt_err managed_attr(struct scan *sc, uint64_t obj, const char *attr, uint64_t *memo,
                                uint64_t *val)
{
    uint64_t values, dict, cap;
    enum pt_err err = managed_where(sc, obj, &values, &dict, &cap);
    if (err != PT_OK)
        return err;
    if (!values)
        return dict ? dict_find(sc, dict, attr, memo, val) : PT_EINVAL;
    struct dview v;
    if (!sc->ty.cached_keys ||
        (err = keys_view(sc, sc->ty.cached_keys, values + (uint64_t)values_base(sc->L), &v)) != PT_OK)
        return PT_EINVAL;
    if (v.n > cap)
        v.n = cap;
    return view_find(sc, &v, attr, memo, val);
}

static enum pt_err instance_attr(struct scan *sc, uint64_t obj, const char *attr, uint64_t *memo,
                                 uint64_t *val)
{
    const struct pt_layout *L = sc->L;
    uint64_t type, dict;
    enum pt_err err = read_at(sc->t, obj, L->ob_type, &type, sizeof type);
    if (err != PT_OK || (err = type_info(sc, type)) != PT_OK)
        return err;
    if ((sc->ty.flags & TPF_MANAGED_DICT) && L->obj_managed_dict != PT_NOFIELD)
        return managed_attr(sc, obj, attr, memo, val);
    /* <= 0: no __dict__, or one counted from the end of a var-size object */
    if (sc->ty.dictoffset <= 0 ||
        read_at(sc->t, obj, sc->ty.dictoffset, &dict, sizeof dict) != PT_OK || !dict)
        return PT_EINVAL;
    return dict_find(sc, dict, attr, memo, val);
}

static enum pt_err thread_name(struct scan *sc, uint64_t thread, char *out, size_t cap)
{
    /* 2.7 mangles Thread.__name */
    const char *attr = sc->L->major == 2 ? "_Thread__name" : "_name";
    uint64_t name;
    enum pt_err err = instance_attr(sc, thread, attr, &sc->tn->name_key, &name);
    if (err != PT_OK)
        return err;
    return name ? pt_str_read(&sc->t->ctx, name, out, cap) : PT_EINVAL;
}

/* ------------------------------------------------------------------------
 * The cache, sorted by (ident, tid).
 */
static int by_ident(const void *a, const void *b)
{
    const struct pt_tname *x = a, *y = b;
    if (x->ident != y->ident)
        return x->ident < y->ident ? -1 : 1;
    return (x->tid > y->tid) - (x->tid < y->tid);
}

/* First entry with this ident, or NULL. */
static struct pt_tname *first_of(const struct pt_threadnames *tn, uint64_t ident)
{
    size_t lo = 0, hi = tn->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tn->v[mid].ident < ident)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < tn->n && tn->v[lo].ident == ident ? &tn->v[lo] : NULL;
}

static struct pt_tname *find_entry(const struct pt_threadnames *tn, uint64_t ident, pid_t tid)
{
    struct pt_tname key = {.ident = ident, .tid = tid};
    return tn->n ? bsearch(&key, tn->v, tn->n, sizeof *tn->v, by_ident) : NULL;
}

/* Replace the cache by one entry per thread of s, keeping what is known
 * about threads seen before: threads gone are forgotten. */
static enum pt_err rebuild(struct pt_threadnames *tn, const struct pt_stacks *s)
{
    struct pt_tname *v = malloc((s->n ? s->n : 1) * sizeof *v);
    size_t n = 0;
    if (!v)
        return PT_ENOMEM;
    for (size_t i = 0; i < s->n; i++) {
        const struct pt_thread *th = &s->threads[i];
        if (!th->ident)
            continue; /* no ident: nothing to look up */
        const struct pt_tname *old = find_entry(tn, th->ident, th->tid);
        v[n++] = old ? *old : (struct pt_tname){.ident = th->ident, .tid = th->tid};
    }
    qsort(v, n, sizeof *v, by_ident);
    size_t u = 0; /* one entry per (ident, tid): a thread in two interpreters */
    for (size_t i = 0; i < n; i++)
        if (!u || by_ident(&v[u - 1], &v[i]) != 0)
            v[u++] = v[i];
    free(tn->v);
    tn->v = v;
    tn->n = tn->cap = u;
    return PT_OK;
}

static size_t mark_pending(struct pt_threadnames *tn, uint64_t now)
{
    size_t n = 0;
    for (size_t i = 0; i < tn->n; i++) {
        struct pt_tname *e = &tn->v[i];
        e->pending = !e->known && e->retry_ns <= now;
        n += e->pending;
    }
    return n;
}

/* ------------------------------------------------------------------------
 * The scan: sys.modules -> threading -> _active -> names.
 */

/* First pending entry for ident, or NULL: known threads cost no reads. */
static struct pt_tname *pending_of(const struct pt_threadnames *tn, uint64_t ident)
{
    struct pt_tname *x = first_of(tn, ident), *end = tn->v + tn->n;
    for (; x && x < end && x->ident == ident; x++)
        if (x->pending)
            return x;
    return NULL;
}

/* An _active entry: if its key is a pending ident, name that thread.
 * hash(int) is the int itself below 2**61-1 (3.x: x mod 2**61-1; 2.7: x),
 * and idents (pthread_t addresses, < 2**57 on x86-64) always are: so the
 * hash each entry holds finds the thread, and only keys of pending threads
 * are read (and checked: a hash is not a key). */
static enum pt_err on_active(struct scan *sc, const struct dview *v, uint64_t i, const uint8_t *e,
                             bool *stop, void *arg)
{
    (void)arg;
    uint64_t hash = word(e, v->hoff), ident, thread;
    struct pt_tname *x = pending_of(sc->tn, hash);
    if (!x || int_value(sc, word(e, v->koff), &ident) != PT_OK || ident != hash ||
        entry_value(sc, v, i, e, &thread) != PT_OK)
        return PT_OK;
    struct pt_tname *end = sc->tn->v + sc->tn->n;
    for (; x < end && x->ident == ident; x++) {
        /* once per dict: a key is there once, unless the memory is torn or
         * hostile, and each try may scan a whole instance dict */
        if (!x->pending || x->tried)
            continue;
        x->tried = true;
        if (thread_name(sc, thread, x->name, sizeof x->name) != PT_OK)
            continue;
        x->known = true;
        x->pending = false;
        sc->pending--;
    }
    *stop = sc->pending == 0;
    return PT_OK;
}

/* interp's threading._active, or 0 when threading is not imported. */
static enum pt_err find_active(struct scan *sc, uint64_t interp, uint64_t *active)
{
    const struct pt_layout *L = sc->L;
    uint64_t modules, mod, md_dict;
    enum pt_err err = read_at(sc->t, interp, L->interp_modules, &modules, sizeof modules);
    *active = 0;
    if (err != PT_OK || !modules)
        return err != PT_OK ? err : PT_EINVAL; /* starting up or finalising */
    if ((err = dict_find(sc, modules, "threading", NULL, &mod)) != PT_OK || !mod)
        return err;
    if ((err = read_at(sc->t, mod, L->module_dict, &md_dict, sizeof md_dict)) != PT_OK)
        return err;
    if ((err = dict_find(sc, md_dict, "_active", NULL, active)) != PT_OK)
        return err;
    return *active ? PT_OK : PT_EINVAL; /* a module named threading without _active */
}

static struct pt_tn_active *active_slot(struct pt_threadnames *tn, uint64_t interp)
{
    for (size_t i = 0; i < PT_TN_INTERPS; i++)
        if (tn->act[i].interp == interp)
            return &tn->act[i];
    for (size_t i = 0; i < PT_TN_INTERPS; i++)
        if (!tn->act[i].interp)
            return &tn->act[i];
    return &tn->act[0];
}

static enum pt_err scan_active(struct scan *sc, uint64_t active)
{
    struct dview v;
    enum pt_err err = dict_view(sc, active, &v);
    if (err != PT_OK)
        return err;
    if (v.hoff < 0)
        return PT_OK; /* a str-keys table: holds no thread idents */
    for (size_t i = 0; i < sc->tn->n; i++)
        sc->tn->v[i].tried = false;
    return view_each(sc, &v, on_active, NULL);
}

/* Name pending threads from one interpreter; *absent: no threading there. */
static void scan_interp(struct scan *sc, uint64_t interp, bool *absent)
{
    struct pt_tn_active *slot = active_slot(sc->tn, interp);
    if (slot->interp == interp && slot->active && scan_active(sc, slot->active) == PT_OK)
        return;
    *slot = (struct pt_tn_active){0};
    uint64_t active;
    enum pt_err err = find_active(sc, interp, &active);
    *absent = err == PT_OK && !active;
    if (err != PT_OK || !active || scan_active(sc, active) != PT_OK)
        return;
    *slot = (struct pt_tn_active){interp, active};
}

/* All interpreters, newest first (the main one, created first, is last). */
static size_t interp_list(const struct pt_target *t, uint64_t *out, size_t max)
{
    uint64_t interp;
    size_t n = 0;
    if (pt_target_first_interp(t, &t->mem, &interp) != PT_OK)
        return 0;
    while (interp && n < max && ptr_ok(t, interp)) {
        out[n++] = interp;
        if (read_at(t, interp, t->ctx.lay.interp_next, &interp, sizeof interp) != PT_OK)
            break;
    }
    return n;
}

/* Look up every pending thread; true when the main interpreter has no
 * threading module at all. */
static bool scan(struct pt_threadnames *tn, const struct pt_target *t, size_t pending)
{
    struct scan sc = {.t = t, .L = &t->ctx.lay, .tn = tn, .pending = pending};
    uint64_t interps[MAX_INTERPS];
    size_t n = interp_list(t, interps, MAX_INTERPS);
    bool no_threading = false;
    for (size_t k = n; k-- > 0 && sc.pending;) {
        bool absent = false;
        scan_interp(&sc, interps[k], &absent);
        if (k == n - 1)
            no_threading = absent;
    }
    return no_threading;
}

/* Threads still unnamed wait before the next try; without a threading
 * module the main thread is what threading will call it. */
static void back_off(struct pt_threadnames *tn, uint64_t now, bool no_threading, pid_t pid)
{
    for (size_t i = 0; i < tn->n; i++) {
        struct pt_tname *e = &tn->v[i];
        if (!e->pending)
            continue;
        e->pending = false;
        e->backoff_ns = e->backoff_ns ? 2 * e->backoff_ns : BACKOFF_MIN_NS;
        if (e->backoff_ns > BACKOFF_MAX_NS)
            e->backoff_ns = BACKOFF_MAX_NS;
        e->retry_ns = now + e->backoff_ns;
        if (no_threading && e->tid == pid)
            strcpy(e->name, "MainThread");
    }
}

void pt_threadnames_init(struct pt_threadnames *tn) { memset(tn, 0, sizeof *tn); }

void pt_threadnames_free(struct pt_threadnames *tn)
{
    free(tn->v);
    pt_threadnames_init(tn);
}

void pt_threadnames_fill(struct pt_threadnames *tn, const struct pt_target *t, struct pt_stacks *s)
{
    uint64_t now = pt_now_ns();
    if (rebuild(tn, s) != PT_OK)
        return; /* out of memory: names stay empty */
    size_t pending = mark_pending(tn, now);
    if (pending)
        back_off(tn, now, scan(tn, t, pending), t->pid);
    for (size_t i = 0; i < s->n; i++) {
        struct pt_thread *th = &s->threads[i];
        const struct pt_tname *e = th->ident ? find_entry(tn, th->ident, th->tid) : NULL;
        if (e && e->name[0])
            memcpy(th->name, e->name, sizeof th->name);
    }
}
