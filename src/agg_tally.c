/* agg_tally — sparse (thread, class, id) counters over an idmap. */
#include "pytop/agg_tally.h"

#include <stdbool.h>
#include <stdlib.h>

void pt_tally_init(struct pt_tally *t)
{
    pt_idmap_init(&t->ids);
    t->cells = NULL;
    t->cap = 0;
}

void pt_tally_free(struct pt_tally *t)
{
    pt_idmap_free(&t->ids);
    free(t->cells);
    pt_tally_init(t);
}

void pt_tally_clear(struct pt_tally *t) { pt_idmap_clear(&t->ids); }

size_t pt_tally_bytes(const struct pt_tally *t) { return pt_idmap_bytes(&t->ids) + t->cap * sizeof *t->cells; }

enum pt_err pt_tally_reserve(struct pt_tally *t, size_t extra)
{
    if (pt_idmap_reserve(&t->ids, extra) != PT_OK)
        return PT_ENOMEM;
    size_t need = pt_tally_n(t) + extra;
    if (need <= t->cap)
        return PT_OK;
    /* follow the idmap's own capacity so cells never lag behind ids */
    size_t cap = t->ids.keys_cap > need ? t->ids.keys_cap : need;
    struct pt_cell *c = realloc(t->cells, cap * sizeof *c);
    if (!c)
        return PT_ENOMEM;
    t->cells = c;
    t->cap = cap;
    return PT_OK;
}

uint32_t pt_tally_index(struct pt_tally *t, uint32_t thread, uint32_t cls, uint32_t id)
{
    /* reserve first: an id without a cell would be a lie */
    if (pt_tally_reserve(t, 1) != PT_OK)
        return PT_NOID;
    bool added = false;
    uint32_t i = pt_idmap_intern(&t->ids, thread, id, cls, &added);
    if (added)
        t->cells[i] = (struct pt_cell){0};
    return i;
}

struct pt_cell *pt_tally_at(struct pt_tally *t, uint32_t thread, uint32_t cls, uint32_t id)
{
    uint32_t i = pt_tally_index(t, thread, cls, id);
    return i == PT_NOID ? NULL : &t->cells[i];
}

bool pt_tally_add(struct pt_tally *t, uint32_t thread, uint32_t cls, uint32_t id, uint64_t n, uint64_t us)
{
    struct pt_cell *c = pt_tally_at(t, thread, cls, id);
    if (!c)
        return false;
    c->n += n;
    c->us += us;
    return true;
}

enum pt_err pt_tally_merge(struct pt_tally *into, const struct pt_tally *from)
{
    if (pt_tally_reserve(into, pt_tally_n(from)) != PT_OK)
        return PT_ENOMEM;
    for (size_t i = 0; i < pt_tally_n(from); i++)
        pt_tally_add(into, pt_tally_thread(from, i), pt_tally_cls(from, i), pt_tally_id(from, i),
                     from->cells[i].n, from->cells[i].us);
    return PT_OK;
}
